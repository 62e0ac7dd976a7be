extension TensorError {
    /// ATen's `expand` error for `sizes` fewer than the tensor's `rank` dimensions.
    static func expandRank(_ sizes: [Int], rank: Int) -> TensorError {
        TensorError("expand(\(sizes)): the number of sizes provided (\(sizes.count)) must be greater or equal to the number of dimensions in the tensor (\(rank))")
    }

    /// ATen's `expand` error for a size `wanted` at `dimension` where the tensor's is `existing` (not 1).
    static func expandSize(_ wanted: Int, existing: Int, dimension: Int, target: [Int], shape: [Int]) -> TensorError {
        TensorError("The expanded size of the tensor (\(wanted)) must match the existing size (\(existing)) at non-singleton dimension \(dimension).  Target sizes: \(target).  Tensor sizes: \(shape)")
    }
}

/// One operand of a ``StridedLoop``: its shape and element strides, aligned with the loop's shape from the
/// right as broadcasting aligns them. A dimension of size 1 (or a leading one the operand lacks) is repeated
/// with stride 0, so a loop reads a broadcast operand in place, without an expanded view.
@usableFromInline
struct LoopOperand {
    @usableFromInline let shape: [Int]
    @usableFromInline let strides: [Int]

    @inlinable init(_ tensor: Tensor) {
        shape = tensor.shape
        strides = tensor.strides
    }
}

/// Row-major iteration over a shape for several operands that each have their own element strides
/// (broadcast operands have stride 0). Dimensions are merged wherever every operand allows it, so a
/// contiguous or simply-transposed tensor becomes one long run, and kernels only ever see innermost runs:
/// `count` elements starting at per-operand offsets, stepping by per-operand inner strides.
///
/// A loop lives in memory its maker lends for the duration of a closure (``over(_:_:_:_:_:_:)``): on the
/// stack for any rank a tensor has in practice, so describing and walking a loop allocates nothing. It must
/// not outlive that closure.
@usableFromInline
struct StridedLoop {
    /// Dimensions after merging; 0 for a single element.
    @usableFromInline let rank: Int
    @usableFromInline let operandCount: Int
    /// The length of each row of ``words``: the rank before merging (at least 1).
    @usableFromInline let capacity: Int
    /// Sizes, then each operand's strides, one row of ``capacity`` words each; the first ``rank`` of a row are used.
    @usableFromInline let words: UnsafeMutablePointer<Int>

    @inlinable init(rank: Int, operandCount: Int, capacity: Int, words: UnsafeMutablePointer<Int>) {
        self.rank = rank
        self.operandCount = operandCount
        self.capacity = capacity
        self.words = words
    }

    /// The size of merged dimension `dim`, outermost first.
    @inlinable func size(_ dim: Int) -> Int { words[dim] }

    /// Operand `operand`'s stride along merged dimension `dim`.
    @inlinable func stride(_ operand: Int, _ dim: Int) -> Int { words[(operand + 1) * capacity + dim] }

    /// Operand `operand`'s innermost stride (0 for a single element).
    @inlinable func innerStride(_ operand: Int) -> Int { rank == 0 ? 0 : stride(operand, rank - 1) }

    /// Total number of elements.
    @inlinable var elementCount: Int {
        var count = 1
        for dim in 0..<rank { count *= size(dim) }
        return count
    }

    /// Calls `body` with the loop over `shape` for two to four operands (given in order: `third` before
    /// `fourth`), each broadcast to `shape` as ``LoopOperand`` says. Throws ATen's `expand` message when an
    /// operand does not broadcast to `shape`.
    @inlinable
    static func over<Result>(
        _ shape: [Int], _ first: LoopOperand, _ second: LoopOperand, _ third: LoopOperand? = nil, _ fourth: LoopOperand? = nil,
        _ body: (StridedLoop) throws -> Result
    ) throws -> Result {
        precondition(third != nil || fourth == nil, "StridedLoop operands are given in order")
        let operandCount = 2 + (third == nil ? 0 : 1) + (fourth == nil ? 0 : 1)
        let capacity = Swift.max(shape.count, 1)
        return try withUnsafeTemporaryAllocation(of: Int.self, capacity: capacity * (operandCount + 1)) { buffer in
            let words = buffer.baseAddress!
            for dim in shape.indices { words[dim] = shape[dim] }
            try place(first, row: words + capacity, shape)
            try place(second, row: words + 2 * capacity, shape)
            if let third { try place(third, row: words + 3 * capacity, shape) }
            if let fourth { try place(fourth, row: words + 4 * capacity, shape) }
            let rank = merge(words, dimensions: shape.count, operandCount: operandCount, capacity: capacity)
            return try body(StridedLoop(rank: rank, operandCount: operandCount, capacity: capacity, words: words))
        }
    }

