import CFlintKernels
/// Max, average and adaptive pooling over 1, 2 or 3 spatial dimensions, with ATen's output-size rules
/// (`ceil_mode` windows must start inside the input or its left padding), NaN winning in max pooling,
/// `count_include_pad` and `divisor_override` for averages.
extension Tensor {
    /// Max pooling; returns values and the flat index of each maximum within its input plane. With
    /// `withIndices: false` the indices are not computed (they come back as zeros), which lets float32
    /// pooling take the vectorized path.
    public func maxPool(
        kernel: [Int], stride: [Int], padding: [Int], dilation: [Int], ceilMode: Bool, withIndices: Bool = true
    ) throws -> (values: Tensor, indices: Tensor) {
        if let quantizer {
            if !withIndices, let pooled = try integerMaxPool2d(kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode) {
                return (pooled, Tensor(zeros: pooled.shape, dtype: .int64))
            }
            let real = try dequantize().maxPool(kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode, withIndices: withIndices)
            return (try real.values.quantize(with: quantizer, dtype: dtype), real.indices)
        }
        if kernel.count == 1 && !dtype.isFloatingPoint {
            throw TensorError("\"max_pool1d_impl\" not implemented for '\(dtype.scalarTypeName)'")
        }
        let window = try PoolWindow(self, kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode, name: "max_pool")
        let values = Tensor(zeros: window.outputShape, dtype: dtype)
        let indices = Tensor(zeros: window.outputShape, dtype: .int64)
        if dtype == .float32 && window.spatial == 2 {
            try runPool2D(window, ceilMode: ceilMode, countIncludePad: false, divisorOverride: nil, output: values, indices: withIndices ? indices : nil, average: false)
            return (values, indices)
        }
        try dtype.dispatchNumeric(MaxPoolKernel(window: window, input: try contiguous(), values: values, indices: indices), operation: "max_pool")
        return (values, indices)
    }

    /// `max_pool{1,2,3}d` without indices. `output`, when given, receives the result and is returned
    /// (contiguous, of the result's shape and dtype); float32 2-d pooling then allocates nothing.
    public func maxPool(kernel: [Int], stride: [Int], padding: [Int], dilation: [Int], ceilMode: Bool, into output: Tensor?) throws -> Tensor {
        guard quantizer == nil, dtype == .float32, kernel.count == 2 else {
            let values = try maxPool(kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode, withIndices: false).values
            guard let output else { return values }
            try output.copy(from: values)
            return output
        }
        let window = try PoolWindow(self, kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode, name: "max_pool")
        let values = try window.destination(output, dtype: dtype, operation: "max_pool2d")
        try runPool2D(window, ceilMode: ceilMode, countIncludePad: false, divisorOverride: nil, output: values, indices: nil, average: false)
        return values
    }

    /// 2-d max pooling of a 4-D quint8 or qint8 tensor on its integers (scales are positive, so the largest
    /// integer is the largest value), channels-last like ATen's quantized kernel; nil for other quantized tensors.
    private func integerMaxPool2d(kernel: [Int], stride: [Int], padding: [Int], dilation: [Int], ceilMode: Bool) throws -> Tensor? {
        guard let quantizer, kernel.count == 2, rank == 4, dtype == .quint8 || dtype == .qint8 else { return nil }
        let window = try PoolWindow(self, kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode, name: "max_pool")
        let (batch, channels) = (shape[0], shape[1])
        let (outHeight, outWidth) = (window.output[0], window.output[1])
        let input = try channelsLastIntegers()
        let result = Tensor(uninitialized: [batch, outHeight, outWidth, channels], dtype: input.dtype)
        var desc = flint_pool2d_desc(
            channels: Int64(channels), in_h: Int64(window.input[0]), in_w: Int64(window.input[1]),
            kernel_h: Int64(window.kernel[0]), kernel_w: Int64(window.kernel[1]), stride_h: Int64(window.stride[0]),
            stride_w: Int64(window.stride[1]), pad_h: Int64(window.padding[0]), pad_w: Int64(window.padding[1]),
            dilation_h: Int64(window.dilation[0]), dilation_w: Int64(window.dilation[1]), ceil_mode: ceilMode ? 1 : 0,
            count_include_pad: 0, divisor_override: 0)
        let source = UnsafePointer(input.baseAddress.assumingMemoryBound(to: UInt8.self))
        let target = result.baseAddress.assumingMemoryBound(to: UInt8.self)
        let signed: Int32 = dtype == .qint8 ? 1 : 0
        if result.elementCount > 0 {
            withUnsafePointer(to: &desc) { desc in
                ThreadPool.shared.parallelFor(batch * outHeight, minimumPerThread: Swift.max(1, 4096 / Swift.max(outWidth * channels, 1))) { rows, _ in
                    flint_max_pool2d_q8_nhwc(desc, source, target, Int64(rows.lowerBound), Int64(rows.upperBound), signed)
                }
            }
        }
        return try result.permute([0, 3, 1, 2]).reinterpretedAsQuantized(dtype, quantizer)
    }

