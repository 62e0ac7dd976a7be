import FlintTensor

/// Cholesky (LAPACK `potrf`, `potrs`, `potri`) of batches of symmetric positive-definite float32 / float64
/// matrices. `upper` picks the triangle read and returned: A = L·Lᵀ from the lower one, A = Uᵀ·U from the upper.
extension Tensor {
    /// `torch.linalg.cholesky_ex`: the factor (the other triangle zero) and info `[*]` int32 (k > 0: the leading
    /// minor of order k is not positive-definite).
    public func linalgCholeskyEx(upper: Bool = false, checkErrors: Bool = false, name: String = "linalg.cholesky_ex") throws -> (l: Tensor, info: Tensor) {
        try LinalgCheck.square(self, "linalg.cholesky")
        try LinalgCheck.floating(self, "linalg.cholesky")
        let (factor, infos) = try runLapack(CholeskyFactor(input: self, upper: upper), on: dtype, name: name, kernel: "cholesky_cpu")
        if checkErrors { try LinalgCheck.infos(infos, name, batched: rank > 2) }
        return (factor, try Tensor(shape: Array(shape.dropLast(2)), scalars: infos))
    }

    /// `torch.linalg.cholesky`: `linalgCholeskyEx` that throws when the matrix is not positive-definite.
    public func linalgCholesky(upper: Bool = false) throws -> Tensor {
        try linalgCholeskyEx(upper: upper, checkErrors: true, name: "linalg.cholesky").l
    }

    /// `torch.cholesky_solve(B, factor)`: X with A·X = B for the A whose Cholesky factor is `factor`; batch
    /// dimensions broadcast. `self` is B.
    public func choleskySolve(_ factor: Tensor, upper: Bool = false) throws -> Tensor {
        let name = "cholesky_solve"
        guard rank >= 2 else { throw TensorError("b should have at least 2 dimensions, but has \(rank) dimensions instead") }
        guard factor.rank >= 2 else { throw TensorError("u should have at least 2 dimensions, but has \(factor.rank) dimensions instead") }
        try LinalgCheck.linearSolve(self, factor, name)
        return try runLapack(CholeskySolve(factor: factor, rhs: self, upper: upper), on: dtype, name: name, kernel: "cholesky_solve_cpu")
    }

    /// `torch.cholesky_inverse(factor)`: A⁻¹ for the A whose Cholesky factor is `self`.
    public func choleskyInverse(upper: Bool = false) throws -> Tensor {
        try LinalgCheck.square(self, "cholesky_inverse")
        let (inverse, infos) = try runLapack(CholeskyInverse(factor: self, upper: upper), on: dtype, name: "cholesky_inverse", kernel: "cholesky_inverse_out_cpu")
        try LinalgCheck.infos(infos, "cholesky_inverse", batched: rank > 2)
        return inverse
    }
}

/// "U" or "L" as the Fortran character.
func uplo(upper: Bool) -> CChar { upper ? 85 : 76 }

private struct CholeskyFactor: LapackOperation {
    let input: Tensor
    let upper: Bool
    func run<T: LapackScalar>(_ type: T.Type) throws -> (Tensor, [Int32]) {
        var batch = try ColumnMajorBatch<T>(input)
        var infos = [Int32](repeating: 0, count: batch.count)
        let n = batch.rows
        batch.forEachMatrix { b, a in
            guard n > 0 else { return }
            infos[b] = T.potrf(uplo: uplo(upper: upper), n: Int32(n), a: a, lda: Int32(n))
            for j in 0..<n { for i in 0..<n where upper ? i > j : i < j { a[j * n + i] = 0 } }
        }
        return (try batch.tensor(), infos)
    }
}

private struct CholeskySolve: LapackOperation {
    let factor: Tensor
    let rhs: Tensor
    let upper: Bool
    func run<T: LapackScalar>(_ type: T.Type) throws -> Tensor {
        let n = factor.shape[factor.rank - 1]
        let batchShape = try Tensor.broadcastShape(Array(factor.shape.dropLast(2)), Array(rhs.shape.dropLast(2)))
        let factors = try ColumnMajorBatch<T>(factor.expand(batchShape + [n, n]))
        var x = try ColumnMajorBatch<T>(rhs.expand(batchShape + Array(rhs.shape.suffix(2))))
        guard n > 0 && x.columns > 0 else { return try x.tensor() }
        let (nrhs, ldb) = (Int32(x.columns), x.leadingDimension)
        factors.elements.withUnsafeBufferPointer { a in
            x.forEachMatrix { b, rhs in
                _ = T.potrs(uplo: uplo(upper: upper), n: Int32(n), nrhs: nrhs, a: a.baseAddress! + b * n * n, lda: Int32(n), b: rhs, ldb: ldb)
            }
        }
        return try x.tensor()
    }
}

private struct CholeskyInverse: LapackOperation {
    let factor: Tensor
    let upper: Bool
    func run<T: LapackScalar>(_ type: T.Type) throws -> (Tensor, [Int32]) {
        var batch = try ColumnMajorBatch<T>(factor)
        let n = batch.rows
        var infos = [Int32](repeating: 0, count: batch.count)
        batch.forEachMatrix { b, a in
            guard n > 0 else { return }
            infos[b] = T.potri(uplo: uplo(upper: upper), n: Int32(n), a: a, lda: Int32(n))
            // potri fills one triangle; the inverse is symmetric.
            for j in 0..<n { for i in 0..<j { if upper { a[i * n + j] = a[j * n + i] } else { a[j * n + i] = a[i * n + j] } } }
        }
        return (try batch.tensor(), infos)
    }
}
