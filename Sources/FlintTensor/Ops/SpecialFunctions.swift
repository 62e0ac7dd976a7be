import RealModule

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Special functions with ATen's algorithms (Cephes-derived, as in ATen's Math.h): digamma, polygamma, the
/// Hurwitz zeta function, the inverse error function and the entropy term −x·log x. The gamma-family functions
/// run in the element's compute type (`Float` for float32) with ATen's constants, so float32 results carry
/// the same rounding as libtorch's float kernels (near a pole that is visible: ψ′(−3.0337) is 884.3393 in float
/// and 884.3365 in double).
enum SpecialFunctions {
    /// ψ(x): ±∞ at ±0, NaN at negative integers, the reflection formula below 0 (its π / tan(πr) in double, as
    /// ATen's float kernel does), the recurrence up to 10, then the asymptotic series.
    static func digamma<C: Real & BinaryFloatingPoint>(_ value: C) -> C {
        var x = value
        if x == 0 { return x.sign == .minus ? .infinity : -.infinity }
        if x < 0 {
            if x == x.rounded(.towardZero) { return .nan }
            let fraction = Double(x - x.rounded(.towardZero))
            return digamma(1 - x) - C(Double.pi / tan(Double.pi * fraction))
        }
        var result: C = 0
        while x < 10 {
            result -= 1 / x
            x += 1
        }
        if x == 10 { return result + C(2.25175258906672110764) }
        var series: C = 0
        if x < C(1e17) {
            let z = 1 / (x * x)
            let coefficients: [C] = [8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
                                     -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
                                     8.33333333333333333333E-2]
            series = z * coefficients.reduce(0) { $0 * z + $1 }
        }
        return result + C.log(x) - C(0.5) / x - series
    }

    /// ψ′(x): the reflection formula below ½, six steps of the recurrence, then the asymptotic series (whose
    /// double constants make ATen evaluate that last bracket in double).
    static func trigamma<C: Real & BinaryFloatingPoint>(_ value: C) -> C {
        var (x, sign, result): (C, C, C) = (value, 1, 0)
        if x < C(0.5) {
            sign = -1
            // π rounded to nearest, as C++'s constant (Swift's `.pi` rounds toward zero, off by an ulp in Float).
            let pi = C(Double.pi)
            let s = C.sin(pi * x)
            result -= pi * pi / (s * s)
            x = 1 - x
        }
        for _ in 0..<6 {
            result += 1 / (x * x)
            x += 1
        }
        let ixx = 1 / (x * x)
        let head = Double(1 + 1 / (2 * x))
        let wideIxx = Double(ixx)
        result = C(Double(result) + (head + wideIxx * (1.0 / 6 - wideIxx * (1.0 / 30 - wideIxx * (1.0 / 42)))) / Double(x))
        return sign * result
    }

    /// ψ⁽ⁿ⁾(x) for n ≥ 0: digamma, trigamma, then (−1)ⁿ⁺¹ n! ζ(n + 1, x) (the factor in double, ζ in C).
    static func polygamma<C: Real & BinaryFloatingPoint>(_ n: Int, _ x: C) -> C {
        switch n {
        case 0: return digamma(x)
        case 1: return trigamma(x)
        default: return C((n % 2 == 1 ? 1.0 : -1.0) * exp(lgamma(Double(n) + 1)) * Double(zeta(C(n + 1), x)))
        }
    }

