import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Special functions (`digamma`, `polygamma`, `erfinv`, `special_entr`, `special_zeta`, `igamma` / `igammac`, the Bessel functions
    /// `i0`, `special_i0e`, `special_i1`, `special_i1e`), integer and float bit
    /// functions (`gcd`, `lcm`, `nextafter`, `frexp`), the orthogonal polynomials of `torch.special`, and the `torch.special`
    /// names ATen keeps as aliases of ordinary operators: each alias runs the body of the operator it names, so
    /// the two cannot drift apart. Declared after the operators they alias.
    mutating func defineSpecialFunctionOperators() {
        unary("digamma") { try $0.pointwise(Digamma(), operation: "digamma") }
        unary("erfinv") { try $0.pointwise(InverseErf(), operation: "erfinv") }
        unary("special_entr") { try $0.pointwise(Entropy(), operation: "entr") }
        for (name, kind) in [("i0", ModifiedBesselFirstKind.Kind.i0), ("special_i0e", .i0e), ("special_i1", .i1), ("special_i1e", .i1e)] {
            unary(name) { try $0.pointwise(ModifiedBesselFirstKind(kind), operation: name) }
        }
        for name in ["polygamma", "special_polygamma"] {
            tensorOp("aten::\(name)") { c in
                let order = try c.int(0, "n")
                guard order >= 0 else { throw OperatorError("polygamma(n, x) does not support negative n.") }
                return try c.tensor(1, "self").pointwise(Polygamma(order: order), operation: "polygamma")
            }
        }
        for overload in ["", ".other_scalar", ".self_scalar"] {
            tensorOp("aten::special_zeta\(overload)") { try Tensor.zeta($0.operand(0, "self"), $0.operand(1, "other")) }
        }
        for polynomial in OrthogonalPolynomial.allCases {
            for overload in ["", ".x_scalar", ".n_scalar"] {
                tensorOp("aten::special_\(polynomial.rawValue)\(overload)") {
                    try Tensor.orthogonalPolynomial(polynomial, $0.operand(0, "x"), $0.operand(1, "n"))
                }
            }
        }
        unary("special_ndtr") { try $0.pointwise(NormalDistributionFunction(.cdf), operation: "ndtr") }
        unary("special_log_ndtr") { try $0.pointwise(NormalDistributionFunction(.logCDF), operation: "log_ndtr") }
        unary("special_ndtri") { try $0.pointwise(NormalDistributionFunction(.quantile), operation: "ndtri") }
        unary("special_erfcx") { try $0.pointwise(NormalDistributionFunction(.scaledComplementaryErf), operation: "erfcx") }
        tensorOp("aten::gcd") { try Tensor.gcd($0.tensor(0, "self"), $0.tensor(1, "other")) }
        tensorOp("aten::lcm") { try Tensor.gcd($0.tensor(0, "self"), $0.tensor(1, "other"), leastCommonMultiple: true) }
        tensorOp("aten::nextafter") { try $0.tensor(0, "self").nextAfter($0.tensor(1, "other")) }
        define("aten::frexp.Tensor") { c in
            let (mantissa, exponent) = try c.tensor(0, "self").fractionAndExponent()
            return .tuple([.tensor(mantissa), .tensor(exponent)])
        }
        // The regularized incomplete gamma functions P(a, x) and Q(a, x).
        for (name, upper) in [("igamma", false), ("igammac", true), ("special_gammainc", false), ("special_gammaincc", true)] {
            tensorOp("aten::\(name)") { c in
                let (a, x) = (try c.operand(0, "self"), try c.operand(1, "other"))
                return upper ? try Tensor.igammac(a, x) : try Tensor.igamma(a, x)
            }
        }
        // The Bessel functions of torch.special beyond I₀ / I₁ (J, Y, modified I / K and their scaled forms, the
        // spherical J₀, Airy Ai).
        for kind in CylindricalBesselFunction.Kind.allCases {
            unary("special_\(kind.rawValue)") { try $0.pointwise(CylindricalBesselFunction(kind), operation: kind.rawValue) }
        }
        let aliases: [(alias: String, target: String)] = [
            ("special_psi", "digamma"), ("special_digamma", "digamma"), ("special_erfinv", "erfinv"), ("special_i0", "i0"),
            ("special_expit", "sigmoid"), ("special_exp2", "exp2"), ("special_expm1", "expm1"), ("special_log1p", "log1p"),
            ("special_erf", "erf"), ("special_erfc", "erfc"), ("special_gammaln", "lgamma"), ("special_sinc", "sinc"),
            ("special_logit", "logit"), ("special_multigammaln", "mvlgamma"), ("special_round", "round.decimals"),
            ("special_logsumexp", "logsumexp"), ("special_softmax", "softmax.int"), ("special_log_softmax", "log_softmax.int"),
            ("special_xlogy", "xlogy.Tensor"), ("special_xlogy.other_scalar", "xlogy.Scalar_Other"),
            ("special_xlogy.self_scalar", "xlogy.Scalar_Self"), ("linalg_matmul", "matmul"),
        ]
        for (alias, target) in aliases {
            guard let body = self["aten::\(target)"] else { preconditionFailure("alias \(alias) of undeclared aten::\(target)") }
            define("aten::\(alias)", body)
        }
    }
}
