import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Matrix products, `linear` and `einsum`.
    mutating func defineLinearAlgebraOperators() {
        // Linear algebra
        tensorOp("aten::mm") { try $0.tensor(0, "self").mm($0.tensor(1, "mat2")) }
        tensorOp("aten::bmm") { try $0.tensor(0, "self").bmm($0.tensor(1, "mat2")) }
        tensorOp("aten::matmul") { try $0.tensor(0, "self").matmul($0.tensor(1, "other")) }
        tensorOp("aten::mv") { try $0.tensor(0, "self").mv($0.tensor(1, "vec")) }
        tensorOp("aten::outer") { try $0.tensor(0, "self").unsqueeze(1).mul($0.tensor(1, "vec2").unsqueeze(0)) }
        tensorOp("aten::addmv") { c in
            let product = try c.tensor(1, "mat").mv(c.tensor(2, "vec"))
            return try Self.scaledSum(c.tensor(0, "self"), product, beta: c.scalar(3, "beta", default: .int(1)), alpha: c.scalar(4, "alpha", default: .int(1)), operation: "addmv")
        }
        // addr(self, vec1, vec2, beta, alpha) = beta·self + alpha·outer(vec1, vec2); addbmm sums the batch of
        // products first. All three ignore self when beta is 0 (NaN included).
        tensorOp("aten::addr") { c in
            let product = try c.tensor(1, "vec1").unsqueeze(1).mul(c.tensor(2, "vec2").unsqueeze(0))
            return try Self.scaledSum(c.tensor(0, "self"), product, beta: c.scalar(3, "beta", default: .int(1)), alpha: c.scalar(4, "alpha", default: .int(1)), operation: "addr")
        }
        tensorOp("aten::addbmm") { c in
            // One product over the batch and inner dimensions together: [n, b·k] × [b·k, m].
            let (first, second) = (try c.tensor(1, "batch1"), try c.tensor(2, "batch2"))
            guard first.rank == 3, second.rank == 3 else { throw OperatorError("batch1 must be a 3D tensor") }
            guard first.shape[0] == second.shape[0] else {
                throw OperatorError("batch1 and batch2 must have same number of batches, got \(first.shape[0]) and \(second.shape[0])")
            }
            guard first.shape[2] == second.shape[1] else {
                throw OperatorError("Incompatible matrix sizes for bmm (\(first.shape[1])x\(first.shape[2]) and \(second.shape[1])x\(second.shape[2]))")
            }
            let (b, n, k, m) = (first.shape[0], first.shape[1], first.shape[2], second.shape[2])
            let product = try first.permute([1, 0, 2]).reshape([n, b * k]).mm(second.reshape([b * k, m]))
            return try Self.scaledSum(c.tensor(0, "self"), product, beta: c.scalar(3, "beta", default: .int(1)), alpha: c.scalar(4, "alpha", default: .int(1)), operation: "addbmm")
        }
        tensorOp("aten::einsum") { try Tensor.einsum($0.string(0, "equation"), $0.tensors(1, "tensors")) }
        tensorOp("aten::dot") { try $0.tensor(0, "self").dot($0.tensor(1, "tensor")) }
        tensorOp("aten::addmm") { c in
            try Tensor.addmm(c.tensor(0, "self"), c.tensor(1, "mat1"), c.tensor(2, "mat2"), beta: c.double(3, "beta", default: 1), alpha: c.double(4, "alpha", default: 1))
        }
        tensorOp("aten::baddbmm") { c in
            try Tensor.baddbmm(c.tensor(0, "self"), c.tensor(1, "batch1"), c.tensor(2, "batch2"), beta: c.double(3, "beta", default: 1), alpha: c.double(4, "alpha", default: 1))
        }
        tensorOp("aten::linear") { try $0.tensor(0, "input").linear(weight: $0.tensor(1, "weight"), bias: $0.optionalTensor(2, "bias")) }

    }

    /// beta · base + alpha · product, base expanded to the product's shape (ATen's check) and left out when beta is 0.
    private static func scaledSum(_ base: Tensor, _ product: Tensor, beta: Scalar, alpha: Scalar, operation: String) throws -> Tensor {
        let expanded = try base.expand(product.shape)
        let scaled = try Tensor.binary(Mul(), .tensor(product), .scalar(alpha), operation: operation)
        if beta == .int(0) || beta == .double(0) || beta == .bool(false) { return scaled }
        return try Tensor.add(.tensor(scaled), .tensor(Tensor.binary(Mul(), .tensor(expanded), .scalar(beta), operation: operation)))
    }
}
