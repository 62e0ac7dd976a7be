import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Attention: `scaled_dot_product_attention` (what `F.scaled_dot_product_attention` calls) and
    /// `_native_multi_head_attention` (the fused path of `nn.MultiheadAttention` in eval mode).
    mutating func defineAttentionOperators() {
        // (query, key, value, attn_mask=None, dropout_p=0., is_causal=False, *, scale=None, enable_gqa=False)
        tensorOp("aten::scaled_dot_product_attention") { c in
            guard try c.double(4, "dropout_p") == 0 else {
                throw OperatorError("scaled_dot_product_attention with dropout_p > 0 samples randomly; Flint runs models in eval mode only")
            }
            return try Tensor.scaledDotProductAttention(
                query: c.tensor(0, "query"), key: c.tensor(1, "key"), value: c.tensor(2, "value"), mask: c.optionalTensor(3, "attn_mask"),
                causal: c.bool(5, "is_causal"), scale: c.optionalDouble(6, "scale"), groupedQueries: c.bool(7, "enable_gqa", default: false))
        }
        // (query, key, value, embed_dim, num_head, qkv_weight, qkv_bias, proj_weight, proj_bias, mask=None,
        //  need_weights=True, average_attn_weights=True, mask_type=None) -> (Tensor, Tensor)
        define("aten::_native_multi_head_attention") { c in
            let (output, weights) = try Tensor.nativeMultiHeadAttention(
                query: c.tensor(0, "query"), key: c.tensor(1, "key"), value: c.tensor(2, "value"), embedDim: c.int(3, "embed_dim"),
                heads: c.int(4, "num_head"), inputWeight: c.tensor(5, "qkv_weight"), inputBias: c.tensor(6, "qkv_bias"),
                outputWeight: c.tensor(7, "proj_weight"), outputBias: c.tensor(8, "proj_bias"), mask: c.optionalTensor(9, "mask"),
                needWeights: c.bool(10, "need_weights"), averageWeights: c.bool(11, "average_attn_weights"), maskType: c.optionalInt(12, "mask_type"))
            return .tuple([.tensor(output), .tensor(weights)])
        }
        // The fused `nn.TransformerEncoderLayer` of eval mode: attention and feed-forward blocks with their
        // residuals and layer norms, pre-norm (`norm_first`) or post-norm.
        define("aten::_transformer_encoder_layer_fwd") { c in
            let src = try c.tensor(0, "src")
            let embedDim = try c.int(1, "embed_dim")
            let epsilon = try c.double(9, "eps")
            let normFirst = try c.bool(8, "norm_first")
            let useGelu = try c.bool(7, "use_gelu")
            func norm(_ x: Tensor, _ index: Int) throws -> Tensor {
                try x.layerNorm(normalizedShape: [embedDim], weight: c.tensor(index, "norm_weight"), bias: c.tensor(index + 1, "norm_bias"), epsilon: epsilon)
            }
            // A nested input (see `NestedTensors`) masks its padded positions as keys.
            let valid = NestedTensors.validMask(of: src)
            let mask = try valid.map { try $0.logicalNot() } ?? c.optionalTensor(18, "mask")
            let maskType = valid != nil ? 1 : try c.optionalInt(19, "mask_type")
            func attention(_ x: Tensor) throws -> Tensor {
                try Tensor.nativeMultiHeadAttention(
                    query: x, key: x, value: x, embedDim: embedDim, heads: c.int(2, "num_heads"), inputWeight: c.tensor(3, "qkv_weight"),
                    inputBias: c.tensor(4, "qkv_bias"), outputWeight: c.tensor(5, "proj_weight"), outputBias: c.tensor(6, "proj_bias"),
                    mask: mask, needWeights: false, averageWeights: false, maskType: maskType).0
            }
            func feedForward(_ x: Tensor) throws -> Tensor {
                let hidden = try x.linear(weight: c.tensor(14, "ffn_weight_1"), bias: c.tensor(15, "ffn_bias_1"))
                return try (useGelu ? hidden.gelu() : hidden.relu()).linear(weight: c.tensor(16, "ffn_weight_2"), bias: c.tensor(17, "ffn_bias_2"))
            }
            var x = src
            if normFirst {
                x = try x.add(attention(norm(x, 10)))
                x = try x.add(feedForward(norm(x, 12)))
            } else {
                x = try norm(x.add(attention(x)), 10)
                x = try norm(x.add(feedForward(x)), 12)
            }
            if let valid { NestedTensors.register(x, valid: valid) }
            return .tensor(x)
        }
    }
}
