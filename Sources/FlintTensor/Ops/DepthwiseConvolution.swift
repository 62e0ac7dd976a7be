import CFlintKernels

/// Depthwise 2-D convolution (groups == input channels, each channel with its own `multiplier` filters),
/// a direct computation rather than one tiny GEMM per channel: float32 runs the vectorised C kernel,
/// other dtypes a portable loop over output rows.
extension Tensor {
    /// Whether a 2-D convolution with these shapes is depthwise.
    static func isDepthwise(input: Tensor, weight: Tensor, groups: Int) -> Bool {
        input.rank == 4 && weight.rank == 4 && groups > 1 && groups == input.shape[1] && weight.shape[1] == 1
            && weight.shape[0] % groups == 0
    }

    /// The convolution plus `epilogue`: float32 applies a ReLU or clamp without a residual in the kernel's
    /// output write, the rest afterwards.
    func depthwiseConvolution(weight: Tensor, bias: Tensor?, geometry: ConvolutionGeometry, epilogue: FusedEpilogue, into output: Tensor? = nil) throws -> Tensor {
        let (n, channels) = (shape[0], shape[1])
        let multiplier = weight.shape[0] / channels
        let result = try Tensor.destination(output, geometry: geometry, images: n, channels: channels * multiplier, dtype: dtype, operation: "convolution")
        // The residual is added in a pass afterwards: one in the result's memory is copied first.
        let epilogue = try epilogue.residualKeptApart(from: result)
        let input = try contiguous()
        let filters = try weight.contiguous()
        let biasValues = try bias.map { try $0.to(dtype).contiguous() }
        let planes = n * channels * multiplier
        let pool = ThreadPool.shared
        if dtype == .float32 {
            var descriptor = flint_dwconv2d_desc()
            descriptor.channels = Int64(channels)
            descriptor.multiplier = Int64(multiplier)
            (descriptor.in_h, descriptor.in_w) = (Int64(geometry.inputSpatial[0]), Int64(geometry.inputSpatial[1]))
            (descriptor.kernel_h, descriptor.kernel_w) = (Int64(geometry.kernel[0]), Int64(geometry.kernel[1]))
            (descriptor.stride_h, descriptor.stride_w) = (Int64(geometry.stride[0]), Int64(geometry.stride[1]))
            (descriptor.pad_h, descriptor.pad_w) = (Int64(geometry.padding[0]), Int64(geometry.padding[1]))
            (descriptor.dilation_h, descriptor.dilation_w) = (Int64(geometry.dilation[0]), Int64(geometry.dilation[1]))
            var gemmEpilogue = flint_gemm_epilogue()
            if epilogue.residual == nil { epilogue.configure(&gemmEpilogue) }
            (descriptor.activation, descriptor.clamp_min, descriptor.clamp_max) = (gemmEpilogue.activation, gemmEpilogue.clamp_min, gemmEpilogue.clamp_max)
            let source = UnsafePointer(input.baseAddress.assumingMemoryBound(to: Float.self))
            let weights = UnsafePointer(filters.baseAddress.assumingMemoryBound(to: Float.self))
            let biasPointer = try biasValues.map { UnsafePointer(try $0.to(.float32).baseAddress.assumingMemoryBound(to: Float.self)) }
            let target = result.baseAddress.assumingMemoryBound(to: Float.self)
            let outChannels = channels * multiplier
            let perPlane = Swift.max(1, geometry.outputSpatial.reduce(1, *) * geometry.kernel.reduce(1, *))
            // Each extra thread gets at least ~64 K multiply-adds (~3 µs): during a model's run the workers are
            // still spinning from the previous operator, so handing them work costs about a µs, not a wake-up.
            // (Late layers, 960 channels of 7×7, ran on one thread with 256 K; mobilenet_v2 at 2 threads 5.66 ->
            // 5.38 ms with 64 K, five interleaved pairs; 16 K measured the same as 64 K.)
            pool.parallelFor(
                planes, minimumPerThread: Swift.max(1, (1 << 16) / perPlane),
                DepthwisePlanesFloat(descriptor: descriptor, source: source, weights: weights, bias: biasPointer, target: target, outChannels: outChannels))
            if epilogue.residual != nil { try epilogue.apply(to: result) }
            return withExtendedLifetime((input, filters, biasValues)) { result }
        }
        let work = planes * geometry.outputSpatial.reduce(1, *) * geometry.kernel.reduce(1, *)
        var failure: Error?
        pool.parallelFor(planes, minimumPerThread: Swift.max(1, planes * (1 << 15) / Swift.max(work, 1))) { range, _ in
            do {
                try dtype.dispatchNumeric(
                    DepthwisePlanes(input: input, weight: filters, bias: biasValues, output: result, geometry: geometry, multiplier: multiplier, planes: range),
                    operation: "depthwise convolution")
            } catch { failure = error }
        }
        if let failure { throw failure }
        try epilogue.apply(to: result)
        return result
    }
}

