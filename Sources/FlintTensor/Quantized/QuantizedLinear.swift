import CFlintKernels

/// The weights of a quantized linear layer, as `torch.ops.quantized.linear_prepack` makes them (what
/// TorchBind's `LinearPackedParamsBase` holds): a qint8 weight `[out_features, in_features]`, quantized per
/// tensor or per output channel, and an optional float bias.
public final class QuantizedLinearWeights: @unchecked Sendable {
    /// The quantized weight, as `unpack()` returns it.
    public let weight: Tensor
    /// The float32 bias, if any.
    public let bias: Tensor?
    let matrix: QuantizedMatrix
    let biasValues: [Float]?

    /// Packs `weight` (qint8, 2-D, quantized per tensor or along axis 0) and `bias` (1-D real, `out_features` long).
    public init(weight: Tensor, bias: Tensor?) throws {
        guard weight.dtype == .qint8, let quantizer = weight.quantizer, weight.rank == 2 else {
            throw TensorError("quantized::linear_prepack expects a 2-D qint8 quantized weight, got \(weight.dtype) of shape \(weight.shape)")
        }
        if case .perChannelAffine(_, _, let axis) = quantizer.scheme, axis != 0 {
            throw TensorError("quantized::linear_prepack supports per-channel weights only along axis 0, got axis \(axis)")
        }
        let (rows, depth) = (weight.shape[0], weight.shape[1])
        self.weight = weight
        (self.bias, biasValues) = try Self.checkedBias(bias, count: rows, operation: "quantized::linear_prepack")
        let values = try weight.quantizedIntegers().map { Int8(truncatingIfNeeded: $0) }
        let parameters = (0..<rows).map { quantizer.parameters(channel: $0) }
        matrix = QuantizedMatrix(
            values: values, rows: rows, depth: depth, scales: parameters.map { Float($0.scale) },
            zeroPoints: parameters.map { Int32($0.zeroPoint) })
    }

    static func checkedBias(_ bias: Tensor?, count: Int, operation: String) throws -> (Tensor?, [Float]?) {
        guard let bias else { return (nil, nil) }
        guard bias.rank == 1, bias.shape[0] == count, bias.dtype.isFloatingPoint else {
            throw TensorError("\(operation): bias must be a 1-D float tensor of \(count) elements, got \(bias.dtype) of shape \(bias.shape)")
        }
        let float = try bias.to(.float32).contiguous()
        return (float, Array(UnsafeBufferPointer(start: float.baseAddress.assumingMemoryBound(to: Float.self), count: count)))
    }
}

extension Tensor {
    /// `quantized::linear` / `linear_relu`: this quint8 input `[..., in_features]` times the packed weights,
    /// requantized to quint8 with `outputScale` and `outputZeroPoint`.
    public func quantizedLinear(_ weights: QuantizedLinearWeights, outputScale: Double, outputZeroPoint: Int64, relu: Bool = false) throws -> Tensor {
        let operation = relu ? "quantized::linear_relu" : "quantized::linear"
        let (scale, zeroPoint) = try checkedActivation(operation)
        let (input, rows) = try linearRows(weights, operation)
        let outputQuantizer = Quantizer(scale: outputScale, zeroPoint: outputZeroPoint)
        let result = Tensor(uninitialized: Array(shape.dropLast()) + [weights.matrix.rows], dtype: .uint8)
        let out = result.baseAddress.assumingMemoryBound(to: UInt8.self)
        try outputQuantizer.check(dtype: .quint8, shape: result.shape)
        weights.runRows(input, rows: rows, activationScale: Float(scale), activationZeroPoint: Int32(zeroPoint),
            output: .quantized(scale: Float(outputScale), zeroPoint: Int32(outputZeroPoint), relu: relu, into: out, stride: weights.matrix.rows))
        return try result.reinterpretedAsQuantized(.quint8, outputQuantizer)
    }

