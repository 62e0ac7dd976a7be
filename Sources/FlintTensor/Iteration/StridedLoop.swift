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
