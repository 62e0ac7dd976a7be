import FlintTensor
import Testing

/// The function activations (SiLU, sigmoid, hardswish, GELU) fused into a float32 kernel's epilogue give the
/// same bits as the product followed by the separate operator: both run the same vector kernel, the fused one
/// over each finished tile. Every path that writes a fused epilogue is covered: GEMM full and partial tiles,
/// thin products and matrix-vector products (linear), pointwise and patch-gathering convolutions, depthwise
/// (large planes in chunks, small planes), and Winograd.
@Suite struct FusedActivationTests {
    static let activations: [FusedEpilogue.Activation] = [.silu, .sigmoid, .hardswish, .gelu(tanh: false), .gelu(tanh: true)]

    /// Values spread over [-scale, scale) (the products then reach every branch of the functions).
    static func values(_ shape: [Int], seed: UInt64, scale: Float = 6) throws -> Tensor {
        try Tensor(shape: shape, scalars: SeededValues.uniform(shape.reduce(1, *), seed: seed).map { $0 * scale })
    }

    static func separate(_ activation: FusedEpilogue.Activation, _ x: Tensor) throws -> Tensor {
        switch activation {
        case .silu: try x.silu()
        case .sigmoid: try x.sigmoid()
        case .hardswish: try x.hardswish()
        case .gelu(let tanh): try x.gelu(approximate: tanh ? "tanh" : "none")
        default: x
        }
    }

    static func expectSameBits(_ fused: Tensor, _ unfused: Tensor, _ what: String) throws {
        #expect(fused.shape == unfused.shape, "\(what)")
        let a = try fused.scalars(as: Float.self), b = try unfused.scalars(as: Float.self)
        let differing = zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(what): \(differing) of \(a.count) values differ")
    }

    /// `[rows, in] × [out, in]ᵀ`: partial tiles (37 × 70), thin products (3 rows), one row (matrix-vector).
    @Test(arguments: [(37, 50, 70), (3, 64, 40), (1, 64, 300), (16, 0, 9)])
    func linear(_ shape: (Int, Int, Int)) throws {
        let (rows, inFeatures, outFeatures) = shape
        let x = try Self.values([rows, inFeatures], seed: 1)
        let weight = try Self.values([outFeatures, inFeatures], seed: 2)
        let bias = try Self.values([outFeatures], seed: 3)
        for activation in Self.activations {
            let fused = try x.linear(weight: weight, bias: bias, epilogue: FusedEpilogue(activation: activation))
            let unfused = try Self.separate(activation, x.linear(weight: weight, bias: bias))
            try Self.expectSameBits(fused, unfused, "linear \(shape) \(activation)")
        }
    }

    /// (input shape, weight shape, stride, padding, groups): pointwise over a large plane and over a 7×7 one,
    /// a strided 3×3 (patch gathering), a 3×3 with Winograd's shape, depthwise over a plane larger than one
    /// activation chunk and over small planes, and a 1×1 output (squeeze-excite).
    @Test(arguments: [
        ([1, 16, 40, 40], [24, 16, 1, 1], 1, 0, 1),
        ([1, 40, 7, 7], [56, 40, 1, 1], 1, 0, 1),
        ([2, 5, 17, 19], [12, 5, 3, 3], 2, 1, 1),
        ([1, 16, 24, 24], [16, 16, 3, 3], 1, 1, 1),
        ([1, 4, 140, 130], [4, 1, 3, 3], 1, 1, 4),
        ([2, 24, 7, 7], [24, 1, 5, 5], 1, 2, 24),
        ([1, 40, 1, 1], [24, 40, 1, 1], 1, 0, 1),
    ])
    func convolution(_ c: ([Int], [Int], Int, Int, Int)) throws {
        let (inputShape, weightShape, stride, padding, groups) = c
        let x = try Self.values(inputShape, seed: 4)
        let weight = try Self.values(weightShape, seed: 5, scale: 1.2)
        let bias = try Self.values([weightShape[0]], seed: 6)
        // Dense weights packed as a loaded model has them (Winograd's form included).
        let packed = groups == 1 ? try PackedConvolutionWeights(weight, groups: 1, winograd: true) : nil
        func convolve(_ epilogue: FusedEpilogue) throws -> Tensor {
            try x.convolution(
                weight: weight, bias: bias, stride: [stride, stride], padding: [padding, padding], dilation: [1, 1], groups: groups,
                epilogue: epilogue, packed: packed)
        }
        for activation in Self.activations {
            let fused = try convolve(FusedEpilogue(activation: activation))
            let unfused = try Self.separate(activation, convolve(.identity))
            try Self.expectSameBits(fused, unfused, "convolution \(inputShape) \(weightShape) \(activation)")
        }
    }
}
