/// More reductions: `prod`, `all`/`any`, `count_nonzero`, `norm`.
extension Tensor {
    /// Product over `dims`; integer and bool inputs give int64 unless `dtype` is given.
    public func prod(dims: [Int]? = nil, keepDim: Bool = false, dtype: DType? = nil) throws -> Tensor {
        let target = dtype ?? (self.dtype.isFloatingPoint || self.dtype.isComplex ? self.dtype : .int64)
        guard !target.isComplex else { throw TensorError("\"prod\" not implemented for '\(target.scalarTypeName)'") }
        let layout = try ReductionRows(try to(target), dims: dims, keepDim: keepDim)
        return try target.dispatchNumeric(FoldRows(layout: layout, kind: .product), operation: "prod")
    }

    /// Whether every (or any) element is non-zero, over `dims`. uint8 inputs give uint8, others bool.
    public func all(dims: [Int]? = nil, keepDim: Bool = false) throws -> Tensor {
        try truthReduction(dims: dims, keepDim: keepDim, every: true)
    }

    /// `torch.any`: whether any element is non-zero over `dims`. uint8 inputs give uint8, others bool.
    public func any(dims: [Int]? = nil, keepDim: Bool = false) throws -> Tensor {
        try truthReduction(dims: dims, keepDim: keepDim, every: false)
    }

    /// Number of non-zero elements over `dims` (int64).
    public func countNonzero(dims: [Int]? = nil) throws -> Tensor {
        try to(.bool).to(.int64).sum(dims: dims)
    }

    /// Vector p-norm over `dims` (`p` = 2 by default; ±infinity for max/min of magnitudes; 0 counts).
    /// `legacyNorm` words the dtype error as `aten::norm` and `aten::frobenius_norm` do rather than
    /// `linalg.vector_norm`.
    public func norm(p: Double = 2, dims: [Int]? = nil, keepDim: Bool = false, legacyNorm: Bool = false) throws -> Tensor {
        // Of complex values, the norm of their magnitudes.
        if dtype.isComplex { return try abs().norm(p: p, dims: dims, keepDim: keepDim, legacyNorm: legacyNorm) }
        guard dtype.isFloatingPoint else {
            if legacyNorm {
                throw TensorError("norm(): input dtype should be either floating point or complex. Got \(dtype.scalarTypeName) instead.")
            }
            throw TensorError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got \(dtype.scalarTypeName)")
        }
        if p.isInfinite, elementCount == 0 {
            // ATen's check: max/min of magnitudes have no identity for an empty reduction.
            let order = p > 0 ? "inf" : "-inf"
            guard let dims, !dims.isEmpty else {
                throw TensorError("linalg.vector_norm cannot compute the \(order) norm on an empty tensor because the operation does not have an identity")
            }
            for dim in dims {
                // An empty tensor has rank ≥ 1, so the wrapped dim indexes `shape`.
                guard shape[try wrapDimension(dim)] != 0 else {
                    throw TensorError("linalg.vector_norm cannot compute the \(order) norm on the dimension \(dim)because this dimension is empty and the operation does not have an identity")
                }
            }
        }
        let magnitude = try abs()
        if p == .infinity { return try magnitude.amax(dims: dims ?? [], keepDim: keepDim) }
        if p == -.infinity { return try magnitude.amin(dims: dims ?? [], keepDim: keepDim) }
        if p == 0 { return try magnitude.to(.bool).to(dtype).sum(dims: dims, keepDim: keepDim) }
        if p == 1 { return try magnitude.sum(dims: dims, keepDim: keepDim) }
        let powered = try Tensor.pow(.tensor(magnitude.to(.float64)), .scalar(.double(p)))
        let total = try powered.sum(dims: dims, keepDim: keepDim)
        return try Tensor.pow(.tensor(total), .scalar(.double(1 / p))).to(dtype)
    }

    private func truthReduction(dims: [Int]?, keepDim: Bool, every: Bool) throws -> Tensor {
        if let dims, dims.isEmpty {
            return dtype == .uint8 ? try to(.bool).to(.uint8) : try to(.bool).clone()
        }
        let layout = try ReductionRows(try to(.bool), dims: dims, keepDim: keepDim)
        var values = [Bool](repeating: every, count: layout.outer)
        for r in 0..<layout.outer {
            let row = layout.row(r, as: Bool.self)
            for i in 0..<layout.inner where row[i] != every {
                values[r] = !every
                break
            }
        }
        let result = try Tensor(shape: layout.resultShape, scalars: values)
        return dtype == .uint8 ? try result.to(.uint8) : result
    }
}

extension Tensor {
    /// `torch.hash_tensor` (mode 0): the XOR of the elements' bit patterns as uint64 over `dims` (all when nil):
    /// floating elements widened to float64 first, integers and bools converted to uint64 (negative values in
    /// two's complement). Returns uint64; the XOR of nothing is 0.
    public func xorHash(dims: [Int]?, keepDim: Bool) throws -> Tensor {
        if rank == 0 { return try reshape([1]).xorHash(dims: dims.map { _ in [0] }, keepDim: false) }
        let reduced = try Set((dims ?? Array(0..<rank)).map { try wrapDimension($0) })
        let kept = (0..<rank).filter { !reduced.contains($0) }
        let ordered = try permute(kept + reduced.sorted())
        let bits: [UInt64] = dtype.isFloatingPoint
            ? try ordered.to(.float64).scalars(as: Double.self).map(\.bitPattern)
            : try ordered.to(.int64).scalars(as: Int64.self).map { UInt64(bitPattern: $0) }
        let groups = kept.map { shape[$0] }.reduce(1, *)
        let width = reduced.map { shape[$0] }.reduce(1, *)
        let hashes = (0..<groups).map { g in bits[(g * width)..<((g + 1) * width)].reduce(0, ^) }
        let resultShape = keepDim ? (0..<rank).map { reduced.contains($0) ? 1 : shape[$0] } : kept.map { shape[$0] }
        return try Tensor(shape: resultShape, scalars: hashes)
    }
}
