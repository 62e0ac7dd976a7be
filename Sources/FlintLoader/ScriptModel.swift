import FlintValues
import FlintPickle

/// A loaded TorchScript archive: the root module object, the constant table and the archive's records.
///
/// Loading follows libtorch's order (`import.cpp ScriptModuleDeserializer::deserialize`): version,
/// `constants.pkl`, then `data.pkl`, resolving each class through `code/`. Tensor data stays in the
/// memory-mapped file; nothing is copied.
package final class ScriptModel: @unchecked Sendable {
    package let archive: TorchScriptArchive
    /// The root module.
    package let root: ScriptObject
    /// `CONSTANTS.cN` values, by index.
    package let constants: [ScriptValue]
    /// The classes of the archive's `code/`, resolved by qualified name.
    package let classes: ClassRegistry

    /// Loads the archive at `path`. Throws ``LoadError``.
    package convenience init(path: String) throws {
        try self.init(archive: TorchScriptArchive(path: path))
    }

    /// Loads an opened archive. Throws ``LoadError``.
    package init(archive: TorchScriptArchive) throws {
        self.archive = archive
        let registry = ClassRegistry(archive: archive)
        classes = registry
        let constantsValue = try Self.unpickle("constants.pkl", tensorDirectory: "constants/", archive: archive, registry: registry)
        guard case .tuple(let constants) = constantsValue else {
            throw LoadError(.corrupt, "holds a value that is not a tuple", record: "constants.pkl")
        }
        self.constants = constants
        let rootValue = try Self.unpickle("data.pkl", tensorDirectory: "data/", archive: archive, registry: registry)
        guard case .object(let root) = rootValue, root.type.isModule else {
            throw LoadError(.corrupt, "holds no module object at its root", record: "data.pkl")
        }
        self.root = root
    }

    /// Objects whose class defines `__setstate__`: their pickled state waits for the interpreter to apply it.
    /// Objects inside another's pending state come first, as the unpickler built them first.
    package var objectsAwaitingSetState: [ScriptObject] {
        var found: [ScriptObject] = []
        var seen = Set<ObjectIdentifier>()
        var pending: [ScriptValue] = [.object(root)]
        while let value = pending.popLast() {
            switch value {
            case .object(let object):
                guard seen.insert(ObjectIdentifier(object)).inserted else { continue }
                if let state = object.pendingState {
                    found.append(object)
                    pending.append(state)
                }
                pending += object.slots
            case .list(let list): pending += list.elements
            case .dict(let dict): pending += dict.values
            case .tuple(let elements): pending += elements
            default: continue
            }
        }
        return found.reversed()
    }

    /// The file format version.
    package var fileFormatVersion: Int { archive.fileFormatVersion }

    private static func unpickle(
        _ record: String, tensorDirectory: String, archive: TorchScriptArchive, registry: ClassRegistry
    ) throws -> ScriptValue {
        let bytes = try archive.contents(of: record)
        let reader = ArchivePickleReader(archive: archive, registry: registry, tensorDirectory: tensorDirectory)
        do {
            let decoded = try bytes.withUnsafeBytes { buffer in
                var unpickler = Unpickler(bytes: buffer, resolver: reader)
                return try unpickler.load()
            }
            defer { decoded.dismantle() }
            let value = try reader.convert(decoded)
            try ValueGraph.checkHeight(of: value, limit: ArchivePickleReader.maximumNestingDepth)
            return value
        } catch let error as PickleError {
            ValueGraph.tearDown(reader.createdReferences)
            if let underlying = error.underlying as? LoadError {
                throw LoadError(underlying.kind, "\(underlying.message) (pickle byte \(error.offset))", record: underlying.record ?? record)
            }
            throw LoadError(.corrupt, error.description, record: record)
        } catch let error as LoadError {
            ValueGraph.tearDown(reader.createdReferences)
            throw error.record == nil ? LoadError(error.kind, error.message, record: record) : error
        }
    }
}

extension ScriptModel {
    /// The printed source of a `code/` record.
    package func sourceText(ofRecord record: String) throws -> String {
        String(decoding: try archive.contents(of: record), as: UTF8.self)
    }

    /// The debug records of a `code/` record, or nil when the archive has none for it.
    package func sourceRanges(ofRecord record: String) throws -> SourceRangeTable? {
        let name = record + ".debug_pkl"
        guard archive.hasRecord(name) else { return nil }
        do {
            return try SourceRangeTable(pickle: try archive.contents(of: name))
        } catch let error as LoadError {
            throw LoadError(error.kind, error.message, record: error.record ?? name)
        }
    }
}
