import FlintValues
import FlintPickle
import FlintTensor

/// Teaches the unpickler TorchScript's pickle dialect (`pickler.cpp`/`unpickler.cpp`): tensors rebuilt
/// from storages in the archive, typed lists and dicts, devices, enums and `__torch__` class objects.
///
/// Only the globals TorchScript writes are accepted; anything else is an error naming the global, so a
/// hostile pickle can never make Flint run code. Every object, list and dict made is remembered so that a
/// failed load can take the graph apart without deep recursion.
final class ArchivePickleReader: PickleResolver {
    /// Deepest nesting of values accepted in a loaded graph.
    static let maximumNestingDepth = 1000

    private let archive: TorchScriptArchive
    private let registry: ClassRegistry
    /// Folder of the storage records this pickle's persistent ids name (`data/` or `constants/`).
    private let tensorDirectory: String
    private var storages: [String: StorageReference] = [:]
    private var converted: [ObjectIdentifier: ScriptValue] = [:]
    /// Every decoded container whose conversion is cached: held so that no other container can be
    /// allocated at its address while `converted` is keyed by object identity (typed lists are converted
    /// mid-unpickling, after which the pickle's own references to them may be dropped).
    private var keptAlive: [AnyObject] = []
    private var unfoldedTupleSizes: [ObjectIdentifier: Int] = [:]
    private var unfoldedTotal = 0
    /// Most tuple elements a pickle may unfold to when shared tuples are expanded in place (tuples are
    /// values, so every later walk over the graph pays for each use of a shared tuple).
    static let maximumUnfoldedTupleElements = 1 << 24
    private(set) var createdReferences: [AnyObject] = []

    init(archive: TorchScriptArchive, registry: ClassRegistry, tensorDirectory: String) {
        self.archive = archive
        self.registry = registry
        self.tensorDirectory = tensorDirectory
    }

    // MARK: PickleResolver

    func resolveGlobal(module: String, name: String) throws -> PickleValue {
        switch (module, name) {
        case ("torch._utils", "_rebuild_tensor_v2"), ("torch", "device"), ("collections", "OrderedDict"),
            ("builtins", "complex"), ("torch.jit._pickle", "build_intlist"), ("torch.jit._pickle", "build_doublelist"),
            ("torch.jit._pickle", "build_boollist"), ("torch.jit._pickle", "build_tensorlist"),
            ("torch.jit._pickle", "restore_type_tag"), ("torch._utils", "_rebuild_qtensor"):
            return .global(module: module, name: name)
        case ("torch", "per_tensor_affine"), ("torch", "per_channel_affine"):
            return .global(module: module, name: name)
        case ("torch", "per_channel_affine_float_qparams"), ("torch", "per_tensor_symmetric"), ("torch", "per_channel_symmetric"):
            throw LoadError(.unsupported, "quantized tensors with qscheme torch.\(name) are not supported")
        case ("torch._utils", "_rebuild_sparse_tensor"):
            throw LoadError(.unsupported, "sparse tensors (torch._utils._rebuild_sparse_tensor) are not supported")
        case ("torch", _) where name.hasSuffix("Storage"):
            guard DType(storageClassName: name) != nil else {
                throw LoadError(.unsupported, "storage type torch.\(name) is not supported")
            }
            return .global(module: module, name: name)
        case _ where module == "__torch__" || module.hasPrefix("__torch__."):
            _ = try registry.classType(module + "." + name)
            return .global(module: module, name: name)
        default:
            throw LoadError(
                .corrupt, "unknown global \(module).\(name): TorchScript archives never contain it, and Flint runs no pickled code")
        }
    }

