/// Checks a graph's invariants: every value a node or the output reads is defined before it (an input, a
/// constant, or an earlier node's output), every node output is defined by that node, and no value is
/// defined twice.
package enum GraphVerifier {
    /// A description of the first broken invariant, or nil.
    package static func check(_ graph: Graph) -> String? {
        var defined = [Bool](repeating: false, count: graph.valueCount)
        for input in graph.inputs {
            for value in input.values { defined[value.index] = true }
        }
        for index in 0..<graph.valueCount {
            if case .constant = graph.definition(of: ValueID(index: index)) { defined[index] = true }
        }
        for (position, node) in graph.nodes.enumerated() {
            for value in node.inputValues where !defined[value.index] {
                return "node \(position) (\(node.op)) reads \(value) before it is defined"
            }
            for value in node.outputValues {
                guard case .node(let definer) = graph.definition(of: value), definer === node else {
                    return "node \(position) (\(node.op)) outputs \(value), which is defined elsewhere"
                }
                if defined[value.index] { return "\(value) is defined twice" }
                defined[value.index] = true
            }
        }
        for value in graph.output.values where !defined[value.index] { return "the output reads undefined \(value)" }
        return nil
    }
}
