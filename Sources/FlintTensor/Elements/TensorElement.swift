import RealModule

/// A Swift type that can be a tensor's element. Exactly one conforming type exists per computable
/// ``DType``; ``DType/dispatch(_:)`` is the one place a runtime dtype becomes a static type.
///
/// Conversions follow C++ `static_cast`, as ATen's casts do: integers wrap when narrowed, floats truncate
/// toward zero when converted to integers (NaN and out-of-range values give the type's minimum, as x86
/// does), and anything non-zero (NaN included) is `true` as a bool.
public protocol TensorElement: Sendable {
    /// The ``DType`` whose elements have this Swift type.
    static var dtype: DType { get }
    /// The value as a `Double` (exact for every type but large 64-bit integers).
    var doubleValue: Double { get }
    /// The value as an `Int64` (floats truncate toward zero; NaN and overflow give `Int64.min`).
    var int64Value: Int64 { get }
    /// `static_cast<T>(double)`.
    init(castingDouble value: Double)
    /// `static_cast<T>(int64_t)`.
    init(castingInt64 value: Int64)
    /// Zero in this type.
    static var zero: Self { get }
    /// One in this type.
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
    /// The type arithmetic runs in: the type itself for `Float` and `Double`, `Float` for ``Half`` and ``BFloat16``.
    associatedtype Compute: Real & BinaryFloatingPoint & Sendable
    /// The value widened to `Compute` (exact).
    var computeValue: Compute { get }
    /// The value of a `Compute` result in this type, rounded to nearest even when this type is narrower.
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

/// `Float` is the element type of `torch.float32`.
extension Float: FloatingElement {
    /// Always ``DType/float32``.
    public static var dtype: DType { .float32 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public var int64Value: Int64 { truncatingToInt64(Double(self)) }
    @inlinable public init(castingDouble value: Double) { self = Float(value) }
    @inlinable public init(castingInt64 value: Int64) { self = Float(value) }
    /// The value itself: float32 computes in `Float`.
    @inlinable public var computeValue: Float { self }
    /// The value itself.
    @inlinable public init(computeValue: Float) { self = computeValue }
}

/// `Double` is the element type of `torch.float64`.
extension Double: FloatingElement {
    /// Always ``DType/float64``.
    public static var dtype: DType { .float64 }
    @inlinable public var doubleValue: Double { self }
    @inlinable public var int64Value: Int64 { truncatingToInt64(self) }
    @inlinable public init(castingDouble value: Double) { self = value }
    @inlinable public init(castingInt64 value: Int64) { self = Double(value) }
    /// The value itself: float64 computes in `Double`.
    @inlinable public var computeValue: Double { self }
    /// The value itself.
    @inlinable public init(computeValue: Double) { self = computeValue }
}

extension Half: FloatingElement {
    /// Always ``DType/float16``.
    public static var dtype: DType { .float16 }
    public static var zero: Half { Half(bitPattern: 0) }
    /// One (`0x3C00`).
    public static var one: Half { Half(bitPattern: 0x3C00) }
    @inlinable public var doubleValue: Double { Double(floatValue) }
    @inlinable public var int64Value: Int64 { truncatingToInt64(Double(floatValue)) }
    @inlinable public init(castingDouble value: Double) { self.init(Float(value)) }
    @inlinable public init(castingInt64 value: Int64) { self.init(Float(value)) }
    /// The exact `Float` value: half-precision math runs in `Float`.
    @inlinable public var computeValue: Float { floatValue }
    /// Rounds a `Float` result to the nearest half (ties to even).
    @inlinable public init(computeValue: Float) { self.init(computeValue) }
}

extension BFloat16: FloatingElement {
    /// Always ``DType/bfloat16``.
    public static var dtype: DType { .bfloat16 }
    public static var zero: BFloat16 { BFloat16(bitPattern: 0) }
    /// One (`0x3F80`).
    public static var one: BFloat16 { BFloat16(bitPattern: 0x3F80) }
    @inlinable public var doubleValue: Double { Double(floatValue) }
    @inlinable public var int64Value: Int64 { truncatingToInt64(Double(floatValue)) }
    @inlinable public init(castingDouble value: Double) { self.init(Float(value)) }
    @inlinable public init(castingInt64 value: Int64) { self.init(Float(value)) }
    /// The exact `Float` value: bfloat16 math runs in `Float`.
    @inlinable public var computeValue: Float { floatValue }
    /// Rounds a `Float` result to the nearest bfloat16 (ties to even).
    @inlinable public init(computeValue: Float) { self.init(computeValue) }
}

/// `Bool` is the element type of `torch.bool`.
extension Bool: TensorElement {
    /// Always ``DType/bool``.
    public static var dtype: DType { .bool }
    public static var zero: Bool { false }
    /// `true`.
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

/// `UInt8` is the element type of `torch.uint8`.
extension UInt8: IntegerElement { public static var dtype: DType { .uint8 } }
/// `Int8` is the element type of `torch.int8`.
extension Int8: IntegerElement { public static var dtype: DType { .int8 } }
/// `Int16` is the element type of `torch.int16`.
extension Int16: IntegerElement { public static var dtype: DType { .int16 } }
/// `Int32` is the element type of `torch.int32`.
extension Int32: IntegerElement { public static var dtype: DType { .int32 } }
/// `Int64` is the element type of `torch.int64`.
extension Int64: IntegerElement { public static var dtype: DType { .int64 } }
/// `UInt16` is the element type of `torch.uint16`.
extension UInt16: IntegerElement { public static var dtype: DType { .uint16 } }
/// `UInt32` is the element type of `torch.uint32`.
extension UInt32: IntegerElement { public static var dtype: DType { .uint32 } }
/// `UInt64` is the element type of `torch.uint64`.
extension UInt64: IntegerElement { public static var dtype: DType { .uint64 } }

/// The integer element types' `one`.
extension FixedWidthInteger {
    /// One (`1`).
    public static var one: Self { 1 }
}

extension Float {
    /// One (`1`).
    public static var one: Float { 1 }
}

extension Double {
    /// One (`1`).
    public static var one: Double { 1 }
}
