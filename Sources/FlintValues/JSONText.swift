/// A parsed JSON value (`--input json:...`, the programs and configs inside `.pt2` archives). Integers
/// without fraction or exponent stay exact; objects keep their members in order.
package indirect enum JSONText: Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONText])
    case object([(String, JSONText)])

    /// Parses a complete JSON text. Throws ``JSONSyntaxError`` naming the byte position.
    package static func parse(_ text: String) throws -> JSONText {
        try parse(bytes: Array(text.utf8))
    }

    /// Parses a complete JSON text given as UTF-8 bytes.
    package static func parse(bytes: [UInt8]) throws -> JSONText {
        var parser = JSONParser(bytes: bytes)
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.position == parser.bytes.count else { throw parser.fail("unexpected text after the value") }
        return value
    }
}

/// Why a JSON text could not be parsed, with the byte position.
package struct JSONSyntaxError: Error, CustomStringConvertible {
    package let message: String
    package var description: String { message }
}

extension JSONText {
    /// The member named `key` of an object (the first, if repeated), or nil.
    package subscript(key: String) -> JSONText? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    package var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// An integer, or a number with an integral value.
    package var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .number(let value) where value.rounded() == value && abs(value) < 9.2e18: Int64(value)
        default: nil
        }
    }

    package var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    package var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    package var array: [JSONText]? {
        if case .array(let items) = self { return items }
        return nil
    }

    package var members: [(String, JSONText)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    package var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

private struct JSONParser {
    let bytes: [UInt8]
    var position = 0

    func fail(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(message: "JSON input, byte \(position): \(message)")
    }

    mutating func skipSpace() {
        while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x09 || bytes[position] == 0x0A || bytes[position] == 0x0D {
            position += 1
        }
    }

    mutating func value(depth: Int) throws -> JSONText {
        guard depth < 256 else { throw fail("nesting too deep") }
        skipSpace()
        guard position < bytes.count else { throw fail("unexpected end") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var members: [(String, JSONText)] = []
            skipSpace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipSpace()
                guard case .string(let key) = try value(depth: depth + 1) else { throw fail("object keys must be strings") }
                skipSpace()
                try expect(":")
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                if try separator("}") { return .object(members) }
            }
        case UInt8(ascii: "["):
            position += 1
            var items: [JSONText] = []
            skipSpace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
            while true {
                items.append(try value(depth: depth + 1))
                skipSpace()
                if try separator("]") { return .array(items) }
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        // Python's json module writes these for non-finite floats (torch.export's programs have them).
        case UInt8(ascii: "N"): try literal("NaN"); return .number(.nan)
        case UInt8(ascii: "I"): try literal("Infinity"); return .number(.infinity)
        case UInt8(ascii: "-") where position + 1 < bytes.count && bytes[position + 1] == UInt8(ascii: "I"):
            position += 1
            try literal("Infinity")
            return .number(-.infinity)
        default:
            return try number()
        }
    }

    mutating func expect(_ c: Character) throws {
        guard position < bytes.count, bytes[position] == c.asciiValue! else { throw fail("expected '\(c)'") }
        position += 1
    }

    /// After an element: `,` continues (false), `close` ends (true).
    mutating func separator(_ close: Character) throws -> Bool {
        guard position < bytes.count else { throw fail("unexpected end") }
        if bytes[position] == UInt8(ascii: ",") { position += 1; return false }
        if bytes[position] == close.asciiValue! { position += 1; return true }
        throw fail("expected ',' or '\(close)'")
    }

    mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard position + w.count <= bytes.count, Array(bytes[position..<(position + w.count)]) == w else { throw fail("invalid literal") }
        position += w.count
    }

    mutating func string() throws -> String {
        position += 1
        var out: [UInt8] = []
        while position < bytes.count {
            let b = bytes[position]
            position += 1
            if b == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            if b == UInt8(ascii: "\\") {
                guard position < bytes.count else { break }
                let e = bytes[position]
                position += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard position + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16),
                        let scalar = Unicode.Scalar(code)
                    else { throw fail("invalid \\u escape") }
                    position += 4
                    out += Array(String(Character(scalar)).utf8)
                default: out.append(e)
                }
            } else {
                out.append(b)
            }
        }
        throw fail("unterminated string")
    }

    mutating func number() throws -> JSONText {
        let start = position
        while position < bytes.count, "+-0123456789.eE".utf8.contains(bytes[position]) { position += 1 }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if let i = Int64(text) { return .integer(i) }
        guard let d = Double(text) else { throw fail("invalid number '\(text)'") }
        return .number(d)
    }
}
