/// An error reading a ZIP container: what was wrong, and in which record when one is known.
package struct ZipError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The broad class of failure.
    package enum Kind: Sendable, Equatable {
        /// The file could not be opened or mapped.
        case io
        /// The file is not a ZIP container at all.
        case notZip
        /// The ZIP structures are inconsistent, truncated or out of bounds.
        case corrupt
        /// A valid ZIP feature this reader does not implement (encryption, multi-disk, other compression).
        case unsupported
        /// A record asked for does not exist.
        case missingRecord
        /// A record would inflate beyond the reader's limits.
        case tooLarge
    }

    package let kind: Kind
    /// The record (entry name) concerned, when there is one.
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
