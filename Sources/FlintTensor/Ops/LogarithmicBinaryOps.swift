import RealModule

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Pointwise functions of floating values that ATen defines for floating dtypes only: `logaddexp`,
/// `logaddexp2`, `hypot` (integer operands are refused with ATen's message), `xlogy` (integer operands
/// promoted to float32), and the unary `logit`, `sinc` and `lgamma`.
extension Tensor {
    /// `torch.logaddexp`: log(eˣ + eʸ) without overflow.
    public func logAddExp(_ other: Operand) throws -> Tensor { try floatingBinary(LogAddExp(base2: false), other, operation: "logaddexp") }
    /// `torch.logaddexp2`: log₂(2ˣ + 2ʸ) without overflow.
    public func logAddExp2(_ other: Operand) throws -> Tensor { try floatingBinary(LogAddExp(base2: true), other, operation: "logaddexp2") }
    /// `torch.hypot`: √(x² + y²) without overflow.
    public func hypot(_ other: Operand) throws -> Tensor { try floatingBinary(Hypotenuse(), other, operation: "hypot") }

    /// `torch.xlogy`: x · log(y), 0 where x is 0 (unless y is NaN); integer and bool operands give float32.
    public static func xlogy(_ x: Operand, _ y: Operand) throws -> Tensor {
        try Tensor.binary(XLogY(), x, y, operation: "xlogy", promoteIntegersToFloat: true)
    }

    /// `torch.special.xlog1py`: x · log1p(y), 0 where x is 0 (unless y is NaN); integers promote to the default float.
    public static func xlog1py(_ x: Operand, _ y: Operand) throws -> Tensor {
        try Tensor.binary(XLog1PY(), x, y, operation: "xlog1py", promoteIntegersToFloat: true)
    }

    /// `torch.logit`: log(p / (1 − p)), with p clamped to [eps, 1 − eps] when `eps` is given.
    public func logit(eps: Double?) throws -> Tensor { try pointwise(Logit(eps: eps), operation: "logit") }
    /// `torch.sinc`: sin(πx) / (πx), 1 at 0.
    public func sinc() throws -> Tensor { try pointwise(NormalizedSinc(), operation: "sinc") }

    private func floatingBinary<Op: BinaryArithmetic>(_ op: Op, _ other: Operand, operation: String) throws -> Tensor {
        let common = try DType.resultType([Operand.tensor(self).promotion, other.promotion])
        guard common.isFloatingPoint else { throw TensorError("\"\(operation)_cpu\" not implemented for '\(common.scalarTypeName)'") }
        return try Tensor.binary(op, .tensor(self), other, operation: operation)
    }
}

/// log(eˣ + eʸ) (or base 2), as ATen computes it: the larger operand plus log1p of the exponential of the
/// (non-positive) difference; equal infinities give themselves.
struct LogAddExp: BinaryArithmetic {
    let base2: Bool
    func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C {
        if a.isInfinite && a == b { return a }
        let m = Swift.max(a, b), d = -Swift.abs(a - b)
        if a.isNaN || b.isNaN { return .nan }
        if base2 { return m + C.log(onePlus: C.exp2(d)) / C.log(2) }
        return m + C.log(onePlus: C.exp(d))
    }
    func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { a }
}

/// √(a² + b²) through C's `hypot` (no overflow or underflow in the squares).
struct Hypotenuse: BinaryArithmetic {
    func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C {
        C.self == Float.self ? C(libmHypotf(Float(a), Float(b))) : C(libmHypot(Double(a), Double(b)))
    }
    func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { a }
}

@inline(__always) private func libmHypotf(_ x: Float, _ y: Float) -> Float { hypotf(x, y) }
@inline(__always) private func libmHypot(_ x: Double, _ y: Double) -> Double { hypot(x, y) }

/// x · log(y), with ATen's cases: NaN y gives NaN, x = 0 gives 0.
struct XLogY: BinaryArithmetic {
    func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C {
        if b.isNaN { return .nan }
        if a == 0 { return 0 }
        return a * C.log(b)
    }
    func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { a }
}

/// x · log1p(y), with xlogy's rules for x = 0 and NaN y.
struct XLog1PY: BinaryArithmetic {
    func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C {
        if b.isNaN { return .nan }
        if a == 0 { return 0 }
        return a * C.log(onePlus: b)
    }
    func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { a }
}

/// log(p / (1 − p)), p clamped to [eps, 1 − eps] first when eps is given (NaN stays NaN).
struct Logit: FloatPointwiseFunction {
    let eps: Double?
    func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C {
        var p = x
        if let eps, !p.isNaN {
            let lo = C(eps), hi = 1 - C(eps)
            p = p < lo ? lo : (p > hi ? hi : p)
        }
        return C.log(p / (1 - p))
    }
}

/// The normalised sinc: sin(πx) / (πx), 1 at 0.
struct NormalizedSinc: FloatPointwiseFunction {
    func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C {
        if x == 0 { return 1 }
        let product = C.pi * x
        return C.sin(product) / product
    }
}

/// log |Γ(x)| (`torch.lgamma`).
public struct LogGamma: FloatPointwiseFunction {
    /// Creates the operation.
    public init() {}
    /// log |Γ(x)|.
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { C.logGamma(x) }
}
