import FlintTensor

/// Arguments of one op call, read by position or by schema name as TorchScript binds them.
struct OpCall {
    let args: [OpArgument]
    let kwargs: [String: OpArgument]

    func value(_ index: Int, _ name: String) -> OpArgument? {
        if let named = kwargs[name] { return named }
        return index < args.count ? args[index] : nil
    }

    func tensor(_ index: Int, _ name: String) throws -> Tensor {
        guard case .tensor(let t, _)? = value(index, name) else { throw TensorError("argument \(name) is not a tensor") }
        return t
    }

    func optionalTensor(_ index: Int, _ name: String) throws -> Tensor? {
        switch value(index, name) {
        case nil, .none?: return nil
        case .tensor(let t, _)?: return t
        default: throw TensorError("argument \(name) is not a tensor")
        }
    }

    func tensors(_ index: Int, _ name: String) throws -> [Tensor] {
        guard case .tensors(let list)? = value(index, name) else { throw TensorError("argument \(name) is not a tensor list") }
        return list
    }

    func optionalTensors(_ index: Int, _ name: String) throws -> [Tensor?] {
        switch value(index, name) {
        case .tensors(let list)?: return list
        case .optionalTensors(let list)?: return list
        default: throw TensorError("argument \(name) is not a list of optional tensors")
        }
    }

    func scalar(_ index: Int, _ name: String, default fallback: Scalar? = nil) throws -> Scalar {
        switch value(index, name) {
        case .int(let i)?: return .int(i)
        case .double(let d)?: return .double(d)
        case .bool(let b)?: return .bool(b)
        case nil where fallback != nil: return fallback!
        default: throw TensorError("argument \(name) is not a scalar")
        }
    }

    func optionalScalar(_ index: Int, _ name: String) throws -> Scalar? {
        switch value(index, name) {
        case nil, .none?: return nil
        default: return try scalar(index, name)
        }
    }

    func operand(_ index: Int, _ name: String) throws -> Operand {
        if case .tensor(let t, _)? = value(index, name) { return .tensor(t) }
        return .scalar(try scalar(index, name))
    }

    func int(_ index: Int, _ name: String, default fallback: Int? = nil) throws -> Int {
        switch value(index, name) {
        case .int(let i)?: return Int(i)
        case nil where fallback != nil: return fallback!
        default: throw TensorError("argument \(name) is not an int")
        }
    }

    func optionalInt(_ index: Int, _ name: String) throws -> Int? {
        switch value(index, name) {
        case nil, .none?: return nil
        default: return try int(index, name)
        }
    }

    /// An int list; a lone int is accepted only where the schema's list has one element (`int[1]`).
    func ints(_ index: Int, _ name: String, default fallback: [Int]? = nil, single: Bool = true) throws -> [Int] {
        switch value(index, name) {
        case .ints(let list)?: return list
        case .int(let i)? where single: return [Int(i)]
        case nil where fallback != nil: return fallback!
        default: throw TensorError("argument \(name) is not an int list")
        }
    }

    func optionalInts(_ index: Int, _ name: String) throws -> [Int]? {
        switch value(index, name) {
        case nil, .none?: return nil
        default: return try ints(index, name)
        }
    }

    func double(_ index: Int, _ name: String, default fallback: Double? = nil) throws -> Double {
        switch value(index, name) {
        case .double(let d)?: return d
        case .int(let i)?: return Double(i)
        case nil where fallback != nil: return fallback!
        default: throw TensorError("argument \(name) is not a float")
        }
    }

    func optionalDouble(_ index: Int, _ name: String) throws -> Double? {
        switch value(index, name) {
        case nil, .none?: return nil
        default: return try double(index, name)
        }
    }

    func optionalDoubles(_ index: Int, _ name: String) throws -> [Double]? {
        switch value(index, name) {
        case nil, .none?: return nil
        case .doubles(let list)?: return list
        case .double(let d)?: return [d]
        default: throw TensorError("argument \(name) is not a float list")
        }
    }

    func bool(_ index: Int, _ name: String, default fallback: Bool? = nil) throws -> Bool {
        switch value(index, name) {
        case .bool(let b)?: return b
        case nil where fallback != nil: return fallback!
        default: throw TensorError("argument \(name) is not a bool")
        }
    }

    func optionalBool(_ index: Int, _ name: String) throws -> Bool? {
        switch value(index, name) {
        case nil, .none?: return nil
        default: return try bool(index, name)
        }
    }

    func string(_ index: Int, _ name: String, default fallback: String? = nil) throws -> String {
        switch value(index, name) {
        case .string(let s)?: return s
        case nil where fallback != nil: return fallback!
        default: throw TensorError("argument \(name) is not a string")
        }
    }

    func optionalString(_ index: Int, _ name: String) throws -> String? {
        switch value(index, name) {
        case nil, .none?: return nil
        default: return try string(index, name)
        }
    }

    func requiredDType(_ index: Int, _ name: String) throws -> DType {
        guard let dtype = try optionalDType(index, name) else { throw TensorError("argument \(name) is not a dtype") }
        return dtype
    }

    func optionalDType(_ index: Int, _ name: String) throws -> DType? {
        switch value(index, name) {
        case nil, .none?: return nil
        case .dtype(let d)?: return d
        case .int(let code)?: return DType(scalarTypeCode: Int(code))
        default: throw TensorError("argument \(name) is not a dtype")
        }
    }
}
