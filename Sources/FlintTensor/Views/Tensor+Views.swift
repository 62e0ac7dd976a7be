/// Views: tensors that share this tensor's storage with a different shape, strides or offset, as ATen's
/// view operations do. Writes through a view are visible in the base and every other view.
extension Tensor {
    /// Wraps a possibly negative dimension index into `0..<rank` (a 0-dim tensor accepts -1 and 0).
    public func wrapDimension(_ dim: Int, rank: Int? = nil) throws -> Int {
        let rank = rank ?? self.rank
        let bound = Swift.max(rank, 1)
        guard dim >= -bound, dim < bound else {
            throw TensorError("Dimension out of range (expected to be in range of [\(-bound), \(bound - 1)], but got \(dim))")
        }
        return dim < 0 ? dim + bound : dim
    }

    /// The tensor with a new shape over the same elements; one size may be -1. Throws when the strides
    /// cannot express it without a copy (use ``reshape(_:)``).
    public func view(_ shape: [Int]) throws -> Tensor {
        let newShape = try inferShape(shape)
        guard let newStrides = Tensor.viewStrides(from: self.shape, self.strides, to: newShape) else {
            throw TensorError(
                "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
        }
        return Tensor(unchecked: storage, dtype: dtype, shape: newShape, strides: newStrides, storageOffset: storageOffset, quantizer: viewQuantizer)
    }

    /// A view with the new shape when the strides allow it, otherwise a contiguous copy.
    public func reshape(_ shape: [Int]) throws -> Tensor {
        let newShape = try inferShape(shape)
        if let newStrides = Tensor.viewStrides(from: self.shape, self.strides, to: newShape) {
            return Tensor(unchecked: storage, dtype: dtype, shape: newShape, strides: newStrides, storageOffset: storageOffset, quantizer: viewQuantizer)
        }
        return try contiguous().view(newShape)
    }

    /// Dimensions `start...end` merged into one.
    public func flatten(startDim: Int = 0, endDim: Int = -1) throws -> Tensor {
        if rank == 0 { return try reshape([1]) }
        let start = try wrapDimension(startDim)
        let end = try wrapDimension(endDim)
        guard start <= end else { throw TensorError("flatten() has invalid args: start_dim cannot come after end_dim") }
        let merged = shape[start...end].reduce(1, *)
        return try reshape(Array(shape[..<start]) + [merged] + Array(shape[(end + 1)...]))
    }

    /// Dimensions `dim0` and `dim1` swapped.
    public func transpose(_ dim0: Int, _ dim1: Int) throws -> Tensor {
        let a = try wrapDimension(dim0)
        let b = try wrapDimension(dim1)
        if rank == 0 { return self }
        var newShape = shape
        var newStrides = strides
        newShape.swapAt(a, b)
        newStrides.swapAt(a, b)
        var order = Array(0..<rank)
        order.swapAt(a, b)
        return Tensor(unchecked: storage, dtype: dtype, shape: newShape, strides: newStrides, storageOffset: storageOffset, quantizer: quantizer?.permuted(order))
    }

    /// `t()`: transpose of a tensor of at most 2 dimensions.
    public func t() throws -> Tensor {
        guard rank <= 2 else { throw TensorError("t() expects a tensor with <= 2 dimensions, but self is \(rank)D") }
        return rank < 2 ? self : try transpose(0, 1)
    }

    /// Dimensions reordered: result dimension `i` is this tensor's dimension `dims[i]`.
    public func permute(_ dims: [Int]) throws -> Tensor {
        guard dims.count == rank else {
            throw TensorError("permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = \(rank) is not equal to len(dims) = \(dims.count)")
        }
        let wrapped = try dims.map { try wrapDimension($0) }
        guard Set(wrapped).count == rank else { throw TensorError("permute(): duplicate dims are not allowed.") }
        return Tensor(
            unchecked: storage, dtype: dtype, shape: wrapped.map { shape[$0] }, strides: wrapped.map { strides[$0] },
            storageOffset: storageOffset, quantizer: quantizer?.permuted(wrapped))
    }

    /// Python slicing `[start:end:step]` along `dim`; bounds clamp as Python's do, `step` must be positive.
    public func slice(dim: Int = 0, start: Int? = nil, end: Int? = nil, step: Int = 1) throws -> Tensor {
        guard rank > 0 else { throw TensorError("slice() cannot be applied to a 0-dim tensor.") }
        guard step > 0 else { throw TensorError("slice step must be positive") }
        let d = try wrapDimension(dim)
        let size = shape[d]
        func clamp(_ value: Int?, _ fallback: Int) -> Int {
            guard var v = value else { return fallback }
            if v < 0 { v += size }
            return Swift.min(Swift.max(v, 0), size)
        }
        let first = clamp(start, 0)
        let last = Swift.max(clamp(end, size), first)
        // The whole dimension: the same view (no new shape and strides to allocate).
        if first == 0 && last == size && step == 1 && quantizer == nil && nestedPositions == nil { return self }
        var newShape = shape
        var newStrides = strides
        newShape[d] = (last - first + step - 1) / step
        newStrides[d] = strides[d] * step
        let offset = newShape[d] == 0 ? storageOffset : storageOffset + first * strides[d]
        return Tensor(unchecked: storage, dtype: dtype, shape: newShape, strides: newStrides, storageOffset: offset, quantizer: viewQuantizer)
    }

    /// The slice at `index` along `dim`, with that dimension removed.
    public func select(dim: Int, index: Int) throws -> Tensor {
        guard rank > 0 else { throw TensorError("select() cannot be applied to a 0-dim tensor.") }
        let d = try wrapDimension(dim)
        guard index >= -shape[d], index < shape[d] else {
            throw TensorError("select(): index \(index) out of range for tensor of size \(shape) at dimension \(d)")
        }
        let i = index < 0 ? index + shape[d] : index
        var newShape = shape
        var newStrides = strides
        newShape.remove(at: d)
        newStrides.remove(at: d)
        return Tensor(unchecked: storage, dtype: dtype, shape: newShape, strides: newStrides, storageOffset: storageOffset + i * strides[d], quantizer: viewQuantizer)
    }

    /// `length` elements of `dim` from `start` (which may be negative).
    public func narrow(dim: Int, start: Int, length: Int) throws -> Tensor {
        guard rank > 0 else { throw TensorError("narrow() cannot be applied to a 0-dim tensor.") }
        let d = try wrapDimension(dim)
        let size = shape[d]
        let begin = start < 0 ? start + size : start
        guard start >= -size, start <= size else {
            throw TensorError("start out of range (expected to be in range of [\(-size), \(size)], but got \(start))")
        }
        guard begin >= 0, length >= 0, begin <= size, begin + length <= size else {
            throw TensorError("start (\(start)) + length (\(length)) exceeds dimension size (\(size)).")
        }
        return try slice(dim: d, start: begin, end: begin + length)
    }

    /// A view with a size-1 dimension inserted at `dim` (which may be `rank`).
    public func unsqueeze(_ dim: Int) throws -> Tensor {
        let d = try wrapDimension(dim, rank: rank + 1)
        var newShape = shape
        var newStrides = strides
        newShape.insert(1, at: d)
        newStrides.insert(d < rank ? shape[d] * strides[d] : 1, at: d)
        return Tensor(unchecked: storage, dtype: dtype, shape: newShape, strides: newStrides, storageOffset: storageOffset, quantizer: viewQuantizer)
    }

    /// Size-1 dimensions removed: all of them, or only `dim` if it has size 1.
    public func squeeze(_ dim: Int? = nil) throws -> Tensor {
        var keep = Array(repeating: true, count: rank)
        if let dim {
            if rank == 0 { _ = try wrapDimension(dim); return self }
            let d = try wrapDimension(dim)
            keep[d] = shape[d] != 1
        } else {
            for d in 0..<rank where shape[d] == 1 { keep[d] = false }
        }
        let dims = (0..<rank).filter { keep[$0] }
        return Tensor(unchecked: storage, dtype: dtype, shape: dims.map { shape[$0] }, strides: dims.map { strides[$0] }, storageOffset: storageOffset, quantizer: quantizer?.permuted(dims))
    }

    /// A view repeating size-1 dimensions (and new leading ones) to `sizes` with stride 0; -1 keeps a size.
    public func expand(_ sizes: [Int]) throws -> Tensor {
        guard sizes.count >= rank else { throw TensorError.expandRank(sizes, rank: rank) }
        var newShape = sizes
        var newStrides = [Int](repeating: 0, count: sizes.count)
        let lead = sizes.count - rank
        for i in stride(from: sizes.count - 1, through: 0, by: -1) {
            let old = i - lead
            if old < 0 {
                guard sizes[i] >= 0 else { throw TensorError("The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension \(i)") }
                newStrides[i] = 0
                continue
            }
            let want = sizes[i] == -1 ? shape[old] : sizes[i]
            guard want >= 0 else { throw TensorError("expand: the size \(sizes[i]) at dimension \(i) is invalid") }
            if shape[old] == want {
                newShape[i] = want
                newStrides[i] = strides[old]
            } else if shape[old] == 1 {
                newShape[i] = want
                newStrides[i] = 0
            } else {
                throw TensorError.expandSize(want, existing: shape[old], dimension: i, target: sizes, shape: shape)
            }
        }
        return Tensor(unchecked: storage, dtype: dtype, shape: newShape, strides: newStrides, storageOffset: storageOffset, quantizer: viewQuantizer)
    }

    /// An arbitrary view of the same storage; checked against the storage's bounds.
    public func asStrided(_ size: [Int], _ stride: [Int], storageOffset offset: Int? = nil) throws -> Tensor {
        try Tensor(storage: storage, dtype: dtype, shape: size, strides: stride, storageOffset: offset ?? storageOffset, quantizer: viewQuantizer)
    }

    /// Views of each index along `dim`, with that dimension removed.
    public func unbind(dim: Int = 0) throws -> [Tensor] {
        guard rank > 0 else { throw TensorError("Dimension specified as 0 but tensor has no dimensions") }
        let d = try wrapDimension(dim)
        return try (0..<shape[d]).map { try select(dim: d, index: $0) }
    }

    /// Consecutive views of `splitSize` elements along `dim` (the last may be shorter).
    public func split(_ splitSize: Int, dim: Int = 0) throws -> [Tensor] {
        guard rank > 0 else { throw TensorError("split expects at least a 1-dimensional tensor") }
        let d = try wrapDimension(dim)
        guard splitSize >= 0 else { throw TensorError("split expects split_size be non-negative, but got split_size=\(splitSize)") }
        let size = shape[d]
        if splitSize == 0 { return size == 0 ? [self] : [] }
        let count = Swift.max((size + splitSize - 1) / splitSize, 1)
        return try (0..<count).map { try narrow(dim: d, start: $0 * splitSize, length: Swift.min(splitSize, size - $0 * splitSize)) }
    }

    /// Views of the given sizes along `dim`, which must add up to that dimension's size.
    public func split(sizes: [Int], dim: Int = 0) throws -> [Tensor] {
        guard rank > 0 else { throw TensorError("split expects at least a 1-dimensional tensor") }
        let d = try wrapDimension(dim)
        guard sizes.reduce(0, +) == shape[d], sizes.allSatisfy({ $0 >= 0 }) else {
            throw TensorError("split_with_sizes expects split_sizes to sum exactly to \(shape[d]) (input tensor's size at dimension \(d)), but got split_sizes=\(sizes)")
        }
        var start = 0
        return try sizes.map { length in
            defer { start += length }
            return try narrow(dim: d, start: start, length: length)
        }
    }

    /// `chunks` views of nearly equal size along `dim` (ATen's rule: each has ceil(size / chunks)).
    public func chunk(_ chunks: Int, dim: Int = 0) throws -> [Tensor] {
        guard chunks > 0 else { throw TensorError("chunk expects `chunks` to be greater than 0, got: \(chunks)") }
        guard rank > 0 else { throw TensorError("chunk expects at least a 1-dimensional tensor") }
        let d = try wrapDimension(dim)
        let size = shape[d]
        if size == 0 { return try split(sizes: Array(repeating: 0, count: chunks), dim: d) }
        return try split(Swift.max((size + chunks - 1) / chunks, 1), dim: d)
    }

    /// This tensor if contiguous, otherwise a contiguous copy.
    public func contiguous() throws -> Tensor {
        if isContiguous { return self }
        if let quantizer { return try integerRepresentation.contiguous().reinterpretedAsQuantized(dtype, quantizer) }
        let result = Tensor(zeros: shape, dtype: dtype)
        try result.copy(from: self)
        return result
    }

    private func inferShape(_ requested: [Int]) throws -> [Int] {
        let count = elementCount
        var shape = requested
        var inferred: Int?
        var known = 1
        for (i, size) in requested.enumerated() {
            if size == -1 {
                guard inferred == nil else { throw TensorError("only one dimension can be inferred") }
                inferred = i
            } else if size < 0 {
                throw TensorError("invalid shape dimension \(size)")
            } else {
                known *= size
            }
        }
        if let i = inferred {
            guard known != 0, count % known == 0 else {
                if known == 0 && count == 0 {
                    throw TensorError("cannot reshape tensor of 0 elements into shape \(requested) because the unspecified dimension size -1 can be any value and is ambiguous")
                }
                throw TensorError("shape '\(requested)' is invalid for input of size \(count)")
            }
            shape[i] = count / known
        } else if known != count {
            throw TensorError("shape '\(requested)' is invalid for input of size \(count)")
        }
        return shape
    }

    /// ATen's `computeStride`: strides viewing `oldShape`/`oldStrides` as `newShape` without copying, or nil.
    static func viewStrides(from oldShape: [Int], _ oldStrides: [Int], to newShape: [Int]) -> [Int]? {
        if oldShape.reduce(1, *) == 0 || oldShape.isEmpty { return contiguousStrides(for: newShape) }
        var newStrides = [Int](repeating: 0, count: newShape.count)
        var viewDim = newShape.count - 1
        var chunkBaseStride = oldStrides.last!
        var tensorCount = 1
        var viewCount = 1
        for tensorDim in stride(from: oldShape.count - 1, through: 0, by: -1) {
            tensorCount *= oldShape[tensorDim]
            if tensorDim == 0 || (oldShape[tensorDim - 1] != 1 && oldStrides[tensorDim - 1] != tensorCount * chunkBaseStride) {
                while viewDim >= 0 && (viewCount < tensorCount || newShape[viewDim] == 1) {
                    newStrides[viewDim] = viewCount * chunkBaseStride
                    viewCount *= newShape[viewDim]
                    viewDim -= 1
                }
                if viewCount != tensorCount { return nil }
                if tensorDim > 0 {
                    chunkBaseStride = oldStrides[tensorDim - 1]
                    tensorCount = 1
                    viewCount = 1
                }
            }
        }
        return viewDim == -1 ? newStrides : nil
    }
}
