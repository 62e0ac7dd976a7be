import FlintTensor
import FlintValues

/// The arguments of one operator call, bound to the operator's schema: one value per schema argument, in
/// schema order, with defaults already filled in by the binder. Accessors convert TorchScript values to
/// the tensor library's types and throw ``OperatorError`` naming the argument on a mismatch.
package struct Arguments {
    package var values: [ScriptValue]

    package init(_ values: [ScriptValue]) { self.values = values }

    package subscript(index: Int) -> ScriptValue { index < values.count ? values[index] : .none }

    private func mismatch(_ index: Int, _ name: String, _ expected: String) -> OperatorError {
        OperatorError("argument '\(name)' (position \(index + 1)) must be \(expected), not \(self[index].kindName)")
    }

    package func tensor(_ index: Int, _ name: String) throws -> Tensor {
        guard case .tensor(let t) = self[index] else { throw mismatch(index, name, "Tensor") }
        return t
    }

    package func optionalTensor(_ index: Int, _ name: String) throws -> Tensor? {
        switch self[index] {
        case .none: return nil
        case .tensor(let t): return t
        default: throw mismatch(index, name, "Optional[Tensor]")
        }
    }

    package func tensors(_ index: Int, _ name: String) throws -> [Tensor] {
        guard let elements = self[index].sequence else { throw mismatch(index, name, "List[Tensor]") }
        return try elements.map {
            guard case .tensor(let t) = $0 else { throw mismatch(index, name, "List[Tensor]") }
            return t
        }
    }

    package func optionalTensors(_ index: Int, _ name: String) throws -> [Tensor?] {
        Array(try optionalTensorElements(index, name))
    }

    /// A `List[Optional[Tensor]]` argument read in place: its elements, checked, as optional tensors (no new array).
    package func optionalTensorElements(_ index: Int, _ name: String) throws -> LazyMapCollection<[ScriptValue], Tensor?> {
        guard let elements = self[index].sequence else { throw mismatch(index, name, "List[Optional[Tensor]]") }
        for element in elements {
            switch element {
            case .none, .tensor: continue
            default: throw mismatch(index, name, "List[Optional[Tensor]]")
            }
        }
        return elements.lazy.map(\.tensor)
    }

    package func scalar(_ index: Int, _ name: String, default fallback: Scalar? = nil) throws -> Scalar {
        switch self[index] {
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .bool(let b): return .bool(b)
        case .none where fallback != nil: return fallback!
        default: throw mismatch(index, name, "a number")
        }
    }

    /// A `Scalar[]` argument, each element keeping its int, float or bool kind.
    package func scalars(_ index: Int, _ name: String) throws -> [Scalar] {
        guard let elements = self[index].sequence else { throw mismatch(index, name, "List[Scalar]") }
        return try elements.map {
            switch $0 {
            case .int(let i): return .int(i)
            case .double(let d): return .double(d)
            case .bool(let b): return .bool(b)
            default: throw mismatch(index, name, "List[Scalar]")
            }
        }
    }

    package func optionalScalar(_ index: Int, _ name: String) throws -> Scalar? {
        self[index].isNone ? nil : try scalar(index, name)
    }

    /// A `Tensor` or `Scalar` argument as a binary operand.
    package func operand(_ index: Int, _ name: String) throws -> Operand {
        if case .tensor(let t) = self[index] { return .tensor(t) }
        if case .complex(let re, let im) = self[index] { return .complex(real: re, imaginary: im) }
        return .scalar(try scalar(index, name))
    }

    /// ``operand(_:_:)``, but a traced model's 0-dim constant (``Tensor/isWrappedNumber``) is the Python number it
    /// was, as libtorch's graph canonicalisation (`CanonicalizeOps`) hands it to `add`, `sub`, `mul` and `div`.
    package func numberOperand(_ index: Int, _ name: String) throws -> Operand {
        guard case .tensor(let t) = self[index], t.isWrappedNumber else { return try operand(index, name) }
        if t.dtype.isComplex {
            let parts = try t.to(.complex128).viewAsReal().contiguous().scalars(as: Double.self)
            return .complex(real: parts[0], imaginary: parts[1])
        }
        if t.dtype == .bool { return .scalar(.bool(try t.item() != 0)) }
        if t.dtype.isFloatingPoint { return .scalar(.double(try t.item())) }
        return .scalar(.int(try t.to(.int64).scalars(as: Int64.self)[0]))
    }

    package func int(_ index: Int, _ name: String, default fallback: Int? = nil) throws -> Int {
        switch self[index] {
        case .int(let i):
            guard let value = Int(exactly: i) else { throw mismatch(index, name, "an int that fits this platform") }
            return value
        case .bool(let b): return b ? 1 : 0
        case .none where fallback != nil: return fallback!
        default: throw mismatch(index, name, "int")
        }
    }

    package func int64(_ index: Int, _ name: String) throws -> Int64 {
        switch self[index] {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: throw mismatch(index, name, "int")
        }
    }

    package func optionalInt(_ index: Int, _ name: String) throws -> Int? {
        self[index].isNone ? nil : try int(index, name)
    }

    /// An int list; a lone int stands for a one-element list (`int[1]`).
    package func ints(_ index: Int, _ name: String, default fallback: [Int]? = nil, single: Bool = true) throws -> [Int] {
        switch self[index] {
        case .int(let i) where single: return [Int(truncatingIfNeeded: i)]
        case .none where fallback != nil: return fallback!
        case .list(let list) where list.integers != nil: return list.integers!
        case let value:
            guard let elements = value.sequence else { throw mismatch(index, name, "List[int]") }
            return try elements.map {
                switch $0 {
                case .int(let i): return Int(truncatingIfNeeded: i)
                case .tensor(let t) where t.rank == 0 && !t.dtype.isFloatingPoint: return Int(truncatingIfNeeded: Int64(try t.item()))
                default: throw mismatch(index, name, "List[int]")
                }
            }
        }
    }

    package func optionalInts(_ index: Int, _ name: String) throws -> [Int]? {
        self[index].isNone ? nil : try ints(index, name)
    }

    package func double(_ index: Int, _ name: String, default fallback: Double? = nil) throws -> Double {
        switch self[index] {
        case .double(let d): return d
        case .int(let i): return Double(i)
        case .bool(let b): return b ? 1 : 0
        case .none where fallback != nil: return fallback!
        default: throw mismatch(index, name, "float")
        }
    }

    package func optionalDouble(_ index: Int, _ name: String) throws -> Double? {
        self[index].isNone ? nil : try double(index, name)
    }

    package func optionalDoubles(_ index: Int, _ name: String) throws -> [Double]? {
        switch self[index] {
        case .none: return nil
        case .double(let d): return [d]
        case let value:
            guard let elements = value.sequence else { throw mismatch(index, name, "List[float]") }
            return try elements.map {
                switch $0 {
                case .double(let d): return d
                case .int(let i): return Double(i)
                default: throw mismatch(index, name, "List[float]")
                }
            }
        }
    }

    package func bool(_ index: Int, _ name: String, default fallback: Bool? = nil) throws -> Bool {
        switch self[index] {
        case .bool(let b): return b
        case .none where fallback != nil: return fallback!
        default: throw mismatch(index, name, "bool")
        }
    }

    package func optionalBool(_ index: Int, _ name: String) throws -> Bool? {
        self[index].isNone ? nil : try bool(index, name)
    }

    package func string(_ index: Int, _ name: String, default fallback: String? = nil) throws -> String {
        switch self[index] {
        case .string(let s): return s
        case .none where fallback != nil: return fallback!
        default: throw mismatch(index, name, "str")
        }
    }

    package func optionalString(_ index: Int, _ name: String) throws -> String? {
        self[index].isNone ? nil : try string(index, name)
    }

    /// A `ScalarType` argument (TorchScript passes dtypes as their `c10::ScalarType` number).
    package func optionalDType(_ index: Int, _ name: String) throws -> DType? {
        switch self[index] {
        case .none: return nil
        case .int(let code):
            guard let dtype = DType(scalarTypeCode: Int(truncatingIfNeeded: code)) else {
                throw OperatorError("argument '\(name)': unsupported ScalarType \(code)")
            }
            return dtype
        default: throw mismatch(index, name, "ScalarType")
        }
    }

    package func requiredDType(_ index: Int, _ name: String) throws -> DType {
        guard let dtype = try optionalDType(index, name) else { throw mismatch(index, name, "ScalarType") }
        return dtype
    }
}

/// An operator rejected its arguments (the message reads like ATen's).
package struct OperatorError: Error, CustomStringConvertible, Sendable {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
