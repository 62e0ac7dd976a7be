import FlintOperators
import FlintTensor
import FlintValues

/// Fuses what follows a convolution or a linear layer into its GEMM's output write: a residual add
/// (`out + identity`, `out += identity`), then an activation: ReLU and ReLU6/hardtanh/clamp (constant bounds)
/// are applied by the GEMM as it writes; SiLU, sigmoid, hardswish and GELU in one in-place pass right after.
/// `relu(conv(x) + identity)` becomes one `flint::convolution` that reads `x` and `identity` and writes the
/// result once. Applies when the weight is a constant and each intermediate has no other reader.
///
/// An inference-mode batch norm right after a convolution (``FoldableBatchNorm``) is folded in first: the
/// kernel node gets the folded bias, and its packed weight is packed from the unscaled weight with each
/// output channel's factor applied on the way, so the folded weight is never made (that copy of every
/// convolution weight was a fifth of resnet50's load + first call). A depthwise convolution, whose kernel
/// reads its weight unpacked, gets the folded weight.
struct EpilogueFusion: GraphPass {
    let name = "epilogue fusion"

    func run(on graph: Graph) -> Int {
        packAhead(graph)
        var fused = 0
        var index = 0
        // Who reads what, made again after each rewrite.
        var readers = Readers(graph)
        while index < graph.nodes.count {
            let node = graph.nodes[index]
            index += 1
            guard let layer = Layer(node, graph, readers), let product = node.outputValues.first, node.outputValues.count == 1 else { continue }
            // The epilogue follows the folded batch norm's result when there is one.
            let start = layer.batchNorm?.norm.output ?? product
            let (epilogue, following, result) = follow(start, graph, readers) ?? (FusedEpilogueTemplate(), [], start)
            let consumed = (layer.batchNorm.map { [$0.norm.node] } ?? []) + following
            guard !consumed.isEmpty else {
                // Nothing to fuse: the layer still becomes the kernel node, for its weights packed once.
                if layer.packsWeight(graph), let position = graph.nodes.firstIndex(where: { $0 === node }),
                    let packedNode = layer.fusedNode(epilogue: FusedEpilogueTemplate(), result: product, graph: graph)
                {
                    graph.nodes[position] = packedNode
                    graph.redefine(product, as: .node(packedNode))
                    readers = Readers(graph)
                }
                continue
            }
            guard let fusedNode = layer.fusedNode(epilogue: epilogue, result: result, graph: graph) else { continue }
            // Replace: the fused node takes the place of the last node it absorbs.
            guard let last = consumed.last, let position = graph.nodes.firstIndex(where: { $0 === last }) else { continue }
            graph.nodes[position] = fusedNode
            graph.nodes.removeAll { candidate in candidate === node || consumed.dropLast().contains { $0 === candidate } }
            graph.redefine(result, as: .node(fusedNode))
            readers = Readers(graph)
            fused += 1
            // The convolution left its slot: the next node to look at moved into it. (Nodes before it are
            // done; the fused node is not a layer.)
            index -= 1
        }
        return fused
    }

    /// Packs every weight the rewrite below will pack into the graph's derived constants, over the thread
    /// pool, largest first and dealt out in turn so the threads get similar shares; the rewrite then finds
    /// them there. Packing was a third of a CNN's first call, one layer after another on one thread.
    private func packAhead(_ graph: Graph) {
        let pool = ThreadPool.shared
        guard graph.derivedConstants != nil, pool.threadCount > 1 else { return }
        let readers = Readers(graph)
        let layers = graph.nodes.compactMap { Layer($0, graph, readers) }.filter { $0.packsWeight(graph) }
            .sorted { $0.weight.elementCount > $1.weight.elementCount }
        guard layers.count > 1 else { return }
        let threads = Swift.min(pool.threadCount, layers.count)
        pool.parallelFor(threads, minimumPerThread: 1) { share, _ in
            for thread in share {
                for index in stride(from: thread, to: layers.count, by: threads) { _ = layers[index].packedWeight(graph) }
            }
        }
    }

