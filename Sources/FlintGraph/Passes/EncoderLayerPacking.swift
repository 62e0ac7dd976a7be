import FlintOperators
import FlintTensor
import FlintValues

/// Packs the GEMM weights of `nn.TransformerEncoderLayer`'s fused eval path (`aten::_transformer_encoder_layer_fwd`)
/// once for the plan: the query, key and value projections, the output projection and both feed-forward
/// layers. The node becomes `flint::transformer_encoder_layer`, the same computation with the packed weights
/// (which the operator otherwise packs on every call, ~14% of the layer's time at sequence 128). Applies when
/// the four weights are float32 constants and the input float32 with more than 8 rows (fewer rows stream the
/// unpacked weights through the thin-product kernels, which is faster).
struct EncoderLayerPacking: GraphPass {
    let name = "encoder layer packing"

    func run(on graph: Graph) -> Int {
        var rewrites = 0
        typealias Position = OperatorDefinitions.EncoderLayerArgument
        for node in graph.nodes where node.op == "aten::_transformer_encoder_layer_fwd" {
            guard let input = node.tensorArgument(0), let type = graph.types[input], type.dtype == .float32,
                let features = type.shape.last, features > 0, type.shape.reduce(1, *) / features > 8
            else { continue }
            let weights = [Position.qkvWeight, Position.projectionWeight, Position.feedForward1Weight, Position.feedForward2Weight]
                .compactMap { node.tensorArgument($0).flatMap(graph.constant) }
            guard weights.count == 4, weights.allSatisfy({ $0.dtype == .float32 && $0.rank == 2 }) else { continue }
            let derived = graph.derivedConstants
            let make: (Tensor) throws -> PackedLinearWeight = { weight in
                try derived.map { try $0.packedLinear(weight) { try PackedLinearWeight(weight) } } ?? PackedLinearWeight(weight)
            }
            guard let packed = try? PackedEncoderLayerWeights(
                qkvWeight: weights[0], projectionWeight: weights[1], feedForward1Weight: weights[2], feedForward2Weight: weights[3], make: make)
            else { continue }
            node.op = "flint::transformer_encoder_layer"
            node.body = { arguments in try OperatorDefinitions.transformerEncoderLayer(arguments, packed: packed) }
            node.notes.append("packed weights")
            rewrites += 1
        }
        return rewrites
    }
}
