import FlintOperators
import FlintTensor
import FlintValues

/// Packs the input-to-hidden weights (`weight_ih`) of recurrent layers over a padded sequence (`aten::lstm.input`,
/// `aten::gru.input`, `aten::rnn_tanh.input`, `aten::rnn_relu.input`) once for the plan: each layer's input
/// projection of every step is one GEMM, which otherwise packs the weight on every call (~7% of a 2×256 LSTM
/// at sequence 64). The node becomes `flint::lstm` (and so on), the same computation with the packed weights.
/// (The hidden-to-hidden weights need no packing: the fused step kernels stream them as they are.) Applies
/// when every parameter is a float32 constant and the sequence has more than 8 rows (steps × batch).
struct RecurrentWeightPacking: GraphPass {
    let name = "recurrent weight packing"

    private static let cells: [String: (RecurrentCell, String)] = [
        "aten::lstm.input": (.lstm, "lstm"), "aten::gru.input": (.gru, "gru"),
        "aten::rnn_tanh.input": (.rnnTanh, "rnn_tanh"), "aten::rnn_relu.input": (.rnnRelu, "rnn_relu"),
    ]

    func run(on graph: Graph) -> Int {
        var rewrites = 0
        for node in graph.nodes {
            guard let (cell, name) = Self.cells[node.op], let packed = Self.packedInputWeights(node, graph) else { continue }
            node.op = "flint::\(name)"
            node.body = { arguments in try OperatorDefinitions.recurrentLayer(arguments, cell: cell, name: name, packedInputWeights: packed) }
            node.writer = nil
            node.notes.append("packed weight_ih")
            rewrites += 1
        }
        return rewrites
    }

    /// One packed `weight_ih` per layer and direction, or nil when the node does not qualify.
    private static func packedInputWeights(_ node: Node, _ graph: Graph) -> [PackedLinearWeight]? {
        // (input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
        guard let input = node.tensorArgument(0), let type = graph.types[input], type.dtype == .float32, type.shape.count == 3,
            let rows = graph.productRows(of: input), Graph.packingPays(rows: rows), node.arguments.count > 7, case .list(let items, _) = node.arguments[2],
            case .bool(let hasBiases)? = node.literal(3), let layers = node.literal(4)?.numericValue.map(Int.init),
            case .bool(let bidirectional)? = node.literal(7)
        else { return nil }
        let parameters = items.compactMap { item -> Tensor? in
            guard case .tensor(let value) = item else { return nil }
            return graph.constant(value)
        }
        let groups = layers * (bidirectional ? 2 : 1)
        guard parameters.count == items.count, groups > 0, parameters.count % groups == 0,
            parameters.allSatisfy({ $0.dtype == .float32 }),
            let split = try? RecurrentWeights.split(parameters, layers: layers, directions: bidirectional ? 2 : 1, hasBiases: hasBiases)
        else { return nil }
        return try? split.map { weights in
            let weight = weights.inputWeight
            guard weight.rank == 2 else { throw TensorError("weight_ih must be 2-D") }
            return try graph.packedLinearWeight(weight)
        }
    }
}
