@testable import FlintTensor
import Testing

/// A convolution or linear layer given its fused residual as its destination (what an execution plan does when
/// the layer is the residual's last reader, `MemoryPlan`) gives what it gives with the residual elsewhere, on
/// every path: the float32 kernels (GEMM, Winograd, the batch-folded product's scatter) read each residual
/// element just before writing over it, the others (depthwise, float64) add the residual in a later pass and so
/// copy it first. A residual elsewhere in the destination's memory is copied too.
@Suite struct ResidualDestinationTests {
    static func values(_ shape: [Int], seed: UInt64, dtype: DType = .float32) throws -> Tensor {
        try Tensor(shape: shape, scalars: SeededValues.uniform(shape.reduce(1, *), seed: seed).map { $0 * 2 - 1 }).to(dtype)
    }

    /// Runs `layer` with the residual apart, then with a copy of it as the destination, and compares.
    static func expectSame(_ name: String, residual: Tensor, _ layer: (_ residual: Tensor, _ output: Tensor?) throws -> Tensor) throws {
        let expected = try layer(residual, nil)
        let inPlace = try residual.clone()
        let written = try layer(inPlace, inPlace)
        #expect(written.storage === inPlace.storage, "\(name): the result is not the destination")
        #expect(try written.to(.float64).scalars(as: Double.self) == expected.to(.float64).scalars(as: Double.self), "\(name): values differ")
    }

    struct Case {
        let name: String
        let input: [Int], weight: [Int], stride: Int, padding: Int, groups: Int
        var dtype: DType = .float32
        var packed = false
        var winograd = false
    }

    @Test(arguments: [
        Case(name: "1x1, one image (input read in place)", input: [1, 32, 20, 20], weight: [48, 32, 1, 1], stride: 1, padding: 0, groups: 1),
        Case(name: "1x1 packed, one image", input: [1, 32, 20, 20], weight: [48, 32, 1, 1], stride: 1, padding: 0, groups: 1, packed: true),
        Case(name: "3x3 tiles", input: [2, 16, 20, 20], weight: [32, 16, 3, 3], stride: 1, padding: 1, groups: 1, packed: true),
        Case(name: "3x3 tiles, stride 2, groups", input: [2, 16, 40, 40], weight: [32, 8, 3, 3], stride: 2, padding: 1, groups: 2),
        Case(name: "3x3 Winograd", input: [1, 16, 14, 14], weight: [32, 16, 3, 3], stride: 1, padding: 1, groups: 1, packed: true, winograd: true),
        Case(name: "3x3, few positions", input: [1, 64, 7, 7], weight: [64, 64, 3, 3], stride: 1, padding: 1, groups: 1, packed: true),
        Case(name: "3x3, batch folded into one product", input: [4, 16, 7, 7], weight: [32, 16, 3, 3], stride: 1, padding: 1, groups: 1, packed: true),
        Case(name: "3x3, batch folded, stride 2, groups", input: [2, 16, 12, 12], weight: [32, 8, 3, 3], stride: 2, padding: 1, groups: 2),
        Case(name: "1x1, batch folded", input: [3, 16, 6, 6], weight: [24, 16, 1, 1], stride: 1, padding: 0, groups: 1, packed: true),
        Case(name: "depthwise", input: [2, 16, 12, 12], weight: [16, 1, 3, 3], stride: 1, padding: 1, groups: 16),
        Case(name: "float64", input: [2, 8, 9, 9], weight: [12, 8, 3, 3], stride: 1, padding: 1, groups: 1, dtype: .float64),
    ])
    func convolution(_ c: Case) throws {
        let input = try Self.values(c.input, seed: 1, dtype: c.dtype)
        let weight = try Self.values(c.weight, seed: 2, dtype: c.dtype), bias = try Self.values([c.weight[0]], seed: 3, dtype: c.dtype)
        let packed = c.packed ? try PackedConvolutionWeights(weight, groups: c.groups, winograd: c.winograd) : nil
        let spatial = (c.input[2] + 2 * c.padding - c.weight[2]) / c.stride + 1
        let residual = try Self.values([c.input[0], c.weight[0], spatial, spatial], seed: 4, dtype: c.dtype)
        for activation in [FusedEpilogue.Activation.relu, .clamp(low: -0.5, high: 0.5), .silu] {
            try Self.expectSame("\(c.name), \(activation)", residual: residual) { residual, output in
                try input.convolution(
                    weight: weight, bias: bias, stride: [c.stride, c.stride], padding: [c.padding, c.padding], dilation: [1, 1], groups: c.groups,
                    epilogue: FusedEpilogue(residual: residual, activation: activation), packed: packed, into: output)
            }
        }
    }

    /// An unbatched 1-D convolution (run as a batch of one, through views of the same memory), and a residual
    /// that lies in the destination's memory at another offset.
    @Test func unbatchedAndOffsetResiduals() throws {
        let input = try Self.values([8, 30], seed: 9), weight = try Self.values([12, 8, 3], seed: 10), bias = try Self.values([12], seed: 11)
        let residual = try Self.values([12, 30], seed: 12)
        try Self.expectSame("1-D, unbatched", residual: residual) { residual, output in
            try input.convolution(
                weight: weight, bias: bias, stride: [1], padding: [1], dilation: [1], groups: 1,
                epilogue: FusedEpilogue(residual: residual, activation: .relu), into: output)
        }
        // Output rows 6..<18 of a [24, 30] buffer, the residual its rows 0..<12: overlapping, not the same (read in
        // place, residual rows 6... would be read after the output's first rows were written there).
        let buffer = try Self.values([24, 30], seed: 13)
        let (output, shifted) = (try buffer.narrow(dim: 0, start: 6, length: 12), try buffer.narrow(dim: 0, start: 0, length: 12))
        let expected = try input.convolution(
            weight: weight, bias: bias, stride: [1], padding: [1], dilation: [1], groups: 1,
            epilogue: FusedEpilogue(residual: try shifted.clone(), activation: .relu))
        let written = try input.convolution(
            weight: weight, bias: bias, stride: [1], padding: [1], dilation: [1], groups: 1, epilogue: FusedEpilogue(residual: shifted, activation: .relu),
            into: output)
        #expect(try written.scalars(as: Float.self) == expected.scalars(as: Float.self))
    }

    @Test func linear() throws {
        let weight = try Self.values([24, 32], seed: 5), bias = try Self.values([24], seed: 6)
        let packed = try PackedLinearWeight(weight)
        for shape in [[32], [5, 32], [3, 7, 32]] {
            let input = try Self.values(shape, seed: 7)
            let residual = try Self.values(Array(shape.dropLast()) + [24], seed: 8)
            let epilogue = { (residual: Tensor) in FusedEpilogue(residual: residual, activation: .gelu(tanh: false)) }
            try Self.expectSame("packed linear \(shape)", residual: residual) {
                try input.linear(weight: weight, bias: bias, epilogue: epilogue($0), packed: packed, into: $1)
            }
            try Self.expectSame("linear \(shape)", residual: residual) { try input.linear(weight: weight, bias: bias, epilogue: epilogue($0), into: $1) }
            try Self.expectSame("linear without a bias \(shape)", residual: residual) { try input.linear(weight: weight, bias: nil, epilogue: epilogue($0), into: $1) }
            let wide = try input.to(.float64), wideResidual = try residual.to(.float64)
            try Self.expectSame("float64 linear \(shape)", residual: wideResidual) {
                try wide.linear(weight: weight.to(.float64), bias: bias.to(.float64), epilogue: epilogue($0), into: $1)
            }
        }
    }
}
