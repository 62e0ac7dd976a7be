import FlintGraph
import FlintLoader
import FlintOperators
import FlintValues

/// torch.export's higher-order operators, whose arguments include graphs: `torch.cond`, `while_loop` and
/// `wrap_with_set_grad_enabled` (grad mode means nothing at inference, so it runs its graph).
///
/// A predicate read from tensor data is reported to the graph recorder, so a program whose branch depends on
/// its inputs' values runs in the interpreter (a predicate computed from sizes is fixed by the input signature
/// and the branch taken is recorded inline).
extension GraphBinder {
    static let higherOrderTargets: Set<String> = [
        "torch.ops.higher_order.cond", "torch.ops.higher_order.while_loop", "torch.ops.higher_order.wrap_with_set_grad_enabled",
    ]

    /// Binds a higher-order node: its graphs become ``BoundSubgraph``s captured by the body.
    mutating func bindHigherOrder(_ target: String, name: String, inputs: [JSONText]) throws -> (OperatorBody, [ArgumentSource]) {
        let arguments = inputs.compactMap { $0["arg"] }
        func graph(_ index: Int) throws -> BoundSubgraph {
            guard index < arguments.count, let graph = arguments[index]["as_graph"]?["graph"] else {
                throw LoadError(.corrupt, "node '\(name)' (\(target)) has no graph argument \(index)", record: record)
            }
            return try subgraph(graph, in: name)
        }
        func operand(_ index: Int) throws -> ArgumentSource {
            guard index < arguments.count else { throw LoadError(.corrupt, "node '\(name)' (\(target)) lacks argument \(index)", record: record) }
            return try source(arguments[index], node: name)
        }
        switch target {
        case "torch.ops.higher_order.cond":
            let (whenTrue, whenFalse) = (try graph(1), try graph(2))
            let body: OperatorBody = { c in
                let results = try (Self.truth(c[0], "torch.cond's predicate") ? whenTrue : whenFalse)(c[1].sequence ?? [])
                return results.count == 1 ? results[0] : .tuple(results)
            }
            return (body, [try operand(0), try operand(3)])
        case "torch.ops.higher_order.while_loop":
            let (condition, loopBody) = (try graph(0), try graph(1))
            let body: OperatorBody = { c in
                var carried = c[0].sequence ?? []
                let additional = c[1].sequence ?? []
                while true {
                    let verdict = try condition(carried + additional)
                    guard let first = verdict.first, try Self.truth(first, "while_loop's condition") else { break }
                    carried = try loopBody(carried + additional)
                }
                return carried.count == 1 ? carried[0] : .tuple(carried)
            }
            return (body, [try operand(2), arguments.count > 3 ? try operand(3) : .literal(.list([], elementType: "Tensor"))])
        default:  // wrap_with_set_grad_enabled(enabled, graph, *operands)
            let wrapped = try graph(1)
            let operands = try (2..<arguments.count).map { try operand($0) }
            let body: OperatorBody = { c in
                let results = try wrapped(c[0].sequence ?? [])
                return results.count == 1 ? results[0] : .tuple(results)
            }
            return (body, [.list(operands, elementType: "Any")])
        }
    }

    /// A serialized `Graph` bound in its own namespace.
    private mutating func subgraph(_ json: JSONText, in node: String) throws -> BoundSubgraph {
        var inner = GraphBinder(registry: registry, record: record)
        let inputSlots = try (json["inputs"]?.array ?? []).map { input -> Int in
            guard let name = Self.definedName(input) else { throw LoadError(.corrupt, "a subgraph of node '\(node)' has an unnamed input", record: record) }
            return try inner.define(name)
        }
        var nodes: [BoundNode] = []
        for child in json["nodes"]?.array ?? [] {
            if let bound = try inner.bind(node: child) { nodes.append(bound) }
        }
        let outputs = try (json["outputs"]?.array ?? []).map { try inner.source($0, node: node) }
        missing += inner.missing
        return BoundSubgraph(slotCount: inner.slotCount, inputSlots: inputSlots,
                             sequence: NodeSequence(nodes: nodes, outputs: outputs, keep: [], slotCount: inner.slotCount), outputs: outputs)
    }

    /// A predicate's value: a bool, or a one-element tensor's (its data read, which the recorder notes).
    static func truth(_ value: ScriptValue, _ what: String) throws -> Bool {
        switch value {
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .tensor(let t):
            guard t.elementCount == 1 else { throw OperatorError("\(what) must have one element, got shape \(t.shape)") }
            try TraceRecorder.noteDataRead(t, "\(what) reads tensor data")
            switch try TensorScalars.item(t) {
            case .bool(let b): return b
            case .int(let i): return i != 0
            case .double(let d): return d != 0
            default: throw OperatorError("\(what) must be a bool tensor")
            }
        default:
            throw OperatorError("\(what) must be a bool, got \(value.kindName)")
        }
    }
}
