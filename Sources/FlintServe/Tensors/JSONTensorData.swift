import Flint

/// Tensor elements as JSON numbers (or booleans): the `data` member of KServe v2 REST inputs and outputs.
/// Reading accepts flat and nested arrays (row-major either way); writing emits a flat array.
package enum JSONTensorData {
    /// Reads every element of a JSON `data` array (nested arrays flattened) as `datatype`, into
    /// little-endian bytes. Throws `invalidArgument` naming the input for a value of the wrong kind or
    /// out of the datatype's range.
    package static func read(_ container: inout any UnkeyedDecodingContainer, datatype: WireDataType, tensor: String) throws -> [UInt8] {
        let cursor = Cursor(container)
        defer { container = cursor.container }
        return try datatype.dtype.dispatchNumeric(Reader(cursor: cursor, tensor: tensor, datatype: datatype), operation: "JSON data")
    }

    /// Appends `bytes` (elements of `datatype`, little-endian) to `text` as a flat JSON array.
    package static func write(_ bytes: [UInt8], datatype: WireDataType, into text: inout String) throws {
        try datatype.dtype.dispatchNumeric(Writer(bytes: bytes), operation: "JSON data").forEach { text += $0 }
    }

    private final class Cursor {
        var container: any UnkeyedDecodingContainer
        init(_ container: any UnkeyedDecodingContainer) { self.container = container }
    }

    private struct Reader: NumericDTypeVisitor {
        let cursor: Cursor
        let tensor: String
        let datatype: WireDataType

        func visitFloating<T: FloatingElement>(_ type: T.Type) throws -> [UInt8] {
            try collect { container in T(castingDouble: try container.decode(Double.self)) }
        }

        func visitInteger<T: IntegerElement>(_ type: T.Type) throws -> [UInt8] {
            try collect { container in
                if T.self == UInt64.self {
                    return T(truncatingIfNeeded: try container.decode(UInt64.self))
                }
                let value = try container.decode(Int64.self)
                guard let element = T(exactly: value) else {
                    throw ServeError.invalidArgument("input '\(tensor)': \(value) is out of range for \(datatype.rawValue)")
                }
                return element
            }
        }

        func visitBool() throws -> [UInt8] {
            try collect { container in try container.decode(Bool.self) }
        }

        /// Walks the (possibly nested) array, decoding leaves with `element`.
        private func collect<T>(_ element: (inout any UnkeyedDecodingContainer) throws -> T) throws -> [UInt8] {
            var bytes: [UInt8] = []
            if let count = cursor.container.count { bytes.reserveCapacity(count * MemoryLayout<T>.stride) }
            func walk(_ container: inout any UnkeyedDecodingContainer, depth: Int) throws {
                guard depth < 64 else { throw ServeError.invalidArgument("input '\(tensor)': data is nested too deeply") }
                while !container.isAtEnd {
                    let value: T
                    do {
                        value = try element(&container)
                    } catch let error as ServeError {
                        throw error
                    } catch {
                        guard var nested = try? container.nestedUnkeyedContainer() else {
                            throw ServeError.invalidArgument("input '\(tensor)': data holds a value that is not \(datatype == .bool ? "a boolean" : "a number of type \(datatype.rawValue)")")
                        }
                        try walk(&nested, depth: depth + 1)
                        continue
                    }
                    withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
                }
            }
            try walk(&cursor.container, depth: 0)
            return bytes
        }
    }

    private struct Writer: NumericDTypeVisitor {
        let bytes: [UInt8]

        func visitFloating<T: FloatingElement>(_ type: T.Type) throws -> [String] {
            elements(T.self).map { value in
                let double = value.doubleValue
                // JSON has no NaN or infinity; Triton writes them as these strings too.
                if double.isNaN { return "\"NaN\"" }
                if double.isInfinite { return double > 0 ? "\"Infinity\"" : "\"-Infinity\"" }
                if T.self == Float.self { return String(describing: value) }
                return String(double)
            }.joinedAsArray()
        }

        func visitInteger<T: IntegerElement>(_ type: T.Type) throws -> [String] {
            elements(T.self).map { String($0) }.joinedAsArray()
        }

        func visitBool() throws -> [String] {
            elements(Bool.self).map { $0 ? "true" : "false" }.joinedAsArray()
        }

        private func elements<T>(_ type: T.Type) -> [T] {
            let count = bytes.count / MemoryLayout<T>.stride
            return bytes.withUnsafeBytes { raw in (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.stride, as: T.self) } }
        }
    }
}

extension Array where Element == String {
    /// The pieces of a JSON array: `[`, elements separated by commas, `]`.
    fileprivate func joinedAsArray() -> [String] { ["[", joined(separator: ","), "]"] }
}