    /// Writes `operand`'s strides against `shape` into `row` (stride 0 where it broadcasts).
    @usableFromInline
    static func place(_ operand: LoopOperand, row: UnsafeMutablePointer<Int>, _ shape: [Int]) throws {
        let lead = shape.count - operand.shape.count
        guard lead >= 0 else { throw TensorError.expandRank(shape, rank: operand.shape.count) }
        for dim in shape.indices {
            let own = dim - lead
            if own < 0 || operand.shape[own] == 1 && shape[dim] != 1 {
                row[dim] = 0
            } else if operand.shape[own] == shape[dim] {
                row[dim] = operand.strides[own]
            } else {
                throw TensorError.expandSize(shape[dim], existing: operand.shape[own], dimension: dim, target: shape, shape: operand.shape)
            }
        }
    }

    /// Drops size-1 dimensions and merges each dimension into the one before it where every operand steps
    /// through both as through one; returns the merged rank. In place: merged dimension `r` is written only
    /// after dimension `r` was read.
    @usableFromInline
    static func merge(_ words: UnsafeMutablePointer<Int>, dimensions: Int, operandCount: Int, capacity: Int) -> Int {
        var rank = 0
        for dim in 0..<dimensions where words[dim] != 1 {
            let size = words[dim]
            var mergeable = rank > 0
            if mergeable {
                for operand in 1...operandCount {
                    let row = words + operand * capacity
                    if row[rank - 1] != row[dim] * size { mergeable = false; break }
                }
            }
            if mergeable {
                words[rank - 1] *= size
                for operand in 1...operandCount {
                    let row = words + operand * capacity
                    row[rank - 1] = row[dim]
                }
            } else {
                words[rank] = size
                for operand in 1...operandCount {
                    let row = words + operand * capacity
                    row[rank] = row[dim]
                }
                rank += 1
            }
        }
        return rank
    }

    /// Calls `body(offsets, count)` for each innermost run, in row-major order. `offsets[op]` is the element
    /// offset of the run's first element for operand `op`.
    @inlinable
    func forEachRun(_ body: (UnsafeBufferPointer<Int>, Int) -> Void) {
        for dim in 0..<rank where size(dim) == 0 { return }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: operandCount + Swift.max(rank, 1)) { scratch in
            let offsets = UnsafeMutableBufferPointer(rebasing: scratch[0..<operandCount])
            let index = UnsafeMutableBufferPointer(rebasing: scratch[operandCount...])
            for op in 0..<operandCount { offsets[op] = 0 }
            for d in 0..<index.count { index[d] = 0 }
            if rank == 0 {
                body(UnsafeBufferPointer(offsets), 1)
                return
            }
            let inner = size(rank - 1)
            while true {
                body(UnsafeBufferPointer(offsets), inner)
                var dim = rank - 2
                while dim >= 0 {
                    index[dim] += 1
                    for op in 0..<operandCount { offsets[op] += stride(op, dim) }
                    if index[dim] < size(dim) { break }
                    for op in 0..<operandCount { offsets[op] -= stride(op, dim) * size(dim) }
                    index[dim] = 0
                    dim -= 1
                }
                if dim < 0 { return }
            }
        }
    }
}

extension StridedLoop {
    /// Elements below which a loop stays on the calling thread (waking workers costs more than it saves).
    @usableFromInline static let parallelThreshold = 1 << 15

    /// As ``forEachRun(_:)``, but runs split into pieces of at most `block` elements are spread over the
    /// thread pool when the loop has at least ``parallelThreshold`` elements; pieces may run in any order and
    /// at once, so `body` must only write its own elements.
    @inlinable
    func forEachRunInParallel(_ body: (UnsafeBufferPointer<Int>, Int) -> Void) {
        let total = elementCount
        let pool = ThreadPool.shared
        guard total >= Self.parallelThreshold, pool.threadCount > 1, rank > 0 else {
            forEachRun(body)
            return
        }
        let inner = size(rank - 1)
        let block = Swift.max(4096, Swift.min(inner, total / (pool.threadCount * 4)))
        let blocksPerRun = (inner + block - 1) / block
        let runs = total / inner
        let pieces = runs * blocksPerRun
        let operands = operandCount
        let rank = rank
        pool.parallelFor(pieces, minimumPerThread: Swift.max(1, Self.parallelThreshold / (2 * block))) { range, _ in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: operands) { offsets in
                for piece in range {
                    var run = piece / blocksPerRun
                    let first = (piece % blocksPerRun) * block
                    for op in 0..<operands { offsets[op] = first * stride(op, rank - 1) }
                    var dim = rank - 2
                    while dim >= 0 && run > 0 {
                        let index = run % size(dim)
                        run /= size(dim)
                        for op in 0..<operands { offsets[op] += index * stride(op, dim) }
                        dim -= 1
                    }
                    body(UnsafeBufferPointer(offsets), Swift.min(block, inner - first))
                }
            }
        }
    }
}
