import FlintNumPy
import FlintTensor

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads one `.npy` file (`numpy.save`): a `.tensor` of the array's dtype and shape (a Fortran-ordered array
/// becomes a transposed view), or a `.string` for a 0-d unicode array (what `numpy.save` writes for a `str`).
/// Little-endian numeric and bool arrays are read. Throws ``FlintError``: `.io` when the file cannot be opened or
/// read, `.invalidInput` when its bytes are not an array Flint reads (a bad header, big-endian or object arrays;
/// a directory reads as no array).
public func loadNPY(_ path: String) throws -> IValue {
    let bytes = try readNumPyFile(path)
    do {
        return try NumPyArray.decode(bytes, name: path).ivalue
    } catch let error as NumPyError {
        throw ArgumentTree.invalid(error.description)
    }
}

/// Reads an `.npz` archive (`numpy.savez`, `numpy.savez_compressed`): its arrays in archive order, each keyed by
/// its name without `.npy` and read as ``loadNPY(_:)`` reads one. Throws ``FlintError``: `.io` when the file
/// cannot be opened, `.invalidInput` when it is not a zip of arrays Flint reads.
public func loadNPZ(_ path: String) throws -> [(key: String, value: IValue)] {
    do {
        return try NumPyArray.readArchive(path: path).map { key, value in (key: key, value: value.ivalue) }
    } catch let error as NumPyError {
        throw FlintError(kind: isReadable(path) ? .invalidInput : .io, file: nil, record: nil, message: error.description)
    }
}

/// Writes `value` to an `.npy` file as `numpy.save` does: a tensor in its logical (C) order, bfloat16 as float32
/// (NumPy has no bfloat16), or a string as a 0-d unicode array. Throws ``FlintError``: `.invalidValue` for any
/// other value, `.unsupported` for a dtype NumPy has no type for (the quantized ones), `.io` when the file
/// cannot be written.
public func saveNPY(_ value: IValue, to path: String) throws {
    let array = try NumPyArray.Value(value, key: path)
    do {
        try NumPyWriter.writeArray(path: path, array)
    } catch let error as NumPyError {
        throw FlintError(kind: .io, file: nil, record: nil, message: error.description)
    }
}

/// Writes `arrays` (each a tensor or a string, as ``saveNPY(_:to:)`` writes one) to an uncompressed `.npz`
/// archive in this order, named by their keys, as `numpy.savez` does. Throws ``FlintError`` as
/// ``saveNPY(_:to:)`` does, and `.unsupported` for an archive over 4 GiB (no zip64).
public func saveNPZ(_ arrays: [(key: String, value: IValue)], to path: String) throws {
    let values = try arrays.map { key, value in (key: key, value: try NumPyArray.Value(value, key: key)) }
    do {
        try NumPyWriter.writeArchive(path: path, arrays: values)
    } catch let error as NumPyError {
        let tooLarge = error.description.hasSuffix("archives over 4 GiB are not supported")
        throw FlintError(kind: tooLarge ? .unsupported : .io, file: nil, record: nil, message: error.description)
    }
}

/// Whether the file at `path` can be opened for reading.
private func isReadable(_ path: String) -> Bool {
    guard let file = fopen(path, "rb") else { return false }
    fclose(file)
    return true
}

/// The bytes of the file at `path`; throws ``FlintError`` `.io` when it cannot be read.
private func readNumPyFile(_ path: String) throws -> [UInt8] {
    do {
        return try ArgumentTree.readFile(path)
    } catch let error as FlintError {
        throw FlintError(kind: .io, file: nil, record: nil, message: error.message)
    }
}

extension NumPyArray.Value {
    /// The array for a tensor or a string; throws ``FlintError`` naming `key` for anything else (`.invalidValue`)
    /// or a tensor NumPy cannot hold (`.unsupported`, with the message ``NumPyWriter`` would give).
    init(_ value: IValue, key: String) throws {
        switch value {
        case .tensor(let tensor):
            guard tensor.dtype == .bfloat16 || NumPyArray.descr(tensor.dtype) != nil else {
                throw FlintError(kind: .unsupported, file: nil, record: nil, message: "NumPy cannot hold \(tensor.dtype) tensors")
            }
            self = .tensor(tensor)
        case .string(let text): self = .string(text)
        default:
            throw FlintError(kind: .invalidValue, file: nil, record: nil,
                             message: "'\(key)' is \(value.kindName): a NumPy array holds a tensor or a str")
        }
    }

    /// The array as the API's value.
    var ivalue: IValue {
        switch self {
        case .tensor(let tensor): .tensor(tensor)
        case .string(let text): .string(text)
        }
    }
}
