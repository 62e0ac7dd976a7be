import FlintTensor

/// LU with partial pivoting (LAPACK `getrf`, `getrs`) and what is computed from it: solving, inverting,
/// determinants. Every function takes a batch `[*, m, n]` of float32 or float64 matrices.
extension Tensor {
    /// `torch.linalg.lu_factor_ex`: LU `[*, m, n]` (L below the diagonal with an implicit unit diagonal, U on and
    /// above), pivots `[*, min(m, n)]` int32 (1-based rows swapped, in order) and info `[*]` int32 (k > 0: U[k, k]
    /// is zero). Only pivoted LU exists on the CPU.
    public func linalgLUFactorEx(pivot: Bool = true, checkErrors: Bool = false, name: String = "torch.linalg.lu_factor_ex") throws -> (lu: Tensor, pivots: Tensor, info: Tensor) {
        guard rank >= 2 else {
            throw TensorError("\(name == "linalg.lu" ? "linalg.lu" : "torch.lu_factor"): Expected tensor with 2 or more dimensions. Got size: \(shape) instead")
        }
        try LinalgCheck.floating(self, name)
        guard pivot else { throw TensorError("linalg.lu_factor: LU without pivoting is not implemented on the CPU") }
        let (lu, pivots, infos) = try runLapack(LUFactor(input: self), on: dtype, name: name, kernel: "lu_cpu")
        if checkErrors { try LinalgCheck.infos(infos, name, batched: rank > 2) }
        return (lu, pivots, try Tensor(shape: Array(shape.dropLast(2)), scalars: infos))
    }

    /// `torch.linalg.lu_solve`: X with A·X = B (`left`) or X·A = B, A (or its transpose, `adjoint`) given by
    /// `linalgLUFactorEx`'s LU and pivots; batch dimensions broadcast.
    public func linalgLUSolve(pivots: Tensor, _ b: Tensor, left: Bool = true, adjoint: Bool = false) throws -> Tensor {
        let name = "linalg.lu_solve"
        try LinalgCheck.floating(self, "torch.linalg.lu_solve")
        try LinalgCheck.sameDType(self, b, name, first: "LU", second: "B")
        guard pivots.dtype == .int32 else { throw TensorError("\(name): pivots should be a Tensor of scalar type torch.int32") }
        try LinalgCheck.square(self, "torch.linalg.lu_solve")
        try LinalgCheck.solverShapes(self, b, left: left, name)
        guard pivots.shape.last == shape[rank - 1] else {
            throw TensorError("\(name): Number of pivots per batch should be same as the dimension of the matrix")
        }
        guard pivots.shape == Array(shape.dropLast()) else {
            throw TensorError("\(name): Expected LU.shape[:-1] and pivots.shape to be the same, but got pivots with shape \(pivots.shape) instead")
        }
        let n = shape[rank - 1]
        let swaps = try pivots.contiguous().scalars(as: Int32.self)
        if swaps.contains(where: { $0 < 1 }) { throw TensorError("Pivots given to lu_solve must all be greater or equal to 1. Did you properly pass the result of lu_factor?") }
        if swaps.contains(where: { $0 > Int32(n) }) { throw TensorError("Pivots given to lu_solve must all be smaller or equal to LU.size(-2). Did you properly pass the result of lu_factor?") }
        let rhs = left ? b : try b.mT()
        let x = try runLapack(LUSolve(lu: self, pivots: pivots, rhs: rhs, transpose: adjoint == left), on: dtype, name: name, kernel: "lu_cpu")
        return left ? x : try x.mT().contiguous()
    }

    /// `torch.linalg.lu`: P `[*, m, m]`, L `[*, m, k]` (unit lower) and U `[*, k, n]` with A = P·L·U, k = min(m, n).
    public func linalgLU(pivot: Bool = true) throws -> (p: Tensor, l: Tensor, u: Tensor) {
        let (lu, pivots, _) = try linalgLUFactorEx(pivot: pivot, name: "linalg.lu")
        return try Tensor.luUnpack(lu, pivots)
    }

