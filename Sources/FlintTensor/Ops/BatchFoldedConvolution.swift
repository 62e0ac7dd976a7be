import CFlintKernels

/// Batched float32 convolutions whose images have few output positions (the late layers of a CNN: a
/// ResNet's last stage has 2×2 positions at 64×64 input, 7×7 at 224×224). Multiplying image by image would
/// give GEMMs a handful of columns: the micro-kernel's 32-column tile is mostly empty and the whole weight
/// matrix streams from cache once per image. Here several images' patches sit side by side in one slab,
/// so one product of `[outputs, patch] × [patch, images × positions]` serves them all, and its columns are
/// then moved to each image's output rows.
extension Tensor {
    /// Columns a folded product aims for: enough whole 32-column tiles that two threads both get work.
    static let foldedColumnTarget = 512
    /// Largest patch slab (in floats) a folded product gathers at once.
    static let foldedSlabLimit = 1 << 20

    /// How many images one folded product takes, or nil when folding gains nothing (one image, or each
    /// image already has enough output positions to fill the micro-kernel's tiles on its own).
    static func foldedImageCount(images: Int, positions: Int, patch: Int) -> Int? {
        guard images > 1, positions > 0, positions < foldedColumnTarget / 2 else { return nil }
        let byColumns = (foldedColumnTarget + positions - 1) / positions
        let bySlab = Swift.max(1, foldedSlabLimit / Swift.max(patch * positions, 1))
        let count = Swift.min(images, byColumns, bySlab)
        return count > 1 ? count : nil
    }

    /// `output[image, group rows] = epilogue(panels(g) × patches(image) + bias)` for every image and group,
    /// several images per product. `input` is `[n, c, *spatial]` contiguous float32, `output` `[n, outChannels,
    /// *outputSpatial]` contiguous, the epilogue's residual laid out as `output` (or `output` itself). 1-D and
    /// 2-D convolutions go through raw pointers, no views, and add the residual (and a ReLU or clamp) as each
    /// product row moves to its image, reading the residual before writing over it; the product goes into a
    /// ``BlockCache`` block, which is reused from call to call from 64 KiB up (a smaller product is a system
    /// allocation per call).
    static func convolveFoldedImages(
        input: Tensor, output: Tensor, panels: PackedConvolutionWeights, bias: Tensor?, geometry: ConvolutionGeometry,
        imagesPerProduct: Int, epilogue fused: FusedEpilogue
    ) throws {
        let (n, groups) = (input.shape[0], panels.groups)
        let channelsPerGroup = input.shape[1] / groups
        let outPerGroup = panels.outPerGroup
        let positions = geometry.outputSpatial.reduce(1, *)
        guard let packedGather = PackedPatchGather(geometry: geometry, channels: channelsPerGroup) else {
            // The epilogue as a pass afterwards: a residual in the output's memory is copied first.
            let fused = try fused.residualKeptApart(from: output)
            try convolveFoldedImagesThroughSlab(
                input: input, output: try output.reshape([n, output.shape[1], positions]), panels: panels, bias: bias, geometry: geometry,
                imagesPerProduct: imagesPerProduct)
            try fused.apply(to: output)
            return
        }
        let residualBase = fused.residual.map { UnsafePointer($0.baseAddress.assumingMemoryBound(to: Float.self)) }
        let (low, high) = fused.clampBounds
        let clamps = residualBase != nil || low > -.infinity || high < .infinity
        let biasBase = bias.map { UnsafePointer($0.baseAddress.assumingMemoryBound(to: Float.self)) }
        let productBytes = outPerGroup * imagesPerProduct * positions * MemoryLayout<Float>.stride
        let productBlock = BlockCache.allocate(productBytes)
        defer { BlockCache.release(productBlock, byteCount: productBytes) }
        let product = productBlock.assumingMemoryBound(to: Float.self)
        let inBase = UnsafePointer(input.baseAddress.assumingMemoryBound(to: Float.self))
        let outBase = output.baseAddress.assumingMemoryBound(to: Float.self)
        let (inImageStride, outImageStride) = (input.strides[0], output.strides[0])
        let inGroupStride = channelsPerGroup * input.strides[1]
        for g in 0..<groups {
            var first = 0
            while first < n {
                let count = Swift.min(imagesPerProduct, n - first)
                let columns = count * positions
                // Each image's patches into its own column block, the images spread over the threads.
                let layout = flint_sgemm_pack_b_begin_scratch(Int64(panels.patch), Int64(columns))
                ThreadPool.shared.parallelFor(
                    count, minimumPerThread: 1,
                    FoldedPatchGather(
                        gather: packedGather, layout: layout, images: inBase + first * inImageStride + g * inGroupStride, imageStride: inImageStride,
                        positions: positions))
                var epilogue = FusedEpilogue.identity.gemmEpilogue(image: 0, firstRow: g * outPerGroup, rowBias: biasBase)
                panels.multiply(group: g, packedColumns: layout.packed!, count: columns, into: product, ldc: columns, epilogue: &epilogue)
                // [outPerGroup, count × positions] → output[first ..< first + count, group rows, :].
                for k in 0..<count {
                    let offset = (first + k) * outImageStride + g * outPerGroup * positions
                    for row in 0..<outPerGroup {
                        let source = product + row * columns + k * positions
                        if clamps { flint_residual_clamp_f32(source, residualBase.map { $0 + offset + row * positions }, Int64(positions), low, high) }
                        (outBase + offset + row * positions).update(from: source, count: positions)
                    }
                }
                first += count
            }
        }
        // A function activation (SiLU, ...) is a pass of its own.
        if fused.activation.pointwiseFunction != nil { try FusedEpilogue(activation: fused.activation).apply(to: output) }
        withExtendedLifetime((input, bias, fused)) {}
    }

