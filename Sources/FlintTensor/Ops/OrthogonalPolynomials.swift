import RealModule

/// The orthogonal polynomials of `torch.special` (Chebyshev T/U/V/W and their shifted forms on [0, 1], physicists'
/// and probabilists' Hermite, Laguerre, Legendre), evaluated as ATen does: the three-term recurrence, closed forms
/// at the interval's ends, and for high degrees inside the interval the trigonometric form (Chebyshev kinds).
/// The degree is the second operand truncated to an integer; a negative degree gives 0.
public enum OrthogonalPolynomial: String, CaseIterable, Sendable {
    case chebyshevT = "chebyshev_polynomial_t", chebyshevU = "chebyshev_polynomial_u"
    case chebyshevV = "chebyshev_polynomial_v", chebyshevW = "chebyshev_polynomial_w"
    case shiftedChebyshevT = "shifted_chebyshev_polynomial_t", shiftedChebyshevU = "shifted_chebyshev_polynomial_u"
    case shiftedChebyshevV = "shifted_chebyshev_polynomial_v", shiftedChebyshevW = "shifted_chebyshev_polynomial_w"
    case hermiteH = "hermite_polynomial_h", hermiteHe = "hermite_polynomial_he"
    case laguerreL = "laguerre_polynomial_l", legendreP = "legendre_polynomial_p"

    /// The polynomial of degree `n` at `x`, in `C`.
    func evaluate<C: Real & BinaryFloatingPoint>(_ x: C, degree n: Int64) -> C {
        if n < 0 { return 0 }
        let m = C(n)
        switch self {
        case .chebyshevT:
            if Swift.abs(x) == 1 { return x > 0 || n % 2 == 0 ? 1 : -1 }
            if n > 6 && Swift.abs(x) < 1 { return C.cos(m * C.acos(x)) }
            return Self.recurrence(n, first: x, x: x)
        case .chebyshevU:
            if Swift.abs(x) == 1 { return x > 0 || n % 2 == 0 ? m + 1 : -(m + 1) }
            if n > 8 && Swift.abs(x) < 1 {
                let angle = C.acos(x)
                if C.sin(angle) != 0 { return C.sin((m + 1) * angle) / C.sin(angle) }
                return (m + 1) * C.cos((m + 1) * angle) / x
            }
            return Self.recurrence(n, first: x + x, x: x)
        case .chebyshevV:
            if Swift.abs(x) == 1 {
                if x > 0 { return 1 }
                return n % 2 == 0 ? m + m + 1 : -(m + m + 1)
            }
            if n > 8 && Swift.abs(x) < 1 {
                let angle = C.acos(x)
                if C.sin(angle / 2) != 1 { return C.cos((m + C(0.5)) * angle) / C.cos(angle / 2) }
                return n % 2 == 0 ? m + m + 1 : -(m + m + 1)
            }
            return Self.recurrence(n, first: x + x - 1, x: x)
        case .chebyshevW:
            if Swift.abs(x) == 1 {
                if x > 0 { return m + m + 1 }
                return n % 2 == 0 ? 1 : -1
            }
            if n > 8 && Swift.abs(x) < 1 {
                let angle = C.acos(x)
                if C.cos(angle / 2) != 1 { return C.sin((m + C(0.5)) * angle) / C.sin(angle / 2) }
                if x > 0 { return m + m + 1 }
                return n % 2 == 0 ? 1 : -1
            }
            return Self.recurrence(n, first: x + x + 1, x: x)
        case .shiftedChebyshevT:
            if x == 1 { return 1 }
            if x == 0 { return n % 2 == 0 ? 1 : -1 }
            let y = x + x - 1
            if n > 6 && Swift.abs(y) < 1 { return C.cos(m * C.acos(y)) }
            return Self.recurrence(n, first: y, x: y)
        case .shiftedChebyshevU:
            if x == 1 { return m + 1 }
            if x == 0 { return n % 2 == 0 ? m + 1 : -(m + 1) }
            let y = x + x - 1
            if n > 6 && Swift.abs(y) < 1 {
                let angle = C.acos(y)
                if C.sin(angle) != 0 { return C.sin((m + 1) * angle) / C.sin(angle) }
                return (m + 1) * C.cos((m + 1) * angle) / y
            }
            return Self.recurrence(n, first: y + y, x: y)
        case .shiftedChebyshevV:
            if x == 1 { return 1 }
            if x == 0 { return n % 2 == 0 ? m + m + 1 : -(m + m + 1) }
            let y = x + x - 1
            if n > 6 && Swift.abs(y) < 1 {
                let angle = C.acos(y)
                if C.sin(angle / 2) != 1 { return C.cos((m + C(0.5)) * angle) / C.cos(angle / 2) }
                return n % 2 == 0 ? m + m + 1 : -(m + m + 1)
            }
            return Self.recurrence(n, first: y + y - 1, x: y)
        case .shiftedChebyshevW:
            if x == 1 { return m + m + 1 }
            if x == 0 { return n % 2 == 0 ? 1 : -1 }
            let y = x + x - 1
            if n > 4 && Swift.abs(y) < 1 {
                let angle = C.acos(y)
                if C.cos(angle / 2) != 1 { return C.sin((m + C(0.5)) * angle) / C.sin(angle / 2) }
                return n % 2 == 0 ? 1 : -1
            }
            return Self.recurrence(n, first: y + y + 1, x: y)
        case .hermiteH:
            if n == 0 { return 1 }
            if n == 1 { return x + x }
            var (p, q, r): (C, C, C) = (1, x + x, 0)
            var k: Int64 = 2
            while k < n + n {
                r = (x + x) * q - C(k) * p
                (p, q) = (q, r)
                k += 2
            }
            return r
        case .hermiteHe:
            if n == 0 { return 1 }
            if n == 1 { return x }
            var (p, q, r): (C, C, C) = (1, x, 0)
            for k in 1..<n {
                r = x * q - C(k) * p
                (p, q) = (q, r)
            }
            return r
        case .laguerreL:
            if Swift.abs(x) == 0 || n == 0 { return 1 }
            if n == 1 { return 1 - x }
            var (p, q, r): (C, C, C) = (1, 1 - x, 0)
            for k in 1..<n {
                r = ((C(k + k) + (1 - x)) * q - C(k) * p) / C(k + 1)
                (p, q) = (q, r)
            }
            return r
        case .legendreP:
            if Swift.abs(x) == 1 { return x > 0 || n % 2 == 0 ? 1 : -1 }
            if n == 0 { return 1 }
            if n == 1 { return x }
            var (p, q, r): (C, C, C) = (1, x, 0)
            for k in 1..<n {
                r = (C(k + k + 1) * x * q - C(k) * p) / C(k + 1)
                (p, q) = (q, r)
            }
            return r
        }
    }

