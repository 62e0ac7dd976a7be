import FlintLoader
import FlintScript
import FlintValues

/// How a method is called: its parameters after `self` with their TorchScript types and defaults, and
/// its return type. Read from the printed code alone, so archives whose operators Flint lacks still
/// show how they are called (what `flint inspect` leads with).
package struct MethodSignature: Sendable, Equatable {
    package struct Argument: Sendable, Equatable {
        package let name: String
        /// The TorchScript type as Python writes it: `Tensor`, `List[int]`, `Optional[Tensor]`.
        package let type: String
        /// The default as Python source (`2`, `None`, `"bilinear"`), or nil when the argument is required.
        package let defaultValue: String?
    }

    package let name: String
    package let arguments: [Argument]
    package let returnType: String
    /// Tuple return types by their element types, for libtorch's schema spelling.
    private let returnTupleElements: [String]?
    /// The type of `self` (a qualified class name), or nil for free functions.
    private let selfType: String?

    /// `forward(self, x: Tensor, n: int = 2) -> Tuple[Tensor, Tensor]`, as the Python source declares it.
    package var pythonText: String {
        let parts = (selfType == nil ? [] : ["self"]) + arguments.map { argument in
            "\(argument.name): \(argument.type)" + (argument.defaultValue.map { " = \($0)" } ?? "")
        }
        return "\(name)(\(parts.joined(separator: ", "))) -> \(returnType)"
    }

    /// libtorch's schema spelling, as its errors print a declaration:
    /// `forward(__torch__.M self, Tensor x, int n=2) -> ((Tensor, Tensor))`.
    package var schemaText: String {
        let parts = (selfType.map { ["\($0) self"] } ?? []) + arguments.map { argument in
            "\(argument.type) \(argument.name)" + (argument.defaultValue.map { "=\($0)" } ?? "")
        }
        let returns = returnTupleElements.map { "((" + $0.joined(separator: ", ") + "))" } ?? returnType
        return "\(name)(\(parts.joined(separator: ", "))) -> \(returns)"
    }

    init(_ function: CompiledFunction) {
        name = function.name
        let hasSelf = function.selfType != nil && function.parameters.first?.name == "self"
        selfType = hasSelf ? function.selfType?.description : nil
        arguments = function.parameters.dropFirst(hasSelf ? 1 : 0).map { parameter in
            Argument(name: parameter.name, type: parameter.type.description, defaultValue: parameter.defaultValue?.pythonString(quoted: true))
        }
        returnType = function.returnType.description
        if case .tuple(let items) = function.returnType { returnTupleElements = items.map(\.description) } else { returnTupleElements = nil }
    }

    private init(name: String, selfType: String?, arguments: [Argument], returnType: ScriptType) {
        self.name = name
        self.selfType = selfType
        self.arguments = arguments
        self.returnType = returnType.description
        if case .tuple(let items) = returnType { returnTupleElements = items.map(\.description) } else { returnTupleElements = nil }
    }

    /// The signatures of `type`'s methods in the order `methods` lists them, parsed from its `code/` record
    /// without compiling any body. Throws ``CompileError`` when the record cannot be parsed.
    package static func signatures(of type: ClassType, in model: ScriptModel) throws -> [MethodSignature] {
        let record = type.sourceRecord
        let statements: [Statement]
        do {
            statements = try Parser.parseFile(try model.sourceText(ofRecord: record))
        } catch let error as ParseError {
            throw CompileError("cannot parse: \(error.message)", record: record, at: error.location)
        } catch let error as LexerError {
            throw CompileError("cannot read: \(error.message)", record: record, at: error.location)
        }
        var definitions: [String: FunctionDefinition] = [:]
        for statement in statements {
            guard case .classDefinition(let definition) = statement.kind, definition.name == type.name else { continue }
            for member in definition.body {
                if case .function(let function) = member.kind { definitions[function.name] = function }
            }
        }
        return try type.methods.compactMap { name in
            guard let definition = definitions[name] else { return nil }
            return try signature(of: definition, selfType: type.qualifiedName, record: record)
        }
    }

    private static func signature(of definition: FunctionDefinition, selfType: String, record: String) throws -> MethodSignature {
        var arguments: [Argument] = []
        for (i, parameter) in definition.parameters.enumerated() {
            if i == 0 && parameter.name == "self" { continue }
            let type = try parameter.type.map { try annotationType($0, record: record) } ?? .tensor
            let defaultValue = try parameter.defaultValue.map { try ConstantExpression.evaluate($0, record: record).pythonString(quoted: true) }
            arguments.append(Argument(name: parameter.name, type: type.description, defaultValue: defaultValue))
        }
        let returnType = try definition.returnType.map { try annotationType($0, record: record) } ?? .none
        return MethodSignature(name: definition.name, selfType: selfType, arguments: arguments, returnType: returnType)
    }

    private static func annotationType(_ annotation: Expression, record: String) throws -> ScriptType {
        do {
            return try ScriptType(annotation: annotation)
        } catch let error as ParseError {
            throw CompileError(error.message, record: record, at: error.location)
        }
    }
}

extension CompiledFunctionHandle {
    /// The method's signature as declared.
    package var signature: MethodSignature { MethodSignature(function) }
}
