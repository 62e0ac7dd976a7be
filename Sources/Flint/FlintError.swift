import FlintExport
import FlintLoader

/// An error from Flint, with the file and archive record it concerns.
public struct FlintError: Error, CustomStringConvertible, Sendable {
    /// The broad class of failure; new kinds may be added.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        /// The file could not be read.
        public static let io = Kind(name: "io")
        /// The file is not a TorchScript archive.
        public static let notTorchScript = Kind(name: "not TorchScript")
        /// The archive is damaged or inconsistent.
        public static let corrupt = Kind(name: "corrupt")
        /// The archive uses something Flint does not implement.
        public static let unsupported = Kind(name: "unsupported")
        /// The model raised an exception, or an operator rejected its input, while running.
        public static let scriptError = Kind(name: "script error")
        /// The inputs given do not fit the method's signature.
        public static let invalidInput = Kind(name: "invalid input")
        /// A value was read as the wrong kind (`toTensor()` on an int...).
        public static let invalidValue = Kind(name: "invalid value")
        /// The kind's name.
        public var description: String { name }
    }

    /// What kind of failure this is.
    public let kind: Kind
    /// The file the error concerns.
    public package(set) var file: String?
    /// The archive record (path inside the archive's top folder), when one is concerned.
    public let record: String?
    /// What was wrong. For `.scriptError`, the whole TorchScript traceback ending in the exception.
    public let message: String
    /// For errors raised while running: the user's original Python line, from the archive's debug records.
    public internal(set) var sourceLocation: SourceLocation?

    /// A line of the user's Python source.
    public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
        /// The Python file the user wrote, as recorded when the model was saved.
        public let file: String
        /// The 1-based line number in that file.
        public let line: Int
        /// The text of that line.
        public let code: String
        /// `file:line: code`.
        public var description: String { "\(file):\(line): \(code)" }
    }

    /// One line: `FILE: record 'R': MESSAGE`.
    public var description: String {
        var parts: [String] = []
        if let file { parts.append(file) }
        if let record { parts.append("record '\(record)'") }
        parts.append(message)
        return parts.joined(separator: ": ")
    }

    init(kind: Kind, file: String?, record: String?, message: String) {
        self.kind = kind
        self.file = file
        self.record = record
        self.message = message
    }

    init(_ error: ExportError, file: String?) {
        switch error.kind {
        case .corrupt: kind = .corrupt
        case .unsupported: kind = .unsupported
        case .invalidInput: kind = .invalidInput
        case .operatorFailed: kind = .scriptError
        }
        self.file = file
        record = error.record
        message = error.message
        sourceLocation = error.sourceLine.map { SourceLocation(file: $0.file, line: $0.line, code: $0.code) }
    }

    init(_ error: LoadError, file: String?) {
        switch error.kind {
        case .io: kind = .io
        case .notTorchScript: kind = .notTorchScript
        case .corrupt: kind = .corrupt
        case .unsupported: kind = .unsupported
        }
        self.file = file
        record = error.record
        message = error.message
    }
}
