import CFlintKernels

/// 2-D convolutions over few input channels (a network's stem: 3 channels under a 3×3 or 7×7 kernel), computed
/// directly by `flint_conv2d_narrow` instead of as a GEMM over gathered patches. With a patch of 27 or 147
/// taps, the gather cost about a quarter of the layer (resnet18's 7×7 stem: 0.4 of 1.7 ms); the direct
/// kernel multiplies each input vector by 16 output channels' weights at once and gathers nothing. Each
/// output sums its taps in the GEMM's order with the GEMM's epilogue: the bits are the GEMM path's.
extension Tensor {
    /// Whether a convolution has the shape the narrow kernel takes (the kernel may still decline it: no
    /// AVX-512, output rows under 16). Checked before anything is made for it. At most 4 input channels: with
    /// more (a 1×1 convolution over 144 channels fits in 160 taps too), the GEMM reads the input as it lies
    /// and the narrow kernel ran mobilenet_v2 15% slower.
    static func isNarrowShape(inChannels: Int, groups: Int, geometry: ConvolutionGeometry) -> Bool {
        groups == 1 && inChannels <= 4 && geometry.kernel.count == 2 && geometry.dilation == [1, 1] && geometry.stride[0] == geometry.stride[1]
            && inChannels * geometry.kernel.product <= 160
    }

    /// The convolution of contiguous float32 `input` `[n, C, H, W]` by the contiguous float32 weight (`weight()`,
    /// asked for only once the kernel has accepted the geometry) into contiguous `output` `[n, O, OH, OW]`, with the
    /// bias and the epilogue's residual and activation fused into the output write. Returns false, having written
    /// nothing, when the kernel declines the geometry.
    static func convolveNarrow(
        input: Tensor, weight: () throws -> Tensor, output: Tensor, bias: Tensor?, geometry: ConvolutionGeometry, epilogue fused: FusedEpilogue
    ) throws -> Bool {
        var descriptor = flint_conv2d_narrow_desc()
        descriptor.images = Int64(input.shape[0])
        descriptor.in_channels = Int64(input.shape[1])
        descriptor.in_h = Int64(geometry.inputSpatial[0])
        descriptor.in_w = Int64(geometry.inputSpatial[1])
        descriptor.out_channels = Int64(output.shape[1])
        descriptor.kernel_h = Int64(geometry.kernel[0])
        descriptor.kernel_w = Int64(geometry.kernel[1])
        descriptor.stride = Int64(geometry.stride[0])
        descriptor.pad_h = Int64(geometry.padding[0])
        descriptor.pad_w = Int64(geometry.padding[1])
        guard flint_conv2d_narrow_supported(&descriptor) != 0 else { return false }
        let weight = try weight()
        var epilogue = fused.gemmEpilogue(rowBias: bias)
        if let residual = fused.residual {
            epilogue.residual = UnsafePointer(residual.baseAddress.assumingMemoryBound(to: Float.self))
            epilogue.residual_row_stride = Int64(residual.strides[1])
            descriptor.residual_image_stride = Int64(residual.strides[0])
        }
        let status = flint_conv2d_narrow(
            ThreadPool.shared.raw, &descriptor, UnsafePointer(weight.baseAddress.assumingMemoryBound(to: Float.self)),
            UnsafePointer(input.baseAddress.assumingMemoryBound(to: Float.self)), output.baseAddress.assumingMemoryBound(to: Float.self),
            &epilogue)
        // The geometry was accepted above and the epilogue is the kind the kernel takes: only a failed scratch
        // allocation is left, and it fails before anything is written.
        return status == 0
    }
}
