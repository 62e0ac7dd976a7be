/// Counting into bins: `histc` (equal-width bins over a range) and `bincount` (one bin per non-negative integer).
extension Tensor {
    /// `torch.histc`: `bins` equal-width bins over [min, max] (the data's own extrema when min == max, widened by
    /// 1 each way when those are equal too); elements outside the range and NaNs are not counted, the last bin
    /// includes max. An element's bin is ⌊(x − min) / (max − min) · bins⌋ computed in the element type, as ATen's
    /// linear-interpolation kernel does. float32 and float64 only; the result has the input's dtype.
    public func histogramCounts(bins: Int, min lower: Double, max upper: Double) throws -> Tensor {
        guard dtype == .float32 || dtype == .float64 else { throw TensorError("\"histogram_cpu\" not implemented for '\(dtype.scalarTypeName)'") }
        guard bins > 0 else { throw TensorError("torch.histogram(): bins must be > 0, but got \(bins) for dimension 0") }
        var (left, right) = (lower, upper)
        if left == right && elementCount > 0 {
            left = try amin().item()
            right = try amax().item()
        }
        if left == right {
            left -= 1
            right += 1
        }
        guard left.isFinite && right.isFinite else {
            throw TensorError("torch.histc: range of [\(Self.formatEdge(left)), \(Self.formatEdge(right))] is not finite")
        }
        guard left < right else { throw TensorError("torch.histc: max must be larger than min") }
        try Self.checkAllocation(bins, itemSize: dtype.itemSize)
        var counts = [Double](repeating: 0, count: bins)
        if dtype == .float32 {
            // The range's ends as the kernel sees them: the first and last of linspace(left, right, bins + 1) in float32.
            let (first, last) = (Float(left), Float(right))
            for x in try contiguous().scalars(as: Float.self) where x >= first && x <= last {
                var bin = Int((x - first) / (last - first) * Float(bins))
                if bin == bins { bin -= 1 }
                counts[bin] += 1
            }
            return try Tensor(shape: [bins], scalars: counts.map { Float($0) })
        }
        for x in try contiguous().scalars(as: Double.self) where x >= left && x <= right {
            var bin = Int((x - left) / (right - left) * Double(bins))
            if bin == bins { bin -= 1 }
            counts[bin] += 1
        }
        return try Tensor(shape: [bins], scalars: counts)
    }

    /// Refuses a result of more than 2³¹ bins with the message ATen's allocator gives when it cannot have the memory.
    private static func checkAllocation(_ count: Int, itemSize: Int) throws {
        guard count <= 1 << 31 else {
            throw TensorError("DefaultCPUAllocator: not enough memory: you tried to allocate \(count.multipliedReportingOverflow(by: itemSize).partialValue) bytes.")
        }
    }

    /// A non-finite edge as ATen prints it: `inf`, `-inf`, `nan`.
    private static func formatEdge(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return value == value.rounded() && Swift.abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// `torch.bincount`: counts of each value 0 ... max of a 1-D non-negative integer tensor, at least
    /// `minimumLength` bins; with `weights` (same length) the sums of the weights instead, as float32 for float32
    /// weights and float64 otherwise. Without weights the counts are int64.
    public func binCounts(weights: Tensor?, minimumLength: Int) throws -> Tensor {
        guard dtype.isIntegral else { throw TensorError("\"bincount_cpu\" not implemented for '\(dtype.scalarTypeName)'") }
        guard minimumLength >= 0 else { throw TensorError("minlength should be >= 0") }
        let values = try to(.int64).contiguous().scalars(as: Int64.self)
        guard rank == 1, values.allSatisfy({ $0 >= 0 }) else { throw TensorError("bincount only supports 1-d non-negative integral inputs.") }
        if let weights, weights.rank != 1 || weights.elementCount != elementCount {
            throw TensorError("weights should be 1-d and have the same length as input")
        }
        let length = Swift.max(minimumLength, Int(values.max().map { $0 + 1 } ?? 0))
        try Self.checkAllocation(length, itemSize: 8)
        guard let weights else {
            var counts = [Int64](repeating: 0, count: length)
            for v in values { counts[Int(v)] += 1 }
            return try Tensor(shape: [length], scalars: counts)
        }
        let resultType: DType = weights.dtype == .float32 ? .float32 : .float64
        let w = try weights.to(.float64).contiguous().scalars(as: Double.self)
        var sums = [Double](repeating: 0, count: length)
        for (v, weight) in zip(values, w) { sums[Int(v)] += weight }
        return try Tensor(shape: [length], scalars: sums).to(resultType)
    }
}
