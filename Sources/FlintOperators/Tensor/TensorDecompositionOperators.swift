import FlintLinearAlgebra
import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// The `torch.linalg` operators that need a decomposition (LU, Cholesky, QR, SVD, symmetric eigenvalues,
    /// LDLᵀ, least squares), computed by FlintLinearAlgebra through the system's LAPACK.
    mutating func defineDecompositionOperators() {
        defineLUOperators()
        defineCholeskyAndQROperators()
        defineSpectralOperators()
    }

    private mutating func defineLUOperators() {
        define("aten::linalg_lu_factor_ex") { c in
            let r = try c.tensor(0, "A").linalgLUFactorEx(pivot: c.bool(1, "pivot", default: true), checkErrors: c.bool(2, "check_errors", default: false))
            return .tuple([.tensor(r.lu), .tensor(r.pivots), .tensor(r.info)])
        }
        define("aten::linalg_lu_factor") { c in
            let r = try c.tensor(0, "A").linalgLUFactorEx(pivot: c.bool(1, "pivot", default: true), checkErrors: true, name: "torch.linalg.lu_factor")
            return .tuple([.tensor(r.lu), .tensor(r.pivots)])
        }
        define("aten::_lu_with_info") { c in
            let r = try c.tensor(0, "self").linalgLUFactorEx(pivot: c.bool(1, "pivot", default: true), checkErrors: c.bool(2, "check_errors", default: true), name: "torch.linalg.lu_factor")
            return .tuple([.tensor(r.lu), .tensor(r.pivots), .tensor(r.info)])
        }
        define("aten::linalg_lu") { c in
            let r = try c.tensor(0, "A").linalgLU(pivot: c.bool(1, "pivot", default: true))
            return .tuple([.tensor(r.p), .tensor(r.l), .tensor(r.u)])
        }
        define("aten::lu_unpack") { c in
            let r = try Tensor.luUnpack(c.tensor(0, "LU_data"), c.tensor(1, "LU_pivots"), unpackData: c.bool(2, "unpack_data", default: true),
                                        unpackPivots: c.bool(3, "unpack_pivots", default: true))
            return .tuple([.tensor(r.p), .tensor(r.l), .tensor(r.u)])
        }
        tensorOp("aten::linalg_lu_solve") { c in
            try c.tensor(0, "LU").linalgLUSolve(pivots: c.tensor(1, "pivots"), c.tensor(2, "B"), left: c.bool(3, "left", default: true), adjoint: c.bool(4, "adjoint", default: false))
        }
        tensorOp("aten::lu_solve") { c in try c.tensor(1, "LU_data").linalgLUSolve(pivots: c.tensor(2, "LU_pivots"), c.tensor(0, "self")) }
        tensorOp("aten::linalg_solve") { c in try c.tensor(0, "A").linalgSolve(c.tensor(1, "B"), left: c.bool(2, "left", default: true)) }
        define("aten::linalg_solve_ex") { c in
            let r = try c.tensor(0, "A").linalgSolveEx(c.tensor(1, "B"), left: c.bool(2, "left", default: true), checkErrors: c.bool(3, "check_errors", default: false))
            return .tuple([.tensor(r.result), .tensor(r.info)])
        }
        define("aten::_linalg_solve_ex") { c in
            let a = try c.tensor(0, "A")
            let r = try a.linalgSolveEx(c.tensor(1, "B"), left: c.bool(2, "left", default: true), checkErrors: c.bool(3, "check_errors", default: false))
            let factors = try a.linalgLUFactorEx()
            return .tuple([.tensor(r.result), .tensor(factors.lu), .tensor(factors.pivots), .tensor(r.info)])
        }
        for name in ["aten::linalg_inv", "aten::inverse"] {
            tensorOp(name) { try $0.tensor(0, name == "aten::inverse" ? "self" : "A").linalgInv() }
        }
        define("aten::linalg_inv_ex") { c in
            let r = try c.tensor(0, "A").linalgInvEx(checkErrors: c.bool(1, "check_errors", default: false))
            return .tuple([.tensor(r.inverse), .tensor(r.info)])
        }
        tensorOp("aten::linalg_det") { try $0.tensor(0, "A").linalgDet() }
        tensorOp("aten::det") { try $0.tensor(0, "self").linalgDet() }
        define("aten::_linalg_det") { c in
            let a = try c.tensor(0, "A")
            let factors = try a.linalgLUFactorEx(name: "linalg.det")
            return .tuple([.tensor(try a.linalgDet()), .tensor(factors.lu), .tensor(factors.pivots)])
        }
        tensorOp("aten::logdet") { try $0.tensor(0, "self").logdet() }
        for name in ["aten::linalg_slogdet", "aten::slogdet"] {
            define(name) { c in
                let r = try c.tensor(0, name == "aten::slogdet" ? "self" : "A").linalgSlogdet()
                return .tuple([.tensor(r.sign), .tensor(r.logAbsDet)])
            }
        }
        define("aten::_linalg_slogdet") { c in
            let a = try c.tensor(0, "A")
            let r = try a.linalgSlogdet()
            let factors = try a.linalgLUFactorEx(name: "linalg.slogdet")
            return .tuple([.tensor(r.sign), .tensor(r.logAbsDet), .tensor(factors.lu), .tensor(factors.pivots)])
        }
        tensorOp("aten::linalg_tensorinv") { try $0.tensor(0, "self").linalgTensorInv(ind: $0.int(1, "ind", default: 2)) }
        tensorOp("aten::linalg_tensorsolve") { try $0.tensor(0, "self").linalgTensorSolve($0.tensor(1, "other"), dims: $0.optionalInts(2, "dims")) }
        define("aten::linalg_ldl_factor_ex") { c in
            let r = try c.tensor(0, "self").linalgLDLFactorEx(hermitian: c.bool(1, "hermitian", default: false), checkErrors: c.bool(2, "check_errors", default: false))
            return .tuple([.tensor(r.ld), .tensor(r.pivots), .tensor(r.info)])
        }
        define("aten::linalg_ldl_factor") { c in
            let r = try c.tensor(0, "self").linalgLDLFactorEx(hermitian: c.bool(1, "hermitian", default: false), checkErrors: true, name: "torch.linalg.ldl_factor")
            return .tuple([.tensor(r.ld), .tensor(r.pivots)])
        }
        tensorOp("aten::linalg_ldl_solve") { c in
            try c.tensor(0, "LD").linalgLDLSolve(pivots: c.tensor(1, "pivots"), c.tensor(2, "B"), hermitian: c.bool(3, "hermitian", default: false))
        }
    }

    private mutating func defineCholeskyAndQROperators() {
        tensorOp("aten::linalg_cholesky") { try $0.tensor(0, "self").linalgCholesky(upper: $0.bool(1, "upper", default: false)) }
        define("aten::linalg_cholesky_ex") { c in
            let r = try c.tensor(0, "self").linalgCholeskyEx(upper: c.bool(1, "upper", default: false), checkErrors: c.bool(2, "check_errors", default: false))
            return .tuple([.tensor(r.l), .tensor(r.info)])
        }
        tensorOp("aten::cholesky_solve") { try $0.tensor(0, "self").choleskySolve($0.tensor(1, "input2"), upper: $0.bool(2, "upper", default: false)) }
        tensorOp("aten::cholesky_inverse") { try $0.tensor(0, "self").choleskyInverse(upper: $0.bool(1, "upper", default: false)) }
        define("aten::geqrf") { c in
            let r = try c.tensor(0, "self").geqrf()
            return .tuple([.tensor(r.a), .tensor(r.tau)])
        }
        tensorOp("aten::linalg_householder_product") { try $0.tensor(0, "input").linalgHouseholderProduct($0.tensor(1, "tau")) }
        tensorOp("aten::orgqr") { try $0.tensor(0, "self").linalgHouseholderProduct($0.tensor(1, "input2")) }
        tensorOp("aten::ormqr") { c in
            try c.tensor(0, "self").ormqr(tau: c.tensor(1, "input2"), c.tensor(2, "input3"), left: c.bool(3, "left", default: true), transpose: c.bool(4, "transpose", default: false))
        }
        define("aten::linalg_qr") { c in
            let r = try c.tensor(0, "A").linalgQR(mode: c.string(1, "mode", default: "reduced"))
            return .tuple([.tensor(r.q), .tensor(r.r)])
        }
        tensorOp("aten::linalg_solve_triangular") { c in
            try c.tensor(0, "self").linalgSolveTriangular(c.tensor(1, "B"), upper: c.bool(2, "upper"), left: c.bool(3, "left", default: true),
                                                          unitriangular: c.bool(4, "unitriangular", default: false))
        }
        define("aten::triangular_solve") { c in
            let r = try c.tensor(0, "self").triangularSolve(c.tensor(1, "A"), upper: c.bool(2, "upper", default: true), transpose: c.bool(3, "transpose", default: false),
                                                            unitriangular: c.bool(4, "unitriangular", default: false))
            return .tuple([.tensor(r.solution), .tensor(r.clonedCoefficient)])
        }
        define("aten::linalg_lstsq") { c in
            let r = try c.tensor(0, "self").linalgLstsq(c.tensor(1, "b"), rcond: c.optionalDouble(2, "rcond"), driver: c.optionalString(3, "driver"))
            return .tuple([.tensor(r.solution), .tensor(r.residuals), .tensor(r.rank), .tensor(r.singularValues)])
        }
    }

    private mutating func defineSpectralOperators() {
        define("aten::linalg_svd") { c in
            let r = try c.tensor(0, "A").linalgSVD(fullMatrices: c.bool(1, "full_matrices", default: true), driver: c.optionalString(2, "driver"))
            return .tuple([.tensor(r.u), .tensor(r.s), .tensor(r.vh)])
        }
        define("aten::_linalg_svd") { c in
            let a = try c.tensor(0, "A")
            guard try c.bool(2, "compute_uv", default: true) else {
                let s = try a.linalgSVDVals(driver: c.optionalString(3, "driver"))
                return .tuple([.tensor(Tensor.zeros([0], dtype: a.dtype)), .tensor(s), .tensor(Tensor.zeros([0], dtype: a.dtype))])
            }
            let r = try a.linalgSVD(fullMatrices: c.bool(1, "full_matrices", default: false), driver: c.optionalString(3, "driver"))
            return .tuple([.tensor(r.u), .tensor(r.s), .tensor(r.vh)])
        }
        define("aten::svd") { c in
            let r = try c.tensor(0, "self").svd(some: c.bool(1, "some", default: true), computeUV: c.bool(2, "compute_uv", default: true))
            return .tuple([.tensor(r.u), .tensor(r.s), .tensor(r.v)])
        }
        tensorOp("aten::linalg_svdvals") { try $0.tensor(0, "A").linalgSVDVals(driver: $0.optionalString(1, "driver")) }
        define("aten::linalg_eigh") { c in
            let r = try c.tensor(0, "self").linalgEigh(uplo: c.string(1, "UPLO", default: "L"))
            return .tuple([.tensor(r.eigenvalues), .tensor(r.eigenvectors)])
        }
        define("aten::linalg_eig") { c in
            let r = try c.tensor(0, "self").linalgEig()
            return .tuple([.tensor(r.eigenvalues), .tensor(r.eigenvectors)])
        }
        for name in ["aten::linalg_eigvals", "aten::_linalg_eigvals"] {
            tensorOp(name) { try $0.tensor(0, "self").linalgEigvals() }
        }
        define("aten::_linalg_eigh") { c in
            let a = try c.tensor(0, "A")
            let uplo = try c.string(1, "UPLO", default: "L")
            guard try c.bool(2, "compute_v", default: true) else {
                return .tuple([.tensor(try a.linalgEigvalsh(uplo: uplo)), .tensor(Tensor.zeros([0], dtype: a.dtype))])
            }
            let r = try a.linalgEigh(uplo: uplo)
            return .tuple([.tensor(r.eigenvalues), .tensor(r.eigenvectors)])
        }
        tensorOp("aten::linalg_eigvalsh") { try $0.tensor(0, "self").linalgEigvalsh(uplo: $0.string(1, "UPLO", default: "L")) }
        // pinv and matrix_rank: the tolerance as numbers, tensors, or the older rcond / tol forms.
        tensorOp("aten::linalg_pinv") { c in
            let x = try c.tensor(0, "self")
            return try x.linalgPinv(tolerance: .init(relative: Tensor(scalar: c.double(1, "rcond"))), hermitian: c.bool(2, "hermitian", default: false))
        }
        tensorOp("aten::linalg_pinv.rcond_tensor") { c in
            try c.tensor(0, "self").linalgPinv(tolerance: .init(relative: c.tensor(1, "rcond")), hermitian: c.bool(2, "hermitian", default: false))
        }
        tensorOp("aten::linalg_pinv.atol_rtol_float") { c in
            let x = try c.tensor(0, "self")
            return try x.linalgPinv(tolerance: .init(for: x, atol: c.optionalDouble(1, "atol"), rtol: c.optionalDouble(2, "rtol")), hermitian: c.bool(3, "hermitian", default: false))
        }
        tensorOp("aten::linalg_pinv.atol_rtol_tensor") { c in
            let x = try c.tensor(0, "self")
            return try x.linalgPinv(tolerance: .init(for: x, atol: c.optionalTensor(1, "atol"), rtol: c.optionalTensor(2, "rtol")), hermitian: c.bool(3, "hermitian", default: false))
        }
        tensorOp("aten::pinverse") { c in
            try c.tensor(0, "self").linalgPinv(tolerance: .init(relative: Tensor(scalar: c.double(1, "rcond", default: 1e-15))))
        }
        tensorOp("aten::linalg_matrix_rank") { c in
            try c.tensor(0, "self").linalgMatrixRank(tolerance: .init(absolute: Tensor(scalar: c.double(1, "tol"))), hermitian: c.bool(2, "hermitian", default: false))
        }
        tensorOp("aten::linalg_matrix_rank.tol_tensor") { c in
            try c.tensor(0, "input").linalgMatrixRank(tolerance: .init(absolute: c.tensor(1, "tol")), hermitian: c.bool(2, "hermitian", default: false))
        }
        tensorOp("aten::linalg_matrix_rank.atol_rtol_float") { c in
            let x = try c.tensor(0, "self")
            return try x.linalgMatrixRank(tolerance: .init(for: x, atol: c.optionalDouble(1, "atol"), rtol: c.optionalDouble(2, "rtol")), hermitian: c.bool(3, "hermitian", default: false))
        }
        tensorOp("aten::linalg_matrix_rank.atol_rtol_tensor") { c in
            let x = try c.tensor(0, "input")
            let tolerance = try Tensor.SpectralTolerance(for: x, atol: c.optionalTensor(1, "atol"), rtol: c.optionalTensor(2, "rtol"), function: "torch.linalg.matrix_rank")
            return try x.linalgMatrixRank(tolerance: tolerance, hermitian: c.bool(3, "hermitian", default: false))
        }
        tensorOp("aten::linalg_cond") { c in
            let x = try c.tensor(0, "self")
            let p = try c.optionalScalar(1, "p")
            // ATen prints an int order as an integer and a double one with std::to_string.
            let label = p.map { p -> String in
                if case .int(let i) = p { return String(i) }
                let value = p.doubleValue
                return CFormat.string("%f", value)
            }
            return try Self.conditionNumber(x, order: .number(p?.doubleValue ?? 2), label: label ?? "2")
        }
        tensorOp("aten::linalg_cond.p_str") { c in
            let order = try c.string(1, "p")
            return try Self.conditionNumber(c.tensor(0, "self"), order: .name(order), label: order)
        }
        for name in ["aten::linalg_matrix_exp", "aten::matrix_exp"] {
            tensorOp(name) { try $0.tensor(0, "self").linalgMatrixExp() }
        }
        tensorOp("aten::linalg_matrix_sqrth") { try $0.tensor(0, "self").linalgMatrixSqrth() }
        define("aten::linalg_polar") { c in
            let r = try c.tensor(0, "A").linalgPolar()
            return .tuple([.tensor(r.u), .tensor(r.h)])
        }
    }

    /// `linalg.cond`: σ_max/σ_min for order ±2 (inverted for -2, any shape), Σσ·Σ1/σ for "nuc", else ‖A‖·‖A⁻¹‖ in
    /// the matrix norm of that order with a singular matrix's condition infinite; 0 for empty matrices. `label` is
    /// the order as ATen prints it.
    private static func conditionNumber(_ x: Tensor, order: MatrixNormOrder, label: String) throws -> Tensor {
        try Self.checkConditionOrder(order, label: label)
        if case .number(let p) = order, Swift.abs(p) == 2 {
            guard x.rank >= 2 else { throw OperatorError("linalg.cond: The input tensor must have at least 2 dimensions.") }
            let values = try x.linalgSVDVals()
            let count = values.shape.last ?? 0
            guard count > 0 else { return Tensor.zeros(Array(x.shape.dropLast(2)), dtype: x.dtype) }
            let (largest, smallest) = (try values.select(dim: values.rank - 1, index: 0), try values.select(dim: values.rank - 1, index: count - 1))
            return p < 0 ? try smallest.div(largest) : try largest.div(smallest)
        }
        let name = "linalg.cond(ord=\(label))"
        guard x.rank >= 2 else { throw OperatorError("\(name): The input tensor A must have at least 2 dimensions.") }
        guard x.shape[x.rank - 1] == x.shape[x.rank - 2] else {
            throw OperatorError("\(name): A must be batches of square matrices, but they are \(x.shape[x.rank - 2]) by \(x.shape[x.rank - 1]) matrices")
        }
        if x.elementCount == 0 { return Tensor.zeros(Array(x.shape.dropLast(2)), dtype: x.dtype) }
        if case .name("nuc") = order {
            let values = try x.linalgSVDVals()
            let last = values.rank - 1
            return try values.sum(dims: [last]).mul(values.reciprocal().sum(dims: [last]))
        }
        let (inverse, info) = try x.linalgInvEx()
        let singular = try Tensor.compare(Greater(), .tensor(info.unsqueeze(info.rank).unsqueeze(info.rank + 1)), .scalar(.int(0)), operation: "linalg.cond")
        let safeInverse = try Tensor.where(singular, .scalar(.double(.infinity)), .tensor(inverse))
        let dims = [-2, -1]
        let product = try matrixNorm(x, order: order, dims: dims, keepDim: false, dtype: nil).mul(matrixNorm(safeInverse, order: order, dims: dims, keepDim: false, dtype: nil))
        return try product.nanToNum(nan: .infinity, posinf: .infinity, neginf: -.infinity)
    }

    /// linalg.cond's orders: ±1, ±2, ±inf, "fro", "nuc".
    private static func checkConditionOrder(_ order: MatrixNormOrder, label: String) throws {
        switch order {
        case .number(let p):
            guard [1, -1, 2, -2].contains(p) || p.isInfinite else {
                throw OperatorError("linalg.cond got an invalid norm type: \(p == p.rounded() && Swift.abs(p) < 1e15 ? String(Int(p)) : String(p))")
            }
        case .name(let n):
            guard n == "fro" || n == "nuc" else { throw OperatorError("linalg.cond got an invalid norm type: \(n)") }
        }
    }
}

