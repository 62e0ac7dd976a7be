/// An operator's signature in PyTorch's schema language (`torch/csrc/jit/frontend/function_schema_parser.cpp`),
/// e.g. `aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor`.
package struct OperatorSchema: Sendable, CustomStringConvertible {
    /// A type in a schema: `Tensor`, `int[2]`, `Tensor?[]`, `Dict(str, t)`, `(Tensor, Tensor)`, `t`...
    package indirect enum SchemaType: Sendable, Equatable, CustomStringConvertible {
        case named(String)
        /// `T[]` or `T[N]` (a fixed size lets a single value broadcast, e.g. `int[2] stride=1`).
        case list(SchemaType, size: Int?)
        case optional(SchemaType)
        case dict(SchemaType, SchemaType)
        case tuple([SchemaType])
        /// `Future(T)`, `Await(T)`, `RRef(T)`
        case wrapper(String, SchemaType)

        package var description: String {
            switch self {
            case .named(let name): name
            case .list(let element, let size): "\(element)[\(size.map(String.init) ?? "")]"
            case .optional(let wrapped): "\(wrapped)?"
            case .dict(let key, let value): "Dict(\(key), \(value))"
            case .tuple(let elements): "(" + elements.map(\.description).joined(separator: ", ") + ")"
            case .wrapper(let name, let inner): "\(name)(\(inner))"
            }
        }
    }

    /// An alias annotation: `(a)`, `(a!)` (written), `(a -> *)`, `(*)`.
    package struct Alias: Sendable, Equatable {
        package let sets: [String]
        package let isWrite: Bool
    }

    package struct Argument: Sendable {
        package let name: String
        package let type: SchemaType
        package let alias: Alias?
        /// The default value's text, e.g. `1`, `None`, `[0, 0]`, `"mean"`, `contiguous_format`.
        package let defaultValue: String?
        package let keywordOnly: Bool
    }

    /// `aten::add`
    package let name: String
    /// `Tensor` in `aten::add.Tensor`; empty for the default overload.
    package let overload: String
    package let arguments: [Argument]
    package let returns: [Argument]
    /// `...` in the arguments or returns (variadic, e.g. `prim::TupleConstruct`).
    package let isVararg: Bool
    package let isVarret: Bool

    /// `name.overload` (or just `name`), the key operators are looked up by.
    package var qualifiedName: String { overload.isEmpty ? name : "\(name).\(overload)" }

    package var description: String { qualifiedName }

    /// Parses one schema line. Throws ``ParseError`` naming the position on malformed text.
    package init(parsing text: String) throws {
        var parser = SchemaParser(Array(text.utf8))
        (name, overload, arguments, returns, isVararg, isVarret) = try parser.parseSchema()
    }
}

/// A recursive-descent parser over the schema text's bytes.
private struct SchemaParser {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func fail(_ message: String) -> ParseError {
        ParseError(location: SourceLocation(offset: position, line: 1, column: position + 1), message: message)
    }

    mutating func skipSpaces() {
        while position < bytes.count && (bytes[position] == UInt8(ascii: " ") || bytes[position] == UInt8(ascii: "\t")) { position += 1 }
    }

    mutating func accept(_ text: String) -> Bool {
        skipSpaces()
        // Byte by byte against the text's own UTF-8 view: two arrays per attempt were most of a process's
        // first load of the operator registry (schemas are parsed when their operator is first looked up).
        var index = position
        for byte in text.utf8 {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
        }
        position = index
        return true
    }

    mutating func expect(_ text: String) throws {
        guard accept(text) else { throw fail("expected '\(text)'") }
    }

    func peek() -> UInt8? {
        var p = position
        while p < bytes.count && bytes[p] == UInt8(ascii: " ") { p += 1 }
        return p < bytes.count ? bytes[p] : nil
    }

    mutating func identifier() throws -> String {
        skipSpaces()
        let start = position
        while position < bytes.count {
            let b = bytes[position]
            let ok = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "_")
            if !ok { break }
            position += 1
        }
        guard position > start else { throw fail("expected a name") }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// A dotted or `::`-qualified name such as `aten::add` or `__torch__.torch.classes.cuda.Stream`.
    mutating func qualifiedName() throws -> String {
        var name = try identifier()
        while true {
            if accept("::") {
                name += "::" + (try identifier())
            } else if peek() == UInt8(ascii: "."), position + 1 < bytes.count, bytes[position + 1] != UInt8(ascii: ".") {
                _ = accept(".")
                name += "." + (try identifier())
            } else {
                return name
            }
        }
    }

