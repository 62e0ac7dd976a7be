import ComplexModule
import RealModule

/// A pointwise function of two values of one dtype, written once per category. Integer results wrap, as
/// C++ integer arithmetic in ATen does.
public protocol BinaryArithmetic: Sendable {
    /// The result for floating operands, computed in `C` (`Float` or `Double`).
    func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C
    /// The result for integer operands, in their own type (wrapping on overflow).
    func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I
    /// Bool operands, when the operation accepts them (nil: it does not).
    func bool(_ a: Bool, _ b: Bool) -> Bool?
    /// Whether an integer zero divisor must be rejected before running (`ZeroDivisionError`).
    var rejectsIntegerZeroDivisor: Bool { get }
    /// The vectorised float32 kernel computing the same thing (`flint_binary_f32`'s operation code), if any.
    var float32Kernel: Int32? { get }
    /// The result for complex operands, when the operation is defined on them (nil: it is not).
    func complex<C: Real & BinaryFloatingPoint>(_ a: Complex<C>, _ b: Complex<C>) -> Complex<C>?
}

extension BinaryArithmetic {
    public var float32Kernel: Int32? { nil }
    public func complex<C: Real & BinaryFloatingPoint>(_ a: Complex<C>, _ b: Complex<C>) -> Complex<C>? { nil }
    public func bool(_ a: Bool, _ b: Bool) -> Bool? { nil }
    public var rejectsIntegerZeroDivisor: Bool { false }
}

/// A comparison of two values of one dtype.
public protocol BinaryComparison: Sendable {
    /// Whether `a` and `b` satisfy the comparison.
    func compare<T: Comparable>(_ a: T, _ b: T) -> Bool
    /// The result for complex operands whose real and imaginary parts are (`equalParts`) or are not all equal;
    /// nil for the orderings, which complex numbers do not have.
    func complex(equalParts: Bool) -> Bool?
}

extension BinaryComparison {
    public func complex(equalParts: Bool) -> Bool? { nil }
}

/// An operand of a binary operation: a tensor or a Python scalar (which ranks lowest in type promotion).
public enum Operand: Sendable {
    /// A tensor operand.
    case tensor(Tensor)
    /// A Python scalar operand (ranks below every tensor in type promotion).
    case scalar(Scalar)
    /// A Python `complex` operand (ranks as a complex scalar: below every tensor, above the real categories).
    case complex(real: Double, imaginary: Double)

    var promotion: PromotionOperand {
        switch self {
        case .tensor(let t): .tensor(t.dtype, rank: t.rank)
        case .scalar(let s): .scalar(s.promotionKind)
        case .complex: .scalar(.complex)
        }
    }

    func tensor(as dtype: DType) throws -> Tensor {
        switch self {
        case .tensor(let t): try t.to(dtype)
        case .scalar(let s): try s.tensor(dtype)
        case .complex(let re, let im):
            // Made in double precision, then rounded to `dtype` (its real part for a real dtype).
            try Tensor.complex(real: Scalar.double(re).tensor(.float64), imaginary: Scalar.double(im).tensor(.float64)).to(dtype)
        }
    }

    var shape: [Int] {
        if case .tensor(let t) = self { return t.shape }
        return []
    }

    var isBool: Bool {
        switch self {
        case .tensor(let t): t.dtype == .bool
        case .scalar(.bool): true
        case .scalar, .complex: false
        }
    }
}

