import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// The backward operators a traced graph can record and inference still runs (`_softmax_backward_data`,
    /// `native_dropout_backward`, `max_pool2d_with_indices_backward`), each as its closed form over forward's
    /// saved values.
    mutating func defineGradientOperators() {
        // ∂softmax: y·(g − Σ g·y) along dim, in the forward input's dtype.
        tensorOp("aten::_softmax_backward_data") { c in
            let (gradient, output) = (try c.tensor(0, "grad_output"), try c.tensor(1, "output"))
            let dim = try output.wrapDimension(c.int(2, "dim"))
            let weighted = try gradient.mul(output)
            let centred = try Tensor.binary(Sub(), .tensor(gradient), .tensor(weighted.sum(dims: [dim], keepDim: true)), operation: "_softmax_backward_data")
            return try output.mul(centred).to(c.requiredDType(3, "input_dtype"))
        }
        // ∂dropout: g·mask·scale.
        tensorOp("aten::native_dropout_backward") { c in
            let gradient = try c.tensor(0, "grad_output")
            let kept = try gradient.mul(c.tensor(1, "mask").to(gradient.dtype))
            return try Tensor.binary(Mul(), .tensor(kept), .scalar(.double(c.double(2, "scale"))), operation: "native_dropout_backward")
        }
        // ∂max_pool2d: each output's gradient added at the input position its index names (within its plane).
        tensorOp("aten::max_pool2d_with_indices_backward") { c in
            let (gradient, input, indices) = (try c.tensor(0, "grad_output"), try c.tensor(1, "self"), try c.tensor(7, "indices"))
            guard input.rank == 3 || input.rank == 4 else {
                throw OperatorError("non-empty 3D or 4D (batch mode) tensor expected for input")
            }
            guard gradient.shape == indices.shape else {
                throw OperatorError("Expected a tensor of size \(indices.shape) for argument grad_output, but got \(gradient.shape)")
            }
            let plane = input.shape[input.rank - 2] * input.shape[input.rank - 1]
            let planes = plane == 0 ? 0 : input.elementCount / plane
            let flat = Tensor.zeros([planes, plane], dtype: gradient.dtype)
            let result = try flat.scatter(dim: 1, index: indices.reshape([planes, -1]), source: .tensor(gradient.reshape([planes, -1])), accumulate: true)
            return try result.reshape(input.shape).to(input.dtype)
        }
    }
}
