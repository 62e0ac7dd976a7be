import CFlintKernels

/// Convolutions over 1, 2 or 3 spatial dimensions (`aten::convolution` semantics), and 2-D transposed
/// convolution. Each output tile gathers its input patches into a small, cache-resident slab that feeds
/// the GEMM (never a whole-image im2col); 1×1 stride-1 convolutions multiply the input in place.
extension Tensor {
    /// `conv{1,2,3}d(self, weight, bias, stride, padding, dilation, groups)`. The input is
    /// `[N, C, *spatial]` (or unbatched `[C, *spatial]`), the weight `[O, C / groups, *kernel]`.
    public func convolution(
        weight: Tensor, bias: Tensor?, stride: [Int], padding: [Int], dilation: [Int], groups: Int, epilogue: FusedEpilogue = .identity,
        packed: PackedConvolutionWeights? = nil
    ) throws -> Tensor {
        let spatial = weight.rank - 2
        guard (1...3).contains(spatial) else { throw TensorError("convolution: weight must be 3-D, 4-D or 5-D, got \(weight.rank)-D") }
        if rank == spatial + 1 {
            let batched = FusedEpilogue(residual: try epilogue.residual?.unsqueeze(0), activation: epilogue.activation)
            return try unsqueeze(0).convolution(
                weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups, epilogue: batched, packed: packed).squeeze(0)
        }
        guard rank == spatial + 2 else {
            throw TensorError("Expected \(spatial + 1)D (unbatched) or \(spatial + 2)D (batched) input to conv\(spatial)d, but got input of size: \(shape)")
        }
        guard dtype == weight.dtype else {
            throw TensorError("Input type (\(dtype.libtorchTypeName)) and weight type (\(weight.dtype.libtorchTypeName)) should be the same")
        }
        guard dtype != .bool else { throw TensorError("\"slow_conv2d_cpu\" not implemented for 'Bool'") }
        let stride = try Self.expandParameter(stride, spatial, "stride")
        let padding = try Self.expandParameter(padding, spatial, "padding")
        let dilation = try Self.expandParameter(dilation, spatial, "dilation")
        let (n, c) = (shape[0], shape[1])
        let outChannels = weight.shape[0]
        guard groups > 0, c % groups == 0, outChannels % groups == 0 else {
            throw TensorError("Given groups=\(groups), expected weight to be divisible by \(groups) at dimension 0, but got weight of size \(weight.shape) instead")
        }
        guard weight.shape[1] * groups == c else {
            throw TensorError("Given groups=\(groups), weight of size \(weight.shape), expected input\(shape) to have \(weight.shape[1] * groups) channels, but got \(c) channels instead")
        }
        guard stride.allSatisfy({ $0 > 0 }), dilation.allSatisfy({ $0 > 0 }), padding.allSatisfy({ $0 >= 0 }) else {
            throw TensorError("convolution: non-positive stride or dilation, or negative padding, is not supported")
        }
        if let bias, bias.shape != [outChannels] {
            throw TensorError("Given weight of size \(weight.shape), expected bias to be 1-dimensional with \(outChannels) elements, but got bias of size \(bias.shape) instead")
        }
        let kernel = Array(weight.shape[2...])
        let inputSpatial = Array(shape[2...])
        var outputSpatial: [Int] = []
        for d in 0..<spatial {
            let effective = dilation[d] * (kernel[d] - 1) + 1
            let size = (inputSpatial[d] + 2 * padding[d] - effective) / stride[d] + 1
            guard inputSpatial[d] + 2 * padding[d] >= effective else {
                throw TensorError("Calculated padded input size per channel: (\(inputSpatial.map { String($0) }.joined(separator: " x "))). Kernel size: (\(kernel.map(String.init).joined(separator: " x "))). Kernel size can't be greater than actual input size")
            }
            outputSpatial.append(size)
        }
        let geometry = ConvolutionGeometry(
            inputSpatial: inputSpatial, outputSpatial: outputSpatial, kernel: kernel, stride: stride, padding: padding, dilation: dilation)
        if let residual = epilogue.residual, residual.shape != [n, outChannels] + outputSpatial {
            throw TensorError("convolution: the fused residual has shape \(residual.shape), the output \([n, outChannels] + outputSpatial)")
        }
        if Tensor.isDepthwise(input: self, weight: weight, groups: groups) {
            let result = try depthwiseConvolution(weight: weight, bias: bias, geometry: geometry)
            try epilogue.apply(to: result)
            return result
        }
        // The epilogue goes into the float32 GEMMs' output write when the residual is laid out as the output.
        let fusesEpilogue = dtype == .float32 && (epilogue.residual.map { $0.dtype == .float32 && $0.isContiguous } ?? true)
        let residual = fusesEpilogue ? try epilogue.residual?.reshape([n, outChannels, outputSpatial.reduce(1, *)]) : nil
        // float32 weights are packed once per call (not per image), or once for good by the caller.
        let panels: PackedConvolutionWeights? = dtype == .float32
            ? try (packed.flatMap { $0.weightShape == weight.shape && $0.groups == groups ? $0 : nil } ?? (n > 1 ? PackedConvolutionWeights(weight, groups: groups) : nil))
            : nil
        let input = try contiguous()
        let weights = try weight.contiguous()
        let result = Tensor(uninitialized: [n, outChannels] + outputSpatial, dtype: dtype)
        let channelsPerGroup = c / groups
        let outPerGroup = outChannels / groups
        let positions = outputSpatial.reduce(1, *)
        let patch = channelsPerGroup * kernel.reduce(1, *)
        let biasTensor = try bias.map { try $0.contiguous() }
        let flatWeights = try weights.reshape([outChannels, patch])
        let flatInput = try input.reshape([n, c, inputSpatial.reduce(1, *)])
        let flatOutput = try result.reshape([n, outChannels, positions])
        for image in 0..<n {
            for g in 0..<groups {
                let w = try flatWeights.narrow(dim: 0, start: g * outPerGroup, length: outPerGroup)
                let x = try flatInput.select(dim: 0, index: image).narrow(dim: 0, start: g * channelsPerGroup, length: channelsPerGroup)
                let y = try flatOutput.select(dim: 0, index: image).narrow(dim: 0, start: g * outPerGroup, length: outPerGroup)
                let groupBias = try biasTensor?.narrow(dim: 0, start: g * outPerGroup, length: outPerGroup).contiguous()
                let groupEpilogue = fusesEpilogue
                    ? FusedEpilogue(residual: try residual?.select(dim: 0, index: image).narrow(dim: 0, start: g * outPerGroup, length: outPerGroup),
                                    activation: epilogue.activation)
                    : .identity
                if geometry.isPointwise {
                    if let panels, fusesEpilogue {
                        panels.multiply(group: g, x, into: y, rowBias: groupBias, fused: groupEpilogue)
                    } else {
                        try Tensor.gemm(w, x, into: y, rowBias: groupBias, fused: groupEpilogue)
                    }
                    continue
                }
                // Whole output rows per tile, sized so the slab stays in L2.
                let rowLength = outputSpatial.last!
                let rowsPerTile = Swift.max(1, (1 << 18) / Swift.max(patch * rowLength, 1))
                let tile = Swift.min(positions, rowsPerTile * rowLength)
                // Few output positions (late layers): tiles would leave threads idle, so gather every patch
                // once and let the pooled GEMM split the work over output channels.
                let tiles = (positions + tile - 1) / tile
                if dtype == .float32 && tiles < 2 * ThreadPool.shared.threadCount && patch * positions <= 1 << 22 {
                    let slab = Tensor(uninitialized: [patch, positions], dtype: .float32)
                    try Tensor.gatherPatches(input: x, geometry: geometry, start: 0, count: positions, into: slab)
                    if let panels, fusesEpilogue {
                        panels.multiply(group: g, slab, into: y, rowBias: groupBias, fused: groupEpilogue)
                    } else {
                        try Tensor.gemm(w, slab, into: y, rowBias: groupBias, fused: groupEpilogue)
                    }
                    continue
                }
                if dtype == .float32 {
                    try Tensor.convolveTilesFloat(
                        weights: w, input: x, output: y, bias: groupBias, geometry: geometry, positions: positions, patch: patch, tile: tile,
                        epilogue: groupEpilogue, packedPanel: panels?.panel(g))
                    continue
                }
                let slab = Tensor(uninitialized: [patch, tile], dtype: dtype)
                var start = 0
                while start < positions {
                    let count = Swift.min(tile, positions - start)
                    let columns = try slab.narrow(dim: 1, start: 0, length: count)
                    try Tensor.gatherPatches(input: x, geometry: geometry, start: start, count: count, into: slab)
                    try Tensor.gemm(w, columns, into: try y.narrow(dim: 1, start: start, length: count), rowBias: groupBias)
                    start += count
                }
            }
        }
        if fusesEpilogue { try epilogue.finish(result) } else { try epilogue.apply(to: result) }
        return result
    }

