import RealModule

/// A Swift type that can be a tensor's element. Exactly one conforming type exists per computable
/// ``DType``; ``DType/dispatch(_:)`` is the one place a runtime dtype becomes a static type.
///
/// Conversions follow C++ `static_cast`, as ATen's casts do: integers wrap when narrowed, floats truncate
/// toward zero when converted to integers (NaN and out-of-range values give the type's minimum, as x86
/// does), and anything non-zero (NaN included) is `true` as a bool.
public protocol TensorElement: Sendable {
    static var dtype: DType { get }
    /// The value as a `Double` (exact for every type but large 64-bit integers).
    var doubleValue: Double { get }
    /// The value as an `Int64` (floats truncate toward zero; NaN and overflow give `Int64.min`).
    var int64Value: Int64 { get }
    /// `static_cast<T>(double)`.
    init(castingDouble value: Double)
    /// `static_cast<T>(int64_t)`.
    init(castingInt64 value: Int64)
    /// Zero and one in this type.
    static var zero: Self { get }
    static var one: Self { get }
}

extension TensorElement {
    /// `static_cast<Self>(value)` from any other element type.
    @inlinable
    public init<Source: TensorElement>(casting value: Source) {
        if Source.dtype.isFloatingPoint {
            self.init(castingDouble: value.doubleValue)
        } else {
            self.init(castingInt64: value.int64Value)
        }
    }
}

/// Floating-point elements; `Compute` is the type their math runs in (`Float` for float16/bfloat16).
public protocol FloatingElement: TensorElement {
    associatedtype Compute: Real & BinaryFloatingPoint & Sendable
    var computeValue: Compute { get }
    init(computeValue: Compute)
}

/// Integer elements (bool excluded).
public protocol IntegerElement: TensorElement, FixedWidthInteger {}

@usableFromInline
func truncatingToInt64(_ value: Double) -> Int64 {
    guard value.isFinite, value > -9.223_372_036_854_775_808e18, value < 9.223_372_036_854_775_808e18 else {
        return Int64.min
    }
    return Int64(value.rounded(.towardZero))
}

extension Float: FloatingElement {
    public static var dtype: DType { .float32 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public var int64Value: Int64 { truncatingToInt64(Double(self)) }
    @inlinable public init(castingDouble value: Double) { self = Float(value) }
    @inlinable public init(castingInt64 value: Int64) { self = Float(value) }
    @inlinable public var computeValue: Float { self }
    @inlinable public init(computeValue: Float) { self = computeValue }
}

extension Double: FloatingElement {
    public static var dtype: DType { .float64 }
    @inlinable public var doubleValue: Double { self }
    @inlinable public var int64Value: Int64 { truncatingToInt64(self) }
    @inlinable public init(castingDouble value: Double) { self = value }
    @inlinable public init(castingInt64 value: Int64) { self = Double(value) }
    @inlinable public var computeValue: Double { self }
    @inlinable public init(computeValue: Double) { self = computeValue }
}

extension Half: FloatingElement {
    public static var dtype: DType { .float16 }
    public static var zero: Half { Half(bitPattern: 0) }
    public static var one: Half { Half(bitPattern: 0x3C00) }
    @inlinable public var doubleValue: Double { Double(floatValue) }
    @inlinable public var int64Value: Int64 { truncatingToInt64(Double(floatValue)) }
    @inlinable public init(castingDouble value: Double) { self.init(Float(value)) }
    @inlinable public init(castingInt64 value: Int64) { self.init(Float(value)) }
    @inlinable public var computeValue: Float { floatValue }
    @inlinable public init(computeValue: Float) { self.init(computeValue) }
}

extension BFloat16: FloatingElement {
    public static var dtype: DType { .bfloat16 }
    public static var zero: BFloat16 { BFloat16(bitPattern: 0) }
    public static var one: BFloat16 { BFloat16(bitPattern: 0x3F80) }
    @inlinable public var doubleValue: Double { Double(floatValue) }
    @inlinable public var int64Value: Int64 { truncatingToInt64(Double(floatValue)) }
    @inlinable public init(castingDouble value: Double) { self.init(Float(value)) }
    @inlinable public init(castingInt64 value: Int64) { self.init(Float(value)) }
    @inlinable public var computeValue: Float { floatValue }
    @inlinable public init(computeValue: Float) { self.init(computeValue) }
}

extension Bool: TensorElement {
    public static var dtype: DType { .bool }
    public static var zero: Bool { false }
    public static var one: Bool { true }
    @inlinable public var doubleValue: Double { self ? 1 : 0 }
    @inlinable public var int64Value: Int64 { self ? 1 : 0 }
    @inlinable public init(castingDouble value: Double) { self = value != 0 }
    @inlinable public init(castingInt64 value: Int64) { self = value != 0 }
}

extension IntegerElement {
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public var int64Value: Int64 { Int64(truncatingIfNeeded: self) }
    @inlinable public init(castingDouble value: Double) { self.init(truncatingIfNeeded: truncatingToInt64(value)) }
    @inlinable public init(castingInt64 value: Int64) { self.init(truncatingIfNeeded: value) }
}

extension UInt8: IntegerElement { public static var dtype: DType { .uint8 } }
extension Int8: IntegerElement { public static var dtype: DType { .int8 } }
extension Int16: IntegerElement { public static var dtype: DType { .int16 } }
extension Int32: IntegerElement { public static var dtype: DType { .int32 } }
extension Int64: IntegerElement { public static var dtype: DType { .int64 } }
extension UInt16: IntegerElement { public static var dtype: DType { .uint16 } }
extension UInt32: IntegerElement { public static var dtype: DType { .uint32 } }
extension UInt64: IntegerElement { public static var dtype: DType { .uint64 } }

extension FixedWidthInteger {
    public static var one: Self { 1 }
}

extension Float {
    public static var one: Float { 1 }
}

extension Double {
    public static var one: Double { 1 }
}