    /// The Hurwitz zeta function ζ(s, q) = Σₖ (k + q)⁻ˢ: Euler–Maclaurin summation (Cephes' zeta). ∞ at s = 1, NaN
    /// for s < 1; for q ≤ 0, ∞ at integer q and NaN for non-integer s.
    static func zeta<C: Real & BinaryFloatingPoint>(_ s: C, _ q: C) -> C {
        let machineEpsilon = C(1.11022302462515654042E-16)
        let bernoulliTerms: [C] = [12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
                                   -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
                                   1.8152105401943546773e17, -7.1661652561756670113e18]
        if s == 1 { return .infinity }
        if s < 1 { return .nan }
        if q <= 0 {
            if q == q.rounded(.down) { return .infinity }
            if s != s.rounded(.down) { return .nan }
        }
        var sum = power(q, -s)
        var a = q
        var b: C = 0
        var i = 0
        while i < 9 || a <= 9 {
            i += 1
            a += 1
            b = power(a, -s)
            sum += b
            if Swift.abs(b / sum) < machineEpsilon { return sum }
        }
        let w = a
        sum += b * w / (s - 1)
        sum -= C(0.5) * b
        var factor: C = 1
        var k: C = 0
        for term in bernoulliTerms {
            factor *= s + k
            b /= w
            let t = factor * b / term
            sum += t
            if Swift.abs(t / sum) < machineEpsilon { return sum }
            k += 1
            factor *= s + k
            b /= w
            k += 1
        }
        return sum
    }

    /// xʸ as C's pow / powf computes it: a negative base with an integral exponent is defined (RealModule's pow
    /// gives NaN there).
    private static func power<C: BinaryFloatingPoint>(_ x: C, _ y: C) -> C {
        if let base = x as? Float, let exponent = y as? Float { return C(powf(base, exponent)) }
        return C(pow(Double(x), Double(y)))
    }

    /// erf⁻¹(y): a rational first guess, then two Newton steps; ±∞ at ±1, NaN outside [−1, 1].
    static func inverseErf(_ y: Double) -> Double {
        let magnitude = Swift.abs(y)
        if magnitude > 1 || y.isNaN { return .nan }
        if magnitude == 1 { return y < 0 ? -.infinity : .infinity }
        var x: Double
        if magnitude <= 0.7 {
            let z = y * y
            let numerator = ((-0.140543331 * z + 0.914624893) * z - 1.645349621) * z + 0.886226899
            let denominator = (((0.012229801 * z - 0.329097515) * z + 1.442710462) * z - 2.118377725) * z + 1
            x = y * numerator / denominator
        } else {
            let z = (-log((1 - magnitude) / 2)).squareRoot()
            let numerator = ((1.641345311 * z + 3.429567803) * z - 1.624906493) * z - 1.970840454
            let denominator = (1.637067800 * z + 3.543889200) * z + 1
            x = (y < 0 ? -numerator : numerator) / denominator
        }
        for _ in 0..<2 { x -= (erf(x) - y) / (2 / Double.pi.squareRoot() * exp(-x * x)) }
        return x
    }

    /// The standard normal CDF Φ(x) = erfc(−x/√2) / 2 (accurate in both tails).
    static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// erfcx(x) = exp(x²)·erfc(x): directly where that is finite, the asymptotic series for large x (from x > 26,
    /// where erfc underflows, its terms are below double's rounding after four), and 2·exp(x²) − erfcx(−x) below 0.
    static func scaledComplementaryErf(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x < 0 {
            if x < -26.7 { return .infinity }
            return 2 * exp(x * x) - scaledComplementaryErf(-x)
        }
        if x < 26 { return exp(x * x) * erfc(x) }
        if x.isInfinite { return 0 }
        let inverse = 1 / (2 * x * x)
        return 1 / (x * Double.pi.squareRoot()) * (1 - inverse * (1 - 3 * inverse * (1 - 5 * inverse * (1 - 7 * inverse))))
    }

    /// log Φ(x): log(erfcx(−t)/2) − t² below −1 (t = x/√2), log1p(−erfc(t)/2) elsewhere, as ATen splits it.
    static func logNormalCDF(_ x: Double) -> Double {
        let t = x / 2.0.squareRoot()
        if x < -1 { return log(scaledComplementaryErf(-t) / 2) - t * t }
        return log1p(-erfc(t) / 2)
    }

