import CFlintKernels

/// Operators on quantized activations other than the matrix products: additions and products with a
/// requantized result, concatenation, and the operators ATen runs on quantized tensors by dequantizing,
/// computing in float and quantizing again (activations, pooling, means).
extension Tensor {
    /// `quantized::add` / `add_relu`: `a + b` of two quint8 tensors of one shape, quantized with `scale`,
    /// `zeroPoint` (ReLU applied before quantizing).
    public func quantizedAdd(_ other: Tensor, scale: Double, zeroPoint: Int64, relu: Bool = false) throws -> Tensor {
        let operation = relu ? "quantized::add_relu" : "quantized::add"
        let (a, b) = (try checkedActivation(operation), try other.checkedActivation(operation))
        let (sa, za, sb, zb) = (Float(a.scale), Float(a.zeroPoint), Float(b.scale), Float(b.zeroPoint))
        let (inverse, offset) = (1 / Float(scale), Float(zeroPoint))
        // ATen's vectorized kernel: each side dequantized as one fused multiply-add `q * s + (-zp * s)`.
        let (offsetA, offsetB) = (sa * -za, sb * -zb)
        return try combined(with: other, operation, output: Quantizer(scale: scale, zeroPoint: zeroPoint)) { x, y, z, count in
            flint_qadd_u8(x, y, z, Int64(count), sa, offsetA, sb, offsetB, inverse, offset, relu ? 1 : 0)
        }
    }

    /// `quantized::mul` / `mul_relu`: the elementwise product, computed on the integers and requantized with
    /// ATen's `requantize_from_int` (`zp + lrintf(product * (sa * sb / s))`).
    public func quantizedMultiply(_ other: Tensor, scale: Double, zeroPoint: Int64, relu: Bool = false) throws -> Tensor {
        let operation = relu ? "quantized::mul_relu" : "quantized::mul"
        let (a, b) = (try checkedActivation(operation), try other.checkedActivation(operation))
        let multiplier = Float(a.scale * b.scale / scale)
        let (za, zb) = (Int64(a.zeroPoint), Int64(b.zeroPoint))
        let low: Int64 = relu ? zeroPoint : 0
        return try combined(with: other, operation, output: Quantizer(scale: scale, zeroPoint: zeroPoint)) { x, y, z, count in
            for i in 0..<count {
                let product = (Int64(x[i]) - za) * (Int64(y[i]) - zb)
                let q = zeroPoint + Int64((Float(product) * multiplier).rounded(.toNearestOrEven))
                z[i] = UInt8(Swift.min(Swift.max(q, low), 255))
            }
        }
    }

    /// Applies `body` to the quint8 elements of this tensor and `other` (broadcast together), laid out densely in
    /// the memory order of the larger one, writing `count` results; gives a quint8 tensor with `output`'s parameters
    /// and that layout.
    private func combined(
        with other: Tensor, _ operation: String, output: Quantizer,
        _ body: (_ x: UnsafePointer<UInt8>, _ y: UnsafePointer<UInt8>, _ z: UnsafeMutablePointer<UInt8>, _ count: Int) -> Void
    ) throws -> Tensor {
        let shape: [Int]
        do { shape = try Tensor.broadcastShape(self.shape, other.shape) } catch {
            throw TensorError("\(operation): shapes \(self.shape) and \(other.shape) cannot be broadcast together")
        }
        try output.check(dtype: .quint8, shape: shape)
        let left = try integerRepresentation.expand(shape)
        let right = try other.integerRepresentation.expand(shape)
        let order = (self.shape == shape ? left : right).memoryOrder
        let a = try left.permute(order).contiguous()
        let b = try right.permute(order).contiguous()
        let result = Tensor(uninitialized: a.shape, dtype: .uint8)
        let (x, y, z) = (
            a.baseAddress.assumingMemoryBound(to: UInt8.self), b.baseAddress.assumingMemoryBound(to: UInt8.self),
            result.baseAddress.assumingMemoryBound(to: UInt8.self)
        )
        body(UnsafePointer(x), UnsafePointer(y), z, a.elementCount)
        return try result.permute(Self.inversePermutation(order)).reinterpretedAsQuantized(.quint8, output)
    }

    /// Dimensions from outermost to innermost in memory (by decreasing stride), e.g. `[0, 2, 3, 1]` for a
    /// channels-last image batch.
    var memoryOrder: [Int] {
        (0..<rank).sorted { strides[$0] != strides[$1] ? strides[$0] > strides[$1] : $0 < $1 }
    }

    static func inversePermutation(_ order: [Int]) -> [Int] {
        var inverse = [Int](repeating: 0, count: order.count)
        for (i, d) in order.enumerated() { inverse[d] = i }
        return inverse
    }

    /// `relu` of a quantized tensor: the integers clamped below at the zero point.
    func quantizedReLU() throws -> Tensor {
        let quantizer = try requireQuantizer("relu")
        return try throughReal(quantizer) { try $0.relu() }
    }

