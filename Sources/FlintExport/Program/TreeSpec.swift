import FlintLoader
import FlintScript
import FlintValues

/// A pytree spec (`torch.utils._pytree.TreeSpec`) as a program serializes it: how the caller's arguments
/// flatten into the graph's user inputs, and how its user outputs fold back into the returned tree.
///
/// Serialized as `[1, {"type": "builtins.tuple", "context": "<JSON text>", "children_spec": [...]}]`; a
/// `type` of null is a leaf. Tuples, lists, dicts (keys from `context`), `OrderedDict`, named tuples
/// (returned as tuples), `None`, and registered classes whose context lists one field name per child (Hugging
/// Face's `ModelOutput`, returned as a dict of its fields) are understood; other pytree classes are refused
/// at load.
indirect enum TreeSpec {
    case leaf
    case none
    case tuple([TreeSpec])
    case list([TreeSpec])
    case dict(keys: [ScriptValue], children: [TreeSpec])

    init(serialized text: String, record: String) throws {
        let json: JSONText
        do {
            json = try JSONText.parse(text)
        } catch let error as JSONSyntaxError {
            throw LoadError(.corrupt, "tree spec: \(error.message)", record: record)
        }
        guard let items = json.array, items.count == 2, items[0].integer == 1 else {
            throw LoadError(.unsupported, "tree spec is not [1, {...}] (pytree serialization protocol 1)", record: record)
        }
        try self.init(node: items[1], record: record)
    }

    private init(node: JSONText, record: String) throws {
        let children = try (node["children_spec"]?.array ?? []).map { try TreeSpec(node: $0, record: record) }
        guard let type = node["type"]?.string else {
            self = .leaf
            return
        }
        switch type {
        case "builtins.tuple", "collections.namedtuple", "torch.return_types", "torch.fx.immutable_collections.immutable_tuple":
            self = .tuple(children)
        case _ where type.hasPrefix("torch.return_types."):
            self = .tuple(children)
        case "builtins.list", "torch.fx.immutable_collections.immutable_list":
            self = .list(children)
        case "builtins.dict", "collections.OrderedDict", "collections.defaultdict", "torch.fx.immutable_collections.immutable_dict":
            let context = node["context"]?.string ?? "[]"
            guard let parsed = try? JSONText.parse(context) else {
                throw LoadError(.corrupt, "dict tree spec context is not JSON: \(context)", record: record)
            }
            // defaultdict's context is {"default_factory_module": ..., "dict_context": [...]}.
            let keysJSON = parsed.array ?? parsed["dict_context"]?.array ?? []
            let keys: [ScriptValue] = try keysJSON.map { key in
                switch key {
                case .string(let s): return .string(s)
                case .integer(let i): return .int(i)
                case .number(let d): return .double(d)
                case .bool(let b): return .bool(b)
                default: throw LoadError(.unsupported, "dict keys of kind \(key) in a tree spec are not supported", record: record)
                }
            }
            guard keys.count == children.count else {
                throw LoadError(.corrupt, "dict tree spec has \(keys.count) keys for \(children.count) children", record: record)
            }
            self = .dict(keys: keys, children: children)
        case "builtins.NoneType":
            self = .none
        default:
            // A registered class whose context is its field names, one per child (Hugging Face's ModelOutput,
            // an OrderedDict subclass), is a dict of those fields.
            if let context = node["context"]?.string, let fields = (try? JSONText.parse(context))?.array?.compactMap(\.string),
                fields.count == children.count, !fields.isEmpty
            {
                self = .dict(keys: fields.map { .string($0) }, children: children)
                return
            }
            throw LoadError(.unsupported, "the program's inputs or outputs use the pytree type '\(type)', which Flint does not know", record: record)
        }
    }

    var children: [TreeSpec] {
        switch self {
        case .leaf, .none: []
        case .tuple(let items), .list(let items): items
        case .dict(_, let items): items
        }
    }

    var leafCount: Int {
        switch self {
        case .leaf: 1
        case .none: 0
        default: children.reduce(0) { $0 + $1.leafCount }
        }
    }

    /// Appends `value`'s leaves, checking that its structure is this spec's. `name` names the argument in
    /// errors (`pair[1]`, `config['scale']`).
    func flatten(_ value: ScriptValue, name: String, into leaves: inout [ScriptValue]) throws {
        switch self {
        case .leaf:
            leaves.append(value)
        case .none:
            guard case .none = value else { throw mismatch(name, "None", value) }
        case .tuple(let items), .list(let items):
            let elements: [ScriptValue]
            switch value {
            case .tuple(let e): elements = e
            case .list(let list): elements = list.elements
            default: throw mismatch(name, "a sequence of \(items.count)", value)
            }
            guard elements.count == items.count else {
                throw ExportError(.invalidInput, "\(name) must have \(items.count) element(s), as when the program was exported, but has \(elements.count)")
            }
            for (index, (item, element)) in zip(items, elements).enumerated() {
                try item.flatten(element, name: "\(name)[\(index)]", into: &leaves)
            }
        case .dict(let keys, let items):
            guard case .dict(let dict) = value else { throw mismatch(name, "a dict", value) }
            for (key, item) in zip(keys, items) {
                guard let index = dict.keys.firstIndex(where: { $0.pythonString(quoted: true) == key.pythonString(quoted: true) }) else {
                    throw ExportError(.invalidInput, "\(name) has no key \(key.pythonString(quoted: true)) (the program was exported with keys "
                        + keys.map { $0.pythonString(quoted: true) }.joined(separator: ", ") + ")")
                }
                try item.flatten(dict.values[index], name: "\(name)[\(key.pythonString(quoted: true))]", into: &leaves)
            }
            if dict.keys.count != keys.count {
                throw ExportError(.invalidInput, "\(name) has \(dict.keys.count) keys; the program was exported with \(keys.count)")
            }
        }
    }

    private func mismatch(_ name: String, _ expected: String, _ value: ScriptValue) -> ExportError {
        ExportError(.invalidInput, "\(name) must be \(expected), as when the program was exported, but is a \(value.kindName)")
    }

    /// The tree with this spec's structure over `leaves` (consumed in order).
    func unflatten(_ leaves: inout ArraySlice<ScriptValue>) -> ScriptValue {
        switch self {
        case .leaf: return leaves.popFirst() ?? .none
        case .none: return .none
        case .tuple(let items): return .tuple(items.map { $0.unflatten(&leaves) })
        case .list(let items):
            let elements = items.map { $0.unflatten(&leaves) }
            return .list(elements, elementType: Self.commonType(elements.map(\.kindTypeName)))
        case .dict(let keys, let items):
            let values = items.map { $0.unflatten(&leaves) }
            let keyType = Self.commonType(keys.map(\.kindTypeName)) ?? "str"
            let valueType = Self.commonType(values.map(\.kindTypeName)) ?? "Any"
            return .dict(ScriptDict(keys: keys, values: values, typeAnnotation: "Dict[\(keyType), \(valueType)]"))
        }
    }

    /// The TorchScript type of a value of this structure whose leaves have `leafTypes` (consumed in order).
    func scriptType(_ leafTypes: inout ArraySlice<ScriptType>) -> ScriptType {
        switch self {
        case .leaf: return leafTypes.popFirst() ?? .any
        case .none: return .none
        case .tuple(let items): return .tuple(items.map { $0.scriptType(&leafTypes) })
        case .list(let items):
            let types = items.map { $0.scriptType(&leafTypes) }
            return .list(types.first.flatMap { first in types.allSatisfy { $0 == first } ? first : nil } ?? .any)
        case .dict(let keys, let items):
            let types = items.map { $0.scriptType(&leafTypes) }
            let keyType: ScriptType = keys.allSatisfy { if case .int = $0 { true } else { false } } ? .int : .string
            return .dict(keyType, types.first.flatMap { first in types.allSatisfy { $0 == first } ? first : nil } ?? .any)
        }
    }

    private static func commonType(_ names: [String]) -> String? {
        guard let first = names.first, names.allSatisfy({ $0 == first }) else { return nil }
        return first
    }
}

extension ScriptValue {
    /// The TorchScript type name of a leaf value, for list and dict annotations.
    fileprivate var kindTypeName: String {
        switch self {
        case .tensor: "Tensor"
        case .int: "int"
        case .double: "float"
        case .bool: "bool"
        case .string: "str"
        default: "Any"
        }
    }
}
