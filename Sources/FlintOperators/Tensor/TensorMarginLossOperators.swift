import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Margin and robust losses, each ATen's composite (`reduction`: 0 none, 1 mean, 2 sum): `huber_loss`,
    /// `soft_margin_loss`, `margin_ranking_loss`, `hinge_embedding_loss`, `poisson_nll_loss`.
    mutating func defineMarginLossOperators() {
        // 0.5·d² where |d| < delta, else delta·(|d| − 0.5·delta).
        tensorOp("aten::huber_loss") { c in
            let delta = try c.double(3, "delta", default: 1)
            guard delta > 0 else { throw OperatorError("huber_loss does not support non-positive values for delta.") }
            let d = try Tensor.sub(.tensor(c.tensor(0, "self")), .tensor(c.tensor(1, "target"))).abs()
            let quadratic = try Tensor.binary(Mul(), .tensor(d.mul(d)), .scalar(.double(0.5)), operation: "huber_loss")
            let linear = try Tensor.binary(Mul(), .tensor(Tensor.sub(.tensor(d), .scalar(.double(0.5 * delta)))), .scalar(.double(delta)), operation: "huber_loss")
            let small = try Tensor.compare(Less(), .tensor(d), .scalar(.double(delta)), operation: "huber_loss")
            return try Self.reduce(try Tensor.where(small, .tensor(quadratic), .tensor(linear)), c.int(2, "reduction", default: 1))
        }
        // log(1 + exp(−y·x)).
        tensorOp("aten::soft_margin_loss") { c in
            let product = try c.tensor(0, "self").neg().mul(c.tensor(1, "target"))
            return try Self.reduce(try product.exp().log1p(), c.int(2, "reduction", default: 1))
        }
        // max(0, −y·(x1 − x2) + margin).
        tensorOp("aten::margin_ranking_loss") { c in
            let difference = try Tensor.sub(.tensor(c.tensor(0, "input1")), .tensor(c.tensor(1, "input2")))
            let scaled = try c.tensor(2, "target").neg().mul(difference)
            let loss = try Tensor.add(.tensor(scaled), .scalar(.double(c.double(3, "margin", default: 0)))).clamp(min: .int(0), max: nil)
            return try Self.reduce(loss, c.int(4, "reduction", default: 1))
        }
        // x where y ≠ −1, plus max(0, margin − x) where y ≠ 1.
        tensorOp("aten::hinge_embedding_loss") { c in
            let (x, y) = (try c.tensor(0, "self"), try c.tensor(1, "target"))
            let zeros = Tensor(zeros: x.shape, dtype: x.dtype)
            let marginPart = try Tensor.sub(.scalar(.double(c.double(2, "margin", default: 1))), .tensor(x)).clamp(min: .int(0), max: nil)
            let notPositive = try Tensor.compare(NotEqual(), .tensor(y), .scalar(.int(1)), operation: "hinge_embedding_loss")
            let notNegative = try Tensor.compare(NotEqual(), .tensor(y), .scalar(.int(-1)), operation: "hinge_embedding_loss")
            let loss = try Tensor.add(
                .tensor(Tensor.where(notPositive, .tensor(marginPart), .tensor(zeros))), .tensor(Tensor.where(notNegative, .tensor(x), .tensor(zeros))))
            return try Self.reduce(loss, c.int(3, "reduction", default: 1))
        }
        // exp(x) − t·x (log_input) or x − t·log(x + eps), plus Stirling's t·log t − t + ½·log(2πt) where t > 1 (full).
        tensorOp("aten::poisson_nll_loss") { c in
            let (x, t) = (try c.tensor(0, "input"), try c.tensor(1, "target"))
            let (logInput, full, eps) = (try c.bool(2, "log_input"), try c.bool(3, "full"), try c.double(4, "eps"))
            var loss = logInput
                ? try Tensor.sub(.tensor(x.exp()), .tensor(t.mul(x)))
                : try Tensor.sub(.tensor(x), .tensor(t.mul(Tensor.add(.tensor(x), .scalar(.double(eps))).log())))
            if full {
                let stirling = try Tensor.add(
                    .tensor(Tensor.sub(.tensor(t.mul(t.log())), .tensor(t))),
                    .tensor(Tensor.binary(Mul(), .tensor(Tensor.binary(Mul(), .tensor(t), .scalar(.double(2 * Double.pi)), operation: "poisson_nll_loss").log()), .scalar(.double(0.5)), operation: "poisson_nll_loss")))
                let above = try Tensor.compare(Greater(), .tensor(t), .scalar(.int(1)), operation: "poisson_nll_loss")
                loss = try Tensor.add(.tensor(loss), .tensor(stirling.maskedFill(above.logicalNot(), value: .int(0))))
            }
            return try Self.reduce(loss, c.int(5, "reduction"))
        }
    }
}
