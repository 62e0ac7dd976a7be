import CLapack
import FlintTensor
import RealModule

/// An element type the system LAPACK computes in: `Float` (its s routines) and `Double` (its d routines). Each
/// requirement wraps one routine of `CLapack.h`: matrices are column-major, sizes `Int32`, and the routine's
/// `info` is returned (0: success; < 0: argument -info was illegal, a bug in the caller; > 0: the routine's own
/// condition, documented per routine). Routines that take a workspace query its size first.
public protocol LapackScalar: FloatingElement, BinaryFloatingPoint, Real where Compute == Self {
    /// LU with partial pivoting in place (`?getrf`); pivots are 1-based row swaps. Returns info (> 0: U[info, info] is zero).
    static func getrf(m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, ipiv: UnsafeMutablePointer<Int32>) -> Int32
    /// Solves op(A)·X = B with a `getrf` factorisation (`?getrs`); `trans` is N or T.
    static func getrs(trans: CChar, n: Int32, nrhs: Int32, a: UnsafePointer<Self>, lda: Int32, ipiv: UnsafePointer<Int32>, b: UnsafeMutablePointer<Self>, ldb: Int32) -> Int32
    /// Cholesky in place (`?potrf`), the `uplo` triangle. Returns info (> 0: the leading minor of that order is not positive-definite).
    static func potrf(uplo: CChar, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32) -> Int32
    /// Solves A·X = B with a `potrf` factor (`?potrs`).
    static func potrs(uplo: CChar, n: Int32, nrhs: Int32, a: UnsafePointer<Self>, lda: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32) -> Int32
    /// The inverse from a `potrf` factor, into the `uplo` triangle (`?potri`).
    static func potri(uplo: CChar, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32) -> Int32
    /// Householder QR in place (`?geqrf`): R on and above the diagonal, the reflectors below, their scales in `tau`.
    static func geqrf(m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, tau: UnsafeMutablePointer<Self>) -> Int32
    /// The first n columns of Q = H₁⋯H_k from `geqrf` reflectors, in place (`?orgqr`).
    static func orgqr(m: Int32, n: Int32, k: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, tau: UnsafePointer<Self>) -> Int32
    /// C := op(Q)·C or C·op(Q) for Q = H₁⋯H_k from `geqrf` reflectors (`?ormqr`).
    static func ormqr(side: CChar, trans: CChar, m: Int32, n: Int32, k: Int32, a: UnsafePointer<Self>, lda: Int32, tau: UnsafePointer<Self>, c: UnsafeMutablePointer<Self>, ldc: Int32) -> Int32
    /// Singular values (descending), and with `jobz` S or A the singular vectors, by divide and conquer (`?gesdd`); `a` is destroyed.
    static func gesdd(jobz: CChar, m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, s: UnsafeMutablePointer<Self>, u: UnsafeMutablePointer<Self>?, ldu: Int32, vt: UnsafeMutablePointer<Self>?, ldvt: Int32) -> Int32
    /// Eigenvalues (ascending), and with `jobz` V the eigenvectors in `a`, of a symmetric matrix by divide and conquer (`?syevd`).
    static func syevd(jobz: CChar, uplo: CChar, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, w: UnsafeMutablePointer<Self>) -> Int32
    /// Eigenvalues (real parts in `wr`, imaginary in `wi`, conjugate pairs adjacent, positive imaginary part first)
    /// and, with `jobvr` V, the right eigenvectors of a general matrix (`?geev`); `a` is destroyed. A complex pair's
    /// vectors are the columns j (real part) and j + 1 (imaginary part) of `vr`. Returns info (> 0: the QR
    /// algorithm did not converge).
    static func geev(jobvr: CChar, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, wr: UnsafeMutablePointer<Self>, wi: UnsafeMutablePointer<Self>, vr: UnsafeMutablePointer<Self>?, ldvr: Int32) -> Int32
    /// Least squares or minimum norm for a full-rank matrix by QR / LQ (`?gels`).
    static func gels(trans: CChar, m: Int32, n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32) -> Int32
    /// Least squares by a complete orthogonal factorisation with column pivoting (`?gelsy`); `rank` is the effective rank at `rcond`.
    static func gelsy(m: Int32, n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32, jpvt: UnsafeMutablePointer<Int32>, rcond: Self, rank: inout Int32) -> Int32
    /// Least squares by the SVD, divide and conquer (`?gelsd`); singular values into `s`.
    static func gelsd(m: Int32, n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32, s: UnsafeMutablePointer<Self>, rcond: Self, rank: inout Int32) -> Int32
    /// Least squares by the SVD (`?gelss`); singular values into `s`.
    static func gelss(m: Int32, n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32, s: UnsafeMutablePointer<Self>, rcond: Self, rank: inout Int32) -> Int32
    /// Bunch-Kaufman LDLᵀ of a symmetric matrix in place (`?sytrf`); pivots in LAPACK's format (negative for 2x2 blocks).
    static func sytrf(uplo: CChar, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, ipiv: UnsafeMutablePointer<Int32>) -> Int32
    /// Solves A·X = B with a `sytrf` factorisation (`?sytrs`).
    static func sytrs(uplo: CChar, n: Int32, nrhs: Int32, a: UnsafePointer<Self>, lda: Int32, ipiv: UnsafePointer<Int32>, b: UnsafeMutablePointer<Self>, ldb: Int32) -> Int32
    /// BLAS triangular solve: B := alpha·op(A)⁻¹·B (side L) or alpha·B·op(A)⁻¹ (side R) (`?trsm`).
    static func trsm(side: CChar, uplo: CChar, transa: CChar, diag: CChar, m: Int32, n: Int32, alpha: Self, a: UnsafePointer<Self>, lda: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32)
}

