import CFlintKernels

/// Quantizing real tensors and dequantizing quantized ones, with ATen's rounding: `q = zp + nearbyint(x * (1/scale))`
/// in float32 (round half to even), clamped to the dtype's range; `x = (q - zp) * scale`.
extension Tensor {
    /// `torch.quantize_per_tensor(self, scale, zero_point, dtype)`.
    public func quantizePerTensor(scale: Double, zeroPoint: Int64, dtype: DType) throws -> Tensor {
        let quantizer = Quantizer(scale: scale, zeroPoint: zeroPoint)
        return try quantize(with: quantizer, dtype: dtype, operation: "quantize_per_tensor")
    }

    /// `torch.quantize_per_channel(self, scales, zero_points, axis, dtype)`.
    public func quantizePerChannel(scales: [Double], zeroPoints: [Int64], axis: Int, dtype: DType) throws -> Tensor {
        let quantizer = Quantizer(.perChannelAffine(scales: scales, zeroPoints: zeroPoints, axis: try wrapDimension(axis)))
        return try quantize(with: quantizer, dtype: dtype, operation: "quantize_per_channel")
    }

    /// This real tensor quantized with `quantizer` to `dtype`.
    public func quantize(with quantizer: Quantizer, dtype: DType, operation: String = "quantize") throws -> Tensor {
        guard let plain = dtype.quantizedStorageType, let range = dtype.quantizedRange else {
            throw TensorError("\(operation): dtype must be a quantized dtype (qint8, quint8, qint32), got \(dtype)")
        }
        guard self.dtype.isFloatingPoint else { throw TensorError("\(operation) expects a floating-point tensor, got dtype \(self.dtype)") }
        try quantizer.check(dtype: dtype, shape: shape)
        let source = try to(.float32).contiguous()
        let result = Tensor(uninitialized: shape, dtype: plain)
        let count = elementCount
        let x = source.baseAddress.assumingMemoryBound(to: Float.self)
        let low = Float(range.lowerBound)
        let high = Swift.min(Float(range.upperBound), 2_147_483_520)
        for (start, length, scale, zeroPoint) in quantizer.runs(shape: shape, count: count) {
            let (inverse, offset) = (1 / Float(scale), Float(zeroPoint))
            let (kind, width) = switch plain {
            case .uint8: (Int32(FLINT_QUANT_UINT8), 1)
            case .int8: (Int32(FLINT_QUANT_INT8), 1)
            default: (Int32(FLINT_QUANT_INT32), 4)
            }
            flint_quantize_f32(x + start, Int64(length), inverse, offset, low, high, result.baseAddress + start * width, kind)
        }
        return try result.reinterpretedAsQuantized(dtype, quantizer)
    }

    /// `dequantize()`: the real float32 values of a quantized tensor (a plain tensor is returned as is).
    public func dequantize() throws -> Tensor {
        guard dtype.isQuantized || quantizer != nil else { return self }
        let quantizer = try requireQuantizer("dequantize")
        let integers = try integerRepresentation.contiguous()
        let result = Tensor(uninitialized: shape, dtype: .float32)
        let out = result.baseAddress.assumingMemoryBound(to: Float.self)
        let raw = integers.baseAddress
        for (start, length, scale, zeroPoint) in quantizer.runs(shape: shape, count: elementCount) {
            let (factor, offset) = (Float(scale), Int32(zeroPoint))
            switch integers.dtype {
            case .uint8: Self.dequantizeRun(raw.assumingMemoryBound(to: UInt8.self) + start, out + start, length, factor, offset)
            case .int8: Self.dequantizeRun(raw.assumingMemoryBound(to: Int8.self) + start, out + start, length, factor, offset)
            default: Self.dequantizeRun(raw.assumingMemoryBound(to: Int32.self) + start, out + start, length, factor, offset)
            }
        }
        return result
    }

