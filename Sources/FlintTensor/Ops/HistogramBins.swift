/// `torch.histogram` and `torch.histogramdd`: counts (or summed weights) of the rows of a `[N, D]` sample in the
/// cells of D sets of bin edges, as ATen's CPU kernel computes them.
extension Tensor {
    /// The bins of one dimension: a count of equal-width bins (over the range, or the data's extrema), or edges.
    public enum HistogramBins: Sendable {
        case count(Int)
        case edges(Tensor)
    }

    /// The histogram of `self` read as `[N, D]` points (its last dimension D; a 1-D `self` for `histogram` is
    /// reshaped `[N, 1]` by the caller): per dimension `bins[d]`, equal-width bins spanning `range` (2·D values)
    /// or the data's min and max (widened by 0.5 each way when equal). A point is counted when every coordinate
    /// lies within its outer edges (the last bin includes its right edge; NaNs never count), adding its weight
    /// (`weight`: the leading shape of self) or 1. With `density` the counts become a density (divided by their
    /// total and each cell's volume). float32 / float64; the histogram and edges have self's dtype.
    public func histogramDD(bins: [HistogramBins], range: [Double]?, weight: Tensor?, density: Bool) throws -> (histogram: Tensor, edges: [Tensor]) {
        let name = "torch.histogramdd"
        guard dtype == .float32 || dtype == .float64 else { throw TensorError("\"histogramdd\" not implemented for '\(dtype.scalarTypeName)'") }
        guard rank >= 2 else { throw TensorError("\(name): input tensor should have at least 2 dimensions, but got \(rank)") }
        let dims = shape[rank - 1]
        guard bins.count == dims else {
            throw TensorError("\(name): expected \(dims) sequences of bin edges for each of the \(dims) dimensions of the input, but got \(bins.count)")
        }
        if let weight, weight.dtype != dtype {
            throw TensorError("\(name): if weight tensor is provided, input tensor and weight tensor should have the same dtype, but got input(\(dtype.scalarTypeName)), and weight(\(weight.dtype.scalarTypeName))")
        }
        if let weight, weight.shape != Array(shape.dropLast()) {
            throw TensorError("\(name): if weight tensor is provided it should have the same shape as the input tensor excluding its innermost dimension, but got input with shape \(shape) and weight with shape \(weight.shape)")
        }
        if let range, range.count != 2 * dims {
            throw TensorError("\(name): for a \(dims)-dimensional histogram range should have \(2 * dims) elements, but got \(range.count)")
        }
        let points = try reshape([-1, dims]).to(.float64).contiguous().scalars(as: Double.self)
        let count = points.count / Swift.max(dims, 1)
        // The edges of each dimension, in self's dtype (the kernel compares against them as stored).
        var edges: [Tensor] = []
        for d in 0..<dims {
            switch bins[d] {
            case .edges(let given):
                guard given.rank == 1, given.elementCount > 0 else {
                    throw TensorError("\(name): bins tensor should have one dimension and at least 1 element, but got \(given.rank) dimensions and \(given.elementCount) elements")
                }
                guard given.elementCount >= 2 else { throw TensorError("torch.histogram(): bins must be > 0, but got 0 for dimension \(d)") }
                guard given.dtype == dtype else {
                    throw TensorError("\(name): input tensor and bins tensors should have the same dtype, but got input \(dtype.scalarTypeName) and bins \(given.dtype.scalarTypeName)")
                }
                edges.append(try given.contiguous())
            case .count(let n):
                guard n > 0 else { throw TensorError("\(name): bins must be > 0, but got \(n) for dimension \(d)") }
                var (low, high) = (0.0, 0.0)
                if let range {
                    (low, high) = (range[2 * d], range[2 * d + 1])
                } else if count > 0 {
                    let column = stride(from: d, to: points.count, by: dims).map { points[$0] }
                    // A NaN makes the range NaN (and refused below), as ATen's min/max do.
                    (low, high) = column.contains(where: \.isNaN) ? (.nan, .nan) : (column.min()!, column.max()!)
                }
                guard low.isFinite && high.isFinite else {
                    throw TensorError("\(name): dimension \(d)'s range [\(low), \(high)] is not finite")
                }
                guard low <= high else { throw TensorError("\(name): min should not exceed max, but got min \(low) max \(high) for dimension \(d)") }
                if low == high { (low, high) = (low - 0.5, high + 0.5) }
                edges.append(try Tensor.linspace(start: low, end: high, steps: n + 1, dtype: dtype))
            }
        }
        let edgeValues = try edges.map { try $0.to(.float64).scalars(as: Double.self) }
        let weights = try weight.map { try $0.to(.float64).contiguous().scalars(as: Double.self) }
        let cellShape = edgeValues.map { $0.count - 1 }
        var cells = [Double](repeating: 0, count: cellShape.reduce(1, *))
        pointLoop: for p in 0..<count {
            var cell = 0
            for d in 0..<dims {
                let x = points[p * dims + d], e = edgeValues[d]
                guard x >= e.first!, x <= e.last! else { continue pointLoop }
                var position = Self.upperBound(e, x) - 1
                if position == e.count - 1 { position -= 1 }
                cell = cell * cellShape[d] + position
            }
            cells[cell] += weights?[p] ?? 1
        }
        if density {
            let total = cells.reduce(0, +)
            var index = [Int](repeating: 0, count: dims)
            for c in 0..<cells.count {
                var volume = 1.0
                for d in 0..<dims { volume *= edgeValues[d][index[d] + 1] - edgeValues[d][index[d]] }
                cells[c] /= total * volume
                for d in stride(from: dims - 1, through: 0, by: -1) {
                    index[d] += 1
                    if index[d] < cellShape[d] { break }
                    index[d] = 0
                }
            }
        }
        return (try Tensor(shape: cellShape, scalars: cells).to(dtype), edges)
    }

    /// The first index whose element is greater than `x` in ascending `values`.
    private static func upperBound(_ values: [Double], _ x: Double) -> Int {
        var (low, high) = (0, values.count)
        while low < high {
            let middle = (low + high) / 2
            if values[middle] <= x { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
