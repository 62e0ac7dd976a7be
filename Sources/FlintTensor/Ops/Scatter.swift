/// Writing by index: `scatter`, `scatter_add`, advanced indexing (`index`) and `index_put`.
extension Tensor {
    /// `scatter(dim, index, src)`: a copy of self with out[index[i][j]][j] = src[i][j] (dim 0); with
    /// `accumulate` the values are added (`scatter_add`).
    public func scatter(dim: Int, index: Tensor, source: Operand, accumulate: Bool = false) throws -> Tensor {
        let d = try wrapDimension(dim)
        // ATen's shape checks come before any index is read: self's rank, then src's.
        guard index.rank == rank || (rank == 0 && index.rank <= 1) else {
            throw TensorError("Index tensor must have the same number of dimensions as self tensor")
        }
        if case .tensor(let t) = source, index.rank != t.rank, !(index.rank <= 1 && t.rank <= 1) {
            throw TensorError("Index tensor must have the same number of dimensions as src tensor")
        }
        let result = try clone()
        let targets = try index.indexValues(bound: rank == 0 ? 1 : shape[d], allowNegative: false, operation: "scatter", wording: .dimension(d))
        let values: Tensor
        switch source {
        case .tensor(let t):
            guard t.dtype == dtype else {
                throw TensorError("scatter(): Expected self.dtype to be equal to src.dtype")
            }
            values = t
        case .scalar, .complex: values = try source.tensor(as: dtype).expand(index.shape)
        }
        let size = dtype.itemSize
        var position = [Int](repeating: 0, count: index.rank)
        for target in targets {
            var outOffset = result.storageOffset
            var sourceOffset = values.storageOffset
            for k in 0..<index.rank {
                let coordinate = k == d ? target : position[k]
                outOffset += coordinate * (rank == 0 ? 0 : result.strides[k])
                guard position[k] < (values.rank > k ? values.shape[k] : 1) else {
                    throw TensorError("Expected index \(index.shape) to be smaller than src \(values.shape) apart from dimension \(d)")
                }
                sourceOffset += position[k] * (values.rank > k ? values.strides[k] : 0)
            }
            if accumulate {
                try dtype.dispatchNumeric(AccumulateElement(destination: result.storage.base + outOffset * size, source: values.storage.base + sourceOffset * size), operation: "scatter_add")
            } else {
                (result.storage.base + outOffset * size).copyMemory(from: values.storage.base + sourceOffset * size, byteCount: size)
            }
            var k = index.rank - 1
            while k >= 0 {
                position[k] += 1
                if position[k] < index.shape[k] { break }
                position[k] = 0
                k -= 1
            }
        }
        return result
    }

    /// Advanced indexing `self[indices]`: one entry per leading dimension, nil for `:`; index tensors are
    /// int64 (broadcast together) or bool masks. Follows NumPy's placement rule for the result dimensions.
    /// With `output`, the result is written there (contiguous, of the result's dtype and shape).
    @inlinable
    public func index(_ indices: some Collection<Tensor?>, into output: Tensor? = nil) throws -> Tensor {
        // Specialised where it is called, the indices are laid out on the stack for the kernel: no array.
        try withUnsafeTemporaryAllocation(of: Tensor?.self, capacity: indices.count) { buffer in
            for (position, index) in indices.enumerated() { buffer.initializeElement(at: position, to: index) }
            defer { _ = buffer.deinitialize() }
            return try index(UnsafeBufferPointer(buffer), into: output)
        }
    }

    /// ``index(_:into:)`` over indices laid out in memory.
    @usableFromInline
    func index(_ indices: UnsafeBufferPointer<Tensor?>, into output: Tensor?) throws -> Tensor {
        if let result = try gatherByIntegerIndices(indices, into: output) { return result }
        let (resultShape, offsets) = try advancedIndexOffsets(Array(indices))
        let result = try Tensor.destination(output, shape: resultShape, dtype: dtype, operation: "index")
        let size = dtype.itemSize
        for (i, offset) in offsets.enumerated() {
            (result.storage.base + i * size).copyMemory(from: storage.base + offset * size, byteCount: size)
        }
        return result
    }

    /// `index_put(indices, values, accumulate)`: a copy of self with the indexed elements set (or added).
    public func indexPut(_ indices: [Tensor?], values: Tensor, accumulate: Bool) throws -> Tensor {
        let result = try clone()
        try result.indexPutInPlace(indices, values: values, accumulate: accumulate)
        return result
    }

