import FlintOperators
import FlintTensor
import FlintValues

/// The operator registry seen by the conformance fixtures: each fixture case names an ATen overload and
/// gives positional and keyword arguments; they are bound to the overload's torch schema (defaults filled
/// in) exactly as compiled TorchScript calls are, then the registered implementation runs.
enum OpTable {
    typealias Implementation = @Sendable (OpCall) throws -> OpOutput

    static let operations: [String: Implementation] = {
        let registry = OperatorRegistry.standard
        var table: [String: Implementation] = [:]
        for name in registry.implementedNames {
            let base = String(name.prefix { $0 != "." })
            guard let schema = registry.overloads(of: base).first(where: { $0.qualifiedName == name }), let body = registry.body(for: schema) else { continue }
            table[name] = { call in
                let keywords = call.kwargs.keys.sorted()
                guard let match = OverloadResolution.match(
                    schema, positional: call.args.map { _ in .any }, keywords: keywords.map { (name: $0, type: .any) }, allowConversions: true)
                else { throw TensorError("arguments do not fit \(name)") }
                let values: [ScriptValue] = match.sources.map { source in
                    switch source {
                    case .positional(let i): call.args[i].scriptValue
                    case .keyword(let i): call.kwargs[keywords[i]]!.scriptValue
                    case .constant(let value): value
                    }
                }
                return try OpOutput(try body(Arguments(values)))
            }
        }
        return table
    }()
}

/// Arguments of one fixture call.
struct OpCall {
    let args: [OpArgument]
    let kwargs: [String: OpArgument]
}

extension OpArgument {
    var scriptValue: ScriptValue {
        switch self {
        case .tensor(let t, _): .tensor(t)
        case .int(let i): .int(i)
        case .double(let d): .double(d)
        case .complex(let re, let im): .complex(real: re, imaginary: im)
        case .bool(let b): .bool(b)
        case .none: .none
        case .ints(let list): .list(list.map { .int(Int64($0)) }, elementType: "int")
        case .doubles(let list): .list(list.map { .double($0) }, elementType: "float")
        case .string(let s): .string(s)
        case .dtype(let d): .int(Int64(d.scalarTypeCode))
        case .tensors(let list): .list(list.map { .tensor($0) }, elementType: "Tensor")
        case .optionalTensors(let list): .list(list.map { $0.map { .tensor($0) } ?? .none }, elementType: "Optional[Tensor]")
        }
    }
}

extension OpOutput {
    init(_ value: ScriptValue) throws {
        switch value {
        case .tensor(let t): self = .tensor(t)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .bool(let b): self = .bool(b)
        case .tuple(let items): self = .tuple(try items.map(OpOutput.init))
        // A complex number compares as the pair (real, imaginary) its fixture records.
        case .complex(let re, let im): self = .tuple([.double(re), .double(im)])
        case .list(let list): self = .tuple(try list.elements.map(OpOutput.init))
        default: throw TensorError("unexpected result \(value.kindName)")
        }
    }
}
