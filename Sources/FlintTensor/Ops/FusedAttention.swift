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
        // The batch dimensions (heads): compared, counted and walked in place, never made into arrays, so a
        // call into a given destination allocates only each thread's scores block (from the block cache).
        let batchRank = query.rank - 2
        let prefix = query.shape.prefix(batchRank)
        guard key.shape.prefix(batchRank).elementsEqual(prefix), value.shape.prefix(batchRank).elementsEqual(prefix) else { return nil }
        let (l, e) = (query.shape[query.rank - 2], query.shape[query.rank - 1])
        let (s, ev) = (key.shape[key.rank - 2], value.shape[value.rank - 1])
        guard key.shape[key.rank - 1] == e, value.shape[value.rank - 2] == s, l > 0, s > 0, e > 0, ev > 0 else { return nil }
        var maskTensor: Tensor?
        var maskIsBool = false
        switch mask {
        case .keep(let keep)?:
            guard keep.dtype == .bool else { return nil }
            maskTensor = keep
            maskIsBool = true
        case .add(let add)?:
            guard add.dtype == .float32 else { return nil }
            maskTensor = add
        case nil:
            break
        }
        // The mask broadcasts to the scores `[*prefix, l, s]`: its sizes, aligned right, are 1 or the scores'.
        if let maskTensor {
            guard maskTensor.rank <= query.rank else { return nil }
            let offset = query.rank - maskTensor.rank
            for d in 0..<maskTensor.rank {
                let target = d + offset < batchRank ? query.shape[d + offset] : (d + offset == batchRank ? l : s)
                guard maskTensor.shape[d] == 1 || maskTensor.shape[d] == target else { return nil }
            }
        }
        let heads = prefix.reduce(1, *)
        let output: Tensor
        if let destination, destination.shape.count == query.rank, destination.shape.prefix(batchRank).elementsEqual(prefix),
            destination.shape[batchRank] == l, destination.shape[batchRank + 1] == ev
        {
            output = try Tensor.destination(destination, shape: destination.shape, dtype: .float32, operation: "scaled_dot_product_attention")
        } else {
            output = try Tensor.destination(destination, shape: Array(prefix) + [l, ev], dtype: .float32, operation: "scaled_dot_product_attention")
        }
        ThreadPool.shared.parallelFor(
            heads, minimumPerThread: 1,
            AttentionHeads(
                query: query, key: key, value: value, mask: maskTensor, maskIsBool: maskIsBool, output: output.baseAddress.assumingMemoryBound(to: Float.self),
                scale: scale, causal: causal))
        return output
    }
}

/// The heads `range` of a fused attention: per head, the scores `q · kᵀ` into the thread's block, scaled,
/// masked (a bool mask keeps, a float mask adds; a broadcast mask dimension is read with stride 0), made
/// causal, soft-maxed, then multiplied by `v` into the head's rows of the contiguous output. The operands
/// are float32 of one rank, read through their strides.
private struct AttentionHeads: ParallelLoopBody {
    let query: Tensor
    let key: Tensor
    let value: Tensor
    let mask: Tensor?
    let maskIsBool: Bool
    let output: UnsafeMutablePointer<Float>
    let scale: Float
    let causal: Bool

    /// The stride of the mask along the scores' dimension `d` (0 where the mask broadcasts).
    private func maskStride(_ mask: Tensor, scoresDimension d: Int) -> Int {
        let own = d - (query.rank - mask.rank)
        return own < 0 || mask.shape[own] == 1 ? 0 : mask.strides[own]
    }

    func run(_ range: Range<Int>, thread: Int) {
        let batchRank = query.rank - 2
        let (l, e) = (query.shape[query.rank - 2], query.shape[query.rank - 1])
        let (s, ev) = (key.shape[key.rank - 2], value.shape[value.rank - 1])
        let (q, k, v) = (
            UnsafePointer(query.baseAddress.assumingMemoryBound(to: Float.self)), UnsafePointer(key.baseAddress.assumingMemoryBound(to: Float.self)),
            UnsafePointer(value.baseAddress.assumingMemoryBound(to: Float.self))
        )
        let (qRow, qColumn) = (Int64(query.strides[query.rank - 2]), Int64(query.strides[query.rank - 1]))
        let (kRow, kColumn) = (Int64(key.strides[key.rank - 2]), Int64(key.strides[key.rank - 1]))
        let (vRow, vColumn) = (Int64(value.strides[value.rank - 2]), Int64(value.strides[value.rank - 1]))
        let maskRow = mask.map { maskStride($0, scoresDimension: query.rank - 2) } ?? 0
        let maskColumn = mask.map { maskStride($0, scoresDimension: query.rank - 1) } ?? 0
        let scoresBytes = l * s * MemoryLayout<Float>.stride
        let block = BlockCache.allocate(scoresBytes)
        defer { BlockCache.release(block, byteCount: scoresBytes) }
        let scores = block.assumingMemoryBound(to: Float.self)
        for head in range {
            // The head's element offset in each operand (its batch index in row-major order, through the strides).
            var (qAt, kAt, vAt, maskAt) = (0, 0, 0, 0)
            var rest = head
            for d in stride(from: batchRank - 1, through: 0, by: -1) {
                let index = rest % query.shape[d]
                rest /= query.shape[d]
                qAt += index * query.strides[d]
                kAt += index * key.strides[d]
                vAt += index * value.strides[d]
                if let mask { maskAt += index * maskStride(mask, scoresDimension: d) }
            }
            // scores = q · kᵀ (kᵀ read through k's strides, no copy)
            flint_sgemm(nil, Int64(l), Int64(s), Int64(e), q + qAt, qRow, qColumn, k + kAt, kColumn, kRow, scores, Int64(s), nil)
            for i in 0..<l {
                let row = scores + i * s
                for j in 0..<s { row[j] *= scale }
                if let mask {
                    let at = maskAt + i * maskRow
                    if maskIsBool {
                        let keep = UnsafePointer(mask.baseAddress.assumingMemoryBound(to: Bool.self)) + at
                        for j in 0..<s where !keep[j * maskColumn] { row[j] = -.infinity }
                    } else {
                        let add = UnsafePointer(mask.baseAddress.assumingMemoryBound(to: Float.self)) + at
                        for j in 0..<s { row[j] += add[j * maskColumn] }
                    }
                }
                if causal && i + 1 < s {
                    for j in (i + 1)..<s { row[j] = -.infinity }
                }
            }
            flint_softmax_rows(scores, scores, Int64(l), Int64(s), Int64(s), Int64(s), 0)
            flint_sgemm(nil, Int64(l), Int64(ev), Int64(s), scores, Int64(s), 1, v + vAt, vRow, vColumn, output + head * l * ev, Int64(ev), nil)
        }
    }
}
