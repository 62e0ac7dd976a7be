import FlintScript
import FlintTensor
import FlintValues

/// `raise` in a model, or `prim::RaiseException`: the message and the Python exception class.
package struct ScriptRaisedError: Error, CustomStringConvertible, Sendable {
    package let message: String
    /// `builtins.ValueError`, or nil when the archive names none.
    package let pythonClass: String?
    package init(message: String, pythonClass: String?) {
        self.message = message
        self.pythonClass = pythonClass
    }
    package var description: String { pythonClass.map { "\($0): \(message)" } ?? message }
}

/// Converting between tensors and TorchScript numbers.
package enum TensorScalars {
    /// The single element of a tensor as an int, float, complex or bool value (int64 exact).
    package static func item(_ t: Tensor) throws -> ScriptValue {
        guard t.elementCount == 1 else {
            throw OperatorError("a Tensor with \(t.elementCount) elements cannot be converted to Scalar")
        }
        if t.dtype == .bool { return .bool(try t.item() != 0) }
        if t.dtype.isFloatingPoint { return .double(try t.item()) }
        if t.dtype.isComplex {
            let parts = try t.to(.complex128).viewAsReal().contiguous().scalars(as: Double.self)
            return .complex(real: parts[0], imaginary: parts[1])
        }
        return .int(try t.to(.int64).scalars(as: Int64.self)[0])
    }

    /// A 0-dim tensor holding a number (`prim::NumToTensor`): int64, float64, complex128 or bool.
    package static func tensor(_ value: ScriptValue) throws -> Tensor {
        switch value {
        case .complex(let re, let im): return try complexTensor(re, im, dtype: .complex128)
        case .int(let i): return try Scalar.int(i).tensor(.int64)
        case .double(let d): return try Scalar.double(d).tensor(.float64)
        case .bool(let b): return try Scalar.bool(b).tensor(.bool)
        default: throw OperatorError("cannot make a tensor of \(value.kindName)")
        }
    }

    /// A 0-dim complex tensor of `dtype` holding re + im·i.
    package static func complexTensor(_ re: Double, _ im: Double, dtype: DType) throws -> Tensor {
        try Tensor.complex(real: Tensor.full([], value: re, dtype: .float64), imaginary: Tensor.full([], value: im, dtype: .float64)).to(dtype)
    }
}