    /// Runs `body` on the dequantized values and quantizes its result to this tensor's dtype with `quantizer`
    /// (for ops ATen defines on quantized tensors as requantized float computations).
    func throughReal(_ quantizer: Quantizer, _ body: (Tensor) throws -> Tensor) throws -> Tensor {
        try body(try dequantize()).quantize(with: quantizer, dtype: dtype)
    }

    /// The fixed output parameters ATen gives `sigmoid` and `hardsigmoid` of a quantized tensor (range [0, 1]).
    func unitIntervalQuantizer() -> Quantizer {
        Quantizer(scale: 1.0 / 256, zeroPoint: dtype == .qint8 ? -128 : 0)
    }

    /// `quantized::hardswish`: hardswish of the real values, quantized with the given parameters.
    public func quantizedHardswish(scale: Double, zeroPoint: Int64) throws -> Tensor {
        _ = try requireQuantizer("quantized::hardswish")
        return try throughReal(Quantizer(scale: scale, zeroPoint: zeroPoint)) { try $0.hardswish() }
    }

    /// `quantized::cat`: concatenation of quantized tensors, quantized with `scale`/`zeroPoint` (the first
    /// input's when nil). Inputs already quantized that way are joined without requantizing.
    public static func quantizedCat(_ tensors: [Tensor], dim: Int, scale: Double?, zeroPoint: Int64?) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError("quantized::cat expects a non-empty list of tensors") }
        let reference = try first.requireQuantizer("quantized::cat").perTensorParameters("quantized::cat")
        let output = Quantizer(scale: scale ?? reference.scale, zeroPoint: zeroPoint ?? reference.zeroPoint)
        let parts = try tensors.map { tensor -> Tensor in
            guard tensor.dtype == first.dtype else {
                throw TensorError("quantized::cat expects tensors of one dtype, got \(first.dtype) and \(tensor.dtype)")
            }
            let quantizer = try tensor.requireQuantizer("quantized::cat")
            if quantizer.scheme == output.scheme { return tensor.integerRepresentation }
            return try tensor.dequantize().quantize(with: output, dtype: tensor.dtype).integerRepresentation
        }
        return try cat(parts, dim: dim).reinterpretedAsQuantized(first.dtype, output)
    }
}

extension Tensor {
    /// Adaptive average pooling of a quantized `[N, C, H, W]` (or `[C, H, W]`) tensor on its integers, keeping the
    /// input's parameters, as ATen's quantized kernels compute it (matched against libtorch 2.15 on random
    /// tensors): per window `zp + nearbyint((Σq - zp·size) · (1/size))` for channels-last inputs and for global
    /// pooling; `nearbyint(Σq · (1/size))` for other outputs of a channels-first input.
    func quantizedAdaptiveAveragePool2D(_ outputSize: [Int]) throws -> Tensor? {
        guard outputSize.count == 2, rank == 3 || rank == 4, dtype == .quint8 || dtype == .qint8,
            let quantizer, case .perTensorAffine(_, let zeroPoint) = quantizer.scheme
        else { return nil }
        let input = rank == 3 ? try unsqueeze(0) : self
        let (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (outHeight, outWidth) = (outputSize[0], outputSize[1])
        guard outHeight > 0, outWidth > 0, height > 0, width > 0 else { return nil }
        let integers = input.integerRepresentation
        let (sn, sc, sh, sw) = (integers.strides[0], integers.strides[1], integers.strides[2], integers.strides[3])
        let result = Tensor(uninitialized: [batch, channels, outHeight, outWidth], dtype: integers.dtype)
        let signed = dtype == .qint8
        let centered = sc < sw || (outHeight == 1 && outWidth == 1)
        let base = integers.baseAddress
        let out = result.baseAddress
        let range = dtype.quantizedRange!
        var index = 0
        for n in 0..<batch {
            for c in 0..<channels {
                for oh in 0..<outHeight {
                    let (h0, h1) = (oh * height / outHeight, ((oh + 1) * height + outHeight - 1) / outHeight)
                    for ow in 0..<outWidth {
                        let (w0, w1) = (ow * width / outWidth, ((ow + 1) * width + outWidth - 1) / outWidth)
                        let size = (h1 - h0) * (w1 - w0)
                        var sum = centered ? -Int64(zeroPoint) * Int64(size) : 0
                        for h in h0..<h1 {
                            for w in w0..<w1 {
                                let offset = n * sn + c * sc + h * sh + w * sw
                                sum += signed ? Int64(base.load(fromByteOffset: offset, as: Int8.self)) : Int64(base.load(fromByteOffset: offset, as: UInt8.self))
                            }
                        }
                        let multiplier = Float(1) / Float(size)
                        let rounded = Int64((Float(sum) * multiplier).rounded(.toNearestOrEven)) + (centered ? zeroPoint : 0)
                        let q = Swift.min(Swift.max(rounded, range.lowerBound), range.upperBound)
                        if signed { out.storeBytes(of: Int8(q), toByteOffset: index, as: Int8.self) } else {
                            out.storeBytes(of: UInt8(q), toByteOffset: index, as: UInt8.self)
                        }
                        index += 1
                    }
                }
            }
        }
        let pooled = try result.reinterpretedAsQuantized(dtype, quantizer)
        return rank == 3 ? try pooled.squeeze(0) : pooled
    }
}
