/// Transposed convolution over 1, 2 or 3 spatial dimensions (`conv_transpose{1,2,3}d`): one GEMM per
/// image and group gives every input position's contribution to each kernel tap, which is then added
/// into the output ("col2im").
extension Tensor {
    /// `self` `[N, Cin, *in]` (or unbatched), `weight` `[Cin, Cout / groups, *kernel]`.
    public func transposedConvolution(
        weight: Tensor, bias: Tensor?, stride: [Int], padding: [Int], outputPadding: [Int], groups: Int, dilation: [Int]
    ) throws -> Tensor {
        let spatial = weight.rank - 2
        guard (1...3).contains(spatial) else { throw TensorError("conv_transpose: weight must be 3-D, 4-D or 5-D, got \(weight.rank)-D") }
        if rank == spatial + 1 {
            return try unsqueeze(0).transposedConvolution(
                weight: weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding, groups: groups,
                dilation: dilation
            ).squeeze(0)
        }
        guard rank == spatial + 2 else {
            throw TensorError("Expected \(spatial + 1)D (unbatched) or \(spatial + 2)D (batched) input to conv_transpose\(spatial)d, but got input of size: \(shape)")
        }
        guard dtype == weight.dtype, dtype != .bool else {
            throw TensorError("Input type (\(dtype.libtorchTypeName)) and weight type (\(weight.dtype.libtorchTypeName)) should be the same")
        }
        let stride = try Self.expandParameter(stride, spatial, "stride")
        let padding = try Self.expandParameter(padding, spatial, "padding")
        let outputPadding = try Self.expandParameter(outputPadding, spatial, "output_padding")
        let dilation = try Self.expandParameter(dilation, spatial, "dilation")
        let (n, inChannels) = (shape[0], shape[1])
        guard groups > 0, inChannels % groups == 0, weight.shape[0] == inChannels else {
            throw TensorError("Given transposed=1, weight of size \(weight.shape), expected input\(shape) to have \(weight.shape[0]) channels, but got \(inChannels) channels instead")
        }
        for d in 0..<spatial where outputPadding[d] >= Swift.max(stride[d], dilation[d]) {
            // ATen's wording; it runs 1-D transposed convolutions as 2-D ones of height 1.
            let axes = spatial == 3 ? ["depth", "height", "width"] : ["height", "width"]
            func listed(_ name: String, _ values: [Int], _ heightValue: Int) -> String {
                let all = spatial == 1 ? [heightValue] + values : values
                return zip(axes, all).map { "\(name)_\($0.0): \($0.1)" }.joined(separator: " ")
            }
            throw TensorError(
                "output padding must be smaller than either stride or dilation, but got \(listed("output_padding", outputPadding, 0)) \(listed("stride", stride, 1)) \(listed("dilation", dilation, 1))"
            )
        }
        let outPerGroup = weight.shape[1]
        let outChannels = outPerGroup * groups
        let kernel = Array(weight.shape[2...])
        let inputSpatial = Array(shape[2...])
        var outputSpatial: [Int] = []
        for d in 0..<spatial {
            let span: Int = dilation[d] * (kernel[d] - 1)
            let size: Int = (inputSpatial[d] - 1) * stride[d] - 2 * padding[d] + span + outputPadding[d] + 1
            outputSpatial.append(size)
        }
        guard outputSpatial.allSatisfy({ $0 > 0 }) else { throw TensorError("conv_transpose: output size \(outputSpatial) is too small") }
        let inPerGroup = inChannels / groups
        let kernelVolume = kernel.reduce(1, *)
        let positions = inputSpatial.reduce(1, *)
        let input = try contiguous().reshape([n, inChannels, positions])
        let flatWeight = try weight.contiguous().reshape([inChannels, outPerGroup * kernelVolume])
        let result = Tensor(zeros: [n, outChannels] + outputSpatial, dtype: dtype)
        let columns = Tensor(zeros: [outPerGroup * kernelVolume, positions], dtype: dtype)
        let geometry = ConvolutionGeometry(
            inputSpatial: inputSpatial, outputSpatial: outputSpatial, kernel: kernel, stride: stride, padding: padding, dilation: dilation)
        for image in 0..<n {
            for g in 0..<groups {
                let w = try flatWeight.narrow(dim: 0, start: g * inPerGroup, length: inPerGroup).t()
                let x = try input.select(dim: 0, index: image).narrow(dim: 0, start: g * inPerGroup, length: inPerGroup)
                try Tensor.gemm(w, x, into: columns)
                let target = try result.select(dim: 0, index: image).narrow(dim: 0, start: g * outPerGroup, length: outPerGroup)
                try dtype.dispatchNumeric(ScatterColumns(columns: columns, output: target, geometry: geometry), operation: "conv_transpose")
            }
        }
        if let bias {
            return try result.add(bias.reshape([1, outChannels] + Array(repeating: 1, count: spatial)))
        }
        return result
    }
}

/// Adds `columns[(channel, tap), inputPosition]` into `output[channel, position · stride - padding + tap · dilation]`.
private struct ScatterColumns: NumericDTypeVisitor {
    let columns: Tensor
    let output: Tensor
    let geometry: ConvolutionGeometry

    func visitFloating<T: FloatingElement>(_ type: T.Type) throws {
        run(T.self) { T(computeValue: $0.computeValue + $1.computeValue) }
    }

    func visitInteger<T: IntegerElement>(_ type: T.Type) throws {
        run(T.self) { $0 &+ $1 }
    }

    func visitBool() throws { throw TensorError("conv_transpose does not support dtype bool") }

    private func run<T>(_ type: T.Type, add: (T, T) -> T) {
        let spatial = geometry.kernel.count
        func padded(_ values: SpatialSizes, _ fill: Int) -> [Int] { Array(repeating: fill, count: 3 - spatial) + values }
        let inSize = padded(geometry.inputSpatial, 1)
        let outSize = padded(geometry.outputSpatial, 1)
        let k = padded(geometry.kernel, 1)
        let s = padded(geometry.stride, 1)
        let p = padded(geometry.padding, 0)
        let d = padded(geometry.dilation, 1)
        let kernelVolume = k[0] * k[1] * k[2]
        let positions = inSize[0] * inSize[1] * inSize[2]
        let source = UnsafePointer(columns.baseAddress.assumingMemoryBound(to: T.self))
        let target = output.baseAddress.assumingMemoryBound(to: T.self)
        let channels = output.shape[0]
        for channel in 0..<channels {
            let plane = target + channel * output.strides[0]
            for kz in 0..<k[0] {
                for ky in 0..<k[1] {
                    for kx in 0..<k[2] {
                        let row = source + (channel * kernelVolume + (kz * k[1] + ky) * k[2] + kx) * positions
                        var position = 0
                        for iz in 0..<inSize[0] {
                            let oz = iz * s[0] - p[0] + kz * d[0]
                            for iy in 0..<inSize[1] {
                                let oy = iy * s[1] - p[1] + ky * d[1]
                                for ix in 0..<inSize[2] {
                                    let ox = ix * s[2] - p[2] + kx * d[2]
                                    if oz >= 0 && oz < outSize[0] && oy >= 0 && oy < outSize[1] && ox >= 0 && ox < outSize[2] {
                                        let o = (oz * outSize[1] + oy) * outSize[2] + ox
                                        plane[o] = add(plane[o], row[position])
                                    }
                                    position += 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