extension OperatorDefinitions {
    /// `prim::*` builtins and the tensor-introspection operators TorchScript compiles Python attributes to
    /// (`x.shape`, `x.dtype`, `x.device`, `int(x)`...).
    mutating func definePrimitiveOperators() {
        define(schema: "prim::RaiseException(str msg, str? cls=None) -> ()") { c in
            throw ScriptRaisedError(message: try c.string(0, "msg"), pythonClass: try c.optionalString(1, "cls"))
        }
        define("prim::dtype") { c in .int(Int64(try c.tensor(0, "a").dtype.scalarTypeCode)) }
        define("prim::device") { _ in .device(Device("cpu")!) }
        define("prim::layout") { _ in .int(0) }
        define(["prim::is_cuda", "prim::is_xpu", "prim::is_sparse", "prim::is_sparse_csr", "prim::is_mkldnn", "prim::is_quantized",
                "prim::is_meta", "prim::is_mps", "prim::is_vulkan", "prim::is_ipu", "prim::is_xla", "prim::is_maia",
                "prim::is_mtia", "prim::requires_grad"]) { _ in .bool(false) }
        define("prim::is_cpu") { _ in .bool(true) }
        // A new view, as ATen's: a wrapped number's is a plain 0-dim tensor.
        define(["prim::data", "aten::detach"]) { c in
            let t = try c.tensor(0, "a")
            return .tensor(t.isWrappedNumber ? try t.asStrided(t.shape, t.strides) : t)
        }
        define(["prim::NumToTensor.Scalar", "prim::NumToTensor.bool"]) { c in .tensor(try TensorScalars.tensor(c[0])) }
        define(["prim::unchecked_unwrap_optional", "aten::_unwrap_optional"]) { c in
            guard !c[0].isNone else { throw OperatorError("Unwrapping null optional") }
            return c[0]
        }
        define(["prim::EnumValue.int", "prim::EnumValue.float", "prim::EnumValue.str"]) { c in
            guard case .enumValue(let member) = c[0] else { throw OperatorError("EnumValue of \(c[0].kindName)") }
            return member.value
        }
        define("prim::EnumName") { c in
            guard case .enumValue(let member) = c[0] else { throw OperatorError("EnumName of \(c[0].kindName)") }
            return .string(member.name)
        }
        define("aten::dim") { c in .int(Int64(try c.tensor(0, "self").rank)) }
        define("aten::numel") { c in .int(Int64(try c.tensor(0, "self").elementCount)) }
        define("aten::size") { c in .list(try c.tensor(0, "self").shape.map { .int(Int64($0)) }, elementType: "int") }
        define("aten::size.int") { c in
            let t = try c.tensor(0, "self")
            guard t.rank > 0 else { throw OperatorError("Dimension specified as \(try c.int(1, "dim")) but tensor has no dimensions") }
            return .int(Int64(t.shape[try t.wrapDimension(c.int(1, "dim"))]))
        }
        // The symbolic-size forms torch.export programs call (sizes are concrete when a program runs).
        define("aten::sym_size.int") { c in
            let t = try c.tensor(0, "self")
            guard t.rank > 0 else { throw OperatorError("Dimension specified as \(try c.int(1, "dim")) but tensor has no dimensions") }
            return .int(Int64(t.shape[try t.wrapDimension(c.int(1, "dim"))]))
        }
        define("aten::sym_size") { c in .list(try c.tensor(0, "self").shape.map { .int(Int64($0)) }, elementType: "int") }
        define("aten::sym_numel") { c in .int(Int64(try c.tensor(0, "self").elementCount)) }
        define("aten::sym_stride") { c in .list(try c.tensor(0, "self").strides.map { .int(Int64($0)) }, elementType: "int") }
        define("aten::sym_stride.int") { c in
            let t = try c.tensor(0, "self")
            guard t.rank > 0 else { throw OperatorError("Dimension specified as \(try c.int(1, "dim")) but tensor has no dimensions") }
            return .int(Int64(t.strides[try t.wrapDimension(c.int(1, "dim"))]))
        }
        define("aten::sym_storage_offset") { c in .int(Int64(try c.tensor(0, "self").storageOffset)) }
        // Runtime assertions torch.export inserts for its size constraints.
        define("aten::_assert_scalar") { c in
            let holds: Bool
            switch c[0] {
            case .bool(let b): holds = b
            case .int(let i): holds = i != 0
            case .double(let d): holds = d != 0
            default: throw OperatorError("_assert_scalar expects a bool, int or float, got \(c[0].kindName)")
            }
            guard holds else { throw OperatorError(try c.string(1, "assert_msg")) }
            return .none
        }
        define(["aten::sym_constrain_range", "aten::sym_constrain_range_for_size"]) { c in
            guard case .int(let size) = c[0] else { return .none }
            let low = try c.optionalInt(1, "min"), high = try c.optionalInt(2, "max")
            if let low, size < low { throw OperatorError("Invalid value range for \(size) between [\(low), \(high.map(String.init) ?? "inf")]") }
            if let high, size > high { throw OperatorError("Invalid value range for \(size) between [\(low.map(String.init) ?? "-inf"), \(high)]") }
            return .none
        }
        define("aten::_assert_tensor_metadata") { c in
            let t = try c.tensor(0, "a")
            if let size = try c.optionalInts(1, "size"), size != t.shape {
                throw OperatorError("Tensor sizes mismatch! Expected: \(size), Got: \(t.shape)")
            }
            if let dtype = try c.optionalDType(3, "dtype"), dtype != t.dtype {
                throw OperatorError("Tensor dtype mismatch! Expected: \(dtype.name), Got: \(t.dtype.name)")
            }
            return .none
        }
        define("aten::stride") { c in .list(try c.tensor(0, "self").strides.map { .int(Int64($0)) }, elementType: "int") }
        define("aten::stride.int") { c in
            let t = try c.tensor(0, "self")
            guard t.rank > 0 else { throw OperatorError("Dimension specified as \(try c.int(1, "dim")) but tensor has no dimensions") }
            return .int(Int64(t.strides[try t.wrapDimension(c.int(1, "dim"))]))
        }
        define("aten::item") { c in try TensorScalars.item(c.tensor(0, "self")) }
        define("aten::is_contiguous") { c in
            let t = try c.tensor(0, "self")
            return .bool(t.strides == Tensor.contiguousStrides(for: t.shape) || t.elementCount <= 1)
        }
        define("aten::is_floating_point") { c in .bool(try c.tensor(0, "self").dtype.isFloatingPoint) }
        define("aten::is_complex") { c in .bool(try c.tensor(0, "self").dtype.isComplex) }
        define("aten::element_size") { c in .int(Int64(try c.tensor(0, "self").dtype.itemSize)) }
        define("aten::get_device") { _ in .int(-1) }
        // Dropout: the input outside training (or with p = 0); in training, libtorch's noise drawn from its generator.
        for name in ["dropout", "feature_dropout", "alpha_dropout", "feature_alpha_dropout"] {
            for inPlace in [false, true] {
                define("aten::\(name)\(inPlace ? "_" : "")") { c in
                    let input = try c.tensor(0, "input")
                    let p = try c.double(1, "p")
                    guard try c.bool(2, "train"), p != 0 else { return .tensor(input) }
                    let result = try input.trainingDropout(p: p, featureWise: name.hasPrefix("feature"), alpha: name.contains("alpha"))
                    if inPlace { try input.copy(from: result) }
                    return .tensor(inPlace ? input : result)
                }
            }
        }
        define("aten::copy_") { c in
            let target = try c.tensor(0, "self")
            try target.copy(from: c.tensor(1, "src"))
            return .tensor(target)
        }
        define(["aten::fill_.Scalar", "aten::fill_.Tensor", "aten::zero_"]) { c in
            let target = try c.tensor(0, "self")
            let value: Tensor = c.values.count > 1 ? (try c[1].tensor ?? c.scalar(1, "value").tensor(target.dtype)) : try Scalar.int(0).tensor(target.dtype)
            try target.copy(from: value)
            return .tensor(target)
        }
        // copy_ and zero_'s functional forms (declared after the in-place variants are derived, as fill's): self's
        // shape and dtype, src's values or zeros.
        tensorOp("aten::copy") { c in
            let (x, source) = (try c.tensor(0, "self"), try c.tensor(1, "src"))
            let result = Tensor.zeros(x.shape, dtype: x.dtype)
            try result.copy(from: source)
            return result
        }
        tensorOp("aten::zero") { c in
            let x = try c.tensor(0, "self")
            return Tensor.zeros(x.shape, dtype: x.dtype)
        }
        // fill_'s functional form (declared here with it, after the in-place variants are derived from the tensor
        // operators): a new tensor like self filled with the value (a number, or a 0-d tensor's).
        tensorOp("aten::fill.Scalar") { c in
            let x = try c.tensor(0, "self")
            return try Tensor.full(x.shape, value: c.scalar(1, "value").doubleValue, dtype: x.dtype)
        }
        tensorOp("aten::fill.Tensor") { c in
            let (x, value) = (try c.tensor(0, "self"), try c.tensor(1, "value"))
            guard value.rank == 0 else { throw OperatorError("fill only supports 0-dimension value tensor but got tensor with \(value.rank) dimensions.") }
            return try value.to(x.dtype).expand(x.shape).contiguous()
        }
        // `to` returns its input when the dtype is the one asked for and no copy is asked for; otherwise a new
        // tensor, which the writer form writes into a given destination (a recorded graph drops the writer
        // where the recorded call returned its input, and its no-op elimination removes such calls).
        define(["aten::to.dtype", "aten::to.prim_dtype"], { c in
            let (t, dtype, copy) = try Self.conversion(c)
            return .tensor(dtype == t.dtype && !copy ? t : try t.converted(to: dtype).contiguousCopy(always: copy))
        }, writer: { c, destination in
            let (t, dtype, _) = try Self.conversion(c)
            try Self.convert(t, to: dtype, into: destination)
        })
        define(["aten::to.device", "aten::to.dtype_layout", "aten::to.prim_Device", "aten::to.other"], { c in
            let (t, dtype, copy) = try Self.deviceConversion(c)
            return .tensor(dtype == t.dtype && !copy ? t : try t.converted(to: dtype).contiguousCopy(always: copy))
        }, writer: { c, destination in
            let (t, dtype, _) = try Self.deviceConversion(c)
            try Self.convert(t, to: dtype, into: destination)
        })
        define("aten::type_as") { c in .tensor(try c.tensor(0, "self").converted(to: c.tensor(1, "other").dtype)) }
        define(["aten::device.with_index", "aten::device"]) { c in
            let text = try c.string(0, "type") + (c.values.count > 1 ? ":\(try c.int(1, "index"))" : "")
            guard let device = Device(text) else { throw OperatorError("Invalid device string: '\(text)'") }
            return .device(device)
        }
        define("aten::__range_length") { c in
            let (lo, hi, step) = (try c.int64(0, "lo"), try c.int64(1, "hi"), try c.int64(2, "step"))
            guard step != 0 else { throw OperatorError("range() arg 3 must not be zero") }
            if step > 0 { return .int(lo < hi ? 1 + (hi &- 1 &- lo) / step : 0) }
            return .int(lo > hi ? 1 + (lo &- 1 &- hi) / (0 &- step) : 0)
        }
        define("aten::__derive_index") { c in .int(try c.int64(1, "start") &+ c.int64(0, "index") &* c.int64(2, "step")) }
        define("aten::warn") { _ in .none }
        define("aten::manual_seed") { c in
            CPUGenerator.default.seed(UInt64(bitPattern: try c.int64(0, "seed")))
            return .none
        }
        define("aten::is_grad_enabled") { _ in .bool(false) }
        define(["aten::is_autocast_enabled", "aten::is_autocast_cpu_enabled"]) { _ in .bool(false) }
        // Flint never records gradients: `torch.no_grad()` and friends change nothing.
        define("aten::set_grad_enabled") { _ in .none }
        define("prim::type") { c in
            guard case .device(let device) = c[0] else { throw OperatorError("Device.type of \(c[0].kindName)") }
            return .string(device.type)
        }
        define("aten::tensor") { c in
            let tensor = try TensorLiteral.make(c[0], dtype: c.optionalDType(1, "dtype"))
            return .tensor(tensor)
        }
        define(schema: "prim::tolist(Tensor self, int dim, int elem_type) -> Any") { c in
            try TensorLiteral.list(c.tensor(0, "self"))
        }
    }
}

