extension Tensor {
    /// `softmax(query @ keyᵀ · scale + mask) @ value` over the last two dimensions, as
    /// `torch.nn.functional.scaled_dot_product_attention` computes it on CPU: a boolean mask keeps positions
    /// where it is true, a float mask is added; `causal` keeps the lower triangle; with `groupedQueries`,
    /// key/value heads are repeated to match the query's (dimension -3). Where ATen runs its flash kernel
    /// (`flashAttention(query:key:value:mask:causal:scale:groupedQueries:into:)`: float32 inputs of rank 3 or 4), so does Flint, with
    /// libtorch's arithmetic; other inputs take the math path (scores, softmax, product).
    public static func scaledDotProductAttention(
        query: Tensor, key: Tensor, value: Tensor, mask: Tensor?, causal: Bool, scale: Double?, groupedQueries: Bool = false, into output: Tensor? = nil
    ) throws -> Tensor {
        guard query.rank >= 2, key.rank >= 2, value.rank >= 2 else { throw TensorError("scaled_dot_product_attention needs at least 2-D inputs") }
        guard query.dtype == key.dtype, query.dtype == value.dtype else {
            throw TensorError("Expected query, key, and value to have the same dtype, but got query.dtype: \(query.dtype.cppName) key.dtype: \(key.dtype.cppName) and value.dtype: \(value.dtype.cppName) instead.")
        }
        if let mask {
            guard mask.dtype == .bool || mask.dtype == query.dtype else {
                throw TensorError("Expected attn_mask dtype to be bool or float or to match query dtype, but got attn_mask.dtype: \(mask.dtype.cppName) and  query.dtype: \(query.dtype.cppName) instead.")
            }
            guard !causal else { throw TensorError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True") }
        }
        if groupedQueries, query.rank >= 3, key.rank >= 3, value.rank >= 3 {
            // ATen's pre_process_group_query_attention_input.
            let (q, k, v) = (query.shape[query.rank - 3], key.shape[key.rank - 3], value.shape[value.rank - 3])
            guard q == k || (k != 0 && q % k == 0), q == v || (v != 0 && q % v == 0) else {
                throw TensorError("Number of heads in key and value must divide the number of heads in query")
            }
        }
        let factor = scale ?? 1 / Double(query.shape[query.rank - 1]).squareRoot()
        if let attended = try flashAttention(
            query: query, key: key, value: value, mask: mask, causal: causal, scale: Float(factor), groupedQueries: groupedQueries, into: output)
        {
            return attended
        }
        let repeatsHeads = groupedQueries && query.rank >= 3 && key.rank >= 3 && query.shape[query.rank - 3] != key.shape[key.rank - 3]
        var (key, value) = (key, value)
        if repeatsHeads {
            let groups = query.shape[query.rank - 3] / Swift.max(key.shape[key.rank - 3], 1)
            key = try key.repeatInterleave([groups], dim: key.rank - 3)
            value = try value.repeatInterleave([groups], dim: value.rank - 3)
        }
        let fusedMask = mask.map { $0.dtype == .bool ? AttentionMask.keep($0) : AttentionMask.add($0) }
        if let attended = try fusedAttention(query: query, key: key, value: value, scale: Float(factor), mask: fusedMask, causal: causal, into: output) {
            return attended
        }
        var scores = try Tensor.binary(Mul(), .tensor(query.matmul(key.transpose(-2, -1))), .scalar(.double(factor)), operation: "scaled_dot_product_attention")
        if causal {
            let (l, s) = (query.shape[query.rank - 2], key.shape[key.rank - 2])
            let keep = try Tensor.full([l, s], value: 1, dtype: .bool).triangle(upper: false)
            scores = try scores.maskedFill(keep.logicalNot(), value: .double(-.infinity))
        }
        if let mask {
            scores = mask.dtype == .bool ? try scores.maskedFill(mask.logicalNot(), value: .double(-.infinity)) : try scores.add(mask)
        }
        return try scores.softmax(dim: -1).matmul(value)
    }
}

extension Tensor {
    /// ATen's fused multi-head attention (`_native_multi_head_attention`, the fast path of
    /// `nn.MultiheadAttention` and `nn.TransformerEncoderLayer`): batch-first `[B, L, E]` inputs, packed
    /// `[3E, E]` input projection, `heads` heads, output projection. `mask` is true where attention is
    /// *not* allowed: `[L, S]` (mask type 0), `[B, S]` key padding (type 1), or broadcastable to
    /// `[B, H, L, S]` (type 2). Returns the output and, when `needWeights`, the attention weights (averaged
    /// over heads when `averageWeights`); otherwise an empty tensor.
    ///
    /// `packed` holds the same projections packed once (for a caller that runs the layer many times);
    /// `outputEpilogue` is fused into the output projection's write (a residual add, say).
    public static func nativeMultiHeadAttention(
        query: Tensor, key: Tensor, value: Tensor, embedDim: Int, heads: Int, inputWeight: Tensor, inputBias: Tensor,
        outputWeight: Tensor, outputBias: Tensor, mask: Tensor?, needWeights: Bool, averageWeights: Bool, maskType: Int?,
        packed: PackedAttentionWeights? = nil, outputEpilogue: FusedEpilogue = .identity
    ) throws -> (Tensor, Tensor) {
        guard query.rank == 3, key.rank == 3, value.rank == 3 else { throw TensorError("_native_multi_head_attention expects 3-D (batch, sequence, embedding) inputs") }
        guard heads > 0, embedDim % heads == 0, query.shape[2] == embedDim else {
            throw TensorError("_native_multi_head_attention: embed_dim \(embedDim) must equal the query's last dimension and divide by num_head \(heads)")
        }
        let headDim = embedDim / heads
        func project(_ x: Tensor, _ index: Int) throws -> Tensor {
            let w = try inputWeight.narrow(dim: 0, start: index * embedDim, length: embedDim)
            let b = try inputBias.narrow(dim: 0, start: index * embedDim, length: embedDim)
            let (batch, length) = (x.shape[0], x.shape[1])
            // [B, L, E] → [B, H, L, D]
            return try x.linear(weight: w, bias: b, packed: packed?.projections[index]).reshape([batch, length, heads, headDim]).transpose(1, 2)
        }
        let (q, k, v) = (try project(query, 0), try project(key, 1), try project(value, 2))
        let scale = 1 / Double(headDim).squareRoot()
        let blocked = try mask.map { mask in
            let blocked = mask.dtype == .bool ? mask : try Tensor.compare(NotEqual(), .tensor(mask), .scalar(.int(0)), operation: "_native_multi_head_attention")
            return maskType == 1 ? try blocked.unsqueeze(1).unsqueeze(1) : blocked  // [B, S] → [B, 1, 1, S]
        }
        let (batch, length) = (query.shape[0], query.shape[1])
        if !needWeights,
            let attended = try fusedAttention(query: q, key: k, value: v, scale: Float(scale), mask: try blocked.map { .keep(try $0.logicalNot()) }, causal: false)
        {
            let merged = try attended.transpose(1, 2).reshape([batch, length, embedDim])
            return (try merged.linear(weight: outputWeight, bias: outputBias, epilogue: outputEpilogue, packed: packed?.output), Tensor.zeros([0], dtype: query.dtype))
        }
        var scores = try Tensor.binary(Mul(), .tensor(q.matmul(k.transpose(-2, -1))), .scalar(.double(scale)), operation: "_native_multi_head_attention")
        if let blocked { scores = try scores.maskedFill(blocked, value: .double(-.infinity)) }
        let weights = try scores.softmax(dim: -1)
        let merged = try weights.matmul(v).transpose(1, 2).reshape([batch, length, embedDim])
        let output = try merged.linear(weight: outputWeight, bias: outputBias, epilogue: outputEpilogue, packed: packed?.output)
        guard needWeights else { return (output, Tensor.zeros([0], dtype: query.dtype)) }
        return (output, averageWeights ? try weights.mean(dims: [1], keepDim: false) : weights)
    }
}