    func reduce(_ callable: PickleValue, argument: PickleValue) throws -> PickleValue {
        guard case .global(let module, let name) = callable else {
            throw LoadError(.corrupt, "REDUCE applies a \(callable.kindName), not a known global")
        }
        switch (module, name) {
        case ("torch._utils", "_rebuild_tensor_v2"):
            return .opaque(ValueBox(.tensor(try rebuildTensor(argument))))
        case ("torch._utils", "_rebuild_qtensor"):
            return .opaque(ValueBox(.tensor(try rebuildQuantizedTensor(argument))))
        case ("torch", "device"):
            guard case .tuple(let t) = argument, t.elements.count == 1, case .string(let text) = t.elements[0],
                let device = Device(text)
            else { throw LoadError(.corrupt, "torch.device expects one device string, got \(argument.kindName)") }
            return .opaque(ValueBox(.device(device)))
        case ("collections", "OrderedDict"):
            return .none
        case ("builtins", "complex"):
            guard case .tuple(let t) = argument, t.elements.count == 2,
                let real = t.elements[0].asDouble, let imaginary = t.elements[1].asDouble
            else { throw LoadError(.corrupt, "complex expects (real, imag), got \(argument.kindName)") }
            return .opaque(ValueBox(.complex(real: real, imaginary: imaginary)))
        case ("torch.jit._pickle", "restore_type_tag"):
            guard case .tuple(let t) = argument, t.elements.count == 2, case .string(let tag) = t.elements[1] else {
                throw LoadError(.corrupt, "restore_type_tag expects (container, type string), got \(argument.kindName)")
            }
            switch t.elements[0] {
            case .list(let list): list.typeTag = tag
            case .dict(let dict): dict.typeTag = tag
            default: throw LoadError(.corrupt, "restore_type_tag applied to a \(t.elements[0].kindName)")
            }
            return t.elements[0]
        case ("torch.jit._pickle", _) where name.hasPrefix("build_") && name.hasSuffix("list"):
            guard case .tuple(let t) = argument, t.elements.count == 1, case .list(let list) = t.elements[0] else {
                throw LoadError(.corrupt, "\(name) expects a list, got \(argument.kindName)")
            }
            let element = ["build_intlist": "int", "build_doublelist": "float", "build_boollist": "bool", "build_tensorlist": "Tensor"][name]!
            list.typeTag = "List[\(element)]"
            return .list(list)
        default:
            let type = try registry.classType(module + "." + name)
            guard type.outline.kind == .enumeration else {
                throw LoadError(.corrupt, "REDUCE on class \(type.qualifiedName), which is not an enum")
            }
            return .opaque(ValueBox(.enumValue(try enumMember(type, rawValue: argument))))
        }
    }

    func newObject(_ cls: PickleValue, arguments: PickleValue) throws -> PickleValue {
        guard case .global(let module, let name) = cls, module.hasPrefix("__torch__") else {
            throw LoadError(.corrupt, "NEWOBJ of a \(cls.kindName), not a TorchScript class")
        }
        let object = ScriptObject(type: try registry.classType(module + "." + name))
        createdReferences.append(object)
        return .opaque(object)
    }

    func build(_ object: PickleValue, state: PickleValue) throws -> PickleValue {
        guard case .opaque(let reference) = object, let target = reference as? ScriptObject else {
            throw LoadError(.corrupt, "BUILD on a \(object.kindName), not an object")
        }
        if let native = TorchBindClass(of: target) {
            do {
                try native.restore(target, from: try convert(state))
            } catch let error as TensorError {
                throw LoadError(.unsupported, error.message)
            }
            return object
        }
        if target.type.hasSetState {
            target.pendingState = try convert(state)
            return object
        }
        guard case .dict(let dict) = state else {
            throw LoadError(.corrupt, "state of \(target.type.qualifiedName) is a \(state.kindName), not a dict of attributes")
        }
        for (key, value) in zip(dict.keys, dict.values) {
            guard case .string(let name) = key else {
                throw LoadError(.corrupt, "attribute name of \(target.type.qualifiedName) is a \(key.kindName)")
            }
            guard let slot = target.type.slotIndex(of: name) else {
                throw LoadError(.corrupt, "\(target.type.qualifiedName) declares no attribute '\(name)'")
            }
            target.slots[slot] = try convert(value)
        }
        return object
    }

    func persistentLoad(_ id: PickleValue) throws -> PickleValue {
        guard case .tuple(let t) = id, t.elements.count == 5, case .string("storage") = t.elements[0],
            case .global("torch", let storageName) = t.elements[1], case .string(let key) = t.elements[2],
            case .string = t.elements[3], case .int(let numel) = t.elements[4]
        else {
            throw LoadError(.corrupt, "persistent id is a \(id.kindName), not ('storage', dtype, key, location, numel)")
        }
        guard let dtype = DType(storageClassName: storageName) else {
            throw LoadError(.unsupported, "storage type torch.\(storageName) is not supported")
        }
        if let known = storages[key] {
            guard known.dtype == dtype else {
                throw LoadError(.corrupt, "storage '\(key)' is used as both \(known.dtype) and \(dtype)")
            }
            return .opaque(known)
        }
        let reference = StorageReference(storage: try loadStorage(key: key, dtype: dtype, numel: numel), dtype: dtype)
        storages[key] = reference
        return .opaque(reference)
    }

    // MARK: Tensors