    /// Φ⁻¹(p): a first guess (√2·erf⁻¹(2p − 1), or the tail's −√(−2 log p)), then Newton steps on Φ computed from erfc,
    /// which keeps the tails accurate; −∞ / ∞ at 0 / 1, NaN outside [0, 1].
    static func normalQuantile(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        // By symmetry, solve Φ(z) = q for the lower tail q = min(p, 1 − p), then flip the sign.
        let lower = p < 0.5
        let q = lower ? p : 1 - p
        var z = q > 1e-6 ? 2.0.squareRoot() * inverseErf(2 * q - 1) : -(-2 * log(q)).squareRoot()
        let logQ = log(q)
        for _ in 0..<8 {
            // Newton on log Φ(z) − log q: its derivative φ(z)/Φ(z) keeps the far tail's steps in proportion.
            let logCDF = logNormalCDF(z)
            let logDensity = -z * z / 2 - 0.5 * log(2 * Double.pi)
            let step = (logCDF - logQ) / exp(logDensity - logCDF)
            guard step.isFinite else { break }
            z -= step
            if Swift.abs(step) <= 1e-16 * Swift.max(1, Swift.abs(z)) { break }
        }
        return lower ? z : -z
    }

    /// −x·log x: 0 at 0, −∞ below 0, NaN stays NaN.
    static func entropy(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 0 { return -x * log(x) }
        return x == 0 ? 0 : -.infinity
    }
}

/// ψ(x) (`torch.digamma`).
public struct Digamma: FloatPointwiseFunction {
    /// Creates the operation.
    public init() {}
    /// ψ(x).
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { SpecialFunctions.digamma(x) }
}

/// ψ⁽ⁿ⁾(x) (`torch.polygamma`).
public struct Polygamma: FloatPointwiseFunction {
    /// The derivative's order, ≥ 0.
    public let order: Int
    /// Creates the operation for derivative `order` (≥ 0).
    public init(order: Int) { self.order = order }
    /// ψ⁽ⁿ⁾(x).
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { SpecialFunctions.polygamma(order, x) }
}

/// erf⁻¹(x) (`torch.erfinv`).
public struct InverseErf: FloatPointwiseFunction {
    /// Creates the operation.
    public init() {}
    /// erf⁻¹(x).
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { C(SpecialFunctions.inverseErf(Double(x))) }
}

/// −x·log x (`torch.special.entr`).
public struct Entropy: FloatPointwiseFunction {
    /// Creates the operation.
    public init() {}
    /// −x·log x.
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { C(SpecialFunctions.entropy(Double(x))) }
}

/// ζ(x, q) (`torch.special.zeta`), integers promoted to the default float.
struct HurwitzZeta: BinaryArithmetic {
    func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { SpecialFunctions.zeta(a, b) }
    func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { a }
}

extension Tensor {
    /// `torch.special.zeta(x, q)`: the Hurwitz zeta function, broadcast; integers promote to the default float.
    public static func zeta(_ x: Operand, _ q: Operand) throws -> Tensor {
        try Tensor.binary(HurwitzZeta(), x, q, operation: "zeta", promoteIntegersToFloat: true)
    }
}

/// |gcd(a, b)| by Euclid's algorithm (gcd(0, 0) = 0), on integers only.
struct GreatestCommonDivisor: BinaryArithmetic {
    func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a }
    func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { Self.gcd(a, b) }
    static func gcd<I: FixedWidthInteger>(_ a: I, _ b: I) -> I {
        var (x, y) = (a.magnitudeOrSelf, b.magnitudeOrSelf)
        while x != 0 { (x, y) = (y % x, x) }
        return y
    }
}

/// |a / gcd(a, b) · b| (0 when both are 0), on integers only; computed in 64 bits and truncated to the element type,
/// as C++'s integer promotion does in ATen (an int8 lcm of 7 and 29 is 203, stored as −53).
struct LeastCommonMultiple: BinaryArithmetic {
    func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a }
    func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I {
        let g = GreatestCommonDivisor.gcd(a, b)
        guard g != 0 else { return 0 }
        let wide = (Int64(truncatingIfNeeded: a) / Int64(truncatingIfNeeded: g)) &* Int64(truncatingIfNeeded: b)
        return I(truncatingIfNeeded: wide.magnitudeOrSelf)
    }
}

/// The next representable value after a in the direction of b (b when equal, NaN when either is).
struct NextAfter: BinaryArithmetic {
    func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C {
        if a.isNaN || b.isNaN { return .nan }
        if a == b { return b }
        return a < b ? a.nextUp : a.nextDown
    }
    func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { a }
}