    /// `count` values dequantized: `(q - zp) · scale`.
    private static func dequantizeRun<T: FixedWidthInteger>(
        _ q: UnsafePointer<T>, _ out: UnsafeMutablePointer<Float>, _ count: Int, _ scale: Float, _ zeroPoint: Int32
    ) {
        for i in 0..<count { out[i] = Float(Int32(q[i]) &- zeroPoint) * scale }
    }

    /// The stored integers widened to Int32, row-major (a copy).
    func quantizedIntegers() throws -> [Int32] {
        let integers = try integerRepresentation.contiguous()
        let count = elementCount
        let raw = integers.baseAddress
        switch integers.dtype {
        case .uint8: return (0..<count).map { Int32(raw.assumingMemoryBound(to: UInt8.self)[$0]) }
        case .int8: return (0..<count).map { Int32(raw.assumingMemoryBound(to: Int8.self)[$0]) }
        case .int32: return Array(UnsafeBufferPointer(start: raw.assumingMemoryBound(to: Int32.self), count: count))
        default: throw TensorError("dtype \(dtype) holds no quantized integers")
        }
    }
}

extension Quantizer {
    /// The stretches of a row-major tensor of `shape` (`count` elements) that share one scale and zero point:
    /// the whole tensor for a per-tensor quantizer, each channel's run of consecutive elements otherwise.
    func runs(shape: [Int], count: Int) -> [(start: Int, length: Int, scale: Double, zeroPoint: Int64)] {
        let (channels, inner) = channelLayout(shape: shape)
        if channels == 1 {
            let (scale, zeroPoint) = parameters(channel: 0)
            return [(0, count, scale, zeroPoint)]
        }
        return stride(from: 0, to: count, by: Swift.max(inner, 1)).map { start in
            let (scale, zeroPoint) = parameters(channel: (start / Swift.max(inner, 1)) % channels)
            return (start, Swift.min(inner, count - start), scale, zeroPoint)
        }
    }

    /// For a row-major tensor of `shape`: how many channels the element index cycles through and how many
    /// consecutive elements share one (1 channel for a per-tensor quantizer).
    func channelLayout(shape: [Int]) -> (channels: Int, inner: Int) {
        guard case .perChannelAffine(let scales, _, let axis) = scheme else { return (1, 1) }
        return (scales.count, shape[(axis + 1)...].reduce(1, *))
    }

    /// ATen's `quant_utils::ChooseQuantizationParams` for an activation range, as dynamic quantization uses it:
    /// the range is widened to include 0, the scale spreads it over `qmin...qmax` (computed in double), a scale
    /// under fp16's smallest normal (6.1e-5) is raised to it with the range scaled alike, and the zero point is
    /// the one whose rounding error is smaller, nudged to an integer in range.
    public static func chooseParameters(minimum: Float, maximum: Float, qmin: Int64, qmax: Int64) -> (scale: Float, zeroPoint: Int64) {
        var low = Swift.min(minimum, 0)
        var high = Swift.max(maximum, 0)
        var scale = (Double(high) - Double(low)) / Double(qmax - qmin)
        if Float(scale) == 0 || !scale.isFinite || (1 / Float(scale)).isInfinite { scale = 0.1 }
        let smallestScale: Float = 6.1e-5
        if scale < Double(smallestScale) {
            let original = Float(scale)
            scale = Double(smallestScale)
            if low == 0 {
                high = smallestScale * Float(qmax - qmin)
            } else if high == 0 {
                low = -smallestScale * Float(qmax - qmin)
            } else {
                let amplifier = smallestScale / original
                low *= amplifier
                high *= amplifier
            }
        }
        let fromMin = Double(qmin) - Double(low) / scale
        let fromMax = Double(qmax) - Double(high) / scale
        let errorMin = Double(qmin).magnitude - (Double(low) / scale).magnitude
        let errorMax = Double(qmax).magnitude - (Double(high) / scale).magnitude
        let initial = errorMin < errorMax ? fromMin : fromMax
        let nudged: Int64
        if initial < Double(qmin) { nudged = qmin } else if initial > Double(qmax) { nudged = qmax } else {
            nudged = Int64(initial.rounded(.toNearestOrEven))
        }
        return (Float(scale), nudged)
    }
}
