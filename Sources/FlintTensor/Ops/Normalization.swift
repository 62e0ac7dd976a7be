import CFlintKernels
/// Normalization layers in inference form: batch norm with running statistics (or batch statistics),
/// layer norm, group norm, instance norm. Statistics use the biased variance, computed in double.
extension Tensor {
    /// `batch_norm` over channel dimension 1. With `training` (or without running statistics) the batch's
    /// own statistics are used, as ATen does; running statistics are not updated.
    public func batchNorm(
        weight: Tensor?, bias: Tensor?, runningMean: Tensor?, runningVar: Tensor?, training: Bool, epsilon: Double
    ) throws -> Tensor {
        if elementCount == 0 {
            // ATen's early return for an empty input (before any shape check): the input scaled and shifted by the
            // first weight and bias.
            var result = try clone()
            if let weight, weight.elementCount > 0 { result = try result.mul(weight.reshape([-1]).select(dim: 0, index: 0)) }
            if let bias, bias.elementCount > 0 { result = try Tensor.add(.tensor(result), .tensor(bias.reshape([-1]).select(dim: 0, index: 0))) }
            return result
        }
        guard rank >= 2 else { throw TensorError("batch_norm: expected at least 2-D input, got \(rank)-D") }
        guard dtype.isFloatingPoint else { throw TensorError("\"batch_norm\" not implemented for '\(dtype.scalarTypeName)'") }
        if !training && (runningMean == nil || runningVar == nil) {
            throw TensorError("running_mean must be defined in evaluation mode")
        }
        let channels = shape[1]
        for (name, t) in [("weight", weight), ("bias", bias), ("running_mean", runningMean), ("running_var", runningVar)] {
            if let t, t.elementCount != channels {
                throw TensorError("batch_norm: \(name) should contain \(channels) elements not \(t.elementCount)")
            }
        }
        if !training, dtype == .float32, let runningMean, let runningVar {
            return try batchNormInference(runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias, epsilon: epsilon)
        }
        let perChannel = [1, channels] + Array(repeating: 1, count: rank - 2)
        let dims = [0] + Array(2..<rank)
        let mean: Tensor
        let variance: Tensor
        if training || runningMean == nil || runningVar == nil {
            let wide = try to(.float64)
            mean = try wide.mean(dims: dims, keepDim: true)
            variance = try wide.variance(dims: dims, correction: 0, keepDim: true)
        } else {
            mean = try runningMean!.to(.float64).reshape(perChannel)
            variance = try runningVar!.to(.float64).reshape(perChannel)
        }
        return try normalize(mean: mean, variance: variance, epsilon: epsilon, weight: weight?.reshape(perChannel), bias: bias?.reshape(perChannel))
    }

    /// `layer_norm` over the trailing `normalizedShape` dimensions.
    ///
    /// `output`, when given, receives the result and is returned (contiguous, of the result's shape and dtype, overlapping no operand);
    /// the float32 path then computes no statistics.
    public func layerNorm(normalizedShape: [Int], weight: Tensor?, bias: Tensor?, epsilon: Double, into output: Tensor? = nil) throws -> Tensor {
        if output != nil && isFloatLayerNorm(normalizedShape: normalizedShape, weight: weight, bias: bias) {
            try checkLayerNorm(normalizedShape: normalizedShape, weight: weight, bias: bias)
            return try layerNormFloat(normalizedShape: normalizedShape, weight: weight, bias: bias, epsilon: epsilon, statistics: false, into: output).output
        }
        let result = try nativeLayerNorm(normalizedShape: normalizedShape, weight: weight, bias: bias, epsilon: epsilon).output
        guard let output else { return result }
        try Tensor.destination(output, shape: result.shape, dtype: result.dtype, operation: "layer_norm").copy(from: result)
        return output
    }

    private func checkLayerNorm(normalizedShape: [Int], weight: Tensor?, bias: Tensor?) throws {
        try checkFloatingForNormalization(weight: weight)
        guard normalizedShape.count <= rank, shape.suffix(normalizedShape.count).elementsEqual(normalizedShape) else {
            throw TensorError("Given normalized_shape=\(normalizedShape), expected input with shape [*, \(normalizedShape.map(String.init).joined(separator: ", "))], but got input of size\(shape)")
        }
        try Self.checkAffineShape(weight, "weight", normalizedShape)
        try Self.checkAffineShape(bias, "bias", normalizedShape)
    }

