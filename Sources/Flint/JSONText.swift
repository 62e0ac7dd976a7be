/// A parsed JSON value (for `--input json:...`). Integers without fraction or exponent stay exact.
package indirect enum JSONText: Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONText])
    case object([(String, JSONText)])

    /// Parses a complete JSON text. Throws ``FlintError`` (`.invalidInput`) naming the position.
    package static func parse(_ text: String) throws -> JSONText {
        var parser = JSONParser(bytes: Array(text.utf8))
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.position == parser.bytes.count else { throw parser.fail("unexpected text after the value") }
        return value
    }
}

private struct JSONParser {
    let bytes: [UInt8]
    var position = 0

    func fail(_ message: String) -> FlintError {
        FlintError(kind: .invalidInput, file: nil, record: nil, message: "JSON input, byte \(position): \(message)")
    }

    mutating func skipSpace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
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
