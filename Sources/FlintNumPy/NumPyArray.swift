import FlintTensor
import FlintZip

/// Reading NumPy's `.npy` arrays and `.npz` archives (zips of `.npy` files, stored or deflated) as
/// tensors. Little-endian and byte-sized types only; Fortran-ordered arrays become transposed views.
package enum NumPyArray {
    /// A decoded array: a tensor, or a unicode string (a 0-dim `<U` array, as `numpy.str_` saves).
    package enum Value {
        case tensor(Tensor)
        case string(String)
    }

    /// Decodes one `.npy` file's bytes. Throws ``NumPyError``.
    package static func decode(_ bytes: [UInt8], name: String) throws -> Value {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw NumPyError("\(name): not a .npy array (bad magic)") }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            guard bytes.count >= 12 else { throw NumPyError("\(name): truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        }
        guard headerStart + headerLength <= bytes.count else { throw NumPyError("\(name): truncated header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        let descr = try field("descr", in: header, name: name)
        let fortran = try field("fortran_order", in: header, name: name) == "True"
        let shape = try parseShape(try field("shape", in: header, name: name), name: name)
        let dataStart = headerStart + headerLength
        let count = shape.reduce(1, *)
        if descr.dropFirst().hasPrefix("U") {
            guard let width = Int(descr.dropFirst(2)), count == 1, dataStart + 4 * width <= bytes.count else {
                throw NumPyError("\(name): only 0-dim unicode arrays are supported (got \(descr), shape \(shape))")
            }
            var scalars = String.UnicodeScalarView()
            for i in 0..<width {
                let o = dataStart + 4 * i
                let code = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
                if code == 0 { break }
                guard let scalar = Unicode.Scalar(code) else { throw NumPyError("\(name): invalid unicode data") }
                scalars.append(scalar)
            }
            return .string(String(scalars))
        }
        let dtype = try dtype(descr, name: name)
        let byteCount = count * dtype.itemSize
        guard dataStart + byteCount <= bytes.count else {
            throw NumPyError("\(name): holds \(bytes.count - dataStart) data bytes but shape \(shape) of \(dtype) needs \(byteCount)")
        }
        let storage = Storage(byteCount: byteCount)
        bytes.withUnsafeBytes { storage.base.copyMemory(from: $0.baseAddress! + dataStart, byteCount: byteCount) }
        if fortran {
            let reversed = Array(shape.reversed())
            let base = try Tensor(storage: storage, dtype: dtype, shape: reversed, strides: Tensor.contiguousStrides(for: reversed), storageOffset: 0)
            return .tensor(try base.permute(Array((0..<shape.count).reversed())))
        }
        return .tensor(try Tensor(storage: storage, dtype: dtype, shape: shape, strides: Tensor.contiguousStrides(for: shape), storageOffset: 0))
    }

    /// Every array of an `.npz` file, keyed by name without the `.npy` suffix, in archive order.
    package static func readArchive(path: String) throws -> [(key: String, value: Value)] {
        let zip: ZipArchive
        do {
            zip = try ZipArchive(path: path)
        } catch let error as ZipError {
            throw NumPyError("\(path): \(error.description)")
        }
        return try zip.entries.map { entry in
            let key = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
            do {
                return (key, try decode(try zip.contents(of: entry), name: entry.name))
            } catch let error as ZipError {
                throw NumPyError("\(path): \(error.description)")
            }
        }
    }

    /// The dtype of a NumPy type string such as `<f4` or `|b1`.
    package static func dtype(_ descr: String, name: String) throws -> DType {
        guard let order = descr.first, "<|=".contains(order) else {
            throw NumPyError("\(name): byte order of '\(descr)' is not supported (only little-endian)")
        }
        switch descr.dropFirst() {
        case "f4": return .float32
        case "f8": return .float64
        case "f2": return .float16
        case "i1": return .int8
        case "i2": return .int16
        case "i4": return .int32
        case "i8": return .int64
        case "u1": return .uint8
        case "u2": return .uint16
        case "u4": return .uint32
        case "u8": return .uint64
        case "b1": return .bool
        case "c8": return .complex64
        case "c16": return .complex128
        default: throw NumPyError("\(name): NumPy type '\(descr)' is not supported")
        }
    }

    /// The NumPy type string of a dtype, or nil when NumPy has none (bfloat16).
    package static func descr(_ dtype: DType) -> String? {
        switch dtype {
        case .float32: "<f4"
        case .float64: "<f8"
        case .float16: "<f2"
        case .int8: "|i1"
        case .int16: "<i2"
        case .int32: "<i4"
        case .int64: "<i8"
        case .uint8: "|u1"
        case .uint16: "<u2"
        case .uint32: "<u4"
        case .uint64: "<u8"
        case .bool: "|b1"
        case .complex64: "<c8"
        case .complex128: "<c16"
        default: nil
        }
    }

    private static func field(_ key: String, in header: String, name: String) throws -> String {
        guard let keyRange = header.firstRange(of: "'\(key)':") else { throw NumPyError("\(name): header lacks '\(key)'") }
        var rest = header[keyRange.upperBound...].drop(while: { $0 == " " })
        if rest.first == "'" {
            rest = rest.dropFirst()
            return String(rest.prefix(while: { $0 != "'" }))
        }
        if rest.first == "(" {
            return String(rest.prefix(while: { $0 != ")" }).dropFirst())
        }
        return String(rest.prefix(while: { $0 != "," && $0 != "}" })).trimmingSpaces
    }

    private static func parseShape(_ text: String, name: String) throws -> [Int] {
        try text.split(separator: ",").map { $0.trimmingSpaces }.filter { !$0.isEmpty }.map {
            guard let value = Int($0), value >= 0 else { throw NumPyError("\(name): invalid shape entry '\($0)'") }
            return value
        }
    }
}

/// A malformed or unsupported NumPy file.
package struct NumPyError: Error, CustomStringConvertible, Sendable {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
