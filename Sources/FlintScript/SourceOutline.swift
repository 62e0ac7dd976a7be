/// The top-level structure of one printed TorchScript source file (`code/<namespace>.py`): its classes with
/// their declared attributes, parameter and buffer lists, constants and method names, and its free
/// functions. It is a structural scan of the printer's regular layout (see `python_print.cpp`), enough to
/// build the module tree at load time; method bodies are left as text for the compiler.
package struct SourceOutline: Sendable {
    /// How a class is declared.
    package enum ClassKind: String, Sendable {
        case module = "Module"
        case plain = ""
        case namedTuple = "NamedTuple"
        case enumeration = "Enum"
        case interface = "Interface"
        case moduleInterface = "ModuleInterface"
    }

    /// One `name : Type` (or `__annotations__["name"] = Type`) attribute slot, in slot order.
    package struct Attribute: Sendable, Equatable {
        package let name: String
        package let type: String
    }

    /// One class constant `name : Final[T] = value`, or one enum member `NAME = value`.
    package struct Constant: Sendable, Equatable {
        package let name: String
        package let type: String?
        package let valueText: String
    }

    /// One `class` statement.
    package struct Class: Sendable {
        package let name: String
        package let kind: ClassKind
        /// 1-based line of the `class` statement.
        package let line: Int
        package var attributes: [Attribute] = []
        package var constants: [Constant] = []
        package var parameterNames: [String] = []
        package var bufferNames: [String] = []
        package var forwardPreHooks: [String] = []
        package var forwardHooks: [String] = []
        /// Method names in definition order.
        package var methods: [String] = []
    }

    package private(set) var classes: [Class] = []
    /// Names of top-level `def` functions.
    package private(set) var functions: [String] = []

    /// The class named `name` (unqualified), if the file defines it.
    package func `class`(named name: String) -> Class? {
        classes.first { $0.name == name }
    }

    /// Scans `text`. Throws ``OutlineError`` when a `class` header or a list line is malformed.
    package init(text: String) throws {
        var current: Class?
        var bodyIndent: Int?
        // Lines and indents are found through the UTF-8 bytes: splitting by `Character` would cost a load
        // milliseconds of grapheme breaking over code that is almost all method bodies, skipped here.
        let utf8 = text.utf8
        var lineStart = utf8.startIndex
        var number = 0
        while true {
            let lineEnd = utf8[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? utf8.endIndex
            defer { number += 1 }
            let bytes = utf8[lineStart..<lineEnd]
            let indent = bytes.prefix(while: { $0 == UInt8(ascii: " ") }).count
            let contentStart = utf8.index(lineStart, offsetBy: indent)
            var contentEnd = lineEnd
            if contentStart < lineEnd, utf8[utf8.index(before: lineEnd)] == UInt8(ascii: "\r") { contentEnd = utf8.index(before: lineEnd) }
            let nextLine = lineEnd == utf8.endIndex ? nil : utf8.index(after: lineEnd)
            // Lines deeper than a class body (method bodies) are none of the outline's business.
            if indent > 0, bodyIndent.map({ indent != $0 }) ?? (current == nil) {
                guard let nextLine else { break }
                lineStart = nextLine
                continue
            }
            let content = text[contentStart..<Swift.max(contentStart, contentEnd)]
            if !(content.isEmpty || content.hasPrefix("#")) {
                if indent == 0 {
                    if let finished = current { classes.append(finished) }
                    current = nil
                    bodyIndent = nil
                    if content.hasPrefix("class ") {
                        current = try Self.classHeader(content, line: number + 1)
                    } else if content.hasPrefix("def ") {
                        functions.append(Self.defName(content))
                    }
                } else if current != nil {
                    if bodyIndent == nil { bodyIndent = indent }
                    if indent == bodyIndent { try Self.scanBodyLine(content, into: &current!, line: number + 1) }
                }
            }
            guard let nextLine else { break }
            lineStart = nextLine
        }
        if let finished = current { classes.append(finished) }
    }

    private static func classHeader(_ content: Substring, line: Int) throws -> Class {
        var header = content.dropFirst("class ".count)
        guard header.hasSuffix(":") else { throw OutlineError(line: line, "class header does not end in ':'") }
        header = header.dropLast()
        var base = ""
        if let open = header.firstIndex(of: "(") {
            guard header.hasSuffix(")") else { throw OutlineError(line: line, "class base list is not closed") }
            base = String(header[header.index(after: open)..<header.index(before: header.endIndex)])
            header = header[..<open]
        }
        let name = header.trimmingSpaces
        guard name.isIdentifier else { throw OutlineError(line: line, "'\(name)' is not a class name") }
        guard let kind = ClassKind(rawValue: base.trimmingSpaces) else {
            throw OutlineError(line: line, "class \(name) has unsupported base '\(base)'")
        }
        return Class(name: name, kind: kind, line: line)
    }

    private static func defName(_ content: Substring) -> String {
        let rest = content.dropFirst("def ".count)
        return String(rest.prefix(while: { $0 != "(" && $0 != " " }))
    }

    /// The class-level lists of names, by the statement that assigns them.
    private static let nameLists: [(prefix: String, list: WritableKeyPath<Class, [String]> & Sendable)] = [
        ("__parameters__ = ", \Class.parameterNames), ("__buffers__ = ", \Class.bufferNames),
        ("__forward_pre_hooks__ = ", \Class.forwardPreHooks), ("__forward_hooks__ = ", \Class.forwardHooks),
    ]

    private static func scanBodyLine(_ content: Substring, into cls: inout Class, line: Int) throws {
        if content.hasPrefix("def ") {
            cls.methods.append(defName(content))
            return
        }
        if content == "pass" { return }
        if content.hasPrefix("__annotations__[") {
            guard let close = content.firstRange(of: "] = ") else { return }
            let key = content[content.index(content.startIndex, offsetBy: "__annotations__[".count)..<close.lowerBound]
            cls.attributes.append(Attribute(name: try stringLiteral(key, line: line), type: String(content[close.upperBound...])))
            return
        }
        for (prefix, keyPath) in nameLists where content.hasPrefix(prefix) {
            cls[keyPath: keyPath] = try stringList(content.dropFirst(prefix.count), line: line)
            return
        }
        if content.hasPrefix("__annotations__ = ") { return }
        if let colon = content.firstRange(of: " : ") {
            let name = String(content[..<colon.lowerBound])
            let rest = content[colon.upperBound...]
            if rest.hasPrefix("Final["), let equals = rest.firstRange(of: " = ") {
                let type = String(rest[rest.index(rest.startIndex, offsetBy: 6)..<equals.lowerBound].dropLast())
                cls.constants.append(Constant(name: name, type: type, valueText: String(rest[equals.upperBound...])))
            } else if let equals = rest.firstRange(of: "=") {
                // NamedTuple field with a default: `field : T = value`.
                cls.attributes.append(Attribute(name: name, type: rest[..<equals.lowerBound].trimmingSpaces))
            } else {
                cls.attributes.append(Attribute(name: name, type: String(rest)))
            }
            return
        }
        if cls.kind == .enumeration, let equals = content.firstRange(of: " = ") {
            cls.constants.append(
                Constant(name: String(content[..<equals.lowerBound]), type: nil, valueText: String(content[equals.upperBound...])))
        }
    }

    /// Parses `["a", "b", ]` (the printer's list of names, trailing comma included).
    private static func stringList(_ text: Substring, line: Int) throws -> [String] {
        let trimmed = text.trimmingSpaces
        guard trimmed.hasPrefix("["), trimmed.hasSuffix("]") else {
            throw OutlineError(line: line, "expected a list of names, found '\(trimmed)'")
        }
        var names: [String] = []
        var rest = Substring(trimmed.dropFirst().dropLast())
        while true {
            rest = rest.drop(while: { $0 == " " || $0 == "," })
            if rest.isEmpty { break }
            guard let quote = rest.first, quote == "\"" || quote == "'" else {
                throw OutlineError(line: line, "expected a quoted name in '\(trimmed)'")
            }
            guard let end = rest.dropFirst().firstIndex(of: quote) else {
                throw OutlineError(line: line, "unterminated name in '\(trimmed)'")
            }
            names.append(String(rest[rest.index(after: rest.startIndex)..<end]))
            rest = rest[rest.index(after: end)...]
        }
        return names
    }

    private static func stringLiteral(_ text: Substring, line: Int) throws -> String {
        guard text.count >= 2, let quote = text.first, quote == "\"" || quote == "'", text.last == quote else {
            throw OutlineError(line: line, "expected a string literal, found '\(text)'")
        }
        return String(text.dropFirst().dropLast())
    }
}

/// A malformed line in a printed source file.
package struct OutlineError: Error, CustomStringConvertible, Sendable {
    package let line: Int
    package let message: String
    package init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }
    package var description: String { "line \(line): \(message)" }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        guard let first = firstIndex(where: { $0 != " " }), let last = lastIndex(where: { $0 != " " }) else { return "" }
        return String(self[first...last])
    }

    fileprivate var isIdentifier: Bool {
        guard let first = unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
        return unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    }
}