    /// Whether the float32 kernel applies: float32 throughout, weight and bias of exactly the normalized shape.
    private func isFloatLayerNorm(normalizedShape: [Int], weight: Tensor?, bias: Tensor?) -> Bool {
        dtype == .float32 && weight?.dtype ?? .float32 == .float32 && bias?.dtype ?? .float32 == .float32
            && (weight.map({ $0.shape == normalizedShape }) ?? true) && (bias.map({ $0.shape == normalizedShape }) ?? true)
    }

    /// `native_layer_norm`: the output with the per-row mean and reciprocal standard deviation (shaped
    /// like the input with the normalized dimensions set to 1).
    public func nativeLayerNorm(normalizedShape: [Int], weight: Tensor?, bias: Tensor?, epsilon: Double) throws -> (output: Tensor, mean: Tensor, rstd: Tensor) {
        try checkLayerNorm(normalizedShape: normalizedShape, weight: weight, bias: bias)
        if isFloatLayerNorm(normalizedShape: normalizedShape, weight: weight, bias: bias) {
            let result = try layerNormFloat(normalizedShape: normalizedShape, weight: weight, bias: bias, epsilon: epsilon, statistics: true, into: nil)
            return (result.output, result.mean!, result.rstd!)
        }
        let dims = Array((rank - normalizedShape.count)..<rank)
        let wide = try to(.float64)
        let mean = try wide.mean(dims: dims, keepDim: true)
        let variance = try wide.variance(dims: dims, correction: 0, keepDim: true)
        let rstd = try variance.add(Scalar.double(epsilon).tensor(.float64)).rsqrt()
        let output = try normalize(mean: mean, variance: variance, epsilon: epsilon, weight: weight, bias: bias)
        return (output, try mean.to(dtype), try rstd.to(dtype))
    }

    /// The float32 path: contiguous rows through the vectorised kernel, spread over the pool.
    /// With `statistics` false, no mean and rstd are made (nil).
    private func layerNormFloat(
        normalizedShape: [Int], weight: Tensor?, bias: Tensor?, epsilon: Double, statistics: Bool, into destination: Tensor?
    ) throws -> (output: Tensor, mean: Tensor?, rstd: Tensor?) {
        let n = normalizedShape.reduce(1, *)
        let x = try contiguous()
        let rows = n == 0 ? 0 : elementCount / n
        let statsShape = statistics ? Array(shape.dropLast(normalizedShape.count)) + Array(repeating: 1, count: normalizedShape.count) : []
        let output = try Tensor.destination(destination, shape: shape, dtype: .float32, operation: "layer_norm")
        let mean = statistics ? Tensor(zeros: statsShape, dtype: .float32) : nil
        let rstd = statistics ? Tensor(zeros: statsShape, dtype: .float32) : nil
        let gamma = try weight.map { try $0.contiguous() }
        let beta = try bias.map { try $0.contiguous() }
        let source = UnsafePointer(x.baseAddress.assumingMemoryBound(to: Float.self))
        let target = output.baseAddress.assumingMemoryBound(to: Float.self)
        let meanOut = mean?.baseAddress.assumingMemoryBound(to: Float.self)
        let rstdOut = rstd?.baseAddress.assumingMemoryBound(to: Float.self)
        let g = gamma.map { UnsafePointer($0.baseAddress.assumingMemoryBound(to: Float.self)) }
        let b = beta.map { UnsafePointer($0.baseAddress.assumingMemoryBound(to: Float.self)) }
        ThreadPool.shared.parallelFor(
            rows, minimumPerThread: Swift.max(1, (1 << 14) / Swift.max(n, 1)),
            LayerNormRows(source: source, target: target, length: n, weight: g, bias: b, epsilon: Float(epsilon), mean: meanOut, rstd: rstdOut))
        // The kernel read the contiguous input and affine parameters through raw pointers.
        return withExtendedLifetime((x, gamma, beta)) { (output, mean, rstd) }
    }