extension Float: LapackScalar {
    public static func geev(jobvr: CChar, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, wr: UnsafeMutablePointer<Self>, wi: UnsafeMutablePointer<Self>, vr: UnsafeMutablePointer<Self>?, ldvr: Int32) -> Int32 {
        var info: Int32 = 0
        var (jobvl, jobvr, n, lda, ldvl, ldvr) = (CChar(78), jobvr, n, lda, Int32(1), ldvr)
        return withWorkspace { work, lwork in sgeev_(&jobvl, &jobvr, &n, a, &lda, wr, wi, nil, &ldvl, vr, &ldvr, work, &lwork, &info, 1, 1)
        return info }
    }

    public static func getrf(m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, ipiv: UnsafeMutablePointer<Int32>) -> Int32 {
        var info: Int32 = 0
        var (m, n, lda) = (m, n, lda)
        sgetrf_(&m, &n, a, &lda, ipiv, &info)
        return info
    }

    public static func getrs(trans: CChar, n: Int32, nrhs: Int32, a: UnsafePointer<Self>, lda: Int32, ipiv: UnsafePointer<Int32>, b: UnsafeMutablePointer<Self>, ldb: Int32) -> Int32 {
        var info: Int32 = 0
        var (trans, n, nrhs, lda, ldb) = (trans, n, nrhs, lda, ldb)
        sgetrs_(&trans, &n, &nrhs, a, &lda, ipiv, b, &ldb, &info, 1)
        return info
    }

    public static func potrf(uplo: CChar, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32) -> Int32 {
        var info: Int32 = 0
        var (uplo, n, lda) = (uplo, n, lda)
        spotrf_(&uplo, &n, a, &lda, &info, 1)
        return info
    }

    public static func potrs(uplo: CChar, n: Int32, nrhs: Int32, a: UnsafePointer<Self>, lda: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32) -> Int32 {
        var info: Int32 = 0
        var (uplo, n, nrhs, lda, ldb) = (uplo, n, nrhs, lda, ldb)
        spotrs_(&uplo, &n, &nrhs, a, &lda, b, &ldb, &info, 1)
        return info
    }

