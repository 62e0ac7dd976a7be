import FlintTensor
import Testing

/// A packed convolution weight that scales its output channels (`scalingOutputChannels`, how the graph layer
/// folds a batch norm into a packed convolution) computes exactly what packing the scaled weight
/// (`scalingLeadingSlices(by:)`) computes, on every path a convolution takes: the GEMM tiles, Winograd,
/// pointwise products, late layers' few positions, thin products that read the weight unpacked, groups and
/// batches.
@Suite struct ScaledPackedWeightTests {
    struct Case: CustomStringConvertible {
        let input: [Int]
        let weight: [Int]
        let stride: Int
        let padding: Int
        let groups: Int
        let winograd: Bool

        var description: String { "input \(input), weight \(weight), stride \(stride), padding \(padding), groups \(groups), winograd \(winograd)" }
    }

    static let cases = [
        Case(input: [1, 8, 20, 20], weight: [16, 8, 3, 3], stride: 1, padding: 1, groups: 1, winograd: true),
        Case(input: [2, 6, 9, 9], weight: [10, 6, 3, 3], stride: 1, padding: 1, groups: 1, winograd: true),
        Case(input: [1, 8, 21, 21], weight: [12, 8, 3, 3], stride: 2, padding: 1, groups: 1, winograd: false),
        Case(input: [1, 24, 14, 14], weight: [40, 24, 1, 1], stride: 1, padding: 0, groups: 1, winograd: false),
        Case(input: [1, 32, 2, 2], weight: [20, 32, 1, 1], stride: 1, padding: 0, groups: 1, winograd: false),
        Case(input: [1, 16, 5, 5], weight: [24, 16, 3, 3], stride: 1, padding: 0, groups: 1, winograd: false),
        Case(input: [2, 8, 12, 12], weight: [12, 4, 3, 3], stride: 1, padding: 1, groups: 2, winograd: false),
        // Thin products that read the weight unpacked: a 3×3 convolution of 2×2 positions, and a 1-D one.
        Case(input: [1, 16, 4, 4], weight: [24, 16, 3, 3], stride: 1, padding: 0, groups: 1, winograd: false),
        Case(input: [1, 8, 30], weight: [12, 8, 3], stride: 1, padding: 1, groups: 1, winograd: false),
        // The Winograd form made in several blocks of output channels, and a batch through the GEMM tiles.
        Case(input: [1, 640, 10, 10], weight: [100, 640, 3, 3], stride: 1, padding: 1, groups: 1, winograd: true),
        Case(input: [3, 12, 11, 11], weight: [20, 12, 3, 3], stride: 2, padding: 1, groups: 1, winograd: false),
    ]

    @Test(arguments: cases)
    func matchesTheScaledWeightPacked(_ c: Case) throws {
        let input = try Tensor(shape: c.input, scalars: SeededValues.uniform(c.input.reduce(1, *), seed: 5))
        let weight = try Tensor(shape: c.weight, scalars: SeededValues.uniform(c.weight.reduce(1, *), seed: 6).map { $0 * 2 })
        let bias = try Tensor(shape: [c.weight[0]], scalars: SeededValues.uniform(c.weight[0], seed: 7))
        let factors = SeededValues.uniform(c.weight[0], seed: 8).map { Double($0) * 1.7 + 0.05 }
        let scaledWeight = try weight.scalingLeadingSlices(by: factors)
        let forms: PackedConvolutionWeights.Forms = c.winograd ? [.gemm, .winograd] : .gemm
        let scaling = try PackedConvolutionWeights(weight, groups: c.groups, offering: forms, preparing: forms, scalingOutputChannels: factors)
        let plain = try PackedConvolutionWeights(scaledWeight, groups: c.groups, offering: forms, preparing: forms)
        let spatial = c.weight.count - 2
        func run(_ weight: Tensor, _ packed: PackedConvolutionWeights) throws -> [Float] {
            try input.convolution(
                weight: weight, bias: bias, stride: Array(repeating: c.stride, count: spatial), padding: Array(repeating: c.padding, count: spatial),
                dilation: Array(repeating: 1, count: spatial), groups: c.groups,
                epilogue: FusedEpilogue(residual: nil, activation: .relu), packed: packed
            ).scalars(as: Float.self)
        }
        let got = try run(weight, scaling), want = try run(scaledWeight, plain)
        #expect(got.count == want.count)
        #expect(zip(got, want).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(c)")
        #expect(try scaling.weight().scalars(as: Float.self) == scaledWeight.scalars(as: Float.self))
        #expect(scaling.scalesOutputChannels && !plain.scalesOutputChannels)
    }

    @Test func refusesFactorsThatDoNotMatch() throws {
        let weight = Tensor.zeros([4, 2, 3, 3])
        #expect(throws: TensorError.self) { try PackedConvolutionWeights(weight, groups: 1, offering: .gemm, preparing: .gemm, scalingOutputChannels: [1, 2]) }
        let packed = try PackedConvolutionWeights(weight, groups: 1, offering: .gemm, preparing: .gemm, scalingOutputChannels: [1, 2, 3, 4])
        let input = Tensor.zeros([1, 2, 5, 5])
        #expect(throws: TensorError.self) {
            try input.convolution(weight: Tensor.zeros([4, 2, 1, 1]), bias: nil, stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1, packed: packed)
        }
    }
}
