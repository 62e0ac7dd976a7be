import FlintOperators
import FlintValues

/// Recognises core ATen's spelling of a linear layer and rewrites it to `aten::linear`, so that epilogue
/// fusion applies to it: `addmm(bias, x, Wᵀ)` (beta and alpha 1, a constant bias of the output width) or
/// `mm(x, Wᵀ)`, where `Wᵀ` is a constant 2-D weight transposed by `aten::t`, `aten::permute(W, [1, 0])` or
/// `aten::transpose.int(W, 0, 1)`. This is how torch.export programs spell `nn.Linear` after
/// `run_decompositions()`. The transpose is left for dead-code elimination when nothing else reads it.
struct LinearRecognition: GraphPass {
    let name = "linear recognition"

    func run(on graph: Graph) -> Int {
        guard let linear = OperatorRegistry.standard.body(named: "aten::linear") else { return 0 }
        var rewrites = 0
        for node in graph.nodes where node.op == "aten::addmm" || node.op == "aten::mm" {
            let isAddmm = node.op == "aten::addmm"
            if isAddmm {
                guard node.literal(3)?.numericValue == 1, node.literal(4)?.numericValue == 1 else { continue }
            }
            let offset = isAddmm ? 1 : 0
            guard let input = node.tensorArgument(offset), graph.types[input]?.shape.count == 2,
                let transposed = node.tensorArgument(offset + 1), case .node(let transpose) = graph.definition(of: transposed),
                Self.isMatrixTranspose(transpose), let source = transpose.tensorArgument(0), let weight = graph.constant(source), weight.rank == 2
            else { continue }
            var bias = ValueTemplate.literal(.none)
            if isAddmm {
                guard let value = node.tensorArgument(0), let constant = graph.constant(value), constant.shape == [weight.shape[0]] else { continue }
                bias = .tensor(value)
            }
            node.op = "aten::linear"
            node.body = linear
            node.writer = OperatorRegistry.standard.writer(named: "aten::linear")
            node.arguments = [.tensor(input), .tensor(source), bias]
            node.notes.append("from \(isAddmm ? "addmm" : "mm")")
            rewrites += 1
        }
        return rewrites
    }

    /// `aten::t`, `permute(_, [1, 0])` or `transpose.int(_, 0, 1)` of a matrix.
    static func isMatrixTranspose(_ node: Node) -> Bool {
        switch node.op {
        case "aten::t": return true
        case "aten::permute": return node.literal(1)?.intList == [1, 0]
        case "aten::transpose.int":
            guard let a = node.literal(1)?.numericValue, let b = node.literal(2)?.numericValue else { return false }
            let dims = Set([Int(a), Int(b)].map { $0 < 0 ? $0 + 2 : $0 })
            return dims == [0, 1]
        default: return false
        }
    }
}
