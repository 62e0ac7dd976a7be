/// The projections of a multi-head attention block (`[3E, E]` input projection split into query, key and
/// value, and the `[E, E]` output projection), each packed once for the GEMM.
public struct PackedAttentionWeights: Sendable {
    /// Query, key and value projections, in that order.
    public let projections: [PackedLinearWeight]
    public let output: PackedLinearWeight

    /// Packs `inputWeight` (`[3E, E]`) in thirds and `outputWeight`; `make` packs one weight (a caller that
    /// shares packed weights between plans passes its cache).
    public init(inputWeight: Tensor, outputWeight: Tensor, make: (Tensor) throws -> PackedLinearWeight = { try PackedLinearWeight($0) }) throws {
        guard inputWeight.rank == 2, inputWeight.shape[0] % 3 == 0 else {
            throw TensorError("attention: the input projection must be [3E, E], got \(inputWeight.shape)")
        }
        let embed = inputWeight.shape[0] / 3
        projections = try (0..<3).map { try make(inputWeight.narrow(dim: 0, start: $0 * embed, length: embed)) }
        output = try make(outputWeight)
    }
}

/// One `nn.TransformerEncoderLayer`'s parameters as `aten::_transformer_encoder_layer_fwd` takes them.
public struct TransformerEncoderLayerWeights: Sendable {
    public var qkvWeight, qkvBias, projectionWeight, projectionBias: Tensor
    public var norm1Weight, norm1Bias, norm2Weight, norm2Bias: Tensor
    public var feedForward1Weight, feedForward1Bias, feedForward2Weight, feedForward2Bias: Tensor

    public init(
        qkvWeight: Tensor, qkvBias: Tensor, projectionWeight: Tensor, projectionBias: Tensor, norm1Weight: Tensor, norm1Bias: Tensor,
        norm2Weight: Tensor, norm2Bias: Tensor, feedForward1Weight: Tensor, feedForward1Bias: Tensor, feedForward2Weight: Tensor,
        feedForward2Bias: Tensor
    ) {
        (self.qkvWeight, self.qkvBias, self.projectionWeight, self.projectionBias) = (qkvWeight, qkvBias, projectionWeight, projectionBias)
        (self.norm1Weight, self.norm1Bias, self.norm2Weight, self.norm2Bias) = (norm1Weight, norm1Bias, norm2Weight, norm2Bias)
        (self.feedForward1Weight, self.feedForward1Bias) = (feedForward1Weight, feedForward1Bias)
        (self.feedForward2Weight, self.feedForward2Bias) = (feedForward2Weight, feedForward2Bias)
    }
}

/// Every GEMM weight of an encoder layer packed once: the attention's projections and both feed-forward layers.
public struct PackedEncoderLayerWeights: Sendable {
    public let attention: PackedAttentionWeights
    public let feedForward1: PackedLinearWeight
    public let feedForward2: PackedLinearWeight

    /// Packs the layer's four GEMM weights; `make` packs one (a caller that shares packed weights between
    /// plans passes its cache).
    public init(
        qkvWeight: Tensor, projectionWeight: Tensor, feedForward1Weight: Tensor, feedForward2Weight: Tensor,
        make: (Tensor) throws -> PackedLinearWeight = { try PackedLinearWeight($0) }
    ) throws {
        attention = try PackedAttentionWeights(inputWeight: qkvWeight, outputWeight: projectionWeight, make: make)
        feedForward1 = try make(feedForward1Weight)
        feedForward2 = try make(feedForward2Weight)
    }
}

extension Tensor {
    /// The fused eval-mode `nn.TransformerEncoderLayer` (`aten::_transformer_encoder_layer_fwd`): self-attention
    /// and feed-forward blocks, each with its residual and layer norm, pre-norm (`normFirst`) or post-norm.
    /// The residual adds are fused into the output projections' writes and the ReLU/GELU into the first
    /// feed-forward layer's; `packed` replaces the per-call packing of every weight.
    public static func transformerEncoderLayer(
        _ source: Tensor, embedDim: Int, heads: Int, weights w: TransformerEncoderLayerWeights, useGelu: Bool, normFirst: Bool,
        epsilon: Double, mask: Tensor?, maskType: Int?, packed: PackedEncoderLayerWeights? = nil
    ) throws -> Tensor {
        func norm(_ x: Tensor, _ weight: Tensor, _ bias: Tensor) throws -> Tensor {
            try x.layerNorm(normalizedShape: [embedDim], weight: weight, bias: bias, epsilon: epsilon)
        }
        // x + attention(y), the add fused into the output projection.
        func attention(_ y: Tensor, plus x: Tensor) throws -> Tensor {
            try nativeMultiHeadAttention(
                query: y, key: y, value: y, embedDim: embedDim, heads: heads, inputWeight: w.qkvWeight, inputBias: w.qkvBias,
                outputWeight: w.projectionWeight, outputBias: w.projectionBias, mask: mask, needWeights: false, averageWeights: false,
                maskType: maskType, packed: packed?.attention, outputEpilogue: FusedEpilogue(residual: x)
            ).0
        }
        // x + feedForward(y).
        func feedForward(_ y: Tensor, plus x: Tensor) throws -> Tensor {
            let hidden = try y.linear(
                weight: w.feedForward1Weight, bias: w.feedForward1Bias, epilogue: FusedEpilogue(activation: useGelu ? .gelu(tanh: false) : .relu),
                packed: packed?.feedForward1)
            return try hidden.linear(
                weight: w.feedForward2Weight, bias: w.feedForward2Bias, epilogue: FusedEpilogue(residual: x), packed: packed?.feedForward2)
        }
        var x = source
        if normFirst {
            x = try attention(norm(x, w.norm1Weight, w.norm1Bias), plus: x)
            x = try feedForward(norm(x, w.norm2Weight, w.norm2Bias), plus: x)
        } else {
            x = try norm(attention(x, plus: x), w.norm1Weight, w.norm1Bias)
            x = try norm(feedForward(x, plus: x), w.norm2Weight, w.norm2Bias)
        }
        return x
    }
}
