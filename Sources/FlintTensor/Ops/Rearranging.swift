/// Copies that rearrange elements: `roll`, `repeat`, `take`, `diagonal`.
extension Tensor {
    /// Elements shifted by `shifts` along `dims` with wrap-around (flattened when `dims` is empty).
    public func roll(_ shifts: [Int], dims: [Int]) throws -> Tensor {
        if dims.isEmpty {
            guard shifts.count == 1 else { throw TensorError("shifts and dimensions must align. shifts: \(shifts.count), dims:0") }
            return try reshape([-1]).roll(shifts, dims: [0]).reshape(shape)
        }
        guard shifts.count == dims.count else { throw TensorError("shifts and dimensions must align. shifts: \(shifts.count), dims:\(dims.count)") }
        guard rank > 0 else { throw TensorError("Dimension specified as \(dims[0]) but tensor has no dimensions") }
        var result = self
        for (shift, dim) in zip(shifts, dims) {
            let d = try wrapDimension(dim)
            let size = shape[d]
            guard size > 0 else { continue }
            let s = ((shift % size) + size) % size
            if s == 0 { continue }
            result = try Tensor.cat([result.narrow(dim: d, start: size - s, length: s), result.narrow(dim: d, start: 0, length: size - s)], dim: d)
        }
        return try result.clone()
    }

    /// `repeat(sizes)`: the tensor tiled `sizes[i]` times along each dimension (new leading ones allowed).
    public func repeated(_ sizes: [Int]) throws -> Tensor {
        guard sizes.count >= rank else {
            throw TensorError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
        }
        guard sizes.allSatisfy({ $0 >= 0 }) else { throw TensorError("Trying to create tensor with negative dimension: \(sizes)") }
        let padded = try reshape(Array(repeating: 1, count: sizes.count - rank) + shape)
        // View as [1, s0, 1, s1, ...], expand to [r0, s0, r1, s1, ...], then merge pairs.
        var interleavedShape: [Int] = []
        var expandedShape: [Int] = []
        for (r, s) in zip(sizes, padded.shape) {
            interleavedShape += [1, s]
            expandedShape += [r, s]
        }
        return try padded.reshape(interleavedShape).expand(expandedShape).contiguous().reshape(zip(sizes, padded.shape).map { $0 * $1 })
    }

    /// Elements at flat `index` positions of the (row-major) tensor, shaped like `index`.
    public func take(_ index: Tensor) throws -> Tensor {
        let flat = try reshape([-1])
        let positions = try index.indexValues(bound: flat.shape[0], allowNegative: true, operation: "take", wording: .flatElements)
        return try flat.indexSelect(dim: 0, index: Tensor(shape: [positions.count], scalars: positions.map(Int64.init))).reshape(index.shape)
    }

    /// The diagonal of dimensions `dim1` and `dim2`, moved to the end (a view).
    public func diagonal(_ dim1: Int, _ dim2: Int, offset: Int = 0) throws -> Tensor {
        let a = try wrapDimension(dim1)
        let b = try wrapDimension(dim2)
        guard a != b else { throw TensorError("diagonal dimensions cannot be identical \(dim1), \(dim2)") }
        var length = Swift.min(shape[a], shape[b])
        var start = storageOffset
        if offset >= 0 {
            length = Swift.max(0, Swift.min(shape[a], shape[b] - offset))
            start += offset * strides[b]
        } else {
            length = Swift.max(0, Swift.min(shape[a] + offset, shape[b]))
            start -= offset * strides[a]
        }
        let keep = (0..<rank).filter { $0 != a && $0 != b }
        return Tensor(
            unchecked: storage, dtype: dtype, shape: keep.map { shape[$0] } + [length],
            strides: keep.map { strides[$0] } + [strides[a] + strides[b]], storageOffset: length == 0 ? storageOffset : start)
    }
}

extension Tensor {
    /// Dimensions `source` moved to positions `destination`, the others keeping their order (a view).
    public func movedim(_ source: [Int], _ destination: [Int]) throws -> Tensor {
        guard source.count == destination.count else {
            throw TensorError("movedim: Invalid source or destination dims: source (\(source) dims) should contain the same number of dims as destination (\(destination) dims)")
        }
        let from = try source.map { try wrapDimension($0) }
        let to = try destination.map { try wrapDimension($0) }
        if rank == 0 { return self }
        guard Set(from).count == from.count else { throw TensorError("movedim: repeated dim in `source` (\(source))") }
        guard Set(to).count == to.count else { throw TensorError("movedim: repeated dim in `destination` (\(destination))") }
        var order = [Int](repeating: -1, count: rank)
        for (f, t) in zip(from, to) { order[t] = f }
        var rest = (0..<rank).filter { !from.contains($0) }.makeIterator()
        for i in 0..<rank where order[i] == -1 { order[i] = rest.next()! }
        return try permute(order)
    }