/// The float32 planes `range` (image-major `(image, output channel)` pairs) of a depthwise convolution,
/// through `flint_depthwise_conv2d_f32`, one call per image the range touches.
private struct DepthwisePlanesFloat: ParallelLoopBody {
    let descriptor: flint_dwconv2d_desc
    let source: UnsafePointer<Float>
    let weights: UnsafePointer<Float>
    let bias: UnsafePointer<Float>?
    let target: UnsafeMutablePointer<Float>
    let outChannels: Int

    func run(_ range: Range<Int>, thread: Int) {
        var descriptor = descriptor
        range.forEachImageSpan(channels: outChannels) { image, span in
            flint_depthwise_conv2d_f32(&descriptor, source, weights, bias, target, Int64(image), Int64(span.lowerBound), Int64(span.upperBound))
        }
    }
}

private struct DepthwisePlanes: NumericDTypeVisitor {
    let input: Tensor
    let weight: Tensor
    let bias: Tensor?
    let output: Tensor
    let geometry: ConvolutionGeometry
    let multiplier: Int
    let planes: Range<Int>

    func visitFloating<T: FloatingElement>(_ type: T.Type) throws {
        run(T.self, zero: T.Compute(0), load: { $0.computeValue }, store: { T(computeValue: $0) }, fma: { $0 + $1 * $2 })
    }

    func visitInteger<T: IntegerElement>(_ type: T.Type) throws {
        run(T.self, zero: T(0), load: { $0 }, store: { $0 }, fma: { $0 &+ $1 &* $2 })
    }

    func visitBool() throws { throw TensorError("\"slow_conv2d_cpu\" not implemented for 'Bool'") }

    private func run<T, Acc>(_ type: T.Type, zero: Acc, load: (T) -> Acc, store: (Acc) -> T, fma: (Acc, Acc, Acc) -> Acc) {
        let (inH, inW) = (geometry.inputSpatial[0], geometry.inputSpatial[1])
        let (outH, outW) = (geometry.outputSpatial[0], geometry.outputSpatial[1])
        let (kH, kW) = (geometry.kernel[0], geometry.kernel[1])
        let (sH, sW) = (geometry.stride[0], geometry.stride[1])
        let (pH, pW) = (geometry.padding[0], geometry.padding[1])
        let (dH, dW) = (geometry.dilation[0], geometry.dilation[1])
        let source = UnsafePointer(input.baseAddress.assumingMemoryBound(to: T.self))
        let filters = UnsafePointer(weight.baseAddress.assumingMemoryBound(to: T.self))
        let biases = bias.map { UnsafePointer($0.baseAddress.assumingMemoryBound(to: T.self)) }
        let target = output.baseAddress.assumingMemoryBound(to: T.self)
        let outChannels = output.shape[1]
        var row = [Acc](repeating: zero, count: outW)
        var taps = [Acc](repeating: zero, count: kH * kW)
        for plane in planes {
            let (image, outChannel) = (plane / outChannels, plane % outChannels)
            let inChannel = outChannel / multiplier
            let inputPlane = source + (image * input.shape[1] + inChannel) * inH * inW
            for t in 0..<(kH * kW) { taps[t] = load(filters[outChannel * kH * kW + t]) }
            let start = biases.map { load($0[outChannel]) } ?? zero
            // Output columns whose every tap lies inside the input row (no bounds checks needed there).
            let firstInterior = Swift.min(outW, Swift.max(0, (pW + sW - 1) / sW))
            let lastInterior = Swift.max(firstInterior, Swift.min(outW, (inW + pW - (kW - 1) * dW - 1) / sW + 1))
            for oy in 0..<outH {
                for ox in 0..<outW { row[ox] = start }
                for ky in 0..<kH {
                    let iy = oy * sH - pH + ky * dH
                    if iy < 0 || iy >= inH { continue }
                    let line = inputPlane + iy * inW
                    for kx in 0..<kW {
                        let w = taps[ky * kW + kx]
                        let shift = kx * dW - pW
                        for ox in 0..<firstInterior {
                            let ix = ox * sW + shift
                            if ix >= 0 && ix < inW { row[ox] = fma(row[ox], load(line[ix]), w) }
                        }
                        row.withUnsafeMutableBufferPointer { out in
                            for ox in firstInterior..<lastInterior { out[ox] = fma(out[ox], load(line[ox * sW + shift]), w) }
                        }
                        for ox in lastInterior..<outW {
                            let ix = ox * sW + shift
                            if ix >= 0 && ix < inW { row[ox] = fma(row[ox], load(line[ix]), w) }
                        }
                    }
                }
                let outRow = target + plane * outH * outW + oy * outW
                for ox in 0..<outW { outRow[ox] = store(row[ox]) }
            }
        }
    }
}
