import CFlintKernels

/// The float32 convolutions that multiply one image and group at a time with the pooled GEMM, which splits
/// the work over output channels: pointwise ones (1×1, stride 1, no padding: the input's channel planes are
/// the right operand as they lie) and late layers' few output positions (every patch gathered once, straight
/// into the GEMM's packed right operand). Pointwise products of at most 8 columns (a squeeze-excite block's
/// 1×1 maps) stream the unpacked weight through the thin-product kernels instead, which beats filling a few
/// of the packed micro-kernel's 32 columns. Each image and group is addressed through pointers, never views,
/// so a call allocates nothing.
extension Tensor {
    /// Columns up to which a pointwise product streams the unpacked weight (thin products).
    static let thinProductColumns = 8

    /// Whether ``convolvePerImage(input:output:weight:panels:bias:geometry:epilogue:)`` takes a convolution
    /// with these packed panels (or none) and this many output positions.
    static func convolvesPerImage(panels: PackedConvolutionWeights?, geometry: ConvolutionGeometry, channelsPerGroup: Int, positions: Int) -> Bool {
        if positions <= thinProductColumns { return geometry.isPointwise }
        return panels != nil && (geometry.isPointwise || PackedPatchGather(geometry: geometry, channels: channelsPerGroup) != nil)
    }

    /// `output = epilogue(weight × patches(input) + bias)` for contiguous float32 `input` `[n, c, *inputSpatial]`,
    /// `output` and the epilogue's residual `[n, outChannels, *outputSpatial]` (contiguous), `weight` contiguous
    /// `[outChannels, c / groups, *kernel]` (read, and needed, only by thin products) with its packed `panels`, `bias` contiguous float32 of `outChannels`
    /// or nil. Only for what ``convolvesPerImage(panels:geometry:channelsPerGroup:positions:)`` accepts.
    static func convolvePerImage(
        input: Tensor, output: Tensor, weight: Tensor?, panels: PackedConvolutionWeights?, bias: Tensor?, geometry: ConvolutionGeometry,
        groups: Int, epilogue fused: FusedEpilogue
    ) {
        let n = input.shape[0]
        let channelsPerGroup = input.shape[1] / groups
        let m = output.shape[1] / groups
        let patch = channelsPerGroup * geometry.kernel.product
        let positions = geometry.outputSpatial.product
        precondition(
            convolvesPerImage(panels: panels, geometry: geometry, channelsPerGroup: channelsPerGroup, positions: positions),
            "convolvePerImage: not a pointwise convolution, or no packed weight or patch gather")
        let thin = positions <= thinProductColumns
        precondition(!thin || weight != nil, "convolvePerImage: a thin product reads the unpacked weight")
        let gather = geometry.isPointwise || thin ? nil : PackedPatchGather(geometry: geometry, channels: channelsPerGroup)
        let inBase = UnsafePointer(input.baseAddress.assumingMemoryBound(to: Float.self))
        let outBase = output.baseAddress.assumingMemoryBound(to: Float.self)
        let weightBase = weight.map { UnsafePointer($0.baseAddress.assumingMemoryBound(to: Float.self)) }
        let biasBase = bias.map { UnsafePointer($0.baseAddress.assumingMemoryBound(to: Float.self)) }
        let (inputRows, outputRows) = (input.strides[1], output.strides[1])
        for image in 0..<n {
            for g in 0..<groups {
                var epilogue = fused.gemmEpilogue(image: image, firstRow: g * m, rowBias: biasBase)
                let source = inBase + image * input.strides[0] + g * channelsPerGroup * inputRows
                let target = outBase + image * output.strides[0] + g * m * outputRows
                if thin, let weightBase {
                    flint_sgemm(
                        ThreadPool.shared.raw, Int64(m), Int64(positions), Int64(patch), weightBase + g * m * patch, Int64(patch), 1,
                        source, Int64(inputRows), 1, target, Int64(outputRows), &epilogue)
                } else if let gather, let panels {
                    // The calling thread's scratch: reused by its next gather, never freed per call. The output
                    // rows' patches are gathered over the threads (each writes its own columns), then multiplied.
                    let layout = flint_sgemm_pack_b_begin_scratch(Int64(patch), Int64(positions))
                    let rows = positions / gather.rowLength
                    ThreadPool.shared.parallelFor(
                        rows, minimumPerThread: Swift.max(1, (1 << 15) / Swift.max(patch * gather.rowLength, 1)),
                        PatchRowGather(gather: gather, layout: layout, image: source))
                    panels.multiply(group: g, packedColumns: layout.packed!, count: positions, into: target, ldc: outputRows, epilogue: &epilogue)
                } else if let panels {
                    panels.multiply(group: g, b: source, ldb: inputRows, columns: positions, into: target, ldc: outputRows, epilogue: &epilogue)
                }
            }
        }
        withExtendedLifetime((input, output, weight, bias, fused)) {}
    }
}

/// Gathers the patches of one image's output rows `range` into their columns of the packed right operand
/// (row `r`'s positions are columns `r · rowLength ..< (r + 1) · rowLength`).
private struct PatchRowGather: ParallelLoopBody {
    let gather: PackedPatchGather
    let layout: flint_packed_b_layout
    let image: UnsafePointer<Float>

    func run(_ range: Range<Int>, thread: Int) {
        var layout = layout
        let (start, count) = (range.lowerBound * gather.rowLength, range.count * gather.rowLength)
        gather.gather(image: image, start: start, count: count, column: start, into: &layout)
    }
}
