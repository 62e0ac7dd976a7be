/// A TorchScript value as methods take and return it: the Swift counterpart of libtorch's
/// `torch::jit::IValue`.
///
/// Lists, tuples and dicts are Swift values here (a copy is made at the API boundary); tensors are shared
/// views, as in libtorch. Build inputs with the cases or with literals (`[1, 2]`, `2.5`, `"text"`, `nil`)
/// and read results with the throwing accessors (`toTensor()`, `toInt()`...).
public enum IValue: Sendable {
    /// `None`.
    case none
    /// A `bool`.
    case bool(Bool)
    /// An `int` (64-bit in TorchScript).
    case int(Int)
    /// A `float` (64-bit in TorchScript).
    case double(Double)
    /// A `str`.
    case string(String)
    /// A `Tensor`.
    case tensor(Tensor)
    /// A `List[T]`.
    case list([IValue])
    /// A `Tuple[...]` or a NamedTuple (fields in declaration order).
    case tuple([IValue])
    /// A dict, in insertion order.
    case dict([(key: IValue, value: IValue)])
    /// A device such as `cpu` or `cuda:0`.
    case device(String)
    /// An instance of a TorchScript class or an enum member.
    case object(ScriptObjectReference)

    /// The tensor. Throws ``FlintError`` (kind `.invalidValue`) for any other value.
    public func toTensor() throws -> Tensor {
        guard case .tensor(let t) = self else { throw mismatch("Tensor") }
        return t
    }

    /// The int (a bool is not an int here, as in libtorch).
    public func toInt() throws -> Int {
        guard case .int(let i) = self else { throw mismatch("int") }
        return i
    }

    /// The float (an int is not a float here, as in libtorch).
    public func toDouble() throws -> Double {
        guard case .double(let d) = self else { throw mismatch("float") }
        return d
    }

    /// The bool.
    public func toBool() throws -> Bool {
        guard case .bool(let b) = self else { throw mismatch("bool") }
        return b
    }

    /// The string (`toStringRef()` in libtorch).
    public func toString() throws -> String {
        guard case .string(let s) = self else { throw mismatch("str") }
        return s
    }

    /// The elements of a list.
    public func toList() throws -> [IValue] {
        guard case .list(let items) = self else { throw mismatch("list") }
        return items
    }

    /// The elements of a tuple (a NamedTuple's fields in declaration order).
    public func toTuple() throws -> [IValue] {
        guard case .tuple(let items) = self else { throw mismatch("tuple") }
        return items
    }

    /// A dict's entries in insertion order.
    public func toDict() throws -> [(key: IValue, value: IValue)] {
        guard case .dict(let entries) = self else { throw mismatch("dict") }
        return entries
    }

    /// The tensors of a list or tuple of tensors (`toTensorList()` in libtorch).
    public func toTensorList() throws -> [Tensor] {
        switch self {
        case .list(let items), .tuple(let items): return try items.map { try $0.toTensor() }
        default: throw mismatch("List[Tensor]")
        }
    }

    /// The class object or enum member.
    public func toObject() throws -> ScriptObjectReference {
        guard case .object(let o) = self else { throw mismatch("object") }
        return o
    }

    /// Whether the value is `None`.
    public var isNone: Bool { if case .none = self { true } else { false } }
    /// Whether the value is a tensor.
    public var isTensor: Bool { if case .tensor = self { true } else { false } }

    /// TorchScript's name for the kind of value (`Tensor`, `int`, `List`...).
    public var kindName: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "str"
        case .tensor: "Tensor"
        case .list: "list"
        case .tuple: "tuple"
        case .dict: "dict"
        case .device: "Device"
        case .object(let o): o.typeName
        }
    }

    private func mismatch(_ expected: String) -> FlintError {
        FlintError(kind: .invalidValue, file: nil, record: nil, message: "expected \(expected) but the value is \(kindName)")
    }
}

extension IValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByNilLiteral
{
    /// `.int(value)`.
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: IValue...) { self = .list(elements) }
    public init(nilLiteral: ()) { self = .none }
}

extension IValue: CustomStringConvertible {
    /// Tensors as libtorch prints them; other values as TorchScript's `str()` shows them.
    public var description: String { scriptValue.pythonString(quoted: false) }
}
