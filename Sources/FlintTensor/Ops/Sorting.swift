/// Sorting along a dimension: `sort` (stable, NaN sorted as the largest value as ATen does), `argsort`,
/// `topk`.
extension Tensor {
    /// Values and indices sorted along `dim`.
    public func sort(dim: Int = -1, descending: Bool = false, stable: Bool = true) throws -> (values: Tensor, indices: Tensor) {
        let d = try wrapDimension(dim)
        if rank == 0 { return (try clone(), Tensor(zeros: [], dtype: .int64)) }
        let (rows, inverse) = try rowsAlong(d)
        let n = shape[d]
        let count = n == 0 ? 0 : rows.elementCount / n
        let keys = try rows.to(.float64).scalars(as: Double.self)
        let integers = dtype.isFloatingPoint ? nil : try rows.to(.int64).scalars(as: Int64.self)
        var order = [Int64](repeating: 0, count: rows.elementCount)
        for r in 0..<count {
            let base = r * n
            let sorted = (0..<n).sorted { i, j in
                let (x, y) = (keys[base + i], keys[base + j])
                if let integers {
                    let (p, q) = (integers[base + i], integers[base + j])
                    if p != q { return descending ? p > q : p < q }
                    return i < j
                }
                if x.isNaN || y.isNaN {
                    if x.isNaN && y.isNaN { return i < j }
                    return descending ? x.isNaN : y.isNaN
                }
                if x != y { return descending ? x > y : x < y }
                return i < j
            }
            for (k, i) in sorted.enumerated() { order[base + k] = Int64(i) }
        }
        let indexRows = try Tensor(shape: rows.shape, scalars: order)
        let valueRows = try rows.gather(dim: -1, index: indexRows)
        let back = { (t: Tensor) throws -> Tensor in try t.permute(inverse).contiguous() }
        return (try back(valueRows), try back(indexRows))
    }

    /// `torch.argsort`: the int64 indices that sort the tensor along `dim`, in the order `sort` gives.
    public func argsort(dim: Int = -1, descending: Bool = false, stable: Bool = true) throws -> Tensor {
        try sort(dim: dim, descending: descending, stable: stable).indices
    }

    /// The `k` largest (or smallest) values along `dim` with their indices, sorted.
    public func topk(_ k: Int, dim: Int = -1, largest: Bool = true, sorted: Bool = true) throws -> (values: Tensor, indices: Tensor) {
        guard dtype != .bool else { throw TensorError("topk does not support bool dtypes on CPU") }
        let d = try wrapDimension(dim)
        let size = rank == 0 ? 1 : shape[d]
        guard k >= 0, k <= size else { throw TensorError("selected index k out of range") }
        let all = try sort(dim: d, descending: largest)
        if rank == 0 { return all }
        return (try all.values.narrow(dim: d, start: 0, length: k).contiguous(), try all.indices.narrow(dim: d, start: 0, length: k).contiguous())
    }
}

extension Tensor {
    /// The lower median of all elements (NaN if any is NaN), as `torch.median()`.
    public func median() throws -> Tensor {
        guard dtype != .bool else { throw TensorError("\"median_cpu\" not implemented for 'Bool'") }
        let flat = try reshape([-1])
        guard flat.shape[0] > 0 else { return try Tensor.full([], value: .nan, dtype: dtype) }
        return try flat.median(dim: 0).values
    }

    /// The lower median along `dim` and its index; NaN wins, as ATen does.
    public func median(dim: Int, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        guard dtype != .bool else { throw TensorError("\"median_cpu\" not implemented for 'Bool'") }
        let d = try wrapDimension(dim)
        let size = rank == 0 ? 1 : shape[d]
        guard size > 0 else { throw TensorError("median(): Expected reduction dim \(d) to have non-zero size.") }
        let sorted = try sort(dim: d)
        let position = (size - 1) / 2
        var values = rank == 0 ? sorted.values : try sorted.values.select(dim: d, index: position)
        var indices = rank == 0 ? sorted.indices : try sorted.indices.select(dim: d, index: position)
        if dtype.isFloatingPoint, rank > 0 {
            // Sorting puts NaN last; a row holding NaN has median NaN at the first NaN's index.
            let last = try sorted.values.select(dim: d, index: size - 1)
            let nanRows = try last.isNaN()
            let firstNaN = try sorted.values.isNaN().to(.int64).argmax(dim: d)
            let nanIndex = try sorted.indices.gather(dim: d, index: firstNaN.unsqueeze(d)).squeeze(d)
            values = try Tensor.where(nanRows, .tensor(last), .tensor(values))
            indices = try Tensor.where(nanRows, .tensor(nanIndex), .tensor(indices))
        }
        if keepDim && rank > 0 { return (try values.unsqueeze(d).contiguous(), try indices.unsqueeze(d).contiguous()) }
        return (try values.contiguous(), try indices.contiguous())
    }

    /// The lower median of the non-NaN elements (NaN when there are none), as `torch.nanmedian()`.
    public func nanMedian() throws -> Tensor {
        guard dtype != .bool else { throw TensorError("\"nanmedian_cpu\" not implemented for 'Bool'") }
        let flat = try reshape([-1])
        guard flat.shape[0] > 0 else { return try Tensor.full([], value: .nan, dtype: dtype) }
        return try flat.nanMedian(dim: 0).values
    }

    /// The lower median of the non-NaN elements along `dim` and its index: sorted with NaN last, the element at
    /// (valid − 1) / 2 (the first position when a row is all NaN, whose median is NaN).
    public func nanMedian(dim: Int, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        guard dtype != .bool else { throw TensorError("\"nanmedian_cpu\" not implemented for 'Bool'") }
        let d = try wrapDimension(dim)
        let size = rank == 0 ? 1 : shape[d]
        guard size > 0 else { throw TensorError("median(): Expected reduction dim \(d) to have non-zero size.") }
        guard rank > 0, dtype.isFloatingPoint else { return try median(dim: dim, keepDim: keepDim) }
        let sorted = try sort(dim: d)
        let valid = try isNaN().logicalNot().sum(dims: [d], keepDim: true)
        let position = try Tensor.binary(FloorDivide(), .tensor(Tensor.sub(.tensor(valid), .scalar(.int(1)))), .scalar(.int(2)), operation: "floor_divide")
        let clamped = try position.clamp(min: .int(0), max: nil).to(.int64)
        var values = try sorted.values.gather(dim: d, index: clamped)
        var indices = try sorted.indices.gather(dim: d, index: clamped)
        if !keepDim {
            values = try values.squeeze(d)
            indices = try indices.squeeze(d)
        }
        return (try values.contiguous(), try indices.contiguous())
    }
}