extension Tensor {
    // The common operators get specialised entry points, so their float32 loops are compiled for the
    // concrete operation instead of calling it through protocol witnesses per element.
    /// `a op b` with ATen's broadcasting and type promotion. `promoteIntegersToFloat` makes an integral
    /// result float32 (true division of integers).
    ///
    /// `output`, when given, receives the result and is returned (contiguous, of the result's shape and dtype, overlapping no operand).
    @_specialize(exported: true, where Op == Add)
    @_specialize(exported: true, where Op == Sub)
    @_specialize(exported: true, where Op == Mul)
    @_specialize(exported: true, where Op == Div)
    @_specialize(exported: true, where Op == Maximum)
    @_specialize(exported: true, where Op == Minimum)
    public static func binary<Op: BinaryArithmetic>(
        _ op: Op, _ a: Operand, _ b: Operand, operation: String, promoteIntegersToFloat: Bool = false, into output: Tensor? = nil
    ) throws -> Tensor {
        var common = try DType.resultType(a.promotion, b.promotion)
        if promoteIntegersToFloat && !common.isFloatingPoint && !common.isComplex { common = .float32 }
        let x = try a.tensor(as: common)
        let y = try b.tensor(as: common)
        // Into a given output (a plan's arena) with contiguous operands: its shape is the broadcast one when
        // the operands line up with it, checked in place (building the broadcast shape would allocate).
        if common == .float32, let kernel = op.float32Kernel, let output, output.quantizer == nil,
            output.mapFloatContiguousRuns(x, y, kernel: kernel)
        {
            return output
        }
        // A given output whose shape is the broadcast one lends that shape (building it would allocate).
        let shape = if let output, broadcast(x.shape, y.shape, isExactly: output.shape) { output.shape } else { try broadcastShape(x.shape, y.shape) }
        let result = try output.map { try destination($0, shape: shape, dtype: common, operation: operation) } ?? Tensor.output(shape, common)
        if common == .float32 {
            if let kernel = op.float32Kernel {
                try result.mapFloatRuns(x, y, kernel: kernel)
                return result
            }
            // The common case, specialized for Float (the generic path goes through the dtype visitor).
            try result.mapElements(from: x, y, as: (Float.self, Float.self)) { op.float($0, $1) }
            return result
        }
        try common.dispatchNumeric(BinaryMap(op: op, a: x, b: y, output: result, operation: operation), operation: operation)
        return result
    }

    /// `a cmp b` elementwise, giving a bool tensor (operands promoted to a common dtype first).
    public static func compare<Op: BinaryComparison>(_ op: Op, _ a: Operand, _ b: Operand, operation: String) throws -> Tensor {
        let common = try DType.resultType([a.promotion, b.promotion])
        let x = try a.tensor(as: common)
        let y = try b.tensor(as: common)
        let result = Tensor.output(try broadcastShape(x.shape, y.shape), .bool)
        try common.dispatchNumeric(CompareMap(op: op, a: x, b: y, output: result), operation: operation)
        return result
    }

    /// `self + other` (`torch.add`) with broadcasting and type promotion; bool + bool is a logical or.
    public func add(_ other: Tensor) throws -> Tensor { try Tensor.binary(Add(), .tensor(self), .tensor(other), operation: "add") }
    /// `self - other` (`torch.sub`) with broadcasting and type promotion; throws when both operands are bool.
    public func sub(_ other: Tensor) throws -> Tensor { try Tensor.binary(Sub(), .tensor(self), .tensor(other), operation: "sub") }
    /// `self * other` (`torch.mul`) with broadcasting and type promotion; bool × bool is a logical and.
    public func mul(_ other: Tensor) throws -> Tensor { try Tensor.binary(Mul(), .tensor(self), .tensor(other), operation: "mul") }
    /// True division: integer operands give float32.
    public func div(_ other: Tensor) throws -> Tensor {
        try Tensor.binary(Div(), .tensor(self), .tensor(other), operation: "div", promoteIntegersToFloat: true)
    }
}

/// Addition (`aten::add`): integers wrap, bools give a logical or.
public struct Add: BinaryArithmetic {
    /// `flint_binary_f32`'s code for this operation.
    public var float32Kernel: Int32? { 0 }
    /// Creates the operation.
    public init() {}
    /// `a + b`.
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a + b }
    /// `a + b`.
    public func complex<C: Real & BinaryFloatingPoint>(_ a: Complex<C>, _ b: Complex<C>) -> Complex<C>? { a + b }
    /// `a + b`, wrapping on overflow.
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { a &+ b }
    public func bool(_ a: Bool, _ b: Bool) -> Bool? { a || b }
}