    /// `rms_norm`: x / sqrt(mean(x²) + eps) · weight over the trailing `normalizedShape` dimensions;
    /// `eps` defaults to the dtype's machine epsilon.
    public func rmsNorm(normalizedShape: [Int], weight: Tensor?, epsilon: Double?) throws -> Tensor {
        try checkFloatingForNormalization(weight: weight)
        guard normalizedShape.count <= rank, Array(shape.suffix(normalizedShape.count)) == normalizedShape else {
            throw TensorError("Given normalized_shape=\(normalizedShape), expected input with shape [*, \(normalizedShape.map(String.init).joined(separator: ", "))], but got input of size\(shape)")
        }
        try Self.checkAffineShape(weight, "weight", normalizedShape)
        let dims = Array((rank - normalizedShape.count)..<rank)
        let eps = epsilon ?? (dtype == .float64 ? Double.ulpOfOne : dtype == .float16 ? 0.0009765625 : dtype == .bfloat16 ? 0.0078125 : Double(Float.ulpOfOne))
        let wide = try to(.float64)
        let meanSquare = try wide.mul(wide).mean(dims: dims, keepDim: true)
        var result = try wide.mul(meanSquare.add(Scalar.double(eps).tensor(.float64)).rsqrt())
        if let weight { result = try result.mul(weight.to(.float64)) }
        return try result.to(dtype)
    }

    /// ATen's check that layer_norm / rms_norm's weight and bias have exactly the normalized shape.
    private static func checkAffineShape(_ parameter: Tensor?, _ name: String, _ normalizedShape: [Int]) throws {
        guard let parameter, parameter.shape != normalizedShape else { return }
        throw TensorError(
            "Expected \(name) to be of same shape as normalized_shape, but got \(name) of shape \(parameter.shape) and normalized_shape = \(normalizedShape)")
    }

    private func checkFloatingForNormalization(weight: Tensor?) throws {
        guard dtype.isFloatingPoint else {
            if weight != nil { throw TensorError("mixed dtype (CPU): all inputs must share same datatype.") }
            throw TensorError("\"LayerNormKernelImpl\" not implemented for '\(dtype.scalarTypeName)'")
        }
    }

    /// `group_norm`: channels split into `groups`, each normalised over its channels and spatial positions.
    public func groupNorm(groups: Int, weight: Tensor?, bias: Tensor?, epsilon: Double) throws -> Tensor {
        try checkFloatingForNormalization(weight: weight)
        guard rank >= 2, groups > 0, shape[1] % groups == 0 else {
            throw TensorError("Expected number of channels in input to be divisible by num_groups, but got input of shape \(shape) and num_groups=\(groups)")
        }
        guard shape[1] > 0 else { throw TensorError("Expected number of channels to be greater than 0, got \(shape[1])") }
        let planeSize = shape.dropFirst(2).reduce(1, *)
        guard planeSize > 0 else { throw TensorError("Expected HxW to be greater than 0, got \(planeSize)") }
        let n = shape[0]
        let grouped = try to(.float64).reshape([n, groups, -1])
        let mean = try grouped.mean(dims: [2], keepDim: true)
        let variance = try grouped.variance(dims: [2], correction: 0, keepDim: true)
        let normalized = try grouped.sub(mean).div(variance.add(Scalar.double(epsilon).tensor(.float64)).sqrt()).reshape(shape)
        let perChannel = [1, shape[1]] + Array(repeating: 1, count: rank - 2)
        var result = normalized
        if let weight { result = try result.mul(weight.to(.float64).reshape(perChannel)) }
        if let bias { result = try result.add(bias.to(.float64).reshape(perChannel)) }
        return try result.to(dtype)
    }