    /// `index_put_`: writes through this tensor (and so through any view of its storage).
    public func indexPutInPlace(_ indices: [Tensor?], values: Tensor, accumulate: Bool) throws {
        guard values.dtype == dtype else {
            throw TensorError("Index put requires the source and destination dtypes match, got \(dtype.scalarTypeName) for the destination and \(values.dtype.scalarTypeName) for the source.")
        }
        let (resultShape, offsets) = try advancedIndexOffsets(indices)
        let source = try values.expand(resultShape).contiguous()
        let size = dtype.itemSize
        for (i, offset) in offsets.enumerated() {
            let from = source.storage.base + (source.storageOffset + i) * size
            if accumulate {
                try dtype.dispatchNumeric(AccumulateElement(destination: storage.base + offset * size, source: from), operation: "index_put")
            } else {
                (storage.base + offset * size).copyMemory(from: from, byteCount: size)
            }
        }
    }

    /// The shape of `self[indices]` and, in its row-major order, the storage offset of each element it
    /// takes. The broadcast index dimensions replace the indexed ones where those are adjacent, and go
    /// first otherwise (NumPy's rule).
    private func advancedIndexOffsets(_ indices: [Tensor?]) throws -> (shape: [Int], offsets: [Int]) {
        let (expanded, positions, broadcastShape) = try advancedIndices(indices)
        let indexed = expanded.indices.filter { expanded[$0] != nil }
        let adjacent = indexed.isEmpty || indexed.last! - indexed.first! + 1 == indexed.count
        let untouched = (0..<rank).filter { expanded.count <= $0 || expanded[$0] == nil }
        let leading = adjacent ? untouched.filter { $0 < (indexed.first ?? 0) } : []
        let trailing = untouched.filter { !leading.contains($0) }
        let resultShape = leading.map { shape[$0] } + broadcastShape + trailing.map { shape[$0] }
        func offsets(of dims: [Int]) -> [Int] {
            var result = [0]
            for dim in dims {
                result = result.flatMap { base in (0..<shape[dim]).map { base + $0 * strides[dim] } }
            }
            return result
        }
        let outer = offsets(of: leading)
        let inner = offsets(of: trailing)
        let count = broadcastShape.reduce(1, *)
        var all: [Int] = []
        all.reserveCapacity(outer.count * count * inner.count)
        for o in outer {
            for i in 0..<count {
                var base = storageOffset + o
                for (dim, values) in positions { base += values[i] * strides[dim] }
                for n in inner { all.append(base + n) }
            }
        }
        return (resultShape, all)
    }

    /// Expands bool masks into integer indices, broadcasts all index tensors, and resolves negatives.
    private func advancedIndices(_ indices: [Tensor?]) throws -> (expanded: [Tensor?], positions: [(Int, [Int])], shape: [Int]) {
        var expanded: [Tensor?] = []
        for index in indices {
            guard let index else { expanded.append(nil); continue }
            if index.dtype == .bool || index.dtype == .uint8 {
                let start = expanded.count
                guard start + index.rank <= rank else { throw TensorError("too many indices for tensor of dimension \(rank)") }
                for k in 0..<index.rank where index.shape[k] != shape[start + k] {
                    throw TensorError("The shape of the mask \(index.shape) at index \(k) does not match the shape of the indexed tensor \(shape) at index \(start + k)")
                }
                let coordinates = try index.to(.bool).nonzero()
                for k in 0..<index.rank { expanded.append(try coordinates.select(dim: 1, index: k)) }
            } else {
                guard index.dtype == .int64 || index.dtype == .int32 else {
                    throw TensorError("tensors used as indices must be long, int, byte or bool tensors")
                }
                expanded.append(index)
            }
        }
        guard expanded.count <= rank else { throw TensorError("too many indices for tensor of dimension \(rank) (got \(expanded.count))") }
        var used: [(Int, Tensor)] = []
        for (dim, index) in expanded.enumerated() {
            if let index { used.append((dim, index)) }
        }
        let shape = try Tensor.broadcastShape(used.map { $0.1.shape })
        // ATen numbers the dimension among the index tensors given (None entries skipped).
        let positions = try used.enumerated().map { ordinal, entry in
            (entry.0, try entry.1.expand(shape).indexValues(bound: self.shape[entry.0], allowNegative: true, operation: "index", wording: .dimension(ordinal)))
        }
        return (expanded, positions, shape)
    }
}

