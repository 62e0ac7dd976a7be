/// Joining, padding and rearranging: `cat`, `stack`, `pad`, `flip`, `roll`, `repeat`, `tril`/`triu`.
extension Tensor {
    /// Concatenation along `dim`, with dtype promotion across inputs. 1-D empty tensors (shape `[0]`) are
    /// skipped, as ATen allows for legacy reasons.
    public static func cat(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError("torch.cat(): expected a non-empty list of Tensors") }
        if first.isQuantized { return try quantizedCat(tensors, dim: dim, scale: nil, zeroPoint: nil) }
        let dtype = try tensors.dropFirst().reduce(first.dtype) { try DType.promote($0, $1.dtype) }
        let parts = tensors.filter { !($0.rank == 1 && $0.shape[0] == 0) }
        guard let reference = parts.first else { return Tensor(zeros: [0], dtype: dtype) }
        let d = try reference.wrapDimension(dim)
        guard reference.rank > 0 else { throw TensorError("zero-dimensional tensor (at position 0) cannot be concatenated") }
        var shape = reference.shape
        shape[d] = 0
        for (i, part) in parts.enumerated() {
            guard part.rank == reference.rank else {
                throw TensorError("Tensors must have same number of dimensions: got \(reference.rank) and \(part.rank)")
            }
            for k in 0..<part.rank where k != d && part.shape[k] != reference.shape[k] {
                throw TensorError("Sizes of tensors must match except in dimension \(d). Expected size \(reference.shape[k]) but got size \(part.shape[k]) for tensor number \(i) in the list.")
            }
            shape[d] += part.shape[d]
        }
        let result = Tensor(zeros: shape, dtype: dtype)
        var offset = 0
        for part in parts {
            try result.narrow(dim: d, start: offset, length: part.shape[d]).copy(from: part)
            offset += part.shape[d]
        }
        return result
    }

    /// The tensors, all of one shape, stacked along a new dimension `dim`.
    public static func stack(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError("stack expects a non-empty TensorList") }
        let d = try first.wrapDimension(dim, rank: first.rank + 1)
        for (i, t) in tensors.enumerated() where t.shape != first.shape {
            throw TensorError("stack expects each tensor to be equal size, but got \(first.shape) at entry 0 and \(t.shape) at entry \(i)")
        }
        return try cat(tensors.map { try $0.unsqueeze(d) }, dim: d)
    }

    /// Padding of the last dimensions: `pad` holds (before, after) pairs starting from the last dimension.
    /// Modes: `constant` (negative amounts crop), `reflect`, `replicate`, `circular`.
    public func pad(_ pad: [Int], mode: String = "constant", value: Double = 0) throws -> Tensor {
        try self.pad(pad, mode: mode, fill: .double(value))
    }

    /// Padding with a fill value given as a scalar (exact for integers).
    public func pad(_ pad: [Int], mode: String, fill: Scalar) throws -> Tensor {
        guard pad.count % 2 == 0, pad.count / 2 <= rank else {
            throw TensorError("Padding length must be divisible by 2 and at most twice the number of dimensions of the input")
        }
        var result = self
        for pair in 0..<(pad.count / 2) {
            let d = rank - 1 - pair
            result = try result.padDimension(d, before: pad[2 * pair], after: pad[2 * pair + 1], mode: mode, fill: fill)
        }
        return result
    }

    private func padDimension(_ d: Int, before: Int, after: Int, mode: String, fill: Scalar) throws -> Tensor {
        let size = shape[d]
        if mode == "constant" {
            var source = self
            var lead = before
            var trail = after
            if before < 0 { source = try source.narrow(dim: d, start: -before, length: Swift.max(0, size + before)); lead = 0 }
            if after < 0 { source = try source.narrow(dim: d, start: 0, length: Swift.max(0, source.shape[d] + after)); trail = 0 }
            var newShape = source.shape
            newShape[d] += lead + trail
            guard newShape[d] >= 0 else { throw TensorError("The input size \(size), plus negative padding \(before) and \(after) resulted in a negative output size") }
            let result = Tensor(zeros: newShape, dtype: dtype)
            try result.copy(from: fill.tensor(dtype))
            try result.narrow(dim: d, start: lead, length: source.shape[d]).copy(from: source)
            return result
        }
        let kept = size + Swift.min(before, 0) + Swift.min(after, 0)
        if before < 0 || after < 0, size + before + after <= 0 || (mode != "replicate" && kept <= 0) {
            let axis = ["W", "H", "D"][Swift.min(rank - 1 - d, 2)]
            throw TensorError("input (\(axis): \(size)) is too small. Calculated output \(axis): \(size + before + after)")
        }
        if (before < 0 || after < 0) && mode != "replicate" {
            // Reflect and circular crop first, then pad the cropped tensor (what ATen's kernels compute); replicate maps
            // every output position to its clamped input position below, which needs no crop.
            return try narrow(dim: d, start: Swift.max(-before, 0), length: kept)
                .padDimension(d, before: Swift.max(before, 0), after: Swift.max(after, 0), mode: mode, fill: fill)
        }
        guard dtype != .bool else { throw TensorError("\"\(mode)_pad\" not implemented for 'Bool'") }
        let index: (Int) -> Int
        switch mode {
        case "reflect":
            guard before < size, after < size else {
                throw TensorError("Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (\(before), \(after)) at dimension \(d) of input \(shape)")
            }
            index = { i in
                let j = i - before
                if j < 0 { return -j }
                if j >= size { return 2 * (size - 1) - j }
                return j
            }
        case "replicate":
            guard size > 0 else { throw TensorError("replicate padding needs a non-empty dimension") }
            index = { i in Swift.min(Swift.max(i - before, 0), size - 1) }
        case "circular":
            guard before <= size, after <= size else { throw TensorError("Padding value causes wrapping around more than once.") }
            index = { i in ((i - before) % size + size) % size }
        default:
            throw TensorError("Unrecognised padding mode \(mode)")
        }
        let pieces = try (0..<(size + before + after)).map { try narrow(dim: d, start: index($0), length: 1) }
        return try Tensor.cat(pieces, dim: d)
    }

    /// The elements in reverse order along each of `dims`.
    public func flip(_ dims: [Int]) throws -> Tensor {
        var result = self
        for d in Set(try dims.map { try wrapDimension($0) }) where rank > 0 && shape[d] > 0 {
            result = try Tensor.cat(try (0..<shape[d]).reversed().map { try result.narrow(dim: d, start: $0, length: 1) }, dim: d)
        }
        let copy = Tensor(zeros: shape, dtype: dtype)
        try copy.copy(from: result)
        return copy
    }

    /// Lower (or upper) triangle of the last two dimensions; the rest set to zero.
    public func triangle(upper: Bool, diagonal: Int = 0) throws -> Tensor {
        guard rank >= 2 else { throw TensorError("\(upper ? "triu" : "tril"): input tensor must have at least 2 dimensions") }
        let rows = shape[rank - 2]
        let columns = shape[rank - 1]
        var keep = [Bool]()
        keep.reserveCapacity(rows * columns)
        for r in 0..<rows {
            for c in 0..<columns { keep.append(upper ? c - r >= diagonal : c - r <= diagonal) }
        }
        let mask = try Tensor(shape: [rows, columns], scalars: keep)
        return try Tensor.where(mask, .tensor(self), .tensor(Tensor(zeros: [], dtype: dtype)))
    }
}

extension Tensor: Equatable {
    /// Identity of the view: same storage, dtype, shape, strides and offset (not element equality).
    public static func == (a: Tensor, b: Tensor) -> Bool {
        a.storage === b.storage && a.dtype == b.dtype && a.shape == b.shape && a.strides == b.strides && a.storageOffset == b.storageOffset
    }
}
