import FlintTensor
import FlintZip

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing `.npy` arrays and uncompressed `.npz` archives, as `numpy.save` / `numpy.savez` do.
package enum NumPyWriter {
    /// One `.npy` file. bfloat16 tensors are written as float32 (NumPy has no bfloat16).
    package static func encode(_ value: NumPyArray.Value) throws -> [UInt8] {
        switch value {
        case .tensor(let original):
            let tensor = original.dtype == .bfloat16 ? try original.to(.float32) : original
            guard let descr = NumPyArray.descr(tensor.dtype) else { throw NumPyError("NumPy cannot hold \(tensor.dtype) tensors") }
            let shape = tensor.shape.map(String.init).joined(separator: ", ") + (tensor.rank == 1 ? "," : "")
            return header("{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(shape)), }") + tensor.contiguousBytes()
        case .string(let text):
            let scalars = Array(text.unicodeScalars)
            var body: [UInt8] = []
            for scalar in scalars {
                let v = scalar.value
                body += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
            }
            return header("{'descr': '<U\(max(scalars.count, 1))', 'fortran_order': False, 'shape': (), }")
                + (scalars.isEmpty ? [0, 0, 0, 0] : body)
        }
    }

    /// Magic, version 1.0, and the header dict padded so the data starts on a 64-byte boundary.
    private static func header(_ dict: String) -> [UInt8] {
        var text = Array(dict.utf8)
        let unpadded = 10 + text.count + 1
        text += Array(repeating: UInt8(ascii: " "), count: (64 - unpadded % 64) % 64)
        text.append(UInt8(ascii: "\n"))
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text
    }

    /// Writes an uncompressed `.npz` (a zip of `KEY.npy` records) to `path`.
    package static func writeArchive(path: String, arrays: [(key: String, value: NumPyArray.Value)]) throws {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for (key, value) in arrays {
            let data = try encode(value)
            let name = Array((key + ".npy").utf8)
            let crc = data.withUnsafeBytes { CRC32.checksum($0) }
            guard data.count < 0xFFFF_FFFF, out.count < 0xFFFF_FFFF else { throw NumPyError("\(path): archives over 4 GiB are not supported") }
            let offset = UInt32(out.count)
            out += le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21) + le32(crc)
                + le32(UInt32(data.count)) + le32(UInt32(data.count)) + le16(UInt16(name.count)) + le16(0) + name + data
            central += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21) + le32(crc)
                + le32(UInt32(data.count)) + le32(UInt32(data.count)) + le16(UInt16(name.count)) + le16(0) + le16(0) + le16(0)
                + le16(0) + le32(0) + le32(offset) + name
        }
        let centralOffset = UInt32(out.count)
        out += central
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(UInt16(arrays.count)) + le16(UInt16(arrays.count))
            + le32(UInt32(central.count)) + le32(centralOffset) + le16(0)
        guard let file = fopen(path, "wb") else { throw NumPyError("\(path): cannot open for writing") }
        defer { fclose(file) }
        guard out.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, file) }) == out.count else {
            throw NumPyError("\(path): write failed")
        }
    }

    private static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    private static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }
}

extension NumPyWriter {
    /// Writes one `.npy` file to `path`, as `numpy.save` does.
    package static func writeArray(path: String, _ value: NumPyArray.Value) throws {
        let bytes = try encode(value)
        guard let file = fopen(path, "wb") else { throw NumPyError("\(path): cannot open for writing") }
        defer { fclose(file) }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count else { throw NumPyError("\(path): write failed") }
    }
}
