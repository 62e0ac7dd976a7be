/// Why an archive could not be loaded: the kind of failure, the record concerned, and what was wrong.
package struct LoadError: Error, CustomStringConvertible, Sendable {
    package enum Kind: Sendable, Equatable {
        /// The file could not be read.
        case io
        /// The file is something other than a TorchScript archive (the message says what it is).
        case notTorchScript
        /// The archive is damaged or inconsistent.
        case corrupt
        /// The archive uses a feature Flint does not implement.
        case unsupported
    }

    package let kind: Kind
    /// The archive record (path inside the zip, without the top folder) the failure concerns.
    package let record: String?
    package let message: String

    package init(_ kind: Kind, _ message: String, record: String? = nil) {
        self.kind = kind
        self.message = message
        self.record = record
    }

    package var description: String {
        if let record { return "record '\(record)': \(message)" }
        return message
    }
}
