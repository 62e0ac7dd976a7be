import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Result shapes (``OperatorShapeFunction``) of the float32 elementwise operators a network applies
    /// between its convolutions and products (activations, arithmetic, inference batch norm), so that a
    /// recording run with placeholders skips them too: the result of an elementwise operator over float32
    /// tensors and numbers is float32, of the tensors' broadcast shape. Their in-place variants (`relu_`,
    /// `add_.Tensor`) get the same function: a recorder then leaves a placeholder it writes into as it is (see
    /// `TraceRecorder`), when the result has the target's shape.
    mutating func declareElementwiseResultShapes() {
        let unary = [
            "relu", "relu6", "sigmoid", "tanh", "silu", "hardswish", "hardsigmoid", "gelu", "hardtanh", "leaky_relu", "elu", "celu", "selu",
            "mish", "softplus", "neg", "abs", "exp", "sqrt", "rsqrt", "reciprocal", "square",
        ]
        let binary = ["add", "sub", "mul", "div"].flatMap { ["aten::\($0).Tensor", "aten::\($0).Scalar"] }
        let clamps = ["aten::clamp", "aten::clamp.Tensor", "aten::clamp_min", "aten::clamp_max"]
        let names = unary.map { "aten::\($0)" } + binary + clamps
        declareResultShape(names + names.map(Self.inPlaceName).filter { self[$0] != nil }) { c in try Self.float32ElementwiseOutline(c) }
        // Inference only: in training the batch norm also updates its running statistics.
        declareResultShape(["aten::batch_norm"]) { c in
            let input = try c.tensor(0, "input")
            guard try !c.bool(5, "training"), input.dtype == .float32, input.rank >= 2, try c.optionalTensor(3, "running_mean") != nil,
                try c.optionalTensor(4, "running_var") != nil
            else { return nil }
            // The body's checks: every per-channel tensor holds one value per channel.
            for (index, name) in [(1, "weight"), (2, "bias"), (3, "running_mean"), (4, "running_var")] {
                if let tensor = try c.optionalTensor(index, name), tensor.elementCount != input.shape[1] { return nil }
            }
            return (input.shape, .float32)
        }
    }

    /// `aten::add_.Tensor` for `aten::add.Tensor`.
    static func inPlaceName(_ name: String) -> String {
        let parts = name.split(separator: ".", maxSplits: 1)
        return String(parts[0] + "_" + (parts.count > 1 ? "." + parts[1] : ""))
    }

    /// Float32 and of the tensors' broadcast shape, when every tensor argument is float32 and every other one a
    /// real number, a string or None (nil otherwise: a complex number or another dtype promotes).
    static func float32ElementwiseOutline(_ c: Arguments) throws -> (shape: [Int], dtype: DType)? {
        var shapes: [[Int]] = []
        for value in c.values {
            switch value {
            case .tensor(let tensor):
                guard tensor.dtype == .float32 else { return nil }
                shapes.append(tensor.shape)
            case .int, .double, .bool, .string, .none:
                continue
            default:
                return nil
            }
        }
        guard !shapes.isEmpty else { return nil }
        return (try Tensor.broadcastShape(shapes), .float32)
    }
}
