/// Bounds-checked little-endian reads from a byte buffer. Every read that would leave the buffer throws.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let what: String

    func u16(_ offset: Int) throws -> UInt16 {
        try check(offset, 2)
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    func u32(_ offset: Int) throws -> UInt32 {
        try check(offset, 4)
        return bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian
    }

    func u64(_ offset: Int) throws -> UInt64 {
        try check(offset, 8)
        return bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
    }

    func string(_ offset: Int, _ count: Int) throws -> String {
        try check(offset, count)
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]), as: UTF8.self)
    }

    func check(_ offset: Int, _ count: Int) throws {
        guard offset >= 0, count >= 0, offset <= bytes.count, count <= bytes.count - offset else {
            throw ZipError(.corrupt, "\(what): \(count) bytes at offset \(offset) lie outside the file (\(bytes.count) bytes)")
        }
    }
}
