/// Advanced indexing by integer index tensors, `self[indices]`, walked in place: the result's layout is
/// worked out on the stack and each element is read through the index tensors where they lie (broadcast
/// by stride 0), so a call into a given output allocates nothing (a plan's attention-mask prologue, every run).
extension Tensor {
    /// One index tensor of a gather: where its values are, and which dimension of the indexed tensor they pick.
    private struct GatherIndex {
        let values: UnsafeRawPointer
        let isInt32: Bool
        /// The size and the stride of the indexed tensor's dimension it picks in.
        let bound: Int
        let stride: Int
    }

    /// `self[indices]` written into `output` (or a new tensor), for index tensors of int64 or int32 that
    /// broadcast together, when the result has elements and `self` is not quantized. Returns nil for
    /// everything else (masks, a broadcast error, an empty result), and at the first index out of range (with
    /// `output` partly written): the general path then runs and reports any error with ATen's words.
    func gatherByIntegerIndices(_ indices: UnsafeBufferPointer<Tensor?>, into output: Tensor?) throws -> Tensor? {
        let count = indices.count
        guard count <= rank, quantizer == nil else { return nil }
        var indexCount = 0
        var broadcastRank = 0
        var first = -1, last = -1
        for (dim, index) in indices.enumerated() {
            guard let index else { continue }
            guard index.dtype == .int64 || index.dtype == .int32 else { return nil }
            indexCount += 1
            broadcastRank = Swift.max(broadcastRank, index.rank)
            if first < 0 { first = dim }
            last = dim
        }
        // NumPy's rule: adjacent indexed dimensions are replaced in place by the broadcast ones; otherwise those go first.
        let adjacent = indexCount == 0 || last - first + 1 == indexCount
        let insertAt = adjacent ? Swift.max(first, 0) : 0
        let resultRank = rank - indexCount + broadcastRank
        // Words: result sizes, the indexed tensor's stride per result dimension, then each index tensor's.
        let rows = 2 + indexCount
        return try withUnsafeTemporaryAllocation(of: Int.self, capacity: Swift.max(resultRank, 1) * (rows + 1)) { buffer in
            let width = Swift.max(resultRank, 1)
            let words = buffer.baseAddress!
            let sizes = words, sourceStrides = words + width, coordinates = words + rows * width
            // The broadcast shape of the index tensors, in result dimensions insertAt..<insertAt + broadcastRank.
            for b in 0..<broadcastRank {
                sizes[insertAt + b] = 1
                sourceStrides[insertAt + b] = 0
            }
            for index in indices {
                guard let index else { continue }
                let lead = broadcastRank - index.rank
                for d in 0..<index.rank {
                    let size = index.shape[d], at = insertAt + lead + d
                    if sizes[at] == 1 { sizes[at] = size } else if size != 1 && size != sizes[at] { return nil }
                }
            }
            // The untouched dimensions, in order, around the broadcast ones.
            var position = 0
            for dim in 0..<rank where dim >= count || indices[dim] == nil {
                if position == insertAt { position += broadcastRank }
                sizes[position] = shape[dim]
                sourceStrides[position] = strides[dim]
                position += 1
            }
            for r in 0..<resultRank where sizes[r] == 0 { return nil }
            return try withUnsafeTemporaryAllocation(of: GatherIndex.self, capacity: Swift.max(indexCount, 1)) { allocation in
                let gathers = UnsafeMutableBufferPointer(rebasing: allocation[0..<indexCount])
                var k = 0
                for (dim, index) in indices.enumerated() {
                    guard let index else { continue }
                    let row = words + (2 + k) * width
                    for r in 0..<resultRank { row[r] = 0 }
                    let lead = broadcastRank - index.rank
                    for d in 0..<index.rank where index.shape[d] != 1 { row[insertAt + lead + d] = index.strides[d] }
                    gathers.initializeElement(
                        at: k, to: GatherIndex(values: UnsafeRawPointer(index.baseAddress), isInt32: index.dtype == .int32, bound: shape[dim], stride: strides[dim]))
                    k += 1
                }
                defer { _ = gathers.deinitialize() }
                let result = try Tensor.destination(output, rank: resultRank, size: { sizes[$0] }, dtype: dtype, operation: "index")
                let completed: Bool
                switch dtype.itemSize {
                case 1: completed = gather(UInt8.self, into: result, words: words, width: width, resultRank: resultRank, gathers, coordinates)
                case 2: completed = gather(UInt16.self, into: result, words: words, width: width, resultRank: resultRank, gathers, coordinates)
                case 4: completed = gather(UInt32.self, into: result, words: words, width: width, resultRank: resultRank, gathers, coordinates)
                case 8: completed = gather(UInt64.self, into: result, words: words, width: width, resultRank: resultRank, gathers, coordinates)
                default: return nil
                }
                return completed ? result : nil
            }
        }
    }

    /// Fills `result` element by element in row-major order; false at the first index out of bounds.
    private func gather<Element>(
        _: Element.Type, into result: Tensor, words: UnsafeMutablePointer<Int>, width: Int, resultRank: Int,
        _ gathers: UnsafeMutableBufferPointer<GatherIndex>, _ coordinates: UnsafeMutablePointer<Int>
    ) -> Bool {
        let sizes = words, sourceStrides = words + width
        let source = baseAddress.assumingMemoryBound(to: Element.self)
        let target = result.baseAddress.assumingMemoryBound(to: Element.self)
        for r in 0..<resultRank { coordinates[r] = 0 }
        let total = result.elementCount
        for element in 0..<total {
            var offset = 0
            for r in 0..<resultRank { offset += coordinates[r] * sourceStrides[r] }
            for (k, index) in gathers.enumerated() {
                let row = words + (2 + k) * width
                var at = 0
                for r in 0..<resultRank { at += coordinates[r] * row[r] }
                var value = index.isInt32 ? Int(index.values.assumingMemoryBound(to: Int32.self)[at]) : Int(index.values.assumingMemoryBound(to: Int64.self)[at])
                if value < 0 { value += index.bound }
                guard value >= 0 && value < index.bound else { return false }
                offset += value * index.stride
            }
            target[element] = source[offset]
            var r = resultRank - 1
            while r >= 0 {
                coordinates[r] += 1
                if coordinates[r] < sizes[r] { break }
                coordinates[r] = 0
                r -= 1
            }
        }
        return true
    }
}
