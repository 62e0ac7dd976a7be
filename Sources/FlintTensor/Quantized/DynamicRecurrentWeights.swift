/// One layer-direction of a dynamically quantized LSTM or GRU (`torch.ao.nn.quantized.dynamic.LSTM/GRU`): what
/// TorchBind's `rnn.CellParamsBase` holds for the `quantized_dynamic` (int8) and `quantized_dynamic_fp16` kinds.
/// Both projections run as dynamic linear layers whose packed weights include the biases, as ATen's
/// `QuantizedCellParamsDynamic` computes them: the input projection of the whole sequence at once, the
/// hidden projection per step.
public final class DynamicRecurrentWeights: @unchecked Sendable {
    /// A dynamic linear layer's packed weights.
    public enum Projection: Sendable {
        case int8(QuantizedLinearWeights)
        case float16(HalfPrecisionLinearWeights)

        /// The weight, as `unpack()` returns it.
        public var weight: Tensor {
            switch self {
            case .int8(let weights): weights.weight
            case .float16(let weights): weights.weight
            }
        }

        /// The bias packed with the weight.
        public var bias: Tensor? {
            switch self {
            case .int8(let weights): weights.bias
            case .float16(let weights): weights.bias
            }
        }

        func apply(_ input: Tensor, reduceRange: Bool) throws -> Tensor {
            switch self {
            case .int8(let weights): try input.quantizedLinearDynamic(weights, reduceRange: reduceRange)
            case .float16(let weights): try input.halfPrecisionLinear(weights)
            }
        }
    }

    /// `w_ih` with `b_ih`.
    public let input: Projection
    /// `w_hh` with `b_hh`.
    public let hidden: Projection
    /// Whether activations are quantized to 7 bits (fbgemm's `reduce_range`).
    public let reduceRange: Bool

    public init(input: Projection, hidden: Projection, reduceRange: Bool) {
        self.input = input
        self.hidden = hidden
        self.reduceRange = reduceRange
    }

    func projectInput(_ x: Tensor) throws -> Tensor { try input.apply(x, reduceRange: reduceRange) }
    func projectHidden(_ h: Tensor) throws -> Tensor { try hidden.apply(h, reduceRange: reduceRange) }
}
