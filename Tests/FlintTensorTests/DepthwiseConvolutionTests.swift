import FlintTensor
import Testing

/// float32 depthwise convolutions against the same convolution in float64 (which takes the generic path),
/// small planes above all: at most 32 output columns (16 at stride 2) run the flat whole-plane kernel (taps as
/// loads over the zero-padded plane laid out flat, in groups of up to 6 vectors), wider ones the row kernels. Strides 1 and 2, 3×3 and 5×5 kernels,
/// dilation, channel multipliers, and the fused ReLU/clamp.
@Suite struct DepthwiseConvolutionTests {
    struct Case: CustomStringConvertible {
        var batch = 1
        var channels = 6
        var multiplier = 1
        var size = (height: 7, width: 7)
        var kernel = 3
        var stride = 1
        var padding = 1
        var dilation = 1
        var activation = FusedEpilogue.Activation.none

        var description: String {
            "\(batch)x\(channels)x\(size.height)x\(size.width) ×\(multiplier), kernel \(kernel), stride \(stride), padding \(padding), dilation \(dilation), \(activation)"
        }
    }

    static func values(_ count: Int, seed: UInt64) -> [Float] { SeededValues.uniform(count, seed: seed) }

    @Test(arguments: [
        Case(),
        Case(channels: 5, size: (height: 7, width: 7), kernel: 5, padding: 2),
        Case(channels: 4, size: (height: 14, width: 14), stride: 2),
        Case(channels: 3, size: (height: 14, width: 14), kernel: 5, stride: 2, padding: 2, activation: .clamp(low: 0, high: 6)),
        Case(batch: 2, channels: 3, multiplier: 2, size: (height: 5, width: 9), padding: 0, dilation: 2, activation: .relu),
        Case(channels: 2, size: (height: 3, width: 16), kernel: 3, padding: 3),
        Case(channels: 3, size: (height: 1, width: 1), kernel: 3, padding: 1),
        Case(channels: 4, size: (height: 20, width: 33), stride: 2, activation: .relu),
        Case(channels: 2, size: (height: 9, width: 40), kernel: 5, padding: 2),
        // The flat kernel's groups of vectors: with AVX-512, 53 of them at 28x28 (eight groups of 6 and one of 5), 2 at 4x4.
        Case(channels: 3, size: (height: 28, width: 28)),
        Case(channels: 3, size: (height: 4, width: 4), activation: .relu),
        // Stride 2 with more taps than 3x3 reads the padded plane's four phases: odd pitches and heights, channels
        // sharing an input (multiplier 2), 7x7, dilation (one phase only), no padding (the odd phase's last
        // column holds the next row's first element), more channels than a group.
        Case(channels: 3, multiplier: 2, size: (height: 13, width: 13), kernel: 5, stride: 2, padding: 2),
        Case(channels: 2, size: (height: 9, width: 12), kernel: 7, stride: 2, padding: 3, activation: .relu),
        Case(channels: 2, size: (height: 15, width: 15), kernel: 5, stride: 2, padding: 4, dilation: 2),
        Case(channels: 3, size: (height: 11, width: 11), kernel: 5, stride: 2, padding: 0),
        Case(channels: 17, size: (height: 7, width: 7), kernel: 5, stride: 2, padding: 2, activation: .clamp(low: 0, high: 6)),
        // A padded row shorter than a vector (a row's tail covers the next ones); over 1024 outputs per channel.
        Case(channels: 2, size: (height: 12, width: 3), kernel: 5, stride: 2, padding: 2),
        Case(channels: 2, size: (height: 300, width: 20), kernel: 5, stride: 2, padding: 2),
    ])
    func matchesTheFloat64Convolution(_ c: Case) throws {
        let (h, w) = c.size
        let input = try Tensor(shape: [c.batch, c.channels, h, w], scalars: Self.values(c.batch * c.channels * h * w, seed: 1))
        let outChannels = c.channels * c.multiplier
        let weight = try Tensor(shape: [outChannels, 1, c.kernel, c.kernel], scalars: Self.values(outChannels * c.kernel * c.kernel, seed: 2))
        let bias = try Tensor(shape: [outChannels], scalars: Self.values(outChannels, seed: 3))
        let (stride, padding, dilation) = ([c.stride, c.stride], [c.padding, c.padding], [c.dilation, c.dilation])
        let epilogue = FusedEpilogue(activation: c.activation)
        let result = try input.convolution(
            weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: c.channels, epilogue: epilogue)
        let reference = try input.to(.float64).convolution(
            weight: weight.to(.float64), bias: bias.to(.float64), stride: stride, padding: padding, dilation: dilation, groups: c.channels,
            epilogue: epilogue)
        #expect(result.shape == reference.shape, "\(c)")
        let worst = zip(try result.to(.float64).scalars(as: Double.self), try reference.scalars(as: Double.self)).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-6 * Double(c.kernel * c.kernel + 1), "\(c): differs from float64 by \(worst)")
    }
}