    /// Fills the slab with the patches of output positions `start ..< start + count`.
    static func gatherPatches(input: Tensor, geometry: ConvolutionGeometry, start: Int, count: Int, into slab: Tensor) throws {
        let rowLength = geometry.outputSpatial.last!
        if geometry.kernel.count == 2 && count % rowLength == 0 && start % rowLength == 0 {
            try input.dtype.dispatch(GatherRows2D(input: input, geometry: geometry, firstRow: start / rowLength, rows: count / rowLength, slab: slab))
        } else {
            try input.dtype.dispatch(GatherPatches(input: input, geometry: geometry, start: start, count: count, slab: slab))
        }
    }

    /// The float32 path: the group's weights are packed once, then the output tiles are spread over the
    /// thread pool, each thread gathering its own patch slab and multiplying it single-threaded, with the
    /// bias fused into the GEMM's output write.
    static func convolveTilesFloat(
        weights: Tensor, input: Tensor, output: Tensor, bias: Tensor?, geometry: ConvolutionGeometry, positions: Int, patch: Int, tile: Int,
        epilogue fused: FusedEpilogue = .identity, packedPanel: UnsafeRawPointer? = nil
    ) throws {
        let m = weights.shape[0]
        let ownPanel: UnsafeMutableRawPointer? = packedPanel == nil
            ? UnsafeMutableRawPointer.allocate(byteCount: flint_sgemm_pack_a_size(Int64(m), Int64(patch)), alignment: 64) : nil
        defer { ownPanel?.deallocate() }
        if let ownPanel {
            flint_sgemm_pack_a(
                Int64(m), Int64(patch), weights.baseAddress.assumingMemoryBound(to: Float.self), Int64(weights.strides[0]), Int64(weights.strides[1]),
                ownPanel)
        }
        let packed = packedPanel ?? UnsafeRawPointer(ownPanel!)
        // The residual pointer is set per tile below (it starts at the tile's first output column).
        let epilogue = fused.gemmEpilogue(rowBias: bias)
        let residualBase = fused.residual.map { $0.baseAddress.assumingMemoryBound(to: Float.self) }
        let tiles = (positions + tile - 1) / tile
        let outBase = output.baseAddress.assumingMemoryBound(to: Float.self)
        let outRowStride = Int64(output.strides[0])
        var failure: Error?
        ThreadPool.shared.parallelFor(tiles, minimumPerThread: 1) { range, _ in
            let slab = Tensor(uninitialized: [patch, tile], dtype: .float32)
            let slabBase = slab.baseAddress.assumingMemoryBound(to: Float.self)
            var localEpilogue = epilogue
            for t in range {
                let start = t * tile
                let count = Swift.min(tile, positions - start)
                do {
                    try gatherPatches(input: input, geometry: geometry, start: start, count: count, into: slab)
                } catch {
                    failure = error
                    return
                }
                if let residualBase { localEpilogue.residual = UnsafePointer(residualBase + start) }
                flint_sgemm_packed_a(
                    nil, Int64(m), Int64(count), Int64(patch), packed, slabBase, Int64(tile), 1, outBase + start, outRowStride, &localEpilogue)
            }
        }
        if let failure { throw failure }
    }

