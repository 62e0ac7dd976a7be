import FlintLoader
import FlintValues

/// Weights a quantized module holds packed for its operators: the TorchBind objects
/// `torch.classes.quantized.LinearPackedParamsBase` and `Conv2dPackedParamsBase` that `quantized::linear`,
/// `quantized::conv2d` and their variants take (what `torch.ops.quantized.*_unpack` returns), and the two
/// projections of each `torch.classes.rnn.CellParamsBase` of a dynamic LSTM/GRU.
public struct PackedWeights: Sendable {
    /// The TorchBind class, e.g. `Conv2dPackedParamsBase`.
    public let className: String
    /// The weight: a quantized tensor (`qint8`, with its `quantizer`) or, for float16 dynamic
    /// linear layers, the float weight.
    public let weight: Tensor
    /// The float bias, if any.
    public let bias: Tensor?
}

extension Module {
    /// The packed weights this module holds itself, by attribute name (`_packed_params`), in declaration order.
    public func ownPackedWeights() -> [(name: String, weights: PackedWeights)] {
        guard case .script(_, let object) = backing else { return [] }
        return zip(object.type.attributes, object.slots).flatMap { attribute, value -> [(name: String, weights: PackedWeights)] in
            guard case .object(let held) = value, let kind = TorchBindClass(of: held), let native = held.native else { return [] }
            let className = String(kind.rawValue.split(separator: ".").last!)
            switch native {
            case let linear as QuantizedLinearWeights:
                return [(attribute.name, PackedWeights(className: className, weight: linear.weight, bias: linear.bias))]
            case let half as HalfPrecisionLinearWeights:
                return [(attribute.name, PackedWeights(className: className, weight: half.weight, bias: half.bias))]
            case let convolution as QuantizedConvolutionWeights:
                return [(attribute.name, PackedWeights(className: className, weight: convolution.weight, bias: convolution.bias))]
            case let recurrent as DynamicRecurrentWeights:
                // A layer-direction of a dynamic LSTM/GRU: its input and hidden projections.
                return [
                    (attribute.name + ".weight_ih", PackedWeights(className: className, weight: recurrent.input.weight, bias: recurrent.input.bias)),
                    (attribute.name + ".weight_hh", PackedWeights(className: className, weight: recurrent.hidden.weight, bias: recurrent.hidden.bias)),
                ]
            default:
                return []
            }
        }
    }

    /// Every packed weight of this module and its submodules, with dotted names
    /// (`layer1.0.conv1._packed_params`), in module order.
    public func packedWeights() -> [(name: String, weights: PackedWeights)] {
        var result = ownPackedWeights()
        for (name, child) in namedChildren() {
            result += child.packedWeights().map { (name + "." + $0.name, $0.weights) }
        }
        return result
    }
}
