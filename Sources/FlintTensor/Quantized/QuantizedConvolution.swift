/// The weights of a quantized 2-D convolution, as `torch.ops.quantized.conv2d_prepack` makes them (what
/// TorchBind's `Conv2dPackedParamsBase` holds): a qint8 weight `[out, in / groups, kh, kw]` quantized per
/// tensor or per output channel, an optional float bias and the convolution's geometry.
///
/// Each group's weights are packed as a matrix whose depth runs over (kh, kw, input channel), the order in
/// which channels-last activations lie in memory.
public final class QuantizedConvolutionWeights: @unchecked Sendable {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: [Int]
    public let padding: [Int]
    public let dilation: [Int]
    public let outputPadding: [Int]
    public let groups: Int
    public let transposed: Bool
    let matrices: [QuantizedMatrix]
    let biasValues: [Float]?
    /// For a depthwise convolution (one input and one output channel per group): the weights minus their zero
    /// points, laid out `[kh][kw][channel]`, and each channel's scale.
    let depthwiseTaps: [Int32]?
    let channelScales: [Float]

    public init(
        weight: Tensor, bias: Tensor?, stride: [Int], padding: [Int], dilation: [Int], groups: Int,
        outputPadding: [Int] = [0, 0], transposed: Bool = false
    ) throws {
        let operation = "quantized::conv2d_prepack"
        guard !transposed else { throw TensorError("quantized transposed convolution (conv_transpose2d) is not supported") }
        guard weight.dtype == .qint8, let quantizer = weight.quantizer, weight.rank == 4 else {
            throw TensorError("\(operation) expects a 4-D qint8 quantized weight, got \(weight.dtype) of shape \(weight.shape)")
        }
        if case .perChannelAffine(_, _, let axis) = quantizer.scheme, axis != 0 {
            throw TensorError("\(operation) supports per-channel weights only along axis 0, got axis \(axis)")
        }
        func pair(_ values: [Int], _ name: String) throws -> [Int] {
            if values.count == 1 { return [values[0], values[0]] }
            guard values.count == 2 else { throw TensorError("\(operation): \(name) must have 2 elements, got \(values)") }
            return values
        }
        self.stride = try pair(stride, "stride")
        self.padding = try pair(padding, "padding")
        self.dilation = try pair(dilation, "dilation")
        self.outputPadding = try pair(outputPadding, "output_padding")
        guard self.stride.allSatisfy({ $0 > 0 }), self.dilation.allSatisfy({ $0 > 0 }), self.padding.allSatisfy({ $0 >= 0 }) else {
            throw TensorError("\(operation): stride and dilation must be positive and padding non-negative")
        }
        let outputs = weight.shape[0]
        guard groups > 0, outputs % groups == 0 else {
            throw TensorError("\(operation): \(outputs) output channels cannot be split into \(groups) groups")
        }
        self.weight = weight
        self.groups = groups
        self.transposed = transposed
        (self.bias, biasValues) = try QuantizedLinearWeights.checkedBias(bias, count: outputs, operation: operation)
        let (perGroupIn, kh, kw) = (weight.shape[1], weight.shape[2], weight.shape[3])
        let values = try weight.quantizedIntegers()
        let perGroupOut = outputs / groups
        let depth = kh * kw * perGroupIn
        channelScales = (0..<outputs).map { Float(quantizer.parameters(channel: $0).scale) }
        if perGroupIn == 1, perGroupOut == 1, groups > 1 {
            var taps = [Int32](repeating: 0, count: kh * kw * outputs)
            for c in 0..<outputs {
                let zeroPoint = Int32(quantizer.parameters(channel: c).zeroPoint)
                for tap in 0..<(kh * kw) { taps[tap * outputs + c] = values[c * kh * kw + tap] - zeroPoint }
            }
            depthwiseTaps = taps
            matrices = []
            return
        }
        depthwiseTaps = nil
        matrices = (0..<groups).map { g in
            var packedOrder = [Int8](repeating: 0, count: perGroupOut * depth)
            for o in 0..<perGroupOut {
                let channel = g * perGroupOut + o
                for c in 0..<perGroupIn {
                    for i in 0..<kh {
                        for j in 0..<kw {
                            let source = ((channel * perGroupIn + c) * kh + i) * kw + j
                            packedOrder[o * depth + (i * kw + j) * perGroupIn + c] = Int8(truncatingIfNeeded: values[source])
                        }
                    }
                }
            }
            let parameters = (0..<perGroupOut).map { quantizer.parameters(channel: g * perGroupOut + $0) }
            return QuantizedMatrix(
                values: packedOrder, rows: perGroupOut, depth: depth, scales: parameters.map { Float($0.scale) },
                zeroPoints: parameters.map { Int32($0.zeroPoint) })
        }
    }

