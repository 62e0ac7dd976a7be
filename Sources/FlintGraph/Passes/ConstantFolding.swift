import FlintOperators
import FlintTensor
import FlintValues

/// Evaluates once, while the plan is built, every node whose tensor arguments are all constants (or that has
/// none): what a method computes from shapes alone, such as the index ranges and comparisons a Hugging Face
/// model builds its attention mask from (`arange`, `unsqueeze`, `le`, `expand`). The node's tensor result
/// becomes a constant, so the plan neither recomputes nor allocates it on each run.
///
/// Left alone: in-place operators and augmented assignments (`__ior__`); random ones (`rand`, `dropout`, `bernoulli`, ...: a new draw per call);
/// nodes with a result that is not one tensor; results over ``largestFoldedBytes`` (a constant lives as long
/// as the plan); a result the method returns or that anything may write into (the caller, an in-place
/// operator or an `out=` argument, reached through any operator that may return a view of its argument), or
/// that reads such a value (it must see each run's update);
/// results whose dtype or shape differ from the recorded ones; and any node whose evaluation throws.
struct ConstantFolding: GraphPass {
    let name = "constant folding"

    /// The largest result folded, in bytes.
    static let largestFoldedBytes = 1 << 20


    func run(on graph: Graph) -> Int {
        let writable = Self.mayBeWritten(graph)
        var folded = Set<ObjectIdentifier>()
        for node in graph.nodes {
            guard case .tensor(let result) = node.result, !writable.contains(result), let tensor = Self.evaluate(node, graph, writable: writable)
            else { continue }
            graph.redefine(result, as: .constant(tensor))
            folded.insert(ObjectIdentifier(node))
        }
        graph.nodes.removeAll { folded.contains(ObjectIdentifier($0)) }
        return folded.count
    }

    /// The node's one tensor result computed from the graph's constants, when it may be folded: none of its
    /// arguments is written during a run either (a buffer updated in place: its readers must see each update).
    private static func evaluate(_ node: Node, _ graph: Graph, writable: Set<ValueID>) -> Tensor? {
        guard !writesFirstArgument(node), !isRandom(node.op), case .tensor(let result) = node.result, let type = graph.types[result],
            type.shape.reduce(1, *) * type.dtype.itemSize <= largestFoldedBytes,
            node.inputValues.allSatisfy({ graph.constant($0) != nil && !writable.contains($0) })
        else { return nil }
        var arguments: [ScriptValue] = []
        for template in node.arguments {
            guard let argument = value(template, graph) else { return nil }
            arguments.append(argument)
        }
        guard case .tensor(let tensor)? = try? node.body(Arguments(arguments)), tensor.dtype == type.dtype, tensor.shape == type.shape else {
            return nil
        }
        return tensor
    }

    /// Whether the node writes its first argument: an in-place operator (`add_`) or an augmented assignment
    /// (`__ior__`, `__iand__`, ...: their schemas mark `self` written, though the name ends in `__`).
    static func writesFirstArgument(_ node: Node) -> Bool {
        if node.isInPlace { return true }
        let name = node.op.split(separator: "::").last.map { $0.prefix { $0 != "." } } ?? ""
        return name.hasPrefix("__i") && name.hasSuffix("__")
    }

    /// Operators with a writer form whose body may still return its argument itself (`contiguous` of a tensor
    /// that is contiguous after all): for aliasing they count as operators without one.
    static let bodiesThatMayReturnTheirArgument: Set<String> = ["aten::contiguous"]

    /// Operators whose results differ from call to call: random ones, and `empty*` (uninitialised memory).
    static func isRandom(_ op: String) -> Bool {
        RandomOperators.draws(op) || (op.split(separator: "::").last.map(String.init) ?? op).contains("empty")
    }

    /// Values something may write into once the method has run or while it runs: its results (the caller owns
    /// them), the first argument of in-place operators and every tensor argument of `out=` overloads; then,
    /// walking back, the arguments of any operator without a writer form whose result may be written (it may
    /// have returned a view of them). An operator with a writer form always returns a new tensor.
    static func mayBeWritten(_ graph: Graph) -> Set<ValueID> {
        var written = Set(graph.output.values)
        for node in graph.nodes {
            if writesFirstArgument(node), let first = node.tensorArgument(0) { written.insert(first) }
            if node.op.contains(".out") || node.op.hasSuffix("_out") { written.formUnion(node.inputValues) }
        }
        for node in graph.nodes.reversed()
        where (node.writer == nil || bodiesThatMayReturnTheirArgument.contains(node.op)) && node.outputValues.contains(where: written.contains) {
            written.formUnion(node.inputValues)
        }
        return written
    }

    /// A template's runtime value with the graph's constants in place of its tensors; nil when it mentions a
    /// value that is not a constant.
    static func value(_ template: ValueTemplate, _ graph: Graph) -> ScriptValue? {
        switch template {
        case .tensor(let id): return graph.constant(id).map { .tensor($0) }
        case .literal(let literal): return literal
        case .list(let items, let type):
            let values = items.compactMap { value($0, graph) }
            return values.count == items.count ? .list(values, elementType: type) : nil
        case .tuple(let items):
            let values = items.compactMap { value($0, graph) }
            return values.count == items.count ? .tuple(values) : nil
        }
    }
}
