import FlintZip

/// The records of a TorchScript archive (`torch.jit.save`'s zip), addressed relative to its top folder.
///
/// Opening checks what the file is: a file that is not a TorchScript archive (a `torch.save` file, a raw
/// pickle, a plain zip, anything else) is rejected with a `.notTorchScript` error saying what it is.
package final class TorchScriptArchive: Sendable {
    /// The newest file format version libtorch writes and reads.
    package static let newestFileFormatVersion = 10

    package let path: String
    package let zip: ZipArchive
    /// The archive's top folder (the first entry's name up to its first `/`).
    package let topFolder: String
    /// The file format version from `.data/version` or `version`.
    package let fileFormatVersion: Int

    /// Maps the archive at `path` and reads its version.
    package convenience init(path: String) throws {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch let error as ZipError {
            throw LoadError(.io, error.message)
        }
        try self.init(file: file)
    }

    /// Reads the archive held in `file` and its version.
    package init(file: MappedFile) throws {
        path = file.path
        do {
            zip = try ZipArchive(file: file)
        } catch let error as ZipError where error.kind == .notZip {
            throw LoadError(.notTorchScript, FileSniffer.describeNonZip(file.bytes) + "; expected a TorchScript archive (a zip written by torch.jit.save)")
        } catch let error as ZipError {
            throw LoadError(.corrupt, "damaged zip container: \(error.description)")
        }
        guard let first = zip.entries.first, let slash = first.name.firstIndex(of: "/") else {
            throw LoadError(
                .notTorchScript,
                "\(FileSniffer.describeZip(zip)); expected a TorchScript archive (a zip written by torch.jit.save)")
        }
        let folder = String(first.name[..<slash])
        topFolder = folder
        if let stray = zip.entries.first(where: { !$0.name.hasPrefix(folder + "/") }) {
            throw LoadError(.corrupt, "entry '\(stray.name)' lies outside the archive's top folder '\(folder)'")
        }
        let names = Set(zip.entries.map { String($0.name.dropFirst(folder.count + 1)) })
        if let kind = FileSniffer.nonTorchScriptKind(recordNames: names) {
            throw LoadError(.notTorchScript, kind)
        }
        fileFormatVersion = try Self.readVersion(zip: zip, topFolder: topFolder)
        if let order = zip.entry(named: topFolder + "/byteorder") {
            let text = String(decoding: try Self.contents(zip, order, record: "byteorder"), as: UTF8.self)
            guard text == "little" else {
                throw LoadError(.unsupported, "byte order '\(text)' is not supported (only little-endian archives)", record: "byteorder")
            }
        }
    }

    /// Whether the record (relative to the top folder) exists.
    package func hasRecord(_ name: String) -> Bool { zip.entry(named: topFolder + "/" + name) != nil }

    /// Names of all records, relative to the top folder, in directory order.
    package var recordNames: [String] { zip.entries.map { String($0.name.dropFirst(topFolder.count + 1)) } }

    /// The record's bytes (inflated if needed, CRC-checked). Throws `.corrupt` naming the record if absent.
    package func contents(of name: String) throws -> [UInt8] {
        guard let entry = zip.entry(named: topFolder + "/" + name) else {
            throw LoadError(.corrupt, "record is missing", record: name)
        }
        return try Self.contents(zip, entry, record: name)
    }

    /// A zero-copy view of a stored record, for tensor data. The view lives as long as `zip.file`.
    package func mappedBytes(of name: String) throws -> UnsafeRawBufferPointer {
        guard let entry = zip.entry(named: topFolder + "/" + name) else {
            throw LoadError(.corrupt, "tensor data record is missing", record: name)
        }
        do {
            return try zip.storedBytes(of: entry)
        } catch let error as ZipError {
            throw LoadError(error.kind == .unsupported ? .unsupported : .corrupt, error.message, record: name)
        }
    }

    /// The user files saved with `_extra_files`, by name.
    package func extraFiles() throws -> [(name: String, contents: [UInt8])] {
        try recordNames.filter { $0.hasPrefix("extra/") && $0.count > 6 }.map { ($0.dropFirst(6).description, try contents(of: $0)) }
    }

    private static func contents(_ zip: ZipArchive, _ entry: ZipEntry, record: String) throws -> [UInt8] {
        do {
            return try zip.contents(of: entry)
        } catch let error as ZipError {
            let kind: LoadError.Kind = error.kind == .unsupported ? .unsupported : .corrupt
            throw LoadError(kind, error.message, record: record)
        }
    }

    private static func readVersion(zip: ZipArchive, topFolder: String) throws -> Int {
        for name in [".data/version", "version"] {
            guard let entry = zip.entry(named: topFolder + "/" + name) else { continue }
            let text = String(decoding: try contents(zip, entry, record: name), as: UTF8.self)
            let digits = text.trimmingCharacters(in: " \n\r\t")
            guard let version = Int(digits), version >= 1 else {
                throw LoadError(.corrupt, "version '\(digits.prefix(40))' is not a positive integer", record: name)
            }
            guard version <= newestFileFormatVersion else {
                throw LoadError(
                    .unsupported,
                    "file format version \(version) is newer than the newest TorchScript format (\(newestFileFormatVersion))",
                    record: name)
            }
            return version
        }
        throw LoadError(.corrupt, "the archive has no version record (.data/version or version)")
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        let drop: (Character) -> Bool = { set.contains($0) }
        return String(self.drop(while: drop).reversed().drop(while: drop).reversed())
    }
}