    /// Convolution with string padding: `valid` (none) or `same` (output size equals input size; an odd
    /// total padding puts the extra element on the right, as ATen does). `same` needs stride 1.
    public func convolution(
        weight: Tensor, bias: Tensor?, stride: [Int], padding: String, dilation: [Int], groups: Int
    ) throws -> Tensor {
        let spatial = weight.rank - 2
        switch padding {
        case "valid":
            return try convolution(weight: weight, bias: bias, stride: stride, padding: [0], dilation: dilation, groups: groups)
        case "same":
            let strides = try Self.expandParameter(stride, spatial, "stride")
            guard strides.allSatisfy({ $0 == 1 }) else { throw TensorError("padding='same' is not supported for strided convolutions") }
            let dilations = try Self.expandParameter(dilation, spatial, "dilation")
            var symmetric: [Int] = []
            var extra: [Int] = []
            for d in 0..<spatial {
                let total = dilations[d] * (weight.shape[2 + d] - 1)
                symmetric.append(total / 2)
                extra.append(total % 2)
            }
            var input = self
            if extra.contains(1) {
                var pad: [Int] = []
                for d in (0..<spatial).reversed() { pad += [0, extra[d]] }
                input = try input.pad(pad)
            }
            return try input.convolution(weight: weight, bias: bias, stride: strides, padding: symmetric, dilation: dilations, groups: groups)
        default:
            throw TensorError("Invalid padding string: '\(padding)'")
        }
    }

