import FlintTensor
import Testing

/// Convolutions over at most 4 input channels (stems), which run `flint_conv2d_narrow` where the CPU has
/// AVX-512 and the GEMM over gathered patches elsewhere. Both sum each output's taps in order (channel,
/// kernel row, kernel column) with one fused multiply-add each from zero, then add the bias (plus zero),
/// then the residual, then clamp: a scalar model of exactly that must match every bit. Strides 1 and 2,
/// output rows that end mid-vector, channel counts that are not a multiple of 16, padding beyond the kernel's
/// reach, input rows narrower than a vector, batches, residuals (also written over in place) and each kind of
/// activation.
@Suite struct NarrowConvolutionTests {
    struct Case: CustomStringConvertible {
        var batch = 1
        var channels = 3
        var outChannels = 16
        var size = (height: 20, width: 40)
        var kernel = 3
        var stride = 2
        var padding = 1
        var bias = true
        var residual = false
        var activation = FusedEpilogue.Activation.none

        var description: String {
            "\(batch)x\(channels)x\(size.height)x\(size.width) -> \(outChannels), kernel \(kernel), stride \(stride), padding \(padding), bias \(bias), residual \(residual), \(activation)"
        }
    }

    /// The convolution as the kernels compute it, in Float32 with fused multiply-adds, before a function activation.
    static func model(_ c: Case, input: [Float], weight: [Float], bias: [Float], residual: [Float]?) -> (values: [Float], shape: [Int]) {
        let outH = (c.size.height + 2 * c.padding - c.kernel) / c.stride + 1
        let outW = (c.size.width + 2 * c.padding - c.kernel) / c.stride + 1
        var out = [Float](repeating: 0, count: c.batch * c.outChannels * outH * outW)
        for n in 0..<c.batch {
            for o in 0..<c.outChannels {
                for y in 0..<outH {
                    for x in 0..<outW {
                        var acc: Float = 0
                        for ch in 0..<c.channels {
                            for ky in 0..<c.kernel {
                                for kx in 0..<c.kernel {
                                    let iy = y * c.stride - c.padding + ky, ix = x * c.stride - c.padding + kx
                                    let value: Float = iy >= 0 && iy < c.size.height && ix >= 0 && ix < c.size.width
                                        ? input[((n * c.channels + ch) * c.size.height + iy) * c.size.width + ix] : 0
                                    acc.addProduct(weight[((o * c.channels + ch) * c.kernel + ky) * c.kernel + kx], value)
                                }
                            }
                        }
                        let index = ((n * c.outChannels + o) * outH + y) * outW + x
                        var v = acc
                        if c.bias || residual != nil { v = v + ((c.bias ? bias[o] : 0) + 0) }
                        if let residual { v = v + residual[index] }
                        switch c.activation {
                        case .relu: v = Swift.min(Float.infinity, Swift.max(0, v))
                        case .clamp(let low, let high): v = Swift.min(high, Swift.max(low, v))
                        default: break
                        }
                        out[index] = v
                    }
                }
            }
        }
        return (out, [c.batch, c.outChannels, outH, outW])
    }

    @Test(arguments: [
        Case(),
        // resnet's stem: 7x7, stride 2, padding 3, 64 channels.
        Case(outChannels: 64, size: (height: 30, width: 64), kernel: 7, padding: 3, bias: false, activation: .relu),
        // mobilenet's: 3x3, stride 2, ReLU6; efficientnet's with SiLU.
        Case(outChannels: 32, size: (height: 18, width: 50), activation: .clamp(low: 0, high: 6)),
        Case(outChannels: 20, size: (height: 17, width: 37), activation: .silu),
        Case(channels: 1, outChannels: 5, size: (height: 9, width: 33), stride: 1, residual: true),
        Case(batch: 3, channels: 4, outChannels: 18, size: (height: 8, width: 35), kernel: 5, stride: 1, padding: 4, residual: true, activation: .relu),
        Case(batch: 2, channels: 2, outChannels: 40, size: (height: 12, width: 47), kernel: 4, stride: 2, padding: 0, bias: false),
        // Padding beyond the kernel's reach (whole output rows and columns in it), input rows narrower than a vector.
        Case(channels: 2, size: (height: 6, width: 10), stride: 1, padding: 4, residual: true),
        Case(size: (height: 7, width: 25), padding: 5, activation: .relu),
    ])
    func matchesTheKernelsArithmeticBitForBit(_ c: Case) throws {
        let inputValues = SeededValues.uniform(c.batch * c.channels * c.size.height * c.size.width, seed: 11)
        let weightValues = SeededValues.uniform(c.outChannels * c.channels * c.kernel * c.kernel, seed: 12)
        let biasValues = SeededValues.uniform(c.outChannels, seed: 13)
        let input = try Tensor(shape: [c.batch, c.channels, c.size.height, c.size.width], scalars: inputValues)
        let weight = try Tensor(shape: [c.outChannels, c.channels, c.kernel, c.kernel], scalars: weightValues)
        let bias = try Tensor(shape: [c.outChannels], scalars: biasValues)
        let shape = Self.model(c, input: inputValues, weight: weightValues, bias: biasValues, residual: nil).shape
        let residualValues = c.residual ? SeededValues.uniform(shape.reduce(1, *), seed: 14) : nil
        var expected = try Tensor(
            shape: shape, scalars: Self.model(c, input: inputValues, weight: weightValues, bias: biasValues, residual: residualValues).values)
        if c.activation == .silu { expected = try expected.silu() }
        let (stride, padding) = ([c.stride, c.stride], [c.padding, c.padding])
        let residual = try residualValues.map { try Tensor(shape: shape, scalars: $0) }
        let result = try input.convolution(
            weight: weight, bias: c.bias ? bias : nil, stride: stride, padding: padding, dilation: [1, 1], groups: 1,
            epilogue: FusedEpilogue(residual: residual, activation: c.activation))
        #expect(try result.scalars(as: Float.self).map(\.bitPattern) == expected.scalars(as: Float.self).map(\.bitPattern), "\(c)")
        // The residual's memory as the destination: the result replaces it.
        if let residualValues {
            let destination = try Tensor(shape: shape, scalars: residualValues)
            _ = try input.convolution(
                weight: weight, bias: c.bias ? bias : nil, stride: stride, padding: padding, dilation: [1, 1], groups: 1,
                epilogue: FusedEpilogue(residual: destination, activation: c.activation), into: destination)
            #expect(try destination.scalars(as: Float.self).map(\.bitPattern) == expected.scalars(as: Float.self).map(\.bitPattern), "\(c) in place")
        }
    }
}
