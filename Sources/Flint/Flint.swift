@_exported import FlintTensor
import FlintLoader

#if canImport(Foundation)
import struct Foundation.URL
#endif

/// Loads the TorchScript archive that `torch.jit.save` wrote at `path`.
///
/// Weights stay in the memory-mapped file (nothing is copied); the returned ``Module`` keeps the mapping
/// alive. Throws ``FlintError`` when the file cannot be read, is not a TorchScript archive, or is damaged.
public func load(_ path: String) throws -> Module {
    do {
        return Module(model: try ScriptModel(path: path))
    } catch let error as LoadError {
        throw FlintError(error, file: path)
    }
}

#if canImport(Foundation)
/// Loads the TorchScript archive at a file URL. See ``load(_:)-(String)``.
public func load(_ url: URL) throws -> Module {
    try load(url.path)
}
#endif
