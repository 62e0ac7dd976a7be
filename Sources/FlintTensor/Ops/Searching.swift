/// Binary search in sorted boundaries (`searchsorted`, `bucketize`), membership (`isin`) and closeness
/// (`isclose`). Values are compared as doubles, which is exact for every dtype but int64 beyond 2⁵³.
extension Tensor {
    /// `torch.searchsorted`: for each value of `values`, the index in the last dimension of `self` (sorted
    /// ascending, or through `sorter`) where it would be inserted: before equal elements (`right` false) or
    /// after them. `self` is 1-D, or its leading dimensions match those of `values`. int64 indices, or int32
    /// with `outInt32`.
    public func searchSorted(_ values: Tensor, outInt32: Bool = false, right: Bool = false, sorter: Tensor? = nil) throws -> Tensor {
        let boundaries = self
        guard boundaries.rank >= 1 else {
            throw TensorError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor and input value tensor must match, but we got boundaries tensor \(boundaries.shape) and input value tensor \(values.shape)")
        }
        if boundaries.rank > 1 {
            guard values.rank == boundaries.rank, Array(values.shape.dropLast()) == Array(boundaries.shape.dropLast()) else {
                throw TensorError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor and input value tensor must match, but we got boundaries tensor \(boundaries.shape) and input value tensor \(values.shape)")
            }
        }
        if let sorter {
            guard sorter.shape == boundaries.shape else {
                throw TensorError("torch.searchsorted(): boundary and sorter must have the same size, but got boundary tensor \(boundaries.shape)and got sorter tensor \(sorter.shape)")
            }
            guard sorter.dtype == .int64 else {
                throw TensorError("torch.searchsorted(): sorter must be a tensor of long dtype but got dtype \(sorter.dtype.scalarTypeName)")
            }
        }
        let length = boundaries.shape.last!
        let bounds = try boundaries.to(.float64).contiguous().scalars(as: Double.self)
        let order = try sorter.map { try $0.contiguous().scalars(as: Int64.self) }
        if let order, order.contains(where: { $0 < 0 || $0 >= Int64(length) }) {
            throw TensorError("torch.searchsorted(): sorter index out of range")
        }
        let needles = try values.to(.float64).contiguous().scalars(as: Double.self)
        let perRow = values.rank == 0 ? 1 : values.shape.last!
        var positions = [Int64](repeating: 0, count: needles.count)
        for (i, value) in needles.enumerated() {
            let base = boundaries.rank == 1 ? 0 : (i / Swift.max(perRow, 1)) * length
            var (low, high) = (0, length)
            while low < high {
                let mid = low + (high - low) / 2
                let element = bounds[base + (order.map { Int($0[base + mid]) } ?? mid)]
                // ATen's comparisons, so a NaN value goes past every element.
                if right ? !(element > value) : !(element >= value) { low = mid + 1 } else { high = mid }
            }
            positions[i] = Int64(low)
        }
        let result = try Tensor(shape: values.shape, scalars: positions)
        return outInt32 ? try result.to(.int32) : result
    }

    /// `torch.isin`: whether each element of `self` equals some element of `testElements` (NaN equals nothing);
    /// `invert` negates.
    public func isIn(_ testElements: Tensor, invert: Bool = false) throws -> Tensor {
        let pool = Set(try testElements.to(.float64).contiguous().scalars(as: Double.self).filter { !$0.isNaN })
        let found = try to(.float64).contiguous().scalars(as: Double.self).map { pool.contains($0) != invert }
        return try Tensor(shape: shape, scalars: found)
    }

    /// `torch.isclose`: |a − b| ≤ atol + rtol · |b| elementwise with broadcasting, equal values (infinities
    /// included) always close and NaNs close to each other only with `equalNaN`. Both operands must have one
    /// dtype.
    public func isClose(_ other: Tensor, rtol: Double, atol: Double, equalNaN: Bool) throws -> Tensor {
        guard dtype == other.dtype else { throw TensorError("\(dtype.scalarTypeName) did not match \(other.dtype.scalarTypeName)") }
        guard rtol >= 0 else { throw TensorError("rtol must be greater than or equal to zero, but got \(rtol)") }
        guard atol >= 0 else { throw TensorError("atol must be greater than or equal to zero, but got \(atol)") }
        let shape = try Tensor.broadcastShape(self.shape, other.shape)
        let a = try expand(shape).to(.float64).contiguous().scalars(as: Double.self)
        let b = try other.expand(shape).to(.float64).contiguous().scalars(as: Double.self)
        let close = zip(a, b).map { x, y -> Bool in
            if x == y { return true }
            if x.isNaN || y.isNaN { return equalNaN && x.isNaN && y.isNaN }
            if !x.isFinite || !y.isFinite { return false }
            return Swift.abs(x - y) <= atol + rtol * Swift.abs(y)
        }
        return try Tensor(shape: shape, scalars: close)
    }
}