    public static func potri(uplo: CChar, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32) -> Int32 {
        var info: Int32 = 0
        var (uplo, n, lda) = (uplo, n, lda)
        spotri_(&uplo, &n, a, &lda, &info, 1)
        return info
    }

    public static func geqrf(m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, tau: UnsafeMutablePointer<Self>) -> Int32 {
        var info: Int32 = 0
        var (m, n, lda) = (m, n, lda)
        return withWorkspace { work, lwork in sgeqrf_(&m, &n, a, &lda, tau, work, &lwork, &info)
        return info }
    }

    public static func orgqr(m: Int32, n: Int32, k: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, tau: UnsafePointer<Self>) -> Int32 {
        var info: Int32 = 0
        var (m, n, k, lda) = (m, n, k, lda)
        return withWorkspace { work, lwork in sorgqr_(&m, &n, &k, a, &lda, tau, work, &lwork, &info)
        return info }
    }

    public static func ormqr(side: CChar, trans: CChar, m: Int32, n: Int32, k: Int32, a: UnsafePointer<Self>, lda: Int32, tau: UnsafePointer<Self>, c: UnsafeMutablePointer<Self>, ldc: Int32) -> Int32 {
        var info: Int32 = 0
        var (side, trans, m, n, k, lda, ldc) = (side, trans, m, n, k, lda, ldc)
        return withWorkspace { work, lwork in sormqr_(&side, &trans, &m, &n, &k, a, &lda, tau, c, &ldc, work, &lwork, &info, 1, 1)
        return info }
    }