    /// What to fuse after `product`: the epilogue, the nodes it absorbs (in order) and the value the fused
    /// node defines. Nil when nothing follows that can be fused.
    private func follow(_ product: ValueID, _ graph: Graph, _ readers: Readers) -> (FusedEpilogueTemplate, [Node], ValueID)? {
        let (users, uses, outputs) = (readers.users, readers.uses, readers.outputs)
        func soleUser(_ value: ValueID) -> Node? {
            guard !outputs.contains(value), users[value.index].count == 1, uses[value.index] == 1 else { return nil }
            return users[value.index][0]
        }
        var epilogue = FusedEpilogueTemplate()
        var consumed: [Node] = []
        var current = product
        if let add = soleUser(current), let residual = Self.residual(of: add, adding: current, graph), let sum = add.outputValues.first {
            epilogue.residual = residual
            consumed.append(add)
            current = sum
        }
        if let activationNode = soleUser(current), let activation = Self.activation(activationNode, input: current),
            let activated = activationNode.outputValues.first
        {
            epilogue.activation = activation
            consumed.append(activationNode)
            current = activated
        }
        return consumed.isEmpty ? nil : (epilogue, consumed, current)
    }

    /// The other operand of `add(product, r)`, `add(r, product)` or `product += r`, with alpha 1 and the
    /// product's shape and dtype (no broadcasting).
    private static func residual(of add: Node, adding product: ValueID, _ graph: Graph) -> ValueID? {
        guard add.op == "aten::add.Tensor" || add.op == "aten::add_.Tensor", add.outputValues.count == 1,
            let alpha = add.literal(2)?.numericValue, alpha == 1,
            let first = add.tensorArgument(0), let second = add.tensorArgument(1), first != second
        else { return nil }
        let other: ValueID
        if first == product {
            other = second
        } else if second == product && add.op == "aten::add.Tensor" {
            other = first
        } else {
            return nil
        }
        guard let productType = graph.types[product], let otherType = graph.types[other], productType.dtype == otherType.dtype,
            productType.shape == otherType.shape
        else { return nil }
        return other
    }

    /// The activation `node` applies to `input`, if the GEMM epilogue has it.
    private static func activation(_ node: Node, input: ValueID) -> FusedEpilogue.Activation? {
        guard node.tensorArgument(0) == input, node.outputValues.count == 1 else { return nil }
        switch node.op {
        case "aten::relu", "aten::relu_": return .relu
        case "aten::relu6", "aten::relu6_": return .clamp(low: 0, high: 6)
        case "aten::hardtanh", "aten::hardtanh_":
            guard let low = node.literal(1)?.numericValue, let high = node.literal(2)?.numericValue else { return nil }
            return .clamp(low: Float(low), high: Float(high))
        case "aten::silu", "aten::silu_": return .silu
        case "aten::sigmoid", "aten::sigmoid_": return .sigmoid
        case "aten::hardswish", "aten::hardswish_": return .hardswish
        case "aten::gelu", "aten::gelu_":
            switch node.literal(1) {
            case .string("none")?: return .gelu(tanh: false)
            case .string("tanh")?: return .gelu(tanh: true)
            default: return nil
            }
        case "aten::clamp", "aten::clamp_":
            let low = node.literal(1)?.numericValue
            let high = node.literal(2)?.numericValue
            switch (low, high) {
            case (let low?, let high?): return .clamp(low: Float(low), high: Float(high))
            case (0?, nil): return .relu
            default: return nil
            }
        default: return nil
        }
    }
}

/// Who reads each value of a graph as it stands: its reading nodes, its use count, and whether the method
/// returns it.
private struct Readers {
    let users: [[Node]]
    let uses: [Int]
    let outputs: Set<ValueID>

    init(_ graph: Graph) {
        (users, uses, outputs) = (graph.users(), graph.useCounts(), Set(graph.output.values))
    }
}

/// An epilogue whose residual is a graph value.
struct FusedEpilogueTemplate {
    var residual: ValueID?
    var activation = FusedEpilogue.Activation.none
}

/// A convolution or linear node with a constant float32 weight, as the fused kernel needs it.
private struct Layer {
    enum Kind {
        case convolution(ConvolutionLayout)
        case linear
    }

