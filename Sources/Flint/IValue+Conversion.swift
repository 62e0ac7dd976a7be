import FlintValues

/// An instance of a TorchScript class (or an enum member) returned by a method. It refers to the live
/// object: passing it back into a method passes the same object.
public final class ScriptObjectReference: @unchecked Sendable {
    let value: ScriptValue

    init(_ value: ScriptValue) { self.value = value }

    /// The qualified class name, e.g. `__torch__.my_model.Box`.
    public var typeName: String { value.kindName }

    /// Attribute names in declaration order (for an enum member: `name`, `value`).
    public var attributeNames: [String] {
        switch value {
        case .object(let o): o.type.attributes.map(\.name)
        case .enumValue: ["name", "value"]
        default: []
        }
    }

    /// An attribute's current value, or nil when the class has no such attribute.
    public func attribute(_ name: String) -> IValue? {
        switch value {
        case .object(let o): return o.attribute(name).map(IValue.init)
        case .enumValue(let member):
            if name == "name" { return .string(member.name) }
            if name == "value" { return IValue(member.value) }
            return nil
        default: return nil
        }
    }
}

extension IValue {
    /// The runtime value (lists and dicts become new shared containers).
    package var scriptValue: ScriptValue {
        switch self {
        case .none: return .none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(Int64(i))
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .tensor(let t): return .tensor(t)
        case .list(let items): return .list(items.map(\.scriptValue), elementType: IValue.commonElementType(items))
        case .tuple(let items): return .tuple(items.map(\.scriptValue))
        case .dict(let entries):
            let dict = ScriptDict(keys: [], values: [], typeAnnotation: nil)
            for (key, value) in entries { dict.set(key.scriptValue, value.scriptValue) }
            return .dict(dict)
        case .device(let text): return Device(text).map { .device($0) } ?? .string(text)
        case .object(let reference): return reference.value
        }
    }

    /// The element type annotation of a homogeneous list (what TorchScript would infer).
    private static func commonElementType(_ items: [IValue]) -> String? {
        guard let first = items.first else { return nil }
        let kind = first.kindName
        guard items.allSatisfy({ $0.kindName == kind }) else { return nil }
        return kind == "list" || kind == "tuple" || kind == "dict" ? nil : kind
    }

    /// The API value of a runtime value (containers are copied).
    package init(_ value: ScriptValue) {
        switch value {
        case .none: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(Int(truncatingIfNeeded: i))
        case .double(let d): self = .double(d)
        case .complex(let re, let im): self = .tuple([.double(re), .double(im)])
        case .string(let s): self = .string(s)
        case .tensor(let t): self = .tensor(t)
        case .device(let d): self = .device(d.description)
        case .list(let list): self = .list(list.elements.map(IValue.init))
        case .tuple(let items): self = .tuple(items.map(IValue.init))
        case .dict(let dict): self = .dict(zip(dict.keys, dict.values).map { (IValue($0), IValue($1)) })
        case .object, .enumValue: self = .object(ScriptObjectReference(value))
        }
    }
}