extension FixedWidthInteger {
    /// |self| with the wrapping of C's abs for the minimum value.
    fileprivate var magnitudeOrSelf: Self { self < 0 ? 0 &- self : self }
}

extension Tensor {
    /// `torch.gcd` / `torch.lcm`: integer dtypes only, broadcast with type promotion.
    public static func gcd(_ a: Tensor, _ b: Tensor, leastCommonMultiple: Bool = false) throws -> Tensor {
        let operation = leastCommonMultiple ? "lcm" : "gcd"
        let common = try DType.resultType([.tensor(a.dtype, rank: a.rank), .tensor(b.dtype, rank: b.rank)])
        guard common.isIntegral else { throw TensorError("\"\(operation)_cpu\" not implemented for '\(common.scalarTypeName)'") }
        return leastCommonMultiple
            ? try Tensor.binary(LeastCommonMultiple(), .tensor(a), .tensor(b), operation: operation)
            : try Tensor.binary(GreatestCommonDivisor(), .tensor(a), .tensor(b), operation: operation)
    }

    /// `torch.nextafter`: float32 and float64 (the types whose neighbours Flint computes exactly).
    public func nextAfter(_ other: Tensor) throws -> Tensor {
        let common = try DType.resultType([.tensor(dtype, rank: rank), .tensor(other.dtype, rank: other.rank)])
        guard common == .float32 || common == .float64 else {
            throw TensorError("\"nextafter_cpu\" not implemented for '\(common.scalarTypeName)'")
        }
        return try Tensor.binary(NextAfter(), .tensor(self), .tensor(other), operation: "nextafter")
    }

    /// `torch.frexp`: mantissas in [0.5, 1) with this tensor's dtype and int32 exponents, x = m · 2ᵉ (0, ±∞ and NaN
    /// keep exponent 0).
    public func fractionAndExponent() throws -> (mantissa: Tensor, exponent: Tensor) {
        guard dtype == .float32 || dtype == .float64 || dtype == .float16 || dtype == .bfloat16 else {
            throw TensorError("torch.frexp() only supports floating-point dtypes")
        }
        let values = try to(.float64).contiguous().scalars(as: Double.self)
        var mantissas = [Double](), exponents = [Int32]()
        mantissas.reserveCapacity(values.count)
        exponents.reserveCapacity(values.count)
        for v in values {
            if v == 0 || !v.isFinite {
                mantissas.append(v)
                exponents.append(0)
            } else {
                // v = significand · 2^exponent with significand in [1, 2): one step down for [0.5, 1).
                mantissas.append(v.significand / 2 * (v < 0 ? -1 : 1))
                exponents.append(Int32(v.exponent + 1))
            }
        }
        return (try Tensor(shape: shape, scalars: mantissas).to(dtype), try Tensor(shape: shape, scalars: exponents))
    }
}

/// |a| with the sign bit of b (`torch.copysign`).
public struct CopySign: BinaryArithmetic {
    /// Creates the operation.
    public init() {}
    /// |a| signed like b.
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { C(signOf: b, magnitudeOf: a) }
    /// Integers are promoted to float before this runs.
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { a }
}

/// The standard normal distribution's functions of `torch.special`, computed in double.
public struct NormalDistributionFunction: FloatPointwiseFunction {
    /// Which function.
    public enum Kind: Sendable { case cdf, logCDF, quantile, scaledComplementaryErf }
    /// Which function.
    public let kind: Kind
    /// Creates the operation.
    public init(_ kind: Kind) { self.kind = kind }
    /// The function at x.
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C {
        switch kind {
        case .cdf: C(SpecialFunctions.normalCDF(Double(x)))
        case .logCDF: C(SpecialFunctions.logNormalCDF(Double(x)))
        case .quantile: C(SpecialFunctions.normalQuantile(Double(x)))
        case .scaledComplementaryErf: C(SpecialFunctions.scaledComplementaryErf(Double(x)))
        }
    }
}