    let kind: Kind
    let input: ValueID
    /// The weight as the graph has it (unscaled when a batch norm is folded in).
    let weight: Tensor
    /// The bias the kernel adds: the folded one when a batch norm is folded in.
    let bias: Tensor?
    /// The batch norm after a convolution folded into this layer, with each output channel's factor.
    let batchNorm: (norm: FoldableBatchNorm, scale: [Double])?

    init?(_ node: Node, _ graph: Graph, _ readers: Readers) {
        guard let input = node.tensorArgument(0), let weight = node.tensorArgument(1).flatMap(graph.constant), weight.dtype == .float32,
            graph.types[input]?.dtype == .float32
        else { return nil }
        let bias = node.tensorArgument(2).flatMap(graph.constant)
        if node.tensorArgument(2) != nil && bias == nil { return nil }
        if let layout = ConvolutionLayout(node) {
            kind = .convolution(layout)
        } else if node.op == "aten::linear" {
            kind = .linear
        } else {
            return nil
        }
        self.input = input
        self.weight = weight
        // A batch norm that alone reads a convolution's result: its factors now (a mismatch leaves it out).
        if case .convolution = kind, let norm = Self.batchNorm(after: node, graph, readers),
            let (scale, foldedBias) = try? norm.factors(channels: weight.shape[0], bias: bias, dtype: weight.dtype)
        {
            batchNorm = (norm, scale)
            self.bias = foldedBias
        } else {
            batchNorm = nil
            self.bias = bias
        }
    }

    /// The foldable batch norm that alone reads the convolution `node`'s result.
    private static func batchNorm(after node: Node, _ graph: Graph, _ readers: Readers) -> FoldableBatchNorm? {
        guard let product = node.outputValues.first, let reader = readers.users[product.index].first,
            let norm = FoldableBatchNorm(reader, graph, users: readers.users, outputs: readers.outputs), norm.convolution === node
        else { return nil }
        return norm
    }

    /// Whether the kernel node packs the weight once: every convolution but a depthwise one (its kernel
    /// reads the weight directly), and a linear layer over more than 8 rows (fewer rows stream the
    /// unpacked weight once through the thin-product kernels, which is faster than any packed form).
    func packsWeight(_ graph: Graph) -> Bool {
        switch kind {
        case .convolution: return true
        case .linear:
            return graph.productRows(of: input).map(Graph.packingPays) ?? false
        }
    }

    /// Whether a convolution also gets its weight's Winograd form: stride-1, dilation-1 3×3 ones.
    private func usesWinograd(_ layout: ConvolutionLayout) -> Bool {
        layout.groups == 1 && weight.rank == 4 && weight.shape[2...] == [3, 3]
            && layout.stride.allSatisfy { $0 == 1 } && layout.dilation.allSatisfy { $0 == 1 }
    }

    /// The packed weight the kernel node uses (`PackedConvolutionWeights` or `PackedLinearWeight`), made once
    /// per method through the graph's derived constants; nil when the layer does not pack its weight
    /// (``packsWeight(_:)``; depthwise kernels read it directly) or packing failed (the kernel then reads
    /// the weight as it is). Thread-safe.
    func packedWeight(_ graph: Graph) -> AnyObject? {
        guard packsWeight(graph) else { return nil }
        switch kind {
        case .convolution(let layout):
            if layout.groups > 1 && weight.shape[1] == 1 { return nil }
            let weight = self.weight
            let offering: PackedConvolutionWeights.Forms = usesWinograd(layout) ? [.gemm, .winograd] : .gemm
            // Only the form this plan's input shape multiplies with is packed now (others on first use).
            var needed = PackedConvolutionWeights.Forms.gemm
            if let inputShape = graph.types[input]?.shape {
                let form = Tensor.convolutionForm(
                    inputShape: inputShape, weightShape: weight.shape, stride: layout.stride, padding: layout.padding,
                    dilation: layout.dilation, groups: layout.groups)
                if offering.isSuperset(of: form) { needed = form }
            }
            let preparing = needed
            let scale = batchNorm?.scale
            let make = {
                try PackedConvolutionWeights(weight, groups: layout.groups, offering: offering, preparing: preparing, scalingOutputChannels: scale)
            }
            let packed: PackedConvolutionWeights
            do {
                if let constants = graph.derivedConstants {
                    let scaledBy = batchNorm.map { ($0.norm.sources(weight: weight, bias: nil), [$0.norm.eps]) } ?? ([], [])
                    packed = try constants.packed(weight, groups: layout.groups, winograd: offering.contains(.winograd), scaledBy: scaledBy, make: make)
                } else {
                    packed = try make()
                }
            } catch {
                return nil
            }
            // Made for another input shape's plan, it may lack this one's form.
            packed.prepare(needed)
            return packed
        case .linear:
            return try? graph.packedLinearWeight(weight)
        }
    }