    public static func gesdd(jobz: CChar, m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, s: UnsafeMutablePointer<Self>, u: UnsafeMutablePointer<Self>?, ldu: Int32, vt: UnsafeMutablePointer<Self>?, ldvt: Int32) -> Int32 {
        var info: Int32 = 0
        var (jobz, m, n, lda, ldu, ldvt) = (jobz, m, n, lda, ldu, ldvt)
        var iwork = [Int32](repeating: 0, count: 8 * Int(Swift.max(1, Swift.min(m, n))))
        return withWorkspace { work, lwork in sgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, &iwork, &info, 1)
        return info }
    }

    public static func syevd(jobz: CChar, uplo: CChar, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, w: UnsafeMutablePointer<Self>) -> Int32 {
        var info: Int32 = 0
        var (jobz, uplo, n, lda) = (jobz, uplo, n, lda)
        var liwork: Int32 = 3 + 5 * Swift.max(1, n)
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        return withWorkspace { work, lwork in ssyevd_(&jobz, &uplo, &n, a, &lda, w, work, &lwork, &iwork, &liwork, &info, 1, 1)
        return info }
    }

    public static func gels(trans: CChar, m: Int32, n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32) -> Int32 {
        var info: Int32 = 0
        var (trans, m, n, nrhs, lda, ldb) = (trans, m, n, nrhs, lda, ldb)
        return withWorkspace { work, lwork in sgels_(&trans, &m, &n, &nrhs, a, &lda, b, &ldb, work, &lwork, &info, 1)
        return info }
    }

    public static func gelsy(m: Int32, n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32, jpvt: UnsafeMutablePointer<Int32>, rcond: Self, rank: inout Int32) -> Int32 {
        var info: Int32 = 0
        var (m, n, nrhs, lda, ldb, rcond, r) = (m, n, nrhs, lda, ldb, rcond, Int32(0))
        defer { rank = r }
        return withWorkspace { work, lwork in sgelsy_(&m, &n, &nrhs, a, &lda, b, &ldb, jpvt, &rcond, &r, work, &lwork, &info)
        return info }
    }

    public static func gelsd(m: Int32, n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32, s: UnsafeMutablePointer<Self>, rcond: Self, rank: inout Int32) -> Int32 {
        var info: Int32 = 0
        var (m, n, nrhs, lda, ldb, rcond, r) = (m, n, nrhs, lda, ldb, rcond, Int32(0))
        defer { rank = r }
        // LAPACK's bound: 3·minmn·nlvl + 11·minmn, nlvl = ⌊log₂(minmn / 26)⌋ + 1 (26: its SMLSIZ + 1); 64 covers nlvl.
        var iwork = [Int32](repeating: 0, count: Swift.max(1, Int(Swift.min(m, n)) * (3 * 64 + 11)))
        return withWorkspace { work, lwork in sgelsd_(&m, &n, &nrhs, a, &lda, b, &ldb, s, &rcond, &r, work, &lwork, &iwork, &info)
        return info }
    }

    public static func gelss(m: Int32, n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32, s: UnsafeMutablePointer<Self>, rcond: Self, rank: inout Int32) -> Int32 {
        var info: Int32 = 0
        var (m, n, nrhs, lda, ldb, rcond, r) = (m, n, nrhs, lda, ldb, rcond, Int32(0))
        defer { rank = r }
        return withWorkspace { work, lwork in sgelss_(&m, &n, &nrhs, a, &lda, b, &ldb, s, &rcond, &r, work, &lwork, &info)
        return info }
    }

    public static func sytrf(uplo: CChar, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, ipiv: UnsafeMutablePointer<Int32>) -> Int32 {
        var info: Int32 = 0
        var (uplo, n, lda) = (uplo, n, lda)
        return withWorkspace { work, lwork in ssytrf_(&uplo, &n, a, &lda, ipiv, work, &lwork, &info, 1)
        return info }
    }

    public static func sytrs(uplo: CChar, n: Int32, nrhs: Int32, a: UnsafePointer<Self>, lda: Int32, ipiv: UnsafePointer<Int32>, b: UnsafeMutablePointer<Self>, ldb: Int32) -> Int32 {
        var info: Int32 = 0
        var (uplo, n, nrhs, lda, ldb) = (uplo, n, nrhs, lda, ldb)
        ssytrs_(&uplo, &n, &nrhs, a, &lda, ipiv, b, &ldb, &info, 1)
        return info
    }

    public static func trsm(side: CChar, uplo: CChar, transa: CChar, diag: CChar, m: Int32, n: Int32, alpha: Self, a: UnsafePointer<Self>, lda: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32) {
        var (side, uplo, transa, diag, m, n, alpha, lda, ldb) = (side, uplo, transa, diag, m, n, alpha, lda, ldb)
        strsm_(&side, &uplo, &transa, &diag, &m, &n, &alpha, a, &lda, b, &ldb, 1, 1, 1, 1)
    }
}

extension Double: LapackScalar {
    public static func geev(jobvr: CChar, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, wr: UnsafeMutablePointer<Self>, wi: UnsafeMutablePointer<Self>, vr: UnsafeMutablePointer<Self>?, ldvr: Int32) -> Int32 {
        var info: Int32 = 0
        var (jobvl, jobvr, n, lda, ldvl, ldvr) = (CChar(78), jobvr, n, lda, Int32(1), ldvr)
        return withWorkspace { work, lwork in dgeev_(&jobvl, &jobvr, &n, a, &lda, wr, wi, nil, &ldvl, vr, &ldvr, work, &lwork, &info, 1, 1)
        return info }
    }

    public static func getrf(m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, ipiv: UnsafeMutablePointer<Int32>) -> Int32 {
        var info: Int32 = 0
        var (m, n, lda) = (m, n, lda)
        dgetrf_(&m, &n, a, &lda, ipiv, &info)
        return info
    }

    public static func getrs(trans: CChar, n: Int32, nrhs: Int32, a: UnsafePointer<Self>, lda: Int32, ipiv: UnsafePointer<Int32>, b: UnsafeMutablePointer<Self>, ldb: Int32) -> Int32 {
        var info: Int32 = 0
        var (trans, n, nrhs, lda, ldb) = (trans, n, nrhs, lda, ldb)
        dgetrs_(&trans, &n, &nrhs, a, &lda, ipiv, b, &ldb, &info, 1)
        return info
    }