    /// float32 2-d max/average pooling on the vectorized C kernels, planes spread over the thread pool.
    private func runPool2D(
        _ window: PoolWindow, ceilMode: Bool, countIncludePad: Bool, divisorOverride: Int?, output: Tensor, indices: Tensor?, average: Bool
    ) throws {
        let input = try contiguous()
        let channels = rank == 4 ? shape[1] : shape[0]
        guard channels > 0, window.planes > 0, output.elementCount > 0 else { return }
        let desc = flint_pool2d_desc(
            channels: Int64(channels), in_h: Int64(window.input[0]), in_w: Int64(window.input[1]),
            kernel_h: Int64(window.kernel[0]), kernel_w: Int64(window.kernel[1]), stride_h: Int64(window.stride[0]),
            stride_w: Int64(window.stride[1]), pad_h: Int64(window.padding[0]), pad_w: Int64(window.padding[1]),
            dilation_h: Int64(window.dilation[0]), dilation_w: Int64(window.dilation[1]), ceil_mode: ceilMode ? 1 : 0,
            count_include_pad: countIncludePad ? 1 : 0, divisor_override: Int64(divisorOverride ?? 0))
        let src = UnsafePointer(input.baseAddress.assumingMemoryBound(to: Float.self))
        let dst = output.baseAddress.assumingMemoryBound(to: Float.self)
        let index = indices?.baseAddress.assumingMemoryBound(to: Int64.self)
        ThreadPool.shared.parallelFor(
            window.planes, minimumPerThread: Swift.max(1, (1 << 16) / Swift.max(window.planeSize, 1)),
            Pool2DPlanes(descriptor: desc, source: src, target: dst, indices: index, channels: channels, average: average))
        withExtendedLifetime(input) {}
    }

    /// Average pooling.
    public func avgPool(kernel: [Int], stride: [Int], padding: [Int], ceilMode: Bool, countIncludePad: Bool, divisorOverride: Int?) throws -> Tensor {
        if let quantizer {
            return try throughReal(quantizer) {
                try $0.avgPool(kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad, divisorOverride: divisorOverride)
            }
        }
        let window = try PoolWindow(self, kernel: kernel, stride: stride, padding: padding, dilation: [1], ceilMode: ceilMode, name: "avg_pool")
        if let divisorOverride, divisorOverride == 0 { throw TensorError("divisor must be not zero") }
        guard dtype.isFloatingPoint || dtype == .int64, kernel.count != 3 || (dtype != .float16 && dtype != .bfloat16) else {
            throw TensorError("\"avg_pool\(kernel.count)d\" not implemented for '\(dtype.scalarTypeName)'")
        }
        if dtype == .float32 && window.spatial == 2 {
            let result = Tensor(zeros: window.outputShape, dtype: .float32)
            try runPool2D(window, ceilMode: ceilMode, countIncludePad: countIncludePad, divisorOverride: divisorOverride, output: result, indices: nil, average: true)
            return result
        }
        let integral = !dtype.isFloatingPoint
        let result = Tensor(zeros: window.outputShape, dtype: .float64)
        let input = try to(.float64).contiguous()
        let src = input.baseAddress.assumingMemoryBound(to: Double.self)
        let out = result.baseAddress.assumingMemoryBound(to: Double.self)
        window.forEachOutput { plane, outIndex, starts in
            var begin = [Int](), end = [Int]()
            var poolSize = 1
            for d in 0..<window.spatial {
                let s = starts[d]
                let e = Swift.min(s + window.kernel[d], window.input[d] + window.padding[d])
                poolSize *= e - s
                begin.append(Swift.max(s, 0))
                end.append(Swift.min(e, window.input[d]))
            }
            var total = 0.0
            var count = 1
            for d in 0..<window.spatial { count *= Swift.max(0, end[d] - begin[d]) }
            if count > 0 {
                window.forEachTap(begin: begin, end: end, step: Array(repeating: 1, count: window.spatial)) { offset in
                    total += src[plane * window.planeSize + offset]
                }
            }
            let divisor = divisorOverride ?? (countIncludePad ? poolSize : count)
            out[outIndex] = integral ? (total / Double(divisor)).rounded(.towardZero) : total / Double(divisor)
        }
        return try result.to(dtype)
    }

