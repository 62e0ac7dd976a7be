import ComplexModule
import RealModule

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// More pointwise binary functions: powers, atan2, NaN-ignoring extrema, logical and bitwise operations.
public struct Power: BinaryArithmetic {
    /// A scalar exponent of ±0.5, ±1, 2, -2 or 3 takes ATen's shortcuts (sqrt, rsqrt, reciprocal,
    /// products), which differ from `pow` on infinities and signed zeros.
    let scalarExponent: Bool
    /// Creates `pow`; `scalarExponent` says the exponent is a Python scalar, which enables ATen's shortcuts.
    public init(scalarExponent: Bool = false) { self.scalarExponent = scalarExponent }
    /// C's `pow` (negative bases with integral exponents, `pow(x, 0) == 1`, infinities), in double.
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C {
        if scalarExponent {
            switch b {
            case 0.5: return a.squareRoot()
            case -0.5: return 1 / a.squareRoot()
            case 2: return a * a
            case 3: return a * a * a
            case -1: return 1 / a
            case -2: return 1 / (a * a)
            default: break
            }
        }
        return C(Glibc_pow(Double(a), Double(b)))
    }
    /// Complex powers as ATen's kernel: a scalar exponent of 0.5, -0.5 or -1 is sqrt, 1/sqrt or the reciprocal;
    /// every other exponent goes through C99's `cpow`.
    public func complex<C: Real & BinaryFloatingPoint>(_ a: Complex<C>, _ b: Complex<C>) -> Complex<C>? {
        if scalarExponent, b.rawStorage.y == 0 {
            switch b.rawStorage.x {
            case 0.5: return ComplexElementaryFunction.squareRoot(a)
            case -0.5: return complexQuotient(.one, ComplexElementaryFunction.squareRoot(a))
            case -1: return complexQuotient(.one, a)
            default: break
            }
        }
        return complexPower(a, b)
    }
    /// Integer powers by squaring; negative exponents give 0 except for bases ±1 (ATen rejects them
    /// beforehand for tensors).
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I {
        if b < 0 {
            if a == 1 { return 1 }
            if I.isSigned && a == 0 &- 1 { return (b & 1) == 0 ? 1 : a }
            return 0
        }
        var result: I = 1
        var base = a
        var exponent = b
        while exponent > 0 {
            if exponent & 1 == 1 { result = result &* base }
            base = base &* base
            exponent >>= 1
        }
        return result
    }
    public func bool(_ a: Bool, _ b: Bool) -> Bool? { a || !b }
}

@inline(__always)
private func Glibc_pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }

/// `torch.atan2`: the angle of the point (`b`, `a`) in radians; integer operands are promoted to float32 first.
public struct Atan2: BinaryArithmetic {
    /// Creates the operation.
    public init() {}
    /// `atan2(a, b)`: the angle of (`b`, `a`) in radians.
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { C.atan2(y: a, x: b) }
    /// Returns `a` unchanged; unused, since integer operands are promoted to float32 first.
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { a }
}

/// `fmax`: the larger value, ignoring a NaN unless both are NaN.
public struct FMax: BinaryArithmetic {
    /// Creates the operation.
    public init() {}
    /// The larger of `a` and `b`; a NaN operand gives the other one.
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a.isNaN ? b : (b.isNaN ? a : Swift.max(a, b)) }
    /// The larger of `a` and `b`.
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { Swift.max(a, b) }
    public func bool(_ a: Bool, _ b: Bool) -> Bool? { a || b }
}

/// `torch.fmin`: the smaller value, ignoring a NaN unless both are NaN.
public struct FMin: BinaryArithmetic {
    /// Creates the operation.
    public init() {}
    /// The smaller of `a` and `b`; a NaN operand gives the other one.
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a.isNaN ? b : (b.isNaN ? a : Swift.min(a, b)) }
    /// The smaller of `a` and `b`.
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { Swift.min(a, b) }
    public func bool(_ a: Bool, _ b: Bool) -> Bool? { a && b }
}

