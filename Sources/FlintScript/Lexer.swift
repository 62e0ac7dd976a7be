/// Tokenises printed TorchScript source: Python-style indentation (INDENT/DEDENT), newlines ignored inside
/// brackets, `\`-continuations, comments, numbers as C's `strtod` reads them, and string literals with the
/// escapes TorchScript's printer emits (including `\r`, which libtorch's own lexer rejects, and 3-digit
/// octal escapes). See `torch/csrc/jit/frontend/lexer.cpp` and `parse_string_literal.h`.
package struct Lexer {
    package static let keywords: Set<String> = [
        "def", "if", "else", "elif", "while", "for", "in", "not", "is", "and", "or", "return", "raise", "assert",
        "break", "continue", "pass", "class", "import", "from", "with", "as", "global", "del", "lambda",
        "True", "False", "None",
    ]

    /// Operators, longest first so that maximal munch works.
    private static let symbols: [String] = [
        "**=", "//=", "<<=", ">>=", "...", "->", "**", "//", "<<", ">>", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=",
        "%=", "&=", "|=", "^=", "@=", "+", "-", "*", "/", "%", "&", "|", "^", "~", "<", ">", "=", "(", ")", "[", "]",
        "{", "}", ",", ":", ".", ";", "@",
    ].sorted { $0.count > $1.count }

    /// ``symbols`` with their bytes, made once (the lexer compares bytes, without allocating, per token).
    private static let symbolBytes: [(symbol: String, bytes: [UInt8])] = symbols.map { ($0, Array($0.utf8)) }

    private let bytes: [UInt8]
    private var position = 0
    private var line = 1
    private var lineStart = 0
    private var bracketDepth = 0
    private var indentStack = [0]
    private var atLineStart = true
    private var tokens: [Token] = []

    package init(_ text: String) {
        bytes = Array(text.utf8)
    }

    /// All tokens, ending with enough DEDENTs to close every block and an END OF FILE.
    package static func tokenize(_ text: String) throws -> [Token] {
        var lexer = Lexer(text)
        return try lexer.run()
    }

    private var location: SourceLocation {
        SourceLocation(offset: position, line: line, column: position - lineStart + 1)
    }

    private func error(_ message: String) -> LexerError { LexerError(location: location, message: message) }

    private mutating func emit(_ kind: Token.Kind, at location: SourceLocation) {
        tokens.append(Token(kind: kind, location: location))
    }

    private mutating func run() throws -> [Token] {
        while position < bytes.count {
            if atLineStart && bracketDepth == 0 {
                try handleIndentation()
                if position >= bytes.count { break }
            }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), 0x0C:
                position += 1
            case UInt8(ascii: "\r"):
                position += 1
            case UInt8(ascii: "\n"):
                if bracketDepth == 0, let last = tokens.last, last.kind != .newline {
                    emit(.newline, at: location)
                }
                newLine()
            case UInt8(ascii: "#"):
                while position < bytes.count && bytes[position] != UInt8(ascii: "\n") { position += 1 }
            case UInt8(ascii: "\\"):
                guard position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "\n") else {
                    throw error("stray '\\' outside a string")
                }
                position += 1
                newLine()
                atLineStart = false
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                try lexStrings()
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                try lexNumber()
            case UInt8(ascii: "."):
                if position + 1 < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position + 1]) {
                    try lexNumber()
                } else {
                    try lexSymbol()
                }
            case _ where isIdentifierStart(byte):
                lexIdentifier()
            default:
                try lexSymbol()
            }
        }
        if let last = tokens.last, last.kind != .newline { emit(.newline, at: location) }
        while indentStack.count > 1 {
            indentStack.removeLast()
            emit(.dedent, at: location)
        }
        emit(.endOfFile, at: location)
        return tokens
    }

    private mutating func newLine() {
        position += 1
        line += 1
        lineStart = position
        atLineStart = bracketDepth == 0
    }

    /// At the start of a logical line: measures indentation, skipping blank and comment-only lines.
    private mutating func handleIndentation() throws {
        while true {
            var width = 0
            var scan = position
            while scan < bytes.count, bytes[scan] == UInt8(ascii: " ") || bytes[scan] == UInt8(ascii: "\t") {
                width += bytes[scan] == UInt8(ascii: "\t") ? 8 - width % 8 : 1
                scan += 1
            }
            if scan >= bytes.count {
                position = scan
                return
            }
            let next = bytes[scan]
            if next == UInt8(ascii: "\n") || next == UInt8(ascii: "#") || next == UInt8(ascii: "\r") {
                position = scan
                while position < bytes.count && bytes[position] != UInt8(ascii: "\n") { position += 1 }
                if position < bytes.count { newLine() }
                continue
            }
            position = scan
            atLineStart = false
            let current = indentStack.last!
            if width > current {
                indentStack.append(width)
                emit(.indent, at: location)
            } else {
                while width < indentStack.last! {
                    indentStack.removeLast()
                    emit(.dedent, at: location)
                }
                guard width == indentStack.last! else { throw error("unindent does not match any outer indentation level") }
            }
            return
        }
    }

    private func isIdentifierStart(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || byte == UInt8(ascii: "_") || byte >= 0x80
    }

    private func isIdentifierPart(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private mutating func lexIdentifier() {
        let start = location
        let begin = position
        while position < bytes.count && isIdentifierPart(bytes[position]) { position += 1 }
        let word = String(decoding: bytes[begin..<position], as: UTF8.self)
        if word == "inf" || word == "nan" {
            emit(.float(word == "inf" ? .infinity : .nan), at: start)
        } else if Self.keywords.contains(word) {
            emit(.keyword(word), at: start)
        } else {
            emit(.identifier(word), at: start)
        }
    }

    private mutating func lexSymbol() throws {
        let start = location
        for (symbol, symbolBytes) in Self.symbolBytes {
            guard position + symbolBytes.count <= bytes.count,
                symbolBytes.indices.allSatisfy({ bytes[position + $0] == symbolBytes[$0] })
            else { continue }
            position += symbolBytes.count
            switch symbol {
            case "(", "[", "{": bracketDepth += 1
            case ")", "]", "}": bracketDepth = Swift.max(0, bracketDepth - 1)
            default: break
            }
            emit(.symbol(symbol), at: start)
            return
        }
        throw error("unexpected character '\(String(decoding: [bytes[position]], as: UTF8.self))'")
    }

    /// Decimal integers, and floats in the forms `1.`, `.5`, `1e-3`, `2.5E+10`; a trailing `j` makes it imaginary.
    private mutating func lexNumber() throws {
        let start = location
        let begin = position
        var isFloat = false
        func digits() { while position < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 } }
        digits()
        if position < bytes.count && bytes[position] == UInt8(ascii: ".") {
            isFloat = true
            position += 1
            digits()
        }
        if position < bytes.count && (bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E")) {
            var scan = position + 1
            if scan < bytes.count && (bytes[scan] == UInt8(ascii: "+") || bytes[scan] == UInt8(ascii: "-")) { scan += 1 }
            if scan < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[scan]) {
                isFloat = true
                position = scan
                digits()
            }
        }
        let text = String(decoding: bytes[begin..<position], as: UTF8.self)
        if position < bytes.count && bytes[position] == UInt8(ascii: "j") {
            position += 1
            guard let value = Double(text) else { throw error("invalid number '\(text)j'") }
            emit(.imaginary(value), at: start)
            return
        }
        if isFloat {
            guard let value = Double(text) else { throw error("invalid number '\(text)'") }
            emit(.float(value), at: start)
        } else if let value = Int64(text) {
            emit(.integer(value), at: start)
        } else if text == "9223372036854775808" {
            // Only valid after unary minus (`-9223372036854775808`); the parser folds the sign.
            emit(.integer(Int64.min), at: start)
        } else {
            throw error("integer literal '\(text)' does not fit in 64 bits")
        }
    }

    /// One or more adjacent string literals, concatenated.
    private mutating func lexStrings() throws {
        let start = location
        var value: [UInt8] = []
        repeat {
            value += try lexString()
            var scan = position
            while scan < bytes.count && (bytes[scan] == UInt8(ascii: " ") || bytes[scan] == UInt8(ascii: "\t")) { scan += 1 }
            guard scan < bytes.count, bytes[scan] == UInt8(ascii: "\"") || bytes[scan] == UInt8(ascii: "'") else { break }
            position = scan
        } while true
        emit(.string(value), at: start)
    }

    private mutating func lexString() throws -> [UInt8] {
        let quote = bytes[position]
        let triple = position + 2 < bytes.count && bytes[position + 1] == quote && bytes[position + 2] == quote
        position += triple ? 3 : 1
        var value: [UInt8] = []
        while true {
            guard position < bytes.count else { throw error("unterminated string literal") }
            let byte = bytes[position]
            if byte == quote {
                if !triple {
                    position += 1
                    return value
                }
                if position + 2 < bytes.count && bytes[position + 1] == quote && bytes[position + 2] == quote {
                    position += 3
                    return value
                }
            }
            if byte == UInt8(ascii: "\n") {
                guard triple else { throw error("newline inside a string literal") }
                value.append(byte)
                position += 1
                line += 1
                lineStart = position
                continue
            }
            if byte == UInt8(ascii: "\\") {
                position += 1
                guard position < bytes.count else { throw error("unterminated string literal") }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): value.append(escape)
                case UInt8(ascii: "a"): value.append(0x07)
                case UInt8(ascii: "b"): value.append(0x08)
                case UInt8(ascii: "f"): value.append(0x0C)
                case UInt8(ascii: "n"): value.append(0x0A)
                case UInt8(ascii: "r"): value.append(0x0D)
                case UInt8(ascii: "t"): value.append(0x09)
                case UInt8(ascii: "v"): value.append(0x0B)
                case UInt8(ascii: "\n"):
                    line += 1
                    lineStart = position
                case UInt8(ascii: "0")...UInt8(ascii: "7"):
                    var code = Int(escape - UInt8(ascii: "0"))
                    for _ in 0..<2 {
                        guard position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(bytes[position]) else {
                            throw error("ill formed octal specifier")
                        }
                        code = code * 8 + Int(bytes[position] - UInt8(ascii: "0"))
                        position += 1
                    }
                    guard code <= 0xFF else { throw error("octal escape \\\(String(code, radix: 8)) is out of range") }
                    value.append(UInt8(code))
                default:
                    throw error("invalid escape sequence '\\\(String(decoding: [escape], as: UTF8.self))'")
                }
                continue
            }
            value.append(byte)
            position += 1
        }
    }
}
