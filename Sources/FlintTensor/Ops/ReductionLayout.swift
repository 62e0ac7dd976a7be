/// Reductions see their input as contiguous rows: the kept dimensions first (outer), the reduced ones
/// last (inner). Contiguous inputs reduced over trailing dimensions need no copy.
struct ReductionRows {
    /// `[outer, inner]`, contiguous.
    let rows: Tensor
    let outer: Int
    let inner: Int
    /// The result's shape (reduced dimensions dropped, or kept as 1 with `keepDim`).
    let resultShape: [Int]

    init(_ input: Tensor, dims: [Int]?, keepDim: Bool) throws {
        let rank = input.rank
        var reduced = Set<Int>()
        if let dims, !dims.isEmpty {
            for dim in dims {
                let d = try input.wrapDimension(dim)
                guard reduced.insert(d).inserted else {
                    throw TensorError("dim \(d) appears multiple times in the list of dims")
                }
            }
        } else {
            reduced = Set(0..<rank)
        }
        if rank == 0 { reduced = [] }
        let kept = (0..<rank).filter { !reduced.contains($0) }
        let order = kept + (0..<rank).filter { reduced.contains($0) }
        outer = kept.map { input.shape[$0] }.reduce(1, *)
        inner = reduced.map { input.shape[$0] }.reduce(1, *)
        let permuted = rank == 0 ? input : try input.permute(order)
        rows = try permuted.reshape([outer, inner]).contiguous()
        resultShape = keepDim
            ? (0..<rank).map { reduced.contains($0) ? 1 : input.shape[$0] }
            : kept.map { input.shape[$0] }
    }

    /// Typed pointer to row `r`.
    @inline(__always)
    func row<T>(_ r: Int, as _: T.Type) -> UnsafePointer<T> {
        UnsafePointer(rows.baseAddress.assumingMemoryBound(to: T.self)) + r * inner
    }
}

extension Tensor {
    /// Moves `dim` to the end and returns contiguous rows along it, with the permutation that undoes it.
    func rowsAlong(_ dim: Int) throws -> (rows: Tensor, inverse: [Int]) {
        let d = try wrapDimension(dim)
        if rank == 0 { return (try reshape([1, 1]), []) }
        let order = (0..<rank).filter { $0 != d } + [d]
        var inverse = [Int](repeating: 0, count: rank)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return (try permute(order).contiguous(), inverse)
    }
}
