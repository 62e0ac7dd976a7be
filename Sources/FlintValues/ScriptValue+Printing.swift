import FlintTensor

extension ScriptValue {
    /// The text TorchScript's `str()` and `format` give (c10's `IValue` printing): ints in decimal, floats
    /// as `1.` when integral and below 1e10, otherwise with 17 significant digits; `True`/`False`/`None`;
    /// strings bare at the top level and quoted inside containers; tensors as libtorch prints them.
    package func pythonString(quoted: Bool) -> String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return Self.formatDouble(d)
        case .complex(let re, let im):
            // c10's form: the real part, the imaginary part's sign, its magnitude, `j`.
            return "\(Self.formatDouble(re))\(im < 0 ? "-" : "+")\(Self.formatDouble(Swift.abs(im)))j"
        case .string(let s): return quoted ? "\"" + s + "\"" : s
        case .tensor(let t): return t.description
        case .device(let d): return d.description
        case .list(let list): return "[" + list.elements.map { $0.pythonString(quoted: true) }.joined(separator: ", ") + "]"
        case .tuple(let items):
            return "(" + items.map { $0.pythonString(quoted: true) }.joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .dict(let dict):
            return "{" + zip(dict.keys, dict.values).map { "\($0.pythonString(quoted: true)): \($1.pythonString(quoted: true))" }
                .joined(separator: ", ") + "}"
        case .object(let object): return "<\(object.type.qualifiedName) object>"
        case .enumValue(let member): return "\(member.type.name).\(member.name)"
        }
    }

    /// c10's double printing: `1.` (and `0.` for -0.0) for integral values of magnitude below 1e10, else `%.17g`.
    package static func formatDouble(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        if Swift.abs(d) < 1e10, d == d.rounded(.towardZero) {
            let i = Int64(d)
            return String(i) + "."
        }
        return formatG17(d)
    }

    private static func formatG17(_ d: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 40)
        _ = withVaList([d]) { vsnprintf(&buffer, 40, "%.17g", $0) }
        return String(cString: buffer)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
