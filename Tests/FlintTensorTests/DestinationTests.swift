@testable import FlintTensor
import Testing

/// The `into:` forms an execution plan's writers call (issue #10, "a form that writes into a given buffer"):
/// each writes exactly what the allocating form returns into the destination it is given and returns that
/// destination, and refuses one of the wrong shape, dtype or layout.
@Suite struct DestinationTests {
    static func values(_ shape: [Int], seed: UInt64) throws -> Tensor {
        try Tensor(shape: shape, scalars: SeededValues.uniform(shape.reduce(1, *), seed: seed).map { $0 * 2 - 1 })
    }

    /// A destination of `like`'s shape and dtype filled with a value the operator would never write, so a
    /// skipped element shows.
    static func destination(like tensor: Tensor) throws -> Tensor {
        try Tensor(shape: tensor.shape, scalars: [Float](repeating: .nan, count: tensor.elementCount))
    }

    static func expectWritten(_ make: (Tensor?) throws -> Tensor, _ name: String) throws {
        let expected = try make(nil)
        let output = try destination(like: expected)
        let written = try make(output)
        #expect(written.storage === output.storage, "\(name): the result is not the destination")
        #expect(try output.scalars(as: Float.self) == expected.scalars(as: Float.self), "\(name): written values differ")
    }

    @Test func convolutionWritesWhatItReturns() throws {
        let input = try Self.values([2, 8, 9, 9], seed: 1)
        let weight = try Self.values([16, 8, 3, 3], seed: 2), bias = try Self.values([16], seed: 3)
        let depthwise = try Self.values([8, 1, 3, 3], seed: 4)
        let residual = try Self.values([2, 16, 9, 9], seed: 5)
        for (stride, padding) in [([1, 1], [1, 1]), ([2, 2], [0, 0])] {
            try Self.expectWritten({
                try input.convolution(weight: weight, bias: bias, stride: stride, padding: padding, dilation: [1, 1], groups: 1, into: $0)
            }, "convolution stride \(stride)")
            try Self.expectWritten({
                try input.convolution(weight: depthwise, bias: nil, stride: stride, padding: padding, dilation: [1, 1], groups: 8, into: $0)
            }, "depthwise stride \(stride)")
        }
        let packed = try PackedConvolutionWeights(weight, groups: 1)
        try Self.expectWritten({
            try input.convolution(
                weight: weight, bias: bias, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1,
                epilogue: FusedEpilogue(residual: residual, activation: .relu), packed: packed, into: $0)
        }, "packed convolution with residual and ReLU")
    }

    @Test func linearWritesWhatItReturns() throws {
        let weight = try Self.values([24, 32], seed: 6), bias = try Self.values([24], seed: 7)
        let packed = try PackedLinearWeight(weight)
        for shape in [[32], [5, 32], [3, 7, 32]] {
            let input = try Self.values(shape, seed: 8)
            let residual = try Self.values(Array(shape.dropLast()) + [24], seed: 9)
            try Self.expectWritten({ try input.linear(weight: weight, bias: bias, into: $0) }, "linear \(shape)")
            try Self.expectWritten({
                try input.linear(weight: weight, bias: bias, epilogue: FusedEpilogue(residual: residual, activation: .gelu(tanh: false)), packed: packed, into: $0)
            }, "packed linear \(shape) with residual and GELU")
        }
        // Transposed (non-contiguous) inputs and residuals go through their own rows, packed or not, and give
        // the unpacked product's values.
        let transposed = try Self.values([32, 6], seed: 10).transpose(0, 1)
        try Self.expectWritten({ try transposed.linear(weight: weight, bias: bias, packed: packed, into: $0) }, "packed linear of a transposed input")
        let batchFirst = try Self.values([7, 3, 32], seed: 11).transpose(0, 1)
        let transposedResidual = try Self.values([7, 3, 24], seed: 12).transpose(0, 1)
        let fused = FusedEpilogue(residual: transposedResidual, activation: .relu)
        try Self.expectWritten({ try batchFirst.linear(weight: weight, bias: bias, epilogue: fused, packed: packed, into: $0) }, "packed linear, rank 3 transposed")
        let unpacked = try batchFirst.linear(weight: weight, bias: bias, epilogue: fused).scalars(as: Float.self)
        let viaPacked = try batchFirst.linear(weight: weight, bias: bias, epilogue: fused, packed: packed).scalars(as: Float.self)
        #expect(zip(unpacked, viaPacked).allSatisfy { abs($0 - $1) <= 1e-5 * Swift.max(1, abs($0)) }, "the packed product of a transposed input")
    }

