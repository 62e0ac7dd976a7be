/// A TorchScript type as annotations spell it (`torch/csrc/jit/frontend/script_type_parser.cpp`):
/// `Tensor`, `int`, `Optional[List[Tensor]]`, `Dict[str, Tuple[int, float]]`, `__torch__.M`...
package indirect enum ScriptType: Sendable, Equatable, CustomStringConvertible {
    case tensor
    case int
    case float
    case bool
    case string
    case complex
    case device
    case none
    case any
    /// `number` / `Scalar`: int, float or complex.
    case number
    case optional(ScriptType)
    case list(ScriptType)
    case dict(ScriptType, ScriptType)
    case tuple([ScriptType])
    /// A class, NamedTuple, enum or interface by qualified name (`__torch__.foo.Bar`).
    case object(String)
    /// Types TorchScript knows that Flint only passes around (`ScalarType`, `Layout`, `Future[T]`...).
    case other(String)

    package var description: String {
        switch self {
        case .tensor: "Tensor"
        case .int: "int"
        case .float: "float"
        case .bool: "bool"
        case .string: "str"
        case .complex: "complex"
        case .device: "Device"
        case .none: "NoneType"
        case .any: "Any"
        case .number: "number"
        case .optional(let t): "Optional[\(t)]"
        case .list(let t): "List[\(t)]"
        case .dict(let k, let v): "Dict[\(k), \(v)]"
        case .tuple(let items): "Tuple[" + items.map(\.description).joined(separator: ", ") + "]"
        case .object(let name): name
        case .other(let name): name
        }
    }

    /// The type an annotation expression denotes. Throws ``ParseError`` for malformed annotations.
    package init(annotation: Expression) throws {
        switch annotation.kind {
        case .name(let name):
            self = try Self.named(name, at: annotation.location)
        case .none:
            self = .none
        case .attribute:
            guard let dotted = Self.dottedName(annotation) else { throw Self.fail(annotation, "unsupported type annotation") }
            self = dotted == "torch.Tensor" ? .tensor : .object(dotted)
        case .subscript(let base, let arguments):
            guard let name = Self.dottedName(base) else { throw Self.fail(annotation, "unsupported type annotation") }
            let types = try arguments.flatMap { argument -> [ScriptType] in
                if case .tuple(let items) = argument.kind { return try items.map(ScriptType.init(annotation:)) }
                return [try ScriptType(annotation: argument)]
            }
            switch (name, types.count) {
            case ("Optional", 1): self = .optional(types[0])
            case ("List", 1): self = .list(types[0])
            case ("Dict", 2): self = .dict(types[0], types[1])
            case ("Tuple", _): self = .tuple(types)
            case ("Final", 1): self = types[0]
            // `Union[T]` is T (TorchScript prints it for a union narrowed to one member, e.g. `Union[number]`).
            case ("Union", 1): self = types[0]
            case ("Union", _) where types.count == 2 && types.contains(.none): self = .optional(types.first { $0 != .none }!)
            // A true union (`Union[Tensor, List[Tensor]]`) is only known at run time.
            case ("Union", _) where types.count >= 2: self = .any
            case ("Future", 1), ("Await", 1), ("RRef", 1): self = .other("\(name)[\(types[0])]")
            default: throw Self.fail(annotation, "unsupported type \(name) with \(types.count) arguments")
            }
        case .tuple(let items) where items.isEmpty:
            self = .tuple([])
        default:
            throw Self.fail(annotation, "not a type annotation")
        }
    }

    /// Parses an annotation given as text, e.g. a pickled list's type tag `Dict[str, List[int]]`.
    package init(parsing text: String) throws {
        var parser = Parser(tokens: try Lexer.tokenize(text))
        self = try ScriptType(annotation: try parser.parseExpression())
    }

    private static func named(_ name: String, at location: SourceLocation) throws -> ScriptType {
        switch name {
        case "Tensor": .tensor
        case "int": .int
        case "float": .float
        case "bool": .bool
        case "str": .string
        case "complex": .complex
        case "Device": .device
        case "NoneType": .none
        case "Any": .any
        case "number", "Scalar": .number
        case "List", "Dict", "Optional", "Tuple": throw ParseError(location: location, message: "\(name) needs type arguments")
        default: .other(name)
        }
    }

    private static func dottedName(_ expression: Expression) -> String? {
        switch expression.kind {
        case .name(let name): return name
        case .attribute(let base, let name): return dottedName(base).map { "\($0).\(name)" }
        default: return nil
        }
    }

    private static func fail(_ expression: Expression, _ message: String) -> ParseError {
        ParseError(location: expression.location, message: message)
    }
}
