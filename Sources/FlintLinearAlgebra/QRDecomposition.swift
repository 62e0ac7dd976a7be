import FlintTensor

/// Householder QR (LAPACK `geqrf`, `orgqr`, `ormqr`) of batches of float32 / float64 matrices.
extension Tensor {
    /// `torch.geqrf`: R on and above the diagonal with the Householder vectors below it, and their scales
    /// `tau` `[*, min(m, n)]`.
    public func geqrf() throws -> (a: Tensor, tau: Tensor) {
        guard rank >= 2 else { throw TensorError("torch.geqrf: input must have at least 2 dimensions.") }
        return try runLapack(HouseholderQR(input: self), on: dtype, name: "geqrf", kernel: "geqrf_cpu")
    }

    /// `torch.linalg.householder_product(A, tau)` (`orgqr`): the first n columns of H₁⋯H_k for the Householder
    /// vectors below A's diagonal, m ≥ n ≥ k.
    public func linalgHouseholderProduct(_ tau: Tensor) throws -> Tensor {
        let name = "torch.linalg.householder_product"
        guard rank >= 2 else { throw TensorError("\(name): input must have at least 2 dimensions.") }
        let (m, n) = (shape[rank - 2], shape[rank - 1])
        guard m >= n else { throw TensorError("\(name): input.shape[-2] must be greater than or equal to input.shape[-1]") }
        guard tau.rank >= 1, let k = tau.shape.last, k <= n else {
            throw TensorError("\(name): input.shape[-1] must be greater than or equal to tau.shape[-1]")
        }
        guard rank - tau.rank == 1 else { throw TensorError("\(name): Expected tau to have one dimension less than input, but got tau.ndim equal to \(tau.rank) and input.ndim is equal to \(rank)") }
        if rank > 2 && Array(tau.shape.dropLast()) != Array(shape.dropLast(2)) {
            throw TensorError("\(name): Expected batch dimensions of tau to be equal to input.shape[:-2], but got \(Array(tau.shape.dropLast()))")
        }
        guard tau.dtype == dtype else {
            throw TensorError("\(name): tau dtype \(tau.dtype.scalarTypeName) does not match input dtype \(dtype.scalarTypeName)")
        }
        return try runLapack(HouseholderProduct(reflectors: self, tau: tau), on: dtype, name: name, kernel: "orgqr_cpu")
    }

    /// `torch.ormqr(A, tau, C)`: op(Q)·C (`left`) or C·op(Q), Q = H₁⋯H_k from `geqrf`'s A and tau, op transposing
    /// when `transpose`.
    public func ormqr(tau: Tensor, _ c: Tensor, left: Bool = true, transpose: Bool = false) throws -> Tensor {
        let name = "torch.ormqr"
        guard rank >= 2 else { throw TensorError("\(name): input must have at least 2 dimensions.") }
        guard c.rank >= 2 else { throw TensorError("\(name): other must have at least 2 dimensions.") }
        let condition = left ? -2 : -1
        let along = c.shape[c.rank + condition]
        guard shape[rank - 2] == along else { throw TensorError("\(name): other.shape[\(condition)] must be equal to input.shape[-2]") }
        guard tau.rank >= 1, tau.shape.last! == Swift.min(along, shape[rank - 1]) else {
            throw TensorError("\(name): tau.shape[-1] must be equal to min(other.shape[\(condition)], input.shape[-1])")
        }
        guard rank - tau.rank == 1 else { throw TensorError("\(name): Expected tau to have one dimension less than input, but got tau.ndim equal to \(tau.rank) and input.ndim is equal to \(rank)") }
        guard c.rank == rank else { throw TensorError("\(name): Expected other to have the same number of dimensions as input, but got other.ndim equal to \(c.rank) and input.ndim is equal to \(rank)") }
        if rank > 2 {
            let batch = Array(shape.dropLast(2))
            if Array(tau.shape.dropLast()) != batch { throw TensorError("\(name): Expected batch dimensions of tau to be equal to input.shape[:-2], but got \(Array(tau.shape.dropLast()))") }
            if Array(c.shape.dropLast(2)) != batch { throw TensorError("\(name): Expected batch dimensions of other to be equal to input.shape[:-2], but got \(Array(c.shape.dropLast(2)))") }
        }
        guard tau.dtype == dtype else {
            throw TensorError("\(name): Expected input and tau to have the same dtype, but input has dtype\(dtype.scalarTypeName) and tau has dtype \(tau.dtype.scalarTypeName)")
        }
        guard c.dtype == dtype else {
            throw TensorError("\(name): Expected input and other to have the same dtype, but input has dtype\(dtype.scalarTypeName) and other has dtype \(c.dtype.scalarTypeName)")
        }
        return try runLapack(ApplyHouseholder(reflectors: self, tau: tau, c: c, left: left, transpose: transpose), on: dtype, name: name, kernel: "ormqr_cpu")
    }

