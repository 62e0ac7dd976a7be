import CFlintKernels

extension Tensor {
    /// One direction of a float32 LSTM layer without projection, the whole sequence in one kernel call
    /// (`flint_lstm_f32`): the input projection of every step is one GEMM, then each step's recurrent
    /// product and cell update run fused, the hidden units split between threads, with no allocation per
    /// step. Returns nil (having done nothing) when the layer is not of that kind, for the general path.
    ///
    /// `input` is `[seq, batch, features]`; `h0` and `c0` `[batch, hidden]`. Returns the outputs of every step
    /// `[seq, batch, hidden]` and the last step's h and c.
    static func lstmSequenceFloat(
        input: Tensor, h0: Tensor, c0: Tensor, weights: RecurrentWeights, reverse: Bool
    ) throws -> (output: Tensor, h: Tensor, c: Tensor)? {
        guard c0.dtype == .float32, c0.shape == h0.shape,
            let layer = try FusedRecurrentLayer(input: input, h0: h0, weights: weights, gates: 4, reverse: reverse)
        else { return nil }
        let c = try c0.contiguous()
        let lastC = Tensor(uninitialized: c.shape, dtype: .float32)
        var descriptor = layer.descriptor
        let status = flint_lstm_f32(
            ThreadPool.shared.raw, &descriptor, layer.projected.floats, layer.hiddenWeight.floats, layer.hiddenBias?.floats, layer.h0.floats,
            c.floats, layer.output.mutableFloats, layer.lastH.mutableFloats, lastC.mutableFloats)
        guard status == 0 else { throw TensorError("lstm: could not allocate the kernel's gate buffer") }
        return (layer.output, layer.lastH, lastC)
    }

    /// The same for one direction of a float32 GRU layer (`flint_gru_f32`). Returns the outputs of every step
    /// and the last step's h, or nil for the general path.
    static func gruSequenceFloat(input: Tensor, h0: Tensor, weights: RecurrentWeights, reverse: Bool) throws -> (output: Tensor, h: Tensor)? {
        guard let layer = try FusedRecurrentLayer(input: input, h0: h0, weights: weights, gates: 3, reverse: reverse) else { return nil }
        var descriptor = layer.descriptor
        let status = flint_gru_f32(
            ThreadPool.shared.raw, &descriptor, layer.projected.floats, layer.hiddenWeight.floats, layer.hiddenBias?.floats, layer.h0.floats,
            layer.output.mutableFloats, layer.lastH.mutableFloats)
        guard status == 0 else { throw TensorError("gru: could not allocate the kernel's gate buffer") }
        return (layer.output, layer.lastH)
    }

    fileprivate var floats: UnsafePointer<Float> { UnsafePointer(baseAddress.assumingMemoryBound(to: Float.self)) }
    fileprivate var mutableFloats: UnsafeMutablePointer<Float> { baseAddress.assumingMemoryBound(to: Float.self) }
}

/// What both fused kernels take, checked and laid out: a float32 layer without projection or quantization
/// whose `weight_hh` stacks `gates` blocks, the input projections of every step (bias_ih included), the
/// contiguous weights and initial state, and the result tensors to fill.
private struct FusedRecurrentLayer {
    let projected: Tensor
    let hiddenWeight: Tensor
    let hiddenBias: Tensor?
    let h0: Tensor
    let output: Tensor
    let lastH: Tensor
    let descriptor: flint_lstm_desc

    /// Nil when the layer is not of that kind.
    init?(input: Tensor, h0: Tensor, weights: RecurrentWeights, gates: Int, reverse: Bool) throws {
        let weight = weights.hiddenWeight
        guard weights.dynamic == nil, weights.projection == nil, input.dtype == .float32, input.rank == 3, h0.dtype == .float32,
            weight.dtype == .float32, weight.rank == 2
        else { return nil }
        let hiddenSize = weight.shape[1]
        let (steps, batch) = (input.shape[0], input.shape[1])
        guard steps > 0, batch > 0, hiddenSize > 0, weight.shape[0] == gates * hiddenSize, h0.shape == [batch, hiddenSize],
            weights.hiddenBias.map({ $0.dtype == .float32 && $0.shape == [gates * hiddenSize] }) ?? true
        else { return nil }
        projected = try weights.projectInput(input).contiguous()
        guard projected.shape == [steps, batch, gates * hiddenSize] else { return nil }
        (hiddenWeight, hiddenBias, self.h0) = (try weight.contiguous(), try weights.hiddenBias?.contiguous(), try h0.contiguous())
        output = Tensor(uninitialized: [steps, batch, hiddenSize], dtype: .float32)
        lastH = Tensor(uninitialized: [batch, hiddenSize], dtype: .float32)
        descriptor = flint_lstm_desc(steps: Int64(steps), batch: Int64(batch), hidden: Int64(hiddenSize), reverse: reverse ? 1 : 0)
    }
}