    /// The kernel node computing this layer, then `epilogue`, into `result`; nil when a folded batch norm's
    /// weight cannot be made.
    func fusedNode(epilogue: FusedEpilogueTemplate, result: ValueID, graph: Graph) -> Node? {
        let (bias, activation) = (self.bias, epilogue.activation)
        var weight = self.weight
        let hasResidual = epilogue.residual != nil
        var arguments: [ValueTemplate] = [.tensor(input)]
        if let residual = epilogue.residual { arguments.append(.tensor(residual)) }
        let op: String
        // The kernel call; with a destination it writes there (the writer form), without it returns a new tensor.
        let compute: @Sendable (Arguments, Tensor?) throws -> Tensor
        switch kind {
        case .convolution(let layout):
            op = "flint::convolution"
            // Packed once, for every call of the plan (depthwise kernels read the weight directly).
            let packed = packedWeight(graph) as? PackedConvolutionWeights
            // Unpacked (a depthwise convolution), the folded batch norm needs the scaled weight itself.
            if packed == nil, let (norm, scale) = batchNorm, let bias {
                guard
                    let folded = try? norm.foldedConstants(
                        weight: weight, bias: norm.convolution.tensorArgument(2).flatMap(graph.constant), graph, known: (scale, bias))
                else { return nil }
                weight = folded.weight
            }
            let kernelWeight = weight
            compute = { arguments, output in
                let residual = hasResidual ? arguments.values[1].tensor : nil
                return try arguments.values[0].tensor!.convolution(
                    weight: kernelWeight, bias: bias, stride: layout.stride, padding: layout.padding, dilation: layout.dilation, groups: layout.groups,
                    epilogue: FusedEpilogue(residual: residual, activation: activation), packed: packed, into: output)
            }
        case .linear:
            op = "flint::linear"
            let packed = packedWeight(graph) as? PackedLinearWeight
            let weight = weight
            compute = { arguments, output in
                let residual = hasResidual ? arguments.values[1].tensor : nil
                return try arguments.values[0].tensor!.linear(
                    weight: weight, bias: bias, epilogue: FusedEpilogue(residual: residual, activation: activation), packed: packed, into: output)
            }
        }
        let forms = operatorForms(compute)
        let node = Node(op: op, body: forms.body, arguments: arguments, result: .tensor(result))
        node.writer = forms.writer
        node.heldConstants = [weight] + (bias.map { [$0] } ?? [])
        // The float32 kernels read the residual element by element just before writing over it. Depthwise and
        // 3-D convolutions (whose batch-folded path adds it afterwards), linear layers with a bias the GEMM does
        // not fuse, and other dtypes add it in a pass afterwards (from a copy, were it the destination).
        let readsResidualInPlace = switch kind {
        case .convolution(let layout): !(layout.groups > 1 && weight.shape[1] == 1) && weight.rank <= 4
        case .linear: bias.map { $0.dtype == .float32 && $0.rank == 1 } ?? true
        }
        if hasResidual, graph.types[result]?.dtype == .float32, readsResidualInPlace { node.resultMayReplaceArgument = 1 }
        node.notes = ["weight \(weight.shape)"] + (bias == nil ? [] : ["bias"]) + (batchNorm == nil ? [] : ["batch norm folded"])
            + (hasResidual ? ["+ residual"] : [])
            + (activation == .none ? [] : [activation.description])
        return node
    }
}