    /// ``convolveFoldedImages(input:output:panels:bias:geometry:imagesPerProduct:epilogue:)`` for 3-D convolutions:
    /// patches gathered into a plain slab, through tensor views. `output` is `[n, outChannels, positions]`.
    private static func convolveFoldedImagesThroughSlab(
        input: Tensor, output: Tensor, panels: PackedConvolutionWeights, bias: Tensor?, geometry: ConvolutionGeometry,
        imagesPerProduct: Int
    ) throws {
        let (n, groups) = (input.shape[0], panels.groups)
        let channelsPerGroup = input.shape[1] / groups
        let outPerGroup = panels.outPerGroup
        let positions = output.shape[2]
        let flatInput = try input.reshape([n, input.shape[1], geometry.inputSpatial.reduce(1, *)])
        let slab = Tensor(uninitialized: [panels.patch, imagesPerProduct * positions], dtype: .float32)
        let product = Tensor(uninitialized: [outPerGroup, imagesPerProduct * positions], dtype: .float32)
        for g in 0..<groups {
            let groupBias = try bias?.narrow(dim: 0, start: g * outPerGroup, length: outPerGroup).contiguous()
            var first = 0
            while first < n {
                let count = Swift.min(imagesPerProduct, n - first)
                let columns = count * positions
                let productColumns = try product.narrow(dim: 1, start: 0, length: columns)
                var failure: Error?
                ThreadPool.shared.parallelFor(count, minimumPerThread: 1) { range, _ in
                    for k in range {
                        do {
                            let image = try flatInput.select(dim: 0, index: first + k)
                                .narrow(dim: 0, start: g * channelsPerGroup, length: channelsPerGroup)
                            let block = try slab.narrow(dim: 1, start: k * positions, length: positions)
                            try gatherPatches(input: image, geometry: geometry, start: 0, count: positions, into: block)
                        } catch {
                            failure = error
                        }
                    }
                }
                if let failure { throw failure }
                panels.multiply(
                    group: g, try slab.narrow(dim: 1, start: 0, length: columns), into: productColumns, rowBias: groupBias, fused: .identity)
                // [outPerGroup, count × positions] → output[first ..< first + count, group rows, :].
                let destination = try output.narrow(dim: 0, start: first, length: count)
                    .narrow(dim: 1, start: g * outPerGroup, length: outPerGroup)
                try destination.copy(from: try productColumns.reshape([outPerGroup, count, positions]).permute([1, 0, 2]))
                first += count
            }
        }
    }
}

/// Gathers the patches of images `range` (of a folded product's images, `imageStride` apart from `images`)
/// into their column blocks of the packed right operand, `positions` columns each.
private struct FoldedPatchGather: ParallelLoopBody {
    let gather: PackedPatchGather
    let layout: flint_packed_b_layout
    let images: UnsafePointer<Float>
    let imageStride: Int
    let positions: Int

    func run(_ range: Range<Int>, thread: Int) {
        var layout = layout
        for k in range {
            gather.gather(image: images + k * imageStride, start: 0, count: positions, column: k * positions, into: &layout)
        }
    }
}