    /// A per-dimension parameter given once or per dimension, expanded to `count` values.
    public static func expandParameter(_ values: [Int], _ count: Int, _ name: String) throws -> [Int] {
        if values.count == count { return values }
        if values.count == 1 { return Array(repeating: values[0], count: count) }
        throw TensorError("expected \(name) to be a single integer value or a list of \(count) values to match the convolution dimensions, but got \(name)=\(values)")
    }
}

/// Sizes and steps of a convolution's spatial dimensions.
struct ConvolutionGeometry {
    let inputSpatial: [Int]
    let outputSpatial: [Int]
    let kernel: [Int]
    let stride: [Int]
    let padding: [Int]
    let dilation: [Int]

    var isPointwise: Bool {
        kernel.allSatisfy { $0 == 1 } && stride.allSatisfy { $0 == 1 } && padding.allSatisfy { $0 == 0 }
    }
}

/// The 2-D patch gather for tiles of whole output rows: for each kernel tap and output row, the valid
/// input span is found once and copied (contiguously when the stride is 1), the padding zero-filled.
private struct GatherRows2D: DTypeVisitor {
    let input: Tensor
    let geometry: ConvolutionGeometry
    let firstRow: Int
    let rows: Int
    let slab: Tensor

    func visit<T: TensorElement>(_ type: T.Type) throws {
        let (inH, inW) = (geometry.inputSpatial[0], geometry.inputSpatial[1])
        let outW = geometry.outputSpatial[1]
        let (kH, kW) = (geometry.kernel[0], geometry.kernel[1])
        let (sH, sW) = (geometry.stride[0], geometry.stride[1])
        let (pH, pW) = (geometry.padding[0], geometry.padding[1])
        let (dH, dW) = (geometry.dilation[0], geometry.dilation[1])
        let source = UnsafePointer(input.baseAddress.assumingMemoryBound(to: T.self))
        let tile = slab.shape[1]
        let out = slab.baseAddress.assumingMemoryBound(to: T.self)
        for channel in 0..<input.shape[0] {
            let plane = source + channel * inH * inW
            for ky in 0..<kH {
                for kx in 0..<kW {
                    let row = (channel * kH + ky) * kW + kx
                    var destination = out + row * tile
                    // Output columns whose input column ox*sW - pW + kx*dW lies inside [0, inW).
                    let shift = kx * dW - pW
                    let first = Swift.min(outW, Swift.max(0, (-shift + sW - 1) / sW))
                    let last = Swift.max(first, Swift.min(outW, (inW - shift + sW - 1) / sW))
                    for oy in firstRow..<(firstRow + rows) {
                        let iy = oy * sH - pH + ky * dH
                        if iy < 0 || iy >= inH {
                            destination.update(repeating: T.zero, count: outW)
                        } else {
                            let line = plane + iy * inW
                            if first > 0 { destination.update(repeating: T.zero, count: first) }
                            if sW == 1 {
                                (destination + first).update(from: line + first + shift, count: last - first)
                            } else {
                                for ox in first..<last { destination[ox] = line[ox * sW + shift] }
                            }
                            if last < outW { (destination + last).update(repeating: T.zero, count: outW - last) }
                        }
                        destination += outW
                    }
                }
            }
        }
    }
}

