import FlintTensor

/// A TorchScript value: what attributes hold and what methods take and return.
///
/// Lists, dicts and objects are shared mutable references, as in TorchScript: aliasing is preserved.
package enum ScriptValue: @unchecked Sendable {
    case none
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case complex(real: Double, imaginary: Double)
    case string(String)
    case tensor(Tensor)
    case device(Device)
    case list(ScriptList)
    case dict(ScriptDict)
    case tuple([ScriptValue])
    case object(ScriptObject)
    case enumValue(ScriptEnumValue)

    /// The tensor, if this is one.
    package var tensor: Tensor? {
        if case .tensor(let t) = self { return t }
        return nil
    }

    /// The object, if this is one.
    package var object: ScriptObject? {
        if case .object(let o) = self { return o }
        return nil
    }
}

/// A device such as `cpu` or `cuda:0`.
package struct Device: Sendable, Equatable, CustomStringConvertible {
    package let type: String
    package let index: Int?

    /// Parses `cpu`, `cuda`, `cuda:1`...; nil for malformed text.
    package init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard let first = parts.first, !first.isEmpty, first.allSatisfy({ $0.isLetter || $0 == "_" }), parts.count <= 2 else {
            return nil
        }
        type = String(first)
        if parts.count == 2 {
            guard let value = Int(parts[1]), value >= 0 else { return nil }
            index = value
        } else {
            index = nil
        }
    }

    package var description: String { index.map { "\(type):\($0)" } ?? type }
}

/// A mutable list with its element type, as TorchScript's `List[T]`.
package final class ScriptList: @unchecked Sendable {
    package var elements: [ScriptValue] {
        didSet { integers = nil }
    }
    /// The element type annotation (`int`, `Tensor`, `List[str]`...), when the archive recorded it.
    package var elementType: String?
    /// The elements as integers, for a list made by ``init(integers:)`` and not changed since: an operator
    /// reading its `int[]` argument (`Arguments.ints`) takes them as they are instead of decoding a new array
    /// on every call. Nil for every other list (and once the elements change).
    package private(set) var integers: [Int]?

    package init(_ elements: [ScriptValue], elementType: String?) {
        self.elements = elements
        self.elementType = elementType
    }

    /// A `List[int]` whose decoded form is kept (see ``integers``): for a plan's literal arguments, made once
    /// and read on every run.
    package init(integers: [Int], elementType: String? = "int") {
        elements = integers.map { .int(Int64($0)) }
        self.elementType = elementType
        self.integers = integers
    }
}

/// A mutable dict with insertion order, as TorchScript's `Dict[K, V]`.
package final class ScriptDict: @unchecked Sendable {
    package var keys: [ScriptValue]
    package var values: [ScriptValue]
    /// The `Dict[K, V]` annotation, when the archive recorded it.
    package var typeAnnotation: String?

    package init(keys: [ScriptValue], values: [ScriptValue], typeAnnotation: String?) {
        self.keys = keys
        self.values = values
        self.typeAnnotation = typeAnnotation
    }
}

/// A member of a TorchScript enum class.
package final class ScriptEnumValue: @unchecked Sendable {
    package let type: ClassType
    package let name: String
    package let value: ScriptValue

    package init(type: ClassType, name: String, value: ScriptValue) {
        self.type = type
        self.name = name
        self.value = value
    }
}
