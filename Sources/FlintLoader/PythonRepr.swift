/// Python's `repr` of script values (`[1, 2]`, `{'a': 1.5}`, `(1,)`, `device(type='cpu')`), used to show
/// attribute values the way a PyTorch user sees them. Tensors and objects print a short placeholder.
extension ScriptValue {
    package var pythonRepr: String {
        var out = ""
        var budget = 1 << 16
        writeRepr(to: &out, budget: &budget)
        return out
    }

    private func writeRepr(to out: inout String, budget: inout Int) {
        budget -= 1
        guard budget > 0 else {
            if !out.hasSuffix("...") { out += "..." }
            return
        }
        switch self {
        case .none: out += "None"
        case .bool(let b): out += b ? "True" : "False"
        case .int(let i): out += String(i)
        case .double(let d): out += PythonRepr.float(d)
        case .complex(let re, let im):
            out += re == 0 && re.sign == .plus ? "\(PythonRepr.float(im))j" : "(\(PythonRepr.float(re))\(im.sign == .minus ? "-" : "+")\(PythonRepr.float(abs(im)))j)"
        case .string(let s): out += PythonRepr.string(s)
        case .tensor(let t): out += "tensor(shape=\(t.shape), dtype=\(t.dtype))"
        case .device(let d): out += "device(type='\(d.type)'" + (d.index.map { ", index=\($0))" } ?? ")")
        case .list(let list):
            out += "["
            for (i, element) in list.elements.enumerated() {
                if i > 0 { out += ", " }
                element.writeRepr(to: &out, budget: &budget)
            }
            out += "]"
        case .dict(let dict):
            out += "{"
            for (i, (key, value)) in zip(dict.keys, dict.values).enumerated() {
                if i > 0 { out += ", " }
                key.writeRepr(to: &out, budget: &budget)
                out += ": "
                value.writeRepr(to: &out, budget: &budget)
            }
            out += "}"
        case .tuple(let elements):
            out += "("
            for (i, element) in elements.enumerated() {
                if i > 0 { out += ", " }
                element.writeRepr(to: &out, budget: &budget)
            }
            out += elements.count == 1 ? ",)" : ")"
        case .object(let object): out += "<\(object.type.qualifiedName) object>"
        case .enumValue(let member): out += "<\(member.type.name).\(member.name): \(member.value.pythonRepr)>"
        }
    }
}

/// Python's repr rules for floats and strings.
package enum PythonRepr {
    /// `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16 on.
    package static func float(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
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
            return sign + digits + String(repeating: "0", count: exponent + 1 - digits.count) + ".0"
        }
        let mantissa = digits.count > 1 ? "\(digits.first!).\(digits.dropFirst())" : digits
        let exponentText = abs(exponent) < 10 ? "0\(abs(exponent))" : "\(abs(exponent))"
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + exponentText
    }

    /// The shortest round-trip decimal digits of a positive finite value and its decimal exponent
    /// (value = 0.d1d2... × 10^(exponent+1)), taken from Swift's own shortest representation.
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

    /// `repr(str)`: single quotes unless the text has a single quote and no double quote.
    package static func string(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where Character(scalar) == quote: out += "\\" + String(quote)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\x" + hex(scalar.value, width: 2)
            case _ where scalar.value >= 0x80 && !isPrintable(scalar):
                out += scalar.value <= 0xFF ? "\\x" + hex(scalar.value, width: 2)
                    : scalar.value <= 0xFFFF ? "\\u" + hex(scalar.value, width: 4) : "\\U" + hex(scalar.value, width: 8)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out.append(quote)
        return out
    }

    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator: false
        case .spaceSeparator: scalar == " "
        default: true
        }
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
