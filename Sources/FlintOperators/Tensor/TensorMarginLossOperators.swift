import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Margin and robust losses, each as ATen computes it (`reduction`: 0 none, 1 mean, 2 sum): `huber_loss`,
    /// `soft_margin_loss`, `margin_ranking_loss`, `hinge_embedding_loss`, `poisson_nll_loss`, `binary_cross_entropy`,
    /// `multi_margin_loss`, `multilabel_margin_loss`, `triplet_margin_loss`.
    mutating func defineMarginLossOperators() {
        // −w·(t·log x + (1 − t)·log(1 − x)), each log clamped at −100; x must lie in [0, 1].
        tensorOp("aten::binary_cross_entropy") { c in
            let (x, t) = (try c.tensor(0, "self"), try c.tensor(1, "target"))
            guard x.dtype == t.dtype else { throw OperatorError("Found dtype \(t.dtype.scalarTypeName) but expected \(x.dtype.scalarTypeName)") }
            guard x.dtype.isFloatingPoint else { throw OperatorError("\"binary_cross_entropy\" not implemented for '\(x.dtype.scalarTypeName)'") }
            let squeezed = try x.squeeze().shape
            let common = try Tensor.broadcastShape(squeezed, t.squeeze().shape)
            guard common == squeezed else {
                throw OperatorError("output with shape \(squeezed) doesn't match the broadcast shape \(common)")
            }
            let target = try t.squeeze().expand(squeezed).reshape(x.shape)
            let values = try x.to(.float64).contiguous().scalars(as: Double.self)
            guard values.allSatisfy({ $0 >= 0 && $0 <= 1 }) else { throw OperatorError("all elements of input should be between 0 and 1") }
            let logX = try x.log().clamp(min: .int(-100), max: nil)
            let logOneMinusX = try x.neg().log1p().clamp(min: .int(-100), max: nil)
            var loss = try Tensor.sub(.tensor(Tensor.sub(.tensor(target), .scalar(.int(1))).mul(logOneMinusX)), .tensor(target.mul(logX)))
            if let weight = try c.optionalTensor(2, "weight") { loss = try loss.mul(weight) }
            return try Self.reduce(loss, c.int(3, "reduction", default: 1))
        }
        // Per sample: the targets are the leading entries of its target row up to the first -1; the loss is
        // Σ over targets j and non-target classes d of max(0, 1 − x[j] + x[d]) (each term in the element type, summed
        // in double), divided by the class count.
        tensorOp("aten::multilabel_margin_loss") { c in
            let (x, target) = (try c.tensor(0, "self"), try c.tensor(1, "target"))
            let reduction = try c.int(2, "reduction", default: 1)
            // ATen's order: the input's shape, the target's shape, then the dtypes.
            guard x.rank == 0 || (x.rank <= 2 && x.shape.last! != 0) else {
                throw OperatorError("Expected non-empty vector or matrix with optional 0-dim batch size, but got: \(x.shape)")
            }
            guard target.shape == x.shape || (x.rank <= 1 && target.elementCount == x.elementCount && target.rank <= 1) else {
                throw OperatorError("inconsistent target size: \(target.shape) for input of size: \(x.shape)")
            }
            guard target.dtype == .int64 else { throw OperatorError("expected scalar type Long but found \(target.dtype.scalarTypeName)") }
            guard x.dtype.isFloatingPoint else { throw OperatorError("\"multilabel_margin_loss_forward_out_frame\" not implemented for '\(x.dtype.scalarTypeName)'") }
            let classes = x.rank == 0 ? 1 : x.shape.last!
            let samples = x.rank == 2 ? x.shape[0] : 1
            let labels = try target.contiguous().scalars(as: Int64.self)
            guard labels.allSatisfy({ $0 >= -1 && $0 < classes }) else { throw OperatorError("argument #2 'target' is out of range") }
            let wide = try x.to(.float64).contiguous().scalars(as: Double.self)
            let losses = try (0..<samples).map { n -> Double in
                let row = Array(wide[(n * classes)..<((n + 1) * classes)])
                let targets = labels[(n * classes)..<((n + 1) * classes)].prefix { $0 >= 0 }.map { Int($0) }
                let isTarget = Set(targets)
                var sum = 0.0
                for j in targets {
                    for d in 0..<classes where !isTarget.contains(d) {
                        // 1 - x[j] + x[d] in the element type, as ATen's scalar_t z.
                        let z = try Self.roundedTo(x.dtype, 1 - row[j]) + row[d]
                        let term = try Self.roundedTo(x.dtype, z)
                        if term > 0 { sum += term }
                    }
                }
                return sum / Double(classes)
            }
            let perSample = try Tensor(shape: x.rank == 2 ? [samples] : [], scalars: losses).to(x.dtype)
            return try Self.reduce(perSample, reduction)
        }
        // Per sample: Σ over classes d ≠ y of max(0, margin − x[y] + x[d])^p (times weight[y]), divided by the class count.
        tensorOp("aten::multi_margin_loss") { c in
            let (x, target) = (try c.tensor(0, "self"), try c.tensor(1, "target"))
            let (p, margin) = (try c.scalar(2, "p", default: .int(1)), try c.double(3, "margin", default: 1))
            let weight = try c.optionalTensor(4, "weight")
            let reduction = try c.int(5, "reduction", default: 1)
            let classes = x.rank == 0 ? 1 : x.shape[x.rank - 1]
            let samples = x.rank == 2 ? x.shape[0] : 1
            guard (x.rank == 2 && x.shape[1] != 0) || (x.rank == 1 && x.shape[0] != 0) || x.rank == 0 else {
                throw OperatorError("Expected non-empty vector or matrix with optional 0-dim batch size, but got: \(x.shape)")
            }
            guard target.rank <= 1 && target.elementCount == samples else {
                throw OperatorError("multi_margin_loss: target tensor should be 1-D with size equal to the number of input samples (batch size). Expected target size [\(samples)], but got \(target.shape). Input has shape \(x.shape).")
            }
            if let weight, weight.rank > 1 || weight.elementCount != classes {
                throw OperatorError("inconsistent weight size, expected \(classes) but got \(weight.shape)")
            }
            let power = p.doubleValue
            guard power == 1 || power == 2 else { throw OperatorError("only p == 1 and p == 2 supported") }
            let rows = try x.reshape([samples, classes])
            let labels = try target.reshape([samples, 1]).to(.int64)
            let indices = try labels.contiguous().scalars(as: Int64.self)
            guard indices.allSatisfy({ $0 >= 0 && $0 < Int64(classes) }) else { throw OperatorError("target out of range") }
            let picked = try rows.gather(dim: 1, index: labels)
            var hinge = try Tensor.add(.tensor(rows.sub(picked)), .scalar(.double(margin))).clamp(min: .int(0), max: nil)
            if power == 2 { hinge = try hinge.mul(hinge) }
            if let weight { hinge = try hinge.mul(weight.gather(dim: 0, index: labels.reshape([-1])).reshape([samples, 1])) }
            // The target class itself is left out.
            let isTarget = try Tensor.compare(Equal(), .tensor(Tensor.arange(end: .int(Int64(classes))).reshape([1, classes])), .tensor(labels), operation: "multi_margin_loss")
            let perSample = try Tensor.binary(Div(), .tensor(hinge.maskedFill(isTarget, value: .int(0)).sum(dims: [1])), .scalar(.int(Int64(classes))), operation: "multi_margin_loss")
            if reduction == 0 { return x.rank == 2 || target.rank > 0 ? perSample : try perSample.reshape([]) }
            return try Self.reduce(perSample, reduction)
        }
        // 1 − cos(x1, x2) where y = 1, max(0, cos − margin) where y = −1 (ATen's composite, 1e-12 in each squared norm).
        tensorOp("aten::cosine_embedding_loss") { c in
            let (x1, x2, target) = (try c.tensor(0, "input1"), try c.tensor(1, "input2"), try c.tensor(2, "target"))
            let margin = try c.double(3, "margin", default: 0)
            guard target.rank <= 1 else { throw OperatorError("0D or 1D target tensor expected, multi-target not supported") }
            if target.rank == 1 {
                guard x1.rank == 2 && x2.rank == 2 else {
                    throw OperatorError("1D target tensor expects 2D input tensors, but found inputs with sizes \(x1.shape) and \(x2.shape).")
                }
            } else if x1.rank != 1 || x2.rank != 1 {
                throw OperatorError("0D target tensor expects 1D input tensors, but found inputs with sizes \(x1.shape) and \(x2.shape).")
            }
            let dim = target.rank
            let products = try x1.mul(x2).sum(dims: [dim])
            let square1 = try Tensor.binary(Add(), .tensor(x1.mul(x1).sum(dims: [dim])), .scalar(.double(1e-12)), operation: "add")
            let square2 = try Tensor.binary(Add(), .tensor(x2.mul(x2).sum(dims: [dim])), .scalar(.double(1e-12)), operation: "add")
            let cosine = try products.div(square1.mul(square2).sqrt())
            let zeros = try Tensor.binary(Mul(), .tensor(cosine), .scalar(.int(0)), operation: "zeros_like")
            let positive = try Tensor.sub(.scalar(.int(1)), .tensor(cosine))
            let negative = try Tensor.sub(.tensor(cosine), .scalar(.double(margin))).clamp(min: .int(0), max: nil)
            let isPositive = try Tensor.compare(Equal(), .tensor(target), .scalar(.int(1)), operation: "eq")
            let isNegative = try Tensor.compare(Equal(), .tensor(target), .scalar(.int(-1)), operation: "eq")
            let loss = try Tensor.where(isPositive, .tensor(positive), .tensor(zeros)).add(Tensor.where(isNegative, .tensor(negative), .tensor(zeros)))
            return try Self.reduce(loss, c.int(4, "reduction", default: 1))
        }
        // KL divergence: t·(log t − x) as xlogy(t, t) − t·x, or exp(t)·(t − x) with log_target.
        tensorOp("aten::kl_div") { c in
            let (x, t) = (try c.tensor(0, "self"), try c.tensor(1, "target"))
            let loss = try c.bool(3, "log_target", default: false)
                ? try t.exp().mul(t.sub(x))
                : try Tensor.xlogy(.tensor(t), .tensor(t)).sub(t.mul(x))
            return try Self.reduce(loss, c.int(2, "reduction", default: 1))
        }
        // max(0, margin + d(a, p) − d(a, n)), d the pairwise p-distance (with swap, the smaller of d(a, n) and d(p, n)).
        tensorOp("aten::triplet_margin_loss") { c in
            let (anchor, positive, negative) = (try c.tensor(0, "anchor"), try c.tensor(1, "positive"), try c.tensor(2, "negative"))
            guard anchor.rank == positive.rank && positive.rank == negative.rank else {
                throw OperatorError("The anchor, positive, and negative tensors are expected to have the same number of dimensions, but got: anchor \(anchor.rank)D, positive \(positive.rank)D, and negative \(negative.rank)D inputs")
            }
            let (margin, p, eps) = (try c.double(3, "margin", default: 1), try c.double(4, "p", default: 2), try c.double(5, "eps", default: 1e-6))
            func distance(_ a: Tensor, _ b: Tensor) throws -> Tensor {
                let difference = try Tensor.binary(Add(), .tensor(a.sub(b)), .scalar(.double(eps)), operation: "add")
                return try difference.norm(p: p, dims: [Swift.max(a.rank, b.rank) - 1])
            }
            let toPositive = try distance(anchor, positive)
            var toNegative = try distance(anchor, negative)
            if try c.bool(6, "swap", default: false) {
                toNegative = try Tensor.binary(Minimum(), .tensor(toNegative), .tensor(distance(positive, negative)), operation: "min")
            }
            let loss = try Tensor.add(.scalar(.double(margin)), .tensor(toPositive)).sub(toNegative).clamp(min: .int(0), max: nil)
            return try Self.reduce(loss, c.int(7, "reduction", default: 1))
        }
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

    /// `value` rounded to the floating type `dtype` (the arithmetic of one `scalar_t` operation), as a Double.
    static func roundedTo(_ dtype: DType, _ value: Double) throws -> Double {
        switch dtype {
        case .float32: Double(Float(value))
        case .float16: Double(Half(computeValue: Float(value)).computeValue)
        case .bfloat16: Double(BFloat16(computeValue: Float(value)).computeValue)
        default: value
        }
    }
}
