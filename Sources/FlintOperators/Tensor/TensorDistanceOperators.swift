import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Distances and similarities between vectors: `cdist`, `pdist`, `pairwise_distance`, `cosine_similarity`.
    mutating func defineDistanceOperators() {
        tensorOp("aten::cdist") { try $0.tensor(0, "x1").cdist($0.tensor(1, "x2"), p: $0.double(2, "p", default: 2)) }
        tensorOp("aten::_cdist_forward") { try $0.tensor(0, "x1").cdist($0.tensor(1, "x2"), p: $0.double(2, "p")) }
        tensorOp("aten::pdist") { try $0.tensor(0, "input").pdist(p: $0.double(1, "p", default: 2)) }
        tensorOp("aten::_pdist_forward") { try $0.tensor(0, "self").pdist(p: $0.double(1, "p", default: 2)) }
        // ATen's composite: the p-norm over the last dimension of x1 − x2 + eps.
        tensorOp("aten::pairwise_distance") { c in
            let (x1, x2) = (try c.tensor(0, "x1"), try c.tensor(1, "x2"))
            let innermost = Swift.max(x1.rank, x2.rank) - 1
            let difference = try Tensor.binary(Add(), .tensor(x1.sub(x2)), .scalar(.double(c.double(3, "eps", default: 1e-6))), operation: "add")
            return try difference.norm(p: c.double(2, "p", default: 2), dims: [innermost], keepDim: c.bool(4, "keepdim", default: false))
        }
        // ATen's composite: each input divided by its Euclidean norm along `dim` (clamped to eps), then the sum of
        // the products.
        tensorOp("aten::cosine_similarity") { c in
            var (x1, x2) = (try c.tensor(0, "x1"), try c.tensor(1, "x2"))
            let common = try DType.resultType([.tensor(x1.dtype, rank: x1.rank), .tensor(x2.dtype, rank: x2.rank)])
            guard common.isFloatingPoint else { throw OperatorError("expected common dtype to be floating point, yet common dtype is \(common.scalarTypeName)") }
            let shape = try Tensor.broadcastShape(x1.shape, x2.shape)
            (x1, x2) = (try x1.to(common).expand(shape), try x2.to(common).expand(shape))
            let dim = try c.int(2, "dim", default: 1)
            let eps = Scalar.double(try c.double(3, "eps", default: 1e-8))
            let n1 = try x1.norm(p: 2, dims: [dim], keepDim: true).clamp(min: eps, max: nil)
            let n2 = try x2.norm(p: 2, dims: [dim], keepDim: true).clamp(min: eps, max: nil)
            return try x1.div(n1).mul(x2.div(n2)).sum(dims: [dim])
        }
    }
}