    /// `[kh, kw]`.
    public var kernelSize: [Int] { [weight.shape[2], weight.shape[3]] }
}

extension Tensor {
    /// `quantized::conv2d` / `conv2d_relu`: this quint8 `[N, C, H, W]` input convolved with the packed weights,
    /// requantized to quint8 with `outputScale` and `outputZeroPoint`. Padding reads the input's zero point
    /// (a real 0). The result is laid out channels-last, as fbgemm's is.
    public func quantizedConvolution(
        _ weights: QuantizedConvolutionWeights, outputScale: Double, outputZeroPoint: Int64, relu: Bool = false
    ) throws -> Tensor {
        let operation = relu ? "quantized::conv2d_relu" : "quantized::conv2d"
        let (scale, zeroPoint) = try checkedActivation(operation)
        let perGroupIn = weights.weight.shape[1]
        guard rank == 4, shape[1] == perGroupIn * weights.groups else {
            throw TensorError(
                "\(operation): expected a 4-D input with \(perGroupIn * weights.groups) channels for weight of shape \(weights.weight.shape), got input of shape \(shape)")
        }
        let (batch, height, width) = (shape[0], shape[2], shape[3])
        let (kh, kw) = (weights.kernelSize[0], weights.kernelSize[1])
        let outHeight = (height + 2 * weights.padding[0] - weights.dilation[0] * (kh - 1) - 1) / weights.stride[0] + 1
        let outWidth = (width + 2 * weights.padding[1] - weights.dilation[1] * (kw - 1) - 1) / weights.stride[1] + 1
        guard outHeight > 0, outWidth > 0 else {
            throw TensorError("\(operation): input of shape \(shape) is too small for kernel \(weights.kernelSize) with padding \(weights.padding)")
        }
        let outputs = weights.weight.shape[0]
        let outputQuantizer = Quantizer(scale: outputScale, zeroPoint: outputZeroPoint)
        try outputQuantizer.check(dtype: .quint8, shape: [outputs])
        let pixels = outHeight * outWidth
        let result = Tensor(uninitialized: [batch, outHeight, outWidth, outputs], dtype: .uint8)
        let out = result.baseAddress.assumingMemoryBound(to: UInt8.self)
        let input = integerRepresentation
        if let taps = weights.depthwiseTaps {
            try depthwiseConvolution(
                weights, taps: taps, activation: (Float(scale), Int32(zeroPoint)), output: (Float(outputScale), Int32(outputZeroPoint)),
                relu: relu, outputSize: (outHeight, outWidth), into: out)
            return try result.permute([0, 3, 1, 2]).integerRepresentation.reinterpretedAsQuantized(.quint8, outputQuantizer)
        }
        let x = UnsafePointer(input.baseAddress.assumingMemoryBound(to: UInt8.self))
        let (sn, sc, sh, sw) = (input.strides[0], input.strides[1], input.strides[2], input.strides[3])
        let perGroupOut = outputs / weights.groups
        let depth = kh * kw * perGroupIn
        let direct = kh == 1 && kw == 1 && weights.stride == [1, 1] && weights.padding == [0, 0] && weights.groups == 1
            && sc == 1 && sw == shape[1] && sh == width * shape[1]
        let patches = direct ? nil : UnsafeMutablePointer<UInt8>.allocate(capacity: pixels * depth)
        defer { patches?.deallocate() }
        let pad = UInt8(truncatingIfNeeded: zeroPoint)
        let pool = ThreadPool.shared
        weights.biasValues.withOptionalPointer { bias in
            for n in 0..<batch {
                for g in 0..<weights.groups {
                    let a: UnsafePointer<UInt8>
                    let lda: Int
                    if let patches {
                        let channelBase = x + n * sn + g * perGroupIn * sc
                        pool.parallelFor(outHeight, minimumPerThread: 4) { rows, _ in
                            for oh in rows {
                                for ow in 0..<outWidth {
                                    var target = patches + (oh * outWidth + ow) * depth
                                    for i in 0..<kh {
                                        let ih = oh * weights.stride[0] - weights.padding[0] + i * weights.dilation[0]
                                        for j in 0..<kw {
                                            let iw = ow * weights.stride[1] - weights.padding[1] + j * weights.dilation[1]
                                            if ih < 0 || ih >= height || iw < 0 || iw >= width {
                                                target.update(repeating: pad, count: perGroupIn)
                                            } else {
                                                let source = channelBase + ih * sh + iw * sw
                                                if sc == 1 {
                                                    target.update(from: source, count: perGroupIn)
                                                } else {
                                                    for c in 0..<perGroupIn { target[c] = source[c * sc] }
                                                }
                                            }
                                            target += perGroupIn
                                        }
                                    }
                                }
                            }
                        }
                        (a, lda) = (UnsafePointer(patches), depth)
                    } else {
                        (a, lda) = (x + n * sn, shape[1])
                    }
                    let matrix = weights.matrices[g]
                    let output = QuantizedMatrix.Output.quantized(
                        scale: Float(outputScale), zeroPoint: Int32(outputZeroPoint), relu: relu, into: out + n * pixels * outputs, stride: outputs)
                    let groupBias = bias.map { $0 + g * perGroupOut }
                    pool.parallelFor(pixels, minimumPerThread: Swift.max(6, 2048 / Swift.max(perGroupOut, 1))) { range, _ in
                        let scratch = UnsafeMutablePointer<Int32>.allocate(capacity: range.count * perGroupOut)
                        defer { scratch.deallocate() }
                        matrix.multiply(
                            a, lda: lda, range: range, activationScale: Float(scale), activationZeroPoint: Int32(zeroPoint),
                            bias: groupBias, output: output, columnOffset: g * perGroupOut, scratch: scratch)
                    }
                }
            }
        }
        return try result.permute([0, 3, 1, 2]).integerRepresentation.reinterpretedAsQuantized(.quint8, outputQuantizer)
    }
}

