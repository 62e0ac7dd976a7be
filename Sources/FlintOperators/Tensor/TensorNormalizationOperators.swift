import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Batch, layer, group, instance and RMS normalization (with ATen's native forms that also return statistics) and
    /// embedding.
    mutating func defineNormalizationOperators() {
        // Normalization
        // In training with running statistics, the batch's statistics also move them in place (by `momentum`), as
        // `native_batch_norm` does.
        tensorOp("aten::batch_norm") { c in
            let (runningMean, runningVar, training) = (try c.optionalTensor(3, "running_mean"), try c.optionalTensor(4, "running_var"), try c.bool(5, "training"))
            // (An empty input takes batchNorm's early return, as in ATen's batch_norm, before any check.)
            let empty = try c.tensor(0, "input").elementCount == 0
            if training && (runningMean != nil || runningVar != nil) && !empty {
                return try Self.nativeBatchNorm(c, runningMean: runningMean, runningVar: runningVar, flagIndex: 5).output
            }
            return try c.tensor(0, "input").batchNorm(
                weight: c.optionalTensor(1, "weight"), bias: c.optionalTensor(2, "bias"), runningMean: runningMean, runningVar: runningVar,
                training: training, epsilon: c.double(7, "eps"))
        }
        // Core ATen's inference batch norm (what run_decompositions() leaves): the output, and empty saved statistics.
        define("aten::_native_batch_norm_legit_no_training") { c in
            let input = try c.tensor(0, "input")
            let output = try input.batchNorm(
                weight: c.optionalTensor(1, "weight"), bias: c.optionalTensor(2, "bias"), runningMean: c.tensor(3, "running_mean"),
                runningVar: c.tensor(4, "running_var"), training: false, epsilon: c.double(6, "eps"))
            return .tuple([.tensor(output), .tensor(Tensor(zeros: [0], dtype: input.dtype)), .tensor(Tensor(zeros: [0], dtype: input.dtype))])
        }
        define("aten::native_batch_norm") { c in
            try Self.nativeBatchNorm(c, runningMean: c.optionalTensor(3, "running_mean"), runningVar: c.optionalTensor(4, "running_var"), flagIndex: 5).tuple
        }
        define("aten::_native_batch_norm_legit") { c in
            try Self.nativeBatchNorm(c, runningMean: c.tensor(3, "running_mean"), runningVar: c.tensor(4, "running_var"), flagIndex: 5).tuple
        }
        // _batch_norm_with_update(input, weight, bias, running_mean, running_var, momentum, eps): training statistics,
        // running statistics moved in place, and an empty uint8 reserve (what oneDNN would use).
        define("aten::_batch_norm_with_update") { c in
            let r = try Self.nativeBatchNorm(
                c, runningMean: c.tensor(3, "running_mean"), runningVar: c.tensor(4, "running_var"), training: true, momentum: c.double(5, "momentum"),
                eps: c.double(6, "eps"))
            return .tuple([.tensor(r.output), .tensor(r.mean), .tensor(r.inverseDeviation), .tensor(Tensor(zeros: [0], dtype: .uint8))])
        }
        define("aten::_native_batch_norm_legit.no_stats") { c in
            try Self.nativeBatchNorm(c, runningMean: nil, runningVar: nil, flagIndex: 3).tuple
        }
        defineBatchNormVariants()
        // native_group_norm(input, weight, bias, N, C, HxW, group, eps): the output and each (sample, group)'s mean and
        // 1/√(var + eps).
        define("aten::native_group_norm") { c in
            let input = try c.tensor(0, "input")
            let (n, groups, eps) = (try c.int(3, "N"), try c.int(6, "group"), try c.double(7, "eps"))
            let output = try input.groupNorm(groups: groups, weight: c.optionalTensor(1, "weight"), bias: c.optionalTensor(2, "bias"), epsilon: eps)
            let grouped = try input.to(.float64).reshape([n, groups, -1])
            let mean = try grouped.mean(dims: [2])
            let inverseDeviation = try Tensor.binary(Add(), .tensor(grouped.variance(dims: [2], correction: 0)), .scalar(.double(eps)), operation: "add").rsqrt()
            return .tuple([.tensor(output), .tensor(try mean.to(input.dtype)), .tensor(try inverseDeviation.to(input.dtype))])
        }
        tensorOp("aten::layer_norm", writing: { c, output in
            try c.tensor(0, "input").layerNorm(
                normalizedShape: c.ints(1, "normalized_shape"), weight: c.optionalTensor(2, "weight"), bias: c.optionalTensor(3, "bias"),
                epsilon: c.double(4, "eps", default: 1e-5), into: output)
        })
        tensorOp("aten::rms_norm") { c in
            try c.tensor(0, "input").rmsNorm(normalizedShape: c.ints(1, "normalized_shape"), weight: c.optionalTensor(2, "weight"), epsilon: c.optionalDouble(3, "eps"))
        }
        define("aten::native_layer_norm") { c in
            let r = try c.tensor(0, "input").nativeLayerNorm(
                normalizedShape: c.ints(1, "normalized_shape"), weight: c.optionalTensor(2, "weight"), bias: c.optionalTensor(3, "bias"), epsilon: c.double(4, "eps"))
            return .tuple([.tensor(r.output), .tensor(r.mean), .tensor(r.rstd)])
        }
        tensorOp("aten::group_norm") { c in
            try c.tensor(0, "input").groupNorm(groups: c.int(1, "num_groups"), weight: c.optionalTensor(2, "weight"), bias: c.optionalTensor(3, "bias"), epsilon: c.double(4, "eps", default: 1e-5))
        }
        tensorOp("aten::instance_norm") { c in
            try c.tensor(0, "input").instanceNorm(
                weight: c.optionalTensor(1, "weight"), bias: c.optionalTensor(2, "bias"), runningMean: c.optionalTensor(3, "running_mean"),
                runningVar: c.optionalTensor(4, "running_var"), useInputStatistics: c.bool(5, "use_input_stats"), epsilon: c.double(7, "eps"))
        }
        tensorOp("aten::embedding", writing: { try $0.tensor(0, "weight").embedding($0.tensor(1, "indices"), into: $1) })
        // `F.embedding(max_norm=)` first scales, in place, each looked-up row whose norm exceeds max_norm.
        define("aten::embedding_renorm_") { c in
            let weight = try c.tensor(0, "self")
            try weight.renormalizeRows(c.tensor(1, "indices"), maxNorm: c.double(2, "max_norm"), normType: c.double(3, "norm_type"))
            return .tensor(weight)
        }

    }

    /// `native_batch_norm` and `_native_batch_norm_legit`: (output, save_mean, save_invstd). In evaluation the running
    /// statistics normalise and the saved ones are empty; in training the batch's statistics (biased variance)
    /// normalise and are returned as mean and 1/√(var + eps), and running statistics, when given, move by momentum
    /// towards the batch's (unbiased variance), written in place as ATen does. `flagIndex` is where `training` is.
    /// What `native_batch_norm` and its relatives return: the output and, in training, each channel's batch mean and
    /// 1/√(var + eps) (empty otherwise).
    struct BatchNormResult {
        let output: Tensor
        let mean: Tensor
        let inverseDeviation: Tensor
        var tuple: ScriptValue { .tuple([.tensor(output), .tensor(mean), .tensor(inverseDeviation)]) }
    }

    private static func nativeBatchNorm(_ c: Arguments, runningMean: Tensor?, runningVar: Tensor?, flagIndex: Int) throws -> BatchNormResult {
        try nativeBatchNorm(
            c, runningMean: runningMean, runningVar: runningVar, training: c.bool(flagIndex, "training"), momentum: c.double(flagIndex + 1, "momentum"),
            eps: c.double(flagIndex + 2, "eps"))
    }

    private static func nativeBatchNorm(
        _ c: Arguments, runningMean: Tensor?, runningVar: Tensor?, training: Bool, momentum: Double, eps: Double
    ) throws -> BatchNormResult {
        let input = try c.tensor(0, "input")
        let (weight, bias) = (try c.optionalTensor(1, "weight"), try c.optionalTensor(2, "bias"))
        let output = try input.batchNorm(weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar, training: training, epsilon: eps)
        guard training else {
            let empty = Tensor(zeros: [0], dtype: input.dtype)
            return BatchNormResult(output: output, mean: empty, inverseDeviation: empty)
        }
        let dims = [0] + Array(2..<Swift.max(2, input.rank))
        let wide = try input.to(.float64)
        let mean = try wide.mean(dims: dims)
        let variance = try wide.variance(dims: dims, correction: 0)
        let inverseDeviation = try Tensor.binary(Add(), .tensor(variance), .scalar(.double(eps)), operation: "add").rsqrt()
        try moveRunningStatistics(runningMean, runningVar, mean: mean, variance: variance, count: input.elementCount / Swift.max(1, input.shape[1]), momentum: momentum)
        return BatchNormResult(output: output, mean: try mean.to(input.dtype), inverseDeviation: try inverseDeviation.to(input.dtype))
    }

    /// Moves the running statistics (where given) by `momentum` towards a batch's mean and variance (biased, over
    /// `count` elements per channel; the running variance takes the unbiased one), in place as ATen writes them.
    private static func moveRunningStatistics(
        _ runningMean: Tensor?, _ runningVar: Tensor?, mean: Tensor, variance: Tensor, count: Int, momentum: Double
    ) throws {
        func moved(_ running: Tensor, towards batch: Tensor) throws -> Tensor {
            try Tensor.binary(Mul(), .tensor(running.to(.float64)), .scalar(.double(1 - momentum)), operation: "mul")
                .add(Tensor.binary(Mul(), .tensor(batch), .scalar(.double(momentum)), operation: "mul")).to(running.dtype)
        }
        if let runningMean { try runningMean.copy(from: moved(runningMean, towards: mean)) }
        if let runningVar {
            let unbiased = try Tensor.binary(Mul(), .tensor(variance), .scalar(.double(Double(count) / Double(Swift.max(count - 1, 1)))), operation: "mul")
            try runningVar.copy(from: moved(runningVar, towards: unbiased))
        }
    }

    /// The other entries into batch normalisation that functionalised graphs and scripted library code call: the
    /// functional forms that return the moved running statistics instead of writing them, the evaluation-only
    /// `_batch_norm_no_update`, `_batch_norm_impl_index` (native, index 0, on a CPU), and SyncBatchNorm's
    /// `batch_norm_update_stats`.
    private mutating func defineBatchNormVariants() {
        let uint8Empty: @Sendable () -> Tensor = { Tensor(zeros: [0], dtype: .uint8) }
        define("aten::_batch_norm_no_update") { c in
            guard let runningMean = try c.optionalTensor(3, "running_mean"), let runningVar = try c.optionalTensor(4, "running_var") else {
                throw OperatorError("running_mean must be defined in evaluation mode")
            }
            let r = try Self.nativeBatchNorm(c, runningMean: runningMean, runningVar: runningVar, training: false, momentum: c.double(5, "momentum"), eps: c.double(6, "eps"))
            return .tuple([.tensor(r.output), .tensor(r.mean), .tensor(r.inverseDeviation), .tensor(uint8Empty())])
        }
        define("aten::_batch_norm_with_update_functional") { c in
            let (runningMean, runningVar) = (try c.tensor(3, "running_mean").clone(), try c.tensor(4, "running_var").clone())
            let r = try Self.nativeBatchNorm(c, runningMean: runningMean, runningVar: runningVar, training: true, momentum: c.double(5, "momentum"), eps: c.double(6, "eps"))
            return .tuple([.tensor(r.output), .tensor(r.mean), .tensor(r.inverseDeviation), .tensor(uint8Empty()), .tensor(runningMean), .tensor(runningVar)])
        }
        define("aten::_native_batch_norm_legit_functional") { c in
            let (runningMean, runningVar) = (try c.tensor(3, "running_mean").clone(), try c.tensor(4, "running_var").clone())
            let r = try Self.nativeBatchNorm(c, runningMean: runningMean, runningVar: runningVar, flagIndex: 5)
            return .tuple([.tensor(r.output), .tensor(r.mean), .tensor(r.inverseDeviation), .tensor(runningMean), .tensor(runningVar)])
        }
        define("aten::_batch_norm_impl_index") { c in
            let r = try Self.nativeBatchNorm(c, runningMean: c.optionalTensor(3, "running_mean"), runningVar: c.optionalTensor(4, "running_var"), flagIndex: 5)
            return .tuple([.tensor(r.output), .tensor(r.mean), .tensor(r.inverseDeviation), .tensor(uint8Empty()), .int(0)])
        }
        // The batch's mean and biased variance per channel; the running statistics (when given) move towards them.
        define("aten::batch_norm_update_stats") { c in
            let input = try c.tensor(0, "input")
            guard input.rank >= 2 else { throw OperatorError("batch_norm_update_stats: expected at least 2-D input, got \(input.rank)-D") }
            let (runningMean, runningVar) = (try c.optionalTensor(1, "running_mean"), try c.optionalTensor(2, "running_var"))
            let momentum = try c.double(3, "momentum")
            let dims = [0] + Array(2..<input.rank)
            let wide = try input.to(.float64)
            let (mean, variance) = (try wide.mean(dims: dims), try wide.variance(dims: dims, correction: 0))
            try Self.moveRunningStatistics(
                runningMean, runningVar, mean: mean, variance: variance, count: input.elementCount / Swift.max(1, input.shape[1]), momentum: momentum)
            return .tuple([.tensor(try mean.to(input.dtype)), .tensor(try variance.to(input.dtype))])
        }
    }
}
