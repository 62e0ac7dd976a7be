import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Pointwise functions beyond the basic arithmetic: log-sum-exp pairs, hypot, xlogy, logit, sinc, angle
    /// conversions, thresholds, sign bits, heaviside and float powers.
    mutating func defineSpecialPointwiseOperators() {
        tensorOp("aten::logaddexp") { try $0.tensor(0, "self").logAddExp(.tensor($0.tensor(1, "other"))) }
        tensorOp("aten::logaddexp2") { try $0.tensor(0, "self").logAddExp2(.tensor($0.tensor(1, "other"))) }
        tensorOp("aten::hypot") { try $0.tensor(0, "self").hypot(.tensor($0.tensor(1, "other"))) }
        for overload in ["Tensor", "Scalar_Self", "Scalar_Other"] {
            tensorOp("aten::xlogy.\(overload)") { try Tensor.xlogy($0.operand(0, "self"), $0.operand(1, "other")) }
        }
        for overload in ["", ".other_scalar", ".self_scalar"] {
            tensorOp("aten::special_xlog1py\(overload)") { try Tensor.xlog1py($0.operand(0, "self"), $0.operand(1, "other")) }
        }
        // ldexp(x, e) = x · 2^e, ATen's composite (so an integer x gives the default float).
        tensorOp("aten::ldexp.Tensor") { c in
            try c.tensor(0, "self").mul(Tensor.pow(.scalar(.double(2)), .tensor(c.tensor(1, "other"))))
        }
        // Each slice along `dim` whose p-norm exceeds maxnorm is scaled by maxnorm / (norm + 1e-7).
        tensorOp("aten::renorm") { c in
            let (x, p, dim, maxnorm) = (try c.tensor(0, "self"), try c.double(1, "p"), try c.int(2, "dim"), try c.double(3, "maxnorm"))
            guard p > 0 else { throw OperatorError("renorm: non-positive-norm not supported") }
            guard maxnorm >= 0 else { throw OperatorError("renorm: expected maxnorm to be >= 0 but got \(maxnorm)") }
            guard x.rank > 1 else { throw OperatorError("renorm: input needs at least 2 dimensions, got \(x.rank) dimensions") }
            let axis = try x.wrapDimension(dim)
            guard x.dtype.isFloatingPoint || x.dtype.isComplex else {
                throw OperatorError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got \(x.dtype.scalarTypeName)")
            }
            let norm = try x.norm(p: p, dims: (0..<x.rank).filter { $0 != axis }, keepDim: true)
            let scaled = try Tensor.binary(Div(), .scalar(.double(maxnorm)), .tensor(Tensor.binary(Add(), .tensor(norm), .scalar(.double(1e-7)), operation: "renorm")), operation: "renorm")
            let over = try Tensor.compare(Greater(), .tensor(norm), .scalar(.double(maxnorm)), operation: "renorm")
            let factor = try Tensor.where(over, .tensor(scaled), .scalar(.int(1)))
            return try x.mul(factor.to(x.dtype))
        }
        // hardshrink(x, λ): x where |x| > λ, else 0 (NaN stays).
        tensorOp("aten::hardshrink") { c in
            let x = try c.tensor(0, "self")
            let lambda = try c.scalar(1, "lambd", default: .double(0.5))
            guard x.dtype.isFloatingPoint else { throw OperatorError("\"hardshrink_cpu\" not implemented for '\(x.dtype.scalarTypeName)'") }
            let inside = try Tensor.compare(LessEqual(), .tensor(x.abs()), .scalar(lambda), operation: "hardshrink")
            return try x.maskedFill(inside, value: .int(0))
        }
        // copysign(a, b): |a| with b's sign (−0 and NaN signs included); integers promote to the default float.
        for overload in ["Tensor", "Scalar"] {
            tensorOp("aten::copysign.\(overload)") { try Tensor.binary(CopySign(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "copysign", promoteIntegersToFloat: true) }
        }
        // dist(a, b, p): the p-norm of a − b over all elements.
        tensorOp("aten::dist") { c in
            try c.tensor(0, "self").sub(c.tensor(1, "other")).norm(p: c.double(2, "p", default: 2))
        }
        tensorOp("aten::logit") { try $0.tensor(0, "self").logit(eps: $0.optionalDouble(1, "eps")) }
        unary("sinc") { try $0.sinc() }
        unary("deg2rad") { try Tensor.binary(Mul(), .tensor($0), .scalar(.double(Double.pi / 180)), operation: "deg2rad") }
        unary("rad2deg") { try Tensor.binary(Mul(), .tensor($0), .scalar(.double(180 / Double.pi)), operation: "rad2deg") }
        unary("fix") { try $0.trunc() }
        unary("positive") { x in
            guard x.dtype != .bool else { throw OperatorError("The `+` operator, on a bool tensor is not supported.") }
            return x
        }
        unary("signbit") { x in
            let negative = try x.to(.float64).contiguous().scalars(as: Double.self).map { $0.sign == .minus }
            return try Tensor(shape: x.shape, scalars: negative)
        }
        // threshold(x, threshold, value): value where x <= threshold, x elsewhere (NaN stays).
        tensorOp("aten::threshold") { c in
            let x = try c.tensor(0, "self")
            guard x.dtype != .bool else { throw OperatorError("\"threshold_cpu\" not implemented for 'Bool'") }
            let mask = try Tensor.compare(LessEqual(), .tensor(x), .scalar(c.scalar(1, "threshold")), operation: "threshold")
            return try x.maskedFill(mask, value: c.scalar(2, "value"))
        }
        // heaviside(x, values): values where x is 0, else 1 for x > 0 and 0 otherwise; one dtype for both.
        tensorOp("aten::heaviside") { c in
            let (x, values) = (try c.tensor(0, "self"), try c.tensor(1, "values"))
            guard x.dtype == values.dtype else { throw OperatorError("heaviside is not yet implemented for tensors with different dtypes.") }
            let positive = try Tensor.compare(Greater(), .tensor(x), .scalar(.int(0)), operation: "heaviside").to(x.dtype)
            let zero = try Tensor.compare(Equal(), .tensor(x), .scalar(.int(0)), operation: "heaviside")
            return try Tensor.where(zero, .tensor(values), .tensor(positive))
        }
        // float_power: both operands in double (ATen's rule), then pow; complex ones (complex128) are not implemented.
        tensorOp("aten::float_power.Tensor_Tensor") { c in
            try TensorOperatorSupport.refuseComplex([c.tensor(0, "self"), c.tensor(1, "exponent")], kernel: "float_power")
            return try Tensor.binary(Power(), .tensor(c.tensor(0, "self").to(.float64)), .tensor(c.tensor(1, "exponent").to(.float64)), operation: "float_power")
        }
        tensorOp("aten::float_power.Tensor_Scalar") { c in
            try TensorOperatorSupport.refuseComplex([c.tensor(0, "self")], kernel: "float_power")
            return try Tensor.binary(Power(), .tensor(c.tensor(0, "self").to(.float64)), .scalar(.double(c.scalar(1, "exponent").doubleValue)), operation: "float_power")
        }
        tensorOp("aten::float_power.Scalar") { c in
            try TensorOperatorSupport.refuseComplex([c.tensor(1, "exponent")], kernel: "float_power")
            return try Tensor.binary(Power(), .tensor(Scalar.double(c.scalar(0, "self").doubleValue).tensor(.float64)), .tensor(c.tensor(1, "exponent").to(.float64)), operation: "float_power")
        }
        unary("lgamma") { try $0.pointwise(LogGamma(), operation: "lgamma") }
        // mvlgamma(x, p) = Σ_{j<p} lgamma(x − j/2) + p(p − 1)/4 · log π (torch 2.15 no longer checks x > (p − 1)/2).
        tensorOp("aten::mvlgamma") { c in
            let (x, p) = (try c.tensor(0, "self"), try c.int(1, "p"))
            guard p >= 1 else { throw OperatorError("p has to be greater than or equal to 1") }
            let floating = x.dtype.isFloatingPoint ? x : try x.to(.float32)
            var total = Tensor(zeros: floating.shape, dtype: floating.dtype)
            for j in 0..<p {
                total = try total.add(Tensor.sub(.tensor(floating), .scalar(.double(Double(j) / 2))).pointwise(LogGamma(), operation: "mvlgamma"))
            }
            return try Tensor.add(.tensor(total), .scalar(.double(Double(p * (p - 1)) / 4 * Double.log(Double.pi))))
        }
        // log_sigmoid: min(x, 0) − log1p(exp(−|x|)).
        unary("log_sigmoid") { x in
            guard x.dtype.isFloatingPoint else { throw OperatorError("\"log_sigmoid_forward_cpu\" not implemented for '\(x.dtype.scalarTypeName)'") }
            return try Tensor.sub(.tensor(x.clamp(min: nil, max: .int(0))), .tensor(x.abs().neg().exp().log1p()))
        }
        // softshrink: x − λ above λ, x + λ below −λ, 0 between (NaN stays NaN, as ATen's x · 0).
        tensorOp("aten::softshrink") { c in
            let x = try c.tensor(0, "self")
            let lambda = try c.scalar(1, "lambd", default: .double(0.5)).doubleValue
            // ATen checks λ against the dtype's range, printed as C++ prints the largest finite value.
            let largest: (Double, String) = switch x.dtype {
            case .float64: (Double.greatestFiniteMagnitude, "1.79769e+308")
            case .float16: (65504, "65504")
            case .bfloat16: (3.3895313892515355e38, "3.38953e+38")
            default: (Double(Float.greatestFiniteMagnitude), "3.40282e+38")
            }
            guard lambda >= 0 && lambda <= largest.0 else {
                throw OperatorError("lambda must be in range [0, \(largest.1)] for input dtype \(x.dtype.scalarTypeName), but found \(lambda)")
            }
            let above = try Tensor.compare(Greater(), .tensor(x), .scalar(.double(lambda)), operation: "softshrink")
            let below = try Tensor.compare(Less(), .tensor(x), .scalar(.double(-lambda)), operation: "softshrink")
            let shrunk = try Tensor.where(
                below, .tensor(Tensor.add(.tensor(x), .scalar(.double(lambda)))), .tensor(Tensor.binary(Mul(), .tensor(x), .scalar(.int(0)), operation: "softshrink")))
            return try Tensor.where(above, .tensor(Tensor.sub(.tensor(x), .scalar(.double(lambda)))), .tensor(shrunk))
        }
        tensorOp("aten::true_divide.Tensor") { try Tensor.binary(Div(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "true_divide", promoteIntegersToFloat: true) }
        tensorOp("aten::true_divide.Scalar") { try Tensor.binary(Div(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "true_divide", promoteIntegersToFloat: true) }
    }
}
