/// IEEE 754 binary16 (`torch.float16`), stored as its bits. Arithmetic happens in `Float`, as ATen's CPU
/// kernels do for half precision; conversions round to nearest even.
public struct Half: Sendable, Hashable {
    /// The binary16 bits: sign, 5 exponent bits, 10 mantissa bits.
    public var bitPattern: UInt16

    /// The half with these bits (no conversion).
    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    /// Rounds `value` to the nearest binary16 (ties to even); overflow gives ±inf, NaN stays NaN.
    public init(_ value: Float) {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        var mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF {
            bitPattern = sign | 0x7C00 | (mantissa != 0 ? 0x200 | UInt16(mantissa >> 13) : 0)
            return
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F {
            bitPattern = sign | 0x7C00
            return
        }
        if halfExponent <= 0 {
            if halfExponent < -10 {
                bitPattern = sign
                return
            }
            mantissa |= 0x80_0000
            let shift = UInt32(14 - halfExponent)
            let halfMantissa = mantissa >> shift
            let remainder = mantissa & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            var result = UInt16(halfMantissa)
            if remainder > halfway || (remainder == halfway && (halfMantissa & 1) != 0) { result += 1 }
            bitPattern = sign | result
            return
        }
        var result = UInt16(halfExponent << 10) | UInt16(mantissa >> 13)
        let remainder = mantissa & 0x1FFF
        if remainder > 0x1000 || (remainder == 0x1000 && (result & 1) != 0) {
            result += 1
        }
        bitPattern = sign | result
    }

    /// The exact `Float` value.
    public var floatValue: Float {
        let sign = UInt32(bitPattern & 0x8000) << 16
        let exponent = UInt32((bitPattern >> 10) & 0x1F)
        let mantissa = UInt32(bitPattern & 0x3FF)
        if exponent == 0 {
            if mantissa == 0 { return Float(bitPattern: sign) }
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }
}

/// bfloat16 (`torch.bfloat16`): the top 16 bits of a `Float`. Arithmetic happens in `Float`; conversions
/// round to nearest even as ATen's `c10::BFloat16` does.
public struct BFloat16: Sendable, Hashable {
    /// The bits: sign, 8 exponent bits, 7 mantissa bits (the top half of a `Float`'s).
    public var bitPattern: UInt16

    /// The bfloat16 with these bits (no conversion).
    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    /// Rounds `value` to bfloat16 (ties to even); NaN stays a quiet NaN.
    public init(_ value: Float) {
        if value.isNaN {
            bitPattern = 0x7FC0
            return
        }
        let bits = value.bitPattern
        let rounding = UInt32(0x7FFF) + ((bits >> 16) & 1)
        bitPattern = UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }

    /// The exact `Float` value.
    public var floatValue: Float { Float(bitPattern: UInt32(bitPattern) << 16) }
}

/// A complex number of two `Float`s (`torch.complex64`); storable and printable, not computed with.
public struct Complex64: Sendable, Hashable {
    /// The real part.
    public var real: Float
    /// The imaginary part.
    public var imaginary: Float
    /// The complex number `real + imaginary·i`.
    public init(real: Float, imaginary: Float) {
        self.real = real
        self.imaginary = imaginary
    }
}

/// A complex number of two `Double`s (`torch.complex128`); storable and printable, not computed with.
public struct Complex128: Sendable, Hashable {
    /// The real part.
    public var real: Double
    /// The imaginary part.
    public var imaginary: Double
    /// The complex number `real + imaginary·i`.
    public init(real: Double, imaginary: Double) {
        self.real = real
        self.imaginary = imaginary
    }
}
