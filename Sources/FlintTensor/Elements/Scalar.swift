/// A number passed to an operation outside a tensor (ATen's `Scalar`): a Python `bool`, `int` or `float`.
public enum Scalar: Sendable, Equatable, CustomStringConvertible {
    /// A Python `bool`.
    case bool(Bool)
    /// A Python `int`, as 64 bits.
    case int(Int64)
    /// A Python `float` (double precision).
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

    /// Throws ATen's "value cannot be converted to type ... without overflow" when the value does not fit
    /// `dtype` (integers out of range, finite floats beyond a float type's range).
    public func checkFits(_ dtype: DType) throws {
        let value = doubleValue
        let limits: (Double, Double)?
        switch dtype {
        case .uint8: limits = (0, 255)
        case .int8: limits = (-128, 127)
        case .int16: limits = (-32768, 32767)
        case .int32: limits = (-2_147_483_648, 2_147_483_647)
        case .float16: limits = (-65504, 65504)
        case .bfloat16: limits = (-3.3895313892515355e38, 3.3895313892515355e38)
        case .float32: limits = (-Double(Float.greatestFiniteMagnitude), Double(Float.greatestFiniteMagnitude))
        default: limits = nil
        }
        guard let (low, high) = limits, value.isFinite else { return }
        if dtype.isFloatingPoint {
            // Rounding may still land inside the range: compare after rounding to the type.
            let rounded = try Tensor.full([], value: value, dtype: dtype).item()
            if rounded.isFinite { return }
        } else if value >= low && value <= high {
            return
        }
        let typeName = dtype.isFloatingPoint ? (dtype == .float16 ? "c10::Half" : dtype == .bfloat16 ? "c10::BFloat16" : "float") : "\(dtype == .uint8 ? "uint8_t" : "int\(dtype.itemSize * 8)_t")"
        throw TensorError("value cannot be converted to type \(typeName) without overflow")
    }

    /// A 0-dim tensor holding the value converted to `dtype`.
    public func tensor(_ dtype: DType) throws -> Tensor {
        switch self {
        case .int(let i) where dtype.isIntegral || dtype == .bool:
            let t = Tensor(zeros: [], dtype: dtype)
            try dtype.dispatch(StoreInt(address: t.baseAddress, value: i))
            return t
        default:
            return try Tensor.full([], value: doubleValue, dtype: dtype)
        }
    }

    /// The value as Python spells it for bools (`True`, `False`) and integers; doubles print as Swift prints them.
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
