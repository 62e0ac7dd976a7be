import FlintTensor
import FlintValues

/// Folds an inference-mode batch norm into the convolution before it, as `torch.jit.freeze` and ONNX
/// Runtime do (``FoldableBatchNorm``): the convolution gets the folded weight and bias as new constants, and
/// the batch norm disappears. Runs after ``EpilogueFusion``, which folds the batch norms of the float32
/// convolutions it packs into their packed weights itself; this pass takes the rest (other dtypes, fusion
/// skipped).
///
/// Applies when the batch norm is foldable (``FoldableBatchNorm``) and the convolution's weight and bias are
/// constants of a floating-point dtype.
struct BatchNormFolding: GraphPass {
    let name = "batch norm folding"

    func run(on graph: Graph) -> Int {
        var folded = 0
        var users = graph.users()
        let outputs = Set(graph.output.values)
        for bn in graph.nodes {
            guard let norm = FoldableBatchNorm(bn, graph, users: users, outputs: outputs),
                let weight = norm.convolution.tensorArgument(1).flatMap(graph.constant), weight.dtype.isFloatingPoint
            else { continue }
            let conv = norm.convolution
            let bias = conv.tensorArgument(2).flatMap(graph.constant)
            if conv.tensorArgument(2) != nil && bias == nil { continue }
            guard let (newWeight, newBias) = try? norm.foldedConstants(weight: weight, bias: bias, graph) else { continue }
            // Rewrite: new constants into the convolution, the batch norm's readers onto the convolution's output.
            conv.arguments[1] = .tensor(graph.newConstant(newWeight))
            conv.arguments[2] = .tensor(graph.newConstant(newBias))
            conv.notes.append("batch norm folded")
            graph.replaceUses(of: norm.output, with: norm.input)
            graph.nodes.removeAll { $0 === bn }
            users = graph.users()
            folded += 1
        }
        return folded
    }
}

/// An inference-mode batch norm that alone reads a convolution's result, with constant statistics and affine
/// parameters: everything folding it into the convolution needs. With `s = γ / √(var + ε)`, the convolution's
/// weight becomes `W·s` (per output channel) and its bias `(b − mean)·s + β`; the arithmetic is done in
/// float64. ``BatchNormFolding`` makes those constants; ``EpilogueFusion`` packs `W` with `s` applied on the
/// way (`PackedConvolutionWeights(_:groups:offering:preparing:scalingOutputChannels:)`), never making `W·s`.
struct FoldableBatchNorm {
    let node: Node
    /// The convolution whose result the batch norm reads (a ``ConvolutionLayout`` node).
    let convolution: Node
    /// The convolution's result, the batch norm's result.
    let input: ValueID, output: ValueID
    let mean: Tensor, variance: Tensor
    let gamma: Tensor?, beta: Tensor?
    let eps: Double

    /// `node` as a foldable batch norm: not training, its input the result of a convolution that nothing else
    /// reads and the method does not return, its statistics and affine parameters constants. `users`: the
    /// graph's `users()`; `outputs`: the values the method returns.
    init?(_ node: Node, _ graph: Graph, users: [[Node]], outputs: Set<ValueID>) {
        guard let eps = Self.inferenceEpsilon(node, users: users, outputs: outputs), let input = node.tensorArgument(0), !outputs.contains(input),
            users[input.index].count == 1, case .node(let conv) = graph.definition(of: input), ConvolutionLayout(conv) != nil,
            let mean = node.tensorArgument(3).flatMap(graph.constant), let variance = node.tensorArgument(4).flatMap(graph.constant),
            let output = node.outputValues.first
        else { return nil }
        let gamma = node.tensorArgument(1).flatMap(graph.constant)
        let beta = node.tensorArgument(2).flatMap(graph.constant)
        if node.tensorArgument(1) != nil && gamma == nil || node.tensorArgument(2) != nil && beta == nil { return nil }
        (self.node, convolution, self.input, self.output) = (node, conv, input, output)
        (self.mean, self.variance, self.gamma, self.beta, self.eps) = (mean, variance, gamma, beta, eps)
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

    /// Each output channel's factor `s` and the folded bias `(b − mean)·s + β` in the weight's dtype, for a
    /// convolution of `channels` output channels with bias `bias` (nil: none).
    func factors(channels: Int, bias: Tensor?, dtype: DType) throws -> (scale: [Double], bias: Tensor) {
        guard mean.shape == [channels], variance.shape == [channels] else { throw TensorError("batch norm statistics do not match the weight") }
        let wide: (Tensor) throws -> Tensor = { try $0.to(.float64) }
        let epsilon = try Scalar.double(eps).tensor(.float64)
        var scale = try Tensor.ones([channels], dtype: .float64).div(wide(variance).add(epsilon).sqrt())
        if let gamma { scale = try scale.mul(wide(gamma)) }
        var shift = try Tensor(zeros: [channels], dtype: .float64).sub(wide(mean).mul(scale))
        if let beta { shift = try shift.add(wide(beta)) }
        var newBias = shift
        if let bias { newBias = try wide(bias).mul(scale).add(shift) }
        return (try scale.scalars(as: Double.self), try newBias.to(dtype).contiguous())
    }

    /// The folded weight `W·s` and bias, through the graph's derived constants when it has them (so every plan
    /// of the method shares one copy). `known`: the ``factors(channels:bias:dtype:)`` the caller already has.
    func foldedConstants(
        weight: Tensor, bias: Tensor?, _ graph: Graph, known: (scale: [Double], bias: Tensor)? = nil
    ) throws -> (weight: Tensor, bias: Tensor) {
        let make = { () throws -> (Tensor, Tensor) in
            let (scale, newBias) = try known ?? factors(channels: weight.shape[0], bias: bias, dtype: weight.dtype)
            let channels = scale.count
            let newWeight = weight.dtype == .float32
                ? try weight.scalingLeadingSlices(by: scale)
                : try weight.to(.float64).mul(Tensor(shape: [channels] + Array(repeating: 1, count: weight.rank - 1), scalars: scale)).to(weight.dtype).contiguous()
            return (newWeight, newBias)
        }
        return try graph.derivedConstants.map { try $0.folded(from: sources(weight: weight, bias: bias), extra: [eps], make: make) } ?? make()
    }

    /// What the folded constants are made from, for keying derived constants (with `eps`).
    func sources(weight: Tensor, bias: Tensor?) -> [Tensor?] { [weight, bias, mean, variance, gamma, beta] }
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
