import FlintTensor
import FlintValues

/// Folds an inference-mode batch norm into the convolution before it, as `torch.jit.freeze` and ONNX
/// Runtime do: with `s = γ / √(var + ε)`, the convolution's weight becomes `W·s` (per output channel) and
/// its bias `(b − mean)·s + β`, and the batch norm disappears. The arithmetic is done in float64.
///
/// Applies when the batch norm is not training, its statistics and affine parameters are constants, the
/// convolution's weight and bias are constants of a floating-point dtype, and nothing else reads the
/// convolution's output.
struct BatchNormFolding: GraphPass {
    let name = "batch norm folding"

    func run(on graph: Graph) -> Int {
        var folded = 0
        var users = graph.users()
        let outputs = Set(graph.output.values)
        for bn in graph.nodes {
            guard let eps = Self.inferenceEpsilon(bn, users: users, outputs: outputs), let input = bn.tensorArgument(0), !outputs.contains(input),
                users[input.index].count == 1, case .node(let conv) = graph.definition(of: input), ConvolutionLayout(conv) != nil,
                let weight = conv.tensorArgument(1).flatMap(graph.constant), weight.dtype.isFloatingPoint,
                let mean = bn.tensorArgument(3).flatMap(graph.constant), let variance = bn.tensorArgument(4).flatMap(graph.constant),
                let output = bn.outputValues.first
            else { continue }
            let gamma = bn.tensorArgument(1).flatMap(graph.constant)
            let beta = bn.tensorArgument(2).flatMap(graph.constant)
            if bn.tensorArgument(1) != nil && gamma == nil || bn.tensorArgument(2) != nil && beta == nil { continue }
            let bias = conv.tensorArgument(2).flatMap(graph.constant)
            if conv.tensorArgument(2) != nil && bias == nil { continue }
            let make = { try Self.fold(weight: weight, bias: bias, mean: mean, variance: variance, gamma: gamma, beta: beta, eps: eps) }
            guard let (newWeight, newBias) = try? (graph.derivedConstants.map {
                try $0.folded(from: [weight, bias, mean, variance, gamma, beta], extra: [eps], make: make)
            } ?? make())
            else { continue }
            // Rewrite: new constants into the convolution, the batch norm's readers onto the convolution's output.
            conv.arguments[1] = .tensor(graph.newConstant(newWeight))
            conv.arguments[2] = .tensor(graph.newConstant(newBias))
            conv.notes.append("batch norm folded")
            graph.replaceUses(of: output, with: input)
            graph.nodes.removeAll { $0 === bn }
            users = graph.users()
            folded += 1
        }
        return folded
    }

    /// The epsilon of an inference-mode batch norm whose only result read is the normalised tensor:
    /// `aten::batch_norm(..., training=False, momentum, eps, ...)`, or core ATen's
    /// `aten::_native_batch_norm_legit_no_training(..., momentum, eps)` with its two empty statistics unread.
    /// Both take (input, weight, bias, running_mean, running_var) first.
    static func inferenceEpsilon(_ node: Node, users: [[Node]], outputs: Set<ValueID>) -> Double? {
        switch node.op {
        case "aten::batch_norm":
            guard case .bool(false)? = node.literal(5), node.outputValues.count == 1 else { return nil }
            return node.literal(7)?.numericValue
        case "aten::_native_batch_norm_legit_no_training":
            let unused = node.outputValues.dropFirst()
            guard node.outputValues.count == 3, unused.allSatisfy({ users[$0.index].isEmpty && !outputs.contains($0) }) else { return nil }
            return node.literal(6)?.numericValue
        default:
            return nil
        }
    }

    static func fold(weight: Tensor, bias: Tensor?, mean: Tensor, variance: Tensor, gamma: Tensor?, beta: Tensor?, eps: Double) throws -> (Tensor, Tensor) {
        let channels = weight.shape[0]
        guard mean.shape == [channels], variance.shape == [channels] else { throw TensorError("batch norm statistics do not match the weight") }
        let wide: (Tensor) throws -> Tensor = { try $0.to(.float64) }
        let epsilon = try Scalar.double(eps).tensor(.float64)
        var scale = try Tensor.ones([channels], dtype: .float64).div(wide(variance).add(epsilon).sqrt())
        if let gamma { scale = try scale.mul(wide(gamma)) }
        var shift = try Tensor(zeros: [channels], dtype: .float64).sub(wide(mean).mul(scale))
        if let beta { shift = try shift.add(wide(beta)) }
        let newWeight = weight.dtype == .float32
            ? try weight.scalingLeadingSlices(by: scale.scalars(as: Double.self))
            : try wide(weight).mul(scale.reshape([channels] + Array(repeating: 1, count: weight.rank - 1))).to(weight.dtype).contiguous()
        var newBias = shift
        if let bias { newBias = try wide(bias).mul(scale).add(shift) }
        return (newWeight, try newBias.to(weight.dtype).contiguous())
    }
}

/// Where a convolution node keeps its settings: `aten::_convolution` (traced), `aten::convolution` (core
/// ATen, torch.export after `run_decompositions()`) or `aten::conv{1,2,3}d` (scripted, torch.export), never
/// transposed, with numeric padding.
struct ConvolutionLayout {
    let stride: [Int]
    let padding: [Int]
    let dilation: [Int]
    let groups: Int

    init?(_ node: Node) {
        let groupsIndex: Int
        switch node.op {
        case "aten::_convolution", "aten::_convolution.deprecated", "aten::convolution":
            guard case .bool(false)? = node.literal(6) else { return nil }
            groupsIndex = 8
        case "aten::conv1d", "aten::conv2d", "aten::conv3d":
            groupsIndex = 6
        default:
            return nil
        }
        guard node.tensorArgument(0) != nil, node.tensorArgument(1) != nil,
            node.tensorArgument(2) != nil || node.literal(2)?.isNone == true,
            let stride = node.literal(3)?.intList, let padding = node.literal(4)?.intList, let dilation = node.literal(5)?.intList,
            case .int(let groups)? = node.literal(groupsIndex)
        else { return nil }
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = Int(groups)
    }
}

extension ScriptValue {
    /// `[1, 2]` as Swift ints; nil for anything else.
    var intList: [Int]? {
        guard case .list(let list) = self else { return nil }
        var result: [Int] = []
        for element in list.elements {
            guard case .int(let i) = element else { return nil }
            result.append(Int(i))
        }
        return result
    }
}

extension Graph {
    /// A new constant value.
    func newConstant(_ tensor: Tensor) -> ValueID {
        let id = newValue(.constant(tensor))
        types[id] = TensorType(tensor)
        return id
    }

    /// Points every reader of `old` (nodes and the output) at `new`.
    func replaceUses(of old: ValueID, with new: ValueID) {
        let map = [old: new]
        for node in nodes { node.arguments = node.arguments.map { $0.replacing(map) } }
        output = output.replacing(map)
    }
}
