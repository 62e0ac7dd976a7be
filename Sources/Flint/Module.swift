import FlintValues
import FlintLoader

/// A loaded TorchScript module: the root of an archive or one of its submodules.
///
/// A `Module` is immutable once loaded; its tensors view the archive's memory-mapped weights.
public final class Module: @unchecked Sendable {
    let model: ScriptModel
    let object: ScriptObject
    /// The compiled archive, shared by the root and its submodules; nil when loaded only to be inspected.
    let compiled: CompiledModel?
    /// Attribute names from the root to this module (empty for the root).
    let path: [String]

    init(model: ScriptModel, object: ScriptObject? = nil, compiled: CompiledModel? = nil, path: [String] = []) {
        self.model = model
        self.object = object ?? model.root
        self.compiled = compiled
        self.path = path
    }

    /// The archive's file format version (3–10 for current writers).
    public var fileFormatVersion: Int { model.fileFormatVersion }

    /// The qualified TorchScript class name, e.g. `__torch__.torchvision.models.resnet.ResNet`.
    public var typeName: String { object.type.qualifiedName }

    /// The method names callable on this module (`forward`, `@torch.jit.export`ed methods and the methods
    /// they call), as libtorch's `_method_names()` lists them; hooks are not methods.
    public var methods: [String] { object.type.methods }

    /// Direct submodules with their attribute names, in declaration order.
    public func namedChildren() -> [(name: String, module: Module)] {
        object.namedChildren.map { ($0.name, Module(model: model, object: $0.module, compiled: compiled, path: path + [$0.name])) }
    }

    /// This module's own parameters (not its submodules'), in declaration order.
    public func ownParameters() -> [(name: String, tensor: Tensor)] {
        object.ownTensors.filter { $0.role == .parameter }.map { ($0.name, $0.tensor) }
    }

    /// This module's own buffers (not its submodules'), in declaration order.
    public func ownBuffers() -> [(name: String, tensor: Tensor)] {
        object.ownTensors.filter { $0.role == .buffer }.map { ($0.name, $0.tensor) }
    }

    /// Every parameter and buffer, recursively, in PyTorch's `state_dict()` order and dotted naming
    /// (`layer1.0.conv1.weight`, `bn1.num_batches_tracked`...).
    public func stateDict() throws -> [(name: String, tensor: Tensor)] {
        do {
            return try object.stateDict().map { ($0.name, $0.tensor) }
        } catch let error as LoadError {
            throw FlintError(error, file: model.archive.path)
        }
    }

    /// The names of the files saved with the archive through `_extra_files`.
    public var extraFileNames: [String] {
        model.archive.recordNames.filter { $0.hasPrefix("extra/") && $0.count > 6 }.map { String($0.dropFirst(6)) }
    }

    /// The contents of an extra file saved through `_extra_files`, or nil if there is none by that name.
    public func extraFile(_ name: String) throws -> [UInt8]? {
        guard model.archive.hasRecord("extra/" + name) else { return nil }
        do {
            return try model.archive.contents(of: "extra/" + name)
        } catch let error as LoadError {
            throw FlintError(error, file: model.archive.path)
        }
    }
}

extension Module {
    /// Class names of the objects whose `__setstate__` has not run yet (their state is not shown).
    package var classesAwaitingSetState: [String] {
        model.objectsAwaitingSetState.map(\.type.qualifiedName)
    }

    /// Identifies the underlying module object: two `Module` values for the same submodule share it.
    public var identity: ObjectIdentifier { ObjectIdentifier(object) }
}

extension Module {
    /// Whether the archive also carries lite-interpreter bytecode (`_save_for_lite_interpreter`, `.ptl`).
    package var hasLiteInterpreterBytecode: Bool { model.archive.hasRecord("bytecode.pkl") }
}