    /// `instance_norm`: per-sample statistics, or the running statistics per channel when
    /// `useInputStatistics` is false.
    public func instanceNorm(
        weight: Tensor?, bias: Tensor?, runningMean: Tensor? = nil, runningVar: Tensor? = nil, useInputStatistics: Bool = true,
        epsilon: Double
    ) throws -> Tensor {
        guard rank >= 3 else { throw TensorError("instance_norm: expected at least 3-D input, got \(rank)-D") }
        if !useInputStatistics {
            return try batchNorm(weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar, training: false, epsilon: epsilon)
        }
        let dims = Array(2..<rank)
        let wide = try to(.float64)
        let mean = try wide.mean(dims: dims, keepDim: true)
        let variance = try wide.variance(dims: dims, correction: 0, keepDim: true)
        let perChannel = [1, shape[1]] + Array(repeating: 1, count: rank - 2)
        return try normalize(mean: mean, variance: variance, epsilon: epsilon, weight: weight?.reshape(perChannel), bias: bias?.reshape(perChannel))
    }

    /// Evaluation-mode float32 batch norm as ATen's CPU kernel computes it: per channel
    /// `alpha = weight / sqrt(var + eps)` and `beta = bias - mean * alpha` (float), then
    /// `x * alpha + beta` over each plane, planes spread over the thread pool.
    private func batchNormInference(runningMean: Tensor, runningVar: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Double) throws -> Tensor {
        let channels = shape[1]
        let mean = try runningMean.to(.float32).contiguous().scalars(as: Float.self)
        let variance = try runningVar.to(.float32).contiguous().scalars(as: Float.self)
        let gamma = try weight.map { try $0.to(.float32).contiguous().scalars(as: Float.self) }
        let beta = try bias.map { try $0.to(.float32).contiguous().scalars(as: Float.self) }
        var scale = [Float](repeating: 0, count: channels)
        var shift = [Float](repeating: 0, count: channels)
        for c in 0..<channels {
            let invstd = 1 / (variance[c] + Float(epsilon)).squareRoot()
            scale[c] = (gamma?[c] ?? 1) * invstd
            shift[c] = (beta?[c] ?? 0) - mean[c] * scale[c]
        }
        let input = try contiguous()
        let output = Tensor(zeros: shape, dtype: .float32)
        let planeSize = shape.dropFirst(2).reduce(1, *)
        let planes = shape[0] * channels
        guard planeSize > 0, planes > 0 else { return output }
        let src = UnsafePointer(input.baseAddress.assumingMemoryBound(to: Float.self))
        let dst = output.baseAddress.assumingMemoryBound(to: Float.self)
        scale.withUnsafeBufferPointer { a in
            shift.withUnsafeBufferPointer { b in
                ThreadPool.shared.parallelFor(planes, minimumPerThread: Swift.max(1, (1 << 15) / planeSize)) { range, _ in
                    for plane in range {
                        let (alpha, offset) = (a[plane % channels], b[plane % channels])
                        let base = plane * planeSize
                        for i in base..<(base + planeSize) { dst[i] = src[i] * alpha + offset }
                    }
                }
            }
        }
        return output
    }

    private func normalize(mean: Tensor, variance: Tensor, epsilon: Double, weight: Tensor?, bias: Tensor?) throws -> Tensor {
        let wide = try to(.float64)
        var result = try wide.sub(mean).mul(variance.add(Scalar.double(epsilon).tensor(.float64)).rsqrt())
        if let weight { result = try result.mul(weight.to(.float64)) }
        if let bias { result = try result.add(bias.to(.float64)) }
        return try result.to(dtype)
    }
}

/// Layer norm of the contiguous float32 rows `range`, each `length` long, with the optional affine
/// parameters, writing each row's mean and reciprocal standard deviation where asked.
private struct LayerNormRows: ParallelLoopBody {
    let source: UnsafePointer<Float>
    let target: UnsafeMutablePointer<Float>
    let length: Int
    let weight: UnsafePointer<Float>?
    let bias: UnsafePointer<Float>?
    let epsilon: Float
    let mean: UnsafeMutablePointer<Float>?
    let rstd: UnsafeMutablePointer<Float>?

    func run(_ range: Range<Int>, thread: Int) {
        let (n, offset) = (length, range.lowerBound * length)
        flint_layer_norm_rows(
            source + offset, target + offset, Int64(range.count), Int64(n), Int64(n), Int64(n), weight, bias, epsilon,
            mean.map { $0 + range.lowerBound }, rstd.map { $0 + range.lowerBound })
    }
}
