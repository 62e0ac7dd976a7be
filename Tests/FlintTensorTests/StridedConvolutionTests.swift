import FlintTensor
import Testing

/// Convolutions whose patches are gathered for the GEMM (`flint_im2col2d_packed`), strided ones above all
/// (their AVX-512 gather keeps the even inputs of 32-wide loads), against the same convolution in float64:
/// widths that end mid-vector, padding wider than the kernel's reach, dilation, and the weight packed once
/// (as the graph layer packs it) or not; and batches of small planes (rows of at most 4 outputs), which take
/// the table-driven gather, with images whose columns straddle the packed panels and patches longer than one
/// block of B's rows. Every case has more than 4 input channels or output rows under 16, or dilation: a stem's
/// few channels take the narrow kernel instead where the CPU has AVX-512 (NarrowConvolutionTests).
@Suite struct StridedConvolutionTests {
    struct Case: CustomStringConvertible {
        var batch = 1
        var channels = 5
        var outChannels = 8
        var size = (height: 17, width: 37)
        var kernel = 3
        var stride = 2
        var padding = 1
        var dilation = 1

        var description: String {
            "\(batch)x\(channels)x\(size.height)x\(size.width) -> \(outChannels), kernel \(kernel), stride \(stride), padding \(padding), dilation \(dilation)"
        }
    }

    static func values(_ count: Int, seed: UInt64) -> [Float] { SeededValues.uniform(count, seed: seed) }

    @Test(arguments: [
        Case(),
        Case(size: (height: 224, width: 224)),
        Case(size: (height: 9, width: 70), kernel: 7, padding: 3),
        Case(channels: 6, outChannels: 5, size: (height: 12, width: 33), kernel: 1, padding: 0),
        Case(size: (height: 11, width: 40), padding: 2, dilation: 2),
        Case(channels: 5, size: (height: 8, width: 19), kernel: 5, stride: 3, padding: 2),
        Case(size: (height: 6, width: 5), kernel: 3, padding: 4),
        Case(size: (height: 10, width: 47), stride: 1),
        // A stem's geometry (7x7, stride 2, over a wide image), and a stride-1 row wider than a packed panel:
        // pieces of rows wholly inside the image take the gathers' unmasked loops.
        Case(outChannels: 16, size: (height: 64, width: 224), kernel: 7, padding: 3),
        Case(channels: 6, size: (height: 9, width: 70), stride: 1),
        Case(batch: 8, channels: 64, size: (height: 2, width: 2), stride: 1),
        Case(batch: 3, channels: 5, size: (height: 3, width: 3), stride: 1),
        Case(batch: 5, channels: 7, size: (height: 5, width: 7)),
        Case(batch: 2, channels: 3, size: (height: 30, width: 8), kernel: 5, padding: 2),
        Case(batch: 4, channels: 6, size: (height: 6, width: 6), stride: 1, padding: 2, dilation: 2),
        Case(batch: 6, channels: 40, outChannels: 16, size: (height: 4, width: 4), kernel: 1, padding: 0),
    ])
    func matchesTheFloat64Convolution(_ c: Case) throws {
        let input = try Tensor(
            shape: [c.batch, c.channels, c.size.height, c.size.width], scalars: Self.values(c.batch * c.channels * c.size.height * c.size.width, seed: 1))
        let weight = try Tensor(
            shape: [c.outChannels, c.channels, c.kernel, c.kernel], scalars: Self.values(c.outChannels * c.channels * c.kernel * c.kernel, seed: 2))
        let bias = try Tensor(shape: [c.outChannels], scalars: Self.values(c.outChannels, seed: 3))
        let (stride, padding, dilation) = ([c.stride, c.stride], [c.padding, c.padding], [c.dilation, c.dilation])
        let reference = try input.to(.float64).convolution(
            weight: weight.to(.float64), bias: bias.to(.float64), stride: stride, padding: padding, dilation: dilation, groups: 1)
        let packed = try PackedConvolutionWeights(weight, groups: 1, winograd: false)
        for (label, result) in [
            ("unpacked", try input.convolution(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: 1)),
            ("packed", try input.convolution(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: 1, packed: packed)),
        ] {
            #expect(result.shape == reference.shape, "\(c) \(label)")
            let worst = zip(try result.to(.float64).scalars(as: Double.self), try reference.scalars(as: Double.self)).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-6 * Double(c.channels * c.kernel * c.kernel + 1), "\(c) \(label): differs from float64 by \(worst)")
        }
    }
}
