import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Views and copies that rearrange elements: `unfold`, `fliplr`, `flipud`, `rot90`, `moveaxis`,
    /// `take_along_dim`, `diag_embed`, `diagflat`.
    mutating func defineRearrangeOperators() {
        // combinations(x, r, with_replacement): every r-tuple of x's elements with increasing (non-decreasing)
        // indices, in lexicographic order, one per row.
        tensorOp("aten::combinations") { c in
            let x = try c.tensor(0, "self")
            let (r, withReplacement) = (try c.int(1, "r", default: 2), try c.bool(2, "with_replacement", default: false))
            guard x.rank == 1 else { throw OperatorError("Expect a 1D vector, but got shape \(x.shape)") }
            guard r >= 0 else { throw OperatorError("Expect a non-negative number, but got \(r)") }
            if r == 0 { return Tensor.zeros([0], dtype: x.dtype) }
            var tuples: [[Int64]] = []
            var current: [Int64] = []
            func extend(from start: Int) {
                if current.count == r {
                    tuples.append(current)
                    return
                }
                guard start < x.shape[0] else { return }
                for i in start..<x.shape[0] {
                    current.append(Int64(i))
                    extend(from: withReplacement ? i : i + 1)
                    current.removeLast()
                    if tuples.count > 1 << 24 { return }
                }
            }
            extend(from: 0)
            guard tuples.count <= 1 << 24 else { throw OperatorError("combinations: more than 2^24 tuples") }
            if tuples.isEmpty { return Tensor.zeros([0, r], dtype: x.dtype) }
            let indices = try Tensor(shape: [tuples.count * r], scalars: tuples.flatMap { $0 })
            return try x.index([indices]).reshape([tuples.count, r])
        }
        // cartesian_prod: the rows of the grid of 1-D tensors in "ij" order (one tensor is returned as it is).
        tensorOp("aten::cartesian_prod") { c in
            let tensors = try c.tensors(0, "tensors")
            for t in tensors where t.rank != 1 { throw OperatorError("Expect a 1D vector, but got shape \(t.shape)") }
            if tensors.count == 1 { return tensors[0] }
            let sizes = tensors.map { $0.shape[0] }
            let columns = try tensors.enumerated().map { i, t in
                var view = Array(repeating: 1, count: tensors.count)
                view[i] = sizes[i]
                return try t.reshape(view).expand(sizes).reshape([-1])
            }
            return try Tensor.stack(columns, dim: 1)
        }
        // fftshift / ifftshift: a roll by ⌊n/2⌋ (ifftshift: ⌈n/2⌉ back) along each given dimension (all by default).
        for (name, inverse) in [("fft_fftshift", false), ("fft_ifftshift", true)] {
            tensorOp("aten::\(name)") { c in
                let x = try c.tensor(0, "self")
                let dims = try c.optionalInts(1, "dim").map { try $0.map { try x.wrapDimension($0) } } ?? Array(0..<x.rank)
                if dims.isEmpty || x.rank == 0 { return try x.clone() }
                return try x.roll(dims.map { inverse ? (x.shape[$0] + 1) / 2 : x.shape[$0] / 2 }, dims: dims)
            }
        }
        // Matrix transposes; the conjugate ones conjugate complex tensors (a copy: Flint has no conjugate views).
        for (name, label, conjugate) in [("mT", "tensor.mT", false), ("mH", "tensor.mH", true), ("adjoint", "tensor.adjoint()", true)] {
            tensorOp("aten::\(name)") { c in
                let x = try c.tensor(0, "self")
                guard x.rank >= 2 else { throw OperatorError("\(label) is only supported on matrices or batches of matrices. Got \(x.rank)-D tensor.") }
                return try conjugate ? x.transpose(-2, -1).conjugated() : x.transpose(-2, -1)
            }
        }
        // channel_shuffle(x, g): channels viewed as [g, C/g], transposed, flattened back.
        for name in ["channel_shuffle", "native_channel_shuffle"] {
            tensorOp("aten::\(name)") { c in
                let (x, groups) = (try c.tensor(0, "self"), try c.int(1, "groups"))
                guard x.rank >= 3 else {
                    throw OperatorError("channel_shuffle expects input with > 2 dims, but got input with sizes \(x.shape)")
                }
                guard groups > 0 else { throw OperatorError("Number of groups to divide channels in must be positive. Value of groups:\(groups)") }
                let channels = x.shape[1]
                guard channels % groups == 0 else {
                    throw OperatorError("Number of channels must be divisible by groups. Got \(channels) channels and \(groups) groups.")
                }
                let split = [x.shape[0], groups, channels / groups] + Array(x.shape[2...])
                return try x.reshape(split).transpose(1, 2).reshape(x.shape)
            }
        }
        tensorOp("aten::ravel") { try $0.tensor(0, "self").reshape([-1]) }
        // msort: sorted along the first dimension (a 0-d tensor is its own result).
        tensorOp("aten::msort") { c in
            let x = try c.tensor(0, "self")
            return x.rank == 0 ? try x.clone() : try x.sort(dim: 0).values
        }
        // unfold(dimension, size, step): a view with `dimension` cut into windows and a new last dimension.
        tensorOp("aten::unfold") { c in
            let x = try c.tensor(0, "self")
            let (size, step) = (try c.int(2, "size"), try c.int(3, "step"))
            let d = x.rank == 0 ? 0 : try x.wrapDimension(c.int(1, "dimension"))
            let length = x.rank == 0 ? 1 : x.shape[d]
            guard size <= length else { throw OperatorError("maximum size for tensor at dimension \(d) is \(length) but size is \(size)") }
            guard step > 0 else { throw OperatorError("step is \(step) but must be > 0") }
            guard size >= 0 else { throw OperatorError("size is \(size) but must be >= 0") }
            if x.rank == 0 { return try x.asStrided([size], [1]) }
            var (shape, strides) = (x.shape, x.strides)
            shape[d] = (length - size) / step + 1
            strides[d] = x.strides[d] * step
            return try x.asStrided(shape + [size], strides + [x.strides[d]])
        }
        unary("fliplr") { x in
            guard x.rank >= 2 else { throw OperatorError("Input must be >= 2-d.") }
            return try x.flip([1])
        }
        unary("flipud") { x in
            guard x.rank >= 1 else { throw OperatorError("Input must be >= 1-d.") }
            return try x.flip([0])
        }
        tensorOp("aten::rot90") { c in
            let x = try c.tensor(0, "self")
            let dims = try c.ints(2, "dims", default: [0, 1])
            guard dims.count == 2 else { throw OperatorError("expected total rotation dims == 2, but got dims = \(dims.count)") }
            guard x.rank >= 2 else { throw OperatorError("expected total dims >= 2, but got total dims = \(x.rank)") }
            let (d0, d1) = (try x.wrapDimension(dims[0]), try x.wrapDimension(dims[1]))
            guard d0 != d1 else { throw OperatorError("expected rotation dims to be different, but got dim0 = \(d0) and dim1 = \(d1)") }
            switch ((try c.int(1, "k", default: 1) % 4) + 4) % 4 {
            case 1: return try x.flip([d1]).transpose(d0, d1)
            case 2: return try x.flip([d0, d1])
            case 3: return try x.flip([d0]).transpose(d0, d1)
            default: return try x.clone()
            }
        }
        tensorOp("aten::moveaxis.int") { try $0.tensor(0, "self").movedim([$0.int(1, "source")], [$0.int(2, "destination")]) }
        tensorOp("aten::moveaxis.intlist") { try $0.tensor(0, "self").movedim($0.ints(1, "source"), $0.ints(2, "destination")) }
        // take_along_dim: gather after broadcasting input and indices against each other outside `dim`; with no
        // dim, over the flattened input.
        tensorOp("aten::take_along_dim") { c in
            let (x, indices) = (try c.tensor(0, "self"), try c.tensor(1, "indices"))
            guard indices.dtype == .int64 else {
                throw OperatorError("torch.take_along_dim(): dtype of indices should be Long but got \(indices.dtype.scalarTypeName)")
            }
            guard let dim = try c.optionalInt(2, "dim") else {
                return try x.reshape([-1]).gather(dim: 0, index: indices.reshape([-1]))
            }
            guard x.rank == indices.rank else {
                throw OperatorError("torch.take_along_dim(): input and indices should have the same number of dimensions, but got \(x.rank) dimensions for input, and \(indices.rank) dimensions for indices")
            }
            guard x.rank > 0 else { throw OperatorError("Dimension specified as \(dim) but tensor has no dimensions") }
            let d = try x.wrapDimension(dim)
            var xSizes = x.shape, indexSizes = indices.shape
            xSizes[d] = indices.shape[d]
            indexSizes[d] = x.shape[d]
            // Along a dimension, indices wrap around its size (Python's modulo: -1 is the last, 7 of 5 is 2), as
            // torch 2.15 takes them.
            let wrapped = x.shape[d] > 0
                ? try Tensor.binary(Remainder(), .tensor(indices), .scalar(.int(Int64(x.shape[d]))), operation: "remainder") : indices
            let broadcastIndices = try wrapped.expand(try Tensor.broadcastShape(xSizes, indices.shape))
            let broadcastInput = try x.expand(try Tensor.broadcastShape(indexSizes, x.shape))
            return try broadcastInput.gather(dim: d, index: broadcastIndices)
        }
        // diag_embed: the last dimension written onto the (offset) diagonal of new dimensions dim1 and dim2.
        tensorOp("aten::diag_embed") { c in
            let x = try c.tensor(0, "self")
            let offset = try c.int(1, "offset", default: 0)
            let outputRank = x.rank + 1
            func wrap(_ d: Int) throws -> Int {
                guard d >= -outputRank && d < outputRank else {
                    throw OperatorError("Dimension out of range (expected to be in range of [\(-outputRank), \(outputRank - 1)], but got \(d))")
                }
                return d < 0 ? d + outputRank : d
            }
            let (d1, d2) = (try wrap(c.int(2, "dim1", default: -2)), try wrap(c.int(3, "dim2", default: -1)))
            guard d1 != d2 else { throw OperatorError("diagonal dimensions cannot be identical \(d1), \(d2)") }
            let n = (x.shape.last ?? 1) + Swift.abs(offset)
            var shape = Array(x.shape.dropLast())
            for d in [d1, d2].sorted() { shape.insert(n, at: d) }
            let result = Tensor(zeros: shape, dtype: x.dtype)
            try result.diagonal(d1, d2, offset: offset).copy(from: x)
            return result
        }
        tensorOp("aten::linalg_diagonal") { try $0.tensor(0, "A").diagonal($0.int(2, "dim1", default: -2), $0.int(3, "dim2", default: -1), offset: $0.int(1, "offset", default: 0)) }
        unary("argwhere") { try $0.nonzero() }
        // block_diag: the inputs (0-d as 1×1, 1-d as one row) along the diagonal of a zero matrix of their common dtype.
        tensorOp("aten::block_diag") { c in
            let blocks = try c.tensors(0, "tensors").enumerated().map { i, t -> Tensor in
                guard t.rank <= 2 else {
                    throw OperatorError("torch.block_diag: Input tensors must have 2 or fewer dimensions. Input \(i) has \(t.rank) dimensions")
                }
                return t.rank == 2 ? t : try t.reshape([1, t.elementCount])
            }
            let dtype = try DType.resultType(blocks.map { .tensor($0.dtype, rank: 1) })
            let result = Tensor(zeros: [blocks.reduce(0) { $0 + $1.shape[0] }, blocks.reduce(0) { $0 + $1.shape[1] }], dtype: dtype)
            var (row, column) = (0, 0)
            for block in blocks {
                try result.narrow(dim: 0, start: row, length: block.shape[0]).narrow(dim: 1, start: column, length: block.shape[1]).copy(from: block)
                (row, column) = (row + block.shape[0], column + block.shape[1])
            }
            return result
        }
        tensorOp("aten::diagflat") { try $0.tensor(0, "self").reshape([-1]).diag(offset: $0.int(1, "offset", default: 0)) }
    }
}