/// Subtraction (`aten::sub`): integers wrap; bools are rejected.
public struct Sub: BinaryArithmetic {
    /// `flint_binary_f32`'s code for this operation.
    public var float32Kernel: Int32? { 1 }
    /// Creates the operation.
    public init() {}
    /// `a - b`.
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a - b }
    /// `a - b`.
    public func complex<C: Real & BinaryFloatingPoint>(_ a: Complex<C>, _ b: Complex<C>) -> Complex<C>? { a - b }
    /// `a - b`, wrapping on overflow.
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { a &- b }
}

/// Multiplication (`aten::mul`): integers wrap, bools give a logical and.
public struct Mul: BinaryArithmetic {
    /// `flint_binary_f32`'s code for this operation.
    public var float32Kernel: Int32? { 2 }
    /// Creates the operation.
    public init() {}
    /// `a * b`.
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a * b }
    /// `a * b` = (ac − bd) + (ad + bc)i.
    public func complex<C: Real & BinaryFloatingPoint>(_ a: Complex<C>, _ b: Complex<C>) -> Complex<C>? {
        let ((p, q), (r, s)) = (a.rawStorage, b.rawStorage)
        return Complex(p * r - q * s, p * s + q * r)
    }
    /// `a * b`, wrapping on overflow.
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { a &* b }
    public func bool(_ a: Bool, _ b: Bool) -> Bool? { a && b }
}

/// True division (only reached with floating operands).
public struct Div: BinaryArithmetic {
    /// `flint_binary_f32`'s code for this operation.
    public var float32Kernel: Int32? { 3 }
    /// Creates the operation.
    public init() {}
    /// `a / b` (IEEE: a zero divisor gives ±inf or NaN).
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a / b }
    /// `a / b` by c10's scaled (Smith) division.
    public func complex<C: Real & BinaryFloatingPoint>(_ a: Complex<C>, _ b: Complex<C>) -> Complex<C>? { complexQuotient(a, b) }
    /// The quotient truncated toward zero (`rounding_mode="trunc"`), wrapping on overflow; zero divisors are
    /// rejected before running.
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue }
    public var rejectsIntegerZeroDivisor: Bool { true }
}

/// `torch.maximum`: the larger value, NaN when either is NaN; bools give a logical or.
public struct Maximum: BinaryArithmetic {
    /// Creates the operation.
    public init() {}
    /// The larger of `a` and `b`, NaN when either is NaN.
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }
    /// The larger of `a` and `b`.
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { Swift.max(a, b) }
    public func bool(_ a: Bool, _ b: Bool) -> Bool? { a || b }
}

/// `torch.minimum`: the smaller value, NaN when either is NaN; bools give a logical and.
public struct Minimum: BinaryArithmetic {
    /// Creates the operation.
    public init() {}
    /// The smaller of `a` and `b`, NaN when either is NaN.
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) }
    /// The smaller of `a` and `b`.
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { Swift.min(a, b) }
    public func bool(_ a: Bool, _ b: Bool) -> Bool? { a && b }
}

/// Python's `%`: the result takes the divisor's sign.
public struct Remainder: BinaryArithmetic {
    /// Creates the operation.
    public init() {}
    /// The remainder of `a / b` with `b`'s sign (NaN for a zero divisor).
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C {
        var r = a.truncatingRemainder(dividingBy: b)
        if r != 0 && (r < 0) != (b < 0) { r += b }
        return r
    }
    /// The remainder of `a / b` with `b`'s sign (0 for a divisor of -1); zero divisors are rejected before running.
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I {
        guard b != 0 else { return 0 }
        if I.isSigned && b == -1 { return 0 }
        var r = a.remainderReportingOverflow(dividingBy: b).partialValue
        if r != 0 && (r < 0) != (b < 0) { r = r &+ b }
        return r
    }
    public var rejectsIntegerZeroDivisor: Bool { true }
}

