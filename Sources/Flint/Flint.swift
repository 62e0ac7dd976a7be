@_exported import FlintTensor
import FlintExport
import FlintLoader

// `URL` comes from FoundationEssentials where it exists (Linux): the full Foundation would link ICU's
// data (about 40 MB) into every program that uses Flint, for one type.
#if canImport(FoundationEssentials)
import struct FoundationEssentials.URL
#elseif canImport(Foundation)
import struct Foundation.URL
#endif

/// Loads the TorchScript archive that `torch.jit.save` wrote at `path` and compiles its code, as
/// libtorch's `torch::jit::load` does; or the `torch.export` program (`.pt2`) that `torch.export.save`
/// wrote, whose `forward` then takes and returns the same trees of values as the Python program.
///
/// Weights stay in the memory-mapped file (nothing is copied); the returned ``Module`` keeps the mapping
/// alive. Every method the root module exposes is compiled here, once: each operator call is bound to
/// its implementation, and objects with `__setstate__` get their state. Throws ``FlintError``: `.io`,
/// `.notTorchScript` or `.corrupt` for unreadable, foreign or damaged files; `.unsupported` listing every
/// operator (with its schema) that the model needs and Flint lacks.
public func load(_ path: String) throws -> Module {
    let module = try loadForInspection(path)
    let compiled: CompiledModel
    do {
        compiled = try module.compile()
    } catch var error as FlintError {
        error.file = path
        throw error
    }
    switch module.backing {
    case .script(let model, _): return Module(model: model, compiled: compiled)
    case .exported(let program): return Module(program: program, compiled: compiled)
    }
}

/// Loads an archive without compiling its code (what `flint inspect` needs: it must describe archives
/// whose operators Flint lacks).
package func loadForInspection(_ path: String) throws -> Module {
    do {
        if ExportArchive.isExportArchive(path: path) {
            return Module(program: try ExportedProgram(path: path, inspectionOnly: true))
        }
        return Module(model: try ScriptModel(path: path))
    } catch let error as LoadError {
        throw FlintError(error, file: path)
    } catch let error as ExportError {
        throw FlintError(error, file: path)
    }
}

#if canImport(FoundationEssentials) || canImport(Foundation)
/// Loads the TorchScript archive at a file URL. See ``load(_:)-(String)``.
public func load(_ url: URL) throws -> Module {
    try load(url.path)
}
#endif
