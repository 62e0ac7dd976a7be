import FlintLoader
import FlintTensor
import FlintValues
import FlintZip

/// The records of a `.pt2` archive as `torch.export.save` writes it: a zip with one top folder holding
/// `archive_format` (`pt2`), the serialized program `models/<name>.json`, the weights under `data/weights/`
/// and tensor constants under `data/constants/`, each directory with a `*_config.json` naming the record
/// and metadata of every tensor. Records are addressed relative to the top folder.
package final class ExportArchive: @unchecked Sendable {
    package let path: String
    let zip: ZipArchive
    let topFolder: String

    /// Whether the file at `path` is a zip whose top folder holds `archive_format` = `pt2` (a cheap check: the
    /// central directory and one small record).
    package static func isExportArchive(path: String) -> Bool {
        guard let zip = try? ZipArchive(path: path), let folder = topFolder(of: zip),
            let entry = zip.entry(named: folder + "/archive_format"), entry.uncompressedSize < 64,
            let bytes = try? zip.contents(of: entry)
        else { return false }
        return String(decoding: bytes, as: UTF8.self).trimmingSpaces == "pt2"
    }

    private static func topFolder(of zip: ZipArchive) -> String? {
        guard let first = zip.entries.first, let slash = first.name.firstIndex(of: "/") else { return nil }
        return String(first.name[..<slash])
    }

    /// Maps the archive. Throws ``LoadError``: `.io` when the file cannot be read, `.notTorchScript` when it
    /// is not a `.pt2` archive, `.corrupt` for a damaged container.
    package init(path: String) throws {
        self.path = path
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch let error as ZipError {
            throw LoadError(.io, error.message)
        }
        do {
            zip = try ZipArchive(file: file)
        } catch let error as ZipError where error.kind == .notZip {
            throw LoadError(.notTorchScript, "this is not a zip file; expected a torch.export archive (.pt2)")
        } catch let error as ZipError {
            throw LoadError(.corrupt, "damaged zip container: \(error.description)")
        }
        guard let folder = Self.topFolder(of: zip) else {
            throw LoadError(.notTorchScript, "this zip has no top folder; expected a torch.export archive (.pt2)")
        }
        topFolder = folder
        if let stray = zip.entries.first(where: { !$0.name.hasPrefix(folder + "/") }) {
            throw LoadError(.corrupt, "entry '\(stray.name)' lies outside the archive's top folder '\(folder)'")
        }
        let format = String(decoding: try contents(of: "archive_format"), as: UTF8.self).trimmingSpaces
        guard format == "pt2" else {
            throw LoadError(.notTorchScript, "archive_format is '\(format)', not 'pt2'", record: "archive_format")
        }
        if hasRecord("byteorder") {
            let order = String(decoding: try contents(of: "byteorder"), as: UTF8.self).trimmingSpaces
            guard order == "little" else {
                throw LoadError(.unsupported, "byte order '\(order)' is not supported (only little-endian archives)", record: "byteorder")
            }
        }
    }

    /// Names of all records, relative to the top folder.
    package var recordNames: [String] { zip.entries.map { String($0.name.dropFirst(topFolder.count + 1)) } }

    package func hasRecord(_ name: String) -> Bool { zip.entry(named: topFolder + "/" + name) != nil }

    /// The record's bytes (inflated if needed, CRC-checked).
    package func contents(of name: String) throws -> [UInt8] {
        guard let entry = zip.entry(named: topFolder + "/" + name) else { throw LoadError(.corrupt, "record is missing", record: name) }
        do {
            return try zip.contents(of: entry)
        } catch let error as ZipError {
            throw LoadError(error.kind == .unsupported ? .unsupported : .corrupt, error.message, record: name)
        }
    }

    /// A JSON record, parsed.
    package func json(_ name: String) throws -> JSONText {
        do {
            return try JSONText.parse(bytes: try contents(of: name))
        } catch let error as JSONSyntaxError {
            throw LoadError(.corrupt, error.message, record: name)
        }
    }

    /// The names of the programs in `models/` (`model` for what `torch.export.save` writes).
    package var modelNames: [String] {
        recordNames.compactMap { name in
            guard name.hasPrefix("models/"), name.hasSuffix(".json") else { return nil }
            let stem = name.dropFirst("models/".count).dropLast(".json".count)
            return stem.contains("/") ? nil : String(stem)
        }
    }

    /// A tensor viewing a stored record: the record holds a whole storage, `meta` says the dtype, sizes,
    /// strides and offset of the view. The bytes stay in the mapped file (copied only when misaligned).
    func tensor(record name: String, meta: TensorMeta) throws -> Tensor {
        guard let entry = zip.entry(named: topFolder + "/" + name) else { throw LoadError(.corrupt, "tensor data record is missing", record: name) }
        let bytes: UnsafeRawBufferPointer
        do {
            bytes = try zip.storedBytes(of: entry)
        } catch let error as ZipError {
            throw LoadError(error.kind == .unsupported ? .unsupported : .corrupt, error.message, record: name)
        }
        let storage: Storage
        if bytes.isEmpty {
            storage = Storage(byteCount: 0)
        } else if Int(bitPattern: bytes.baseAddress!) % meta.dtype.itemSize != 0 {
            storage = Storage(byteCount: bytes.count)
            storage.base.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        } else {
            storage = Storage(borrowing: UnsafeMutableRawPointer(mutating: bytes.baseAddress!), byteCount: bytes.count, owner: zip.file)
        }
        guard let shape = meta.staticSizes, let strides = meta.staticStrides else {
            throw LoadError(.corrupt, "a stored tensor has symbolic sizes", record: name)
        }
        if bytes.isEmpty {
            return Tensor(zeros: shape, dtype: meta.dtype)
        }
        do {
            return try Tensor(storage: storage, dtype: meta.dtype, shape: shape, strides: strides, storageOffset: meta.storageOffset)
        } catch {
            throw LoadError(.corrupt, "tensor view \(shape) with strides \(strides) at offset \(meta.storageOffset) does not fit its \(bytes.count)-byte record: \(error)", record: name)
        }
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }.reversed())
    }
}
