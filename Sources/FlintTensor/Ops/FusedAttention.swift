import CFlintKernels

/// Float32 attention in one pass per (batch, head): `softmax(q·kᵀ·scale + mask)·v`, each head's scores made,
/// masked, normalised and multiplied by `v` in a scratch block that stays in cache, with the heads spread over
/// the thread pool. The arithmetic is the unfused path's (the same GEMM kernels, whose results do not depend on
/// the thread count, the same float32 scaling, mask and softmax), so the results are identical; what goes is
/// four passes over the `[.., L, S]` scores through memory and a thread hand-off per head.
extension Tensor {
    /// How attention scores are masked.
    enum AttentionMask {
        /// A boolean tensor broadcastable to the scores: keep where true, -inf elsewhere.
        case keep(Tensor)
        /// A float32 tensor broadcastable to the scores, added to them.
        case add(Tensor)
    }

    /// The fused computation, or nil (nothing computed) when it does not apply: other dtypes, empty sizes, or
    /// batch dimensions that differ between `query`, `key` and `value` (the unfused path broadcasts them).
    /// `causal` keeps key positions j ≤ query position i.
    /// `output`, when given, receives the result (contiguous, of the result's shape and dtype, overlapping no operand).
    static func fusedAttention(
        query: Tensor, key: Tensor, value: Tensor, scale: Float, mask: AttentionMask?, causal: Bool, into destination: Tensor? = nil
    ) throws -> Tensor? {
        guard query.dtype == .float32, key.dtype == .float32, value.dtype == .float32, query.rank >= 2, key.rank == query.rank,
            value.rank == query.rank
        else { return nil }
        let prefix = Array(query.shape.dropLast(2))
        guard Array(key.shape.dropLast(2)) == prefix, Array(value.shape.dropLast(2)) == prefix else { return nil }
        let (l, e) = (query.shape[query.rank - 2], query.shape[query.rank - 1])
        let (s, ev) = (key.shape[key.rank - 2], value.shape[value.rank - 1])
        guard key.shape[key.rank - 1] == e, value.shape[value.rank - 2] == s, l > 0, s > 0, e > 0, ev > 0 else { return nil }
        let scoresShape = prefix + [l, s]
        var maskTensor: Tensor?
        var maskIsBool = false
        switch mask {
        case .keep(let keep)?:
            guard keep.dtype == .bool else { return nil }
            maskTensor = try keep.expand(scoresShape)
            maskIsBool = true
        case .add(let add)?:
            guard add.dtype == .float32 else { return nil }
            maskTensor = try add.expand(scoresShape)
        case nil:
            break
        }
        let heads = prefix.reduce(1, *)
        let output = try Tensor.destination(destination, shape: prefix + [l, ev], dtype: .float32, operation: "scaled_dot_product_attention")
        let (qOffsets, kOffsets, vOffsets) = (query.batchOffsets(prefix), key.batchOffsets(prefix), value.batchOffsets(prefix))
        let maskOffsets = maskTensor?.batchOffsets(prefix)
        let (q, k, v) = (
            UnsafePointer(query.baseAddress.assumingMemoryBound(to: Float.self)), UnsafePointer(key.baseAddress.assumingMemoryBound(to: Float.self)),
            UnsafePointer(value.baseAddress.assumingMemoryBound(to: Float.self))
        )
        let out = output.baseAddress.assumingMemoryBound(to: Float.self)
        let (qRow, qColumn) = (Int64(query.strides[query.rank - 2]), Int64(query.strides[query.rank - 1]))
        let (kRow, kColumn) = (Int64(key.strides[key.rank - 2]), Int64(key.strides[key.rank - 1]))
        let (vRow, vColumn) = (Int64(value.strides[value.rank - 2]), Int64(value.strides[value.rank - 1]))
        let maskRow = maskTensor.map { $0.strides[$0.rank - 2] } ?? 0
        let maskColumn = maskTensor.map { $0.strides[$0.rank - 1] } ?? 0
        ThreadPool.shared.parallelFor(heads, minimumPerThread: 1) { range, _ in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: l * s)
            defer { scores.deallocate() }
            for head in range {
                // scores = q · kᵀ (kᵀ read through k's strides, no copy)
                flint_sgemm(nil, Int64(l), Int64(s), Int64(e), q + qOffsets[head], qRow, qColumn, k + kOffsets[head], kColumn, kRow, scores, Int64(s), nil)
                for i in 0..<l {
                    let row = scores + i * s
                    for j in 0..<s { row[j] *= scale }
                    if let maskTensor, let maskOffsets {
                        let at = maskOffsets[head] + i * maskRow
                        if maskIsBool {
                            let keep = UnsafePointer(maskTensor.baseAddress.assumingMemoryBound(to: Bool.self)) + at
                            for j in 0..<s where !keep[j * maskColumn] { row[j] = -.infinity }
                        } else {
                            let add = UnsafePointer(maskTensor.baseAddress.assumingMemoryBound(to: Float.self)) + at
                            for j in 0..<s { row[j] += add[j * maskColumn] }
                        }
                    }
                    if causal && i + 1 < s {
                        for j in (i + 1)..<s { row[j] = -.infinity }
                    }
                }
                flint_softmax_rows(scores, scores, Int64(l), Int64(s), Int64(s), Int64(s), 0)
                flint_sgemm(nil, Int64(l), Int64(ev), Int64(s), scores, Int64(s), 1, v + vOffsets[head], vRow, vColumn, out + head * l * ev, Int64(ev), nil)
            }
        }
        return withExtendedLifetime((query, key, value, maskTensor)) { output }
    }

    /// The element offset of each batch item (the dimensions `prefix` in row-major order), through this
    /// tensor's strides.
    fileprivate func batchOffsets(_ prefix: [Int]) -> [Int] {
        var offsets = [0]
        for (dim, size) in prefix.enumerated() {
            let stride = strides[dim]
            offsets = offsets.flatMap { base in (0..<size).map { base + $0 * stride } }
        }
        return offsets
    }
}
