import FlintTensor

/// Least squares (LAPACK `gels`, `gelsy`, `gelsd`, `gelss`) for batches of float32 / float64 matrices.
extension Tensor {
    /// `torch.linalg.lstsq(A, B)`: X minimising ‖A·X − B‖ (the minimum-norm one for rank-deficient or wide A), with
    /// what the driver also gives: residuals `[*, k]` (the squared residual norms, when m > n, the driver is not
    /// gelsy and every matrix has rank n; else empty), rank `[*]` int64 (not for gels: empty), and the singular
    /// values (gelsd and gelss; else empty). `rcond` (default eps·max(m, n)) sets the rank cut-off; the default
    /// driver is gelsy. B is a batch of vectors when it is 1-D or has A's shape without its last dimension.
    public func linalgLstsq(_ b: Tensor, rcond: Double? = nil, driver: String? = nil) throws -> (solution: Tensor, residuals: Tensor, rank: Tensor, singularValues: Tensor) {
        let name = "torch.linalg.lstsq"
        guard rank >= 2 else { throw TensorError("\(name): input must have at least 2 dimensions.") }
        guard b.rank >= 1 else { throw TensorError("\(name): other must have at least 1 dimension.") }
        guard dtype == b.dtype else {
            throw TensorError("\(name): Expected input and other to have the same dtype, but got input's dtype \(dtype.scalarTypeName) and other's dtype \(b.dtype.scalarTypeName)")
        }
        guard rank >= b.rank && rank - b.rank <= 1 else {
            throw TensorError("\(name): input.dim() must be greater or equal to other.dim() and (input.dim() - other.dim()) <= 1")
        }
        let driver = driver ?? "gelsy"
        guard ["gels", "gelsy", "gelsd", "gelss"].contains(driver) else {
            throw TensorError("\(name): parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
        }
        let vectorCase = rank - b.rank == 1
        let rhs = vectorCase ? try b.unsqueeze(b.rank) : b
        guard rhs.shape[rhs.rank - 2] == shape[rank - 2] else {
            throw TensorError("\(name): input.size(-2) should match other.size(\(vectorCase ? -1 : -2))")
        }
        guard dtype == .float32 || dtype == .float64 else { throw TensorError("This function doesn't handle types other than float and double") }
        let result = try runLapack(LeastSquaresSolve(a: self, b: rhs, rcond: rcond, driver: driver), on: dtype, name: name)
        return (vectorCase ? try result.solution.squeeze(result.solution.rank - 1) : result.solution, result.residuals, result.rank, result.singularValues)
    }
}

private struct LeastSquaresSolve: LapackOperation {
    let a: Tensor
    let b: Tensor
    let rcond: Double?
    let driver: String
    func run<T: LapackScalar>(_ type: T.Type) throws -> (solution: Tensor, residuals: Tensor, rank: Tensor, singularValues: Tensor) {
        let (m, n) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let batchShape = try Tensor.broadcastShape(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2)))
        var matrices = try ColumnMajorBatch<T>(a.expand(batchShape + [m, n]))
        let given = try ColumnMajorBatch<T>(b.expand(batchShape + Array(b.shape.suffix(2))))
        let (nrhs, rows, k) = (given.columns, Swift.max(m, n), Swift.min(m, n))
        // LAPACK overwrites B (max(m, n) rows) with X in its first n rows and, for m > n, the residuals below.
        var x = ColumnMajorBatch<T>(batchShape: batchShape, rows: rows, columns: nrhs)
        for index in 0..<x.count { for j in 0..<nrhs { for i in 0..<m { x[index, i, j] = given[index, i, j] } } }
        let cutoff = T(rcond ?? (Double(T.ulpOfOne) * Double(rows)))
        var ranks = [Int64](repeating: 0, count: matrices.count)
        var singular = [T](repeating: 0, count: matrices.count * k)
        var infos = [Int32](repeating: 0, count: matrices.count)
        if m > 0 && n > 0 {
            let (xSize, ldb) = (x.matrixSize, Int32(Swift.max(1, rows)))
            x.elements.withUnsafeMutableBufferPointer { solutions in
                singular.withUnsafeMutableBufferPointer { values in
                    matrices.forEachMatrix { index, matrix in
                        let rhs = solutions.baseAddress! + index * xSize
                        var rank: Int32 = 0
                        switch driver {
                        case "gels":
                            infos[index] = T.gels(trans: 78, m: Int32(m), n: Int32(n), nrhs: Int32(nrhs), a: matrix, lda: Int32(m), b: rhs, ldb: ldb)
                        case "gelsy":
                            var pivots = [Int32](repeating: 0, count: n)
                            infos[index] = T.gelsy(m: Int32(m), n: Int32(n), nrhs: Int32(nrhs), a: matrix, lda: Int32(m), b: rhs, ldb: ldb, jpvt: &pivots, rcond: cutoff, rank: &rank)
                        case "gelsd":
                            infos[index] = T.gelsd(m: Int32(m), n: Int32(n), nrhs: Int32(nrhs), a: matrix, lda: Int32(m), b: rhs, ldb: ldb, s: values.baseAddress! + index * k, rcond: cutoff, rank: &rank)
                        default:
                            infos[index] = T.gelss(m: Int32(m), n: Int32(n), nrhs: Int32(nrhs), a: matrix, lda: Int32(m), b: rhs, ldb: ldb, s: values.baseAddress! + index * k, rcond: cutoff, rank: &rank)
                        }
                        ranks[index] = Int64(rank)
                    }
                }
            }
        }
        try LinalgCheck.infos(infos, "torch.linalg.lstsq", batched: !batchShape.isEmpty)
        let full = try x.tensor()
        let solution = try full.narrow(dim: full.rank - 2, start: 0, length: n).contiguous()
        var residuals = Tensor.zeros([0], dtype: T.dtype)
        if m > n && driver != "gelsy" && (driver == "gels" || ranks.allSatisfy { $0 == Int64(n) }) {
            let tail = try full.narrow(dim: full.rank - 2, start: n, length: m - n)
            residuals = try tail.mul(tail).sum(dims: [tail.rank - 2])
        }
        let rankTensor = driver == "gels" ? Tensor.zeros([0], dtype: .int64) : try Tensor(shape: batchShape, scalars: ranks)
        let values = driver == "gelsd" || driver == "gelss" ? try Tensor(shape: batchShape + [k], scalars: singular) : Tensor.zeros([0], dtype: T.dtype)
        return (solution, residuals, rankTensor, values)
    }
}
