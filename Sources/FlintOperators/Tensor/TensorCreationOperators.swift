import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Factory operators: `arange`, `linspace`, `full`, `zeros`, `*_like`, `tensor`...
    mutating func defineCreationOperators() {
        // Creation
        tensorOp("aten::arange") { c in try Tensor.arange(end: c.scalar(0, "end"), dtype: c.optionalDType(1, "dtype")) }
        tensorOp("aten::arange.start") { c in try Tensor.arange(start: c.scalar(0, "start"), end: c.scalar(1, "end"), dtype: c.optionalDType(2, "dtype")) }
        tensorOp("aten::arange.start_step") { c in
            try Tensor.arange(start: c.scalar(0, "start"), end: c.scalar(1, "end"), step: c.scalar(2, "step"), dtype: c.optionalDType(3, "dtype"))
        }
        tensorOp("aten::linspace") { c in
            try Tensor.linspace(start: c.double(0, "start"), end: c.double(1, "end"), steps: c.int(2, "steps"), dtype: c.optionalDType(3, "dtype") ?? .float32)
        }
        tensorOp("aten::eye") { try Tensor.eye($0.int(0, "n"), dtype: $0.optionalDType(1, "dtype") ?? .float32) }
        tensorOp("aten::eye.m") { try Tensor.eye($0.int(0, "n"), $0.int(1, "m"), dtype: $0.optionalDType(2, "dtype") ?? .float32) }
        // `empty` has unspecified contents in ATen; Flint gives zeros.
        tensorOp("aten::empty.memory_format") { try Tensor.full($0.ints(0, "size"), value: 0, dtype: $0.optionalDType(1, "dtype") ?? .float32) }
        tensorOp("aten::empty_like") { c in let t = try c.tensor(0, "self"); return Tensor.zeros(t.shape, dtype: try c.optionalDType(1, "dtype") ?? t.dtype) }
        tensorOp("aten::zeros") { try Tensor.full($0.ints(0, "size"), value: 0, dtype: $0.optionalDType(1, "dtype") ?? .float32) }
        tensorOp("aten::ones") { try Tensor.full($0.ints(0, "size"), value: 1, dtype: $0.optionalDType(1, "dtype") ?? .float32) }
        @Sendable func like(_ c: Arguments, _ value: Scalar, dtypeIndex: Int) throws -> Tensor {
            let t = try c.tensor(0, "self")
            let dtype = try c.optionalDType(dtypeIndex, "dtype") ?? t.dtype
            try value.checkFits(dtype)
            let result = Tensor.zeros(t.shape, dtype: dtype)
            try result.copy(from: value.tensor(dtype))
            return result
        }
        tensorOp("aten::zeros_like") { try like($0, .int(0), dtypeIndex: 1) }
        tensorOp("aten::ones_like") { try like($0, .int(1), dtypeIndex: 1) }
        tensorOp("aten::full_like") { try like($0, $0.scalar(1, "fill_value"), dtypeIndex: 2) }
        @Sendable func new(_ c: Arguments, _ value: Scalar, dtypeIndex: Int) throws -> Tensor {
            let t = try c.tensor(0, "self")
            let dtype = try c.optionalDType(dtypeIndex, "dtype") ?? t.dtype
            let result = try Tensor.full(c.ints(1, "size"), value: 0, dtype: dtype)
            try result.copy(from: value.tensor(dtype))
            return result
        }
        tensorOp("aten::new_zeros") { try new($0, .int(0), dtypeIndex: 2) }
        tensorOp("aten::new_ones") { try new($0, .int(1), dtypeIndex: 2) }
        tensorOp("aten::new_full") { try new($0, $0.scalar(2, "fill_value"), dtypeIndex: 3) }
        tensorOp("aten::scalar_tensor") { try $0.scalar(0, "s").tensor($0.optionalDType(1, "dtype") ?? .float32) }
        for (name, fallback) in [("int", DType.int64), ("float", .float32), ("bool", .bool)] {
            // The value is first made in its default dtype, then converted (so a float passes through float32).
            tensorOp("aten::tensor.\(name)") { try $0.scalar(0, "t").tensor(fallback).to($0.optionalDType(1, "dtype") ?? fallback) }
        }
        // A complex number is made in complex64, the default complex dtype, then converted.
        tensorOp("aten::tensor.complex") { c in
            guard case .complex(let re, let im) = c[0] else { throw OperatorError("torch.tensor: expected a complex number, got \(c[0].kindName)") }
            return try TensorScalars.complexTensor(re, im, dtype: .complex64).to(c.optionalDType(1, "dtype") ?? .complex64)
        }
        // The Tensor_Tensor / Tensor_Scalar / Scalar_Tensor overloads take 0-dim tensors for either endpoint.
        for overload in ["", ".Tensor_Tensor", ".Tensor_Scalar", ".Scalar_Tensor"] {
            tensorOp("aten::logspace\(overload)") { c in
                let (start, end) = try Self.rangeEndpoints(c, operation: "logspace")
                let exponents = try Tensor.linspace(start: start, end: end, steps: c.int(2, "steps"), dtype: .float64)
                let base = try c.double(3, "base", default: 10)
                return try Tensor.pow(.scalar(.double(base)), .tensor(exponents)).to(c.optionalDType(4, "dtype") ?? .float32)
            }
            guard !overload.isEmpty else { continue }
            tensorOp("aten::linspace\(overload)") { c in
                let (start, end) = try Self.rangeEndpoints(c, operation: "linspace")
                return try Tensor.linspace(start: start, end: end, steps: c.int(2, "steps"), dtype: c.optionalDType(3, "dtype") ?? .float32)
            }
        }
        tensorOp("aten::full") { c in
            let value = try c.scalar(1, "fill_value")
            let dtype: DType = try c.optionalDType(2, "dtype") ?? {
                switch value {
                case .bool: return .bool
                case .int: return .int64
                case .double: return .float32
                }
            }()
            try value.checkFits(dtype)
            let result = try Tensor.full(try c.ints(0, "size"), value: 0, dtype: dtype)
            try result.copy(from: value.tensor(dtype))
            return result
        }
    }

    /// The `start` and `end` of `linspace` / `logspace`, each a number or a 0-dim tensor (as ATen requires).
    static func rangeEndpoints(_ c: Arguments, operation: String) throws -> (Double, Double) {
        let (start, end) = (try c.operand(0, "start"), try c.operand(1, "end"))
        var tensorRanks: [(String, Int)] = []
        for (name, operand) in [("start", start), ("end", end)] { if case .tensor(let t) = operand { tensorRanks.append((name, t.rank)) } }
        guard tensorRanks.allSatisfy({ $0.1 == 0 }) else {
            let got = tensorRanks.map { "\($0.0) with \($0.1) dimension(s)" }.joined(separator: " and ")
            throw OperatorError("\(operation) only supports 0-dimensional start and end tensors, but got \(got).")
        }
        func value(_ operand: Operand) throws -> Double {
            switch operand {
            case .tensor(let t): try t.item()
            case .scalar(let s): s.doubleValue
            case .complex: throw OperatorError("\(operation): complex endpoints are not supported")
            }
        }
        return (try value(start), try value(end))
    }
}
