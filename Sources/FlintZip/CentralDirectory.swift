/// Parsing of the end-of-central-directory records (classic and ZIP64) and the central directory itself.
enum CentralDirectory {
    struct Location {
        var entryCount: Int
        var offset: Int
        var size: Int
    }

    private static let endSignature: UInt32 = 0x0605_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let zip64EndSignature: UInt32 = 0x0606_4b50
    private static let entrySignature: UInt32 = 0x0201_4b50
    private static let minimumEntrySize = 46

    static func locate(in bytes: UnsafeRawBufferPointer) throws -> Location {
        let reader = ByteReader(bytes: bytes, what: "end of central directory")
        guard bytes.count >= 22 else {
            throw ZipError(.notZip, "file is \(bytes.count) bytes, too short to be a ZIP archive")
        }
        var endOffset = -1
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        var candidate = bytes.count - 22
        while candidate >= lowest {
            if bytes[candidate] == 0x50, try reader.u32(candidate) == endSignature {
                endOffset = candidate
                break
            }
            candidate -= 1
        }
        guard endOffset >= 0 else {
            throw ZipError(.notZip, "no end-of-central-directory record found")
        }
        let diskNumber = try reader.u16(endOffset + 4)
        let directoryDisk = try reader.u16(endOffset + 6)
        var location = Location(
            entryCount: Int(try reader.u16(endOffset + 10)),
            offset: Int(try reader.u32(endOffset + 16)),
            size: Int(try reader.u32(endOffset + 12)))
        var multiDisk = diskNumber != 0 || directoryDisk != 0

        let locatorOffset = endOffset - 20
        if locatorOffset >= 0, try reader.u32(locatorOffset) == zip64LocatorSignature {
            let zip64Offset = try reader.u64(locatorOffset + 8)
            guard zip64Offset <= UInt64(locatorOffset) else {
                throw ZipError(.corrupt, "ZIP64 end record offset \(zip64Offset) lies past its locator")
            }
            let zip64 = ByteReader(bytes: bytes, what: "ZIP64 end of central directory")
            let start = Int(zip64Offset)
            guard try zip64.u32(start) == zip64EndSignature else {
                throw ZipError(.corrupt, "ZIP64 end-of-central-directory signature missing at offset \(start)")
            }
            let thisDisk = try zip64.u32(start + 16)
            let startDisk = try zip64.u32(start + 20)
            multiDisk = multiDisk || thisDisk != 0 || startDisk != 0
            location.entryCount = try checkedInt(zip64.u64(start + 32), "ZIP64 entry count")
            location.size = try checkedInt(zip64.u64(start + 40), "ZIP64 central directory size")
            location.offset = try checkedInt(zip64.u64(start + 48), "ZIP64 central directory offset")
        }
        guard !multiDisk else { throw ZipError(.unsupported, "multi-disk (spanned) ZIP archives are not supported") }
        guard location.offset <= bytes.count, location.size <= bytes.count - location.offset else {
            throw ZipError(
                .corrupt,
                "central directory (\(location.size) bytes at offset \(location.offset)) lies outside the file (\(bytes.count) bytes); the file may be truncated")
        }
        guard location.entryCount <= location.size / minimumEntrySize else {
            throw ZipError(.corrupt, "central directory claims \(location.entryCount) entries in \(location.size) bytes")
        }
        return location
    }

    static func readEntries(_ location: Location, in bytes: UnsafeRawBufferPointer) throws -> [ZipEntry] {
        let reader = ByteReader(bytes: bytes, what: "central directory")
        var entries: [ZipEntry] = []
        entries.reserveCapacity(location.entryCount)
        var offset = location.offset
        let end = location.offset + location.size
        for index in 0..<location.entryCount {
            guard offset + minimumEntrySize <= end, try reader.u32(offset) == entrySignature else {
                throw ZipError(.corrupt, "central directory entry \(index) at offset \(offset) is damaged")
            }
            let flags = try reader.u16(offset + 8)
            let methodCode = try reader.u16(offset + 10)
            let crc = try reader.u32(offset + 16)
            var compressed = UInt64(try reader.u32(offset + 20))
            var uncompressed = UInt64(try reader.u32(offset + 24))
            let nameLength = Int(try reader.u16(offset + 28))
            let extraLength = Int(try reader.u16(offset + 30))
            let commentLength = Int(try reader.u16(offset + 32))
            var disk = UInt32(try reader.u16(offset + 34))
            var localOffset = UInt64(try reader.u32(offset + 42))
            let name = try reader.string(offset + 46, nameLength)
            guard offset + 46 + nameLength + extraLength + commentLength <= end else {
                throw ZipError(.corrupt, "central directory entry runs past the directory's end", record: name)
            }
            try readZip64Extra(
                reader, at: offset + 46 + nameLength, length: extraLength, record: name,
                uncompressed: &uncompressed, compressed: &compressed, localOffset: &localOffset, disk: &disk)
            guard flags & 1 == 0 else { throw ZipError(.unsupported, "encrypted records are not supported", record: name) }
            guard disk == 0 else { throw ZipError(.unsupported, "record lives on another disk of a spanned archive", record: name) }
            let method: ZipEntry.Method
            switch methodCode {
            case 0: method = .stored
            case 8: method = .deflated
            default: method = .other(methodCode)
            }
            let entry = ZipEntry(
                name: name, method: method, flags: flags, crc32: crc,
                compressedSize: try checkedInt(compressed, "compressed size of '\(name)'"),
                uncompressedSize: try checkedInt(uncompressed, "uncompressed size of '\(name)'"),
                localHeaderOffset: try checkedInt(localOffset, "local header offset of '\(name)'"))
            guard entry.localHeaderOffset < bytes.count,
                entry.compressedSize <= bytes.count - entry.localHeaderOffset
            else {
                throw ZipError(
                    .corrupt,
                    "record (\(entry.compressedSize) bytes at offset \(entry.localHeaderOffset)) lies outside the file (\(bytes.count) bytes); the file may be truncated",
                    record: name)
            }
            entries.append(entry)
            offset += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }

    /// Applies a ZIP64 extended-information extra field (id 1): each 64-bit value is present only when its
    /// 32-bit field in the entry is saturated, in the order uncompressed, compressed, offset, disk.
    private static func readZip64Extra(
        _ reader: ByteReader, at start: Int, length: Int, record: String,
        uncompressed: inout UInt64, compressed: inout UInt64, localOffset: inout UInt64, disk: inout UInt32
    ) throws {
        var position = start
        let end = start + length
        while position + 4 <= end {
            let id = try reader.u16(position)
            let size = Int(try reader.u16(position + 2))
            let body = position + 4
            guard body + size <= end else {
                throw ZipError(.corrupt, "extra field \(id) runs past the entry", record: record)
            }
            if id == 1 {
                var field = body
                func next() throws -> UInt64 {
                    guard field + 8 <= body + size else {
                        throw ZipError(.corrupt, "ZIP64 extra field is too short", record: record)
                    }
                    defer { field += 8 }
                    return try reader.u64(field)
                }
                if uncompressed == 0xFFFF_FFFF { uncompressed = try next() }
                if compressed == 0xFFFF_FFFF { compressed = try next() }
                if localOffset == 0xFFFF_FFFF { localOffset = try next() }
                if disk == 0xFFFF, field + 4 <= body + size { disk = try reader.u32(field) }
            }
            position = body + size
        }
    }

    private static func checkedInt(_ value: UInt64, _ what: String) throws -> Int {
        guard value <= UInt64(Int.max) else { throw ZipError(.corrupt, "\(what) \(value) is out of range") }
        return Int(value)
    }
}
