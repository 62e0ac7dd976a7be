import FlintOperators

/// Removes operators that return their input unchanged at inference: `dropout` (and its feature and alpha
/// variants) not training, `detach`, `contiguous` of a contiguous tensor, `type_as` and `to` (with a literal
/// `copy=False`) to the dtype the input has (checked against the recorded types). Their readers then read the input directly,
/// which lets the patterns around them fuse (`linear → dropout → + residual`).
struct NoOpElimination: GraphPass {
    let name = "no-op elimination"

    func run(on graph: Graph) -> Int {
        var removed = 0
        for node in graph.nodes where isNoOp(node, graph) {
            guard let input = node.tensorArgument(0), let output = node.outputValues.first else { continue }
            graph.replaceUses(of: output, with: input)
            graph.nodes.removeAll { $0 === node }
            removed += 1
        }
        return removed
    }

    private func isNoOp(_ node: Node, _ graph: Graph) -> Bool {
        guard !node.isInPlace, node.outputValues.count == 1, let input = node.tensorArgument(0), let output = node.outputValues.first,
            let inputType = graph.types[input], let outputType = graph.types[output], inputType == outputType
        else { return false }
        switch node.op {
        case "aten::dropout", "aten::feature_dropout", "aten::alpha_dropout", "aten::feature_alpha_dropout":
            guard case .bool(false)? = node.literal(2) else { return false }
            return true
        case "aten::detach", "aten::alias":
            return true
        case "aten::contiguous":
            return inputType.isContiguous
        case "aten::type_as":
            return true
        default:
            // `to` to the dtype the input has, with a literal `copy=False`, returns the input.
            guard let copyIndex = OperatorDefinitions.copyArgumentOfTo[node.op] else { return false }
            guard case .bool(false)? = node.literal(copyIndex) else { return false }
            return true
        }
    }
}
