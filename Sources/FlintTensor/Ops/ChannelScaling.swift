import CFlintKernels

extension Tensor {
    /// `self[o, ...] · factors[o]` for a float32 tensor of `factors.count` leading slices (a convolution or
    /// linear weight scaled per output channel, as folding a batch norm does): each product formed in float64
    /// and rounded once to float32, which is what the float64 tensor expression computes, but in one pass over
    /// the weight, into one fresh tensor, split over the thread pool. Folding a CNN's batch norms this way
    /// instead of through float64 copies of each weight was most of its first call.
    public func scalingLeadingSlices(by factors: [Double]) throws -> Tensor {
        guard dtype == .float32, rank >= 1, shape[0] == factors.count else {
            throw TensorError("scalingLeadingSlices: expected a float32 tensor with \(factors.count) leading slices, got \(dtype.name) \(shape)")
        }
        let source = try contiguous()
        let result = Tensor(uninitialized: shape, dtype: .float32)
        let perSlice = factors.count == 0 ? 0 : elementCount / factors.count
        let input = UnsafePointer(source.baseAddress.assumingMemoryBound(to: Float.self))
        let output = result.baseAddress.assumingMemoryBound(to: Float.self)
        factors.withUnsafeBufferPointer { factors in
            ThreadPool.shared.parallelFor(factors.count, minimumPerThread: Swift.max(1, (1 << 16) / Swift.max(perSlice, 1))) { slices, _ in
                flint_scale_rows(
                    Int64(slices.count), Int64(perSlice), input + slices.lowerBound * perSlice, Int64(perSlice), factors.baseAddress! + slices.lowerBound,
                    output + slices.lowerBound * perSlice, Int64(perSlice))
            }
        }
        return result
    }
}
