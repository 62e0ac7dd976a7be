import FlintTensor

/// How each ATen operator in the conformance fixtures maps onto the tensor library's API. (The runtime's
/// operator registry binds the same schemas; this table only exists so kernels are tested on raw tensors.)
enum OpTable {
    typealias Implementation = @Sendable (OpCall) throws -> OpOutput

    static let operations: [String: Implementation] = {
        var table: [String: Implementation] = [:]
        func tensorOp(_ name: String, _ body: @escaping @Sendable (OpCall) throws -> Tensor) {
            table[name] = { .tensor(try body($0)) }
        }
        func unary(_ name: String, _ body: @escaping @Sendable (Tensor) throws -> Tensor) {
            tensorOp("aten::\(name)") { try body($0.tensor(0, "self")) }
        }
        unary("exp") { try $0.exp() }
        unary("exp2") { try $0.exp2() }
        unary("log") { try $0.log() }
        unary("log2") { try $0.log2() }
        unary("log10") { try $0.log10() }
        unary("log1p") { try $0.log1p() }
        unary("expm1") { try $0.expm1() }
        unary("sqrt") { try $0.sqrt() }
        unary("rsqrt") { try $0.rsqrt() }
        unary("sin") { try $0.sin() }
        unary("cos") { try $0.cos() }
        unary("tan") { try $0.tan() }
        unary("asin") { try $0.asin() }
        unary("acos") { try $0.acos() }
        unary("atan") { try $0.atan() }
        unary("sinh") { try $0.sinh() }
        unary("cosh") { try $0.cosh() }
        unary("tanh") { try $0.tanh() }
        unary("asinh") { try $0.asinh() }
        unary("acosh") { try $0.acosh() }
        unary("atanh") { try $0.atanh() }
        unary("sigmoid") { try $0.sigmoid() }
        unary("erf") { try $0.erf() }
        unary("erfc") { try $0.erfc() }
        unary("reciprocal") { try $0.reciprocal() }
        unary("silu") { try $0.silu() }
        unary("mish") { try $0.mish() }
        unary("hardswish") { try $0.hardswish() }
        unary("hardsigmoid") { try $0.hardsigmoid() }
        unary("selu") { try $0.selu() }
        unary("frac") { try $0.frac() }
        unary("abs") { try $0.abs() }
        unary("neg") { try $0.neg() }
        unary("sign") { try $0.sign() }
        unary("sgn") { try $0.sign() }
        unary("relu") { try $0.relu() }
        unary("floor") { try $0.floor() }
        unary("ceil") { try $0.ceil() }
        unary("trunc") { try $0.trunc() }
        unary("round") { try $0.round() }
        unary("square") { try $0.square() }
        unary("bitwise_not") { try $0.bitwiseNot() }
        unary("logical_not") { try $0.logicalNot() }
        unary("isnan") { try $0.isNaN() }
        unary("isinf") { try $0.isInfinite() }
        unary("isfinite") { try $0.isFinite() }
        tensorOp("aten::gelu") { try $0.tensor(0, "self").gelu(approximate: $0.string(1, "approximate", default: "none")) }
        tensorOp("aten::softplus") { try $0.tensor(0, "self").softplus(beta: $0.double(1, "beta", default: 1), threshold: $0.double(2, "threshold", default: 20)) }
        tensorOp("aten::elu") {
            try $0.tensor(0, "self").elu(alpha: $0.double(1, "alpha", default: 1), scale: $0.double(2, "scale", default: 1), inputScale: $0.double(3, "input_scale", default: 1))
        }
        tensorOp("aten::celu") { try $0.tensor(0, "self").celu(alpha: $0.double(1, "alpha", default: 1)) }
        tensorOp("aten::leaky_relu") { try $0.tensor(0, "self").leakyRelu(negativeSlope: $0.double(1, "negative_slope", default: 0.01)) }
        tensorOp("aten::hardtanh") { try $0.tensor(0, "self").hardtanh(min: $0.double(1, "min_val", default: -1), max: $0.double(2, "max_val", default: 1)) }
        unary("relu6") { try $0.hardtanh(min: 0, max: 6) }
        tensorOp("aten::nan_to_num") { try $0.tensor(0, "self").nanToNum(nan: $0.optionalDouble(1, "nan"), posinf: $0.optionalDouble(2, "posinf"), neginf: $0.optionalDouble(3, "neginf")) }
        tensorOp("aten::round.decimals") { try $0.tensor(0, "self").round(decimals: $0.int(1, "decimals", default: 0)) }
        tensorOp("aten::clamp.Tensor") { c in
            var result = try c.tensor(0, "self")
            if let lower = try c.optionalTensor(1, "min") { result = try Tensor.binary(Maximum(), .tensor(result), .tensor(lower), operation: "clamp") }
            if let upper = try c.optionalTensor(2, "max") { result = try Tensor.binary(Minimum(), .tensor(result), .tensor(upper), operation: "clamp") }
            return result
        }
        tensorOp("aten::clamp_min.Tensor") { try Tensor.binary(Maximum(), .tensor($0.tensor(0, "self")), .tensor($0.tensor(1, "min")), operation: "clamp_min") }
        tensorOp("aten::clamp_max.Tensor") { try Tensor.binary(Minimum(), .tensor($0.tensor(0, "self")), .tensor($0.tensor(1, "max")), operation: "clamp_max") }
        tensorOp("aten::clamp") { try $0.tensor(0, "self").clamp(min: $0.optionalScalar(1, "min"), max: $0.optionalScalar(2, "max")) }
        tensorOp("aten::clamp_min") { try $0.tensor(0, "self").clamp(min: $0.scalar(1, "min"), max: nil) }
        tensorOp("aten::clamp_max") { try $0.tensor(0, "self").clamp(min: nil, max: $0.scalar(1, "max")) }
        tensorOp("aten::_to_copy") { c in
            let t = try c.tensor(0, "self")
            let copy = Tensor.zeros(t.shape, dtype: try c.optionalDType(1, "dtype") ?? t.dtype)
            try copy.copy(from: t)
            return copy
        }
        tensorOp("aten::to.dtype") { try $0.tensor(0, "self").to($0.requiredDType(1, "dtype")) }

        // Binary
        for overload in ["Tensor", "Scalar"] {
            tensorOp("aten::add.\(overload)") { try Tensor.add($0.operand(0, "self"), $0.operand(1, "other"), alpha: $0.scalar(2, "alpha", default: .int(1))) }
            tensorOp("aten::sub.\(overload)") { try Tensor.sub($0.operand(0, "self"), $0.operand(1, "other"), alpha: $0.scalar(2, "alpha", default: .int(1))) }
            tensorOp("aten::mul.\(overload)") { try Tensor.binary(Mul(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "mul") }
            tensorOp("aten::div.\(overload)") { try Tensor.binary(Div(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "div", promoteIntegersToFloat: true) }
            tensorOp("aten::div.\(overload)_mode") { c in
                let mode = try c.optionalString(2, "rounding_mode")
                switch mode {
                case nil: return try Tensor.binary(Div(), c.operand(0, "self"), c.operand(1, "other"), operation: "div", promoteIntegersToFloat: true)
                case "floor": return try Tensor.binary(FloorDivide(), c.operand(0, "self"), c.operand(1, "other"), operation: "div")
                default:
                    let q = try Tensor.binary(Div(), c.operand(0, "self"), c.operand(1, "other"), operation: "div", promoteIntegersToFloat: false)
                    return try q.dtype.isFloatingPoint ? q.trunc() : q
                }
            }
            tensorOp("aten::remainder.\(overload)") { try Tensor.binary(Remainder(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "remainder") }
            tensorOp("aten::fmod.\(overload)") { try Tensor.binary(FMod(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "fmod") }
            tensorOp("aten::floor_divide\(overload == "Tensor" ? "" : ".Scalar")") { try Tensor.binary(FloorDivide(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "floor_divide") }
            for (name, op) in [("eq", Equal() as any BinaryComparison), ("ne", NotEqual()), ("lt", Less()), ("le", LessEqual()), ("gt", Greater()), ("ge", GreaterEqual())] {
                tensorOp("aten::\(name).\(overload)") { try Tensor.compare(op, $0.operand(0, "self"), $0.operand(1, "other"), operation: name) }
            }
        }
        tensorOp("aten::remainder.Scalar_Tensor") { try Tensor.binary(Remainder(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "remainder") }
        for overload in ["Tensor", "Scalar"] {
            tensorOp("aten::rsub.\(overload)") { try Tensor.sub($0.operand(1, "other"), $0.operand(0, "self"), alpha: $0.scalar(2, "alpha", default: .int(1))) }
        }
        for overload in ["Scalar", "Tensor_Scalar", "Tensor_Tensor"] {
            tensorOp("aten::pow.\(overload)") { try Tensor.pow($0.operand(0, "self"), $0.operand(1, "exponent")) }
        }
        tensorOp("aten::atan2") { try Tensor.binary(Atan2(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "atan2", promoteIntegersToFloat: true) }
        tensorOp("aten::fmax") { try Tensor.binary(FMax(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "fmax") }
        tensorOp("aten::fmin") { try Tensor.binary(FMin(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "fmin") }
        tensorOp("aten::logical_and") { try Tensor.logical(.and, $0.tensor(0, "self"), $0.tensor(1, "other")) }
        tensorOp("aten::logical_or") { try Tensor.logical(.or, $0.tensor(0, "self"), $0.tensor(1, "other")) }
        tensorOp("aten::logical_xor") { try Tensor.logical(.xor, $0.tensor(0, "self"), $0.tensor(1, "other")) }
        for (name, kind) in [("bitwise_and", Bitwise.Kind.and), ("bitwise_or", .or), ("bitwise_xor", .xor), ("bitwise_left_shift", .leftShift),
                             ("bitwise_right_shift", .rightShift), ("__lshift__", .leftShift), ("__rshift__", .rightShift)] {
            for overload in ["", ".Tensor", ".Scalar", ".Scalar_Tensor", ".Tensor_Scalar"] {
                tensorOp("aten::\(name)\(overload)") { try Tensor.bitwise(kind, $0.operand(0, "self"), $0.operand(1, "other"), operation: name) }
            }
        }
        for overload in ["Scalar", "Tensor"] {
            tensorOp("aten::lerp.\(overload)") { try Tensor.lerp($0.tensor(0, "self"), $0.tensor(1, "end"), weight: $0.operand(2, "weight")) }
        }
        tensorOp("aten::addcmul") { c in
            guard try c.tensor(0, "self").dtype != .bool else { throw TensorError("\"addcmul_cpu_out\" not implemented for 'Bool'") }
            let product = try Tensor.binary(Mul(), .tensor(c.tensor(1, "tensor1")), .tensor(c.tensor(2, "tensor2")), operation: "addcmul")
            return try Tensor.add(.tensor(c.tensor(0, "self")), .tensor(product), alpha: c.scalar(3, "value", default: .int(1)))
        }
        tensorOp("aten::addcdiv") { c in
            let (a, b) = (try c.tensor(1, "tensor1"), try c.tensor(2, "tensor2"))
            guard a.dtype.isFloatingPoint || b.dtype.isFloatingPoint else {
                throw TensorError("Integer division with addcdiv is no longer supported, and in a future release addcdiv will perform a true division of tensor1 and tensor2.")
            }
            let quotient = try Tensor.binary(Div(), .tensor(a), .tensor(b), operation: "addcdiv", promoteIntegersToFloat: true)
            return try Tensor.add(.tensor(c.tensor(0, "self")), .tensor(quotient), alpha: c.scalar(3, "value", default: .int(1)))
        }
        tensorOp("aten::masked_fill.Tensor") { c in
            let value = try c.tensor(2, "value")
            guard value.rank == 0 else { throw TensorError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with \(value.rank) dimension(s).") }
            return try c.tensor(0, "self").maskedFill(c.tensor(1, "mask"), value: value.dtype.isFloatingPoint ? .double(value.item()) : (value.dtype == .bool ? .bool(value.item() != 0) : .int(Int64(value.item()))))
        }
        tensorOp("aten::max.other") { try Tensor.binary(Maximum(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "maximum") }
        tensorOp("aten::min.other") { try Tensor.binary(Minimum(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "minimum") }
        tensorOp("aten::prod") { try $0.tensor(0, "self").prod(dtype: $0.optionalDType(1, "dtype")) }
        tensorOp("aten::prod.dim_int") { try $0.tensor(0, "self").prod(dims: [$0.int(1, "dim")], keepDim: $0.bool(2, "keepdim", default: false), dtype: $0.optionalDType(3, "dtype")) }
        tensorOp("aten::all") { try $0.tensor(0, "self").all() }
        tensorOp("aten::any") { try $0.tensor(0, "self").any() }
        tensorOp("aten::all.dim") { try $0.tensor(0, "self").all(dims: [$0.int(1, "dim")], keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::any.dim") { try $0.tensor(0, "self").any(dims: [$0.int(1, "dim")], keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::all.dims") { try $0.tensor(0, "self").all(dims: $0.optionalInts(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::any.dims") { try $0.tensor(0, "self").any(dims: $0.optionalInts(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::count_nonzero") { try $0.tensor(0, "self").countNonzero(dims: $0.optionalInt(1, "dim").map { [$0] }) }
        tensorOp("aten::count_nonzero.dim_IntList") { try $0.tensor(0, "self").countNonzero(dims: $0.ints(1, "dim")) }
        tensorOp("aten::cumprod") { try $0.tensor(0, "self").cumprod(dim: $0.int(1, "dim"), dtype: $0.optionalDType(2, "dtype")) }
        tensorOp("aten::linalg_vector_norm") { c in
            let t = try c.tensor(0, "self")
            let input = try c.optionalDType(4, "dtype").map { try t.to($0) } ?? t
            return try input.norm(p: c.double(1, "ord", default: 2), dims: c.optionalInts(2, "dim"), keepDim: c.bool(3, "keepdim", default: false))
        }
        tensorOp("aten::frobenius_norm.dim") { try $0.tensor(0, "self").norm(p: 2, dims: $0.ints(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false)) }
        for overload in ["Scalar", "ScalarOpt_dim", "ScalarOpt_dim_dtype", "ScalarOpt_dtype"] {
            tensorOp("aten::norm.\(overload)") { c in
                let t = try c.tensor(0, "self")
                let hasDim = overload.contains("dim")
                let dtypeIndex = overload == "ScalarOpt_dtype" ? 2 : 4
                let input = overload.contains("dtype") ? try t.to(c.requiredDType(dtypeIndex, "dtype")) : t
                return try input.norm(p: c.optionalDouble(1, "p") ?? 2, dims: hasDim ? c.optionalInts(2, "dim") : nil, keepDim: hasDim ? c.bool(3, "keepdim", default: false) : false)
            }
        }
        table["aten::aminmax"] = { c in
            let t = try c.tensor(0, "self")
            let dims = try c.optionalInt(1, "dim").map { [$0] }
            let keep = try c.bool(2, "keepdim", default: false)
            return .tuple([.tensor(try t.amin(dims: dims ?? [], keepDim: keep)), .tensor(try t.amax(dims: dims ?? [], keepDim: keep))])
        }
        for (name, correctionIndex) in [("var_mean.correction", true), ("std_mean.correction", true), ("var_mean", false), ("std_mean.dim", false), ("var_mean.dim", false)] {
            table["aten::\(name)"] = { c in
                let t = try c.tensor(0, "self")
                let std = name.hasPrefix("std")
                let dims: [Int]?
                let correction: Double
                let keep: Bool
                if correctionIndex {
                    dims = try c.optionalInts(1, "dim"); correction = try c.optionalDouble(2, "correction") ?? 1; keep = try c.bool(3, "keepdim", default: false)
                } else if name.hasSuffix(".dim") {
                    dims = try c.optionalInts(1, "dim"); correction = try c.bool(2, "unbiased", default: true) ? 1 : 0; keep = try c.bool(3, "keepdim", default: false)
                } else {
                    dims = nil; correction = try c.bool(1, "unbiased", default: true) ? 1 : 0; keep = false
                }
                let spread = std ? try t.standardDeviation(dims: dims, correction: correction, keepDim: keep) : try t.variance(dims: dims, correction: correction, keepDim: keep)
                return .tuple([.tensor(spread), .tensor(try t.mean(dims: dims, keepDim: keep))])
            }
        }
        tensorOp("aten::median") { try $0.tensor(0, "self").median() }
        table["aten::median.dim"] = { c in
            let r = try c.tensor(0, "self").median(dim: c.int(1, "dim"), keepDim: c.bool(2, "keepdim", default: false))
            return .tuple([.tensor(r.values), .tensor(r.indices)])
        }
        tensorOp("aten::maximum") { try Tensor.binary(Maximum(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "maximum") }
        tensorOp("aten::minimum") { try Tensor.binary(Minimum(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "minimum") }
        tensorOp("aten::where.self") { try Tensor.where($0.tensor(0, "condition"), $0.operand(1, "self"), $0.operand(2, "other")) }
        tensorOp("aten::where.ScalarOther") { try Tensor.where($0.tensor(0, "condition"), $0.operand(1, "self"), $0.operand(2, "other")) }
        tensorOp("aten::where.ScalarSelf") { try Tensor.where($0.tensor(0, "condition"), $0.operand(1, "self"), $0.operand(2, "other")) }
        tensorOp("aten::where.Scalar") { try Tensor.where($0.tensor(0, "condition"), $0.operand(1, "self"), $0.operand(2, "other")) }
        tensorOp("aten::masked_fill.Scalar") { try $0.tensor(0, "self").maskedFill($0.tensor(1, "mask"), value: $0.scalar(2, "value")) }

        // Reductions
        tensorOp("aten::sum") { try $0.tensor(0, "self").sum(dtype: $0.optionalDType(1, "dtype")) }
        tensorOp("aten::sum.dim_IntList") { try $0.tensor(0, "self").sum(dims: $0.optionalInts(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false), dtype: $0.optionalDType(3, "dtype")) }
        tensorOp("aten::mean") { try $0.tensor(0, "self").mean(dtype: $0.optionalDType(1, "dtype")) }
        tensorOp("aten::mean.dim") { try $0.tensor(0, "self").mean(dims: $0.optionalInts(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false), dtype: $0.optionalDType(3, "dtype")) }
        tensorOp("aten::amax") { try $0.tensor(0, "self").amax(dims: $0.ints(1, "dim", default: []), keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::amin") { try $0.tensor(0, "self").amin(dims: $0.ints(1, "dim", default: []), keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::max") { try $0.tensor(0, "self").amax() }
        tensorOp("aten::min") { try $0.tensor(0, "self").amin() }
        table["aten::max.dim"] = { c in
            let r = try c.tensor(0, "self").max(dim: c.int(1, "dim"), keepDim: c.bool(2, "keepdim", default: false))
            return .tuple([.tensor(r.values), .tensor(r.indices)])
        }
        table["aten::min.dim"] = { c in
            let r = try c.tensor(0, "self").min(dim: c.int(1, "dim"), keepDim: c.bool(2, "keepdim", default: false))
            return .tuple([.tensor(r.values), .tensor(r.indices)])
        }
        tensorOp("aten::argmax") { try $0.tensor(0, "self").argmax(dim: $0.optionalInt(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::argmin") { try $0.tensor(0, "self").argmin(dim: $0.optionalInt(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::var.correction") { c in
            try c.tensor(0, "self").variance(dims: c.optionalInts(1, "dim"), correction: c.optionalDouble(2, "correction") ?? 1, keepDim: c.bool(3, "keepdim", default: false))
        }
        tensorOp("aten::std.correction") { c in
            try c.tensor(0, "self").standardDeviation(dims: c.optionalInts(1, "dim"), correction: c.optionalDouble(2, "correction") ?? 1, keepDim: c.bool(3, "keepdim", default: false))
        }
        tensorOp("aten::var.dim") { c in
            try c.tensor(0, "self").variance(dims: c.optionalInts(1, "dim"), correction: c.bool(2, "unbiased", default: true) ? 1 : 0, keepDim: c.bool(3, "keepdim", default: false))
        }
        tensorOp("aten::std.dim") { c in
            try c.tensor(0, "self").standardDeviation(dims: c.optionalInts(1, "dim"), correction: c.bool(2, "unbiased", default: true) ? 1 : 0, keepDim: c.bool(3, "keepdim", default: false))
        }
        tensorOp("aten::var") { try $0.tensor(0, "self").variance(correction: $0.bool(1, "unbiased", default: true) ? 1 : 0) }
        tensorOp("aten::std") { try $0.tensor(0, "self").standardDeviation(correction: $0.bool(1, "unbiased", default: true) ? 1 : 0) }
        tensorOp("aten::softmax.int") { try $0.tensor(0, "self").softmax(dim: $0.int(1, "dim"), dtype: $0.optionalDType(2, "dtype")) }
        tensorOp("aten::log_softmax.int") { try $0.tensor(0, "self").logSoftmax(dim: $0.int(1, "dim"), dtype: $0.optionalDType(2, "dtype")) }
        tensorOp("aten::_softmax") { c in
            guard try !c.bool(2, "half_to_float", default: false) else { throw TensorError("softmax with half to float conversion is not supported on CPU") }
            return try c.tensor(0, "self").softmax(dim: c.int(1, "dim"))
        }
        tensorOp("aten::_log_softmax") { c in
            guard try !c.bool(2, "half_to_float", default: false) else { throw TensorError("softmax with half to float conversion is not supported on CPU") }
            return try c.tensor(0, "self").logSoftmax(dim: c.int(1, "dim"))
        }
        tensorOp("aten::cumsum") { try $0.tensor(0, "self").cumsum(dim: $0.int(1, "dim"), dtype: $0.optionalDType(2, "dtype")) }
        tensorOp("aten::logsumexp") { try $0.tensor(0, "self").logsumexp(dims: $0.ints(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false)) }

        // Linear algebra
        tensorOp("aten::mm") { try $0.tensor(0, "self").mm($0.tensor(1, "mat2")) }
        tensorOp("aten::bmm") { try $0.tensor(0, "self").bmm($0.tensor(1, "mat2")) }
        tensorOp("aten::matmul") { try $0.tensor(0, "self").matmul($0.tensor(1, "other")) }
        tensorOp("aten::mv") { try $0.tensor(0, "self").mv($0.tensor(1, "vec")) }
        tensorOp("aten::outer") { try $0.tensor(0, "self").unsqueeze(1).mul($0.tensor(1, "vec2").unsqueeze(0)) }
        tensorOp("aten::addmv") { c in
            let product = try c.tensor(1, "mat").mv(c.tensor(2, "vec"))
            let alpha = try c.scalar(4, "alpha", default: .int(1))
            let beta = try c.scalar(3, "beta", default: .int(1))
            let scaled = try Tensor.binary(Mul(), .tensor(product), .scalar(alpha), operation: "addmv")
            if beta == .int(0) || beta == .double(0) { return scaled }
            return try Tensor.add(.tensor(scaled), .tensor(Tensor.binary(Mul(), .tensor(c.tensor(0, "self")), .scalar(beta), operation: "addmv")))
        }
        tensorOp("aten::einsum") { try Tensor.einsum($0.string(0, "equation"), $0.tensors(1, "tensors")) }
        tensorOp("aten::dot") { try $0.tensor(0, "self").dot($0.tensor(1, "tensor")) }
        tensorOp("aten::addmm") { c in
            try Tensor.addmm(c.tensor(0, "self"), c.tensor(1, "mat1"), c.tensor(2, "mat2"), beta: c.double(3, "beta", default: 1), alpha: c.double(4, "alpha", default: 1))
        }
        tensorOp("aten::baddbmm") { c in
            try Tensor.baddbmm(c.tensor(0, "self"), c.tensor(1, "batch1"), c.tensor(2, "batch2"), beta: c.double(3, "beta", default: 1), alpha: c.double(4, "alpha", default: 1))
        }
        tensorOp("aten::linear") { try $0.tensor(0, "input").linear(weight: $0.tensor(1, "weight"), bias: $0.optionalTensor(2, "bias")) }

        // Convolution and pooling
        for (name, spatial) in [("conv1d", 1), ("conv2d", 2), ("conv3d", 3)] {
            let single = spatial == 1
            tensorOp("aten::\(name)") { c in
                try c.tensor(0, "input").convolution(
                    weight: c.tensor(1, "weight"), bias: c.optionalTensor(2, "bias"), stride: c.ints(3, "stride", default: [1], single: single),
                    padding: c.ints(4, "padding", default: [0], single: single), dilation: c.ints(5, "dilation", default: [1], single: single),
                    groups: c.int(6, "groups", default: 1))
            }
            tensorOp("aten::\(name).padding") { c in
                try c.tensor(0, "input").convolution(
                    weight: c.tensor(1, "weight"), bias: c.optionalTensor(2, "bias"), stride: c.ints(3, "stride", default: [1], single: single),
                    padding: c.string(4, "padding", default: "valid"), dilation: c.ints(5, "dilation", default: [1], single: single),
                    groups: c.int(6, "groups", default: 1))
            }
        }
        for name in ["conv_transpose1d", "conv_transpose2d.input", "conv_transpose3d.input"] {
            tensorOp("aten::\(name)") { c in
                try c.tensor(0, "input").transposedConvolution(
                    weight: c.tensor(1, "weight"), bias: c.optionalTensor(2, "bias"), stride: c.ints(3, "stride", default: [1]),
                    padding: c.ints(4, "padding", default: [0]), outputPadding: c.ints(5, "output_padding", default: [0]),
                    groups: c.int(6, "groups", default: 1), dilation: c.ints(7, "dilation", default: [1]))
            }
        }
        tensorOp("aten::convolution") { c in
            if try c.bool(6, "transposed") {
                return try c.tensor(0, "input").transposedConvolution(
                    weight: c.tensor(1, "weight"), bias: c.optionalTensor(2, "bias"), stride: c.ints(3, "stride"), padding: c.ints(4, "padding"),
                    outputPadding: c.ints(7, "output_padding"), groups: c.int(8, "groups"), dilation: c.ints(5, "dilation"))
            }
            return try c.tensor(0, "input").convolution(
                weight: c.tensor(1, "weight"), bias: c.optionalTensor(2, "bias"), stride: c.ints(3, "stride"),
                padding: c.ints(4, "padding"), dilation: c.ints(5, "dilation"), groups: c.int(8, "groups"))
        }
        for (name, spatial) in [("max_pool1d", 1), ("max_pool2d", 2), ("max_pool3d", 3)] {
            tensorOp("aten::\(name)") { c in
                let kernel = try Tensor.expandParameter(c.ints(1, "kernel_size"), spatial, "kernel_size")
                return try c.tensor(0, "self").maxPool(
                    kernel: kernel, stride: c.ints(2, "stride", default: []), padding: c.ints(3, "padding", default: [0]),
                    dilation: c.ints(4, "dilation", default: [1]), ceilMode: c.bool(5, "ceil_mode", default: false)).values
            }
            table["aten::\(name)_with_indices"] = { c in
                let kernel = try Tensor.expandParameter(c.ints(1, "kernel_size"), spatial, "kernel_size")
                let r = try c.tensor(0, "self").maxPool(
                    kernel: kernel, stride: c.ints(2, "stride", default: []), padding: c.ints(3, "padding", default: [0]),
                    dilation: c.ints(4, "dilation", default: [1]), ceilMode: c.bool(5, "ceil_mode", default: false))
                return .tuple([.tensor(r.values), .tensor(r.indices)])
            }
        }
        for (name, spatial) in [("avg_pool1d", 1), ("avg_pool2d", 2), ("avg_pool3d", 3)] {
            tensorOp("aten::\(name)") { c in
                let kernel = try Tensor.expandParameter(c.ints(1, "kernel_size"), spatial, "kernel_size")
                return try c.tensor(0, "self").avgPool(
                    kernel: kernel, stride: c.ints(2, "stride", default: []), padding: c.ints(3, "padding", default: [0]),
                    ceilMode: c.bool(4, "ceil_mode", default: false), countIncludePad: c.bool(5, "count_include_pad", default: true),
                    divisorOverride: c.optionalInt(6, "divisor_override"))
            }
        }
        for name in ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "_adaptive_avg_pool2d", "_adaptive_avg_pool3d"] {
            tensorOp("aten::\(name)") { try $0.tensor(0, "self").adaptiveAvgPool($0.ints(1, "output_size")) }
        }
        for name in ["adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d"] {
            table["aten::\(name)"] = { c in
                let r = try c.tensor(0, "self").adaptiveMaxPool(c.ints(1, "output_size"))
                return .tuple([.tensor(r.values), .tensor(r.indices)])
            }
        }

        // Normalization
        tensorOp("aten::batch_norm") { c in
            try c.tensor(0, "input").batchNorm(
                weight: c.optionalTensor(1, "weight"), bias: c.optionalTensor(2, "bias"), runningMean: c.optionalTensor(3, "running_mean"),
                runningVar: c.optionalTensor(4, "running_var"), training: c.bool(5, "training"), epsilon: c.double(7, "eps"))
        }
        tensorOp("aten::layer_norm") { c in
            try c.tensor(0, "input").layerNorm(
                normalizedShape: c.ints(1, "normalized_shape"), weight: c.optionalTensor(2, "weight"), bias: c.optionalTensor(3, "bias"),
                epsilon: c.double(4, "eps", default: 1e-5))
        }
        tensorOp("aten::rms_norm") { c in
            try c.tensor(0, "input").rmsNorm(normalizedShape: c.ints(1, "normalized_shape"), weight: c.optionalTensor(2, "weight"), epsilon: c.optionalDouble(3, "eps"))
        }
        table["aten::native_layer_norm"] = { c in
            let r = try c.tensor(0, "input").nativeLayerNorm(
                normalizedShape: c.ints(1, "normalized_shape"), weight: c.optionalTensor(2, "weight"), bias: c.optionalTensor(3, "bias"), epsilon: c.double(4, "eps"))
            return .tuple([.tensor(r.output), .tensor(r.mean), .tensor(r.rstd)])
        }
        tensorOp("aten::group_norm") { c in
            try c.tensor(0, "input").groupNorm(groups: c.int(1, "num_groups"), weight: c.optionalTensor(2, "weight"), bias: c.optionalTensor(3, "bias"), epsilon: c.double(4, "eps", default: 1e-5))
        }
        tensorOp("aten::instance_norm") { c in
            try c.tensor(0, "input").instanceNorm(
                weight: c.optionalTensor(1, "weight"), bias: c.optionalTensor(2, "bias"), runningMean: c.optionalTensor(3, "running_mean"),
                runningVar: c.optionalTensor(4, "running_var"), useInputStatistics: c.bool(5, "use_input_stats"), epsilon: c.double(7, "eps"))
        }
        tensorOp("aten::embedding") { try $0.tensor(0, "weight").embedding($0.tensor(1, "indices")) }

        // Indexing and shape
        tensorOp("aten::index_select") { try $0.tensor(0, "self").indexSelect(dim: $0.int(1, "dim"), index: $0.tensor(2, "index")) }
        tensorOp("aten::gather") { try $0.tensor(0, "self").gather(dim: $0.int(1, "dim"), index: $0.tensor(2, "index")) }
        tensorOp("aten::index.Tensor") { try $0.tensor(0, "self").index($0.optionalTensors(1, "indices")) }
        tensorOp("aten::index_put") { c in
            try c.tensor(0, "self").indexPut(c.optionalTensors(1, "indices"), values: c.tensor(2, "values"), accumulate: c.bool(3, "accumulate", default: false))
        }
        tensorOp("aten::index_put_") { c in
            let target = try c.tensor(0, "self")
            try target.indexPutInPlace(c.optionalTensors(1, "indices"), values: c.tensor(2, "values"), accumulate: c.bool(3, "accumulate", default: false))
            return target
        }
        tensorOp("aten::scatter.src") { try $0.tensor(0, "self").scatter(dim: $0.int(1, "dim"), index: $0.tensor(2, "index"), source: .tensor($0.tensor(3, "src"))) }
        tensorOp("aten::scatter.value") { try $0.tensor(0, "self").scatter(dim: $0.int(1, "dim"), index: $0.tensor(2, "index"), source: .scalar($0.scalar(3, "value"))) }
        tensorOp("aten::scatter.reduce") { c in
            try c.tensor(0, "self").scatterReduce(dim: c.int(1, "dim"), index: c.tensor(2, "index"), source: .tensor(c.tensor(3, "src")), reduce: c.string(4, "reduce"))
        }
        tensorOp("aten::scatter.value_reduce") { c in
            try c.tensor(0, "self").scatterReduce(dim: c.int(1, "dim"), index: c.tensor(2, "index"), source: .scalar(c.scalar(3, "value")), reduce: c.string(4, "reduce"))
        }
        tensorOp("aten::scatter_add") { try $0.tensor(0, "self").scatter(dim: $0.int(1, "dim"), index: $0.tensor(2, "index"), source: .tensor($0.tensor(3, "src")), accumulate: true) }
        tensorOp("aten::scatter_reduce.two") { c in
            try c.tensor(0, "self").scatterReduce(
                dim: c.int(1, "dim"), index: c.tensor(2, "index"), source: .tensor(c.tensor(3, "src")), reduce: c.string(4, "reduce"),
                includeSelf: c.bool(5, "include_self", default: true))
        }
        tensorOp("aten::index_add") { try $0.tensor(0, "self").indexAdd(dim: $0.int(1, "dim"), index: $0.tensor(2, "index"), source: $0.tensor(3, "source"), alpha: $0.scalar(4, "alpha", default: .int(1))) }
        tensorOp("aten::index_copy") { try $0.tensor(0, "self").indexCopy(dim: $0.int(1, "dim"), index: $0.tensor(2, "index"), source: $0.tensor(3, "source")) }
        tensorOp("aten::index_fill.int_Scalar") { try $0.tensor(0, "self").indexFill(dim: $0.int(1, "dim"), index: $0.tensor(2, "index"), value: $0.scalar(3, "value")) }
        tensorOp("aten::index_fill.int_Tensor") { c in
            let v = try c.tensor(3, "value")
            return try c.tensor(0, "self").indexFill(dim: c.int(1, "dim"), index: c.tensor(2, "index"), value: v.dtype.isFloatingPoint ? .double(v.item()) : .int(Int64(v.item())))
        }
        tensorOp("aten::masked_scatter") { try $0.tensor(0, "self").maskedScatter($0.tensor(1, "mask"), source: $0.tensor(2, "source")) }
        tensorOp("aten::take") { try $0.tensor(0, "self").take($0.tensor(1, "index")) }
        table["aten::kthvalue"] = { c in
            let r = try c.tensor(0, "self").kthvalue(c.int(1, "k"), dim: c.int(2, "dim", default: -1), keepDim: c.bool(3, "keepdim", default: false))
            return .tuple([.tensor(r.values), .tensor(r.indices)])
        }
        for name in ["aten::sort", "aten::sort.stable"] {
            table[name] = { c in
                let stableIndex = name.hasSuffix("stable")
                let r = try c.tensor(0, "self").sort(
                    dim: c.int(stableIndex ? 2 : 1, "dim", default: -1), descending: c.bool(stableIndex ? 3 : 2, "descending", default: false),
                    stable: stableIndex ? (try c.optionalBool(1, "stable") ?? false) : false)
                return .tuple([.tensor(r.values), .tensor(r.indices)])
            }
        }
        tensorOp("aten::argsort") { try $0.tensor(0, "self").argsort(dim: $0.int(1, "dim", default: -1), descending: $0.bool(2, "descending", default: false)) }
        tensorOp("aten::argsort.stable") { try $0.tensor(0, "self").argsort(dim: $0.int(2, "dim", default: -1), descending: $0.bool(3, "descending", default: false), stable: $0.bool(1, "stable")) }
        table["aten::topk"] = { c in
            let r = try c.tensor(0, "self").topk(c.int(1, "k"), dim: c.int(2, "dim", default: -1), largest: c.bool(3, "largest", default: true), sorted: c.bool(4, "sorted", default: true))
            return .tuple([.tensor(r.values), .tensor(r.indices)])
        }
        table["aten::where"] = { c in
            let coordinates = try c.tensor(0, "condition").nonzero()
            return .tuple(try (0..<coordinates.shape[1]).map { .tensor(try coordinates.select(dim: 1, index: $0).contiguous()) })
        }
        tensorOp("aten::masked_select") { try $0.tensor(0, "self").maskedSelect($0.tensor(1, "mask")) }
        tensorOp("aten::nonzero") { try $0.tensor(0, "self").nonzero() }
        tensorOp("aten::cat") { try Tensor.cat($0.tensors(0, "tensors"), dim: $0.int(1, "dim", default: 0)) }
        tensorOp("aten::stack") { try Tensor.stack($0.tensors(0, "tensors"), dim: $0.int(1, "dim", default: 0)) }
        tensorOp("aten::constant_pad_nd") { try $0.tensor(0, "self").pad($0.ints(1, "pad"), mode: "constant", fill: $0.scalar(2, "value", default: .int(0))) }
        tensorOp("aten::reflection_pad3d") { try $0.tensor(0, "self").pad($0.ints(1, "padding"), mode: "reflect") }
        tensorOp("aten::replication_pad3d") { try $0.tensor(0, "self").pad($0.ints(1, "padding"), mode: "replicate") }
        tensorOp("aten::_pad_circular") { try $0.tensor(0, "self").pad($0.ints(1, "pad"), mode: "circular") }
        unary("clone") { try $0.clone() }
        unary("contiguous") { try $0.contiguous() }
        unary("t") { try $0.t() }
        unary("squeeze") { try $0.squeeze() }
        tensorOp("aten::squeeze.dim") { try $0.tensor(0, "self").squeeze($0.int(1, "dim")) }
        tensorOp("aten::squeeze.dims") { c in
            var t = try c.tensor(0, "self")
            for d in try c.ints(1, "dim").map({ try t.wrapDimension($0) }).sorted(by: >) { t = try t.squeeze(d) }
            return t
        }
        tensorOp("aten::unsqueeze") { try $0.tensor(0, "self").unsqueeze($0.int(1, "dim")) }
        tensorOp("aten::expand") { try $0.tensor(0, "self").expand($0.ints(1, "size")) }
        tensorOp("aten::expand_as") { try $0.tensor(0, "self").expand($0.tensor(1, "other").shape) }
        tensorOp("aten::select.int") { try $0.tensor(0, "self").select(dim: $0.int(1, "dim"), index: $0.int(2, "index")) }
        tensorOp("aten::slice.Tensor") { c in
            try c.tensor(0, "self").slice(dim: c.int(1, "dim", default: 0), start: c.optionalInt(2, "start"), end: c.optionalInt(3, "end"), step: c.int(4, "step", default: 1))
        }
        tensorOp("aten::narrow") { try $0.tensor(0, "self").narrow(dim: $0.int(1, "dim"), start: $0.int(2, "start"), length: $0.int(3, "length")) }
        tensorOp("aten::narrow_copy") { try $0.tensor(0, "self").narrow(dim: $0.int(1, "dim"), start: $0.int(2, "start"), length: $0.int(3, "length")).clone() }
        tensorOp("aten::movedim.int") { try $0.tensor(0, "self").movedim([$0.int(1, "source")], [$0.int(2, "destination")]) }
        tensorOp("aten::movedim.intlist") { try $0.tensor(0, "self").movedim($0.ints(1, "source"), $0.ints(2, "destination")) }
        tensorOp("aten::view.dtype") { try $0.tensor(0, "self").view(as: $0.requiredDType(1, "dtype")) }
        tensorOp("aten::diag") { try $0.tensor(0, "self").diag(offset: $0.int(1, "diagonal", default: 0)) }
        tensorOp("aten::diagonal") { try $0.tensor(0, "self").diagonal($0.int(2, "dim1", default: 0), $0.int(3, "dim2", default: 1), offset: $0.int(1, "offset", default: 0)) }
        tensorOp("aten::hstack") { c in
            let list = try c.tensors(0, "tensors")
            return try Tensor.cat(list.map { $0.rank == 0 ? try $0.reshape([1]) : $0 }, dim: list.allSatisfy { $0.rank <= 1 } ? 0 : 1)
        }
        tensorOp("aten::vstack") { c in try Tensor.cat(c.tensors(0, "tensors").map { $0.rank < 2 ? try $0.reshape([1, -1]) : $0 }, dim: 0) }
        tensorOp("aten::repeat") { try $0.tensor(0, "self").repeated($0.ints(1, "repeats")) }
        tensorOp("aten::tile") { try $0.tensor(0, "self").tile($0.ints(1, "dims")) }
        tensorOp("aten::roll") { try $0.tensor(0, "self").roll($0.ints(1, "shifts"), dims: $0.ints(2, "dims", default: [])) }
        tensorOp("aten::unflatten.int") { try $0.tensor(0, "self").unflatten(dim: $0.int(1, "dim"), sizes: $0.ints(2, "sizes")) }
        tensorOp("aten::repeat_interleave.self_int") { try $0.tensor(0, "self").repeatInterleave([$0.int(1, "repeats")], dim: $0.optionalInt(2, "dim")) }
        tensorOp("aten::repeat_interleave.self_Tensor") { c in
            try c.tensor(0, "self").repeatInterleave(c.tensor(1, "repeats").to(.int64).scalars(as: Int64.self).map { Int($0) }, dim: c.optionalInt(2, "dim"))
        }
        tensorOp("aten::repeat_interleave.Tensor") { c in
            let counts = try c.tensor(0, "repeats").to(.int64).scalars(as: Int64.self).map { Int($0) }
            let index = try Tensor(shape: [counts.count], scalars: (0..<counts.count).map { Int64($0) })
            return try index.repeatInterleave(counts, dim: 0)
        }
        table["aten::split.sizes"] = { c in .tuple(try c.tensor(0, "self").split(sizes: c.ints(1, "split_size"), dim: c.int(2, "dim", default: 0)).map { .tensor($0) }) }
        tensorOp("aten::pad") { c in
            try c.tensor(0, "self").pad(c.ints(1, "pad"), mode: c.string(2, "mode", default: "constant"), value: c.optionalDouble(3, "value") ?? 0)
        }
        tensorOp("aten::reflection_pad1d") { try $0.tensor(0, "self").pad($0.ints(1, "padding"), mode: "reflect") }
        tensorOp("aten::reflection_pad2d") { try $0.tensor(0, "self").pad($0.ints(1, "padding"), mode: "reflect") }
        tensorOp("aten::replication_pad1d") { try $0.tensor(0, "self").pad($0.ints(1, "padding"), mode: "replicate") }
        tensorOp("aten::replication_pad2d") { try $0.tensor(0, "self").pad($0.ints(1, "padding"), mode: "replicate") }
        tensorOp("aten::flip") { try $0.tensor(0, "self").flip($0.ints(1, "dims")) }
        tensorOp("aten::tril") { try $0.tensor(0, "self").triangle(upper: false, diagonal: $0.int(1, "diagonal", default: 0)) }
        tensorOp("aten::triu") { try $0.tensor(0, "self").triangle(upper: true, diagonal: $0.int(1, "diagonal", default: 0)) }
        tensorOp("aten::flatten.using_ints") { try $0.tensor(0, "self").flatten(startDim: $0.int(1, "start_dim", default: 0), endDim: $0.int(2, "end_dim", default: -1)) }
        tensorOp("aten::reshape") { try $0.tensor(0, "self").reshape($0.ints(1, "shape")) }
        tensorOp("aten::view") { try $0.tensor(0, "self").view($0.ints(1, "size")) }
        tensorOp("aten::transpose.int") { try $0.tensor(0, "self").transpose($0.int(1, "dim0"), $0.int(2, "dim1")) }
        tensorOp("aten::permute") { try $0.tensor(0, "self").permute($0.ints(1, "dims")) }
        table["aten::chunk"] = { c in .tuple(try c.tensor(0, "self").chunk(c.int(1, "chunks"), dim: c.int(2, "dim", default: 0)).map { .tensor($0) }) }
        table["aten::unbind.int"] = { c in .tuple(try c.tensor(0, "self").unbind(dim: c.int(1, "dim", default: 0)).map { .tensor($0) }) }
        table["aten::split.Tensor"] = { c in .tuple(try c.tensor(0, "self").split(c.int(1, "split_size"), dim: c.int(2, "dim", default: 0)).map { .tensor($0) }) }
        table["aten::split_with_sizes"] = { c in .tuple(try c.tensor(0, "self").split(sizes: c.ints(1, "split_sizes"), dim: c.int(2, "dim", default: 0)).map { .tensor($0) }) }

        // Interpolation
        for (name, mode) in [
            ("upsample_nearest1d", "nearest"), ("upsample_nearest2d", "nearest"), ("upsample_nearest3d", "nearest"),
            ("_upsample_nearest_exact1d", "nearest-exact"), ("_upsample_nearest_exact2d", "nearest-exact"), ("_upsample_nearest_exact3d", "nearest-exact"),
        ] {
            tensorOp("aten::\(name).vec") { try interpolate($0, mode: mode, alignCornersIndex: nil) }
            tensorOp("aten::\(name)") { try interpolateExplicit($0, mode: mode, hasAlignCorners: false) }
        }
        tensorOp("aten::_upsample_bilinear2d_aa.vec") { try interpolate($0, mode: "bilinear-antialias", alignCornersIndex: 2) }
        tensorOp("aten::_upsample_bicubic2d_aa.vec") { try interpolate($0, mode: "bicubic-antialias", alignCornersIndex: 2) }
        for (name, mode) in [("upsample_linear1d", "linear"), ("upsample_bilinear2d", "bilinear"), ("upsample_trilinear3d", "trilinear"), ("upsample_bicubic2d", "bicubic")] {
            tensorOp("aten::\(name).vec") { try interpolate($0, mode: mode, alignCornersIndex: 2) }
            tensorOp("aten::\(name)") { try interpolateExplicit($0, mode: mode, hasAlignCorners: true) }
        }

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
        tensorOp("aten::zeros") { try Tensor.full($0.ints(0, "size"), value: 0, dtype: $0.optionalDType(1, "dtype") ?? .float32) }
        tensorOp("aten::ones") { try Tensor.full($0.ints(0, "size"), value: 1, dtype: $0.optionalDType(1, "dtype") ?? .float32) }
        @Sendable func like(_ c: OpCall, _ value: Scalar, dtypeIndex: Int) throws -> Tensor {
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
        @Sendable func new(_ c: OpCall, _ value: Scalar, dtypeIndex: Int) throws -> Tensor {
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
        tensorOp("aten::logspace") { c in
            let exponents = try Tensor.linspace(start: c.double(0, "start"), end: c.double(1, "end"), steps: c.int(2, "steps"), dtype: .float64)
            let base = try c.double(3, "base", default: 10)
            return try Tensor.pow(.scalar(.double(base)), .tensor(exponents)).to(c.optionalDType(4, "dtype") ?? .float32)
        }
        tensorOp("aten::linspace.Tensor_Tensor") { c in
            try Tensor.linspace(start: c.tensor(0, "start").item(), end: c.tensor(1, "end").item(), steps: c.int(2, "steps"), dtype: c.optionalDType(3, "dtype") ?? .float32)
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
        // In-place variants: compute out of place, then write into `self` (through any view), provided the
        // result's dtype can be cast to self's as ATen requires.
        for (name, implementation) in table {
            let parts = name.split(separator: ".", maxSplits: 1)
            let inplace = parts[0] + "_" + (parts.count > 1 ? "." + parts[1] : "")
            guard table[String(inplace)] == nil else { continue }
            table[String(inplace)] = { c in
                let target = try c.tensor(0, "self")
                guard case .tensor(let result) = try implementation(c) else { throw TensorError("in-place op without a tensor result") }
                guard canCast(result.dtype, to: target.dtype) else {
                    throw TensorError("result type \(result.dtype.scalarTypeName) can't be cast to the desired output type \(target.dtype.scalarTypeName)")
                }
                try target.copy(from: result)
                return .tensor(target)
            }
        }
        return table
    }()

    /// ATen's `canCast`: no narrowing across categories (float → integer, integer → bool).
    static func canCast(_ from: DType, to: DType) -> Bool {
        if from.isFloatingPoint && !to.isFloatingPoint { return false }
        if from != .bool && to == .bool { return false }
        return true
    }

    private static func interpolate(_ c: OpCall, mode: String, alignCornersIndex: Int?) throws -> Tensor {
        let input = try c.tensor(0, "input")
        let spatial = input.rank - 2
        guard spatial >= 1 else { throw TensorError("interpolate needs at least one spatial dimension") }
        let alignCorners = try alignCornersIndex.map { try c.bool($0, "align_corners") }
        let factorsIndex = alignCornersIndex == nil ? 2 : 3
        let factors = try c.optionalDoubles(factorsIndex, "scale_factors")
        let size: [Int]
        if let given = try c.optionalInts(1, "output_size") {
            guard factors == nil else { throw TensorError("Must specify exactly one of output_size and scale_factors") }
            size = given
        } else if let factors {
            guard factors.allSatisfy({ $0.isFinite && $0 > 0 && $0 < 1e6 }), factors.count == 1 || factors.count == spatial else {
                throw TensorError("interpolate: invalid scale factors \(factors)")
            }
            size = (0..<spatial).map { Int((Double(input.shape[2 + $0]) * factors[factors.count == 1 ? 0 : $0]).rounded(.down)) }
        } else {
            throw TensorError("interpolate needs output_size or scale_factors")
        }
        return try input.interpolate(outputSize: size, mode: mode, alignCorners: alignCorners, scales: factors.map { f in (0..<spatial).map { f[f.count == 1 ? 0 : $0] } })
    }

    private static func interpolateExplicit(_ c: OpCall, mode: String, hasAlignCorners: Bool) throws -> Tensor {
        let input = try c.tensor(0, "self")
        let size = try c.ints(1, "output_size")
        let alignCorners = hasAlignCorners ? try c.bool(2, "align_corners") : nil
        let first = hasAlignCorners ? 3 : 2
        guard (1...3).contains(size.count) else { throw TensorError("interpolate: 1 to 3 output sizes expected") }
        let names = Array(["scales_d", "scales_h", "scales_w"].suffix(size.count))
        let scales = try (0..<size.count).map { try c.optionalDouble(first + $0, names[$0]) }
        return try input.interpolate(outputSize: size, mode: mode, alignCorners: alignCorners, scales: scales)
    }
}
