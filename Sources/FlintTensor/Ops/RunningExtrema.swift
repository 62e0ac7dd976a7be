/// Running maxima and minima with their positions (`cummax`, `cummin`), and the running log-sum-exp
/// (`logcumsumexp`), along one dimension.
extension Tensor {
    /// `torch.cummax`: the running maximum along `dim` and the index where it was taken. A later equal value
    /// takes over the index, and a NaN, once met, stays (each new NaN taking the index), as in ATen.
    public func cummax(dim: Int) throws -> (values: Tensor, indices: Tensor) {
        try runningExtremum(dim: dim) { $0 >= $1 }
    }

    /// `torch.cummin`: the running minimum along `dim` and the index where it was taken (see `cummax`).
    public func cummin(dim: Int) throws -> (values: Tensor, indices: Tensor) {
        try runningExtremum(dim: dim) { $0 <= $1 }
    }

    /// `torch.logcumsumexp`: log of the running sum of exponentials along `dim`, for floating tensors, each step
    /// computed as ATen does (the larger term plus log1p of the exponential of the difference; equal infinities
    /// stay themselves).
    public func logcumsumexp(dim: Int) throws -> Tensor {
        guard dtype.isFloatingPoint else { throw TensorError("\"logcumsumexp_out_cpu\" not implemented for '\(dtype.scalarTypeName)'") }
        if rank == 0 { return try clone() }
        return try rowwise(dim: dim, dtype: nil, operation: "logcumsumexp") { row, out, n in
            var total = -Double.infinity
            for i in 0..<n {
                let x = row[i]
                let low = x.isNaN ? x : Swift.min(total, x), high = x.isNaN ? x : Swift.max(total, x)
                total = low != high || low.isFinite ? high + Double.log(onePlus: Double.exp(low - high)) : total
                out[i] = total
            }
        }
    }

    /// The indices of the running extremum (`takesOver(candidate, current)` says a value replaces the current
    /// one); the values are gathered from `self` at those indices, so they keep their exact bits.
    private func runningExtremum(dim: Int, takesOver: (Double, Double) -> Bool) throws -> (values: Tensor, indices: Tensor) {
        if rank == 0 { return (try clone(), Tensor(zeros: [], dtype: .int64)) }
        let d = try wrapDimension(dim)
        let (rows, inverse) = try rowsAlong(d)
        let n = shape[d]
        let values = try rows.to(.float64).contiguous().scalars(as: Double.self)
        var indices = [Int64](repeating: 0, count: values.count)
        if n > 0 {
            for start in stride(from: 0, to: values.count, by: n) {
                var best = values[start], at = 0
                for i in 0..<n {
                    let x = values[start + i]
                    if x.isNaN || (!best.isNaN && takesOver(x, best)) { (best, at) = (x, i) }
                    indices[start + i] = Int64(at)
                }
            }
        }
        let rowIndices = try Tensor(shape: rows.shape, scalars: indices)
        let laidOut = try (inverse.isEmpty ? rowIndices.reshape(shape) : rowIndices.permute(inverse)).contiguous()
        return (try gather(dim: d, index: laidOut), laidOut)
    }
}
