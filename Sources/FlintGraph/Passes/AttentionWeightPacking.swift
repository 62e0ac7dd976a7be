import FlintOperators
import FlintTensor
import FlintValues

/// Packs the GEMM weights of PyTorch's fused attention operators once for the plan (which the operators
/// otherwise pack on every call, ~14% of an encoder layer's time at sequence 128):
///
/// - `aten::_transformer_encoder_layer_fwd` (`nn.TransformerEncoderLayer` in eval mode) becomes
///   `flint::transformer_encoder_layer`: query, key, value and output projections and both feed-forward layers;
/// - `aten::_native_multi_head_attention` (`nn.MultiheadAttention` in eval mode) becomes
///   `flint::multi_head_attention`: query, key, value and output projections.
///
/// The new node computes the same thing with the packed weights. Applies when the weights are float32
/// constants and the input float32 with more than 8 rows (fewer rows stream the unpacked weights through the
/// thin-product kernels, which is faster).
struct AttentionWeightPacking: GraphPass {
    let name = "attention weight packing"

    func run(on graph: Graph) -> Int {
        var rewrites = 0
        typealias Layer = OperatorDefinitions.EncoderLayerArgument
        typealias Attention = OperatorDefinitions.MultiHeadAttentionArgument
        let make = graph.packedLinearWeight
        for node in graph.nodes {
            switch node.op {
            case "aten::_transformer_encoder_layer_fwd":
                guard let weights = Self.weights(of: node, at: [Layer.qkvWeight, Layer.projectionWeight, Layer.feedForward1Weight, Layer.feedForward2Weight], graph),
                    let packed = try? PackedEncoderLayerWeights(
                        qkvWeight: weights[0], projectionWeight: weights[1], feedForward1Weight: weights[2], feedForward2Weight: weights[3], make: make)
                else { continue }
                node.op = "flint::transformer_encoder_layer"
                node.body = { arguments in try OperatorDefinitions.transformerEncoderLayer(arguments, packed: packed) }
                node.writer = nil
            case "aten::_native_multi_head_attention":
                guard let weights = Self.weights(of: node, at: [Attention.qkvWeight, Attention.projectionWeight], graph),
                    let packed = try? PackedAttentionWeights(inputWeight: weights[0], outputWeight: weights[1], make: make)
                else { continue }
                node.op = "flint::multi_head_attention"
                node.body = { arguments in try OperatorDefinitions.nativeMultiHeadAttention(arguments, packed: packed) }
                node.writer = nil
            default:
                continue
            }
            node.notes.append("packed weights")
            rewrites += 1
        }
        return rewrites
    }

    /// The constant float32 matrices at `positions` of a node whose first input is float32 with more than 8
    /// rows; nil when any is missing.
    private static func weights(of node: Node, at positions: [Int], _ graph: Graph) -> [Tensor]? {
        guard let input = node.tensorArgument(0), graph.types[input]?.dtype == .float32,
            let rows = graph.productRows(of: input), Graph.packingPays(rows: rows)
        else { return nil }
        let weights = positions.compactMap { node.tensorArgument($0).flatMap(graph.constant) }
        guard weights.count == positions.count, weights.allSatisfy({ $0.dtype == .float32 && $0.rank == 2 }) else { return nil }
        return weights
    }
}