extension Tensor {
    /// A depthwise quantized convolution written into channels-last `out`: per output pixel, the taps are
    /// accumulated across all channels at once (contiguous in the channels-last activation copy).
    fileprivate func depthwiseConvolution(
        _ weights: QuantizedConvolutionWeights, taps: [Int32], activation: (scale: Float, zeroPoint: Int32),
        output: (scale: Float, zeroPoint: Int32), relu: Bool, outputSize: (height: Int, width: Int), into out: UnsafeMutablePointer<UInt8>
    ) throws {
        let channels = shape[1]
        let (batch, height, width) = (shape[0], shape[2], shape[3])
        // Channels-last integers, so that one pixel's channels are contiguous.
        let input = try integerRepresentation.permute([0, 2, 3, 1]).contiguous()
        let x = UnsafePointer(input.baseAddress.assumingMemoryBound(to: UInt8.self))
        let (kh, kw) = (weights.kernelSize[0], weights.kernelSize[1])
        let (outHeight, outWidth) = outputSize
        taps.withUnsafeBufferPointer { taps in
            weights.biasValues.withOptionalPointer { bias in
                let requantization = Requantization(
                    activationScale: activation.scale, weightScales: weights.channelScales, bias: bias, outputScale: output.scale,
                    outputZeroPoint: output.zeroPoint, relu: relu)
                let noCorrections = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(channels, 1))
                noCorrections.initialize(repeating: 0, count: Swift.max(channels, 1))
                defer { noCorrections.deallocate() }
                ThreadPool.shared.parallelFor(batch * outHeight, minimumPerThread: 2) { rows, _ in
                    var acc = [Int32](repeating: 0, count: channels)
                    acc.withUnsafeMutableBufferPointer { acc in
                        for row in rows {
                            let (n, oh) = (row / outHeight, row % outHeight)
                            for ow in 0..<outWidth {
                                for c in 0..<channels { acc[c] = 0 }
                                for i in 0..<kh {
                                    let ih = oh * weights.stride[0] - weights.padding[0] + i * weights.dilation[0]
                                    guard ih >= 0, ih < height else { continue }
                                    for j in 0..<kw {
                                        let iw = ow * weights.stride[1] - weights.padding[1] + j * weights.dilation[1]
                                        guard iw >= 0, iw < width else { continue }
                                        let pixel = x + ((n * height + ih) * width + iw) * channels
                                        let tap = taps.baseAddress! + (i * kw + j) * channels
                                        for c in 0..<channels {
                                            acc[c] &+= (Int32(pixel[c]) &- activation.zeroPoint) &* tap[c]
                                        }
                                    }
                                }
                                let target = out + ((n * outHeight + oh) * outWidth + ow) * channels
                                requantization.apply(UnsafePointer(acc.baseAddress!), corrections: noCorrections, count: channels, into: target)
                            }
                        }
                    }
                }
            }
        }
    }
}
