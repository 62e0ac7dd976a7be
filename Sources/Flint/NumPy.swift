import FlintNumPy
import FlintTensor

// NumPy's files, for inputs and outputs kept beside a model: `.npy` (one array, `numpy.save`) and `.npz` (a zip
// of `.npy` files, `numpy.savez` and `numpy.savez_compressed`). Little-endian numeric and bool arrays become
// tensors of the same dtype (Fortran-ordered ones become transposed views); a 0-d unicode array (what
// `numpy.save` writes for a `str`) becomes a string.

/// Reads one `.npy` file: `.tensor`, or `.string` for a 0-d unicode array. Throws ``FlintError`` of kind
/// `.invalidInput` when the file cannot be read or is not an array Flint reads.
public func loadNPY(_ path: String) throws -> IValue {
    let bytes = try ArgumentTree.readFile(path)
    do {
        return try NumPyArray.decode(bytes, name: path).ivalue
    } catch let error as NumPyError {
        throw ArgumentTree.invalid(error.description)
    }
}

/// Reads an `.npz` archive: its arrays in archive order, each keyed by its name without `.npy`. Throws
/// ``FlintError`` of kind `.invalidInput` when the file cannot be read or holds an array Flint does not read.
public func loadNPZ(_ path: String) throws -> [(key: String, value: IValue)] {
    do {
        return try NumPyArray.readArchive(path: path).map { key, value in (key: key, value: value.ivalue) }
    } catch let error as NumPyError {
        throw ArgumentTree.invalid(error.description)
    }
}

/// Writes `value` (a tensor, or a string as a 0-d unicode array; bfloat16 as float32) to an `.npy` file. Throws
/// ``FlintError``: `.invalidValue` for any other value, `.invalidInput` for a dtype NumPy has no type for or a
/// file that cannot be written.
public func saveNPY(_ value: IValue, to path: String) throws {
    let array = try NumPyArray.Value(value, key: path)
    do {
        try NumPyWriter.writeArray(path: path, array)
    } catch let error as NumPyError {
        throw ArgumentTree.invalid(error.description)
    }
}

/// Writes `arrays` (tensors and strings, in this order, named by their keys) to an uncompressed `.npz`
/// archive, as `numpy.savez` does. Throws ``FlintError`` as ``saveNPY(_:to:)`` does.
public func saveNPZ(_ arrays: [(key: String, value: IValue)], to path: String) throws {
    let values = try arrays.map { key, value in (key: key, value: try NumPyArray.Value(value, key: key)) }
    do {
        try NumPyWriter.writeArchive(path: path, arrays: values)
    } catch let error as NumPyError {
        throw ArgumentTree.invalid(error.description)
    }
}

extension NumPyArray.Value {
    /// The array for a tensor or a string; throws ``FlintError`` (`.invalidValue`) naming `key` for anything else.
    init(_ value: IValue, key: String) throws {
        switch value {
        case .tensor(let tensor): self = .tensor(tensor)
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