    /// Adaptive average pooling to `outputSize` (windows `floor(i·in/out) ..< ceil((i+1)·in/out)`).
    ///
    /// `output`, when given, receives the result of the float32 2-D kernel (contiguous, of the
    /// result's shape and dtype, overlapping no operand); other paths return a new tensor.
    public func adaptiveAvgPool(_ outputSize: [Int], into output: Tensor? = nil) throws -> Tensor {
        if let quantizer {
            if let pooled = try quantizedAdaptiveAveragePool2D(outputSize) { return pooled }
            return try throughReal(quantizer) { try $0.adaptiveAvgPool(outputSize) }
        }
        return try adaptivePool(outputSize, max: false, into: output).values
    }

    /// Adaptive max pooling; values and flat indices.
    public func adaptiveMaxPool(_ outputSize: [Int]) throws -> (values: Tensor, indices: Tensor) {
        let pooled = try adaptivePool(outputSize, max: true, into: nil)
        return (pooled.values, pooled.indices!)
    }

    /// Values and (for max pooling) indices; average pooling makes no indices.
    private func adaptivePool(_ outputSize: [Int], max: Bool, into output: Tensor?) throws -> (values: Tensor, indices: Tensor?) {
        let spatial = outputSize.count
        guard rank == spatial + 1 || rank == spatial + 2 else {
            throw TensorError("adaptive pooling: expected \(spatial + 1)D or \(spatial + 2)D input, got \(rank)D")
        }
        guard dtype.isFloatingPoint else { throw TensorError("adaptive pooling not implemented for '\(dtype.scalarTypeName)'") }
        guard outputSize.allSatisfy({ $0 >= 0 }) else {
            let batchShape = Array(shape.dropLast(spatial))
            if max {
                let planned = batchShape + (spatial == 1 ? [1] + outputSize : outputSize)
                throw TensorError("Trying to create tensor with negative dimension \(outputSize.first { $0 < 0 }!): \(planned)")
            }
            // ATen runs adaptive_avg_pool1d as a 2-D pool of height 1.
            let sizes = (spatial == 1 ? [1] + outputSize : outputSize).map(String.init).joined(separator: ", ")
            throw TensorError("adaptive_avg_pool\(Swift.max(spatial, 2))d: elements of output_size must be greater than or equal to 0 but received {\(sizes)}")
        }
        guard spatial <= SpatialSizes.capacity else { throw TensorError("adaptive pooling: at most 3 spatial dimensions, got \(spatial)") }
        let inputSpatial = SpatialSizes(shape.suffix(spatial))
        guard inputSpatial.allSatisfy({ $0 > 0 }) else {
            // ATen's wording; it runs adaptive_avg_pool1d as a 2-D pool of height 1.
            let empty = inputSpatial.firstIndex { $0 <= 0 } ?? 0
            let asTwoD = !max && spatial == 1
            let sizes = asTwoD ? Array(shape.dropLast()) + [1, shape[rank - 1]] : shape
            let dim = rank - spatial + empty + (asTwoD ? 1 : 0)
            throw TensorError(
                "adaptive_\(max ? "max" : "avg")_pool\(asTwoD ? 2 : spatial)d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes \(sizes) with dimension \(dim) being empty"
            )
        }
        let planes = shape.dropLast(spatial).reduce(1, *)
        let planeSize = inputSpatial.reduce(1, *)
        let outPlane = outputSize.reduce(1, *)
        if !max && dtype == .float32 && spatial == 2 {
            // The vectorized C kernel, planes spread over the thread pool.
            let input = try contiguous()
            // A given output of the result's shape is taken without building that shape (no allocation).
            let result: Tensor
            if let output, output.shape.count == rank, output.shape.prefix(rank - spatial).elementsEqual(shape.prefix(rank - spatial)),
                output.shape.suffix(spatial).elementsEqual(outputSize)
            {
                result = try Tensor.destination(output, shape: output.shape, dtype: .float32, operation: "adaptive_avg_pool2d")
            } else {
                result = try output.map { try Tensor.destination($0, shape: Array(shape.dropLast(spatial)) + outputSize, dtype: .float32, operation: "adaptive_avg_pool2d") }
                    ?? Tensor(zeros: Array(shape.dropLast(spatial)) + outputSize, dtype: .float32)
            }
            let src = UnsafePointer(input.baseAddress.assumingMemoryBound(to: Float.self))
            let dst = result.baseAddress.assumingMemoryBound(to: Float.self)
            ThreadPool.shared.parallelFor(
                planes, minimumPerThread: Swift.max(1, (1 << 16) / Swift.max(planeSize, 1)),
                AdaptiveAveragePlanes(
                    source: src, target: dst, planes: planes, inputHeight: inputSpatial[0], inputWidth: inputSpatial[1], outputHeight: outputSize[0],
                    outputWidth: outputSize[1]))
            return withExtendedLifetime(input) { (result, nil) }
        }
        let input = try to(.float64).contiguous()
        let src = input.baseAddress.assumingMemoryBound(to: Double.self)
        var values = [Double](repeating: 0, count: planes * outPlane)
        var indices = [Int64](repeating: 0, count: planes * outPlane)
        let inStrides = Tensor.contiguousStrides(for: Array(inputSpatial))
        for plane in 0..<planes {
            for o in 0..<outPlane {
                var rest = o
                var begin = [Int](), end = [Int]()
                for d in 0..<spatial {
                    let later = outputSize[(d + 1)...].reduce(1, *)
                    let i = rest / later
                    rest %= later
                    begin.append((i * inputSpatial[d]) / outputSize[d])
                    end.append(((i + 1) * inputSpatial[d] + outputSize[d] - 1) / outputSize[d])
                }
                var best = -Double.infinity
                var bestIndex = begin.enumerated().reduce(0) { $0 + $1.element * inStrides[$1.offset] }
                var total = 0.0
                var count = 0
                var position = begin
                while true {
                    let offset = position.enumerated().reduce(0) { $0 + $1.element * inStrides[$1.offset] }
                    let v = src[plane * planeSize + offset]
                    total += v
                    count += 1
                    if v > best || v.isNaN && !best.isNaN { best = v; bestIndex = offset }
                    var d = spatial - 1
                    while d >= 0 {
                        position[d] += 1
                        if position[d] < end[d] { break }
                        position[d] = begin[d]
                        d -= 1
                    }
                    if d < 0 { break }
                }
                values[plane * outPlane + o] = max ? best : total / Double(count)
                indices[plane * outPlane + o] = Int64(bestIndex)
            }
        }
        let resultShape = Array(shape.dropLast(spatial)) + outputSize
        return (try Tensor(shape: resultShape, scalars: values).to(dtype), try Tensor(shape: resultShape, scalars: indices))
    }
}