extension OperatorDefinitions {
    /// The position of the `copy` argument in each `to` overload's schema.
    package static let copyArgumentOfTo: [String: Int] = [
        "aten::to.dtype": 3, "aten::to.prim_dtype": 3, "aten::to.other": 3, "aten::to.device": 4, "aten::to.prim_Device": 4,
        "aten::to.dtype_layout": 6,
    ]

    /// `to.dtype`/`to.prim_dtype`'s tensor, target dtype and `copy` flag.
    fileprivate static func conversion(_ c: Arguments) throws -> (Tensor, DType, copy: Bool) {
        let t = try c.tensor(0, "self")
        return (t, try c.optionalDType(1, "dtype") ?? t.dtype, try c.bool(copyArgumentOfTo["aten::to.dtype"]!, "copy", default: false))
    }

    /// The tensor, target dtype and `copy` flag of the `to` overloads that take a device (or another tensor);
    /// refuses a device other than the CPU.
    fileprivate static func deviceConversion(_ c: Arguments) throws -> (Tensor, DType, copy: Bool) {
        let t = try c.tensor(0, "self")
        let dtype: DType
        let copyIndex: Int
        switch c.values.count {
        case 5 where c[1].tensor != nil:  // to.other(self, other, non_blocking, copy, memory_format)
            (dtype, copyIndex) = (try c.tensor(1, "other").dtype, copyArgumentOfTo["aten::to.other"]!)
        case 6:  // to.device(self, device, dtype, non_blocking, copy, memory_format)
            (dtype, copyIndex) = (try c.optionalDType(2, "dtype") ?? t.dtype, copyArgumentOfTo["aten::to.device"]!)
        case 8:  // to.dtype_layout(self, dtype, layout, device, pin_memory, non_blocking, copy, memory_format)
            (dtype, copyIndex) = (try c.optionalDType(1, "dtype") ?? t.dtype, copyArgumentOfTo["aten::to.dtype_layout"]!)
        default:  // to.prim_Device(self, device, dtype, non_blocking, copy)
            (dtype, copyIndex) = (try c.optionalDType(2, "dtype") ?? t.dtype, copyArgumentOfTo["aten::to.prim_Device"]!)
        }
        if case .device(let d) = c[1], d.type != "cpu" { throw OperatorError("Flint runs on the CPU; cannot move a tensor to \(d)") }
        return (t, dtype, try c.bool(copyIndex, "copy", default: false))
    }

