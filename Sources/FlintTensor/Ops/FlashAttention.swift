import CFlintKernels

/// libtorch's CPU flash-attention kernel (`flint_flash_attention_f32`), for the inputs ATen sends to it:
/// `scaled_dot_product_attention` picks this kernel over its math path for 4-D float32 query, key and value of
/// one batch size and head count, one head size, nonzero lengths, contiguous last dimensions, and a boolean or
/// float32 mask of rank 2 or 4 (or none). Flint makes the same choice, so those calls give libtorch's results
/// bit for bit (the kernel's contract says where they can differ in the last bits).
extension Tensor {
    /// The attention of `query` `[B, H, L, E]`, `key` and `value` `[B, H, S, E]`, or nil (nothing computed)
    /// when libtorch would not use its flash kernel for these inputs. `mask` is boolean (keep where true) or
    /// float32 (added), of rank 2 or 4, broadcastable to `[B, H, L, S]`. `output`, when given, receives the
    /// result (contiguous `[B, H, L, E]` float32, overlapping no operand).
    static func flashAttention(
        query: Tensor, key: Tensor, value: Tensor, mask: Tensor?, causal: Bool, scale: Float, into destination: Tensor?
    ) throws -> Tensor? {
        guard query.dtype == .float32, key.dtype == .float32, value.dtype == .float32, query.rank == 4, key.rank == 4, value.rank == 4
        else { return nil }
        let (batch, heads, queries, headSize) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
        let keys = key.shape[2]
        guard key.shape[0] == batch, value.shape[0] == batch, key.shape[1] == heads, value.shape[1] == heads, value.shape[2] == keys,
            key.shape[3] == headSize, value.shape[3] == headSize, batch > 0, heads > 0, queries > 0, keys > 0, headSize > 0,
            query.strides[3] == 1, key.strides[3] == 1, value.strides[3] == 1
        else { return nil }
        if let mask {
            guard mask.dtype == .bool || mask.dtype == .float32, mask.rank == 2 || mask.rank == 4 else { return nil }
            // Broadcastable to [B, H, L, S], aligned right.
            let scores = { (d: Int) in d == 0 ? batch : d == 1 ? heads : d == 2 ? queries : keys }
            guard (0..<mask.rank).allSatisfy({ mask.shape[$0] == 1 || mask.shape[$0] == scores($0 + 4 - mask.rank) }) else { return nil }
        }
        let output = try Tensor.destination(
            destination, rank: 4, size: { $0 == 0 ? batch : $0 == 1 ? heads : $0 == 2 ? queries : headSize }, dtype: .float32,
            operation: "scaled_dot_product_attention")
        ThreadPool.shared.parallelFor(
            batch * heads, minimumPerThread: 1,
            FlashAttentionHeads(query: query, key: key, value: value, mask: mask, output: output, scale: scale, causal: causal))
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
        // ATen's vector width, over which the kernel sums the exponentials: its AVX-512 build's where it runs that.
        let lanes: Int32 = KernelISA.atenCapability == "AVX512" ? 16 : 8
        var maskShape = flint_attention_mask(kind: 0, data: nil, row_stride: 0, column_stride: 0)
        if let mask {
            maskShape.kind = mask.dtype == .bool ? 2 : 1
            maskShape.row_stride = Int64(maskStride(mask, dimension: 2))
            maskShape.column_stride = Int64(maskStride(mask, dimension: 3))
        }
        for head in range {
            let (b, h) = (head / heads, head % heads)
            var headMask = maskShape
            if let mask {
                let offset = b * maskStride(mask, dimension: 0) + h * maskStride(mask, dimension: 1)
                headMask.data = UnsafeRawPointer(mask.baseAddress + offset * mask.dtype.itemSize)
            }
            withUnsafePointer(to: headMask) { maskPointer in
                flint_flash_attention_f32(
                    q + b * query.strides[0] + h * query.strides[1], Int64(query.strides[2]),
                    k + b * key.strides[0] + h * key.strides[1], Int64(key.strides[2]),
                    v + b * value.strides[0] + h * value.strides[1], Int64(value.strides[2]),
                    out + head * queries * headSize, Int64(headSize), Int64(queries), Int64(keys), Int64(headSize), scale,
                    mask == nil ? nil : maskPointer, causal ? 1 : 0, lanes, scratch.assumingMemoryBound(to: Float.self))
            }
        }
    }
}