    private func loadStorage(key: String, dtype: DType, numel: Int64) throws -> Storage {
        let record = key.contains("/") ? key : tensorDirectory + key
        guard numel >= 0, numel <= Int64(Int.max / 16) else {
            throw LoadError(.corrupt, "storage declares \(numel) elements", record: record)
        }
        let byteCount = Int(numel) * dtype.itemSize
        if byteCount == 0 { return Storage(byteCount: 0) }
        let bytes = try archive.mappedBytes(of: record)
        guard bytes.count >= byteCount else {
            throw LoadError(
                .corrupt,
                "tensor data record holds \(bytes.count) bytes but its storage needs \(byteCount) (\(numel) \(dtype) elements)",
                record: record)
        }
        let base = UnsafeMutableRawPointer(mutating: bytes.baseAddress!)
        if Int(bitPattern: base) % dtype.itemSize != 0 {
            let copy = Storage(byteCount: byteCount)
            copy.base.copyMemory(from: base, byteCount: byteCount)
            return copy
        }
        return Storage(borrowing: base, byteCount: byteCount, owner: archive.zip.file)
    }

    private func rebuildTensor(_ argument: PickleValue) throws -> Tensor {
        guard case .tuple(let t) = argument, (6...7).contains(t.elements.count),
            case .opaque(let reference) = t.elements[0], let storage = reference as? StorageReference,
            case .int(let offset) = t.elements[1], case .tuple(let sizes) = t.elements[2], case .tuple(let strides) = t.elements[3]
        else {
            throw LoadError(.corrupt, "_rebuild_tensor_v2 expects (storage, offset, sizes, strides, requires_grad, hooks), got \(argument.kindName)")
        }
        if t.elements.count == 7, case .dict(let bits) = t.elements[6], !bits.keys.isEmpty {
            throw LoadError(.unsupported, "tensors with conjugate or negative bits set are not supported")
        }
        let shape = try sizes.elements.map { try $0.asInt("tensor size") }
        let stride = try strides.elements.map { try $0.asInt("tensor stride") }
        do {
            return try Tensor(storage: storage.storage, dtype: storage.dtype, shape: shape, strides: stride, storageOffset: Int(offset))
        } catch let error as TensorError {
            throw LoadError(.corrupt, "tensor does not fit its storage: \(error.message)")
        }
    }

    /// `_rebuild_qtensor(storage, offset, sizes, strides, (qscheme, scale(s), zero point(s)[, axis]), requires_grad, hooks)`.
    private func rebuildQuantizedTensor(_ argument: PickleValue) throws -> Tensor {
        guard case .tuple(let t) = argument, t.elements.count >= 5, case .tuple(let parameters) = t.elements[4],
            case .global("torch", let scheme) = parameters.elements.first
        else {
            throw LoadError(.corrupt, "_rebuild_qtensor expects (storage, offset, sizes, strides, quantizer parameters, ...), got \(argument.kindName)")
        }
        let plain = try rebuildTensor(.tuple(PickleTuple(Array(t.elements[0..<4]) + [.bool(false), .none])))
        let values = try parameters.elements.dropFirst().map { try convert($0) }
        let quantizer: Quantizer
        switch (scheme, values.count) {
        case ("per_tensor_affine", 2):
            guard let scale = values[0].numericValue, case .int(let zeroPoint) = values[1] else {
                throw LoadError(.corrupt, "per-tensor quantizer parameters are not (scale, zero point)")
            }
            quantizer = Quantizer(scale: scale, zeroPoint: zeroPoint)
        case ("per_channel_affine", 3):
            guard let scales = values[0].tensor, let zeroPoints = values[1].tensor, case .int(let axis) = values[2] else {
                throw LoadError(.corrupt, "per-channel quantizer parameters are not (scales, zero points, axis)")
            }
            do {
                let scaleValues = try scales.to(.float64).contiguous()
                let zeroValues = try zeroPoints.to(.int64).contiguous()
                quantizer = Quantizer(
                    .perChannelAffine(
                        scales: Array(UnsafeBufferPointer(start: scaleValues.baseAddress.assumingMemoryBound(to: Double.self), count: scaleValues.elementCount)),
                        zeroPoints: Array(UnsafeBufferPointer(start: zeroValues.baseAddress.assumingMemoryBound(to: Int64.self), count: zeroValues.elementCount)),
                        axis: Int(axis)))
            } catch let error as TensorError {
                throw LoadError(.corrupt, "per-channel quantizer parameters: \(error.message)")
            }
        default:
            throw LoadError(.corrupt, "quantizer parameters for torch.\(scheme) have \(values.count) values")
        }
        do {
            return try plain.integerRepresentation.reinterpretedAsQuantized(plain.dtype, quantizer)
        } catch let error as TensorError {
            throw LoadError(.corrupt, "quantized tensor: \(error.message)")
        }
    }

