import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Loss functions (`reduction`: 0 none, 1 mean, 2 sum). Detection models compute them in their
    /// training branches; they are here so such archives load, and they compute what ATen computes.
    mutating func defineLossOperators() {
        tensorOp("aten::l1_loss") { c in
            try Self.reduce(try Tensor.sub(.tensor(c.tensor(0, "self")), .tensor(c.tensor(1, "target"))).abs(), c.int(2, "reduction"))
        }
        tensorOp("aten::mse_loss") { c in
            let d = try Tensor.sub(.tensor(c.tensor(0, "self")), .tensor(c.tensor(1, "target")))
            return try Self.reduce(try d.mul(d), c.int(2, "reduction"))
        }
        tensorOp("aten::smooth_l1_loss") { c in
            let beta = try c.double(3, "beta")
            let d = try Tensor.sub(.tensor(c.tensor(0, "self")), .tensor(c.tensor(1, "target"))).abs()
            guard beta > 0 else { return try Self.reduce(d, c.int(2, "reduction")) }
            let quadratic = try Tensor.binary(Mul(), .tensor(d.mul(d)), .scalar(.double(0.5 / beta)), operation: "smooth_l1_loss")
            let linear = try Tensor.sub(.tensor(d), .scalar(.double(0.5 * beta)))
            let small = try Tensor.compare(Less(), .tensor(d), .scalar(.double(beta)), operation: "smooth_l1_loss")
            return try Self.reduce(try Tensor.where(small, .tensor(quadratic), .tensor(linear)), c.int(2, "reduction"))
        }
        tensorOp("aten::binary_cross_entropy_with_logits") { c in
            let (x, t) = (try c.tensor(0, "self"), try c.tensor(1, "target"))
            // max(-x, 0) + log1p(exp(-|x|)), weighted by 1 + (pos_weight - 1)·t when given.
            let softplus = try Tensor.add(.tensor(x.neg().relu()), .tensor(x.abs().neg().exp().log1p()))
            var loss: Tensor
            if let positive = try c.optionalTensor(3, "pos_weight") {
                let logWeight = try Tensor.add(.tensor(Tensor.sub(.tensor(positive), .scalar(.int(1))).mul(t)), .scalar(.int(1)))
                loss = try Tensor.add(.tensor(Tensor.sub(.scalar(.int(1)), .tensor(t)).mul(x)), .tensor(logWeight.mul(softplus)))
            } else {
                loss = try Tensor.add(.tensor(Tensor.sub(.scalar(.int(1)), .tensor(t)).mul(x)), .tensor(softplus))
            }
            if let weight = try c.optionalTensor(2, "weight") { loss = try loss.mul(weight) }
            return try Self.reduce(loss, c.int(4, "reduction"))
        }
        // (self, target, weight=None, reduction=Mean, ignore_index=-100, label_smoothing=0.0)
        tensorOp("aten::cross_entropy_loss") { c in
            let input = try c.tensor(0, "self")
            let target = try c.tensor(1, "target")
            let weight = try c.optionalTensor(2, "weight")
            let reduction = try c.int(3, "reduction")
            let ignore = try c.int64(4, "ignore_index")
            let smoothing = try c.double(5, "label_smoothing")
            let classDim = input.rank == 1 ? 0 : 1
            let logProbabilities = try input.logSoftmax(dim: classDim)
            let classes = input.shape[classDim]
            if target.dtype.isFloatingPoint {
                // Class probabilities.
                var soft = target
                if smoothing > 0 {
                    soft = try Tensor.add(.tensor(Tensor.binary(Mul(), .tensor(target), .scalar(.double(1 - smoothing)), operation: "cross_entropy")),
                                          .scalar(.double(smoothing / Double(classes))))
                }
                var terms = try logProbabilities.mul(soft).neg()
                if let weight { terms = try terms.mul(weight.reshape([classes] + Array(repeating: 1, count: input.rank - classDim - 1))) }
                let perSample = try terms.sum(dims: [classDim], keepDim: false)
                if reduction == 1 {
                    guard classes > 0 else { throw OperatorError("cross_entropy: the class dimension (\(classDim)) of input \(input.shape) is empty") }
                    let batch = input.rank == 1 ? 1 : input.elementCount / classes
                    return try Tensor.binary(Div(), .tensor(perSample.sum()), .scalar(.int(Int64(batch))), operation: "cross_entropy", promoteIntegersToFloat: true)
                }
                return try Self.reduce(perSample, reduction)
            }
            guard weight == nil || smoothing == 0 else {
                throw OperatorError("cross_entropy with both class weights and label smoothing is not supported by Flint")
            }
            let valid = try Tensor.compare(NotEqual(), .tensor(target), .scalar(.int(ignore)), operation: "cross_entropy")
            let safeTarget = try Tensor.where(valid, .tensor(target), .scalar(.int(0)))
            let picked = try logProbabilities.gather(dim: classDim, index: safeTarget.unsqueeze(classDim)).squeeze(classDim)
            let classWeight = try weight.map { try $0.indexSelect(dim: 0, index: safeTarget.reshape([-1])).reshape(safeTarget.shape) }
            let validFloat = try valid.to(input.dtype)
            let sampleWeight = try classWeight.map { try $0.mul(validFloat) } ?? validFloat
            var loss = try picked.neg().mul(sampleWeight)
            if smoothing > 0 {
                let uniform = try logProbabilities.sum(dims: [classDim], keepDim: false).neg().mul(validFloat)
                loss = try Tensor.add(
                    .tensor(Tensor.binary(Mul(), .tensor(loss), .scalar(.double(1 - smoothing)), operation: "cross_entropy")),
                    .tensor(Tensor.binary(Mul(), .tensor(uniform), .scalar(.double(smoothing / Double(classes))), operation: "cross_entropy")))
            }
            if reduction == 1 {
                return try Tensor.binary(Div(), .tensor(loss.sum()), .tensor(sampleWeight.sum()), operation: "cross_entropy")
            }
            return try Self.reduce(loss, reduction)
        }
    }

    /// ATen's `Reduction`: 0 none, 1 mean, 2 sum.
    static func reduce(_ loss: Tensor, _ reduction: Int) throws -> Tensor {
        switch reduction {
        case 0: return loss
        case 1: return try loss.mean()
        case 2: return try loss.sum()
        default: throw OperatorError("\(reduction) is not a valid value for reduction")
        }
    }
}
