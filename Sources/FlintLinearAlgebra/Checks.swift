import FlintTensor

/// ATen's argument checks for linear algebra (`LinearAlgebraUtils.h`), with its messages.
enum LinalgCheck {
    /// At least two dimensions.
    static func matrix(_ a: Tensor, _ name: String, argument: String = "A") throws {
        guard a.rank >= 2 else {
            throw TensorError("\(name): The input tensor \(argument) must have at least 2 dimensions.")
        }
    }

    /// At least two dimensions, the last two equal.
    static func square(_ a: Tensor, _ name: String, argument: String = "A") throws {
        try matrix(a, name, argument: argument)
        guard a.shape[a.rank - 1] == a.shape[a.rank - 2] else {
            throw TensorError("\(name): \(argument) must be batches of square matrices, but they are \(a.shape[a.rank - 2]) by \(a.shape[a.rank - 1]) matrices")
        }
    }

    /// Both floating, of one dtype.
    static func sameDType(_ a: Tensor, _ b: Tensor, _ name: String, first: String = "A", second: String = "B") throws {
        guard a.dtype == b.dtype else {
            throw TensorError("\(name): Expected \(first) and \(second) to have the same dtype, but found \(first) of type \(a.dtype.scalarTypeName) and \(second) of type \(b.dtype.scalarTypeName) instead")
        }
    }

    /// ATen's `checkFloatingOrComplex` with low precision allowed: floating dtypes pass (a kernel may still
    /// refuse half precision).
    static func floating(_ a: Tensor, _ name: String) throws {
        guard a.dtype.isFloatingPoint else {
            throw TensorError("\(name): Expected a floating point or complex tensor as input. Got \(a.dtype.scalarTypeName)")
        }
    }

    /// ATen's `checkFloatingOrComplex` with low precision refused: float32 and float64 pass.
    static func fullPrecision(_ dtype: DType, _ name: String) throws {
        guard dtype.isFloatingPoint else {
            throw TensorError("\(name): Expected a floating point or complex tensor as input. Got \(dtype.scalarTypeName)")
        }
        guard dtype == .float32 || dtype == .float64 else {
            throw TensorError("\(name): Low precision dtypes not supported. Got \(dtype.scalarTypeName)")
        }
    }

    /// ATen's `checkInputsSolver` after the square check of A: B a matrix whose rows (`left`) or columns match A.
    static func solverShapes(_ a: Tensor, _ b: Tensor, left: Bool, _ name: String) throws {
        try matrix(b, name, argument: "B")
        let (n, rows, columns) = (a.shape[a.rank - 1], b.shape[b.rank - 2], b.shape[b.rank - 1])
        guard (left ? rows : columns) == n else {
            throw TensorError("\(name): Incompatible shapes of A and B for the equation \(left ? "AX = B" : "XA = B") (\(a.shape[a.rank - 2])x\(n) and \(rows)x\(columns))")
        }
    }

    /// ATen's `linearSolveCheckInputs(b, A, name)`: one dtype, A square, b's rows A's size.
    static func linearSolve(_ b: Tensor, _ a: Tensor, _ name: String) throws {
        guard b.dtype == a.dtype else {
            throw TensorError("Expected b and A to have the same dtype, but found b of type \(b.dtype.scalarTypeName) and A of type \(a.dtype.scalarTypeName) instead.")
        }
        guard a.shape[a.rank - 1] == a.shape[a.rank - 2] else {
            throw TensorError("A must be batches of square matrices, but they are \(a.shape[a.rank - 2]) by \(a.shape[a.rank - 1]) matrices")
        }
        let n = a.shape[a.rank - 1]
        guard b.shape[b.rank - 2] == n else {
            throw TensorError("Incompatible matrix sizes for \(name): each A matrix is \(n) by \(n) but each b matrix is \(b.shape[b.rank - 2]) by \(b.shape[b.rank - 1])")
        }
    }

    /// ATen's `_linalg_check_errors`: a failure reported by LAPACK's info for matrix `batch` (nil: not batched).
    static func failure(_ name: String, info: Int32, batch: Int?) -> TensorError {
        let prefix = batch.map { "\(name): (Batch element \($0)): " } ?? "\(name): "
        if info == -4 && name.contains("svd") {
            return TensorError(prefix + "The algorithm failed to converge because the input matrix contained non-finite values.")
        }
        if info < 0 { return TensorError("\(name): Argument \(-info) has illegal value. Most certainly there is a bug in the implementation calling the backend library.") }
        let text: String
        if name.contains("inv") {
            text = "The diagonal element \(info) is zero, the inversion could not be completed because the input matrix is singular."
        } else if name.contains("solve") {
            text = "The solver failed because the input matrix is singular."
        } else if name.contains("cholesky") {
            text = "The factorization could not be completed because the input is not positive-definite (the leading minor of order \(info) is not positive-definite)."
        } else if name.contains("svd") {
            text = "The algorithm failed to converge because the input matrix is ill-conditioned or has too many repeated singular values (error code: \(info))."
        } else if name.contains("eig") || name.contains("syevd") {
            text = "The algorithm failed to converge because the input matrix is ill-conditioned or has too many repeated eigenvalues (error code: \(info))."
        } else if name.contains("lstsq") {
            text = "The least squares solution could not be computed because the input matrix does not have full rank (error code: \(info))."
        } else if name.contains("lu_factor") {
            text = "U[\(info),\(info)] is zero and using it on lu_solve would result in a division by zero. If you still want to perform the factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)"
        } else {
            return TensorError("\(name): Unknown error code: \(info).")
        }
        return TensorError(prefix + text)
    }

    /// Throws ``failure(_:info:batch:)`` for the first non-zero info.
    static func infos(_ infos: [Int32], _ name: String, batched: Bool) throws {
        if let b = infos.firstIndex(where: { $0 != 0 }) { throw failure(name, info: infos[b], batch: batched ? b : nil) }
    }
}

/// ATen's `_linalg_check_errors` for callers outside this module: throws the failure the first non-zero LAPACK
/// info code means for `api` (`linalg.inv`, `linalg.cholesky`, ...), naming the batch element when `batched`.
public enum LapackInfo {
    public static func check(_ infos: [Int32], api: String, batched: Bool) throws {
        try LinalgCheck.infos(infos, api, batched: batched)
    }
}
