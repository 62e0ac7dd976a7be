import RealModule

/// A pointwise function of two values of one dtype, written once per category. Integer results wrap, as
/// C++ integer arithmetic in ATen does.
public protocol BinaryArithmetic: Sendable {
    func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C
    func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I
    /// Bool operands, when the operation accepts them (nil: it does not).
    func bool(_ a: Bool, _ b: Bool) -> Bool?
    /// Whether an integer zero divisor must be rejected before running (`ZeroDivisionError`).
    var rejectsIntegerZeroDivisor: Bool { get }
}

extension BinaryArithmetic {
    public func bool(_ a: Bool, _ b: Bool) -> Bool? { nil }
    public var rejectsIntegerZeroDivisor: Bool { false }
}

/// A comparison of two values of one dtype.
public protocol BinaryComparison: Sendable {
    func compare<T: Comparable>(_ a: T, _ b: T) -> Bool
}

/// An operand of a binary operation: a tensor or a Python scalar (which ranks lowest in type promotion).
public enum Operand: Sendable {
    case tensor(Tensor)
    case scalar(Scalar)

    var promotion: PromotionOperand {
        switch self {
        case .tensor(let t): .tensor(t.dtype, rank: t.rank)
        case .scalar(let s): .scalar(s.promotionKind)
        }
    }

    func tensor(as dtype: DType) throws -> Tensor {
        switch self {
        case .tensor(let t): try t.to(dtype)
        case .scalar(let s): try s.tensor(dtype)
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
        case .scalar: false
        }
    }
}

extension Tensor {
    /// `a op b` with ATen's broadcasting and type promotion. `resultDType` overrides the computed
    /// dtype when the operation fixes it (true division of integers gives float32).
    public static func binary<Op: BinaryArithmetic>(
        _ op: Op, _ a: Operand, _ b: Operand, operation: String, promoteIntegersToFloat: Bool = false
    ) throws -> Tensor {
        var common = try DType.resultType([a.promotion, b.promotion])
        if promoteIntegersToFloat && !common.isFloatingPoint { common = .float32 }
        let x = try a.tensor(as: common)
        let y = try b.tensor(as: common)
        let result = Tensor.output(try broadcastShape(x.shape, y.shape), common)
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

    public func add(_ other: Tensor) throws -> Tensor { try Tensor.binary(Add(), .tensor(self), .tensor(other), operation: "add") }
    public func sub(_ other: Tensor) throws -> Tensor { try Tensor.binary(Sub(), .tensor(self), .tensor(other), operation: "sub") }
    public func mul(_ other: Tensor) throws -> Tensor { try Tensor.binary(Mul(), .tensor(self), .tensor(other), operation: "mul") }
    /// True division: integer operands give float32.
    public func div(_ other: Tensor) throws -> Tensor {
        try Tensor.binary(Div(), .tensor(self), .tensor(other), operation: "div", promoteIntegersToFloat: true)
    }
}

public struct Add: BinaryArithmetic {
    public init() {}
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a + b }
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { a &+ b }
    public func bool(_ a: Bool, _ b: Bool) -> Bool? { a || b }
}

public struct Sub: BinaryArithmetic {
    public init() {}
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a - b }
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { a &- b }
}

public struct Mul: BinaryArithmetic {
    public init() {}
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a * b }
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { a &* b }
    public func bool(_ a: Bool, _ b: Bool) -> Bool? { a && b }
}

/// True division (only reached with floating operands).
public struct Div: BinaryArithmetic {
    public init() {}
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a / b }
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue }
    public var rejectsIntegerZeroDivisor: Bool { true }
}

public struct Maximum: BinaryArithmetic {
    public init() {}
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { Swift.max(a, b) }
    public func bool(_ a: Bool, _ b: Bool) -> Bool? { a || b }
}

public struct Minimum: BinaryArithmetic {
    public init() {}
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) }
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { Swift.min(a, b) }
    public func bool(_ a: Bool, _ b: Bool) -> Bool? { a && b }
}

/// Python's `%`: the result takes the divisor's sign.
public struct Remainder: BinaryArithmetic {
    public init() {}
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C {
        var r = a.truncatingRemainder(dividingBy: b)
        if r != 0 && (r < 0) != (b < 0) { r += b }
        return r
    }
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
    public init() {}
    public func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a.truncatingRemainder(dividingBy: b) }
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I {
        guard b != 0 else { return 0 }
        if I.isSigned && b == -1 { return 0 }
        return a.remainderReportingOverflow(dividingBy: b).partialValue
    }
    public var rejectsIntegerZeroDivisor: Bool { true }
}

/// Python's `//`: division rounded toward negative infinity.
public struct FloorDivide: BinaryArithmetic {
    public init() {}
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
    public func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I {
        guard b != 0 else { return 0 }
        if I.isSigned && b == -1 { return 0 &- a }
        var q = a.dividedReportingOverflow(by: b).partialValue
        if (a.remainderReportingOverflow(dividingBy: b).partialValue != 0) && ((a < 0) != (b < 0)) { q = q &- 1 }
        return q
    }
    public var rejectsIntegerZeroDivisor: Bool { true }
}

public struct Equal: BinaryComparison {
    public init() {}
    public func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a == b }
}

public struct NotEqual: BinaryComparison {
    public init() {}
    public func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a != b }
}

public struct Less: BinaryComparison {
    public init() {}
    public func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a < b }
}

public struct LessEqual: BinaryComparison {
    public init() {}
    public func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a <= b }
}

public struct Greater: BinaryComparison {
    public init() {}
    public func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a > b }
}

public struct GreaterEqual: BinaryComparison {
    public init() {}
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
            throw TensorError("\(operation) does not support dtype bool")
        }
        try output.mapElements(from: a, b, as: (Bool.self, Bool.self)) { op.bool($0, $1)! }
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
}

extension Tensor {
    /// `a + alpha · b` (`aten::add`), with `alpha` in the result dtype.
    public static func add(_ a: Operand, _ b: Operand, alpha: Scalar = .int(1)) throws -> Tensor {
        try addScaled(a, b, alpha: alpha, subtract: false)
    }

    /// `a - alpha · b` (`aten::sub`); bool operands are rejected as ATen does.
    public static func sub(_ a: Operand, _ b: Operand, alpha: Scalar = .int(1)) throws -> Tensor {
        try addScaled(a, b, alpha: alpha, subtract: true)
    }

    private static func addScaled(_ a: Operand, _ b: Operand, alpha: Scalar, subtract: Bool) throws -> Tensor {
        let common = try DType.resultType([a.promotion, b.promotion])
        if subtract {
            let (aBool, bBool) = (a.isBool, b.isBool)
            if aBool && bBool {
                throw TensorError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.")
            }
            if aBool || bBool {
                throw TensorError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
            }
        }
        if case .double = alpha, !common.isFloatingPoint {
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
        return subtract ? try binary(Sub(), .tensor(x), .tensor(y), operation: "sub") : try binary(Add(), .tensor(x), .tensor(y), operation: "add")
    }
}
