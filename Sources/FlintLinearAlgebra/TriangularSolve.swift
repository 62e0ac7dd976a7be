import FlintTensor

/// Triangular systems (BLAS `trsm`): no factorisation, A's other triangle is never read. A zero on the
/// diagonal gives infinities or NaNs, as in ATen.
extension Tensor {
    /// `torch.linalg.solve_triangular(A, B)`: X with A·X = B (`left`) or X·A = B, A upper or lower triangular,
    /// its diagonal taken as ones when `unitriangular`; batch dimensions broadcast. `self` is A.
    public func linalgSolveTriangular(_ b: Tensor, upper: Bool, left: Bool = true, unitriangular: Bool = false) throws -> Tensor {
        let name = "linalg.solve_triangular"
        try LinalgCheck.square(self, name)
        try LinalgCheck.solverShapes(self, b, left: left, name)
        // No dtype check: B is solved in A's dtype.
        return try runLapack(TriangularSolve(a: self, b: b.to(dtype), upper: upper, left: left, transpose: false, unitriangular: unitriangular),
                             on: dtype, name: name, kernel: "triangular_solve_cpu")
    }

    /// `torch.triangular_solve(B, A)`: X with op(A)·X = B (op transposes when `transpose`), and A broadcast to the
    /// batch (the "cloned coefficient"). `self` is B.
    public func triangularSolve(_ a: Tensor, upper: Bool = true, transpose: Bool = false, unitriangular: Bool = false) throws -> (solution: Tensor, clonedCoefficient: Tensor) {
        guard rank >= 2 else { throw TensorError("torch.triangular_solve: Expected b to have at least 2 dimensions, but it has \(rank) dimensions instead") }
        guard a.rank >= 2 else { throw TensorError("torch.triangular_solve: Expected A to have at least 2 dimensions, but it has \(a.rank) dimensions instead") }
        try LinalgCheck.linearSolve(self, a, "triangular_solve")
        let n = a.shape[a.rank - 1]
        let batchShape = try Tensor.broadcastShape(Array(shape.dropLast(2)), Array(a.shape.dropLast(2)))
        let solution = try runLapack(TriangularSolve(a: a, b: self, upper: upper, left: true, transpose: transpose, unitriangular: unitriangular),
                                     on: dtype, name: "triangular_solve", kernel: "triangular_solve_cpu")
        return (solution, try a.expand(batchShape + [n, n]).contiguous())
    }
}

private struct TriangularSolve: LapackOperation {
    let a: Tensor
    let b: Tensor
    let upper: Bool
    let left: Bool
    let transpose: Bool
    let unitriangular: Bool
    func run<T: LapackScalar>(_ type: T.Type) throws -> Tensor {
        let n = a.shape[a.rank - 1]
        let batchShape = try Tensor.broadcastShape(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2)))
        let coefficients = try ColumnMajorBatch<T>(a.expand(batchShape + [n, n]))
        var x = try ColumnMajorBatch<T>(b.expand(batchShape + Array(b.shape.suffix(2))))
        guard x.rows > 0 && x.columns > 0 else { return try x.tensor() }
        let (m, columns, ldb) = (Int32(x.rows), Int32(x.columns), x.leadingDimension)
        coefficients.elements.withUnsafeBufferPointer { matrices in
            x.forEachMatrix { index, rhs in
                T.trsm(side: left ? 76 : 82, uplo: uplo(upper: upper), transa: transpose ? 84 : 78, diag: unitriangular ? 85 : 78,
                       m: m, n: columns, alpha: 1, a: matrices.baseAddress! + index * n * n, lda: Int32(Swift.max(1, n)), b: rhs, ldb: ldb)
            }
        }
        return try x.tensor()
    }
}