    /// The same bytes viewed as another dtype of the same size (`view(dtype)`).
    public func view(as newType: DType) throws -> Tensor {
        if newType == dtype { return self }
        if newType.itemSize == dtype.itemSize {
            return Tensor(unchecked: storage, dtype: newType, shape: shape, strides: strides, storageOffset: storageOffset)
        }
        guard rank > 0, strides[rank - 1] == 1 else {
            throw TensorError("self.stride(-1) must be 1 to view \(dtype.libtorchTypeName) as \(newType.libtorchTypeName) (different element sizes), but got \(strides.last ?? 0)")
        }
        let (old, new) = (dtype.itemSize, newType.itemSize)
        var newShape = shape
        var newStrides = strides
        if new < old {
            let factor = old / new
            newShape[rank - 1] *= factor
            for d in 0..<(rank - 1) { newStrides[d] *= factor }
            return Tensor(unchecked: storage, dtype: newType, shape: newShape, strides: newStrides, storageOffset: storageOffset * factor)
        }
        let factor = new / old
        guard shape[rank - 1] % factor == 0, storageOffset % factor == 0, strides.dropLast().allSatisfy({ $0 % factor == 0 }) else {
            throw TensorError("self.size(-1) must be divisible by \(factor) to view \(dtype.libtorchTypeName) as \(newType.libtorchTypeName) (different element sizes), but got \(shape[rank - 1])")
        }
        newShape[rank - 1] /= factor
        for d in 0..<(rank - 1) { newStrides[d] /= factor }
        return Tensor(unchecked: storage, dtype: newType, shape: newShape, strides: newStrides, storageOffset: storageOffset / factor)
    }

    /// `diag`: a 1-D input becomes a square matrix with it on the `offset` diagonal; a 2-D input gives its
    /// `offset` diagonal.
    public func diag(offset: Int = 0) throws -> Tensor {
        switch rank {
        case 1:
            let n = shape[0] + Swift.abs(offset)
            let result = Tensor(zeros: [n, n], dtype: dtype)
            try result.diagonal(0, 1, offset: offset).copy(from: self)
            return result
        case 2:
            return try diagonal(0, 1, offset: offset).clone()
        default:
            throw TensorError("diag(): Supports 1D or 2D tensors. Got \(rank)D")
        }
    }

    /// Each element repeated `repeats` times along `dim` (flattened when nil).
    public func repeatInterleave(_ repeats: [Int], dim: Int?) throws -> Tensor {
        let source = dim == nil || rank == 0 ? try reshape([-1]) : self
        let d = try source.wrapDimension(dim ?? 0)
        let size = source.shape[d]
        let counts = repeats.count == 1 ? Array(repeating: repeats[0], count: size) : repeats
        guard counts.count == size, counts.allSatisfy({ $0 >= 0 }) else {
            throw TensorError("repeats must have the same size as input along dim, but got repeats.size(0) = \(repeats.count) and input.size(\(d)) = \(size)")
        }
        let picks = counts.enumerated().flatMap { Array(repeating: Int64($0.offset), count: $0.element) }
        return try source.indexSelect(dim: d, index: Tensor(shape: [picks.count], scalars: picks))
    }

    /// `tile(dims)`: `repeat` with missing leading dims treated as 1.
    public func tile(_ dims: [Int]) throws -> Tensor {
        try repeated(Array(repeating: 1, count: Swift.max(0, rank - dims.count)) + dims)
    }

    /// `unflatten(dim, sizes)`: one dimension split into `sizes` (one may be -1).
    public func unflatten(dim: Int, sizes: [Int]) throws -> Tensor {
        guard rank > 0 else { throw TensorError("unflatten: cannot unflatten a 0-dim tensor") }
        let d = try wrapDimension(dim)
        let known = sizes.filter { $0 != -1 }.reduce(1, *)
        let inferred = sizes.map { $0 == -1 ? (known == 0 ? 0 : shape[d] / known) : $0 }
        guard inferred.reduce(1, *) == shape[d] else {
            throw TensorError("unflatten: Provided sizes \(sizes) don't multiply up to the size of dim \(dim) (\(shape[d])) in the input tensor")
        }
        return try view(Array(shape[..<d]) + inferred + Array(shape[(d + 1)...]))
    }
}
