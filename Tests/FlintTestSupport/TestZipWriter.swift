import CZlib
import Foundation
import FlintZip

/// Writes ZIP files the way PyTorch's writer does (64-byte aligned payloads, data in the central directory),
/// so tests can build damaged or unusual archives: records re-packed from a real archive, a sparse hole that
/// pushes records past 4 GiB (forcing ZIP64 fields), and deliberately wrong sizes.
public struct TestZipWriter {
    public struct Record {
        public var name: String
        public var contents: [UInt8]
        public var deflate: Bool
        /// Size to declare instead of the real uncompressed size (to fake a zip bomb or a short record).
        public var declaredSize: Int?
        /// Zero bytes to leave as a sparse hole in front of this record's payload (counted in its size).
        public var sparseLeadingBytes: Int

        public init(name: String, contents: [UInt8], deflate: Bool = false, declaredSize: Int? = nil, sparseLeadingBytes: Int = 0) {
            self.name = name
            self.contents = contents
            self.deflate = deflate
            self.declaredSize = declaredSize
            self.sparseLeadingBytes = sparseLeadingBytes
        }
    }

    public var records: [Record] = []
    public init() {}

    /// All records of an existing zip, with their compression kept.
    public init(copying path: String) throws {
        let zip = try ZipArchive(path: path)
        for entry in zip.entries {
            records.append(Record(name: entry.name, contents: try zip.contents(of: entry), deflate: entry.method == .deflated))
        }
    }

    /// Writes the archive to `path`, using a sparse file for holes.
    public func write(to path: String) throws {
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var offset = 0
        var central: [UInt8] = []
        var needZip64 = false
        for record in records {
            let payload = record.deflate ? try Self.deflate(record.contents) : record.contents
            let uncompressed = record.declaredSize ?? (record.contents.count + record.sparseLeadingBytes)
            let compressed = payload.count + record.sparseLeadingBytes
            let crc = record.contents.withUnsafeBytes { CRC32.checksum($0) }
            let name = Array(record.name.utf8)
            let big = uncompressed >= 0xFFFF_FFFF || compressed >= 0xFFFF_FFFF
            var local: [UInt8] = []
            local.le32(0x0403_4b50); local.le16(45); local.le16(0x0800); local.le16(record.deflate ? 8 : 0)
            local.le16(0); local.le16(0); local.le32(crc)
            local.le32(big ? 0xFFFF_FFFF : UInt32(compressed)); local.le32(big ? 0xFFFF_FFFF : UInt32(uncompressed))
            local.le16(UInt16(name.count))
            var extra: [UInt8] = []
            if big { extra.le16(1); extra.le16(16); extra.le64(UInt64(uncompressed)); extra.le64(UInt64(compressed)) }
            let unpadded = offset + 30 + name.count + extra.count + 4
            let padding = (64 - unpadded % 64) % 64
            extra.le16(0x4246); extra.le16(UInt16(padding)); extra += [UInt8](repeating: 0x5A, count: padding)
            local.le16(UInt16(extra.count))
            local += name + extra
            let headerOffset = offset
            try handle.write(contentsOf: local)
            offset += local.count
            if record.sparseLeadingBytes > 0 {
                offset += record.sparseLeadingBytes
                try handle.seek(toOffset: UInt64(offset))
            }
            try handle.write(contentsOf: payload)
            offset += payload.count

            let farOffset = headerOffset >= 0xFFFF_FFFF
            var zip64: [UInt8] = []
            if big { zip64.le64(UInt64(uncompressed)); zip64.le64(UInt64(compressed)) }
            if farOffset { zip64.le64(UInt64(headerOffset)) }
            needZip64 = needZip64 || big || farOffset
            central.le32(0x0201_4b50); central.le16(45); central.le16(45); central.le16(0x0800)
            central.le16(record.deflate ? 8 : 0); central.le16(0); central.le16(0); central.le32(crc)
            central.le32(big ? 0xFFFF_FFFF : UInt32(compressed)); central.le32(big ? 0xFFFF_FFFF : UInt32(uncompressed))
            central.le16(UInt16(name.count)); central.le16(UInt16(zip64.isEmpty ? 0 : zip64.count + 4)); central.le16(0)
            central.le16(0); central.le16(0); central.le32(0)
            central.le32(farOffset ? 0xFFFF_FFFF : UInt32(headerOffset))
            central += name
            if !zip64.isEmpty { central.le16(1); central.le16(UInt16(zip64.count)); central += zip64 }
        }
        let centralOffset = offset
        var tail = central
        let needsZip64End = needZip64 || centralOffset >= 0xFFFF_FFFF
        if needsZip64End {
            let zip64EndOffset = centralOffset + central.count
            tail.le32(0x0606_4b50); tail.le64(44); tail.le16(45); tail.le16(45); tail.le32(0); tail.le32(0)
            tail.le64(UInt64(records.count)); tail.le64(UInt64(records.count))
            tail.le64(UInt64(central.count)); tail.le64(UInt64(centralOffset))
            tail.le32(0x0706_4b50); tail.le32(0); tail.le64(UInt64(zip64EndOffset)); tail.le32(1)
        }
        tail.le32(0x0605_4b50); tail.le16(0); tail.le16(0)
        tail.le16(UInt16(min(records.count, 0xFFFF))); tail.le16(UInt16(min(records.count, 0xFFFF)))
        tail.le32(UInt32(min(central.count, 0xFFFF_FFFF)))
        tail.le32(centralOffset >= 0xFFFF_FFFF ? 0xFFFF_FFFF : UInt32(centralOffset))
        tail.le16(0)
        try handle.write(contentsOf: tail)
    }

    /// Raw DEFLATE (no zlib header), as ZIP method 8 stores it.
    public static func deflate(_ bytes: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CocoaError(.featureUnsupported)
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 16)
        var input = bytes
        let produced: Int = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                _ = CZlib.deflate(&stream, Z_FINISH)
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        return Array(output.prefix(produced))
    }
}

extension Array where Element == UInt8 {
    mutating func le16(_ v: UInt16) { append(UInt8(v & 0xFF)); append(UInt8(v >> 8)) }
    mutating func le32(_ v: UInt32) { for i in 0..<4 { append(UInt8((v >> (8 * UInt32(i))) & 0xFF)) } }
    mutating func le64(_ v: UInt64) { for i in 0..<8 { append(UInt8((v >> (8 * UInt64(i))) & 0xFF)) } }
}
