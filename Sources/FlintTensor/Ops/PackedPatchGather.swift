import CFlintKernels

/// The float32 patch gather of 1-D and 2-D convolutions, written straight into the packed form of the GEMM's
/// right operand (`flint_im2col2d_packed`), so the product with the packed weights reads the patches
/// without another copy. 3-D convolutions have none (nil) and gather into a plain slab instead.
struct PackedPatchGather {
    private let descriptor: flint_im2col2d_desc
    /// Output positions per output row.
    let rowLength: Int

    init?(geometry: ConvolutionGeometry, channels: Int) {
        let spatial = geometry.kernel.count
        guard spatial <= 2 else { return nil }
        // A 1-D convolution is a 2-D one of height 1.
        func pair(_ values: SpatialSizes, _ fill: Int) -> (Int64, Int64) {
            spatial == 2 ? (Int64(values[0]), Int64(values[1])) : (Int64(fill), Int64(values[0]))
        }
        var descriptor = flint_im2col2d_desc()
        descriptor.channels = Int64(channels)
        (descriptor.in_h, descriptor.in_w) = pair(geometry.inputSpatial, 1)
        descriptor.out_w = Int64(geometry.outputSpatial.last!)
        (descriptor.kernel_h, descriptor.kernel_w) = pair(geometry.kernel, 1)
        (descriptor.stride_h, descriptor.stride_w) = pair(geometry.stride, 1)
        (descriptor.pad_h, descriptor.pad_w) = pair(geometry.padding, 0)
        (descriptor.dilation_h, descriptor.dilation_w) = pair(geometry.dilation, 1)
        self.descriptor = descriptor
        rowLength = geometry.outputSpatial.last!
    }

    /// Writes the patches of output positions `start ..< start + count` (whole output rows) of one image's
    /// channel planes at `image` into B's columns from `column` on.
    func gather(image: UnsafePointer<Float>, start: Int, count: Int, column: Int, into b: inout flint_packed_b_layout) {
        var descriptor = descriptor
        flint_im2col2d_packed(&descriptor, image, Int64(start / rowLength), Int64(count / rowLength), Int64(column), &b)
    }
}