    public static func potrf(uplo: CChar, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32) -> Int32 {
        var info: Int32 = 0
        var (uplo, n, lda) = (uplo, n, lda)
        dpotrf_(&uplo, &n, a, &lda, &info, 1)
        return info
    }

    public static func potrs(uplo: CChar, n: Int32, nrhs: Int32, a: UnsafePointer<Self>, lda: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32) -> Int32 {
        var info: Int32 = 0
        var (uplo, n, nrhs, lda, ldb) = (uplo, n, nrhs, lda, ldb)
        dpotrs_(&uplo, &n, &nrhs, a, &lda, b, &ldb, &info, 1)
        return info
    }

    public static func potri(uplo: CChar, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32) -> Int32 {
        var info: Int32 = 0
        var (uplo, n, lda) = (uplo, n, lda)
        dpotri_(&uplo, &n, a, &lda, &info, 1)
        return info
    }

    public static func geqrf(m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, tau: UnsafeMutablePointer<Self>) -> Int32 {
        var info: Int32 = 0
        var (m, n, lda) = (m, n, lda)
        return withWorkspace { work, lwork in dgeqrf_(&m, &n, a, &lda, tau, work, &lwork, &info)
        return info }
    }

    public static func orgqr(m: Int32, n: Int32, k: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, tau: UnsafePointer<Self>) -> Int32 {
        var info: Int32 = 0
        var (m, n, k, lda) = (m, n, k, lda)
        return withWorkspace { work, lwork in dorgqr_(&m, &n, &k, a, &lda, tau, work, &lwork, &info)
        return info }
    }

    public static func ormqr(side: CChar, trans: CChar, m: Int32, n: Int32, k: Int32, a: UnsafePointer<Self>, lda: Int32, tau: UnsafePointer<Self>, c: UnsafeMutablePointer<Self>, ldc: Int32) -> Int32 {
        var info: Int32 = 0
        var (side, trans, m, n, k, lda, ldc) = (side, trans, m, n, k, lda, ldc)
        return withWorkspace { work, lwork in dormqr_(&side, &trans, &m, &n, &k, a, &lda, tau, c, &ldc, work, &lwork, &info, 1, 1)
        return info }
    }