    /// `t` converted to `dtype`, written into `destination` (contiguous, of that dtype and `t`'s shape).
    fileprivate static func convert(_ t: Tensor, to dtype: DType, into destination: Tensor) throws {
        try Tensor.destination(destination, shape: t.shape, dtype: dtype, operation: "to").copy(from: t)
    }
}

extension Tensor {
    /// This tensor, or a contiguous copy when `always` is set.
    func contiguousCopy(always: Bool) throws -> Tensor { always ? try clone() : self }
}

/// `torch.tensor(nested lists)` and `tensor.tolist()`.
package enum TensorLiteral {
    /// A tensor from nested lists of ints, floats or bools: float32 if any element is a float, bool if
    /// all are bools, else int64 (unless `dtype` is given). Throws for ragged nesting.
    package static func make(_ value: ScriptValue, dtype: DType?) throws -> Tensor {
        var shape: [Int] = []
        var probe = value
        while let items = probe.sequence {
            shape.append(items.count)
            guard let first = items.first else { break }
            probe = first
        }
        var flat: [ScriptValue] = []
        func walk(_ v: ScriptValue, depth: Int) throws {
            if depth == shape.count {
                guard v.sequence == nil else { throw OperatorError("torch.tensor: ragged nested list") }
                flat.append(v)
                return
            }
            guard let items = v.sequence, items.count == shape[depth] else { throw OperatorError("torch.tensor: ragged nested list") }
            for item in items { try walk(item, depth: depth + 1) }
        }
        try walk(value, depth: 0)
        let inferred: DType = flat.contains { if case .complex = $0 { true } else { false } } ? .complex64
            : flat.contains { if case .double = $0 { true } else { false } } ? .float32
            : flat.allSatisfy { if case .bool = $0 { true } else { false } } && !flat.isEmpty ? .bool : (flat.isEmpty ? .float32 : .int64)
        let target = dtype ?? inferred
        let result = Tensor.zeros(shape, dtype: target)
        let rows = try result.reshape([-1])
        for (i, element) in flat.enumerated() {
            if case .complex(let re, let im) = element {
                guard target.isComplex else { throw OperatorError("torch.tensor: a complex value cannot be stored as \(target)") }
                try rows.select(dim: 0, index: i).copy(from: TensorScalars.complexTensor(re, im, dtype: target))
                continue
            }
            let scalar: Scalar = switch element {
            case .int(let v): .int(v)
            case .double(let v): .double(v)
            case .bool(let v): .bool(v)
            default: throw OperatorError("torch.tensor: unsupported element \(element.kindName)")
            }
            try rows.select(dim: 0, index: i).copy(from: scalar.tensor(target))
        }
        return result
    }

    static func list(_ tensor: Tensor) throws -> ScriptValue {
        if tensor.rank == 0 { return try TensorScalars.item(tensor) }
        let kind = tensor.rank == 1 ? (tensor.dtype.isFloatingPoint ? "float" : tensor.dtype == .bool ? "bool" : "int") : nil
        return .list(try (0..<tensor.shape[0]).map { try list(tensor.select(dim: 0, index: $0)) }, elementType: kind)
    }
}