    /// `torch.linalg.qr`: Q and R with A = Q·R. "reduced": Q `[*, m, k]`, R `[*, k, n]`; "complete": Q `[*, m, m]`,
    /// R `[*, m, n]`; "r": R only (Q is an empty tensor).
    public func linalgQR(mode: String = "reduced") throws -> (q: Tensor, r: Tensor) {
        guard ["reduced", "complete", "r"].contains(mode) else {
            throw TensorError("qr received unrecognized mode '\(mode)' but expected one of 'reduced' (default), 'r', or 'complete'")
        }
        try LinalgCheck.matrix(self, "linalg.qr")
        try LinalgCheck.floating(self, "linalg.qr")
        let (m, n) = (shape[rank - 2], shape[rank - 1])
        let (reflectors, tau) = try geqrf()
        let rows = mode == "complete" ? m : Swift.min(m, n)
        let r = try reflectors.narrow(dim: rank - 2, start: 0, length: rows).triangle(upper: true, diagonal: 0).contiguous()
        guard mode != "r" else { return (Tensor.zeros([0], dtype: dtype), r) }
        // Q's first min(m, n) columns come from the reflectors; "complete" with m > n needs m columns of Q.
        var vectors = reflectors
        if mode == "complete" && m > n {
            vectors = try Tensor.cat([reflectors, Tensor.zeros(Array(shape.dropLast()) + [m - n], dtype: dtype)], dim: rank - 1)
        } else if n > m {
            vectors = try reflectors.narrow(dim: rank - 1, start: 0, length: m)
        }
        return (try vectors.linalgHouseholderProduct(tau), r)
    }
}

private struct HouseholderQR: LapackOperation {
    let input: Tensor
    func run<T: LapackScalar>(_ type: T.Type) throws -> (a: Tensor, tau: Tensor) {
        var batch = try ColumnMajorBatch<T>(input)
        let k = Swift.min(batch.rows, batch.columns)
        var tau = [T](repeating: 0, count: batch.count * k)
        let (m, n, lda) = (Int32(batch.rows), Int32(batch.columns), batch.leadingDimension)
        tau.withUnsafeMutableBufferPointer { scales in
            batch.forEachMatrix { b, a in
                if k > 0 { _ = T.geqrf(m: m, n: n, a: a, lda: lda, tau: scales.baseAddress! + b * k) }
            }
        }
        return (try batch.tensor(), try Tensor(shape: batch.batchShape + [k], scalars: tau))
    }
}

private struct HouseholderProduct: LapackOperation {
    let reflectors: Tensor
    let tau: Tensor
    func run<T: LapackScalar>(_ type: T.Type) throws -> Tensor {
        let batchShape = try Tensor.broadcastShape(Array(reflectors.shape.dropLast(2)), Array(tau.shape.dropLast()))
        var batch = try ColumnMajorBatch<T>(reflectors.expand(batchShape + Array(reflectors.shape.suffix(2))))
        let k = tau.shape.last!
        let scales = try tau.expand(batchShape + [k]).contiguous().scalars(as: T.self)
        let (m, n, lda) = (Int32(batch.rows), Int32(batch.columns), batch.leadingDimension)
        guard batch.columns > 0 else { return try batch.tensor() }
        scales.withUnsafeBufferPointer { tau in
            batch.forEachMatrix { b, a in _ = T.orgqr(m: m, n: n, k: Int32(k), a: a, lda: lda, tau: tau.baseAddress! + b * k) }
        }
        return try batch.tensor()
    }
}

private struct ApplyHouseholder: LapackOperation {
    let reflectors: Tensor
    let tau: Tensor
    let c: Tensor
    let left: Bool
    let transpose: Bool
    func run<T: LapackScalar>(_ type: T.Type) throws -> Tensor {
        let batchShape = try Tensor.broadcastShape([Array(reflectors.shape.dropLast(2)), Array(tau.shape.dropLast()), Array(c.shape.dropLast(2))])
        let vectors = try ColumnMajorBatch<T>(reflectors.expand(batchShape + Array(reflectors.shape.suffix(2))))
        let k = tau.shape.last!
        let scales = try tau.expand(batchShape + [k]).contiguous().scalars(as: T.self)
        var x = try ColumnMajorBatch<T>(c.expand(batchShape + Array(c.shape.suffix(2))))
        guard x.rows > 0 && x.columns > 0 && k > 0 else { return try x.tensor() }
        let (m, n, ldc, lda) = (Int32(x.rows), Int32(x.columns), x.leadingDimension, vectors.leadingDimension)
        vectors.elements.withUnsafeBufferPointer { a in
            scales.withUnsafeBufferPointer { tau in
                x.forEachMatrix { b, matrix in
                    _ = T.ormqr(side: left ? 76 : 82, trans: transpose ? 84 : 78, m: m, n: n, k: Int32(k), a: a.baseAddress! + b * vectors.matrixSize,
                                lda: lda, tau: tau.baseAddress! + b * k, c: matrix, ldc: ldc)
                }
            }
        }
        return try x.tensor()
    }
}
