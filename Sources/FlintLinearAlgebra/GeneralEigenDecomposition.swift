import FlintTensor

/// Eigenvalues and eigenvectors of general (non-symmetric) real matrices through LAPACK's `geev`, as complex
/// tensors: a real matrix's eigenvalues come in conjugate pairs. The vectors are LAPACK's, each of unit norm
/// with its largest component real; as with ATen's, each is defined up to a sign, and the system LAPACK may
/// pick another than the MKL inside torch's wheels.
extension Tensor {
    /// `torch.linalg.eig`: the eigenvalues `[*, n]` and the right eigenvectors (columns, `[*, n, n]`) of square
    /// float32/float64 matrices, complex64/complex128. Complex matrices are refused.
    public func linalgEig() throws -> (eigenvalues: Tensor, eigenvectors: Tensor) {
        try checkGeneralEigen("linalg.eig")
        let (values, vectors) = try runLapack(GeneralEigen(input: self, vectors: true), on: dtype, name: "linalg.eig", kernel: "linalg_eig_out_cpu")
        return (values, vectors!)
    }

    /// `torch.linalg.eigvals`: the eigenvalues `[*, n]` of square float32/float64 matrices, complex64/complex128.
    public func linalgEigvals() throws -> Tensor {
        try checkGeneralEigen("linalg.eigvals")
        return try runLapack(GeneralEigen(input: self, vectors: false), on: dtype, name: "linalg.eig", kernel: "linalg_eig_out_cpu").0
    }

    private func checkGeneralEigen(_ name: String) throws {
        try LinalgCheck.square(self, name)
        guard !dtype.isComplex else { throw TensorError("\(name): complex matrices are not supported by Flint yet; pass a real matrix") }
        guard dtype.isFloatingPoint else { throw TensorError("Unknown Complex ScalarType for \(dtype.scalarTypeName)") }
        guard try isFinite().all().item() != 0 else { throw TensorError("torch.linalg.eig: input tensor should not contain infs or NaNs.") }
    }
}

private struct GeneralEigen: LapackOperation {
    let input: Tensor
    let vectors: Bool
    func run<T: LapackScalar>(_ type: T.Type) throws -> (Tensor, Tensor?) {
        var batch = try ColumnMajorBatch<T>(input)
        let n = batch.rows
        // (real, imaginary) pairs, row-major: the eigenvalues [count, n] and the eigenvectors [count, n, n].
        var values = [T](repeating: 0, count: batch.count * n * 2)
        var vectorParts = [T](repeating: 0, count: vectors ? batch.count * n * n * 2 : 0)
        var infos = [Int32](repeating: 0, count: batch.count)
        if n > 0 {
            var (wr, wi) = ([T](repeating: 0, count: n), [T](repeating: 0, count: n))
            var vr = [T](repeating: 0, count: vectors ? n * n : 1)
            batch.forEachMatrix { b, a in
                infos[b] = T.geev(jobvr: vectors ? 86 : 78, n: Int32(n), a: a, lda: Int32(n), wr: &wr, wi: &wi, vr: &vr, ldvr: Int32(n))
                for j in 0..<n { (values[(b * n + j) * 2], values[(b * n + j) * 2 + 1]) = (wr[j], wi[j]) }
                guard vectors else { return }
                var j = 0
                while j < n {
                    // A real eigenvalue's vector is column j; a pair's are column j ± i·column j+1.
                    let paired = wi[j] != 0 && j + 1 < n
                    for i in 0..<n {
                        let real = vr[i + j * n], imaginary = paired ? vr[i + (j + 1) * n] : 0
                        let row = ((b * n + i) * n + j) * 2
                        (vectorParts[row], vectorParts[row + 1]) = (real, imaginary)
                        if paired { (vectorParts[row + 2], vectorParts[row + 3]) = (real, -imaginary) }
                    }
                    j += paired ? 2 : 1
                }
            }
        }
        try LinalgCheck.infos(infos, "linalg.eig", batched: !batch.batchShape.isEmpty)
        let eigenvalues = try Tensor(shape: batch.batchShape + [n, 2], scalars: values).viewAsComplex()
        let eigenvectors = vectors ? try Tensor(shape: batch.batchShape + [n, n, 2], scalars: vectorParts).viewAsComplex() : nil
        return (eigenvalues, eigenvectors)
    }
}