    /// `torch.lu_unpack`: P, L and U from `linalgLUFactorEx`'s LU and pivots; a part not asked for is an empty
    /// tensor.
    public static func luUnpack(_ lu: Tensor, _ pivots: Tensor, unpackData: Bool = true, unpackPivots: Bool = true) throws -> (p: Tensor, l: Tensor, u: Tensor) {
        guard lu.rank >= 2 else { throw TensorError("torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: \(lu.shape) instead") }
        let (m, n) = (lu.shape[lu.rank - 2], lu.shape[lu.rank - 1])
        let k = Swift.min(m, n)
        if unpackPivots {
            guard pivots.dtype == .int32 else {
                throw TensorError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.\nNote: this function is intended to be used with the output produced by torch.linalg.lu_factor")
            }
            let expected = Array(lu.shape.dropLast(2)) + [k]
            guard pivots.shape == expected else { throw TensorError("Expected LU_pivots to have shape \(expected) but got \(pivots.shape) instead.") }
        }
        var (l, u) = (Tensor.zeros([0], dtype: lu.dtype), Tensor.zeros([0], dtype: lu.dtype))
        if unpackData {
            l = try Tensor.add(.tensor(lu.narrow(dim: lu.rank - 1, start: 0, length: k).triangle(upper: false, diagonal: -1)), .tensor(Tensor.eye(m, k, dtype: lu.dtype)))
            u = try lu.narrow(dim: lu.rank - 2, start: 0, length: k).triangle(upper: true, diagonal: 0)
        }
        var p = Tensor.zeros([0], dtype: lu.dtype)
        if unpackPivots {
            let batch = Array(pivots.shape.dropLast())
            let swaps = try pivots.contiguous().scalars(as: Int32.self)
            let steps = pivots.shape.last ?? 0
            let count = batch.reduce(1, *)
            var matrices = [Double](repeating: 0, count: count * m * m)
            for b in 0..<count {
                var permutation = Array(0..<m)
                for i in 0..<steps {
                    let j = Int(swaps[b * steps + i]) - 1
                    guard j >= 0 && j < m else {
                        throw TensorError("pivots passed to lu_unpack must be between 1 and LU.size(-2) inclusive.Did you properly pass the result of lu_factor?")
                    }
                    permutation.swapAt(i, j)
                }
                // P·L·U = A: row permutation[i] of A is row i of L·U, so P[permutation[i], i] = 1.
                for i in 0..<m { matrices[(b * m + permutation[i]) * m + i] = 1 }
            }
            p = try Tensor(shape: batch + [m, m], scalars: matrices).to(lu.dtype)
        }
        return (p, l, u)
    }

    /// `torch.linalg.solve_ex`: X with A·X = B (`left`) or X·A = B, and info (k > 0: A is singular). B is a
    /// batch of vectors when it is 1-D or has A's shape without its last dimension; batch dimensions broadcast.
    public func linalgSolveEx(_ b: Tensor, left: Bool = true, checkErrors: Bool = false, name: String = "torch.linalg.solve_ex") throws -> (result: Tensor, info: Tensor) {
        let checks = "linalg.solve"
        try LinalgCheck.floating(self, checks)
        try LinalgCheck.sameDType(self, b, checks)
        let vectorCase = b.rank == 1 || (rank - 1 == b.rank && b.shape == Array(shape.dropLast()))
        let rhs = vectorCase ? try b.unsqueeze(b.rank) : b
        try LinalgCheck.square(self, checks)
        try LinalgCheck.solverShapes(self, rhs, left: left, checks)
        if vectorCase && !left {
            throw TensorError("linalg.solve: Vector broadcasting of the left hand side is not supported for left=False. In this case linalg.solve is equivalent to B / A.squeeze(-1)")
        }
        let (lu, pivots, info) = try linalgLUFactorEx(name: name)
        if checkErrors { try LinalgCheck.infos(info.scalars(as: Int32.self), name, batched: rank > 2) }
        let x = try lu.linalgLUSolve(pivots: pivots, rhs, left: left)
        return (vectorCase ? try x.squeeze(x.rank - 1) : x, info)
    }

    /// `torch.linalg.solve`: `linalgSolveEx` that throws for a singular A.
    public func linalgSolve(_ b: Tensor, left: Bool = true) throws -> Tensor {
        try linalgSolveEx(b, left: left, checkErrors: true, name: "torch.linalg.solve").result
    }

    /// `torch.linalg.inv_ex`: the inverse and info (k > 0: U[k, k] of A's LU is zero).
    public func linalgInvEx(checkErrors: Bool = false, name: String = "linalg.inv_ex") throws -> (inverse: Tensor, info: Tensor) {
        try LinalgCheck.square(self, "linalg.inv")
        try LinalgCheck.fullPrecision(dtype, "linalg.inv")
        if elementCount == 0 { return (Tensor.zeros(shape, dtype: dtype), Tensor.zeros(Array(shape.dropLast(2)), dtype: .int32)) }
        let n = shape[rank - 1]
        let identity = try Tensor.eye(n, dtype: dtype).expand(shape)
        let (lu, pivots, info) = try linalgLUFactorEx(name: name)
        if checkErrors { try LinalgCheck.infos(info.scalars(as: Int32.self), name, batched: rank > 2) }
        return (try lu.linalgLUSolve(pivots: pivots, identity), info)
    }

    /// `torch.linalg.inv`: `linalgInvEx` that throws for a singular matrix.
    public func linalgInv() throws -> Tensor { try linalgInvEx(checkErrors: true, name: "linalg.inv").inverse }

    /// `torch.linalg.slogdet`: the sign (±1, 0 when singular) and the log of the absolute value of the
    /// determinant, from the LU's diagonal and the pivots' parity.
    public func linalgSlogdet(name: String = "linalg.slogdet") throws -> (sign: Tensor, logAbsDet: Tensor) {
        try LinalgCheck.square(self, name)
        return try runLapack(Determinant(input: self, logarithmic: true), on: dtype, name: name)
    }

