import CZlib

/// A read-only ZIP container over a memory-mapped file.
///
/// Reads the central directory (classic and ZIP64), never trusting sizes from local headers, which
/// PyTorch's writer leaves zero. Stored records are returned as zero-copy views of the mapping; deflated
/// records are inflated with the system zlib under a size limit. Every offset and size is checked against
/// the file, so a damaged or hostile file gives a ``ZipError``, never an out-of-bounds read.
package final class ZipArchive: Sendable {
    /// Records may not inflate past this many bytes, nor past the ratio deflate can reach.
    package static let maximumInflatedSize = 1 << 30

    package let file: MappedFile
    /// Entries in central-directory order.
    package let entries: [ZipEntry]
    private let indexByName: [String: Int]

    /// Opens the ZIP container in `file`. Throws `.notZip` when no end-of-central-directory record exists.
    package init(file: MappedFile) throws {
        self.file = file
        let directory = try CentralDirectory.locate(in: file.bytes)
        entries = try CentralDirectory.readEntries(directory, in: file.bytes)
        var index: [String: Int] = [:]
        index.reserveCapacity(entries.count)
        for (i, entry) in entries.enumerated() where index[entry.name] == nil {
            index[entry.name] = i
        }
        indexByName = index
    }

    /// Opens and maps the file at `path`.
    package convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    /// The entry with exactly this name, if any.
    package func entry(named name: String) -> ZipEntry? {
        indexByName[name].map { entries[$0] }
    }

    /// The file range holding `entry`'s (possibly compressed) payload, checked against the local header.
    package func payloadRange(of entry: ZipEntry) throws -> Range<Int> {
        let reader = ByteReader(bytes: file.bytes, what: "local header of '\(entry.name)'")
        let offset = entry.localHeaderOffset
        guard try reader.u32(offset) == 0x0403_4b50 else {
            throw ZipError(.corrupt, "local header signature missing at offset \(offset)", record: entry.name)
        }
        let nameLength = Int(try reader.u16(offset + 26))
        let extraLength = Int(try reader.u16(offset + 28))
        let start = offset + 30 + nameLength + extraLength
        guard start <= file.count, entry.compressedSize <= file.count - start else {
            throw ZipError(
                .corrupt,
                "payload of \(entry.compressedSize) bytes at offset \(start) runs past the end of the file (\(file.count) bytes)",
                record: entry.name)
        }
        return start..<(start + entry.compressedSize)
    }

    /// A zero-copy view of a stored record's bytes, valid while this archive (or its `file`) lives.
    /// Throws `.unsupported` for a compressed record.
    package func storedBytes(of entry: ZipEntry) throws -> UnsafeRawBufferPointer {
        guard entry.method == .stored else {
            throw ZipError(.unsupported, "record is compressed; only stored records can be mapped", record: entry.name)
        }
        guard entry.compressedSize == entry.uncompressedSize else {
            throw ZipError(
                .corrupt,
                "stored record declares \(entry.compressedSize) stored but \(entry.uncompressedSize) uncompressed bytes",
                record: entry.name)
        }
        let range = try payloadRange(of: entry)
        return UnsafeRawBufferPointer(rebasing: file.bytes[range])
    }

    /// The record's uncompressed bytes, copied or inflated; the CRC-32 is verified when `verifyChecksum`.
    package func contents(of entry: ZipEntry, verifyChecksum: Bool = true) throws -> [UInt8] {
        let bytes: [UInt8]
        switch entry.method {
        case .stored:
            bytes = Array(try storedBytes(of: entry))
        case .deflated:
            let range = try payloadRange(of: entry)
            bytes = try Inflater.inflate(
                UnsafeRawBufferPointer(rebasing: file.bytes[range]),
                expectedSize: entry.uncompressedSize,
                record: entry.name)
        case .other(let method):
            throw ZipError(.unsupported, "compression method \(method) (only stored and deflated are supported)", record: entry.name)
        }
        if verifyChecksum {
            let actual = bytes.withUnsafeBytes { CRC32.checksum($0) }
            guard actual == entry.crc32 else {
                throw ZipError(
                    .corrupt,
                    "CRC-32 mismatch (stored \(hex(entry.crc32)), computed \(hex(actual))): the record is damaged",
                    record: entry.name)
            }
        }
        return bytes
    }

    /// The contents of the record named `name`; throws `.missingRecord` when absent.
    package func contents(ofRecord name: String, verifyChecksum: Bool = true) throws -> [UInt8] {
        guard let entry = entry(named: name) else { throw ZipError(.missingRecord, "record is missing", record: name) }
        return try contents(of: entry, verifyChecksum: verifyChecksum)
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}

/// CRC-32 (the ZIP polynomial) through zlib.
package enum CRC32 {
    /// The CRC-32 of `bytes`.
    package static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard var pointer = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        var crc = crc32(0, nil, 0)
        var remaining = bytes.count
        while remaining > 0 {
            let chunk = min(remaining, 1 << 30)
            crc = crc32(crc, pointer, UInt32(chunk))
            pointer += chunk
            remaining -= chunk
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
