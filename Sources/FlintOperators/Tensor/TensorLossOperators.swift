import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// CTC's input or target lengths: an int list, or (`asTensor`) an integer tensor.
    static func ctcLengths(_ c: Arguments, _ index: Int, _ name: String, asTensor: Bool) throws -> [Int] {
        guard asTensor else { return try c.ints(index, name, single: false) }
        let given = try c.tensor(index, name)
        guard given.dtype.isIntegral else { throw OperatorError("\(name) must be integral") }
        return try given.to(.int64).contiguous().scalars(as: Int64.self).map { Int(truncatingIfNeeded: $0) }
    }

    /// Loss functions (`reduction`: 0 none, 1 mean, 2 sum). Detection models compute them in their
    /// training branches; they are here so such archives load, and they compute what ATen computes.
    mutating func defineLossOperators() {
        // CTC: lengths as int lists or as tensors.
        for overload in ["IntList", "Tensor"] {
            tensorOp("aten::ctc_loss.\(overload)") { c in
                func lengths(_ index: Int, _ name: String) throws -> [Int] { try Self.ctcLengths(c, index, name, asTensor: overload == "Tensor") }
                return try c.tensor(0, "log_probs").ctcLoss(
                    targets: c.tensor(1, "targets"), inputLengths: lengths(2, "input_lengths"), targetLengths: lengths(3, "target_lengths"),
                    blank: c.int(4, "blank", default: 0), reduction: c.int(5, "reduction", default: 1), zeroInfinity: c.bool(6, "zero_infinity", default: false))
            }
        }
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
            guard smoothing > 0 else {
                return try Self.negativeLogLikelihood(logProbabilities, target: target, weight: weight, reduction: reduction, ignoreIndex: ignore).loss
            }
            let valid = try Tensor.compare(NotEqual(), .tensor(target), .scalar(.int(ignore)), operation: "cross_entropy")
            let safeTarget = try Tensor.where(valid, .tensor(target), .scalar(.int(0)))
            let picked = try logProbabilities.gather(dim: classDim, index: safeTarget.unsqueeze(classDim)).squeeze(classDim)
            let validFloat = try valid.to(input.dtype)
            let uniform = try logProbabilities.sum(dims: [classDim], keepDim: false).neg().mul(validFloat)
            let loss = try Tensor.add(
                .tensor(Tensor.binary(Mul(), .tensor(picked.neg().mul(validFloat)), .scalar(.double(1 - smoothing)), operation: "cross_entropy")),
                .tensor(Tensor.binary(Mul(), .tensor(uniform), .scalar(.double(smoothing / Double(classes))), operation: "cross_entropy")))
            if reduction == 1 {
                return try Tensor.binary(Div(), .tensor(loss.sum()), .tensor(validFloat.sum()), operation: "cross_entropy")
            }
            return try Self.reduce(loss, reduction)
        }
        // nll_loss (1-D or 2-D input), nll_loss2d (4-D), nll_loss_nd (any rank), and the *_forward forms that also
        // return the total weight.
        for (name, ranks) in [("nll_loss", [1, 2]), ("nll_loss2d", [4]), ("nll_loss_nd", [])] {
            for forward in [false, true] where !(forward && name == "nll_loss_nd") {
                define("aten::\(name)\(forward ? "_forward" : "")") { c in
                    let input = try c.tensor(0, "self")
                    let target = try c.tensor(1, "target")
                    var expectedTarget = input.shape
                    if input.rank >= 1 { expectedTarget.remove(at: input.rank == 1 ? 0 : 1) }
                    if ranks == [4] {
                        guard target.rank == 3 else {
                            throw OperatorError("only batches of spatial targets supported (3D tensors) but got targets of dimension: \(target.rank)")
                        }
                        guard input.rank == 4 else {
                            throw OperatorError("only batches of spatial inputs supported (4D tensors), but got input of dimension: \(input.rank)")
                        }
                    } else if !ranks.isEmpty, !ranks.contains(input.rank) {
                        throw OperatorError("input tensor should be 1D or 2D")
                    } else if ranks.isEmpty, input.rank > 1, target.rank >= 1, input.shape[0] != target.shape[0] {
                        throw OperatorError("Expected input batch_size (\(input.shape[0])) to match target batch_size (\(target.shape[0])).")
                    }
                    guard target.shape == expectedTarget else {
                        // nll_loss_nd's own check prints a space before the comma and no closing parenthesis.
                        throw OperatorError(
                            ranks.isEmpty
                                ? "size mismatch (got input: \(input.shape) , target: \(target.shape)"
                                : "size mismatch (got input: \(input.shape), target: \(target.shape))")
                    }
                    let r = try Self.negativeLogLikelihood(
                        input, target: target, weight: c.optionalTensor(2, "weight"), reduction: c.int(3, "reduction"), ignoreIndex: c.int64(4, "ignore_index"))
                    return forward ? .tuple([.tensor(r.loss), .tensor(r.totalWeight)]) : .tensor(r.loss)
                }
            }
        }
    }

    /// ATen's `nll_loss`: `-logProbabilities[n, target[n], ...] · weight[target[n]]` for targets other than
    /// `ignoreIndex` (class dimension 1, or 0 for a 1-D input with a 0-dim target), reduced (a weighted mean
    /// divides by the summed weights of the counted targets); also that sum (0 without reduction).
    static func negativeLogLikelihood(
        _ logProbabilities: Tensor, target: Tensor, weight: Tensor?, reduction: Int, ignoreIndex: Int64
    ) throws -> (loss: Tensor, totalWeight: Tensor) {
        let input = logProbabilities
        guard target.dtype == .int64 || target.dtype == .uint8 else {
            throw OperatorError("expected target dtype to be Long or Byte, but got \(target.dtype.scalarTypeName)")
        }
        let classDim = input.rank == 1 ? 0 : 1
        guard input.rank >= 1 else { throw OperatorError("input tensor should be 1D or 2D") }
        let classes = input.shape[classDim]
        var expectedTarget = input.shape
        expectedTarget.remove(at: classDim)
        guard target.shape == expectedTarget else {
            if input.rank <= 2, target.rank == 1, input.rank == 2 {
                throw OperatorError("Expected input batch_size (\(input.shape[0])) to match target batch_size (\(target.shape[0])).")
            }
            throw OperatorError("size mismatch (got input: \(input.shape) , target: \(target.shape)")
        }
        if let weight, weight.elementCount != classes {
            throw OperatorError("weight tensor should be defined either for all \(classes) classes or no classes but got weight tensor of shape: \(weight.shape)")
        }
        let labels = try target.to(.int64)
        let valid = try Tensor.compare(NotEqual(), .tensor(labels), .scalar(.int(ignoreIndex)), operation: "nll_loss")
        for (label, counted) in zip(try labels.scalars(as: Int64.self), try valid.scalars(as: Bool.self)) where counted && (label < 0 || label >= classes) {
            throw OperatorError("Target \(label) is out of bounds.")
        }
        let safeTarget = try Tensor.where(valid, .tensor(labels), .scalar(.int(0)))
        let picked = try input.gather(dim: classDim, index: safeTarget.unsqueeze(classDim)).squeeze(classDim)
        let classWeight = try weight.map { try $0.reshape([-1]).to(input.dtype).indexSelect(dim: 0, index: safeTarget.reshape([-1])).reshape(safeTarget.shape) }
        let validFloat = try valid.to(input.dtype)
        let sampleWeight = try classWeight.map { try $0.mul(validFloat) } ?? validFloat
        let loss = try picked.neg().mul(sampleWeight)
        switch reduction {
        case 0: return (loss, Tensor(zeros: [], dtype: input.dtype))
        case 1:
            let total = try sampleWeight.sum()
            return (try Tensor.binary(Div(), .tensor(loss.sum()), .tensor(total), operation: "nll_loss"), total)
        case 2: return (try loss.sum(), try sampleWeight.sum())
        default: throw OperatorError("\(reduction) is not a valid value for reduction")
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