/// Fills `slab[row, j]` with the input value under kernel tap `row` for output position `start + j`
/// (zero in the padding). Rows run over (channel, kernel offsets) in the weight's order.
private struct GatherPatches: DTypeVisitor {
    let input: Tensor
    let geometry: ConvolutionGeometry
    let start: Int
    let count: Int
    let slab: Tensor

    func visit<T: TensorElement>(_ type: T.Type) throws {
        let channels = input.shape[0]
        let planeSize = geometry.inputSpatial.reduce(1, *)
        let kernelVolume = geometry.kernel.reduce(1, *)
        let source = UnsafePointer(input.baseAddress.assumingMemoryBound(to: T.self))
        let tile = slab.shape[1]
        let out = slab.baseAddress.assumingMemoryBound(to: T.self)
        let spatial = geometry.kernel.count
        // Pad every geometry to 3-D (leading size-1 dims) so one loop serves 1-D, 2-D and 3-D.
        func padded(_ values: [Int], _ fill: Int) -> [Int] { Array(repeating: fill, count: 3 - spatial) + values }
        let inSize = padded(geometry.inputSpatial, 1)
        let outSize = padded(geometry.outputSpatial, 1)
        let kSize = padded(geometry.kernel, 1)
        let step = padded(geometry.stride, 1)
        let pad = padded(geometry.padding, 0)
        let dil = padded(geometry.dilation, 1)
        var coordinates = [(Int, Int, Int)]()
        coordinates.reserveCapacity(count)
        for j in 0..<count {
            let p = start + j
            let ow = p % outSize[2]
            let oh = (p / outSize[2]) % outSize[1]
            let od = p / (outSize[2] * outSize[1])
            coordinates.append((od * step[0] - pad[0], oh * step[1] - pad[1], ow * step[2] - pad[2]))
        }
        for ch in 0..<channels {
            let plane = source + ch * planeSize
            for kd in 0..<kSize[0] {
                for kh in 0..<kSize[1] {
                    for kw in 0..<kSize[2] {
                        let row = ch * kernelVolume + (kd * kSize[1] + kh) * kSize[2] + kw
                        let destination = out + row * tile
                        let (dd, dh, dw) = (kd * dil[0], kh * dil[1], kw * dil[2])
                        for j in 0..<count {
                            let (bd, bh, bw) = coordinates[j]
                            let (z, y, x) = (bd + dd, bh + dh, bw + dw)
                            if z >= 0 && z < inSize[0] && y >= 0 && y < inSize[1] && x >= 0 && x < inSize[2] {
                                destination[j] = plane[(z * inSize[1] + y) * inSize[2] + x]
                            } else {
                                destination[j] = T.zero
                            }
                        }
                    }
                }
            }
        }
    }
}
