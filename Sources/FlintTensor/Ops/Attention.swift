extension Tensor {
    /// `softmax(query @ keyᵀ · scale + mask) @ value` over the last two dimensions, as
    /// `torch.nn.functional.scaled_dot_product_attention` computes it on CPU (math path): a boolean mask
    /// keeps positions where it is true, a float mask is added; `causal` keeps the lower triangle; with
    /// `groupedQueries`, key/value heads are repeated to match the query's (dimension -3).
    public static func scaledDotProductAttention(
        query: Tensor, key: Tensor, value: Tensor, mask: Tensor?, causal: Bool, scale: Double?, groupedQueries: Bool = false
    ) throws -> Tensor {
        guard query.rank >= 2, key.rank >= 2, value.rank >= 2 else { throw TensorError("scaled_dot_product_attention needs at least 2-D inputs") }
        guard query.dtype == key.dtype, query.dtype == value.dtype else {
            throw TensorError("Expected query, key, and value to have the same dtype, but got query.dtype: \(query.dtype) key.dtype: \(key.dtype) and value.dtype: \(value.dtype) instead.")
        }
        if let mask {
            guard mask.dtype == .bool || mask.dtype == query.dtype else {
                throw TensorError("Expected attn_mask dtype to be bool or float or to match query dtype, but got attn_mask.dtype: \(mask.dtype) and query.dtype: \(query.dtype) instead.")
            }
            guard !causal else { throw TensorError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True") }
        }
        var (key, value) = (key, value)
        if groupedQueries, query.rank >= 3, key.rank >= 3, query.shape[query.rank - 3] != key.shape[key.rank - 3] {
            let groups = query.shape[query.rank - 3] / Swift.max(key.shape[key.rank - 3], 1)
            key = try key.repeatInterleave([groups], dim: key.rank - 3)
            value = try value.repeatInterleave([groups], dim: value.rank - 3)
        }
        let factor = scale ?? 1 / Double(query.shape[query.rank - 1]).squareRoot()
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
