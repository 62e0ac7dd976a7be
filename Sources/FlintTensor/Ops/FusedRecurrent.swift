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
        let hiddenWeight = weights.hiddenWeight
        guard weights.dynamic == nil, weights.projection == nil, input.dtype == .float32, h0.dtype == .float32,
            c0.dtype == .float32, hiddenWeight.dtype == .float32, hiddenWeight.rank == 2,
            weights.hiddenBias.map({ $0.dtype == .float32 && $0.rank == 1 }) ?? true
        else { return nil }
        let hiddenSize = hiddenWeight.shape[1]
        let (steps, batch) = (input.shape[0], input.shape[1])
        guard steps > 0, batch > 0, hiddenSize > 0, hiddenWeight.shape[0] == 4 * hiddenSize, h0.shape == [batch, hiddenSize], c0.shape == [batch, hiddenSize],
            weights.hiddenBias.map({ $0.shape == [4 * hiddenSize] }) ?? true
        else { return nil }
        // [seq, batch, 4·hidden], bias_ih included.
        let projected = try weights.projectInput(input).contiguous()
        guard projected.shape == [steps, batch, 4 * hiddenSize] else { return nil }
        let (w, bias, h, c) = (try hiddenWeight.contiguous(), try weights.hiddenBias?.contiguous(), try h0.contiguous(), try c0.contiguous())
        let output = Tensor(uninitialized: [steps, batch, hiddenSize], dtype: .float32)
        let lastH = Tensor(uninitialized: [batch, hiddenSize], dtype: .float32)
        let lastC = Tensor(uninitialized: [batch, hiddenSize], dtype: .float32)
        var descriptor = flint_lstm_desc(steps: Int64(steps), batch: Int64(batch), hidden: Int64(hiddenSize), reverse: reverse ? 1 : 0)
        let status = flint_lstm_f32(
            ThreadPool.shared.raw, &descriptor, Self.floats(projected), Self.floats(w), bias.map { Self.floats($0) },
            Self.floats(h), Self.floats(c), output.baseAddress.assumingMemoryBound(to: Float.self),
            lastH.baseAddress.assumingMemoryBound(to: Float.self), lastC.baseAddress.assumingMemoryBound(to: Float.self))
        guard status == 0 else { throw TensorError("lstm: could not allocate the kernel's gate buffer") }
        return (output, lastH, lastC)
    }

    /// The same for one direction of a float32 GRU layer (`flint_gru_f32`). Returns the outputs of every step
    /// and the last step's h, or nil for the general path.
    static func gruSequenceFloat(input: Tensor, h0: Tensor, weights: RecurrentWeights, reverse: Bool) throws -> (output: Tensor, h: Tensor)? {
        let hiddenWeight = weights.hiddenWeight
        guard weights.dynamic == nil, weights.projection == nil, input.dtype == .float32, h0.dtype == .float32,
            hiddenWeight.dtype == .float32, hiddenWeight.rank == 2, weights.hiddenBias.map({ $0.dtype == .float32 && $0.rank == 1 }) ?? true
        else { return nil }
        let hiddenSize = hiddenWeight.shape[1]
        let (steps, batch) = (input.shape[0], input.shape[1])
        guard steps > 0, batch > 0, hiddenSize > 0, hiddenWeight.shape[0] == 3 * hiddenSize, h0.shape == [batch, hiddenSize],
            weights.hiddenBias.map({ $0.shape == [3 * hiddenSize] }) ?? true
        else { return nil }
        let projected = try weights.projectInput(input).contiguous()
        guard projected.shape == [steps, batch, 3 * hiddenSize] else { return nil }
        let (w, bias, h) = (try hiddenWeight.contiguous(), try weights.hiddenBias?.contiguous(), try h0.contiguous())
        let output = Tensor(uninitialized: [steps, batch, hiddenSize], dtype: .float32)
        let lastH = Tensor(uninitialized: [batch, hiddenSize], dtype: .float32)
        var descriptor = flint_lstm_desc(steps: Int64(steps), batch: Int64(batch), hidden: Int64(hiddenSize), reverse: reverse ? 1 : 0)
        let status = flint_gru_f32(
            ThreadPool.shared.raw, &descriptor, Self.floats(projected), Self.floats(w), bias.map { Self.floats($0) }, Self.floats(h),
            output.baseAddress.assumingMemoryBound(to: Float.self), lastH.baseAddress.assumingMemoryBound(to: Float.self))
        guard status == 0 else { throw TensorError("gru: could not allocate the kernel's gate buffer") }
        return (output, lastH)
    }

    private static func floats(_ tensor: Tensor) -> UnsafePointer<Float> {
        UnsafePointer(tensor.baseAddress.assumingMemoryBound(to: Float.self))
    }
}
