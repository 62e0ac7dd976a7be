import CFlintKernels

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
    /// Whether fbgemm runs this depthwise convolution with its dedicated kernel (`takeDepthWiseFastPath`: channels
    /// a multiple of 8, stride 1 or 2, a square 3, 5 or 7 kernel, no dilation, "same" padding), which sums pairs
    /// of taps in 16 bits with saturation; Flint then does the same (`flint_qdepthwise_u8_nhwc`), so that its
    /// results stay fbgemm's where large activations meet large weights. Needs zero weight zero points.
    let saturatingPairs: Bool
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
            let k = kh
            saturatingPairs = groups % 8 == 0 && self.stride.allSatisfy { $0 == 1 || $0 == 2 } && kh == kw && [3, 5, 7].contains(k)
                && self.dilation == [1, 1] && self.padding == [(k - 1) / 2, (k - 1) / 2]
                && (0..<outputs).allSatisfy { quantizer.parameters(channel: $0).zeroPoint == 0 }
            matrices = []
            return
        }
        depthwiseTaps = nil
        saturatingPairs = false
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
        if let taps = weights.depthwiseTaps {
            try depthwiseConvolution(
                weights, taps: taps, activation: (Float(scale), Int32(zeroPoint)), output: (Float(outputScale), Int32(outputZeroPoint)),
                relu: relu, outputSize: (outHeight, outWidth), into: out)
            return try result.permute([0, 3, 1, 2]).integerRepresentation.reinterpretedAsQuantized(.quint8, outputQuantizer)
        }
        // Channels-last integers, so that one pixel's channels are contiguous: what quantized convolutions produce,
        // so only a channels-first input (a freshly quantized image) is copied.
        let pixelsLast = try channelsLastIntegers()
        let x = UnsafePointer(pixelsLast.baseAddress.assumingMemoryBound(to: UInt8.self))
        let channels = shape[1]
        let imageSize = height * width * channels
        let perGroupOut = outputs / weights.groups
        let depth = kh * kw * perGroupIn
        let direct = kh == 1 && kw == 1 && weights.stride == [1, 1] && weights.padding == [0, 0] && weights.groups == 1
        let pad = UInt8(truncatingIfNeeded: zeroPoint)
        var geometry = flint_im2col2d_desc(
            channels: Int64(perGroupIn), in_h: Int64(height), in_w: Int64(width), out_w: Int64(outWidth), kernel_h: Int64(kh),
            kernel_w: Int64(kw), stride_h: Int64(weights.stride[0]), stride_w: Int64(weights.stride[1]), pad_h: Int64(weights.padding[0]),
            pad_w: Int64(weights.padding[1]), dilation_h: Int64(weights.dilation[0]), dilation_w: Int64(weights.dilation[1]))
        // Patches are gathered a band of pixels at a time, each band's rows few enough to stay in cache while the
        // GEMM reads them.
        let band = Swift.max(6, (128 << 10) / Swift.max(depth, 1))
        let pool = ThreadPool.shared
        weights.biasValues.withOptionalPointer { bias in
            withUnsafePointer(to: &geometry) { geometry in
                for n in 0..<batch {
                    for g in 0..<weights.groups {
                        let matrix = weights.matrices[g]
                        let output = QuantizedMatrix.Output.quantized(
                            scale: Float(outputScale), zeroPoint: Int32(outputZeroPoint), relu: relu, into: out + n * pixels * outputs, stride: outputs)
                        let transform = QuantizedMatrix.Transform(
                            matrix, activationScale: Float(scale), activationZeroPoint: Int32(zeroPoint), bias: bias.map { $0 + g * perGroupOut },
                            output: output, columnOffset: g * perGroupOut)
                        let image = x + n * imageSize + g * perGroupIn
                        pool.parallelFor(pixels, minimumPerThread: Swift.max(6, 2048 / Swift.max(perGroupOut, 1))) { range, _ in
                            if direct {
                                matrix.multiply(image + range.lowerBound * channels, lda: channels, rows: range.count, outputRow: range.lowerBound, transform: transform)
                                return
                            }
                            let patches = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.min(band, range.count) * depth)
                            defer { patches.deallocate() }
                            for first in stride(from: range.lowerBound, to: range.upperBound, by: band) {
                                let count = Swift.min(band, range.upperBound - first)
                                flint_im2col_u8_nhwc(geometry, image, Int64(channels), pad, Int64(first), Int64(count), patches)
                                matrix.multiply(patches, lda: depth, rows: count, outputRow: first, transform: transform)
                            }
                        }
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
        let input = try channelsLastIntegers()
        let x = UnsafePointer(input.baseAddress.assumingMemoryBound(to: UInt8.self))
        let (kh, kw) = (weights.kernelSize[0], weights.kernelSize[1])
        let (outHeight, outWidth) = outputSize
        let requantization = weights.biasValues.withOptionalPointer { bias in
            Requantization(
                activationScale: activation.scale, weightScales: weights.channelScales, bias: bias, outputScale: output.scale,
                outputZeroPoint: output.zeroPoint, relu: relu)
        }
        var geometry = flint_im2col2d_desc(
            channels: Int64(channels), in_h: Int64(height), in_w: Int64(width), out_w: Int64(outWidth), kernel_h: Int64(kh),
            kernel_w: Int64(kw), stride_h: Int64(weights.stride[0]), stride_w: Int64(weights.stride[1]), pad_h: Int64(weights.padding[0]),
            pad_w: Int64(weights.padding[1]), dilation_h: Int64(weights.dilation[0]), dilation_w: Int64(weights.dilation[1]))
        taps.withUnsafeBufferPointer { taps in
            requantization.offsets.withUnsafeBufferPointer { offsets in
                requantization.multipliers.withUnsafeBufferPointer { multipliers in
                    withUnsafePointer(to: &geometry) { geometry in
                        ThreadPool.shared.parallelFor(batch * outHeight, minimumPerThread: 2) { rows, _ in
                            // One call per image the range touches (the kernel sets up its buffers once per call).
                            var row = rows.lowerBound
                            while row < rows.upperBound {
                                let (n, oy) = (row / outHeight, row % outHeight)
                                let end = Swift.min(rows.upperBound, (n + 1) * outHeight)
                                flint_qdepthwise_u8_nhwc(
                                    geometry, x + n * height * width * channels, activation.zeroPoint, taps.baseAddress,
                                    weights.saturatingPairs ? 1 : 0, offsets.baseAddress,
                                    multipliers.baseAddress, requantization.zeroPoint, requantization.low,
                                    out + n * outHeight * outWidth * channels, Int64(oy), Int64(oy + end - row))
                                row = end
                            }
                        }
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// The stored integers of this 4-D quantized tensor as a contiguous channels-last `[N, H, W, C]` tensor, so
    /// that one pixel's channels are adjacent: a view when already laid out so (what quantized convolutions
    /// produce), one transpose per image when channels-first contiguous (a freshly quantized image), a strided
    /// copy otherwise.
    func channelsLastIntegers() throws -> Tensor {
        let integers = integerRepresentation
        let permuted = try integers.permute([0, 2, 3, 1])
        if permuted.isContiguous { return permuted }
        guard integers.isContiguous, integers.dtype.itemSize == 1 else { return try permuted.contiguous() }
        let result = Tensor(uninitialized: permuted.shape, dtype: integers.dtype)
        let (channels, plane) = (shape[1], shape[2] * shape[3])
        let source = integers.baseAddress.assumingMemoryBound(to: UInt8.self)
        let target = result.baseAddress.assumingMemoryBound(to: UInt8.self)
        for image in 0..<shape[0] {
            flint_nchw_to_nhwc_u8(Int64(channels), Int64(plane), source + image * channels * plane, target + image * channels * plane)
        }
        return result
    }
}
