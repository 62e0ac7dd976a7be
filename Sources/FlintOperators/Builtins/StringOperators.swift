import FlintScript
import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// `str` methods. TorchScript strings are byte strings: lengths, indices and case changes work on
    /// bytes (ASCII rules), as libtorch's `register_prim_ops.cpp` does.
    mutating func defineStringOperators() {
        typealias B = StringBuiltins
        define("aten::add.str") { c in .string(try c.string(0, "a") + c.string(1, "b")) }
        define("aten::str") { c in .string(c[0].pythonString(quoted: false)) }
        define("aten::format") { c in try B.format(c) }
        define("aten::percentFormat") { c in try B.percentFormat(c) }
        // TorchScript's byte-wise versions: a tab advances to the next multiple of tabsize (counted over the whole
        // string, newlines included); isidentifier is Python 2's (letters and digits, no leading digit, no
        // underscore); isprintable accepts ASCII letters, digits, punctuation and spaces (true when empty).
        define("aten::expandtabs") { c in
            let (text, size) = (try c.string(0, "self"), try c.int(1, "tabsize", default: 8))
            var out: [UInt8] = []
            for byte in text.utf8 {
                guard byte == 0x09 else { out.append(byte); continue }
                guard size > 0 else { continue }
                repeat { out.append(0x20) } while out.count % size != 0
            }
            return .string(String(decoding: out, as: UTF8.self))
        }
        define("aten::isidentifier") { c in
            let bytes = Array(try c.string(0, "self").utf8)
            guard let first = bytes.first, !B.isDigit(first) else { return .bool(false) }
            return .bool(bytes.allSatisfy { B.isDigit($0) || B.isLetter($0) })
        }
        define("aten::isprintable") { c in
            .bool(try c.string(0, "self").utf8.allSatisfy { (0x20...0x7E).contains($0) })
        }
        define("aten::join") { c in
            let parts = try c.list(1).elements.map { value -> String in
                guard case .string(let s) = value else { throw OperatorError("join() expects a list of str") }
                return s
            }
            return .string(parts.joined(separator: try c.string(0, "self")))
        }
        define("aten::split.str") { c in try B.split(c, fromRight: false) }
        define("aten::rsplit") { c in try B.split(c, fromRight: true) }
        define("aten::splitlines") { c in
            let text = try c.string(0, "self")
            let keep = try c.bool(1, "keepends", default: false)
            var lines: [ScriptValue] = []
            var current: [UInt8] = []
            for byte in text.utf8 {
                if byte == 0x0A || byte == 0x0D {
                    if keep { current.append(byte) }
                    lines.append(.string(String(decoding: current, as: UTF8.self)))
                    current = []
                } else {
                    current.append(byte)
                }
            }
            if !current.isEmpty { lines.append(.string(String(decoding: current, as: UTF8.self))) }
            return .list(lines, elementType: "str")
        }
        for (name, side) in [("strip", 3), ("lstrip", 1), ("rstrip", 2)] {
            define("aten::\(name)") { c in
                let chars = Set(try c.string(1, "chars", default: " \n\t\u{0C}\u{0B}").utf8)
                var bytes = Array(try c.string(0, "self").utf8)[...]
                if side & 1 != 0 { bytes = bytes.drop { chars.contains($0) } }
                if side & 2 != 0 { while let last = bytes.last, chars.contains(last) { bytes = bytes.dropLast() } }
                return .string(String(decoding: bytes, as: UTF8.self))
            }
        }
        define("aten::replace") { c in
            let (text, old, new) = (Array(try c.string(0, "self").utf8), Array(try c.string(1, "old").utf8), Array(try c.string(2, "new").utf8))
            var limit = try c.int(3, "max", default: -1)
            var out: [UInt8] = []
            var i = 0
            while i <= text.count {
                if limit != 0, i + old.count <= text.count, Array(text[i..<(i + old.count)]) == old {
                    out += new
                    if old.isEmpty {
                        if i < text.count { out.append(text[i]) }
                        i += 1
                    } else {
                        i += old.count
                    }
                    limit -= 1
                } else {
                    if i < text.count { out.append(text[i]) }
                    i += 1
                }
            }
            return .string(String(decoding: out, as: UTF8.self))
        }
        for (name, atEnd) in [("startswith", false), ("endswith", true)] {
            define("aten::\(name)") { c in
                let window = try B.window(c)
                let affix = Array(try c.string(1, "substr").utf8)
                guard affix.count <= window.count else { return .bool(false) }
                return .bool(atEnd ? Array(window.suffix(affix.count)) == affix : Array(window.prefix(affix.count)) == affix)
            }
        }
        for (name, fromRight, raises) in [("find", false, false), ("rfind", true, false), ("index.str", false, true), ("rindex", true, true)] {
            define("aten::\(name)") { c in
                let text = Array(try c.string(0, "self").utf8)
                let start = B.clampedStart(try c.int(2, "start", default: 0), count: text.count)
                let window = try B.window(c)
                let needle = Array(try c.string(1, "substr").utf8)
                let found = fromRight ? B.findLast(Array(window), needle) : B.find(Array(window), needle)
                if let found { return .int(Int64(start + found)) }
                if raises { throw OperatorError("substring not found") }
                return .int(-1)
            }
        }
        define("aten::upper") { c in .string(String(decoding: try c.string(0, "self").utf8.map(B.upper), as: UTF8.self)) }
        define("aten::lower") { c in .string(String(decoding: try c.string(0, "self").utf8.map(B.lower), as: UTF8.self)) }
        define("aten::swapcase") { c in
            .string(String(decoding: try c.string(0, "self").utf8.map { B.isLower($0) ? B.upper($0) : B.lower($0) }, as: UTF8.self))
        }
        define("aten::capitalize") { c in
            let bytes = Array(try c.string(0, "self").utf8)
            return .string(String(decoding: bytes.enumerated().map { $0.offset == 0 ? B.upper($0.element) : B.lower($0.element) }, as: UTF8.self))
        }
        define("aten::title") { c in
            var previousCased = false
            let bytes = try c.string(0, "self").utf8.map { byte -> UInt8 in
                let cased = B.isUpper(byte) || B.isLower(byte)
                defer { previousCased = cased }
                return cased ? (previousCased ? B.lower(byte) : B.upper(byte)) : byte
            }
            return .string(String(decoding: bytes, as: UTF8.self))
        }
        let predicates: [(String, @Sendable (UInt8) -> Bool)] = [
            ("isdigit", { (0x30...0x39).contains($0) }), ("isdecimal", { (0x30...0x39).contains($0) }), ("isnumeric", { (0x30...0x39).contains($0) }),
            ("isalpha", { B.isUpper($0) || B.isLower($0) }), ("isalnum", { B.isUpper($0) || B.isLower($0) || (0x30...0x39).contains($0) }),
            ("isspace", { [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D].contains($0) }),
        ]
        for (name, test) in predicates {
            define("aten::\(name)") { c in
                let bytes = Array(try c.string(0, "self").utf8)
                return .bool(!bytes.isEmpty && bytes.allSatisfy(test))
            }
        }
        define("aten::isupper") { c in
            let bytes = Array(try c.string(0, "self").utf8)
            return .bool(bytes.contains(where: B.isUpper) && !bytes.contains(where: B.isLower))
        }
        define("aten::islower") { c in
            let bytes = Array(try c.string(0, "self").utf8)
            return .bool(bytes.contains(where: B.isLower) && !bytes.contains(where: B.isUpper))
        }
        // Title case, byte-wise: an upper-case letter only after an uncased byte, a lower-case one only after a cased
        // one, and at least one cased letter.
        define("aten::istitle") { c in
            var (previousCased, foundCased) = (false, false)
            for byte in try c.string(0, "self").utf8 {
                if B.isUpper(byte) {
                    if previousCased { return .bool(false) }
                    (previousCased, foundCased) = (true, true)
                } else if B.isLower(byte) {
                    if !previousCased { return .bool(false) }
                    (previousCased, foundCased) = (true, true)
                } else {
                    previousCased = false
                }
            }
            return .bool(foundCased)
        }
        define("aten::zfill") { c in
            let text = try c.string(0, "self")
            let width = try c.int(1, "width")
            let count = text.utf8.count
            guard width > count else { return .string(text) }
            let padding = String(repeating: "0", count: width - count)
            if let first = text.first, first == "+" || first == "-" { return .string(String(first) + padding + text.dropFirst()) }
            return .string(padding + text)
        }
        for (name, align) in [("ljust", 0), ("rjust", 1), ("center", 2)] {
            define("aten::\(name)") { c in
                let text = try c.string(0, "self")
                let width = try c.int(1, "width")
                let fill = try c.string(2, "fillchar", default: " ")
                guard fill.utf8.count == 1 else { throw OperatorError("TypeError: The fill character must be exactly one character long") }
                let missing = width - text.utf8.count
                guard missing > 0 else { return .string(text) }
                let left = align == 1 ? missing : align == 0 ? 0 : (missing / 2 + (missing & width & 1))
                return .string(String(repeating: fill, count: left) + text + String(repeating: fill, count: missing - left))
            }
        }
        for (name, fromRight) in [("partition", false), ("rpartition", true)] {
            define("aten::\(name)") { c in
                let text = Array(try c.string(0, "self").utf8)
                let separator = Array(try c.string(1, "separator").utf8)
                let s = { (bytes: ArraySlice<UInt8>) in ScriptValue.string(String(decoding: bytes, as: UTF8.self)) }
                guard let i = fromRight ? B.findLast(text, separator) : B.find(text, separator) else {
                    return fromRight ? .tuple([.string(""), .string(""), s(text[...])]) : .tuple([s(text[...]), .string(""), .string("")])
                }
                return .tuple([s(text[..<i]), s(text[i..<(i + separator.count)]), s(text[(i + separator.count)...])])
            }
        }
        define("aten::slice.str") { c in
            let bytes = Array(try c.string(0, "string").utf8)
            guard let indices = PythonSlice.indices(count: bytes.count, start: try c.optionalInt(1, "start"), end: try c.optionalInt(2, "end"), step: try c.int(3, "step")) else {
                throw OperatorError("slice step cannot be zero")
            }
            return .string(String(decoding: indices.map { bytes[$0] }, as: UTF8.self))
        }
        define("aten::list") { c in .list(try c.string(0, "t").utf8.map { .string(String(decoding: [$0], as: UTF8.self)) }, elementType: "str") }
        define("aten::ord") { c in
            let s = try c.string(0, "string")
            guard s.unicodeScalars.count == 1 else { throw OperatorError("ord() expected a character, but string of length \(s.utf8.count) found") }
            return .int(Int64(s.unicodeScalars.first!.value))
        }
        define("aten::chr") { c in
            let i = try c.int(0, "i")
            guard let scalar = Unicode.Scalar(UInt32(clamping: max(0, i))), i >= 0 else { throw OperatorError("chr() arg not in range(0x110000)") }
            return .string(String(Character(scalar)))
        }
        for (name, radix, prefix) in [("hex", 16, "0x"), ("oct", 8, "0o"), ("bin", 2, "0b")] {
            define("aten::\(name)") { c in
                let i = try c.int64(0, "i")
                return .string((i < 0 ? "-" : "") + prefix + String(i.magnitude, radix: radix))
            }
        }
    }
}

