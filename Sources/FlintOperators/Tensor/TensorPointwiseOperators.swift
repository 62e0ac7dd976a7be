import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Elementwise math, activations, clamps and casts.
    mutating func definePointwiseOperators() {
        unary("exp", writing: { try $0.exp(into: $1) })
        unary("exp2") { try $0.exp2() }
        unary("log", writing: { try $0.log(into: $1) })
        unary("log2") { try $0.log2() }
        unary("log10") { try $0.log10() }
        unary("log1p") { try $0.log1p() }
        unary("expm1") { try $0.expm1() }
        unary("sqrt", writing: { try $0.sqrt(into: $1) })
        unary("rsqrt", writing: { try $0.rsqrt(into: $1) })
        unary("sin", writing: { try $0.sin(into: $1) })
        unary("cos", writing: { try $0.cos(into: $1) })
        unary("tan") { try $0.tan() }
        unary("asin") { try $0.asin() }
        unary("acos") { try $0.acos() }
        unary("atan") { try $0.atan() }
        unary("sinh") { try $0.sinh() }
        unary("cosh") { try $0.cosh() }
        unary("tanh", writing: { try $0.tanh(into: $1) })
        unary("asinh") { try $0.asinh() }
        unary("acosh") { try $0.acosh() }
        unary("atanh") { try $0.atanh() }
        unary("sigmoid") { try $0.sigmoid() }
        unary("erf", writing: { try $0.erf(into: $1) })
        unary("erfc") { try $0.erfc() }
        unary("reciprocal", writing: { try $0.reciprocal(into: $1) })
        unary("silu") { try $0.silu() }
        unary("mish") { try $0.mish() }
        unary("hardswish") { try $0.hardswish() }
        unary("hardsigmoid") { try $0.hardsigmoid() }
        unary("selu") { try $0.selu() }
        unary("frac") { try $0.frac() }
        unary("abs") { try $0.abs() }
        unary("neg") { try $0.neg() }
        unary("sign") { try $0.sign() }
        unary("sgn") { try $0.sgn() }
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
        // glu: the first half of `dim` gated by the sigmoid of the second.
        tensorOp("aten::glu") { c in
            let x = try c.tensor(0, "self")
            guard x.rank > 0 else { throw OperatorError("glu does not support scalars because halving size must be even") }
            let dim = try x.wrapDimension(c.int(1, "dim", default: -1))
            guard x.shape[dim] % 2 == 0 else { throw OperatorError("Halving dimension must be even, but dimension \(dim) is size \(x.shape[dim])") }
            let half = x.shape[dim] / 2
            return try x.narrow(dim: dim, start: 0, length: half).mul(x.narrow(dim: dim, start: half, length: half).sigmoid())
        }
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

    }
}