    public static func gesdd(jobz: CChar, m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, s: UnsafeMutablePointer<Self>, u: UnsafeMutablePointer<Self>?, ldu: Int32, vt: UnsafeMutablePointer<Self>?, ldvt: Int32) -> Int32 {
        var info: Int32 = 0
        var (jobz, m, n, lda, ldu, ldvt) = (jobz, m, n, lda, ldu, ldvt)
        var iwork = [Int32](repeating: 0, count: 8 * Int(Swift.max(1, Swift.min(m, n))))
        return withWorkspace { work, lwork in dgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, &iwork, &info, 1)
        return info }
    }

    public static func syevd(jobz: CChar, uplo: CChar, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, w: UnsafeMutablePointer<Self>) -> Int32 {
        var info: Int32 = 0
        var (jobz, uplo, n, lda) = (jobz, uplo, n, lda)
        var liwork: Int32 = 3 + 5 * Swift.max(1, n)
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        return withWorkspace { work, lwork in dsyevd_(&jobz, &uplo, &n, a, &lda, w, work, &lwork, &iwork, &liwork, &info, 1, 1)
        return info }
    }

    public static func gels(trans: CChar, m: Int32, n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32) -> Int32 {
        var info: Int32 = 0
        var (trans, m, n, nrhs, lda, ldb) = (trans, m, n, nrhs, lda, ldb)
        return withWorkspace { work, lwork in dgels_(&trans, &m, &n, &nrhs, a, &lda, b, &ldb, work, &lwork, &info, 1)
        return info }
    }

    public static func gelsy(m: Int32, n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32, jpvt: UnsafeMutablePointer<Int32>, rcond: Self, rank: inout Int32) -> Int32 {
        var info: Int32 = 0
        var (m, n, nrhs, lda, ldb, rcond, r) = (m, n, nrhs, lda, ldb, rcond, Int32(0))
        defer { rank = r }
        return withWorkspace { work, lwork in dgelsy_(&m, &n, &nrhs, a, &lda, b, &ldb, jpvt, &rcond, &r, work, &lwork, &info)
        return info }
    }

    public static func gelsd(m: Int32, n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32, s: UnsafeMutablePointer<Self>, rcond: Self, rank: inout Int32) -> Int32 {
        var info: Int32 = 0
        var (m, n, nrhs, lda, ldb, rcond, r) = (m, n, nrhs, lda, ldb, rcond, Int32(0))
        defer { rank = r }
        // LAPACK's bound: 3·minmn·nlvl + 11·minmn, nlvl = ⌊log₂(minmn / 26)⌋ + 1 (26: its SMLSIZ + 1); 64 covers nlvl.
        var iwork = [Int32](repeating: 0, count: Swift.max(1, Int(Swift.min(m, n)) * (3 * 64 + 11)))
        return withWorkspace { work, lwork in dgelsd_(&m, &n, &nrhs, a, &lda, b, &ldb, s, &rcond, &r, work, &lwork, &iwork, &info)
        return info }
    }

    public static func gelss(m: Int32, n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32, s: UnsafeMutablePointer<Self>, rcond: Self, rank: inout Int32) -> Int32 {
        var info: Int32 = 0
        var (m, n, nrhs, lda, ldb, rcond, r) = (m, n, nrhs, lda, ldb, rcond, Int32(0))
        defer { rank = r }
        return withWorkspace { work, lwork in dgelss_(&m, &n, &nrhs, a, &lda, b, &ldb, s, &rcond, &r, work, &lwork, &info)
        return info }
    }

    public static func sytrf(uplo: CChar, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, ipiv: UnsafeMutablePointer<Int32>) -> Int32 {
        var info: Int32 = 0
        var (uplo, n, lda) = (uplo, n, lda)
        return withWorkspace { work, lwork in dsytrf_(&uplo, &n, a, &lda, ipiv, work, &lwork, &info, 1)
        return info }
    }

    public static func sytrs(uplo: CChar, n: Int32, nrhs: Int32, a: UnsafePointer<Self>, lda: Int32, ipiv: UnsafePointer<Int32>, b: UnsafeMutablePointer<Self>, ldb: Int32) -> Int32 {
        var info: Int32 = 0
        var (uplo, n, nrhs, lda, ldb) = (uplo, n, nrhs, lda, ldb)
        dsytrs_(&uplo, &n, &nrhs, a, &lda, ipiv, b, &ldb, &info, 1)
        return info
    }

    public static func trsm(side: CChar, uplo: CChar, transa: CChar, diag: CChar, m: Int32, n: Int32, alpha: Self, a: UnsafePointer<Self>, lda: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32) {
        var (side, uplo, transa, diag, m, n, alpha, lda, ldb) = (side, uplo, transa, diag, m, n, alpha, lda, ldb)
        dtrsm_(&side, &uplo, &transa, &diag, &m, &n, &alpha, a, &lda, b, &ldb, 1, 1, 1, 1)
    }
}

extension LapackScalar {
    /// Calls `routine` once with lwork -1 (LAPACK's workspace query, answered in work[0]), then with a workspace
    /// of that size. Returns the info of the second call, or of the query when it failed.
    static func withWorkspace(_ routine: (UnsafeMutablePointer<Self>, inout Int32) -> Int32) -> Int32 {
        var size = Self(0)
        var query: Int32 = -1
        let info = routine(&size, &query)
        guard info == 0 else { return info }
        var lwork = Int32(Swift.max(1, Int(size.rounded(.up))))
        var work = [Self](repeating: 0, count: Int(lwork))
        return work.withUnsafeMutableBufferPointer { routine($0.baseAddress!, &lwork) }
    }
}
