/// An error reading or running a `torch.export` program.
package struct ExportError: Error, CustomStringConvertible, Sendable {
    package enum Kind: Sendable, Equatable {
        /// The archive is damaged or inconsistent (a record missing, a value of the wrong kind).
        case corrupt
        /// The program uses something Flint does not implement (an operator, a custom object).
        case unsupported
        /// The arguments do not fit the program's signature or its dimension constraints.
        case invalidInput
        /// An operator failed while the program ran.
        case operatorFailed
    }

    /// A line of the Python source a node was traced from (`metadata.stack_trace`).
    package struct SourceLine: Sendable, Equatable {
        package let file: String
        package let line: Int
        package let code: String
    }

    package let kind: Kind
    package let message: String
    /// The archive record concerned, relative to the archive's top folder.
    package var record: String?
    /// For failures while running: the user's Python line the failing node came from.
    package var sourceLine: SourceLine?

    package init(_ kind: Kind, _ message: String, record: String? = nil, sourceLine: SourceLine? = nil) {
        self.kind = kind
        self.message = message
        self.record = record
        self.sourceLine = sourceLine
    }

    package var description: String { record.map { "record '\($0)': \(message)" } ?? message }
}