    @Test func normalizationEmbeddingAttentionAndBroadcastsWriteWhatTheyReturn() throws {
        let rows = try Self.values([4, 6, 16], seed: 11)
        let gamma = try Self.values([16], seed: 12), beta = try Self.values([16], seed: 13)
        try Self.expectWritten({ try rows.layerNorm(normalizedShape: [16], weight: gamma, bias: beta, epsilon: 1e-5, into: $0) }, "layer_norm")
        let table = try Self.values([10, 16], seed: 14)
        let indices = try Tensor(shape: [2, 3], scalars: [Int64(3), 0, 9, 9, 1, 4])
        try Self.expectWritten({ try table.embedding(indices, into: $0) }, "embedding")
        let (q, k, v) = (try Self.values([2, 3, 5, 8], seed: 15), try Self.values([2, 3, 7, 8], seed: 16), try Self.values([2, 3, 7, 8], seed: 17))
        try Self.expectWritten({
            try Tensor.scaledDotProductAttention(query: q, key: k, value: v, mask: nil, causal: true, scale: nil, into: $0)
        }, "scaled_dot_product_attention")
        let planes = try Self.values([1, 6, 5, 5], seed: 18), scale = try Self.values([1, 6, 1, 1], seed: 19)
        try Self.expectWritten({ try Tensor.binary(Mul(), .tensor(planes), .tensor(scale), operation: "mul", into: $0) }, "broadcast mul")
        try Self.expectWritten({ try planes.adaptiveAvgPool([1, 1], into: $0) }, "adaptive_avg_pool2d")
    }

    @Test func aDestinationThatCannotHoldTheResultIsRefused() throws {
        let input = try Self.values([3, 8], seed: 20), weight = try Self.values([4, 8], seed: 21)
        #expect(throws: TensorError.self) { try input.linear(weight: weight, bias: nil, into: Tensor(zeros: [3, 5])) }
        #expect(throws: TensorError.self) { try input.linear(weight: weight, bias: nil, into: Tensor(zeros: [3, 4], dtype: .float64)) }
        #expect(throws: TensorError.self) { try input.linear(weight: weight, bias: nil, into: Tensor(zeros: [4, 3]).transpose(0, 1)) }
        let image = try Self.values([1, 2, 4, 4], seed: 22), filters = try Self.values([3, 2, 3, 3], seed: 23)
        #expect(throws: TensorError.self) {
            try image.convolution(weight: filters, bias: nil, stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1, into: Tensor(zeros: [1, 3, 4, 4]))
        }
    }

    /// The block cache keeps free blocks per size class in an array: every class has its own position, in range.
    @Test func blockCacheSizeClassesHaveDistinctPositions() {
        var classAt: [Int: Int] = [:]
        var size = BlockCache.minimumSize
        while size < 1 << 50 {
            let sizeClass = BlockCache.sizeClass(size)
            let index = BlockCache.classIndex(sizeClass)
            #expect(index >= 0 && index < (Int.bitWidth - 1 - 16) * 8, "size \(size)")
            #expect(classAt[index, default: sizeClass] == sizeClass, "sizes \(classAt[index] ?? 0) and \(sizeClass) share position \(index)")
            classAt[index] = sizeClass
            size += Swift.max(1, size / 37)
        }
        #expect(BlockCache.classIndex(BlockCache.sizeClass(1 << 62)) < (Int.bitWidth - 1 - 16) * 8)
    }
}
