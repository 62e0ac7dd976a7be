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
        let (channels, inner) = quantizer.channelLayout(shape: shape)
        for index in 0..<count {
            let (scale, zeroPoint) = quantizer.parameters(channel: channels == 1 ? 0 : (index / inner) % channels)
            let q = Quantizer.quantize(x[index], inverseScale: 1 / Float(scale), zeroPoint: zeroPoint, range: range)
            switch plain {
            case .uint8: result.baseAddress.assumingMemoryBound(to: UInt8.self)[index] = UInt8(q)
            case .int8: result.baseAddress.assumingMemoryBound(to: Int8.self)[index] = Int8(q)
            default: result.baseAddress.assumingMemoryBound(to: Int32.self)[index] = Int32(q)
            }
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
        let (channels, inner) = quantizer.channelLayout(shape: shape)
        let count = elementCount
        let raw = integers.baseAddress
        for index in 0..<count {
            let (scale, zeroPoint) = quantizer.parameters(channel: channels == 1 ? 0 : (index / inner) % channels)
            let q: Int64
            switch integers.dtype {
            case .uint8: q = Int64(raw.assumingMemoryBound(to: UInt8.self)[index])
            case .int8: q = Int64(raw.assumingMemoryBound(to: Int8.self)[index])
            default: q = Int64(raw.assumingMemoryBound(to: Int32.self)[index])
            }
            out[index] = Float(q - zeroPoint) * Float(scale)
        }
        return result
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
    /// ATen's `quantize_val`: `zero_point + nearbyint(value * inverse_scale)` clamped to `range`.
    @inline(__always)
    static func quantize(_ value: Float, inverseScale: Float, zeroPoint: Int64, range: ClosedRange<Int64>) -> Int64 {
        let scaled = (value * inverseScale).rounded(.toNearestOrEven)
        guard scaled.isFinite else { return scaled.isNaN ? zeroPoint : (scaled > 0 ? range.upperBound : range.lowerBound) }
        let q = zeroPoint + Int64(Swift.max(Swift.min(scaled, 4e18), -4e18))
        return Swift.min(Swift.max(q, range.lowerBound), range.upperBound)
    }

    /// For a row-major tensor of `shape`: how many channels the element index cycles through and how many
    /// consecutive elements share one (1 channel for a per-tensor quantizer).
    func channelLayout(shape: [Int]) -> (channels: Int, inner: Int) {
        guard case .perChannelAffine(let scales, _, let axis) = scheme else { return (1, 1) }
        return (scales.count, shape[(axis + 1)...].reduce(1, *))
    }

    /// fbgemm's `ChooseQuantizationParams` for an activation range, as dynamic quantization uses it: the range
    /// is widened to include 0, the scale spreads it over `qmin...qmax`, and the zero point is the one whose
    /// rounding error is smaller, nudged to an integer in range.
    public static func chooseParameters(minimum: Float, maximum: Float, qmin: Int64, qmax: Int64) -> (scale: Float, zeroPoint: Int64) {
        let low = Swift.min(minimum, 0)
        let high = Swift.max(maximum, 0)
        var scale = Double(high - low) / Double(qmax - qmin)
        if Float(scale) == 0 || !scale.isFinite || (1 / Float(scale)).isInfinite { scale = 0.1 }
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
