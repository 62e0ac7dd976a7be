/// A number passed to an operation outside a tensor (ATen's `Scalar`): a Python `bool`, `int` or `float`.
public enum Scalar: Sendable, Equatable, CustomStringConvertible {
    case bool(Bool)
    case int(Int64)
    case double(Double)

    /// The value as a double (exact except for huge integers).
    public var doubleValue: Double {
        switch self {
        case .bool(let b): b ? 1 : 0
        case .int(let i): Double(i)
        case .double(let d): d
        }
    }

    /// How the value takes part in type promotion.
    public var promotionKind: PromotionOperand.ScalarKind {
        switch self {
        case .bool: .bool
        case .int: .int
        case .double: .float
        }
    }

    /// A 0-dim tensor holding the value converted to `dtype`.
    public func tensor(_ dtype: DType) throws -> Tensor {
        switch self {
        case .int(let i) where !dtype.isFloatingPoint:
            let t = Tensor(zeros: [], dtype: dtype)
            try dtype.dispatch(StoreInt(address: t.baseAddress, value: i))
            return t
        default:
            return try Tensor.full([], value: doubleValue, dtype: dtype)
        }
    }

    public var description: String {
        switch self {
        case .bool(let b): b ? "True" : "False"
        case .int(let i): "\(i)"
        case .double(let d): "\(d)"
        }
    }
}

private struct StoreInt: DTypeVisitor {
    let address: UnsafeMutableRawPointer
    let value: Int64
    func visit<T: TensorElement>(_ type: T.Type) throws {
        address.storeBytes(of: T(castingInt64: value), as: T.self)
    }
}
