import FlintValues
import FlintTensor

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
    /// `repr(float)`.
    package static func float(_ value: Double) -> String { ShortestFloat.pythonRepr(value) }

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
