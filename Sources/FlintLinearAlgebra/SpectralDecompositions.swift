import FlintTensor

/// Singular values (LAPACK `gesdd`) and symmetric eigenvalues (`syevd`) of batches of float32 / float64
/// matrices. Singular vectors and eigenvectors are LAPACK's: each is defined up to sign, and Flint normalises
/// none, as ATen does not.
extension Tensor {
    /// `torch.linalg.svd`: U, S (descending) and Vh with A = U·diag(S)·Vh. With `fullMatrices` U is `[*, m, m]`
    /// and Vh `[*, n, n]`, else `[*, m, k]` and `[*, k, n]`, k = min(m, n). `driver` is CUDA's only.
    public func linalgSVD(fullMatrices: Bool = true, driver: String? = nil, name: String = "linalg.svd") throws -> (u: Tensor, s: Tensor, vh: Tensor) {
        try LinalgCheck.matrix(self, name)
        try LinalgCheck.floating(self, name)
        try LinalgCheck.svdDriver(driver)
        return try runLapack(SingularValueDecomposition(input: self, vectors: fullMatrices ? .full : .reduced), on: dtype, name: name, kernel: "linalg_svd_cpu")
    }

    /// `torch.linalg.svdvals`: the singular values, descending, `[*, min(m, n)]`.
    public func linalgSVDVals(driver: String? = nil) throws -> Tensor {
        try LinalgCheck.matrix(self, "linalg.svd")
        try LinalgCheck.floating(self, "linalg.svd")
        try LinalgCheck.svdDriver(driver)
        return try runLapack(SingularValueDecomposition(input: self, vectors: .none), on: dtype, name: "linalg.svd", kernel: "linalg_svd_cpu").s
    }

    /// `torch.svd`: U, S and V (not Vh) with A = U·diag(S)·Vᵀ, reduced when `some`. Without `computeUV`, U and V
    /// are zero matrices of the full shapes.
    public func svd(some: Bool = true, computeUV: Bool = true) throws -> (u: Tensor, s: Tensor, v: Tensor) {
        try LinalgCheck.matrix(self, "linalg.svd")
        guard computeUV else {
            let (m, n) = (shape[rank - 2], shape[rank - 1])
            let batch = Array(shape.dropLast(2))
            return (Tensor.zeros(batch + [m, m], dtype: dtype), try linalgSVDVals(), Tensor.zeros(batch + [n, n], dtype: dtype))
        }
        let (u, s, vh) = try linalgSVD(fullMatrices: !some)
        return (u, s, try vh.mT().contiguous())
    }

    /// `torch.linalg.eigh`: the eigenvalues (ascending) and eigenvectors (columns) of symmetric matrices, read from
    /// the `uplo` ("L" or "U") triangle.
    public func linalgEigh(uplo: String = "L", name: String = "linalg.eigh") throws -> (eigenvalues: Tensor, eigenvectors: Tensor) {
        try LinalgCheck.square(self, name)
        try LinalgCheck.uplo(uplo)
        let (values, vectors) = try runLapack(SymmetricEigen(input: self, upper: uplo.uppercased() == "U", vectors: true), on: dtype, name: name, kernel: "linalg_eigh_cpu")
        return (values, vectors!)
    }

    /// `torch.linalg.eigvalsh`: the eigenvalues (ascending) of symmetric matrices.
    public func linalgEigvalsh(uplo: String = "L") throws -> Tensor {
        try LinalgCheck.square(self, "linalg.eigh")
        try LinalgCheck.uplo(uplo)
        return try runLapack(SymmetricEigen(input: self, upper: uplo.uppercased() == "U", vectors: false), on: dtype, name: "linalg.eigh", kernel: "linalg_eigh_cpu").0
    }
}

extension LinalgCheck {
    /// `driver` is for CUDA only.
    static func svdDriver(_ driver: String?) throws {
        if driver != nil { throw TensorError("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with cuSOLVER backend.") }
    }

