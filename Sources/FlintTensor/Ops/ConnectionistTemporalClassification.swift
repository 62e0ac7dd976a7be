import RealModule

/// Connectionist Temporal Classification (Graves et al., 2006): the negative log-likelihood of each target sequence
/// over the time steps of `log_probs`, by the forward (α) recursion in log space over the target with blanks
/// interleaved (`blank, l1, blank, l2, ..., blank`), computed in double. One forward pass serves ATen's `_ctc_loss`
/// (the losses and the α table, ``ctcForward(targets:inputLengths:targetLengths:blank:)``) and
/// `torch.nn.functional.ctc_loss` (the losses reduced, ``ctcLoss(targets:inputLengths:targetLengths:blank:reduction:zeroInfinity:)``).
extension Tensor {
    /// ATen's `_ctc_loss` on `self` = log-probabilities `[T, N, C]` (float32 or float64), `targets` (int64 or int32)
    /// padded `[N, S]` or concatenated 1-D, and each sequence's input and target lengths: the `[N]` negative
    /// log-likelihoods and the log-α table `[N, T, 2·max(target_lengths) + 1]`, both of `self`'s dtype.
    ///
    /// ATen leaves the table's entries past a sequence's input length, or past its extended target, uninitialised
    /// (its first time step is −∞ throughout, but for the two states a path can start in); Flint writes −∞ there, the
    /// log of the zero probability of reaching them. A sequence with no input steps has loss 0 for an empty target,
    /// +∞ otherwise. ATen reads a target label outside `[0, C)` from past the end of its row; Flint refuses it.
    public func ctcForward(targets: Tensor, inputLengths: [Int], targetLengths: [Int], blank: Int) throws -> (negLogLikelihood: Tensor, logAlpha: Tensor) {
        let pass = try ctcForwardPass(targets: targets, inputLengths: inputLengths, targetLengths: targetLengths, blank: blank)
        let losses = try Tensor(shape: [pass.batch], scalars: pass.negLogLikelihood).to(dtype)
        let table = try Tensor(shape: [pass.batch, pass.steps, pass.states], scalars: pass.logAlpha).to(dtype)
        return (losses, table)
    }

    /// The losses of `torch.nn.functional.ctc_loss` (ATen's `ctc_loss`) for `self` = log-probabilities `[T, N, C]`
    /// (or `[T, C]`, one sequence), `targets` padded `[N, S]` or concatenated 1-D (converted to int64 first, as ATen
    /// does), and each sequence's input and target lengths. `reduction` 0 gives the `[N]` losses (a scalar for
    /// unbatched input), 1 their mean after dividing each by its target length (at least 1), 2 their sum.
    /// `zeroInfinity` turns impossible alignments' infinite losses into 0.
    public func ctcLoss(targets: Tensor, inputLengths: [Int], targetLengths: [Int], blank: Int, reduction: Int, zeroInfinity: Bool) throws -> Tensor {
        // ATen adds the batch dimension to the log-probabilities only: an unbatched sequence's 1-D targets are then
        // the concatenated form of a batch of one.
        let batched = rank == 3
        let probabilities = batched ? self : try unsqueeze(1)
        let pass = try probabilities.ctcForwardPass(
            targets: targets.dtype == .int64 ? targets : try targets.to(.int64), inputLengths: inputLengths, targetLengths: targetLengths, blank: blank)
        var losses = pass.negLogLikelihood
        if zeroInfinity {
            for b in losses.indices where losses[b] == .infinity { losses[b] = 0 }
        }
        let result: Tensor
        switch reduction {
        case 0: result = try Tensor(shape: batched ? [pass.batch] : [], scalars: losses)
        case 1:
            let scaled = zip(losses, targetLengths).map { $0 / Double(Swift.max($1, 1)) }
            result = Tensor(scalar: scaled.reduce(0, +) / Double(Swift.max(pass.batch, 1)))
        default: result = Tensor(scalar: losses.reduce(0, +))
        }
        return try result.to(dtype)
    }