/// The geometry of a pooling window over the trailing spatial dimensions, held inline (``SpatialSizes``): a
/// call's window allocates nothing.
struct PoolWindow {
    let spatial: Int
    let kernel: SpatialSizes
    let stride: SpatialSizes
    let padding: SpatialSizes
    let dilation: SpatialSizes
    let input: SpatialSizes
    let output: SpatialSizes
    let planes: Int
    /// The pooled tensor's shape (its leading dimensions are the result's).
    private let sourceShape: [Int]
    var planeSize: Int { input.product }

    init(_ tensor: Tensor, kernel: [Int], stride: [Int], padding: [Int], dilation: [Int], ceilMode: Bool, name: String) throws {
        let spatial = kernel.count
        guard (1...3).contains(spatial), tensor.rank == spatial + 1 || tensor.rank == spatial + 2 else {
            // ATen's wording differs per operator.
            switch (name, spatial) {
            case ("max_pool", 1):
                throw TensorError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:\(tensor.shape)")
            case ("max_pool", 2), ("max_pool", 3):
                throw TensorError("non-empty \(spatial + 1)D or \(spatial + 2)D (batch mode) tensor expected for input")
            case ("avg_pool", 1):
                throw TensorError(
                    "Expected 2 to 3 dimensions, but got \(tensor.rank)-dimensional tensor for argument #1 'self' (while checking arguments for avg_pool1d)")
            default:
                throw TensorError("\(name): expected \(spatial + 1)D or \(spatial + 2)D input, got \(tensor.rank)D")
            }
        }
        self.spatial = spatial
        self.kernel = SpatialSizes(kernel)
        let stride = try Tensor.expandParameter(stride.isEmpty ? kernel : stride, spatial, "stride")
        let padding = try Tensor.expandParameter(padding, spatial, "padding")
        let dilation = try Tensor.expandParameter(dilation, spatial, "dilation")
        (self.stride, self.padding, self.dilation) = (SpatialSizes(stride), SpatialSizes(padding), SpatialSizes(dilation))
        let input = SpatialSizes(tensor.shape[(tensor.rank - spatial)...])
        self.input = input
        sourceShape = tensor.shape
        planes = tensor.shape.dropLast(spatial).reduce(1, *)
        var output = SpatialSizes(repeating: 0, count: spatial)
        for d in 0..<spatial {
            guard kernel[d] > 0, stride[d] > 0, dilation[d] > 0 else {
                throw TensorError("\(name): kernel size, stride and dilation must be greater than zero")
            }
            guard padding[d] >= 0 else { throw TensorError("pad must be non-negative, but got pad: \(padding[d])") }
            guard padding[d] <= kernel[d] / 2 else {
                throw TensorError("pad should be at most half of effective kernel size, but got pad=\(padding[d]), kernel_size=\(kernel[d]) and dilation=\(dilation[d])")
            }
            let numerator = input[d] + 2 * padding[d] - dilation[d] * (kernel[d] - 1) - 1 + (ceilMode ? stride[d] - 1 : 0)
            var size = Int((Double(numerator) / Double(stride[d])).rounded(.down)) + 1
            if ceilMode && (size - 1) * stride[d] >= input[d] + padding[d] { size -= 1 }
            guard size > 0 else {
                throw TensorError("Given input size: (\(tensor.shape.dropFirst(tensor.rank - spatial - 1).map(String.init).joined(separator: "x"))). Calculated output size: (\(size)). Output size is too small")
            }
            output[d] = size
        }
        self.output = output
    }