/// Bitwise operations on integers and bools (floats are rejected before running).
public struct Bitwise: BinaryArithmetic {
    /// Which operation: and, or, xor, or a left or right shift.
    public enum Kind: Sendable { case and, or, xor, leftShift, rightShift }
    /// The operation applied.
    public let kind: Kind
    /// Creates the operation `kind`.
    public init(_ kind: Kind) { self.kind = kind }
    /// Returns `a` unchanged; unused, since floating operands are rejected before running.
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a }
    /// `a & b`, `a | b`, `a ^ b`, `a << b` or `a >> b`; shifts by a negative amount or by the bit width or
    /// more give 0 (-1 for right shifts of negative values).
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I {
        switch kind {
        case .and: a & b
        case .or: a | b
        case .xor: a ^ b
        case .leftShift: b < 0 || b >= I.bitWidth ? 0 : a << b
        case .rightShift: b < 0 || b >= I.bitWidth ? (a < 0 ? 0 &- 1 : 0) : a >> b
        }
    }
    public func bool(_ a: Bool, _ b: Bool) -> Bool? {
        switch kind {
        case .and: a && b
        case .or: a || b
        case .xor: a != b
        case .leftShift, .rightShift: nil
        }
    }
}

extension Tensor {
    /// `pow(self, exponent)` with ATen's rules: integer tensors to negative integer powers are an error.
    public static func pow(_ base: Operand, _ exponent: Operand) throws -> Tensor {
        let common = try DType.resultType([base.promotion, exponent.promotion])
        if common.isIntegral, case .scalar(.int(let e)) = exponent, e < 0 {
            throw TensorError("Integers to negative integer powers are not allowed.")
        }
        if base.isBool && exponent.isBool, case .tensor = base, case .tensor = exponent {
            throw TensorError("\"pow\" not implemented for 'Bool'")
        }
        let scalarExponent: Bool
        if case .scalar = exponent { scalarExponent = true } else { scalarExponent = false }
        return try binary(Power(scalarExponent: scalarExponent), base, exponent, operation: "pow")
    }

    /// Bitwise and/or/xor/shifts; floating operands are rejected. With `output`, the result is written there
    /// (contiguous, of the result's dtype and shape).
    public static func bitwise(_ kind: Bitwise.Kind, _ a: Operand, _ b: Operand, operation: String, into output: Tensor? = nil) throws -> Tensor {
        let common = try DType.resultType(a.promotion, b.promotion)
        guard !common.isFloatingPoint else { throw TensorError("\"\(operation)_cpu\" not implemented for '\(common.scalarTypeName)'") }
        return try binary(Bitwise(kind), a, b, operation: operation, into: output)
    }

    /// `logical_and/or/xor`: a bool tensor from the operands' truth values.
    public static func logical(_ kind: Bitwise.Kind, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        try binary(Bitwise(kind), .tensor(try a.to(.bool)), .tensor(try b.to(.bool)), operation: "logical")
    }

    /// `lerp(start, end, weight)`: start + weight · (end - start), as ATen computes it for |weight| < 0.5
    /// and end - (end - start) · (1 - weight) otherwise.
    public static func lerp(_ start: Tensor, _ end: Tensor, weight: Operand) throws -> Tensor {
        guard start.dtype == end.dtype else {
            throw TensorError("expected dtype \(start.dtype.cppName) for `end` but got dtype \(end.dtype.cppName)")
        }
        if case .tensor(let w) = weight, w.dtype != start.dtype {
            throw TensorError("expected dtype \(start.dtype.cppName) for `weight` but got dtype \(w.dtype.cppName)")
        }
        guard start.dtype.isFloatingPoint else {
            let kernel: String
            if case .scalar = weight { kernel = "lerp_kernel_scalar" } else { kernel = "lerp_kernel_tensor" }
            throw TensorError("\"\(kernel)\" not implemented for '\(start.dtype.scalarTypeName)'")
        }
        // The half types compute in float32 with the weight as given (ATen's opmath), rounded once at the end.
        if start.dtype == .float16 || start.dtype == .bfloat16 {
            let floatWeight: Operand = if case .tensor(let w) = weight { .tensor(try w.to(.float32)) } else { weight }
            return try lerp(start.to(.float32), end.to(.float32), weight: floatWeight).to(start.dtype)
        }
        let w = try weight.tensor(as: start.dtype)
        let shape = try broadcastShape([start.shape, end.shape, w.shape])
        let result = Tensor.output(shape, start.dtype)
        try start.dtype.dispatchFloating(LerpMap(start: start, end: end, weight: w, output: result), operation: "lerp")
        return result
    }
}

private struct LerpMap: FloatingDTypeVisitor {
    let start: Tensor
    let end: Tensor
    let weight: Tensor
    let output: Tensor
    func visit<T: FloatingElement>(_ type: T.Type) throws {
        try output.mapElements(from: start, end, weight, as: (T.self, T.self, T.self)) { s, e, w in
            let (a, b, t) = (s.computeValue, e.computeValue, w.computeValue)
            return T(computeValue: Swift.abs(t) < 0.5 ? a + t * (b - a) : b - (b - a) * (1 - t))
        }
    }
}
