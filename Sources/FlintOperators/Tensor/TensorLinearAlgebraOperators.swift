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
            let alpha = try c.scalar(4, "alpha", default: .int(1))
            let beta = try c.scalar(3, "beta", default: .int(1))
            let scaled = try Tensor.binary(Mul(), .tensor(product), .scalar(alpha), operation: "addmv")
            if beta == .int(0) || beta == .double(0) { return scaled }
            return try Tensor.add(.tensor(scaled), .tensor(Tensor.binary(Mul(), .tensor(c.tensor(0, "self")), .scalar(beta), operation: "addmv")))
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
}
