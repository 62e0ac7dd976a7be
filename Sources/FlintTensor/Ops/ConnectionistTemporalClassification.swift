import RealModule

/// `torch.nn.functional.ctc_loss`: the negative log-likelihood of each target sequence under Connectionist Temporal
/// Classification (Graves et al., 2006) over the time steps of `log_probs`, by the forward (α) recursion in log
/// space over the target with blanks interleaved, computed in double.
extension Tensor {
    /// The losses for `self` = log-probabilities `[T, N, C]` (or `[T, C]`, one sequence), `targets` padded `[N, S]`
    /// or concatenated 1-D, and each sequence's input and target lengths. `reduction` 0 gives the `[N]` losses
    /// (a scalar for unbatched input), 1 their mean after dividing each by its target length (at least 1), 2 their
    /// sum. `zeroInfinity` turns impossible alignments' infinite losses into 0.
    public func ctcLoss(targets: Tensor, inputLengths: [Int], targetLengths: [Int], blank: Int, reduction: Int, zeroInfinity: Bool) throws -> Tensor {
        let context = "(while checking arguments for ctc_loss_allocate_outputs)"
        guard dtype.isFloatingPoint else { throw TensorError("\"ctc_loss_cpu\" not implemented for '\(dtype.scalarTypeName)'") }
        guard rank == 3 || rank == 2 else { throw TensorError("ctc_loss: log_probs must be 2-D or 3-D, but got \(rank)-D") }
        let batched = rank == 3
        let probabilities = batched ? self : try unsqueeze(1)
        let targetTensor = batched || targets.rank != 1 ? targets : try targets.unsqueeze(0)
        let (steps, batch, classes) = (probabilities.shape[0], probabilities.shape[1], probabilities.shape[2])
        guard blank >= 0 && blank < classes else { throw TensorError("blank must be in label range") }
        guard inputLengths.count == batch else { throw TensorError("input_lengths must be of size batch_size") }
        guard targetLengths.count == batch else { throw TensorError("target_lengths must be of size batch_size") }
        if let negative = targetLengths.first(where: { $0 < 0 }) {
            throw TensorError("Expected target_lengths to have value at least 0, but got value \(negative) \(context)")
        }
        let padded = targetTensor.rank == 2
        if padded && targetTensor.shape[0] < batch {
            throw TensorError("Expected tensor to have size \(batch) at dimension 0, but got size \(targetTensor.shape[0]) for argument #2 'targets' \(context)")
        }
        let labels = try targetTensor.to(.int64).contiguous().scalars(as: Int64.self)
        var offsets = [Int](repeating: 0, count: batch)
        if padded {
            let width = targetTensor.shape[1]
            for (b, length) in targetLengths.enumerated() {
                guard length <= width else {
                    throw TensorError("Expected tensor to have size at least \(length) at dimension 1, but got size \(width) for argument #2 'targets' \(context)")
                }
                offsets[b] = b * width
            }
        } else {
            var position = 0
            for (b, length) in targetLengths.enumerated() { offsets[b] = position; position += length }
            guard position <= labels.count else {
                throw TensorError("Expected tensor to have size at least \(position) at dimension 0, but got size \(labels.count) for argument #2 'targets' \(context)")
            }
        }
        let logProbabilities = try probabilities.to(.float64).contiguous().scalars(as: Double.self)
        var losses = [Double](repeating: 0, count: batch)
        for b in 0..<batch {
            let (length, labelCount) = (inputLengths[b], targetLengths[b])
            guard length >= 0 && length <= steps else {
                throw TensorError("Expected input_lengths to have value at most \(steps), but got value \(length) \(context)")
            }
            for s in 0..<labelCount where labels[offsets[b] + s] < 0 || labels[offsets[b] + s] >= Int64(classes) {
                throw TensorError("ctc_loss: target \(labels[offsets[b] + s]) is out of range for \(classes) classes")
            }
            // The extended target: blank, l1, blank, l2, ..., blank.
            let extended = (0..<(2 * labelCount + 1)).map { s in s % 2 == 0 ? blank : Int(labels[offsets[b] + s / 2]) }
            func logProbability(_ t: Int, _ label: Int) -> Double { logProbabilities[(t * batch + b) * classes + label] }
            guard length > 0 else { losses[b] = labelCount == 0 ? 0 : .infinity; continue }
            var alpha = [Double](repeating: -.infinity, count: extended.count)
            alpha[0] = logProbability(0, blank)
            if extended.count > 1 { alpha[1] = logProbability(0, extended[1]) }
            for t in 1..<length {
                var next = [Double](repeating: -.infinity, count: extended.count)
                for s in 0..<extended.count {
                    var terms = [alpha[s]]
                    if s >= 1 { terms.append(alpha[s - 1]) }
                    if s >= 2 && extended[s] != blank && extended[s] != extended[s - 2] { terms.append(alpha[s - 2]) }
                    next[s] = Self.logSumExp(terms) + logProbability(t, extended[s])
                }
                alpha = next
            }
            let last = extended.count - 1
            let total = Self.logSumExp(last >= 1 ? [alpha[last], alpha[last - 1]] : [alpha[last]])
            losses[b] = -total
            if zeroInfinity && losses[b] == .infinity { losses[b] = 0 }
        }
        let result: Tensor
        switch reduction {
        case 0: result = try Tensor(shape: batched ? [batch] : [], scalars: losses)
        case 1:
            let scaled = zip(losses, targetLengths).map { $0 / Double(Swift.max($1, 1)) }
            result = Tensor(scalar: scaled.reduce(0, +) / Double(Swift.max(batch, 1)))
        default: result = Tensor(scalar: losses.reduce(0, +))
        }
        return try result.to(dtype)
    }

    private static func logSumExp(_ values: [Double]) -> Double {
        let largest = values.max() ?? -.infinity
        guard largest > -.infinity else { return -.infinity }
        return largest + Double.log(values.reduce(0.0) { $0 + Double.exp($1 - largest) })
    }
}
