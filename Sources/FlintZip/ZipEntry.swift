/// One record of a ZIP container, as its central-directory entry describes it.
package struct ZipEntry: Sendable, Equatable {
    /// How a record's bytes are stored.
    package enum Method: Sendable, Equatable {
        case stored
        case deflated
        case other(UInt16)
    }

    /// Full entry name, e.g. `model/data/0`.
    package let name: String
    package let method: Method
    /// General-purpose flags (bit 0: encrypted, bit 3: data descriptor, bit 11: UTF-8 name).
    package let flags: UInt16
    package let crc32: UInt32
    package let compressedSize: Int
    package let uncompressedSize: Int
    /// File offset of the entry's local header.
    package let localHeaderOffset: Int
}
