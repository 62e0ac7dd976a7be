/// The shortest decimal text that reads back as the same double, in the two spellings Flint needs:
/// `{fmt}`'s default (`2`, `0.1`, `1000000000000000`, `1e+16`, `1e-05`), which libtorch uses for 0-dim
/// tensors and scale lines, and Python's `repr` (`2.0`, `1e+16`).
public enum ShortestFloat {
    /// `{fmt}`'s `{}` for a double: shortest round-trip digits, exponent form below 1e-4 and from 1e16.
    public static func format(_ value: Double) -> String {
        render(value, pythonStyle: false)
    }

    /// Python's `repr(float)`.
    public static func pythonRepr(_ value: Double) -> String {
        render(value, pythonStyle: true)
    }

    private static func render(_ value: Double, pythonStyle: Bool) -> String {
        if value.isNaN { return value.sign == .minus && !pythonStyle ? "-nan" : "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 {
            let zero = pythonStyle ? "0.0" : "0"
            return value.sign == .minus ? "-" + zero : zero
        }
        let (digits, exponent) = shortestDigits(abs(value))
        let sign = value < 0 ? "-" : ""
        if exponent >= -4 && exponent < 16 {
            if exponent < 0 {
                return sign + "0." + String(repeating: "0", count: -exponent - 1) + digits
            }
            if digits.count > exponent + 1 {
                let split = digits.index(digits.startIndex, offsetBy: exponent + 1)
                return sign + digits[..<split] + "." + digits[split...]
            }
            return sign + digits + String(repeating: "0", count: exponent + 1 - digits.count) + (pythonStyle ? ".0" : "")
        }
        let mantissa = digits.count > 1 ? "\(digits.first!).\(digits.dropFirst())" : digits
        let exponentText = abs(exponent) < 10 ? "0\(abs(exponent))" : "\(abs(exponent))"
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + exponentText
    }

    /// Shortest round-trip decimal digits of a positive finite value and its decimal exponent
    /// (value = d.ddd × 10^exponent), taken from Swift's own shortest representation.
    private static func shortestDigits(_ value: Double) -> (String, Int) {
        let text = value.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var digits = ""
        var pointPosition: Int?
        for character in mantissa {
            if character == "." { pointPosition = digits.count } else { digits.append(character) }
        }
        let integerDigits = pointPosition ?? digits.count
        let leadingZeros = digits.prefix(while: { $0 == "0" }).count
        digits.removeFirst(leadingZeros)
        while digits.hasSuffix("0") { digits.removeLast() }
        if digits.isEmpty { return ("0", 0) }
        return (digits, exponent + integerDigits - leadingZeros - 1)
    }
}
