import FlintValues

/// The text form of a graph (`flint inspect --graph`):
///
///     graph(%0 : float32[1, 3, 224, 224]):
///       %4 : float32[1, 64, 112, 112] = flint::convolution(%0)  # relu, weight %1, bias %2
///       return (%4)
package enum GraphPrinter {
    package static func text(_ graph: Graph) -> String {
        func typed(_ value: ValueID) -> String {
            graph.types[value].map { "\(value) : \($0)" } ?? "\(value)"
        }
        var out = "graph(" + graph.inputs.flatMap(\.values).map(typed).joined(separator: ", ") + "):\n"
        var constants: [String] = []
        for index in 0..<graph.valueCount {
            if case .constant = graph.definition(of: ValueID(index: index)) { constants.append(typed(ValueID(index: index))) }
        }
        if !constants.isEmpty { out += "  # constants: \(constants.count) (\(constants.prefix(4).joined(separator: ", "))\(constants.count > 4 ? ", ..." : ""))\n" }
        for node in graph.nodes {
            let outputs = node.outputValues.map(typed).joined(separator: ", ")
            let arguments = node.arguments.map(text).joined(separator: ", ")
            out += "  \(outputs.isEmpty ? "" : outputs + " = ")\(node.op)(\(arguments))"
            if !node.notes.isEmpty { out += "  # " + node.notes.joined(separator: ", ") }
            out += "\n"
        }
        out += "  return \(text(graph.output))\n"
        if !graph.log.isEmpty { out += "# passes: " + graph.log.joined(separator: "; ") + "\n" }
        return out
    }

    static func text(_ template: ValueTemplate) -> String {
        switch template {
        case .tensor(let value): "\(value)"
        case .literal(let value): value.pythonString(quoted: true)
        case .list(let items, _): "[" + items.map(text).joined(separator: ", ") + "]"
        case .tuple(let items): "(" + items.map(text).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        }
    }
}
