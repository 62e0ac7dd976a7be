import CFlintKernels

/// Convolutions over 1, 2 or 3 spatial dimensions (`aten::convolution` semantics), and 2-D transposed
/// convolution. Each output tile gathers its input patches into a small, cache-resident slab that feeds
/// the GEMM (never a whole-image im2col); 1×1 stride-1 convolutions multiply the input in place.
extension Tensor {
    /// `conv{1,2,3}d(self, weight, bias, stride, padding, dilation, groups)`. The input is
    /// `[N, C, *spatial]` (or unbatched `[C, *spatial]`), the weight `[O, C / groups, *kernel]`.
    ///
    /// `packed`, when given, is `weight` packed once (``PackedConvolutionWeights``); one made with
    /// `scalingOutputChannels` stands for `weight` with its output channels so scaled, and the convolution
    /// then computes with that scaled weight (a batch norm folded into the packing).
    ///
    /// `output`, when given, receives the result and is returned (contiguous, of the result's shape and dtype, overlapping no
    /// operand but the epilogue's residual, which may be `output` itself: the result then replaces it).
    public func convolution(
        weight: Tensor, bias: Tensor?, stride: [Int], padding: [Int], dilation: [Int], groups: Int, epilogue: FusedEpilogue = .identity,
        packed: PackedConvolutionWeights? = nil, into output: Tensor? = nil
    ) throws -> Tensor {
        let spatial = weight.rank - 2
        guard (1...3).contains(spatial) else { throw TensorError("convolution: weight must be 3-D, 4-D or 5-D, got \(weight.rank)-D") }
        if rank == spatial + 1 {
            let batched = FusedEpilogue(residual: try epilogue.residual?.unsqueeze(0), activation: epilogue.activation)
            return try unsqueeze(0).convolution(
                weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups, epilogue: batched, packed: packed,
                into: try output?.unsqueeze(0)).squeeze(0)
        }
        let geometry = try checkedConvolutionGeometry(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
        let (n, c) = (shape[0], shape[1])
        let outChannels = weight.shape[0]
        let (inputSpatial, outputSpatial, kernel) = (geometry.inputSpatial, geometry.outputSpatial, geometry.kernel)
        if let residual = epilogue.residual, !geometry.isOutputShape(residual.shape, images: n, channels: outChannels) {
            throw TensorError("convolution: the fused residual has shape \(residual.shape), the output \(geometry.outputShape(images: n, channels: outChannels))")
        }
        // A packed form that scales the output channels is the weight: every unpacked read goes through it.
        let scaling = packed?.scalesOutputChannels == true ? packed : nil
        if let scaling, scaling.weightShape != weight.shape || scaling.groups != groups {
            throw TensorError("convolution: the packed weight was made for \(scaling.weightShape) in \(scaling.groups) groups, not \(weight.shape) in \(groups)")
        }
        func unpackedWeight() throws -> Tensor { try scaling?.weight() ?? weight.contiguous() }
        if Tensor.isDepthwise(input: self, weight: weight, groups: groups) {
            return try depthwiseConvolution(weight: unpackedWeight(), bias: bias, geometry: geometry, epilogue: epilogue, into: output)
        }
        // The epilogue goes into the float32 GEMMs' output write when the residual is laid out as the output
        // (contiguous: its first two strides then address it as `[n, outChannels, positions]`, like the output).
        let fusesEpilogue = dtype == .float32 && (epilogue.residual.map { $0.dtype == .float32 && $0.isContiguous } ?? true)
        let input = try contiguous()
        let result = try Tensor.destination(output, geometry: geometry, images: n, channels: outChannels, dtype: dtype, operation: "convolution")
        // Fused, each residual element is read just before the output element at its place is written (a residual
        // that is the result itself stays); unfused, the epilogue is a pass after the product, so a residual in
        // the result's memory is copied first.
        let epilogue = fusesEpilogue ? try epilogue.residualExactlyOrApart(from: result) : try epilogue.residualKeptApart(from: result)
        let residual = fusesEpilogue ? epilogue.residual : nil
        // What the float32 kernels fuse into their output write (nothing when the epilogue runs as a pass after).
        let kernelEpilogue = fusesEpilogue ? epilogue : .identity
        let channelsPerGroup = c / groups
        let outPerGroup = outChannels / groups
        let positions = outputSpatial.product
        let patch = channelsPerGroup * kernel.product
        let biasTensor = try bias.map { try $0.contiguous() }
        if fusesEpilogue, Tensor.isNarrowShape(inChannels: c, groups: groups, geometry: geometry),
            try Tensor.convolveNarrow(
                input: input, weight: unpackedWeight, output: result, bias: biasTensor, geometry: geometry, epilogue: kernelEpilogue)
        {
            return result
        }
        // Every path below reads packed weights (a stem taken above reads the weight as it is): float32 weights are
        // packed once per call (not per image), or once for good by the caller.
        let panels: PackedConvolutionWeights? = dtype == .float32
            ? try (packed.flatMap { $0.weightShape == weight.shape && $0.groups == groups ? $0 : nil } ?? (n > 1 ? PackedConvolutionWeights(weight, groups: groups) : nil))
            : nil
        if fusesEpilogue, Tensor.isWinogradShape(weight: weight, groups: groups, geometry: geometry),
            Tensor.winogradPays(geometry: geometry, images: n), let transformed = panels?.winogradForm(),
            Tensor.convolveWinograd(
                input: input, output: result, transformedWeight: transformed, bias: biasTensor, geometry: geometry,
                epilogue: kernelEpilogue)
        {
            return result
        }
        // Every path below multiplies with the GEMM panels (made here if the plan packed only the Winograd form).
        panels?.prepare(.gemm)
        if let panels, let imagesPerProduct = Tensor.foldedImageCount(images: n, positions: positions, patch: patch) {
            try Tensor.convolveFoldedImages(
                input: input, output: result, panels: panels, bias: biasTensor, geometry: geometry, imagesPerProduct: imagesPerProduct,
                epilogue: kernelEpilogue)
            if !fusesEpilogue { try epilogue.apply(to: result) }
            return result
        }
        // Whole output rows per tile, sized so the slab stays in L2.
        let rowLength = outputSpatial.last!
        var rowsPerTile = Swift.max(1, (1 << 18) / Swift.max(patch * rowLength, 1))
        // A single image with a short patch (a stem convolution over 3 channels) would fit in one or two such
        // tiles: cut it into enough tiles to go round the threads, as long as each keeps ≥ 256 positions.
        let threads = ThreadPool.shared.threadCount
        let balancedRows = Swift.max(1, positions / rowLength / (2 * threads))
        if balancedRows * rowLength >= 256 { rowsPerTile = Swift.min(rowsPerTile, balancedRows) }
        rowsPerTile = Self.evenTileRows(rows: positions / rowLength, atMost: rowsPerTile, workItemsPerTile: n * groups, threads: threads)
        let tile = Swift.min(positions, rowsPerTile * rowLength)
        let tiles = (positions + tile - 1) / tile
        // A batch, or an image with enough tiles to go round the threads: (image, group, tile) work items.
        // A single image with few output positions (late layers) goes to the whole-slab product below instead.
        let fewPositions = tiles < 2 * ThreadPool.shared.threadCount && patch * positions <= 1 << 22
        if dtype == .float32 && !geometry.isPointwise && (n > 1 || !fewPositions) {
            try Tensor.convolveTilesFloat(
                input: input, output: result, panels: try panels ?? PackedConvolutionWeights(weight, groups: groups), bias: biasTensor,
                geometry: geometry, tile: tile,
                epilogue: kernelEpilogue)
            if !fusesEpilogue { try epilogue.apply(to: result) }
            return result
        }
        // Pointwise convolutions, and late layers' whole-slab products, with the packed panels and the epilogue
        // fused: each image and group addressed through pointers (no views, so nothing allocated per call).
        if dtype == .float32, fusesEpilogue,
            Tensor.convolvesPerImage(panels: panels, geometry: geometry, channelsPerGroup: channelsPerGroup, positions: positions)
        {
            Tensor.convolvePerImage(
                input: input, output: result, weight: positions <= Tensor.thinProductColumns ? try unpackedWeight() : nil, panels: panels,
                bias: biasTensor, geometry: geometry, groups: groups, epilogue: kernelEpilogue)
            return result
        }
        let flatInput = try input.reshape([n, c, inputSpatial.product])
        let flatOutput = try result.reshape([n, outChannels, positions])
        let flatResidual = try residual?.reshape([n, outChannels, positions])
        // Made (a scaled packed weight's scaled copy) only if some product below reads the weight unpacked.
        var flatWeights: Tensor?
        for image in 0..<n {
            for g in 0..<groups {
                func w() throws -> Tensor {
                    if flatWeights == nil { flatWeights = try unpackedWeight().reshape([outChannels, patch]) }
                    return try flatWeights!.narrow(dim: 0, start: g * outPerGroup, length: outPerGroup)
                }
                let x = try flatInput.select(dim: 0, index: image).narrow(dim: 0, start: g * channelsPerGroup, length: channelsPerGroup)
                let y = try flatOutput.select(dim: 0, index: image).narrow(dim: 0, start: g * outPerGroup, length: outPerGroup)
                let groupBias = try biasTensor?.narrow(dim: 0, start: g * outPerGroup, length: outPerGroup).contiguous()
                let groupEpilogue = fusesEpilogue
                    ? FusedEpilogue(residual: try flatResidual?.select(dim: 0, index: image).narrow(dim: 0, start: g * outPerGroup, length: outPerGroup),
                                    activation: epilogue.activation)
                    : .identity
                // The packed panels, except for at most 8 columns (a late layer's few positions), where the
                // unpacked weight streams once through the thin-product kernels instead of filling a few of
                // the packed micro-kernel's 32 columns.
                func multiply(_ b: Tensor) throws {
                    if let panels, fusesEpilogue, b.shape[1] > 8 {
                        panels.multiply(group: g, b, into: y, rowBias: groupBias, fused: groupEpilogue)
                    } else {
                        try Tensor.gemm(w(), b, into: y, rowBias: groupBias, fused: groupEpilogue)
                    }
                }
                if geometry.isPointwise {
                    try multiply(x)
                    continue
                }
                // Few output positions (late layers): tiles would leave threads idle, so gather every patch
                // once and let the pooled GEMM split the work over output channels.
                if dtype == .float32 {
                    let slab = Tensor(uninitialized: [patch, positions], dtype: .float32)
                    try Tensor.gatherPatches(input: x, geometry: geometry, start: 0, count: positions, into: slab)
                    try multiply(slab)
                    continue
                }
                let slab = Tensor(uninitialized: [patch, tile], dtype: dtype)
                var start = 0
                while start < positions {
                    let count = Swift.min(tile, positions - start)
                    let columns = try slab.narrow(dim: 1, start: 0, length: count)
                    try Tensor.gatherPatches(input: x, geometry: geometry, start: start, count: count, into: slab)
                    try Tensor.gemm(w(), columns, into: try y.narrow(dim: 1, start: start, length: count), rowBias: groupBias)
                    start += count
                }
            }
        }
        if !fusesEpilogue { try epilogue.apply(to: result) }
        return result
    }

    /// Output rows per tile, at most `limit`, such that the work items (`workItemsPerTile` per tile of one image)
    /// go round `threads` evenly: the pool hands each thread an equal count of items, so 7 tiles of 8 rows over
    /// 2 threads keep one busy for 4 and the other for 3 (resnet18's 56×56 layers), and tiles of 8, 8, 8 and 4
    /// rows split 16 against 12. Few items: the tile count rounds up to a multiple of the threads and the rows
    /// spread evenly over the tiles (8 tiles of 7 rows; 4 of 7). Many items already balance well enough.
    static func evenTileRows(rows: Int, atMost limit: Int, workItemsPerTile: Int, threads: Int) -> Int {
        guard threads > 1, rows > 1, limit >= 1 else { return Swift.max(1, limit) }
        var tiles = (rows + limit - 1) / limit
        guard workItemsPerTile * tiles < 8 * threads else { return limit }
        while (workItemsPerTile * tiles) % threads != 0 && tiles < rows { tiles += 1 }
        return (rows + tiles - 1) / tiles
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

    /// The float32 tiled path: every (image, group, output tile) is a work item spread over the thread pool;
    /// each thread gathers the tile's patches into its own slab and multiplies them single-threaded by the
    /// group's packed weights, with the bias, residual and activation fused into the output write.
    /// `input` is `[n, c, *inputSpatial]`, `output` and the epilogue's residual `[n, outChannels, *outputSpatial]`,
    /// all contiguous (their first two strides address images and channels, as in the flattened `[n, c, positions]`).
    static func convolveTilesFloat(
        input: Tensor, output: Tensor, panels: PackedConvolutionWeights, bias: Tensor?, geometry: ConvolutionGeometry, tile: Int,
        epilogue fused: FusedEpilogue = .identity
    ) throws {
        let (n, groups, m, patch) = (input.shape[0], panels.groups, panels.outPerGroup, panels.patch)
        let channelsPerGroup = input.shape[1] / groups
        let positions = geometry.outputSpatial.product
        let tiles = (positions + tile - 1) / tile
        let biasBase = bias.map { UnsafePointer($0.baseAddress.assumingMemoryBound(to: Float.self)) }
        let outBase = output.baseAddress.assumingMemoryBound(to: Float.self)
        let (outImageStride, outRowStride) = (output.strides[0], Int64(output.strides[1]))
        let packedGather = PackedPatchGather(geometry: geometry, channels: channelsPerGroup)
        let inBase = UnsafePointer(input.baseAddress.assumingMemoryBound(to: Float.self))
        let (inImageStride, inChannelStride) = (input.strides[0], input.strides[1])
        if let packedGather {
            ThreadPool.shared.parallelFor(
                n * groups * tiles, minimumPerThread: 1,
                PackedConvolutionTiles(
                    gather: packedGather, panels: panels, epilogue: fused, input: inBase, inImageStride: inImageStride,
                    inChannelStride: inChannelStride, channelsPerGroup: channelsPerGroup, output: outBase, outImageStride: outImageStride,
                    outRowStride: outRowStride, bias: biasBase, groups: groups, tiles: tiles, tile: tile, positions: positions))
            return
        }
        // 3-D convolutions: patches gathered into a plain slab per thread.
        var failure: Error?
        ThreadPool.shared.parallelFor(n * groups * tiles, minimumPerThread: 1) { range, _ in
            let slab = Tensor(uninitialized: [patch, tile], dtype: .float32)
            for item in range {
                let (image, g, start, count) = ConvolutionTile(item, groups: groups, tiles: tiles, tile: tile, positions: positions).parts
                let rowOffset = image * outImageStride + g * m * Int(outRowStride)
                var epilogue = fused.gemmEpilogue(image: image, firstRow: g * m, column: start, rowBias: biasBase)
                do {
                    let x = try input.select(dim: 0, index: image).narrow(dim: 0, start: g * channelsPerGroup, length: channelsPerGroup)
                    try gatherPatches(input: x, geometry: geometry, start: start, count: count, into: slab)
                } catch {
                    failure = error
                    return
                }
                flint_sgemm_packed_a(
                    nil, Int64(m), Int64(count), Int64(patch), panels.panel(g), slab.baseAddress.assumingMemoryBound(to: Float.self), Int64(tile),
                    1, outBase + rowOffset + start, outRowStride, &epilogue)
            }
        }
        if let failure { throw failure }
    }

    /// The shape of `convolution(weight:bias:stride:padding:dilation:groups:)`'s result (its dtype is the input's),
    /// after the same checks (with ATen's messages), without computing it: what a recording run stands in for the
    /// result.
    public func convolutionResultShape(weight: Tensor, bias: Tensor?, stride: [Int], padding: [Int], dilation: [Int], groups: Int) throws -> [Int] {
        let spatial = weight.rank - 2
        guard (1...3).contains(spatial) else { throw TensorError("convolution: weight must be 3-D, 4-D or 5-D, got \(weight.rank)-D") }
        let batched = rank == spatial + 1 ? try unsqueeze(0) : self
        let geometry = try batched.checkedConvolutionGeometry(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
        let shape = geometry.outputShape(images: batched.shape[0], channels: weight.shape[0])
        return rank == spatial + 1 ? Array(shape.dropFirst()) : shape
    }

    /// ATen's checks of a batched convolution's operands, in ATen's order and with its messages, and the
    /// geometry they imply. `weight` has 1 to 3 spatial dimensions.
    private func checkedConvolutionGeometry(weight: Tensor, bias: Tensor?, stride: [Int], padding: [Int], dilation: [Int], groups: Int) throws -> ConvolutionGeometry {
        let spatial = weight.rank - 2
        guard rank == spatial + 2 else {
            throw TensorError("Expected \(spatial + 1)D (unbatched) or \(spatial + 2)D (batched) input to conv\(spatial)d, but got input of size: \(shape)")
        }
        guard dtype == weight.dtype else {
            throw TensorError("Input type (\(dtype.libtorchTypeName)) and weight type (\(weight.dtype.libtorchTypeName)) should be the same")
        }
        if let bias, bias.dtype != dtype {
            throw TensorError("Input type (\(dtype.cppName)) and bias type (\(bias.dtype.cppName)) should be the same")
        }
        guard dtype != .bool else { throw TensorError("\"slow_conv2d_cpu\" not implemented for 'Bool'") }
        let stride = try Self.expandParameter(stride, spatial, "stride")
        let padding = try Self.expandParameter(padding, spatial, "padding")
        let dilation = try Self.expandParameter(dilation, spatial, "dilation")
        // ATen checks the geometry before the channels, each with its own message.
        guard stride.allSatisfy({ $0 > 0 }) else { throw TensorError("non-positive stride is not supported") }
        guard padding.allSatisfy({ $0 >= 0 }) else { throw TensorError("negative padding is not supported") }
        guard dilation.allSatisfy({ $0 > 0 }) else { throw TensorError("dilation should be greater than zero, but got \(dilation)") }
        guard groups > 0 else { throw TensorError("non-positive groups is not supported") }
        let (n, c) = (shape[0], shape[1])
        let outChannels = weight.shape[0]
        guard groups > 0, c % groups == 0, outChannels % groups == 0 else {
            throw TensorError("Given groups=\(groups), expected weight to be divisible by \(groups) at dimension 0, but got weight of size \(weight.shape) instead")
        }
        guard weight.shape[1] * groups == c else {
            throw TensorError("Given groups=\(groups), weight of size \(weight.shape), expected input\(shape) to have \(weight.shape[1] * groups) channels, but got \(c) channels instead")
        }
        if let bias, bias.rank != 1 || bias.shape[0] != outChannels {
            throw TensorError("Given weight of size \(weight.shape), expected bias to be 1-dimensional with \(outChannels) elements, but got bias of size \(bias.shape) instead")
        }
        let kernel = SpatialSizes(weight.shape[2...])
        let inputSpatial = SpatialSizes(shape[2...])
        var outputSpatial = SpatialSizes(repeating: 0, count: spatial)
        for d in 0..<spatial {
            guard let size = ConvolutionGeometry.outputSize(
                input: inputSpatial[d], kernel: kernel[d], stride: stride[d], padding: padding[d], dilation: dilation[d])
            else {
                throw TensorError("Calculated padded input size per channel: (\(inputSpatial.map { String($0) }.joined(separator: " x "))). Kernel size: (\(kernel.map(String.init).joined(separator: " x "))). Kernel size can't be greater than actual input size")
            }
            outputSpatial[d] = size
        }
        return ConvolutionGeometry(
            inputSpatial: inputSpatial, outputSpatial: outputSpatial, kernel: kernel, stride: SpatialSizes(stride), padding: SpatialSizes(padding),
            dilation: SpatialSizes(dilation))
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

/// Sizes and steps of a convolution's spatial dimensions, held inline (``SpatialSizes``): a call's geometry
/// allocates nothing.
struct ConvolutionGeometry {
    let inputSpatial: SpatialSizes
    let outputSpatial: SpatialSizes
    let kernel: SpatialSizes
    let stride: SpatialSizes
    let padding: SpatialSizes
    let dilation: SpatialSizes

    init(inputSpatial: SpatialSizes, outputSpatial: SpatialSizes, kernel: SpatialSizes, stride: SpatialSizes, padding: SpatialSizes, dilation: SpatialSizes) {
        (self.inputSpatial, self.outputSpatial, self.kernel) = (inputSpatial, outputSpatial, kernel)
        (self.stride, self.padding, self.dilation) = (stride, padding, dilation)
    }

    init(inputSpatial: [Int], outputSpatial: [Int], kernel: [Int], stride: [Int], padding: [Int], dilation: [Int]) {
        self.init(
            inputSpatial: SpatialSizes(inputSpatial), outputSpatial: SpatialSizes(outputSpatial), kernel: SpatialSizes(kernel),
            stride: SpatialSizes(stride), padding: SpatialSizes(padding), dilation: SpatialSizes(dilation))
    }

    /// One output dimension's size: `(input + 2·padding − dilation·(kernel − 1) − 1) / stride + 1`; nil when the
    /// dilated kernel is larger than the padded input.
    static func outputSize(input: Int, kernel: Int, stride: Int, padding: Int, dilation: Int) -> Int? {
        let effective = dilation * (kernel - 1) + 1
        guard input + 2 * padding >= effective else { return nil }
        return (input + 2 * padding - effective) / stride + 1
    }

    /// Whether `shape` is `[images, channels, *outputSpatial]` (compared without making that array).
    func isOutputShape(_ shape: [Int], images: Int, channels: Int) -> Bool {
        shape.count == outputSpatial.count + 2 && shape[0] == images && shape[1] == channels && shape[2...].elementsEqual(outputSpatial)
    }

    /// `[images, channels, *outputSpatial]`, made in one allocation.
    func outputShape(images: Int, channels: Int) -> [Int] {
        [Int](unsafeUninitializedCapacity: outputSpatial.count + 2) { buffer, count in
            buffer[0] = images
            buffer[1] = channels
            for (d, size) in outputSpatial.enumerated() { buffer[2 + d] = size }
            count = outputSpatial.count + 2
        }
    }

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
        let tile = slab.strides[0]
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
        let tile = slab.strides[0]
        let out = slab.baseAddress.assumingMemoryBound(to: T.self)
        let spatial = geometry.kernel.count
        // Pad every geometry to 3-D (leading size-1 dims) so one loop serves 1-D, 2-D and 3-D.
        func padded(_ values: SpatialSizes, _ fill: Int) -> [Int] { Array(repeating: fill, count: 3 - spatial) + values }
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

/// Work item `item` of the tiled convolution, image-major then group then tile: which image and group, and
/// which output positions (`count` from `start`; the last tile may be short).
private struct ConvolutionTile {
    let parts: (image: Int, group: Int, start: Int, count: Int)

    init(_ item: Int, groups: Int, tiles: Int, tile: Int, positions: Int) {
        let start = item % tiles * tile
        parts = (item / (groups * tiles), item / tiles % groups, start, Swift.min(tile, positions - start))
    }
}

/// The work items `range` of ``Tensor/convolveTilesFloat(input:output:panels:bias:geometry:tile:epilogue:)``
/// for 1-D and 2-D convolutions: each `(image, group, output tile)` gathers its patches straight into the
/// packed right operand (the thread's scratch) and multiplies them by the group's packed weights, with the
/// epilogue fused into the output write.
private struct PackedConvolutionTiles: ParallelLoopBody {
    let gather: PackedPatchGather
    let panels: PackedConvolutionWeights
    let epilogue: FusedEpilogue
    let input: UnsafePointer<Float>
    let inImageStride: Int
    let inChannelStride: Int
    let channelsPerGroup: Int
    let output: UnsafeMutablePointer<Float>
    let outImageStride: Int
    let outRowStride: Int64
    let bias: UnsafePointer<Float>?
    let groups: Int
    let tiles: Int
    let tile: Int
    let positions: Int

    func run(_ range: Range<Int>, thread: Int) {
        let (m, patch) = (panels.outPerGroup, panels.patch)
        for item in range {
            let (image, g, start, count) = ConvolutionTile(item, groups: groups, tiles: tiles, tile: tile, positions: positions).parts
            let rowOffset = image * outImageStride + g * m * Int(outRowStride)
            var gemmEpilogue = epilogue.gemmEpilogue(image: image, firstRow: g * m, column: start, rowBias: bias)
            var layout = flint_sgemm_pack_b_begin_scratch(Int64(patch), Int64(count))
            gather.gather(
                image: input + image * inImageStride + g * channelsPerGroup * inChannelStride, start: start, count: count, column: 0, into: &layout)
            flint_sgemm_packed_ab(
                nil, Int64(m), Int64(count), Int64(patch), panels.panel(g), layout.packed, output + rowOffset + start, outRowStride, &gemmEpilogue)
        }
    }
}
