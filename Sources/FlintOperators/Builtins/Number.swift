import FlintScript
import FlintTensor
import FlintValues

/// A TorchScript number as scalar builtins see it: bools count as ints (`aten::Int.bool`).
enum Number {
    case int(Int64)
    case double(Double)

    init(_ value: ScriptValue, _ what: String) throws {
        switch value {
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .bool(let b): self = .int(b ? 1 : 0)
        case .tensor(let t) where t.elementCount == 1:
            switch try TensorScalars.item(t) {
            case .double(let d): self = .double(d)
            case .bool(let b): self = .int(b ? 1 : 0)
            case .int(let i): self = .int(i)
            default: throw OperatorError("\(what) expects a real number")
            }
        default: throw OperatorError("\(what) expects a number, not \(value.kindName)")
        }
    }

    var double: Double {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        }
    }

    var value: ScriptValue {
        switch self {
        case .int(let i): .int(i)
        case .double(let d): .double(d)
        }
    }
}

/// Python's integer and float semantics that C's differ from.
enum PythonArithmetic {
    static func floorDivide(_ a: Int64, _ b: Int64) throws -> Int64 {
        guard b != 0 else { throw OperatorError("ZeroDivisionError: integer division by 0") }
        if a == .min && b == -1 { return .min }
        let q = a / b
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q
    }

    static func modulo(_ a: Int64, _ b: Int64) throws -> Int64 {
        guard b != 0 else { throw OperatorError("ZeroDivisionError: integer modulo by 0") }
        if b == -1 { return 0 }
        let r = a % b
        return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r
    }

    /// CPython's `float_divmod`.
    static func divmod(_ a: Double, _ b: Double) throws -> (Double, Double) {
        guard b != 0 else { throw OperatorError("ZeroDivisionError: float divmod()") }
        var mod = fmod(a, b)
        var div = (a - mod) / b
        if mod != 0 {
            if (b < 0) != (mod < 0) {
                mod += b
                div -= 1
            }
        } else {
            mod = copysign(0, b)
        }
        var floorDiv: Double
        if div != 0 {
            floorDiv = div.rounded(.down)
            if div - floorDiv > 0.5 { floorDiv += 1 }
        } else {
            floorDiv = copysign(0, a / b)
        }
        return (floorDiv, mod)
    }

    /// `float` → `int` as Python truncates, refusing what has no integer value.
    static func truncate(_ value: Double) throws -> Int64 {
        guard value.isFinite else {
            throw OperatorError(value.isNaN ? "ValueError: cannot convert float NaN to integer" : "OverflowError: cannot convert float infinity to integer")
        }
        guard value >= -9.223372036854775808e18, value < 9.223372036854775808e18 else { return value < 0 ? .min : .max }
        return Int64(value)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