    /// The result's shape: the pooled tensor's leading dimensions, then ``output``.
    var outputShape: [Int] { Array(sourceShape.dropLast(spatial)) + output }

    /// `output` when it is a contiguous, plain tensor of the result's dtype and shape (compared without making
    /// the shape), else a new tensor (or the error that `output` does not fit).
    func destination(_ output: Tensor?, dtype: DType, operation: String) throws -> Tensor {
        if let output, output.dtype == dtype, output.isContiguous, output.quantizer == nil, output.rank == sourceShape.count,
            output.shape.prefix(sourceShape.count - spatial).elementsEqual(sourceShape.prefix(sourceShape.count - spatial)),
            output.shape.suffix(spatial).elementsEqual(self.output)
        {
            return output
        }
        return try Tensor.destination(output, shape: outputShape, dtype: dtype, operation: operation)
    }

    /// Calls `body(plane, outputIndex, windowStarts)` for every output element.
    func forEachOutput(_ body: (Int, Int, [Int]) -> Void) {
        let outPlane = output.reduce(1, *)
        var starts = [Int](repeating: 0, count: spatial)
        for plane in 0..<planes {
            for o in 0..<outPlane {
                var rest = o
                for d in Swift.stride(from: spatial - 1, through: 0, by: -1) {
                    starts[d] = (rest % output[d]) * self.stride[d] - padding[d]
                    rest /= output[d]
                }
                body(plane, plane * outPlane + o, starts)
            }
        }
    }

