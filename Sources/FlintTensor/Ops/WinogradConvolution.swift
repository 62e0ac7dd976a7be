import CFlintKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// 3×3 stride-1 convolutions through Winograd F(2×2, 3×3) (`flint_winograd3x3_conv2d`): 16 multiplications
/// per 2×2 output tile and channel pair instead of 36, the transforms being additions and halvings only, so
/// the result differs from the direct product by float32 rounding alone. It needs the weight's Winograd form,
/// which the graph layer packs at load for the convolutions that can use it.
///
/// `FLINT_WINOGRAD=0` in the environment turns it off (the tiled GEMM path runs instead), to compare.
extension Tensor {
    /// Whether Winograd pays for this convolution: F(2×2) cuts the multiplications by 2.25×, but its transformed
    /// weight is 16/9 the size of the original and a layer with few tiles reads it for little work, so late
    /// layers of a batch-1 network (≤ 4×4 tiles) keep the direct path. A batch's tiles share the products, so
    /// they are counted together.
    static func winogradPays(geometry: ConvolutionGeometry, images: Int) -> Bool {
        guard WinogradSwitch.enabled else { return false }
        let tiles = ((geometry.outputSpatial[0] + 1) / 2) * ((geometry.outputSpatial[1] + 1) / 2)
        return tiles * images > 16
    }

    /// Whether a convolution has the shape Winograd F(2×2, 3×3) computes.
    static func isWinogradShape(weight: Tensor, groups: Int, geometry: ConvolutionGeometry) -> Bool {
        weight.dtype == .float32 && isWinogradShape(groups: groups, geometry: geometry)
    }

    private static func isWinogradShape(groups: Int, geometry: ConvolutionGeometry) -> Bool {
        groups == 1 && geometry.kernel == [3, 3] && geometry.stride == [1, 1] && geometry.dilation == [1, 1]
            && geometry.padding.allSatisfy { $0 <= 2 }
    }

    /// The kernel's description of a convolution over `images` images (its residual stride unset).
    private static func winogradDescriptor(inChannels: Int, outChannels: Int, geometry: ConvolutionGeometry, images: Int) -> flint_winograd3x3_desc {
        var descriptor = flint_winograd3x3_desc()
        descriptor.in_channels = Int64(inChannels)
        descriptor.out_channels = Int64(outChannels)
        descriptor.in_h = Int64(geometry.inputSpatial[0])
        descriptor.in_w = Int64(geometry.inputSpatial[1])
        descriptor.pad_h = Int64(geometry.padding[0])
        descriptor.pad_w = Int64(geometry.padding[1])
        descriptor.images = Int64(images)
        return descriptor
    }

    /// The form of its packed weight a float32 2-D convolution of a `weightShape` weight over a contiguous
    /// `inputShape` input multiplies with, as ``convolution(weight:bias:stride:padding:dilation:groups:epilogue:packed:into:)``
    /// decides for an epilogue it can fuse: `.winograd` where Winograd applies and pays, `.gemm` otherwise.
    /// A plan packs just that form; another is made on first use should a call need it.
    public static func convolutionForm(
        inputShape: [Int], weightShape: [Int], stride: [Int], padding: [Int], dilation: [Int], groups: Int
    ) -> PackedConvolutionWeights.Forms {
        func pair(_ values: [Int]) -> [Int]? { values.count == 2 ? values : values.count == 1 ? [values[0], values[0]] : nil }
        guard inputShape.count == 4, weightShape.count == 4, let stride = pair(stride), let padding = pair(padding),
            let dilation = pair(dilation)
        else { return .gemm }
        let kernel = Array(weightShape[2...]), inputSpatial = Array(inputShape[2...])
        var outputSpatial: [Int] = []
        for d in 0..<2 {
            guard stride[d] > 0, let size = ConvolutionGeometry.outputSize(
                input: inputSpatial[d], kernel: kernel[d], stride: stride[d], padding: padding[d], dilation: dilation[d])
            else { return .gemm }
            outputSpatial.append(size)
        }
        let geometry = ConvolutionGeometry(
            inputSpatial: inputSpatial, outputSpatial: outputSpatial, kernel: kernel, stride: stride, padding: padding, dilation: dilation)
        guard isWinogradShape(groups: groups, geometry: geometry), winogradPays(geometry: geometry, images: inputShape[0]) else { return .gemm }
        var descriptor = winogradDescriptor(inChannels: inputShape[1], outChannels: weightShape[0], geometry: geometry, images: inputShape[0])
        return flint_winograd3x3_supported(&descriptor) != 0 ? .winograd : .gemm
    }

    /// The convolution of contiguous float32 `input` `[n, C, H, W]` into contiguous `output` `[n, O, OH, OW]` with the
    /// packed Winograd weight, the bias and the epilogue's residual and activation fused into the output
    /// write (ReLU/clamp as each element is stored, the others over each finished output row). Returns false,
    /// having written nothing, when the kernel declines the geometry.
    static func convolveWinograd(
        input: Tensor, output: Tensor, transformedWeight: UnsafeRawPointer, bias: Tensor?, geometry: ConvolutionGeometry,
        epilogue fused: FusedEpilogue
    ) -> Bool {
        var descriptor = winogradDescriptor(inChannels: input.shape[1], outChannels: output.shape[1], geometry: geometry, images: input.shape[0])
        guard flint_winograd3x3_supported(&descriptor) != 0 else { return false }
        // One call for the whole batch: the tiles of every image are columns of the same products.
        var epilogue = fused.gemmEpilogue(rowBias: bias)
        if let residual = fused.residual {
            epilogue.residual = UnsafePointer(residual.baseAddress.assumingMemoryBound(to: Float.self))
            epilogue.residual_row_stride = Int64(output.shape[2] * output.shape[3])
            descriptor.residual_image_stride = Int64(residual.strides[0])
        }
        let status = flint_winograd3x3_conv2d(
            ThreadPool.shared.raw, &descriptor, transformedWeight, UnsafePointer(input.baseAddress.assumingMemoryBound(to: Float.self)),
            output.baseAddress.assumingMemoryBound(to: Float.self), &epilogue)
        // The geometry was accepted above and the epilogue is the kind the kernel takes: only a failed scratch
        // allocation is left, and it fails before anything is written.
        guard status == 0 else { return false }
        return true
    }
}

/// Reads `FLINT_WINOGRAD` once.
enum WinogradSwitch {
    static let enabled: Bool = {
        guard let value = getenv("FLINT_WINOGRAD") else { return true }
        return String(cString: value) != "0"
    }()
}
