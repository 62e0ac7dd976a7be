import FlintTensor

/// Functions of a matrix computed from its singular values or eigenvalues: the pseudo-inverse, the rank, the
/// condition number, and the spectral and nuclear norms, with ATen's tolerance rules.
extension Tensor {
    /// The cut-offs `linalg.pinv` and `linalg.matrix_rank` take: absolute `atol` and relative `rtol` (float64,
    /// broadcast over the batch). A singular value σ counts when σ > max(atol, rtol·σ_max).
    public struct SpectralTolerance {
        let absolute: Tensor
        let relative: Tensor

        /// ATen's `get_atol_rtol` for numbers: atol defaults to 0; rtol to 0 when atol > 0 is given, else to
        /// eps·max(m, n) of the input's dtype.
        public init(for input: Tensor, atol: Double?, rtol: Double?) throws {
            let atolValue = atol ?? 0
            let rtolValue = rtol ?? ((atol ?? 0) > 0 ? 0 : SpectralTolerance.defaultRelative(input))
            absolute = Tensor(scalar: atolValue)
            relative = Tensor(scalar: rtolValue)
        }

        /// ATen's `get_atol_rtol` for tensors: the same defaults, decided per element where atol is a tensor.
        public init(for input: Tensor, atol: Tensor?, rtol: Tensor?, function: String = "torch.linalg.pinv") throws {
            for (name, value) in [("atol", atol), ("rtol", rtol)] {
                if let value, value.dtype.isComplex {
                    throw TensorError("\(function): \(name) tensor of complex type is not supported. Got \(value.dtype.scalarTypeName)")
                }
            }
            absolute = try (atol ?? Tensor(scalar: 0.0)).to(.float64)
            if let rtol {
                relative = try rtol.to(.float64)
            } else {
                let fallback = Tensor(scalar: SpectralTolerance.defaultRelative(input))
                relative = try atol.map { try Tensor.where(Tensor.compare(Greater(), .tensor($0), .scalar(.int(0)), operation: "linalg.pinv"), .scalar(.double(0)), .tensor(fallback)) } ?? fallback
            }
        }

        /// Only a relative cut-off (`rcond`), as `pinverse` and the rcond overloads of `linalg.pinv` give.
        public init(relative rcond: Tensor) throws {
            absolute = Tensor(scalar: 0.0)
            relative = try rcond.to(.float64)
        }

        /// Only an absolute cut-off (`tol`), as the tol overloads of `linalg.matrix_rank` give.
        public init(absolute tol: Tensor) throws {
            absolute = try tol.to(.float64)
            relative = Tensor(scalar: 0.0)
        }

        /// eps·max(m, n) of the input's (real) dtype.
        static func defaultRelative(_ input: Tensor) -> Double {
            let eps: Double = switch input.dtype {
            case .float64: Double.ulpOfOne
            case .float16: 0.0009765625
            case .bfloat16: 0.0078125
            default: Double(Float.ulpOfOne)
            }
            // (A tensor of fewer than 2 dimensions is refused by the operation's own check.)
            guard input.rank >= 2 else { return eps }
            return eps * Double(Swift.max(input.shape[input.rank - 1], input.shape[input.rank - 2]))
        }

        /// max(atol, rtol·largest), `largest` `[*, 1]`, as `[*, 1]` float64.
        func threshold(largest: Tensor) throws -> Tensor {
            let scaled = try relative.unsqueeze(relative.rank).mul(largest.to(.float64))
            return try Tensor.binary(Maximum(), .tensor(absolute.unsqueeze(absolute.rank)), .tensor(scaled), operation: "linalg.pinv")
        }
    }

    /// `torch.linalg.pinv`: the Moore-Penrose pseudo-inverse from the SVD (or, `hermitian`, from the eigenvalues),
    /// singular values at or below the tolerance's threshold dropped.
    public func linalgPinv(tolerance: SpectralTolerance, hermitian: Bool = false) throws -> Tensor {
        guard rank >= 2, dtype == .float32 || dtype == .float64 else {
            throw TensorError("linalg.pinv(\(dtype.scalarTypeName){\(shape)}): expected a tensor with 2 or more dimensions of float, double, cfloat or cdouble types")
        }
        if elementCount == 0 {
            let (u, s, v) = try svd()
            return try v.mul(s.reciprocal().unsqueeze(s.rank - 1)).matmul(u.mT())
        }
        if hermitian {
            let (values, vectors) = try linalgEigh(name: "linalg.pinv")
            let magnitudes = try values.abs()
            let threshold = try tolerance.threshold(largest: magnitudes.amax(dims: [magnitudes.rank - 1], keepDim: true))
            let kept = try Tensor.compare(Greater(), .tensor(magnitudes), .tensor(threshold), operation: "linalg.pinv")
            let inverted = try Tensor.where(kept, .tensor(values.reciprocal()), .scalar(.double(0))).to(dtype)
            return try vectors.mul(inverted.unsqueeze(inverted.rank - 1)).matmul(vectors.mT())
        }
        let (u, s, vh) = try linalgSVD(fullMatrices: false, name: "linalg.pinv")
        let threshold = try tolerance.threshold(largest: s.narrow(dim: s.rank - 1, start: 0, length: 1))
        let kept = try Tensor.compare(Greater(), .tensor(s), .tensor(threshold), operation: "linalg.pinv")
        let inverted = try Tensor.where(kept, .tensor(s.reciprocal()), .scalar(.double(0))).to(dtype)
        return try vh.mT().mul(inverted.unsqueeze(inverted.rank - 1)).matmul(u.mT())
    }