    mutating func parseSchema() throws -> (String, String, [OperatorSchema.Argument], [OperatorSchema.Argument], Bool, Bool) {
        let full = try qualifiedName()
        // The overload is the last dotted part after the namespace's `::name`.
        var name = full
        var overload = ""
        if let colons = full.firstRange(of: "::"), let dot = full[colons.upperBound...].firstIndex(of: ".") {
            name = String(full[..<dot])
            overload = String(full[full.index(after: dot)...])
        }
        try expect("(")
        var arguments: [OperatorSchema.Argument] = []
        var keywordOnly = false
        var vararg = false
        if !accept(")") {
            repeat {
                if accept("*") {
                    keywordOnly = true
                    continue
                }
                if accept("...") {
                    vararg = true
                    continue
                }
                arguments.append(try parseArgument(keywordOnly: keywordOnly, isReturn: false))
            } while accept(",")
            try expect(")")
        }
        try expect("->")
        var returns: [OperatorSchema.Argument] = []
        var varret = false
        if accept("(") {
            if !accept(")") {
                repeat {
                    if accept("...") {
                        varret = true
                        continue
                    }
                    returns.append(try parseArgument(keywordOnly: false, isReturn: true))
                } while accept(",")
                try expect(")")
            }
        } else if accept("...") {
            varret = true
        } else {
            returns.append(try parseArgument(keywordOnly: false, isReturn: true))
        }
        skipSpaces()
        guard position == bytes.count else { throw fail("unexpected text after the schema") }
        return (name, overload, arguments, returns, vararg, varret)
    }

    mutating func parseArgument(keywordOnly: Bool, isReturn: Bool) throws -> OperatorSchema.Argument {
        let (type, alias) = try parseType()
        var name = ""
        skipSpaces()
        if let b = peek(), b != UInt8(ascii: ","), b != UInt8(ascii: ")"), b != UInt8(ascii: "=") {
            name = try identifier()
        }
        var defaultValue: String?
        if !isReturn && accept("=") { defaultValue = try parseDefault() }
        return OperatorSchema.Argument(name: name, type: type, alias: alias, defaultValue: defaultValue, keywordOnly: keywordOnly)
    }

    /// The default's text up to the next top-level `,` or `)`.
    mutating func parseDefault() throws -> String {
        skipSpaces()
        let start = position
        var depth = 0
        var inString = false
        while position < bytes.count {
            let b = bytes[position]
            if inString {
                if b == UInt8(ascii: "\\") { position += 1 } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") { inString = false }
            } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                inString = true
            } else if b == UInt8(ascii: "[") || b == UInt8(ascii: "(") {
                depth += 1
            } else if b == UInt8(ascii: "]") || (b == UInt8(ascii: ")") && depth > 0) {
                depth -= 1
            } else if depth == 0 && (b == UInt8(ascii: ",") || b == UInt8(ascii: ")")) {
                break
            }
            position += 1
        }
        guard position > start else { throw fail("expected a default value") }
        return String(decoding: bytes[start..<position], as: UTF8.self).trimmingTrailingSpaces
    }

    mutating func parseType() throws -> (OperatorSchema.SchemaType, OperatorSchema.Alias?) {
        var type: OperatorSchema.SchemaType
        var alias: OperatorSchema.Alias?
        if accept("(") {
            var elements: [OperatorSchema.SchemaType] = []
            if !accept(")") {
                repeat { elements.append(try parseType().0) } while accept(",")
                try expect(")")
            }
            type = .tuple(elements)
        } else {
            let name = try qualifiedName()
            switch name {
            case "Dict":
                try expect("(")
                let key = try parseType().0
                try expect(",")
                let value = try parseType().0
                try expect(")")
                type = .dict(key, value)
            case "Future", "Await", "RRef":
                try expect("(")
                let inner = try parseType().0
                try expect(")")
                type = .wrapper(name, inner)
            default:
                type = .named(name)
            }
        }
        alias = try parseAlias() ?? alias
        while true {
            if accept("[") {
                skipSpaces()
                var size: Int?
                if let b = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) { size = Int(try identifier()) }
                try expect("]")
                type = .list(type, size: size)
                if let listAlias = try parseAlias() { alias = listAlias }
            } else if accept("?") {
                type = .optional(type)
            } else {
                return (type, alias)
            }
        }
    }

    /// `(a)`, `(a!)`, `(a -> *)`, `(*)`, `(a|b)` right after a type name.
    mutating func parseAlias() throws -> OperatorSchema.Alias? {
        skipSpaces()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "(") else { return nil }
        // Only an alias if the parenthesis is attached and holds a set name or `*`.
        var p = position + 1
        while p < bytes.count && bytes[p] == UInt8(ascii: " ") { p += 1 }
        guard p < bytes.count, bytes[p] == UInt8(ascii: "*") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[p]) else { return nil }
        position += 1
        var sets: [String] = []
        var isWrite = false
        repeat {
            if accept("*") { sets.append("*") } else { sets.append(try identifier()) }
        } while accept("|")
        if accept("!") { isWrite = true }
        if accept("->") {
            if accept("*") { sets.append("*") } else { sets.append(try identifier()) }
            if accept("!") { isWrite = true }
        }
        try expect(")")
        return OperatorSchema.Alias(sets: sets, isWrite: isWrite)
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        String(reversed().drop(while: { $0 == " " }).reversed())
    }
}