private struct AccumulateElement: NumericDTypeVisitor {
    let destination: UnsafeMutableRawPointer
    let source: UnsafeMutableRawPointer
    func visitFloating<T: FloatingElement>(_ type: T.Type) throws {
        let d = destination.assumingMemoryBound(to: T.self)
        d.pointee = T(computeValue: d.pointee.computeValue + source.assumingMemoryBound(to: T.self).pointee.computeValue)
    }
    func visitInteger<T: IntegerElement>(_ type: T.Type) throws {
        let d = destination.assumingMemoryBound(to: T.self)
        d.pointee = d.pointee &+ source.assumingMemoryBound(to: T.self).pointee
    }
    func visitBool() throws {
        let d = destination.assumingMemoryBound(to: Bool.self)
        d.pointee = d.pointee || source.assumingMemoryBound(to: Bool.self).pointee
    }
}

extension Tensor {
    /// `scatter_reduce(dim, index, src, reduce, include_self)` with `sum`, `prod`, `mean`, `amax`, `amin`
    /// (and the legacy `add`/`multiply` of `scatter(reduce=)`). Computed in double, written in self's dtype.
    public func scatterReduce(dim: Int, index: Tensor, source: Operand, reduce: String, includeSelf: Bool = true) throws -> Tensor {
        guard !dtype.isComplex else { throw TensorError("\"scatter_reduce\" not implemented for '\(dtype.scalarTypeName)'") }
        let d = try wrapDimension(dim)
        let mode: String
        switch reduce {
        case "add", "sum": mode = "sum"
        case "multiply", "prod": mode = "prod"
        case "mean", "amax", "amin": mode = reduce
        default: throw TensorError("reduce argument must be either sum, prod, mean, amax or amin, got \(reduce)")
        }
        let targets = try index.indexValues(bound: rank == 0 ? 1 : shape[d], allowNegative: false, operation: "scatter_reduce", wording: .dimension(d))
        let values: Tensor
        switch source {
        case .tensor(let t): values = try t.to(.float64)
        case .scalar, .complex: values = try source.tensor(as: .float64).expand(index.shape)
        }
        let base = try to(.float64).contiguous()
        var out = try base.scalars(as: Double.self)
        let outStrides = Tensor.contiguousStrides(for: shape)
        var counts = [Int](repeating: includeSelf ? 1 : 0, count: out.count)
        var touched = [Bool](repeating: false, count: out.count)
        var position = [Int](repeating: 0, count: index.rank)
        let sourceValues = try values.contiguous()
        for target in targets {
            var o = 0
            var sOffset = sourceValues.storageOffset
            for k in 0..<index.rank {
                o += (k == d ? target : position[k]) * (rank == 0 ? 0 : outStrides[k])
                sOffset += position[k] * (values.rank > k ? sourceValues.strides[k] : 0)
            }
            let v = sourceValues.storage.base.load(fromByteOffset: sOffset * 8, as: Double.self)
            if !includeSelf && !touched[o] {
                out[o] = v
            } else {
                switch mode {
                case "sum", "mean": out[o] += v
                case "prod": out[o] *= v
                case "amax": out[o] = v.isNaN || out[o].isNaN ? .nan : Swift.max(out[o], v)
                default: out[o] = v.isNaN || out[o].isNaN ? .nan : Swift.min(out[o], v)
                }
            }
            if !touched[o] && !includeSelf { counts[o] = 1 } else { counts[o] += 1 }
            touched[o] = true
            var k = index.rank - 1
            while k >= 0 {
                position[k] += 1
                if position[k] < index.shape[k] { break }
                position[k] = 0
                k -= 1
            }
        }
        if mode == "mean" {
            for i in out.indices where counts[i] > 0 {
                out[i] = dtype.isFloatingPoint ? out[i] / Double(counts[i]) : (out[i] / Double(counts[i])).rounded(.down)
            }
        }
        return try Tensor(shape: shape, scalars: out).to(dtype)
    }

