import CFlintKernels

/// libtorch's CPU flash-attention kernel (`flint_flash_attention_f32`), for the inputs ATen sends to it:
/// `scaled_dot_product_attention` picks this kernel over its math path for float32 query, key and value of rank 4
/// (or 3, read as one batch of heads) of one batch size and head size, key/value heads equal to the query's or,
/// with `enable_gqa`, dividing them, nonzero lengths, contiguous last dimensions, and a boolean or float32 mask of
/// rank 2 or 4 (2 for rank-3 inputs) or none. Flint makes the same choice, so those calls give libtorch's results
/// bit for bit, those of a libtorch with as many threads as Flint's pool (MKL's order in small blocks depends on
/// the thread), with the exceptions the kernel's contract lists (small blocks of some head sizes, other CPUs).
extension Tensor {
    /// The attention of `query` `[B, H, L, E]`, `key` and `value` `[B, Hkv, S, E]` (`Hkv == H`, or with
    /// `groupedQueries` any divisor of H: query head h reads key/value head h / (H / Hkv)), or `[H, L, E]` and
    /// `[Hkv, S, E]`; nil (nothing computed) when libtorch would not use its flash kernel for these inputs. `mask` is
    /// boolean (keep where true) or float32 (added), of rank 2 or 4, broadcastable to `[B, H, L, S]`. `output`, when
    /// given, receives the result (contiguous, of the query's rank, float32, overlapping no operand).
    static func flashAttention(
        query: Tensor, key: Tensor, value: Tensor, mask: Tensor?, causal: Bool, scale: Float, groupedQueries: Bool, into destination: Tensor?
    ) throws -> Tensor? {
        guard query.dtype == .float32, key.dtype == .float32, value.dtype == .float32, query.rank == 4 || query.rank == 3,
            key.rank == query.rank, value.rank == query.rank, mask.map({ $0.rank == 2 || ($0.rank == 4 && query.rank == 4) }) ?? true
        else { return nil }
        // Rank 3 is one batch of heads: [H, L, E] as [1, H, L, E].
        let lifted = query.rank == 3
        let (q, k, v) = lifted ? (try query.unsqueeze(0), try key.unsqueeze(0), try value.unsqueeze(0)) : (query, key, value)
        let (batch, heads, queries, headSize) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let (keyHeads, keys) = (k.shape[1], k.shape[2])
        guard k.shape[0] == batch, v.shape[0] == batch, v.shape[1] == keyHeads, v.shape[2] == keys, k.shape[3] == headSize, v.shape[3] == headSize,
            keyHeads == heads || (groupedQueries && keyHeads > 0 && heads % keyHeads == 0),
            batch > 0, heads > 0, queries > 0, keys > 0, headSize > 0, q.strides[3] == 1, k.strides[3] == 1, v.strides[3] == 1
        else { return nil }
        if let mask {
            guard mask.dtype == .bool || mask.dtype == .float32 else { return nil }
            // Broadcastable to [B, H, L, S], aligned right.
            let scores = { (d: Int) in d == 0 ? batch : d == 1 ? heads : d == 2 ? queries : keys }
            guard (0..<mask.rank).allSatisfy({ mask.shape[$0] == 1 || mask.shape[$0] == scores($0 + 4 - mask.rank) }) else { return nil }
        }
        let output = try Tensor.destination(
            destination, rank: query.rank,
            size: { d in lifted ? (d == 0 ? heads : d == 1 ? queries : headSize) : (d == 0 ? batch : d == 1 ? heads : d == 2 ? queries : headSize) },
            dtype: .float32, operation: "scaled_dot_product_attention")
        // libtorch with as many threads as Flint's pool would place the heads on threads the same way.
        let pool = ThreadPool.shared
        pool.parallelFor(
            batch * heads, minimumPerThread: 1,
            FlashAttentionHeads(
                query: q, key: k, value: v, mask: mask, output: output, scale: scale, causal: causal, libtorchThreads: pool.threadCount))
        return output
    }
}

/// The heads `range` (batch-major) of a flash attention, each through the kernel with the thread's scratch.
private struct FlashAttentionHeads: ParallelLoopBody {
    let query: Tensor
    let key: Tensor
    let value: Tensor
    let mask: Tensor?
    let output: Tensor
    let scale: Float
    let causal: Bool
    /// The intra-op thread count of the libtorch whose arithmetic the kernel follows (see `flint_attention_placement`).
    let libtorchThreads: Int

    /// The element stride of the mask along dimension `d` of `[B, H, L, S]` (0 where it broadcasts).
    private func maskStride(_ mask: Tensor, dimension d: Int) -> Int {
        let own = d - (4 - mask.rank)
        return own < 0 || mask.shape[own] == 1 ? 0 : mask.strides[own]
    }

    func run(_ range: Range<Int>, thread: Int) {
        let (heads, queries, headSize, keys) = (query.shape[1], query.shape[2], query.shape[3], key.shape[2])
        let scratchBytes = flint_flash_attention_scratch(Int64(queries), Int64(keys), Int64(headSize)) * MemoryLayout<Float>.stride
        let scratch = BlockCache.allocate(scratchBytes)
        defer { BlockCache.release(scratch, byteCount: scratchBytes) }
        let (q, k, v) = (
            UnsafePointer(query.baseAddress.assumingMemoryBound(to: Float.self)), UnsafePointer(key.baseAddress.assumingMemoryBound(to: Float.self)),
            UnsafePointer(value.baseAddress.assumingMemoryBound(to: Float.self))
        )
        let out = output.baseAddress.assumingMemoryBound(to: Float.self)
        let lanes = KernelISA.atenVectorLanes  // the width over which ATen's kernel sums the exponentials
        var maskShape = flint_attention_mask(kind: 0, data: nil, row_stride: 0, column_stride: 0)
        if let mask {
            maskShape.kind = mask.dtype == .bool ? 2 : 1
            maskShape.row_stride = Int64(maskStride(mask, dimension: 2))
            maskShape.column_stride = Int64(maskStride(mask, dimension: 3))
        }
        let group = heads / key.shape[1]
        for head in range {
            let (b, h) = (head / heads, head % heads)
            let keyHead = h / group
            var headMask = maskShape
            if let mask {
                let offset = b * maskStride(mask, dimension: 0) + h * maskStride(mask, dimension: 1)
                headMask.data = UnsafeRawPointer(mask.baseAddress + offset * mask.dtype.itemSize)
            }
            withUnsafePointer(to: headMask) { maskPointer in
                flint_flash_attention_f32(
                    q + b * query.strides[0] + h * query.strides[1], Int64(query.strides[2]),
                    k + b * key.strides[0] + keyHead * key.strides[1], Int64(key.strides[2]),
                    v + b * value.strides[0] + keyHead * value.strides[1], Int64(value.strides[2]),
                    out + head * queries * headSize, Int64(headSize), Int64(queries), Int64(keys), Int64(headSize), scale,
                    mask == nil ? nil : maskPointer, causal ? 1 : 0, lanes,
                    flint_attention_placement(head_index: Int64(head), head_count: Int64(query.shape[0] * heads), threads: Int64(libtorchThreads)),
                    scratch.assumingMemoryBound(to: Float.self))
            }
        }
    }
}
