import FlintExport
import FlintValues
import FlintLoader

/// A loaded model: the root of a TorchScript archive or one of its submodules, or a `torch.export` program
/// (`.pt2`), whose submodules group its parameters by dotted path.
///
/// A `Module` is immutable once loaded; its tensors view the archive's memory-mapped weights.
public final class Module: @unchecked Sendable {
    /// Where a module comes from.
    enum Backing {
        /// An object of a TorchScript archive.
        case script(model: ScriptModel, object: ScriptObject)
        /// A torch.export program; a submodule is a dotted path into its parameters and buffers.
        case exported(ExportedProgram)
    }

    let backing: Backing
    /// The compiled archive, shared by the root and its submodules; nil when loaded only to be inspected.
    let compiled: CompiledModel?
    /// Attribute names from the root to this module (empty for the root).
    let path: [String]

    init(model: ScriptModel, object: ScriptObject? = nil, compiled: CompiledModel? = nil, path: [String] = []) {
        backing = .script(model: model, object: object ?? model.root)
        self.compiled = compiled
        self.path = path
    }

    init(program: ExportedProgram, compiled: CompiledModel? = nil, path: [String] = []) {
        backing = .exported(program)
        self.compiled = compiled
        self.path = path
    }

    /// The file the module was loaded from.
    var filePath: String {
        switch backing {
        case .script(let model, _): model.archive.path
        case .exported(let program): program.archive.path
        }
    }

    /// The archive's file format version (3–10 for current TorchScript writers); for a torch.export
    /// program, the major version of its serialized schema (8 for torch 2.x).
    public var fileFormatVersion: Int {
        switch backing {
        case .script(let model, _): model.fileFormatVersion
        case .exported(let program): Int(program.schemaVersion.prefix { $0 != "." }) ?? 0
        }
    }

    /// The qualified class name, e.g. `__torch__.torchvision.models.resnet.ResNet`; for a torch.export
    /// program, the Python class it was traced through (`torchvision.models.resnet.ResNet`) when recorded.
    public var typeName: String {
        switch backing {
        case .script(_, let object): object.type.qualifiedName
        case .exported(let program): program.moduleTypes[path.joined(separator: ".")] ?? (path.isEmpty ? "torch.export.ExportedProgram" : "torch.nn.Module")
        }
    }

    /// The method names callable on this module (`forward`, `@torch.jit.export`ed methods and the methods
    /// they call), as libtorch's `_method_names()` lists them; hooks are not methods. A torch.export program
    /// has `forward` alone, on its root.
    public var methods: [String] {
        switch backing {
        case .script(_, let object): object.type.methods
        case .exported: path.isEmpty ? ["forward"] : []
        }
    }

    /// Direct submodules with their attribute names, in declaration order.
    public func namedChildren() -> [(name: String, module: Module)] {
        switch backing {
        case .script(let model, let object):
            return object.namedChildren.map { ($0.name, Module(model: model, object: $0.module, compiled: compiled, path: path + [$0.name])) }
        case .exported(let program):
            // Submodule paths: the owners of the program's tensors, and the modules its nodes were traced through.
            let owners = (program.parameters + program.buffers + program.tensorConstants).map { $0.name.split(separator: ".").dropLast().joined(separator: ".") }
            let prefix = path.isEmpty ? "" : path.joined(separator: ".") + "."
            var names: [String] = []
            for owner in owners + program.moduleTypes.keys.sorted() where owner.hasPrefix(prefix) && owner.count > prefix.count {
                let child = String(owner.dropFirst(prefix.count).prefix { $0 != "." })
                if !names.contains(child) { names.append(child) }
            }
            return names.map { ($0, Module(program: program, compiled: compiled, path: path + [$0])) }
        }
    }

    /// This module's own parameters (not its submodules'), in declaration order.
    public func ownParameters() -> [(name: String, tensor: Tensor)] {
        switch backing {
        case .script(_, let object): object.ownTensors.filter { $0.role == .parameter }.map { ($0.name, $0.tensor) }
        case .exported(let program): own(program.parameters)
        }
    }