    private func enumMember(_ type: ClassType, rawValue: PickleValue) throws -> ScriptEnumValue {
        let value = try convert(rawValue)
        for member in type.outline.constants {
            let matches: Bool
            switch value {
            case .int(let i): matches = Int64(member.valueText) == i
            case .double(let d): matches = Double(member.valueText) == d
            case .string(let s): matches = member.valueText.dropFirst().dropLast() == s && member.valueText.count >= 2
            default: matches = false
            }
            if matches { return ScriptEnumValue(type: type, name: member.name, value: value) }
        }
        throw LoadError(.corrupt, "enum \(type.qualifiedName) has no member with value \(rawValue.kindName)")
    }

    // MARK: Conversion to script values

    /// Converts a decoded pickle value into a ``ScriptValue``, preserving sharing (the same list, dict or
    /// tuple converts to the same value) and refusing nesting deeper than ``maximumNestingDepth``.
    func convert(_ value: PickleValue, depth: Int = 0) throws -> ScriptValue {
        guard depth <= Self.maximumNestingDepth else {
            throw LoadError(.corrupt, "values nest more than \(Self.maximumNestingDepth) deep")
        }
        switch value {
        case .none: return .none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let f): return .double(f)
        case .string(let s): return .string(s)
        case .bytes(let b): return .string(String(decoding: b, as: UTF8.self))
        case .global(let module, let name):
            throw LoadError(.corrupt, "global \(module).\(name) used as a value")
        case .opaque(let reference):
            if let box = reference as? ValueBox { return box.value }
            if let object = reference as? ScriptObject { return .object(object) }
            throw LoadError(.corrupt, "a storage used as a value outside a tensor")
        case .tuple(let tuple):
            if let known = converted[ObjectIdentifier(tuple)] {
                try countUnfolded(unfoldedTupleSizes[ObjectIdentifier(tuple)] ?? 1)
                return known
            }
            // Tuples are values: a tuple shared N times is walked N times by later tree walks, so the size
            // of the tree it unfolds to is bounded.
            let result = ScriptValue.tuple(try tuple.elements.map { try convert($0, depth: depth + 1) })
            var unfolded = 1
            for element in tuple.elements {
                if case .tuple(let inner) = element { unfolded += unfoldedTupleSizes[ObjectIdentifier(inner)] ?? 1 } else { unfolded += 1 }
            }
            try countUnfolded(1)
            converted[ObjectIdentifier(tuple)] = result
            keptAlive.append(tuple)
            unfoldedTupleSizes[ObjectIdentifier(tuple)] = unfolded
            return result
        case .list(let list):
            if let known = converted[ObjectIdentifier(list)] { return known }
            let result = ScriptList([], elementType: list.typeTag.flatMap(Self.listElementType))
            createdReferences.append(result)
            converted[ObjectIdentifier(list)] = .list(result)
            keptAlive.append(list)
            result.elements = try list.elements.map { try convert($0, depth: depth + 1) }
            return .list(result)
        case .dict(let dict):
            if let known = converted[ObjectIdentifier(dict)] { return known }
            let result = ScriptDict(keys: [], values: [], typeAnnotation: dict.typeTag)
            createdReferences.append(result)
            converted[ObjectIdentifier(dict)] = .dict(result)
            keptAlive.append(dict)
            result.keys = try dict.keys.map { try convert($0, depth: depth + 1) }
            result.values = try dict.values.map { try convert($0, depth: depth + 1) }
            return .dict(result)
        }
    }

    private func countUnfolded(_ count: Int) throws {
        unfoldedTotal += count
        guard unfoldedTotal <= Self.maximumUnfoldedTupleElements else {
            throw LoadError(.corrupt, "shared tuples unfold to more than \(Self.maximumUnfoldedTupleElements) values")
        }
    }

    /// `List[T]` → `T`.
    private static func listElementType(_ tag: String) -> String? {
        guard tag.hasPrefix("List["), tag.hasSuffix("]") else { return tag }
        return String(tag.dropFirst(5).dropLast())
    }
}

/// A script value carried through the unpickler as an opaque object.
final class ValueBox {
    let value: ScriptValue
    init(_ value: ScriptValue) { self.value = value }
}

/// A storage read from a persistent id, with its element type.
final class StorageReference {
    let storage: Storage
    let dtype: DType
    init(storage: Storage, dtype: DType) {
        self.storage = storage
        self.dtype = dtype
    }
}

extension PickleValue {
    fileprivate var asDouble: Double? {
        switch self {
        case .float(let f): f
        case .int(let i): Double(i)
        default: nil
        }
    }

    fileprivate func asInt(_ what: String) throws -> Int {
        guard case .int(let i) = self else { throw LoadError(.corrupt, "\(what) is a \(kindName), not an int") }
        return Int(i)
    }
}