/// C's `fmod`: the result takes the dividend's sign.
public struct FMod: BinaryArithmetic {
    /// Creates the operation.
    public init() {}
    /// `fmod(a, b)`: the truncated remainder, with `a`'s sign (NaN for a zero divisor).
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a.truncatingRemainder(dividingBy: b) }
    /// The truncated remainder, with `a`'s sign (0 for a divisor of -1); zero divisors are rejected before running.
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I {
        guard b != 0 else { return 0 }
        if I.isSigned && b == -1 { return 0 }
        return a.remainderReportingOverflow(dividingBy: b).partialValue
    }
    public var rejectsIntegerZeroDivisor: Bool { true }
}

/// Python's `//`: division rounded toward negative infinity.
public struct FloorDivide: BinaryArithmetic {
    /// Creates the operation.
    public init() {}
    /// `a / b` rounded toward negative infinity, as Python and ATen compute it; a zero divisor gives ±inf or NaN.
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C {
        if b == 0 { return a / b }
        let remainder = a.truncatingRemainder(dividingBy: b)
        var quotient = (a - remainder) / b
        if remainder != 0 && (b < 0) != (remainder < 0) { quotient -= 1 }
        guard quotient != 0 else { return C(signOf: a / b, magnitudeOf: 0) }
        var floored = quotient.rounded(.down)
        if quotient - floored > C(0.5) { floored += 1 }
        return floored
    }
    /// `a / b` rounded toward negative infinity, wrapping on overflow; zero divisors are rejected before running.
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I {
        guard b != 0 else { return 0 }
        if I.isSigned && b == -1 { return 0 &- a }
        var q = a.dividedReportingOverflow(by: b).partialValue
        if (a.remainderReportingOverflow(dividingBy: b).partialValue != 0) && ((a < 0) != (b < 0)) { q = q &- 1 }
        return q
    }
    public var rejectsIntegerZeroDivisor: Bool { true }
}

/// Elementwise `==` (`torch.eq`).
public struct Equal: BinaryComparison {
    /// Creates the operation.
    public init() {}
    /// `a == b`.
    public func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a == b }
    /// Both parts equal.
    public func complex(equalParts: Bool) -> Bool? { equalParts }
}

/// Elementwise `!=` (`torch.ne`).
public struct NotEqual: BinaryComparison {
    /// Creates the operation.
    public init() {}
    /// `a != b`.
    public func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a != b }
    /// Either part differs.
    public func complex(equalParts: Bool) -> Bool? { !equalParts }
}

/// Elementwise `<` (`torch.lt`).
public struct Less: BinaryComparison {
    /// Creates the operation.
    public init() {}
    /// `a < b`.
    public func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a < b }
}

/// Elementwise `<=` (`torch.le`).
public struct LessEqual: BinaryComparison {
    /// Creates the operation.
    public init() {}
    /// `a <= b`.
    public func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a <= b }
}

/// Elementwise `>` (`torch.gt`).
public struct Greater: BinaryComparison {
    /// Creates the operation.
    public init() {}
    /// `a > b`.
    public func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a > b }
}

/// Elementwise `>=` (`torch.ge`).
public struct GreaterEqual: BinaryComparison {
    /// Creates the operation.
    public init() {}
    /// `a >= b`.
    public func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a >= b }
}

private struct BinaryMap<Op: BinaryArithmetic>: NumericDTypeVisitor {
    let op: Op
    let a: Tensor
    let b: Tensor
    let output: Tensor
    let operation: String

    func visitFloating<T: FloatingElement>(_ type: T.Type) throws {
        try output.mapElements(from: a, b, as: (T.self, T.self)) { T(computeValue: op.float($0.computeValue, $1.computeValue)) }
    }