    /// `index_add(dim, index, source, alpha)`: rows of `source` added at `index` along `dim`.
    public func indexAdd(dim: Int, index: Tensor, source: Tensor, alpha: Scalar = .int(1)) throws -> Tensor {
        if rank == 0 {
            // A scalar is one row (as ATen treats it), and so is a scalar source.
            _ = try wrapDimension(dim)
            guard source.rank <= 1, source.elementCount == 1 else {
                throw TensorError(
                    "source tensor shape must match self tensor shape, excluding the specified dimension. Got self.shape = \(shape) source.shape = \(source.shape)")
            }
            return try reshape([1]).indexAdd(dim: 0, index: index, source: source.rank == 0 ? source.reshape([1]) : source, alpha: alpha).reshape([])
        }
        let d = try wrapDimension(dim)
        guard index.rank <= 1 else {
            throw TensorError(
                "index_add_(): Index is supposed to be a vector, but got dim: \(index.rank) with type: \(index.dtype.scalarTypeName) and size: \(index.shape)")
        }
        var withoutDim = shape
        withoutDim.remove(at: d)
        var sourceWithoutDim = source.shape
        if source.rank == rank { sourceWithoutDim.remove(at: d) }
        guard source.rank == rank, sourceWithoutDim == withoutDim else {
            throw TensorError(
                "source tensor shape must match self tensor shape, excluding the specified dimension. Got self.shape = \(shape) source.shape = \(source.shape)")
        }
        guard source.shape[d] == index.elementCount else {
            throw TensorError("index_add_(): Number of indices (\(index.elementCount)) should be equal to source.size(dim): (\(source.shape[d])), for dim: \(d)")
        }
        let result = try clone()
        let positions = try index.indexValues(bound: rank == 0 ? 1 : shape[d], allowNegative: false, operation: "index_add", wording: .dimension(d))
        for (i, p) in positions.enumerated() {
            let slot = try result.select(dim: d, index: p)
            let row = try source.select(dim: d, index: i)
            try slot.copy(from: Tensor.add(.tensor(slot), .tensor(row), alpha: alpha))
        }
        return result
    }

    /// `index_copy(dim, index, source)`.
    public func indexCopy(dim: Int, index: Tensor, source: Tensor) throws -> Tensor {
        if rank == 0, source.elementCount == 1, source.rank <= 1 {
            // A scalar is one row, as ATen treats it.
            _ = try wrapDimension(dim)
            return try reshape([1]).indexCopy(dim: 0, index: index, source: source.reshape([1])).reshape([])
        }
        let d = try wrapDimension(dim)
        let result = try clone()
        let positions = try index.indexValues(
            bound: rank == 0 ? 1 : shape[d], allowNegative: false, operation: "index_copy", wording: .prefixedDimension("index_copy_(): ", d))
        for (i, p) in positions.enumerated() {
            try result.select(dim: d, index: p).copy(from: source.select(dim: d, index: i))
        }
        return result
    }

    /// `index_fill(dim, index, value)`.
    public func indexFill(dim: Int, index: Tensor, value: Scalar) throws -> Tensor {
        let d = try wrapDimension(dim)
        let result = try clone()
        let positions = try index.indexValues(bound: rank == 0 ? 1 : shape[d], allowNegative: true, operation: "index_fill", wording: .dimension(d))
        for p in positions {
            try (rank == 0 ? result : result.select(dim: d, index: p)).copy(from: value.tensor(dtype))
        }
        return result
    }

    /// `masked_scatter(mask, source)`: positions where `mask` is true take consecutive `source` elements.
    public func maskedScatter(_ mask: Tensor, source: Tensor) throws -> Tensor {
        guard mask.dtype == .bool else { throw TensorError("masked_scatter_ only supports boolean masks, but got mask with dtype \(mask.dtype.name)") }
        let result = try expand(try Tensor.broadcastShape(shape, mask.shape)).clone()
        let flags = try mask.expand(result.shape).scalars(as: Bool.self)
        let needed = flags.filter { $0 }.count
        guard needed <= source.elementCount else { throw TensorError("masked_scatter: expected source to have at least \(needed) elements") }
        let values = try source.reshape([-1]).narrow(dim: 0, start: 0, length: needed).contiguous().to(dtype)
        let flat = try result.reshape([-1])
        var next = 0
        for (i, flag) in flags.enumerated() where flag {
            try flat.select(dim: 0, index: i).copy(from: values.select(dim: 0, index: next))
            next += 1
        }
        return result
    }

    /// `kthvalue(k, dim)`: the k-th smallest value (1-based) and its index.
    public func kthvalue(_ k: Int, dim: Int = -1, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let d = try wrapDimension(dim)
        let size = rank == 0 ? 1 : shape[d]
        guard k >= 1, k <= size else { throw TensorError("kthvalue(): selected number k out of range for dimension \(d)") }
        let sorted = try sort(dim: d)
        if rank == 0 { return sorted }
        var values = try sorted.values.select(dim: d, index: k - 1)
        var indices = try sorted.indices.select(dim: d, index: k - 1)
        if keepDim {
            values = try values.unsqueeze(d)
            indices = try indices.unsqueeze(d)
        }
        return (try values.contiguous(), try indices.contiguous())
    }
}