    /// The forward recursion behind both entry points, with `ctc_loss_allocate_outputs`' checks in ATen's order;
    /// `self` must be `[T, N, C]`. The α table is row-major `[N, T, states]`, −∞ where no path reaches.
    private func ctcForwardPass(
        targets: Tensor, inputLengths: [Int], targetLengths: [Int], blank: Int
    ) throws -> (batch: Int, steps: Int, states: Int, negLogLikelihood: [Double], logAlpha: [Double]) {
        let context = "(while checking arguments for ctc_loss_allocate_outputs)"
        guard dtype == .float32 || dtype == .float64 else { throw TensorError("\"ctc_loss_cpu\" not implemented for '\(dtype.scalarTypeName)'") }
        guard elementCount > 0 else { throw TensorError("log_probs tensor must not be empty") }
        guard targets.dtype == .int64 || targets.dtype == .int32 else {
            throw TensorError("Expected tensor for argument #2 'targets' to have scalar type Int; but got torch.\(targets.dtype.scalarTypeName)Tensor instead \(context)")
        }
        guard rank == 3 else { throw TensorError("Expected 3-dimensional tensor, but got \(rank)-dimensional tensor for argument #1 'log_probs' \(context)") }
        guard targets.rank == 1 || targets.rank == 2 else {
            throw TensorError("Expected 1 to 2 dimensions, but got \(targets.rank)-dimensional tensor for argument #2 'targets' \(context)")
        }
        let (steps, batch, classes) = (shape[0], shape[1], shape[2])
        guard blank >= 0 && blank < classes else { throw TensorError("blank must be in label range") }
        guard inputLengths.count == batch else { throw TensorError("input_lengths must be of size batch_size") }
        guard targetLengths.count == batch else { throw TensorError("target_lengths must be of size batch_size") }
        var offsets = [Int](repeating: 0, count: batch)
        var targetStride = 1
        var maxTargetLength = 0
        for length in targetLengths {
            guard length >= 0 else { throw TensorError("Expected target_lengths to have value at least 0, but got value \(length) \(context)") }
            maxTargetLength = Swift.max(maxTargetLength, length)
        }
        if targets.rank == 1 {
            var position = 0
            for (b, length) in targetLengths.enumerated() {
                offsets[b] = position
                let (next, overflow) = position.addingReportingOverflow(length)
                guard !overflow else { throw TensorError("target_lengths sum past int64 \(context)") }
                position = next
            }
            guard targets.shape[0] == position else {
                throw TensorError("Expected tensor to have size \(position) at dimension 0, but got size \(targets.shape[0]) for argument #2 'targets' \(context)")
            }
        } else {
            guard targets.shape[0] == batch else {
                throw TensorError("Expected tensor to have size \(batch) at dimension 0, but got size \(targets.shape[0]) for argument #2 'targets' \(context)")
            }
            guard targets.shape[1] >= maxTargetLength else {
                throw TensorError("Expected tensor to have size at least \(maxTargetLength) at dimension 1, but got size \(targets.shape[1]) for argument #2 'targets' \(context)")
            }
            targetStride = targets.shape[1]
            for b in 0..<batch { offsets[b] = b * targetStride }
        }
        for length in inputLengths {
            guard length >= 0 else { throw TensorError("Expected input_lengths to have value at least 0, but got value \(length) \(context)") }
            guard length <= steps else { throw TensorError("Expected input_lengths to have value at most \(steps), but got value \(length) \(context)") }
        }
        let labels = try targets.to(.int64).contiguous().scalars(as: Int64.self)
        for b in 0..<batch {
            for s in 0..<targetLengths[b] where labels[offsets[b] + s] < 0 || labels[offsets[b] + s] >= Int64(classes) {
                throw TensorError("ctc_loss: target \(labels[offsets[b] + s]) is out of range for \(classes) classes")
            }
        }
        let logProbabilities = try to(.float64).contiguous().scalars(as: Double.self)
        let states = 2 * maxTargetLength + 1
        try Tensor.checkAllocatable([batch, steps, states], dtype: .float64)
        var alpha = [Double](repeating: -.infinity, count: batch * steps * states)
        var losses = [Double](repeating: 0, count: batch)
        for b in 0..<batch {
            let (length, labelCount) = (inputLengths[b], targetLengths[b])
            guard length > 0 else { losses[b] = labelCount == 0 ? 0 : .infinity; continue }
            // The extended target: blank, l1, blank, l2, ..., blank.
            let extended = (0..<(2 * labelCount + 1)).map { s in s % 2 == 0 ? blank : Int(labels[offsets[b] + s / 2]) }
            func logProbability(_ t: Int, _ label: Int) -> Double { logProbabilities[(t * batch + b) * classes + label] }
            let row = b * steps * states
            alpha[row] = logProbability(0, blank)
            if labelCount > 0 { alpha[row + 1] = logProbability(0, extended[1]) }
            for t in 1..<length {
                let previous = row + (t - 1) * states, current = row + t * states
                for s in 0..<extended.count {
                    // Stay, advance by one, or skip the blank between two different labels; log-sum-exp of the
                    // terms that apply (−∞ for the others), shifted by their maximum unless all are −∞.
                    let stay = alpha[previous + s]
                    let advance = s > 0 ? alpha[previous + s - 1] : -.infinity
                    let skip = s > 1 && extended[s - 2] != extended[s] ? alpha[previous + s - 2] : -.infinity
                    alpha[current + s] = Self.ctcLogSumExp(stay, advance, skip) + logProbability(t, extended[s])
                }
            }
            let last = row + (length - 1) * states
            if labelCount == 0 {
                losses[b] = -alpha[last]
            } else {
                losses[b] = -Self.ctcLogSumExp(alpha[last + 2 * labelCount], alpha[last + 2 * labelCount - 1], -.infinity)
            }
        }
        return (batch, steps, states, losses, alpha)
    }

    /// `log(exp(a) + exp(b) + exp(c))` as ATen's kernel computes it: shifted by the largest term, or by 0 when every
    /// term is −∞ (the result is then −∞).
    private static func ctcLogSumExp(_ a: Double, _ b: Double, _ c: Double) -> Double {
        var largest = a
        if b > largest { largest = b }
        if c > largest { largest = c }
        if largest == -.infinity { largest = 0 }
        return Double.log(Double.exp(a - largest) + Double.exp(b - largest) + Double.exp(c - largest)) + largest
    }
}
