import FlintExport
import FlintRuntime

/// How a method is called, as libtorch's `c10::FunctionSchema` describes it: the arguments after `self`
/// with their TorchScript types and defaults, and the return type.
public struct FunctionSchema: Sendable, Equatable, CustomStringConvertible {
    /// One declared argument.
    public struct Argument: Sendable, Equatable {
        /// The parameter's name in the Python source.
        public let name: String
        /// Its TorchScript type as Python writes it: `Tensor`, `int`, `List[int]`, `Optional[Tensor]`.
        public let type: String
        /// Its default value as Python source (`2`, `None`, `'bilinear'`), or nil when the argument is required.
        public let defaultValue: String?
    }

    /// The method's name.
    public let name: String
    /// The arguments after `self`, in order.
    public let arguments: [Argument]
    /// The declared return type, e.g. `Tensor` or `Tuple[Tensor, Tensor]`.
    public let returnType: String
    /// libtorch's spelling, as its errors print a declaration (`forward(__torch__.M self, Tensor x) -> Tensor`).
    public let schemaText: String

    /// The Python declaration: `forward(self, x: Tensor, n: int = 2) -> Tuple[Tensor, Tensor]`.
    public let description: String

    /// The schema of a torch.export program's `forward`: its argument names with the types of the trees it
    /// was exported with, and the type of the tree it returns.
    init(forwardOf program: ExportedProgram) {
        name = "forward"
        arguments = program.argumentTypes.map { Argument(name: $0.name, type: $0.type.description, defaultValue: nil) }
        returnType = program.returnType.description
        let declared = arguments.map { "\($0.type) \($0.name)" }
        schemaText = "forward(" + declared.joined(separator: ", ") + ") -> \(returnType)"
        description = "forward(self" + arguments.map { ", \($0.name): \($0.type)" }.joined() + ") -> \(returnType)"
    }

    init(_ signature: MethodSignature) {
        name = signature.name
        arguments = signature.arguments.map { Argument(name: $0.name, type: $0.type, defaultValue: $0.defaultValue) }
        returnType = signature.returnType
        schemaText = signature.schemaText
        description = signature.pythonText
    }
}

extension Module {
    /// The schema of every method ``methods`` lists, in that order, read from the archive's code without
    /// compiling it (so it works on archives Flint cannot run). Throws ``FlintError`` when the code cannot
    /// be parsed.
    public func methodSchemas() throws -> [FunctionSchema] {
        switch backing {
        case .script(let model, let object):
            do {
                return try MethodSignature.signatures(of: object.type, in: model).map(FunctionSchema.init)
            } catch {
                throw FlintError(compiling: error)
            }
        case .exported(let program):
            return path.isEmpty ? [FunctionSchema(forwardOf: program)] : []
        }
    }

    /// The schema of one method of this module, as libtorch's `get_method(name).function().getSchema()`.
    public func methodSchema(_ name: String) throws -> FunctionSchema {
        guard let schema = try methodSchemas().first(where: { $0.name == name }) else {
            throw FlintError(kind: .invalidInput, file: nil, record: nil,
                             message: "\(typeName) has no method '\(name)' (methods: \(methods.joined(separator: ", ")))")
        }
        return schema
    }
}
