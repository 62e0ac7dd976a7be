import FlintLoader
import FlintTensor
import FlintValues

/// The program's weights and tensor constants: `data/weights/<model>_weights_config.json` and
/// `data/constants/<model>_constants_config.json` map each name to a stored record and the view's metadata.
struct ProgramState {
    private var entries: [String: (record: String, meta: JSONText?, pickled: Bool)] = [:]
    private let archive: ExportArchive

    init(archive: ExportArchive, model: String) throws {
        self.archive = archive
        for (directory, config) in [("data/weights/", "\(model)_weights_config.json"), ("data/constants/", "\(model)_constants_config.json")] {
            let record = directory + config
            guard archive.hasRecord(record) else {
                if directory == "data/weights/", archive.hasRecord("data/weights/\(model).pt") {
                    throw LoadError(.unsupported, "this .pt2 keeps its weights as a pickled state dict (written by torch before 2.6); "
                        + "load and re-save it with torch.export.save from a newer torch", record: "data/weights/\(model).pt")
                }
                continue
            }
            for (name, entry) in try archive.json(record)["config"]?.members ?? [] {
                guard let path = entry["path_name"]?.string else { throw LoadError(.corrupt, "entry '\(name)' has no path_name", record: record) }
                let meta = entry["tensor_meta"].flatMap { $0.isNull ? nil : $0 }
                entries[name] = (directory + path, meta, entry["use_pickle"]?.bool ?? false)
            }
        }
    }

    /// The tensor stored under `name` (a parameter's or buffer's dotted name, or a constant's).
    func tensor(_ name: String, kind: String) throws -> Tensor {
        guard let entry = entries[name] else {
            throw LoadError(.corrupt, "the program's \(kind) '\(name)' is in neither the weights nor the constants config")
        }
        guard !entry.pickled else {
            throw LoadError(.unsupported, "\(kind) '\(name)' is a pickled tensor subclass, which Flint does not read", record: entry.record)
        }
        guard let meta = entry.meta else { throw LoadError(.corrupt, "\(kind) '\(name)' has no tensor_meta", record: entry.record) }
        return try archive.tensor(record: entry.record, meta: try TensorMeta(json: meta, record: entry.record))
    }
}