    /// "L" or "U", either case.
    static func uplo(_ uplo: String) throws {
        guard uplo.count == 1, "LUlu".contains(uplo) else {
            throw TensorError("Expected UPLO argument to be 'L' or 'U', but got \(uplo)")
        }
    }
}

/// Which singular vectors `gesdd` computes.
private enum SingularVectors { case none, reduced, full }

private struct SingularValueDecomposition: LapackOperation {
    let input: Tensor
    let vectors: SingularVectors
    func run<T: LapackScalar>(_ type: T.Type) throws -> (u: Tensor, s: Tensor, vh: Tensor) {
        var batch = try ColumnMajorBatch<T>(input)
        let (m, n) = (batch.rows, batch.columns)
        let k = Swift.min(m, n)
        let (uColumns, vhRows) = vectors == .full ? (m, n) : (k, k)
        var u = ColumnMajorBatch<T>(batchShape: batch.batchShape, rows: m, columns: vectors == .none ? 0 : uColumns)
        var vh = ColumnMajorBatch<T>(batchShape: batch.batchShape, rows: vectors == .none ? 0 : vhRows, columns: n)
        var s = [T](repeating: 0, count: batch.count * k)
        var infos = [Int32](repeating: 0, count: batch.count)
        let jobz: CChar = switch vectors { case .none: 78; case .reduced: 83; case .full: 65 }
        if k == 0 {
            // No singular values; full U and Vh of an empty matrix are identities.
            if vectors == .full { (u, vh) = (.identity(batchShape: batch.batchShape, rows: m, columns: m), .identity(batchShape: batch.batchShape, rows: n, columns: n)) }
        } else {
            let (uSize, vhSize) = (u.matrixSize, vh.matrixSize)
            s.withUnsafeMutableBufferPointer { values in
                u.elements.withUnsafeMutableBufferPointer { uBuffer in
                    vh.elements.withUnsafeMutableBufferPointer { vhBuffer in
                        batch.forEachMatrix { b, a in
                            infos[b] = T.gesdd(jobz: jobz, m: Int32(m), n: Int32(n), a: a, lda: Int32(m), s: values.baseAddress! + b * k,
                                               u: vectors == .none ? nil : uBuffer.baseAddress! + b * uSize, ldu: Int32(m),
                                               vt: vectors == .none ? nil : vhBuffer.baseAddress! + b * vhSize, ldvt: Int32(Swift.max(1, vhRows)))
                        }
                    }
                }
            }
        }
        try LinalgCheck.infos(infos, "linalg.svd", batched: !batch.batchShape.isEmpty)
        let none = Tensor.zeros([0], dtype: T.dtype)
        return (vectors == .none ? none : try u.tensor(), try Tensor(shape: batch.batchShape + [k], scalars: s), vectors == .none ? none : try vh.tensor())
    }
}

private struct SymmetricEigen: LapackOperation {
    let input: Tensor
    let upper: Bool
    let vectors: Bool
    func run<T: LapackScalar>(_ type: T.Type) throws -> (Tensor, Tensor?) {
        var batch = try ColumnMajorBatch<T>(input)
        let n = batch.rows
        var values = [T](repeating: 0, count: batch.count * n)
        var infos = [Int32](repeating: 0, count: batch.count)
        if n > 0 {
            values.withUnsafeMutableBufferPointer { w in
                batch.forEachMatrix { b, a in
                    infos[b] = T.syevd(jobz: vectors ? 86 : 78, uplo: uplo(upper: upper), n: Int32(n), a: a, lda: Int32(n), w: w.baseAddress! + b * n)
                }
            }
        }
        try LinalgCheck.infos(infos, "linalg.eigh", batched: !batch.batchShape.isEmpty)
        return (try Tensor(shape: batch.batchShape + [n], scalars: values), vectors ? try batch.tensor() : nil)
    }
}