    /// This module's own buffers (not its submodules'), in declaration order.
    public func ownBuffers() -> [(name: String, tensor: Tensor)] {
        switch backing {
        case .script(_, let object): object.ownTensors.filter { $0.role == .buffer }.map { ($0.name, $0.tensor) }
        case .exported(let program): own(program.buffers)
        }
    }

    /// The entries of a program's dotted list that belong to this module itself.
    private func own(_ entries: [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)] {
        let prefix = path.isEmpty ? "" : path.joined(separator: ".") + "."
        return entries.compactMap { entry in
            guard entry.name.hasPrefix(prefix) else { return nil }
            let rest = entry.name.dropFirst(prefix.count)
            return rest.contains(".") ? nil : (String(rest), entry.tensor)
        }
    }

    /// Every parameter and buffer, recursively, in PyTorch's `state_dict()` order and dotted naming
    /// (`layer1.0.conv1.weight`, `bn1.num_batches_tracked`...).
    public func stateDict() throws -> [(name: String, tensor: Tensor)] {
        switch backing {
        case .script(let model, let object):
            do {
                return try object.stateDict().map { ($0.name, $0.tensor) }
            } catch let error as LoadError {
                throw FlintError(error, file: model.archive.path)
            }
        case .exported(let program):
            let prefix = path.isEmpty ? "" : path.joined(separator: ".") + "."
            return (program.parameters + program.buffers).compactMap { entry in
                entry.name.hasPrefix(prefix) ? (String(entry.name.dropFirst(prefix.count)), entry.tensor) : nil
            }
        }
    }

    /// The names of the files saved with the archive through `_extra_files` (TorchScript) or `extra_files`
    /// (torch.export).
    public var extraFileNames: [String] {
        recordNames.filter { $0.hasPrefix("extra/") && $0.count > 6 }.map { String($0.dropFirst(6)) }
    }

    /// The contents of an extra file saved with the archive, or nil if there is none by that name.
    public func extraFile(_ name: String) throws -> [UInt8]? {
        guard recordNames.contains("extra/" + name) else { return nil }
        do {
            switch backing {
            case .script(let model, _): return try model.archive.contents(of: "extra/" + name)
            case .exported(let program): return try program.archive.contents(of: "extra/" + name)
            }
        } catch let error as LoadError {
            throw FlintError(error, file: filePath)
        }
    }

    private var recordNames: [String] {
        switch backing {
        case .script(let model, _): model.archive.recordNames
        case .exported(let program): program.archive.recordNames
        }
    }
}

extension Module {
    /// Class names of the objects whose `__setstate__` has not run yet (their state is not shown).
    package var classesAwaitingSetState: [String] {
        guard case .script(let model, _) = backing else { return [] }
        return model.objectsAwaitingSetState.map(\.type.qualifiedName)
    }

    /// Identifies the underlying module object: two `Module` values for the same submodule share it.
    public var identity: ObjectIdentifier {
        switch backing {
        case .script(_, let object): ObjectIdentifier(object)
        case .exported(let program): program.moduleIdentity(path.joined(separator: "."))
        }
    }

    /// Whether the archive also carries lite-interpreter bytecode (`_save_for_lite_interpreter`, `.ptl`).
    package var hasLiteInterpreterBytecode: Bool {
        guard case .script(let model, _) = backing else { return false }
        return model.archive.hasRecord("bytecode.pkl")
    }

    /// What `flint inspect` shows of a torch.export program, or nil for TorchScript.
    package var exportedProgramInfo: ExportedProgramInfo? {
        guard case .exported(let program) = backing else { return nil }
        return ExportedProgramInfo(
            schemaVersion: program.schemaVersion, torchVersion: program.torchVersion, dialect: program.dialect,
            inputs: program.inputDescriptions, rangeConstraints: program.rangeConstraints.map(\.description))
    }
}

/// A torch.export program's description: its serialized schema version, the torch that wrote it, its IR
/// dialect, the user inputs it was exported for (`x: float32[s77, 3, 10, 10]`) and its dimension ranges
/// (`s77 in [1, 8]`).
package struct ExportedProgramInfo: Sendable {
    package let schemaVersion: String
    package let torchVersion: String?
    package let dialect: String
    package let inputs: [String]
    package let rangeConstraints: [String]
}
