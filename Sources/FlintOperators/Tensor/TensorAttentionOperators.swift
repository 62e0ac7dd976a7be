import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Attention: `scaled_dot_product_attention` (what `F.scaled_dot_product_attention` calls) and
    /// `_native_multi_head_attention` (the fused path of `nn.MultiheadAttention` in eval mode).
    mutating func defineAttentionOperators() {
        // (query, key, value, attn_mask=None, dropout_p=0., is_causal=False, *, scale=None, enable_gqa=False)
        tensorOp("aten::scaled_dot_product_attention", writing: { c, output in
            guard try c.double(4, "dropout_p") == 0 else {
                throw OperatorError("scaled_dot_product_attention with dropout_p > 0 samples randomly; Flint runs models in eval mode only")
            }
            return try Tensor.scaledDotProductAttention(
                query: c.tensor(0, "query"), key: c.tensor(1, "key"), value: c.tensor(2, "value"), mask: c.optionalTensor(3, "attn_mask"),
                causal: c.bool(5, "is_causal"), scale: c.optionalDouble(6, "scale"), groupedQueries: c.bool(7, "enable_gqa", default: false), into: output)
        })
        // (query, key, value, embed_dim, num_head, qkv_weight, qkv_bias, proj_weight, proj_bias, mask=None,
        //  need_weights=True, average_attn_weights=True, mask_type=None) -> (Tensor, Tensor)
        define("aten::_native_multi_head_attention") { c in try Self.nativeMultiHeadAttention(c, packed: nil) }
        // The fused `nn.TransformerEncoderLayer` of eval mode: attention and feed-forward blocks with their
        // residuals and layer norms, pre-norm (`norm_first`) or post-norm.
        define("aten::_transformer_encoder_layer_fwd") { c in try Self.transformerEncoderLayer(c, packed: nil) }
    }
}

extension OperatorDefinitions {
    /// The argument positions of `aten::_transformer_encoder_layer_fwd` (src, embed_dim, num_heads, qkv_weight,
    /// qkv_bias, proj_weight, proj_bias, use_gelu, norm_first, eps, norm_weight_1, norm_bias_1, norm_weight_2,
    /// norm_bias_2, ffn_weight_1, ffn_bias_1, ffn_weight_2, ffn_bias_2, mask, mask_type).
    package enum EncoderLayerArgument {
        package static let qkvWeight = 3, projectionWeight = 5, feedForward1Weight = 14, feedForward2Weight = 16
    }

    /// The argument positions of `aten::_native_multi_head_attention`'s weights.
    package enum MultiHeadAttentionArgument {
        package static let qkvWeight = 5, projectionWeight = 7
    }

    /// `aten::_native_multi_head_attention`, with its projections packed once when the caller has them.
    package static func nativeMultiHeadAttention(_ c: Arguments, packed: PackedAttentionWeights?) throws -> ScriptValue {
        let (output, weights) = try Tensor.nativeMultiHeadAttention(
            query: c.tensor(0, "query"), key: c.tensor(1, "key"), value: c.tensor(2, "value"), embedDim: c.int(3, "embed_dim"),
            heads: c.int(4, "num_head"), inputWeight: c.tensor(MultiHeadAttentionArgument.qkvWeight, "qkv_weight"), inputBias: c.tensor(6, "qkv_bias"),
            outputWeight: c.tensor(MultiHeadAttentionArgument.projectionWeight, "proj_weight"), outputBias: c.tensor(8, "proj_bias"), mask: c.optionalTensor(9, "mask"),
            needWeights: c.bool(10, "need_weights"), averageWeights: c.bool(11, "average_attn_weights"), maskType: c.optionalInt(12, "mask_type"),
            packed: packed)
        return .tuple([.tensor(output), .tensor(weights)])
    }

    /// The layer's weights from its arguments.
    package static func transformerEncoderLayerWeights(_ c: Arguments) throws -> TransformerEncoderLayerWeights {
        TransformerEncoderLayerWeights(
            qkvWeight: try c.tensor(EncoderLayerArgument.qkvWeight, "qkv_weight"), qkvBias: try c.tensor(4, "qkv_bias"), projectionWeight: try c.tensor(EncoderLayerArgument.projectionWeight, "proj_weight"),
            projectionBias: try c.tensor(6, "proj_bias"), norm1Weight: try c.tensor(10, "norm_weight_1"), norm1Bias: try c.tensor(11, "norm_bias_1"),
            norm2Weight: try c.tensor(12, "norm_weight_2"), norm2Bias: try c.tensor(13, "norm_bias_2"),
            feedForward1Weight: try c.tensor(EncoderLayerArgument.feedForward1Weight, "ffn_weight_1"), feedForward1Bias: try c.tensor(15, "ffn_bias_1"),
            feedForward2Weight: try c.tensor(EncoderLayerArgument.feedForward2Weight, "ffn_weight_2"), feedForward2Bias: try c.tensor(17, "ffn_bias_2"))
    }

    /// `aten::_transformer_encoder_layer_fwd`, with the layer's weights packed once when the caller has them
    /// (the graph layer's plans do).
    package static func transformerEncoderLayer(_ c: Arguments, packed: PackedEncoderLayerWeights?) throws -> ScriptValue {
        let src = try c.tensor(0, "src")
        // A nested input (see `Tensor.nested`) masks its padded positions as keys.
        let valid = src.nestedValidPositions
        let mask = try valid.map { try $0.logicalNot() } ?? c.optionalTensor(18, "mask")
        let maskType = valid != nil ? 1 : try c.optionalInt(19, "mask_type")
        let x = try Tensor.transformerEncoderLayer(
            src, embedDim: c.int(1, "embed_dim"), heads: c.int(2, "num_heads"), weights: transformerEncoderLayerWeights(c),
            useGelu: c.bool(7, "use_gelu"), normFirst: c.bool(8, "norm_first"), epsilon: c.double(9, "eps"), mask: mask, maskType: maskType,
            packed: packed)
        return .tensor(valid.map { x.nested(validPositions: $0) } ?? x)
    }
}