    /// The Chebyshev recurrence rₖ = 2x·rₖ₋₁ − rₖ₋₂ from r₀ = 1 and r₁ = `first`.
    private static func recurrence<C: Real & BinaryFloatingPoint>(_ n: Int64, first: C, x: C) -> C {
        if n == 0 { return 1 }
        if n == 1 { return first }
        var (p, q, r): (C, C, C) = (1, first, 0)
        for _ in 2...n {
            r = (x + x) * q - p
            (p, q) = (q, r)
        }
        return r
    }
}

/// P(x, n) elementwise; the degree operand is truncated to an integer (NaN and out-of-range degrees count as negative).
struct OrthogonalPolynomialOp: BinaryArithmetic {
    let polynomial: OrthogonalPolynomial
    func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C {
        let degree: Int64 = b.isFinite && Swift.abs(b) < 9.2e18 ? Int64(b.rounded(.towardZero)) : -1
        return polynomial.evaluate(a, degree: degree)
    }
    func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { a }
}

extension Tensor {
    /// `torch.special.<polynomial>(x, n)`: broadcast, integers promoted to the default float.
    public static func orthogonalPolynomial(_ polynomial: OrthogonalPolynomial, _ x: Operand, _ n: Operand) throws -> Tensor {
        try Tensor.binary(OrthogonalPolynomialOp(polynomial: polynomial), x, n, operation: polynomial.rawValue, promoteIntegersToFloat: true)
    }
}