    /// `quantized::linear_dynamic` / `linear_relu_dynamic`: this float input quantized on the fly to quint8 with
    /// parameters chosen from its range (7 bits when `reduceRange`, as fbgemm asks), times the packed weights,
    /// with a float32 result.
    public func quantizedLinearDynamic(_ weights: QuantizedLinearWeights, reduceRange: Bool, relu: Bool = false) throws -> Tensor {
        let operation = relu ? "quantized::linear_relu_dynamic" : "quantized::linear_dynamic"
        guard dtype.isFloatingPoint else { throw TensorError("\(operation) expects a float input, got dtype \(dtype)") }
        let real = try to(.float32).contiguous()
        var low = Float.infinity
        var high = -Float.infinity
        flint_minmax_f32(real.baseAddress.assumingMemoryBound(to: Float.self), Int64(real.elementCount), &low, &high)
        if real.elementCount == 0 { (low, high) = (0, 0) }
        let (scale, zeroPoint) = Quantizer.chooseParameters(minimum: low, maximum: high, qmin: 0, qmax: reduceRange ? 127 : 255)
        let quantized = try real.quantizePerTensor(scale: Double(scale), zeroPoint: zeroPoint, dtype: .quint8)
        let (input, rows) = try quantized.linearRows(weights, operation)
        let result = Tensor(uninitialized: Array(shape.dropLast()) + [weights.matrix.rows], dtype: .float32)
        let out = result.baseAddress.assumingMemoryBound(to: Float.self)
        weights.runRows(input, rows: rows, activationScale: scale, activationZeroPoint: Int32(zeroPoint),
            output: .real(relu: relu, into: out, stride: weights.matrix.rows))
        return result
    }

    /// The per-tensor parameters of a quint8 activation.
    func checkedActivation(_ operation: String) throws -> (scale: Double, zeroPoint: Int64) {
        guard dtype == .quint8 else {
            throw TensorError("\(operation) expects a quint8 quantized input (the fbgemm engine's activation type), got \(dtype)")
        }
        return try requireQuantizer(operation).perTensorParameters(operation)
    }

    private func linearRows(_ weights: QuantizedLinearWeights, _ operation: String) throws -> (Tensor, Int) {
        guard rank >= 1, shape.last == weights.matrix.depth else {
            throw TensorError("\(operation): input of shape \(shape) does not end in the weight's \(weights.matrix.depth) input features")
        }
        return (try integerRepresentation.contiguous(), elementCount / Swift.max(weights.matrix.depth, 1))
    }
}

extension QuantizedLinearWeights {
    /// Runs the product over `rows` activation rows in parallel.
    func runRows(
        _ input: Tensor, rows: Int, activationScale: Float, activationZeroPoint: Int32,
        output: QuantizedMatrix.Output
    ) {
        let a = UnsafePointer(input.baseAddress.assumingMemoryBound(to: UInt8.self))
        let n = matrix.rows
        let matrix = self.matrix
        let transform = biasValues.withOptionalPointer { bias in
            QuantizedMatrix.Transform(
                matrix, activationScale: activationScale, activationZeroPoint: activationZeroPoint, bias: bias, output: output, columnOffset: 0)
        }
        ThreadPool.shared.parallelFor(rows, minimumPerThread: Swift.max(1, 4096 / Swift.max(n, 1))) { range, _ in
            matrix.multiply(a + range.lowerBound * matrix.depth, lda: matrix.depth, rows: range.count, outputRow: range.lowerBound, transform: transform)
        }
    }
}

extension Optional where Wrapped == [Float] {
    func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) throws -> R) rethrows -> R {
        switch self {
        case .none: return try body(nil)
        case .some(let values): return try values.withUnsafeBufferPointer { try body($0.baseAddress) }
        }
    }
}

/// The weights of a dynamic float16 linear layer (`torch.ops.quantized.linear_prepack_fp16`, also held by
/// `LinearPackedParamsBase`): fbgemm stores the weight in half precision (saturated to ±65504) and computes in
/// float32, so the product uses the float16-rounded weight.
public final class HalfPrecisionLinearWeights: @unchecked Sendable {
    /// The weight as given (float32).
    public let weight: Tensor
    /// The float32 bias, if any.
    public let bias: Tensor?
    let roundedWeight: Tensor

    public init(weight: Tensor, bias: Tensor?) throws {
        guard weight.rank == 2, weight.dtype.isFloatingPoint else {
            throw TensorError("quantized::linear_prepack_fp16 expects a 2-D float weight, got \(weight.dtype) of shape \(weight.shape)")
        }
        self.weight = try weight.to(.float32)
        (self.bias, _) = try QuantizedLinearWeights.checkedBias(bias, count: weight.shape[0], operation: "quantized::linear_prepack_fp16")
        let saturated = try self.weight.clamp(min: .double(-65504), max: .double(65504))
        roundedWeight = try saturated.to(.float16).to(.float32).contiguous()
    }
}

extension Tensor {
    /// `quantized::linear_dynamic_fp16` / `linear_relu_dynamic_fp16`: this float input times the float16 weights.
    public func halfPrecisionLinear(_ weights: HalfPrecisionLinearWeights, relu: Bool = false) throws -> Tensor {
        let result = try to(.float32).linear(weight: weights.roundedWeight, bias: weights.bias)
        return relu ? try result.relu() : result
    }
}
