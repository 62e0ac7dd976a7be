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
    /// Row-major strides of `shape`, in elements.
    static func rowMajorStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for d in stride(from: shape.count - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * shape[d + 1] }
        return strides
    }

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
        // rank and the singular values depend on A alone: ATen shapes them by A's own batch, not the broadcast one.
        let ownBatch = Array(a.shape.dropLast(2))
        let ownCount = ownBatch.reduce(1, *)
        func own<E: TensorElement>(_ values: [E], per width: Int) -> [E] {
            // The broadcast batch repeats each of A's matrices; its first ownCount·… entries in A's order are
            // found by walking A's batch through the broadcast one.
            let broadcastStrides = Self.rowMajorStrides(batchShape)
            var result: [E] = []
            result.reserveCapacity(ownCount * width)
            var index = [Int](repeating: 0, count: ownBatch.count)
            for _ in 0..<ownCount {
                var flat = 0
                for d in 0..<ownBatch.count { flat += index[d] * broadcastStrides[batchShape.count - ownBatch.count + d] }
                result.append(contentsOf: values[(flat * width)..<((flat + 1) * width)])
                for d in stride(from: ownBatch.count - 1, through: 0, by: -1) {
                    index[d] += 1
                    if index[d] < ownBatch[d] { break }
                    index[d] = 0
                }
            }
            return result
        }
        let rankTensor = driver == "gels" ? Tensor.zeros([0], dtype: .int64) : try Tensor(shape: ownBatch, scalars: own(ranks, per: 1))
        let values = driver == "gelsd" || driver == "gelss" ? try Tensor(shape: ownBatch + [k], scalars: own(singular, per: k)) : Tensor.zeros([0], dtype: T.dtype)
        return (solution, residuals, rankTensor, values)
    }
}
