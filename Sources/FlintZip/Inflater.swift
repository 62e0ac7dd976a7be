import CZlib

/// Raw DEFLATE decompression (ZIP method 8) through zlib, bounded by the size the directory declares.
enum Inflater {
    /// The most a deflate stream can expand: 258 bytes from 2 bits, about 1032 : 1.
    private static let maximumRatio = 1032

    static func inflate(_ input: UnsafeRawBufferPointer, expectedSize: Int, record: String) throws -> [UInt8] {
        guard expectedSize <= ZipArchive.maximumInflatedSize else {
            throw ZipError(
                .tooLarge, "declares \(expectedSize) uncompressed bytes, above the limit of \(ZipArchive.maximumInflatedSize)",
                record: record)
        }
        guard expectedSize <= input.count.multipliedReportingOverflow(by: maximumRatio).partialValue + 64 else {
            throw ZipError(
                .corrupt,
                "declares \(expectedSize) uncompressed bytes from \(input.count) compressed ones, more than deflate can produce",
                record: record)
        }
        var output = [UInt8](repeating: 0, count: expectedSize)
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ZipError(.io, "zlib could not start inflating", record: record)
        }
        defer { inflateEnd(&stream) }
        var produced = 0
        var consumed = 0
        var status = Z_OK
        try output.withUnsafeMutableBytes { out in
            let outBase = out.baseAddress?.assumingMemoryBound(to: UInt8.self)
            let inBase = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
            while status != Z_STREAM_END {
                let inChunk = min(input.count - consumed, Int(UInt32.max))
                let outChunk = min(expectedSize - produced, Int(UInt32.max))
                stream.next_in = inBase.map { UnsafeMutablePointer(mutating: $0 + consumed) }
                stream.avail_in = UInt32(inChunk)
                var scratch: UInt8 = 0
                if outChunk == 0 {
                    // Give zlib one byte so it can report the stream end; any byte written there is excess data.
                    try withUnsafeMutablePointer(to: &scratch) { pointer in
                        stream.next_out = pointer
                        stream.avail_out = 1
                        status = CZlib.inflate(&stream, Z_NO_FLUSH)
                        if stream.avail_out == 0 {
                            throw ZipError(.corrupt, "inflates to more than the declared \(expectedSize) bytes", record: record)
                        }
                    }
                } else {
                    stream.next_out = outBase.map { $0 + produced }
                    stream.avail_out = UInt32(outChunk)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    produced += outChunk - Int(stream.avail_out)
                }
                consumed += inChunk - Int(stream.avail_in)
                switch status {
                case Z_OK, Z_STREAM_END:
                    continue
                case Z_BUF_ERROR:
                    if consumed == input.count {
                        throw ZipError(.corrupt, "deflate stream ends early (truncated record)", record: record)
                    }
                    if produced == expectedSize {
                        throw ZipError(.corrupt, "inflates to more than the declared \(expectedSize) bytes", record: record)
                    }
                    throw ZipError(.corrupt, "deflate stream makes no progress", record: record)
                default:
                    let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw ZipError(.corrupt, "invalid deflate data: \(reason)", record: record)
                }
            }
        }
        guard produced == expectedSize else {
            throw ZipError(.corrupt, "inflates to \(produced) bytes but declares \(expectedSize)", record: record)
        }
        return output
    }
}
