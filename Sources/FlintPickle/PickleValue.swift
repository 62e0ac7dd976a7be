/// A value produced by the unpickler.
///
/// Lists, dicts and tuples are reference types so that the pickle memo's sharing and aliasing survive:
/// two places that `BINGET` the same memo slot hold the same object. Values the ``PickleResolver`` makes
/// (tensors, class instances, devices...) are carried as ``opaque(_:)``.
package enum PickleValue {
    case none
    case bool(Bool)
    case int(Int64)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(PickleTuple)
    case list(PickleList)
    case dict(PickleDict)
    /// A `GLOBAL module name` reference, before the resolver turns it into something.
    case global(module: String, name: String)
    /// An object made by the resolver.
    case opaque(AnyObject)

    /// How deeply containers nest inside this value (0 for scalars), as known when it was built.
    package var nestingDepth: Int {
        switch self {
        case .tuple(let t): t.depth
        case .list(let l): l.depth
        case .dict(let d): d.depth
        default: 0
        }
    }

    /// A short description of the value's kind for error messages.
    package var kindName: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int: "int"
        case .float: "float"
        case .string: "str"
        case .bytes: "bytes"
        case .tuple(let t): "tuple of \(t.elements.count)"
        case .list(let l): "list of \(l.elements.count)"
        case .dict(let d): "dict of \(d.keys.count)"
        case .global(let module, let name): "global \(module).\(name)"
        case .opaque(let object): "\(type(of: object))"
        }
    }
}

/// An immutable tuple.
package final class PickleTuple {
    package let elements: [PickleValue]
    package let depth: Int

    package init(_ elements: [PickleValue]) {
        self.elements = elements
        depth = 1 + (elements.lazy.map(\.nestingDepth).max() ?? 0)
    }
}

/// A mutable list. `typeTag` holds TorchScript's element type annotation when the archive wrote one
/// (`build_intlist`, `restore_type_tag`...).
package final class PickleList {
    package var elements: [PickleValue]
    package var typeTag: String?
    package private(set) var depth: Int

    package init(_ elements: [PickleValue] = []) {
        self.elements = elements
        depth = 1 + (elements.lazy.map(\.nestingDepth).max() ?? 0)
    }

    func append(contentsOf items: some Collection<PickleValue>) {
        elements.append(contentsOf: items)
        depth = max(depth, 1 + (items.lazy.map(\.nestingDepth).max() ?? 0))
    }
}

/// A mutable dict preserving insertion order. Keys are compared by value for scalars and by identity
/// otherwise; a repeated key replaces the value in place, as Python does.
package final class PickleDict {
    package private(set) var keys: [PickleValue] = []
    package private(set) var values: [PickleValue] = []
    package var typeTag: String?
    package private(set) var depth = 1
    private var positions: [PickleKey: Int] = [:]

    package init() {}

    package func set(_ key: PickleValue, _ value: PickleValue) {
        let hashable = PickleKey(key)
        if let index = positions[hashable] {
            values[index] = value
        } else {
            positions[hashable] = keys.count
            keys.append(key)
            values.append(value)
        }
        depth = max(depth, 1 + max(key.nestingDepth, value.nestingDepth))
    }

    /// The value for a string key, if present.
    package subscript(string key: String) -> PickleValue? {
        positions[PickleKey(.string(key))].map { values[$0] }
    }
}

/// Hashable identity of a dict key.
private enum PickleKey: Hashable {
    case none, bool(Bool), int(Int64), float(UInt64), string(String), bytes([UInt8])
    case object(ObjectIdentifier)
    case global(String, String)

    init(_ value: PickleValue) {
        switch value {
        case .none: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .float(let f): self = .float(f.bitPattern)
        case .string(let s): self = .string(s)
        case .bytes(let b): self = .bytes(b)
        case .tuple(let t): self = .object(ObjectIdentifier(t))
        case .list(let l): self = .object(ObjectIdentifier(l))
        case .dict(let d): self = .object(ObjectIdentifier(d))
        case .global(let m, let n): self = .global(m, n)
        case .opaque(let o): self = .object(ObjectIdentifier(o))
        }
    }
}

extension PickleValue {
    /// Breaks a container graph apart without recursion, so that dropping a hostile, deeply nested value
    /// cannot overflow the stack through nested deinitialisers. Opaque objects are left alone.
    package func dismantle() {
        var pending: [PickleValue] = [self]
        var seen = Set<ObjectIdentifier>()
        while let value = pending.popLast() {
            switch value {
            case .list(let l):
                guard seen.insert(ObjectIdentifier(l)).inserted else { continue }
                pending.append(contentsOf: l.elements)
                l.elements = []
            case .dict(let d):
                guard seen.insert(ObjectIdentifier(d)).inserted else { continue }
                pending.append(contentsOf: d.keys)
                pending.append(contentsOf: d.values)
                d.removeAll()
            case .tuple(let t):
                guard seen.insert(ObjectIdentifier(t)).inserted else { continue }
                pending.append(contentsOf: t.elements)
            default:
                continue
            }
        }
    }
}

extension PickleDict {
    fileprivate func removeAll() {
        keys = []
        values = []
        positions = [:]
    }
}