    func visitInteger<T: IntegerElement>(_ type: T.Type) throws {
        if op.rejectsIntegerZeroDivisor, try b.scalars(as: T.self).contains(0) {
            throw TensorError("ZeroDivisionError")
        }
        try output.mapElements(from: a, b, as: (T.self, T.self)) { op.integer($0, $1) }
    }

    func visitBool() throws {
        guard op.bool(false, false) != nil else {
            throw TensorError("\"\(operation)_cpu\" not implemented for 'Bool'")
        }
        try output.mapElements(from: a, b, as: (Bool.self, Bool.self)) { op.bool($0, $1)! }
    }

    func visitComplex<C: ComplexElement>(_ type: C.Type) throws {
        guard op.complex(Complex<C.Component>.zero, .zero) != nil else {
            throw TensorError("\"\(operation)_cpu\" not implemented for '\(C.dtype.scalarTypeName)'")
        }
        try output.mapElements(from: a, b, as: (C.self, C.self)) { C(op.complex($0.value, $1.value)!) }
    }
}

private struct CompareMap<Op: BinaryComparison>: NumericDTypeVisitor {
    let op: Op
    let a: Tensor
    let b: Tensor
    let output: Tensor

    func visitFloating<T: FloatingElement>(_ type: T.Type) throws {
        try output.mapElements(from: a, b, as: (T.self, T.self)) { op.compare($0.computeValue, $1.computeValue) }
    }

    func visitInteger<T: IntegerElement>(_ type: T.Type) throws {
        try output.mapElements(from: a, b, as: (T.self, T.self)) { op.compare($0, $1) }
    }

    func visitBool() throws {
        try output.mapElements(from: a, b, as: (Bool.self, Bool.self)) { op.compare($0 ? 1 : 0, $1 ? 1 : 0) }
    }

    func visitComplex<C: ComplexElement>(_ type: C.Type) throws {
        guard op.complex(equalParts: true) != nil else { throw ComplexUnsupported() }
        try output.mapElements(from: a, b, as: (C.self, C.self)) { op.complex(equalParts: $0.real == $1.real && $0.imaginary == $1.imaginary)! }
    }
}

extension Tensor {
    /// `a + alpha · b` (`aten::add`), with `alpha` in the result dtype.
    public static func add(_ a: Operand, _ b: Operand, alpha: Scalar = .int(1), into output: Tensor? = nil) throws -> Tensor {
        try addScaled(a, b, alpha: alpha, subtract: false, into: output)
    }

    /// `a - alpha · b` (`aten::sub`); bool operands are rejected as ATen does.
    public static func sub(_ a: Operand, _ b: Operand, alpha: Scalar = .int(1), into output: Tensor? = nil) throws -> Tensor {
        try addScaled(a, b, alpha: alpha, subtract: true, into: output)
    }

    /// `output`, when given, receives the result (see ``binary(_:_:_:operation:promoteIntegersToFloat:into:)``).
    private static func addScaled(_ a: Operand, _ b: Operand, alpha: Scalar, subtract: Bool, into output: Tensor?) throws -> Tensor {
        let common = try DType.resultType(a.promotion, b.promotion)
        if subtract {
            let (aBool, bBool) = (a.isBool, b.isBool)
            if aBool && bBool {
                throw TensorError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.")
            }
            if aBool || bBool {
                throw TensorError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
            }
        }
        if case .double = alpha, !common.isFloatingPoint, !common.isComplex {
            throw TensorError("For integral input tensors, argument alpha must not be a floating point number.")
        }
        if case .bool = alpha, common != .bool {
            throw TensorError("Boolean alpha only supported for Boolean results.")
        }
        let x = try a.tensor(as: common)
        var y = try b.tensor(as: common)
        if alpha != .int(1) && alpha != .bool(true) {
            y = try binary(Mul(), .tensor(y), .tensor(try alpha.tensor(common)), operation: "mul")
        }
        return subtract
            ? try binary(Sub(), .tensor(x), .tensor(y), operation: "sub", into: output) : try binary(Add(), .tensor(x), .tensor(y), operation: "add", into: output)
    }
}
