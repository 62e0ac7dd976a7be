/// An error decoding a pickle: the byte offset of the failing opcode and what was wrong.
package struct PickleError: Error, CustomStringConvertible, Sendable {
    /// Offset in the pickle of the opcode that failed.
    package let offset: Int
    package let message: String
    /// The resolver's error, when the resolver rejected the operation at `offset`.
    package let underlying: (any Error & Sendable)?

    package init(offset: Int, _ message: String, underlying: (any Error & Sendable)? = nil) {
        self.offset = offset
        self.message = message
        self.underlying = underlying
    }

    package var description: String { "pickle byte \(offset): \(message)" }
}

