import FlintPickle

/// The `code/<file>.py.debug_pkl` map from byte offsets in a printed source file to the ranges of the
/// user's original Python source they came from (`source_range_serialization.cpp`).
package struct SourceRangeTable: Sendable {
    /// A piece of the user's original source file.
    package struct OriginalSource: Sendable {
        package let filename: String?
        package let text: String
        /// Line number (1-based) of `text`'s first line in the original file.
        package let startingLine: Int
    }

    /// One record: code from `codeOffset` on was generated from `source.text[start..<end]` (byte offsets).
    package struct Entry: Sendable {
        package let codeOffset: Int
        package let source: Int
        package let start: Int
        package let end: Int
    }

    /// An original-source position.
    package struct Location: Sendable, Equatable {
        package let filename: String?
        package let line: Int
        package let column: Int
        package let lineText: String
    }

    package private(set) var sources: [OriginalSource] = []
    /// Records sorted by `codeOffset`.
    package private(set) var entries: [Entry] = []

    /// Decodes a debug pickle in either the string-table format (`FORMAT_WITH_STRING_TABLE`) or the older
    /// one whose sources hold their text inline. Throws ``LoadError``.
    package init(pickle bytes: [UInt8]) throws {
        let value: PickleValue
        do {
            value = try bytes.withUnsafeBytes { buffer in
                var unpickler = Unpickler(bytes: buffer, resolver: TypedListResolver())
                return try unpickler.load()
            }
        } catch let error as PickleError {
            throw LoadError(.corrupt, error.description)
        }
        defer { value.dismantle() }
        guard case .tuple(let top) = value else { throw LoadError(.corrupt, "debug records are a \(value.kindName), not a tuple") }
        var strings: [String] = []
        var records = top.elements
        if top.elements.count == 3, case .string("FORMAT_WITH_STRING_TABLE") = top.elements[0] {
            guard case .tuple(let table) = top.elements[1], case .tuple(let list) = top.elements[2] else {
                throw LoadError(.corrupt, "string-table debug records are malformed")
            }
            strings = try table.elements.map {
                guard case .string(let s) = $0 else { throw LoadError(.corrupt, "debug string table holds a \($0.kindName)") }
                return s
            }
            records = list.elements
        }
        var sourceIndex: [ObjectIdentifier: Int] = [:]
        for record in records {
            guard case .tuple(let recordTuple) = record, recordTuple.elements.count >= 2,
                case .int(let offset) = recordTuple.elements[0],
                case .tuple(let range) = recordTuple.elements[1], range.elements.count == 3,
                case .tuple(let source) = range.elements[0], case .int(let start) = range.elements[1],
                case .int(let end) = range.elements[2]
            else { throw LoadError(.corrupt, "a debug record is malformed") }
            let index: Int
            if let known = sourceIndex[ObjectIdentifier(source)] {
                index = known
            } else {
                sources.append(try Self.originalSource(source.elements, strings: strings))
                index = sources.count - 1
                sourceIndex[ObjectIdentifier(source)] = index
            }
            entries.append(Entry(codeOffset: Int(offset), source: index, start: Int(start), end: Int(end)))
        }
        entries.sort { $0.codeOffset < $1.codeOffset }
    }

    private static func originalSource(_ fields: [PickleValue], strings: [String]) throws -> OriginalSource {
        guard fields.count == 3, case .int(let line) = fields[2] else {
            throw LoadError(.corrupt, "a debug source record is malformed")
        }
        func string(_ index: PickleValue) throws -> String {
            guard case .int(let i) = index, i >= 0, i < strings.count else {
                throw LoadError(.corrupt, "debug string index is out of range")
            }
            return strings[Int(i)]
        }
        switch (fields[0], fields[1]) {
        case (.string(let text), .string(let file)):
            return OriginalSource(filename: file, text: text, startingLine: Int(line))
        case (.string(let text), .none):
            return OriginalSource(filename: nil, text: text, startingLine: Int(line))
        case (.list(let pieces), let file):
            let name = try string(file)
            return OriginalSource(filename: name.isEmpty ? nil : name, text: try pieces.elements.map(string).joined(), startingLine: Int(line))
        case (.tuple(let pieces), let file):
            let name = try string(file)
            return OriginalSource(filename: name.isEmpty ? nil : name, text: try pieces.elements.map(string).joined(), startingLine: Int(line))
        default:
            throw LoadError(.corrupt, "a debug source record is malformed")
        }
    }

    /// The record covering byte `codeOffset` of the printed code (the last one starting at or before it).
    package func entry(atCodeOffset codeOffset: Int) -> Entry? {
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].codeOffset <= codeOffset { low = mid + 1 } else { high = mid }
        }
        return low > 0 ? entries[low - 1] : nil
    }

    /// Where an entry's range starts in the user's file, with that line's text.
    package func location(of entry: Entry) -> Location? {
        guard sources.indices.contains(entry.source) else { return nil }
        let source = sources[entry.source]
        let utf8 = Array(source.text.utf8)
        guard entry.start >= 0, entry.start <= utf8.count else { return nil }
        let before = utf8[..<entry.start]
        let line = source.startingLine + before.lazy.filter { $0 == 0x0A }.count
        let lineStart = (before.lastIndex(of: 0x0A).map { $0 + 1 }) ?? 0
        let lineEnd = utf8[entry.start...].firstIndex(of: 0x0A) ?? utf8.count
        return Location(
            filename: source.filename, line: line, column: entry.start - lineStart + 1,
            lineText: String(decoding: utf8[lineStart..<lineEnd], as: UTF8.self))
    }
}

/// Accepts only the typed-list globals; debug pickles need nothing else.
private struct TypedListResolver: PickleResolver {
    func resolveGlobal(module: String, name: String) throws -> PickleValue {
        guard module == "torch.jit._pickle", name.hasPrefix("build_") else {
            throw LoadError(.corrupt, "unexpected global \(module).\(name) in debug records")
        }
        return .global(module: module, name: name)
    }

    func reduce(_ callable: PickleValue, argument: PickleValue) throws -> PickleValue {
        guard case .global = callable, case .tuple(let t) = argument, t.elements.count == 1 else {
            throw LoadError(.corrupt, "unexpected call in debug records")
        }
        return t.elements[0]
    }

    func newObject(_ cls: PickleValue, arguments: PickleValue) throws -> PickleValue {
        throw LoadError(.corrupt, "unexpected object in debug records")
    }

    func build(_ object: PickleValue, state: PickleValue) throws -> PickleValue {
        throw LoadError(.corrupt, "unexpected object state in debug records")
    }

    func persistentLoad(_ id: PickleValue) throws -> PickleValue {
        throw LoadError(.corrupt, "unexpected tensor in debug records")
    }
}
