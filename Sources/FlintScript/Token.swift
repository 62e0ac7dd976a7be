/// A position in a source text: byte offset, 1-based line and column.
package struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    package let offset: Int
    package let line: Int
    package let column: Int

    package var description: String { "line \(line), column \(column)" }
}

/// One token of the printed TorchScript language (`torch/csrc/jit/frontend/lexer.h`).
package struct Token: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case identifier(String)
        case keyword(String)
        /// An integer literal, already parsed (the printer never emits octal or hex).
        case integer(Int64)
        case float(Double)
        /// An imaginary literal such as `2j`.
        case imaginary(Double)
        /// A string literal after escapes and adjacent-literal concatenation, as bytes.
        case string([UInt8])
        /// Operators and punctuation (`+`, `**`, `->`, `(`, `:`, `...`...).
        case symbol(String)
        case newline
        case indent
        case dedent
        case endOfFile
    }

    package let kind: Kind
    package let location: SourceLocation
}

/// A lexical error with its position.
package struct LexerError: Error, CustomStringConvertible, Sendable {
    package let location: SourceLocation
    package let message: String
    package var description: String { "\(location): \(message)" }
}
