import FlintTensor

/// Symmetric indefinite LDLᵀ with Bunch-Kaufman pivoting (LAPACK `sytrf`, `sytrs`) of batches of float32 /
/// float64 matrices, read from the lower triangle.
extension Tensor {
    /// `torch.linalg.ldl_factor_ex`: LD (L below the diagonal, D's 1x1 and 2x2 blocks on and next to it, zeros
    /// above), the pivots `[*, n]` int32 in LAPACK's format (negative pairs mark 2x2 blocks) and info `[*]` int32
    /// (k > 0: D[k, k] is exactly zero). `hermitian` only matters for complex input.
    public func linalgLDLFactorEx(hermitian: Bool = false, checkErrors: Bool = false, name: String = "torch.linalg.ldl_factor_ex") throws -> (ld: Tensor, pivots: Tensor, info: Tensor) {
        try LinalgCheck.square(self, name)
        try LinalgCheck.floating(self, name)
        let (ld, pivots, infos) = try runLapack(LDLFactor(input: self), on: dtype, name: name, kernel: "ldl_factor_kernel_cpu")
        if checkErrors { try LinalgCheck.infos(infos, name, batched: rank > 2) }
        return (ld, pivots, try Tensor(shape: Array(shape.dropLast(2)), scalars: infos))
    }

    /// `torch.linalg.ldl_solve(LD, pivots, B)`: X with A·X = B for the A `linalgLDLFactorEx` factored; batch
    /// dimensions broadcast. `self` is LD.
    public func linalgLDLSolve(pivots: Tensor, _ b: Tensor, hermitian: Bool = false) throws -> Tensor {
        let name = "torch.linalg.ldl_solve"
        try LinalgCheck.square(self, name)
        try LinalgCheck.floating(self, name)
        guard b.rank >= 2 else { throw TensorError("Dimension out of range (expected to be in range of [-1, 0], but got -2)") }
        try LinalgCheck.linearSolve(b, self, name)
        guard pivots.shape == Array(shape.dropLast()) else {
            throw TensorError("\(name): Expected LD.shape[:-1] and pivots.shape to be the same, but got pivots with shape \(pivots.shape) instead")
        }
        guard pivots.dtype.isIntegral else { throw TensorError("\(name): Expected pivots to be integers. Got \(pivots.dtype.scalarTypeName)") }
        try Self.checkLDLPivots(pivots.to(.int64).contiguous().scalars(as: Int64.self), size: shape[rank - 1])
        return try runLapack(LDLSolve(ld: self, pivots: pivots.to(.int32), rhs: b), on: dtype, name: name, kernel: "ldl_factor_kernel_cpu")
    }
}

extension Tensor {
    /// `sytrf`'s pivot format, checked before `sytrs` reads rows by it: each |pivot| within 1...n, and a negative one
    /// (a 2x2 block) paired with the same value in the next row.
    fileprivate static func checkLDLPivots(_ pivots: [Int64], size n: Int) throws {
        guard n > 0 else { return }
        for start in stride(from: 0, to: pivots.count, by: n) {
            var k = 0
            while k < n {
                let p = pivots[start + k]
                guard p != 0, p != Int64.min, Swift.abs(p) >= 1 else {
                    throw TensorError("Pivots given to ldl_solve must all satisfy |pivot| >= 1. Did you properly pass the result of ldl_factor?")
                }
                guard Swift.abs(p) <= Int64(n) else {
                    throw TensorError("Pivots given to ldl_solve must all satisfy |pivot| <= LD.size(-2). Did you properly pass the result of ldl_factor?")
                }
                if p < 0 {
                    guard k + 1 < n, pivots[start + k + 1] == p else {
                        throw TensorError("Pivots given to ldl_solve must pair each negative pivot (a 2x2 block) with the same value in the next row. Did you properly pass the result of ldl_factor?")
                    }
                    k += 2
                } else {
                    k += 1
                }
            }
        }
    }
}

private struct LDLFactor: LapackOperation {
    let input: Tensor
    func run<T: LapackScalar>(_ type: T.Type) throws -> (Tensor, Tensor, [Int32]) {
        var batch = try ColumnMajorBatch<T>(input)
        let n = batch.rows
        var pivots = [Int32](repeating: 0, count: batch.count * n)
        var infos = [Int32](repeating: 0, count: batch.count)
        if n > 0 {
            pivots.withUnsafeMutableBufferPointer { ipiv in
                batch.forEachMatrix { b, a in
                    infos[b] = T.sytrf(uplo: 76, n: Int32(n), a: a, lda: Int32(n), ipiv: ipiv.baseAddress! + b * n)
                    for j in 0..<n { for i in 0..<j { a[j * n + i] = 0 } }
                }
            }
        }
        return (try batch.tensor(), try Tensor(shape: batch.batchShape + [n], scalars: pivots), infos)
    }
}

private struct LDLSolve: LapackOperation {
    let ld: Tensor
    let pivots: Tensor
    let rhs: Tensor
    func run<T: LapackScalar>(_ type: T.Type) throws -> Tensor {
        let n = ld.shape[ld.rank - 1]
        let batchShape = try Tensor.broadcastShape(Array(ld.shape.dropLast(2)), Array(rhs.shape.dropLast(2)))
        let factors = try ColumnMajorBatch<T>(ld.expand(batchShape + [n, n]))
        let swaps = try pivots.expand(batchShape + [n]).contiguous().scalars(as: Int32.self)
        var x = try ColumnMajorBatch<T>(rhs.expand(batchShape + Array(rhs.shape.suffix(2))))
        guard n > 0 && x.columns > 0 else { return try x.tensor() }
        let (nrhs, ldb) = (Int32(x.columns), x.leadingDimension)
        factors.elements.withUnsafeBufferPointer { a in
            swaps.withUnsafeBufferPointer { ipiv in
                x.forEachMatrix { b, matrix in
                    _ = T.sytrs(uplo: 76, n: Int32(n), nrhs: nrhs, a: a.baseAddress! + b * n * n, lda: Int32(n), ipiv: ipiv.baseAddress! + b * n, b: matrix, ldb: ldb)
                }
            }
        }
        return try x.tensor()
    }
}