/// Byte-string helpers for the `str` builtins.
enum StringBuiltins {
    static func isUpper(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) }
    static func isLower(_ b: UInt8) -> Bool { (0x61...0x7A).contains(b) }
    static func isLetter(_ b: UInt8) -> Bool { isUpper(b) || isLower(b) }
    static func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }
    static func upper(_ b: UInt8) -> UInt8 { isLower(b) ? b - 32 : b }
    static func lower(_ b: UInt8) -> UInt8 { isUpper(b) ? b + 32 : b }

    static func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }

    static func findLast(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for i in stride(from: haystack.count - needle.count, through: 0, by: -1) where haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }

    static func clampedStart(_ start: Int, count: Int) -> Int {
        start < 0 ? max(0, start + count) : min(start, count)
    }

    /// `self[start:end]` for `startswith(self, substr, start=0, end=-1)`-style methods (libtorch treats
    /// `end=-1` as the string's end).
    static func window(_ c: Arguments) throws -> ArraySlice<UInt8> {
        let text = Array(try c.string(0, "self").utf8)
        let start = clampedStart(try c.int(2, "start", default: 0), count: text.count)
        var end = try c.int(3, "end", default: -1)
        if end == -1 { end = text.count } else if end < 0 { end = max(0, end + text.count) }
        end = min(end, text.count)
        return start <= end ? text[start..<end] : []
    }

    static func count(_ c: Arguments) throws -> ScriptValue {
        let window = Array(try self.window(c))
        let needle = Array(try c.string(1, "substr").utf8)
        if needle.isEmpty { return .int(Int64(window.count + 1)) }
        var n = 0
        var i = 0
        while i + needle.count <= window.count {
            if window[i..<(i + needle.count)].elementsEqual(needle) { n += 1; i += needle.count } else { i += 1 }
        }
        return .int(Int64(n))
    }

    static func split(_ c: Arguments, fromRight: Bool) throws -> ScriptValue {
        let text = Array(try c.string(0, "self").utf8)
        let separator = try c.optionalString(1, "separator").map { Array($0.utf8) }
        let limit = try c.int(2, "max", default: -1)
        var parts: [[UInt8]] = []
        if let separator {
            guard !separator.isEmpty else { throw OperatorError("ValueError: empty separator") }
            var rest = text
            while limit < 0 || parts.count < limit, let i = fromRight ? findLast(rest, separator) : find(rest, separator) {
                if fromRight {
                    parts.insert(Array(rest[(i + separator.count)...]), at: 0)
                    rest = Array(rest[..<i])
                } else {
                    parts.append(Array(rest[..<i]))
                    rest = Array(rest[(i + separator.count)...])
                }
            }
            if fromRight { parts.insert(rest, at: 0) } else { parts.append(rest) }
        } else {
            let isSpace: (UInt8) -> Bool = { [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D].contains($0) }
            var words: [[UInt8]] = []
            var current: [UInt8] = []
            let bytes = fromRight ? text.reversed() : text
            var splits = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if isSpace(byte) && (limit < 0 || splits < limit) {
                    if !current.isEmpty { words.append(current); current = []; splits += 1 }
                } else if !isSpace(byte) || !current.isEmpty || !(limit >= 0 && splits >= limit) {
                    if limit >= 0 && splits >= limit && current.isEmpty {
                        // The remainder, leading whitespace removed and trailing kept.
                        var tail = Array(bytes[index...])
                        while let last = tail.last, isSpace(last) { tail.removeLast() }
                        words.append(tail)
                        break
                    }
                    current.append(byte)
                }
                index += 1
            }
            if !current.isEmpty { words.append(current) }
            parts = fromRight ? words.map { $0.reversed() }.reversed() : words
        }
        return .list(parts.map { .string(String(decoding: $0, as: UTF8.self)) }, elementType: "str")
    }

    /// `"{} and {}".format(a, b)`: each `{}` takes the next argument's `str()`.
    /// `fmt % args` (`aten::percentFormat`): %s (a string as it is, else as `str()` prints it), %d / %i (an int, a
    /// float truncated to a 32-bit int), %f / %F and %e / %E (the number as a float, six decimals), %c (an int's
    /// byte or a one-character string), %% a percent sign. `args` is one value or a tuple of them, used up exactly.
    static func percentFormat(_ c: Arguments) throws -> ScriptValue {
        let pattern = Array(try c.string(0, "self").utf8)
        let arguments: [ScriptValue] = if case .tuple(let items) = c[1] { items } else { [c[1]] }
        var out: [UInt8] = []
        var (used, position) = (0, 0)
        while position < pattern.count {
            guard pattern[position] == UInt8(ascii: "%") else { out.append(pattern[position]); position += 1; continue }
            guard position + 1 < pattern.count else { throw OperatorError("Incomplete format specifier") }
            let key = pattern[position + 1]
            position += 2
            if key == UInt8(ascii: "%") { out.append(key); continue }
            guard used < arguments.count else { throw OperatorError("Too few arguments for format string") }
            out += Array(try formatted(arguments[used], key: key).utf8)
            used += 1
        }
        guard used == arguments.count else { throw OperatorError("Too many arguments for format string") }
        return .string(String(decoding: out, as: UTF8.self))
    }

    /// One `%` conversion of `value` (libtorch's `addFormattedArg`).
    private static func formatted(_ value: ScriptValue, key: UInt8) throws -> String {
        let specifier = String(UnicodeScalar(key))
        func number() throws -> Double {
            switch value {
            case .int(let i): return Double(i)
            case .double(let d): return d
            case .bool(let b): return b ? 1 : 0
            default: throw OperatorError("%\(specifier) requires a number for formatting, but got \(value.kindName)")
            }
        }
        switch specifier {
        case "d", "i":
            if case .int(let i) = value { return String(i) }
            let d = try number()
            guard d.isFinite, Swift.abs(d) < 2_147_483_648 else { throw OperatorError("%\(specifier): \(d) does not fit a 32-bit int") }
            return String(Int32(d.rounded(.towardZero)))
        case "e", "E", "f", "F":
            return CFormat.string("%\(specifier)", Double(Float(try number())))
        case "c":
            if case .int(let i) = value { return String(decoding: [UInt8(truncatingIfNeeded: i)], as: UTF8.self) }
            if case .string(let s) = value, s.utf8.count == 1 { return s }
            throw OperatorError("%c requires an int or char for formatting, but got \(value.kindName)")
        case "s":
            if case .string(let s) = value { return s }
            return value.pythonString(quoted: false)
        default:
            throw OperatorError("The specifier %\(specifier) is not supported in TorchScript format strings")
        }
    }

    static func format(_ c: Arguments) throws -> ScriptValue {
        let pattern = try c.string(0, "self")
        var out = ""
        var next = 1
        var rest = pattern[...]
        // Only the exact placeholder `{}` is replaced; anything else in braces is copied (libtorch's `aten::format`).
        while let placeholder = rest.firstRange(of: "{}") {
            out += rest[..<placeholder.lowerBound]
            guard next < c.values.count else { throw OperatorError("Too few arguments for format string: \(pattern)") }
            out += c[next].pythonString(quoted: false)
            next += 1
            rest = rest[placeholder.upperBound...]
        }
        out += rest
        return .string(out)
    }
}