    /// `torch.linalg.matrix_rank`: the number of singular values (absolute eigenvalues, `hermitian`) above the
    /// tolerance's threshold, int64 `[*]`.
    public func linalgMatrixRank(tolerance: SpectralTolerance, hermitian: Bool = false) throws -> Tensor {
        try LinalgCheck.matrix(self, "torch.linalg.matrix_rank", argument: "input")
        guard dtype == .float32 || dtype == .float64 else { throw TensorError("This function doesn't handle types other than float and double") }
        let values = hermitian ? try linalgEigvalsh().abs() : try linalgSVDVals()
        if elementCount == 0 { return Tensor.zeros(Array(shape.dropLast(2)), dtype: .int64) }
        let threshold = try tolerance.threshold(largest: values.amax(dims: [values.rank - 1], keepDim: true))
        let kept = try Tensor.compare(Greater(), .tensor(values), .tensor(threshold), operation: "linalg.matrix_rank")
        return try kept.sum(dims: [kept.rank - 1], dtype: .int64)
    }

    /// The singular-value matrix norms of `linalg.matrix_norm` over the last two dimensions: ord 2 (largest),
    /// -2 (smallest) and "nuc" (their sum).
    public func singularValueNorm(_ order: SingularValueNorm) throws -> Tensor {
        try LinalgCheck.fullPrecision(dtype, "linalg.matrix_norm")
        let values = try linalgSVDVals()
        let last = values.rank - 1
        switch order {
        case .largest: return try values.amax(dims: [last])
        case .smallest: return try values.amin(dims: [last])
        case .nuclear: return try values.sum(dims: [last])
        }
    }

    /// A norm computed from singular values.
    public enum SingularValueNorm: Sendable { case largest, smallest, nuclear }

    /// `torch.linalg.matrix_sqrth`: the principal square root V·diag(√max(w, 0))·Vᵀ of symmetric matrices (read
    /// from the lower triangle), symmetrised; negative eigenvalues count as zero.
    public func linalgMatrixSqrth() throws -> Tensor {
        try LinalgCheck.square(self, "linalg.matrix_sqrth")
        try LinalgCheck.fullPrecision(dtype, "linalg.matrix_sqrth")
        let (values, vectors) = try linalgEigh()
        let roots = try values.clamp(min: .int(0), max: nil).sqrt()
        return try Tensor.symmetrised(vectors.mul(roots.unsqueeze(roots.rank - 1)).matmul(vectors.mT()))
    }

    /// `torch.linalg.polar`: U with orthonormal columns and symmetric positive semi-definite H with A = U·H, from
    /// the SVD A = W·diag(S)·Vh: U = W·Vh, H = Vhᵀ·diag(S)·Vh (symmetrised). Needs m ≥ n.
    public func linalgPolar() throws -> (u: Tensor, h: Tensor) {
        try LinalgCheck.matrix(self, "linalg.polar")
        try LinalgCheck.floating(self, "linalg.polar")
        let (m, n) = (shape[rank - 2], shape[rank - 1])
        guard m >= n else { throw TensorError("linalg.polar: input must have at least as many rows as columns, but got \(m) by \(n) matrices") }
        let (w, s, vh) = try linalgSVD(fullMatrices: false)
        let h = try vh.mT().mul(s.unsqueeze(s.rank - 1)).matmul(vh)
        return (try w.matmul(vh).contiguous(), try Tensor.symmetrised(h))
    }

    /// (X + Xᵀ) / 2 over the last two dimensions.
    static func symmetrised(_ x: Tensor) throws -> Tensor {
        let sum = try Tensor.add(.tensor(x), .tensor(x.mT()))
        return try Tensor.binary(Div(), .tensor(sum), .scalar(.int(2)), operation: "div").contiguous()
    }

    /// `torch.linalg.tensorinv`: the inverse of A read as a prod(shape[..<ind]) × prod(shape[ind...]) matrix,
    /// shaped shape[ind...] + shape[..<ind].
    public func linalgTensorInv(ind: Int = 2) throws -> Tensor {
        guard ind > 0 else { throw TensorError("Expected a strictly positive integer for 'ind', but got \(ind)") }
        let (front, back) = (Array(shape.prefix(ind)), Array(shape.dropFirst(Swift.min(ind, rank))))
        let (rows, columns) = (front.reduce(1, *), back.reduce(1, *))
        guard rows == columns else {
            throw TensorError("Expected self to satisfy the requirement prod(self.shape[ind:]) == prod(self.shape[:ind]), but got \(columns) != \(rows)")
        }
        return try reshape([rows, columns]).linalgInvEx(checkErrors: true, name: "inv").inverse.reshape(back + front)
    }

    /// `torch.linalg.tensorsolve(A, B)`: X with tensordot(A, X, X.ndim) = B; `dims` of A are moved last first.
    public func linalgTensorSolve(_ b: Tensor, dims: [Int]? = nil) throws -> Tensor {
        var a = self
        if let dims {
            let moved = try dims.map { try wrapDimension($0) }
            let kept = (0..<rank).filter { !moved.contains($0) }
            a = try permute(kept + moved)
        }
        let resultShape = Array(a.shape.dropFirst(Swift.min(b.rank, a.rank)))
        let (resultCount, rhsCount) = (resultShape.reduce(1, *), b.shape.reduce(1, *))
        guard resultCount == rhsCount else {
            throw TensorError("Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]), but got \(resultCount) != \(rhsCount)")
        }
        return try a.reshape([resultCount, resultCount]).linalgSolve(b.flatten()).reshape(resultShape)
    }
}
