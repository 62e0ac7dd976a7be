import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Batch, layer, group, instance and RMS normalization and embedding.
    mutating func defineNormalizationOperators() {
        // Normalization
        tensorOp("aten::batch_norm") { c in
            try c.tensor(0, "input").batchNorm(
                weight: c.optionalTensor(1, "weight"), bias: c.optionalTensor(2, "bias"), runningMean: c.optionalTensor(3, "running_mean"),
                runningVar: c.optionalTensor(4, "running_var"), training: c.bool(5, "training"), epsilon: c.double(7, "eps"))
        }
        // Core ATen's inference batch norm (what run_decompositions() leaves): the output, and empty saved statistics.
        define("aten::_native_batch_norm_legit_no_training") { c in
            let input = try c.tensor(0, "input")
            let output = try input.batchNorm(
                weight: c.optionalTensor(1, "weight"), bias: c.optionalTensor(2, "bias"), runningMean: c.tensor(3, "running_mean"),
                runningVar: c.tensor(4, "running_var"), training: false, epsilon: c.double(6, "eps"))
            return .tuple([.tensor(output), .tensor(Tensor(zeros: [0], dtype: input.dtype)), .tensor(Tensor(zeros: [0], dtype: input.dtype))])
        }
        tensorOp("aten::layer_norm") { c in
            try c.tensor(0, "input").layerNorm(
                normalizedShape: c.ints(1, "normalized_shape"), weight: c.optionalTensor(2, "weight"), bias: c.optionalTensor(3, "bias"),
                epsilon: c.double(4, "eps", default: 1e-5))
        }
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
        tensorOp("aten::embedding") { try $0.tensor(0, "weight").embedding($0.tensor(1, "indices")) }

    }
}
