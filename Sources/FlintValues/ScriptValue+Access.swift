import FlintTensor

extension ScriptValue {
    /// TorchScript's name for the kind of value this is, for error messages (`Tensor`, `int`, `List[int]`...).
    package var kindName: String {
        switch self {
        case .none: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .complex: "complex"
        case .string: "str"
        case .tensor: "Tensor"
        case .device: "Device"
        case .list(let list): list.elementType.map { "List[\($0)]" } ?? "list"
        case .dict(let dict): dict.typeAnnotation ?? "dict"
        case .tuple: "tuple"
        case .object(let object): object.type.qualifiedName
        case .enumValue(let member): member.type.qualifiedName
        }
    }

    package var isNone: Bool {
        if case .none = self { return true }
        return false
    }

    /// A list's or tuple's elements.
    package var sequence: [ScriptValue]? {
        switch self {
        case .list(let list): list.elements
        case .tuple(let elements): elements
        default: nil
        }
    }

    /// Builds a list value.
    package static func list(_ elements: [ScriptValue], elementType: String?) -> ScriptValue {
        .list(ScriptList(elements, elementType: elementType))
    }

    /// Identity as `is` compares it: the same reference for lists, dicts, objects and tensors' storages.
    package func isIdentical(to other: ScriptValue) -> Bool {
        switch (self, other) {
        case (.none, .none): true
        case (.list(let a), .list(let b)): a === b
        case (.dict(let a), .dict(let b)): a === b
        case (.object(let a), .object(let b)): a === b
        case (.tensor(let a), .tensor(let b)): a.isSameView(as: b)
        case (.enumValue(let a), .enumValue(let b)): a === b || (a.type === b.type && a.name == b.name)
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.device(let a), .device(let b)): a == b
        default: false
        }
    }
}

extension ScriptDict {
    /// The position of `key`, comparing keys as TorchScript dicts hash them (ints, floats, bools, strings by
    /// value; tensors by identity).
    package func index(of key: ScriptValue) -> Int? {
        keys.firstIndex { ScriptDict.keysEqual($0, key) }
    }

    package static func keysEqual(_ a: ScriptValue, _ b: ScriptValue) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): x == y
        case (.int(let x), .int(let y)): x == y
        case (.double(let x), .double(let y)): x == y
        case (.bool(let x), .bool(let y)): x == y
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): Double(x) == y
        case (.tensor(let x), .tensor(let y)): x.isSameView(as: y)
        default: false
        }
    }

    /// Inserts or replaces the value for `key`, keeping insertion order.
    package func set(_ key: ScriptValue, _ value: ScriptValue) {
        if let i = index(of: key) {
            values[i] = value
        } else {
            keys.append(key)
            values.append(value)
        }
    }

    /// Removes `key`; returns its value, or nil when absent.
    package func remove(_ key: ScriptValue) -> ScriptValue? {
        guard let i = index(of: key) else { return nil }
        keys.remove(at: i)
        return values.remove(at: i)
    }
}

extension Tensor {
    /// Whether both tensors are the same view of the same storage (TorchScript's `is` on tensors).
    package func isSameView(as other: Tensor) -> Bool {
        storage === other.storage && storageOffset == other.storageOffset && shape == other.shape
            && strides == other.strides && dtype == other.dtype
    }
}
