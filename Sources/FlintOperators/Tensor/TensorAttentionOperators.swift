import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Attention: `scaled_dot_product_attention` (what `F.scaled_dot_product_attention` and scripted
    /// `nn.MultiheadAttention` call).
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
    }
}
