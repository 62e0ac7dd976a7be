/// Row-major iteration over a shape for several operands that each have their own element strides
/// (broadcast operands have stride 0). Dimensions are merged wherever every operand allows it, so a
/// contiguous or simply-transposed tensor becomes one long run, and kernels only ever see innermost runs:
/// `count` elements starting at per-operand offsets, stepping by per-operand inner strides.
@usableFromInline
struct StridedLoop {
    /// Collapsed shape, outermost first; empty for a single element.
    @usableFromInline let shape: [Int]
    /// `strides[operand][dim]` for the collapsed shape.
    @usableFromInline let strides: [[Int]]
    @usableFromInline let operandCount: Int

    @usableFromInline
    init(shape: [Int], strides: [[Int]]) {
        operandCount = strides.count
        var mergedShape: [Int] = []
        var mergedStrides: [[Int]] = Array(repeating: [], count: strides.count)
        for dim in shape.indices where shape[dim] != 1 {
            if let last = mergedShape.indices.last,
                (0..<strides.count).allSatisfy({ mergedStrides[$0][last] == strides[$0][dim] * shape[dim] })
            {
                mergedShape[last] *= shape[dim]
                for op in 0..<strides.count { mergedStrides[op][last] = strides[op][dim] }
            } else {
                mergedShape.append(shape[dim])
                for op in 0..<strides.count { mergedStrides[op].append(strides[op][dim]) }
            }
        }
        self.shape = mergedShape
        self.strides = mergedStrides
    }

    /// Total number of elements.
    @usableFromInline var elementCount: Int { shape.reduce(1, *) }

    /// The innermost stride of each operand (0 for a single element).
    @usableFromInline var innerStrides: [Int] { strides.map { $0.last ?? 0 } }

    /// Calls `body(offsets, count)` for each innermost run, in row-major order. `offsets[op]` is the element
    /// offset of the run's first element for operand `op`.
    @inlinable
    func forEachRun(_ body: (UnsafeBufferPointer<Int>, Int) -> Void) {
        if shape.contains(0) { return }
        let rank = shape.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: operandCount + max(rank, 1)) { scratch in
            let offsets = UnsafeMutableBufferPointer(rebasing: scratch[0..<operandCount])
            let index = UnsafeMutableBufferPointer(rebasing: scratch[operandCount...])
            for op in 0..<operandCount { offsets[op] = 0 }
            for d in 0..<index.count { index[d] = 0 }
            if rank == 0 {
                body(UnsafeBufferPointer(offsets), 1)
                return
            }
            let inner = shape[rank - 1]
            while true {
                body(UnsafeBufferPointer(offsets), inner)
                var dim = rank - 2
                while dim >= 0 {
                    index[dim] += 1
                    for op in 0..<operandCount { offsets[op] += strides[op][dim] }
                    if index[dim] < shape[dim] { break }
                    for op in 0..<operandCount { offsets[op] -= strides[op][dim] * shape[dim] }
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
        guard total >= Self.parallelThreshold, pool.threadCount > 1, !shape.isEmpty, !shape.contains(0) else {
            forEachRun(body)
            return
        }
        let rank = shape.count
        let inner = shape[rank - 1]
        let block = Swift.max(4096, Swift.min(inner, total / (pool.threadCount * 4)))
        let blocksPerRun = (inner + block - 1) / block
        let runs = total / inner
        let pieces = runs * blocksPerRun
        let operands = operandCount
        pool.parallelFor(pieces, minimumPerThread: Swift.max(1, Self.parallelThreshold / (2 * block))) { range, _ in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: operands) { offsets in
                for piece in range {
                    var run = piece / blocksPerRun
                    let first = (piece % blocksPerRun) * block
                    for op in 0..<operands { offsets[op] = first * strides[op][rank - 1] }
                    var dim = rank - 2
                    while dim >= 0 && run > 0 {
                        let index = run % shape[dim]
                        run /= shape[dim]
                        for op in 0..<operands { offsets[op] += index * strides[op][dim] }
                        dim -= 1
                    }
                    body(UnsafeBufferPointer(offsets), Swift.min(block, inner - first))
                }
            }
        }
    }
}