    /// Calls `body(offsetInPlane)` for each tap position in `begin..<end` (per dim) stepping by `step`.
    func forEachTap(begin: [Int], end: [Int], step: [Int], _ body: (Int) -> Void) {
        let strides = Tensor.contiguousStrides(for: Array(input))
        var position = begin
        for d in 0..<spatial where begin[d] >= end[d] { return }
        while true {
            body(position.enumerated().reduce(0) { $0 + $1.element * strides[$1.offset] })
            var d = spatial - 1
            while d >= 0 {
                position[d] += step[d]
                if position[d] < end[d] { break }
                position[d] = begin[d]
                d -= 1
            }
            if d < 0 { return }
        }
    }
}

private struct MaxPoolKernel: NumericDTypeVisitor {
    let window: PoolWindow
    let input: Tensor
    let values: Tensor
    let indices: Tensor

    func visitFloating<T: FloatingElement>(_ type: T.Type) throws {
        run(T.self, isNaN: { $0.computeValue.isNaN }, greater: { $0.computeValue > $1.computeValue })
    }

    func visitInteger<T: IntegerElement>(_ type: T.Type) throws {
        run(T.self, isNaN: { _ in false }, greater: { $0 > $1 })
    }

    func visitBool() throws { throw TensorError("\"max_pool2d\" not implemented for 'Bool'") }

    private func run<T>(_ type: T.Type, isNaN: (T) -> Bool, greater: (T, T) -> Bool) {
        let src = UnsafePointer(input.baseAddress.assumingMemoryBound(to: T.self))
        let out = values.baseAddress.assumingMemoryBound(to: T.self)
        let index = indices.baseAddress.assumingMemoryBound(to: Int64.self)
        window.forEachOutput { plane, outIndex, starts in
            var begin = [Int](), end = [Int]()
            for d in 0..<window.spatial {
                var s = starts[d]
                while s < 0 { s += window.dilation[d] }
                begin.append(s)
                end.append(Swift.min(starts[d] + (window.kernel[d] - 1) * window.dilation[d] + 1, window.input[d]))
            }
            var best: T?
            var bestIndex = 0
            window.forEachTap(begin: begin, end: end, step: Array(window.dilation)) { offset in
                let v = src[plane * window.planeSize + offset]
                if let current = best {
                    if greater(v, current) || isNaN(v) {
                        best = v
                        bestIndex = offset
                    }
                } else {
                    best = v
                    bestIndex = offset
                }
            }
            if let best { out[outIndex] = best }
            index[outIndex] = Int64(bestIndex)
        }
    }
}

/// float32 2-d max or average pooling of the planes `range` (image-major `(image, channel)` pairs), one
/// kernel call per image the range touches.
private struct Pool2DPlanes: ParallelLoopBody {
    let descriptor: flint_pool2d_desc
    let source: UnsafePointer<Float>
    let target: UnsafeMutablePointer<Float>
    let indices: UnsafeMutablePointer<Int64>?
    let channels: Int
    let average: Bool

    func run(_ range: Range<Int>, thread: Int) {
        var descriptor = descriptor
        range.forEachImageSpan(channels: channels) { n, span in
            let (c0, c1) = (Int64(span.lowerBound), Int64(span.upperBound))
            if average {
                flint_avg_pool2d_f32(&descriptor, source, target, Int64(n), c0, c1)
            } else {
                flint_max_pool2d_f32(&descriptor, source, target, indices, Int64(n), c0, c1)
            }
        }
    }
}

/// float32 2-d adaptive average pooling of the planes `range`.
private struct AdaptiveAveragePlanes: ParallelLoopBody {
    let source: UnsafePointer<Float>
    let target: UnsafeMutablePointer<Float>
    let planes: Int
    let inputHeight: Int
    let inputWidth: Int
    let outputHeight: Int
    let outputWidth: Int

    func run(_ range: Range<Int>, thread: Int) {
        flint_adaptive_avg_pool2d_f32(
            source, target, Int64(planes), Int64(inputHeight), Int64(inputWidth), Int64(outputHeight), Int64(outputWidth), 0,
            Int64(range.lowerBound), Int64(range.upperBound))
    }
}
