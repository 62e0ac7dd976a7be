import FlintLoader
import FlintScript
import FlintValues

/// One flattened user input of the program: the placeholder it fills and what it must be.
struct UserInput {
    enum Expectation {
        /// A tensor, with the dtype and (possibly symbolic) sizes the program was exported for.
        case tensor(TensorMeta?)
        /// A symbolic int, float or bool.
        case symbolic(ScriptType)
        /// A value the program was specialised to: the caller must pass exactly it.
        case constant(ScriptValue)
    }

    /// The placeholder's name (`x`, `pair_0`).
    let name: String
    /// The slot the value fills (nil for a constant nothing reads).
    let slot: Int?
    let expectation: Expectation

    var scriptType: ScriptType {
        switch expectation {
        case .tensor: .tensor
        case .symbolic(let type): type
        case .constant(let value):
            switch value {
            case .int: .int
            case .double: .float
            case .bool: .bool
            case .string: .string
            case .none: .none
            default: .any
            }
        }
    }
}

/// One output of the graph and what it is for.
struct ProgramOutput {
    let kind: OutputKind
    let source: ArgumentSource
}

/// A range constraint on a symbolic size (`s77: VR[1, 8]`); nil bounds are unbounded.
package struct DimensionRange: Sendable, Equatable {
    package let symbol: String
    package let min: Int?
    package let max: Int?

    package var description: String { "\(symbol) in [\(min.map(String.init) ?? "-inf"), \(max.map(String.init) ?? "inf")]" }
}

/// The calling convention of the program's `forward`: the argument names, how arguments and results
/// flatten (`in_spec`, `out_spec` of `module_call_graph`'s root entry).
struct CallingConvention {
    let argumentNames: [String]
    /// The positional arguments' specs, then the keyword arguments' (in the order the program lists them).
    let argumentSpecs: [TreeSpec]
    let keywordNames: [String]
    let positionalCount: Int
    let outputSpec: TreeSpec

    init(_ root: JSONText, record: String) throws {
        guard let signature = root["signature"], !signature.isNull,
            let inText = signature["in_spec"]?.string, let outText = signature["out_spec"]?.string
        else {
            throw LoadError(.corrupt, "module_call_graph has no signature for the root module", record: record)
        }
        let inSpec = try TreeSpec(serialized: inText, record: record)
        guard case .tuple(let top) = inSpec, top.count == 2, case .tuple(let positional) = top[0] else {
            throw LoadError(.unsupported, "the program's in_spec is not (args, kwargs)", record: record)
        }
        var specs = positional
        var keywords: [String] = []
        if case .dict(let keys, let children) = top[1] {
            specs += children
            keywords = keys.map { if case .string(let s) = $0 { s } else { $0.pythonString(quoted: false) } }
        }
        argumentSpecs = specs
        keywordNames = keywords
        positionalCount = positional.count
        let names = (signature["forward_arg_names"]?.array ?? []).compactMap(\.string)
        argumentNames = (0..<specs.count).map { index in
            index < positional.count ? (index < names.count ? names[index] : "arg\(index)") : keywords[index - positional.count]
        }
        outputSpec = try TreeSpec(serialized: outText, record: record)
    }
}