    /// `torch.linalg.det`: the product of the LU's diagonal, negated for an odd number of row swaps.
    public func linalgDet(name: String = "linalg.det") throws -> Tensor {
        try LinalgCheck.square(self, name)
        try LinalgCheck.floating(self, name)
        return try runLapack(Determinant(input: self, logarithmic: false), on: dtype, name: name, kernel: "lu_cpu").sign
    }

    /// `torch.logdet`: log(det A): NaN for a negative determinant, -inf for a zero one.
    public func logdet() throws -> Tensor {
        let (sign, logAbs) = try linalgSlogdet(name: "logdet")
        let negative = try Tensor.compare(Equal(), .tensor(sign), .scalar(.int(-1)), operation: "logdet")
        return try Tensor.where(negative, .scalar(.double(.nan)), .tensor(logAbs))
    }

    /// The last two dimensions swapped.
    func mT() throws -> Tensor { try transpose(rank - 2, rank - 1) }
}

/// `getrf` on each matrix.
private struct LUFactor: LapackOperation {
    let input: Tensor
    func run<T: LapackScalar>(_ type: T.Type) throws -> (Tensor, Tensor, [Int32]) {
        var batch = try ColumnMajorBatch<T>(input)
        let k = Swift.min(batch.rows, batch.columns)
        var pivots = [Int32](repeating: 0, count: batch.count * k)
        var infos = [Int32](repeating: 0, count: batch.count)
        let (m, n, lda) = (Int32(batch.rows), Int32(batch.columns), batch.leadingDimension)
        pivots.withUnsafeMutableBufferPointer { pivotBuffer in
            batch.forEachMatrix { b, a in
                if k > 0 { infos[b] = T.getrf(m: m, n: n, a: a, lda: lda, ipiv: pivotBuffer.baseAddress! + b * k) }
            }
        }
        return (try batch.tensor(), try Tensor(shape: batch.batchShape + [k], scalars: pivots), infos)
    }
}

/// `getrs` on each right-hand side batch, the factorisation broadcast against it.
private struct LUSolve: LapackOperation {
    let lu: Tensor
    let pivots: Tensor
    let rhs: Tensor
    let transpose: Bool
    func run<T: LapackScalar>(_ type: T.Type) throws -> Tensor {
        let n = lu.shape[lu.rank - 1]
        let batchShape = try Tensor.broadcastShape(Array(lu.shape.dropLast(2)), Array(rhs.shape.dropLast(2)))
        let factors = try ColumnMajorBatch<T>(lu.expand(batchShape + [n, n]))
        let swaps = try pivots.expand(batchShape + [n]).contiguous().scalars(as: Int32.self)
        var x = try ColumnMajorBatch<T>(rhs.expand(batchShape + Array(rhs.shape.suffix(2))))
        let (nrhs, ldb) = (Int32(x.columns), x.leadingDimension)
        guard n > 0 && x.columns > 0 else { return try x.tensor() }
        factors.elements.withUnsafeBufferPointer { a in
            swaps.withUnsafeBufferPointer { ipiv in
                x.forEachMatrix { b, rhs in
                    _ = T.getrs(trans: transpose ? 84 : 78, n: Int32(n), nrhs: nrhs, a: a.baseAddress! + b * n * n, lda: Int32(n),
                                ipiv: ipiv.baseAddress! + b * n, b: rhs, ldb: ldb)
                }
            }
        }
        return try x.tensor()
    }
}

/// The determinant (or its sign and log-magnitude) of each matrix from its LU.
private struct Determinant: LapackOperation {
    let input: Tensor
    let logarithmic: Bool
    func run<T: LapackScalar>(_ type: T.Type) throws -> (sign: Tensor, logAbsDet: Tensor) {
        var batch = try ColumnMajorBatch<T>(input)
        let n = batch.rows
        var (signs, logs) = ([T](repeating: 1, count: batch.count), [T](repeating: 0, count: batch.count))
        var pivots = [Int32](repeating: 0, count: Swift.max(n, 1))
        batch.forEachMatrix { b, a in
            guard n > 0 else { return }
            _ = T.getrf(m: Int32(n), n: Int32(n), a: a, lda: Int32(n), ipiv: &pivots)
            var (product, sign, logMagnitude) = (T(1), T(1), T(0))
            for i in 0..<n {
                let d = a[i * n + i]
                product *= d
                if pivots[i] != Int32(i + 1) { product = -product; sign = -sign }
                sign *= d > 0 ? 1 : (d < 0 ? -1 : 0)
                logMagnitude += T.log(Swift.abs(d))
            }
            if logarithmic { (signs[b], logs[b]) = (sign, logMagnitude) } else { signs[b] = product }
        }
        return (try Tensor(shape: batch.batchShape, scalars: signs), try Tensor(shape: batch.batchShape, scalars: logs))
    }
}
