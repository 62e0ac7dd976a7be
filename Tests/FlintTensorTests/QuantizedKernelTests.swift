import FlintTensor
import Testing

/// The integer GEMM behind quantized convolutions and linear layers: every variant the CPU offers gives the
/// portable C code's results, on sizes that leave partial row blocks, depth groups and column tiles.
@Suite(.serialized) struct QuantizedKernelTests {
    static func pseudoRandom(_ count: Int, seed: UInt64, range: ClosedRange<Float>) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let unit = Float(state >> 40) / Float(1 << 24)
            return range.lowerBound + unit * (range.upperBound - range.lowerBound)
        }
    }

    static func products() throws -> [[UInt8]] {
        let input = try Tensor(shape: [2, 7, 11, 9], scalars: pseudoRandom(2 * 7 * 11 * 9, seed: 1, range: -3...3))
            .quantizePerTensor(scale: 0.03, zeroPoint: 77, dtype: .quint8)
        let weight = try Tensor(shape: [37, 7, 3, 3], scalars: pseudoRandom(37 * 63, seed: 2, range: -1...1))
            .quantizePerChannel(scales: (0..<37).map { 0.004 + Double($0) * 0.0001 }, zeroPoints: Array(repeating: 0, count: 37), axis: 0, dtype: .qint8)
        let bias = try Tensor(shape: [37], scalars: pseudoRandom(37, seed: 3, range: -1...1))
        let convolution = try QuantizedConvolutionWeights(weight: weight, bias: bias, stride: [2, 1], padding: [1, 1], dilation: [1, 2], groups: 1)
        let convolved = try input.quantizedConvolution(convolution, outputScale: 0.05, outputZeroPoint: 60, relu: true)
        let rows = try Tensor(shape: [13, 147], scalars: pseudoRandom(13 * 147, seed: 4, range: -2...2))
            .quantizePerTensor(scale: 0.02, zeroPoint: 128, dtype: .quint8)
        let linearWeight = try Tensor(shape: [45, 147], scalars: pseudoRandom(45 * 147, seed: 5, range: -1...1))
            .quantizePerTensor(scale: 0.008, zeroPoint: 3, dtype: .qint8)
        let linear = try rows.quantizedLinear(QuantizedLinearWeights(weight: linearWeight, bias: nil), outputScale: 0.1, outputZeroPoint: 10)
        return try [convolved, linear].map { try $0.integerRepresentation.contiguous().scalars(as: UInt8.self) }
    }

    @Test func everyVariantMatchesThePortableCode() throws {
        defer { _ = QuantizedMatrix.forceKernelISA(nil) }
        #expect(QuantizedMatrix.forceKernelISA("portable"))
        let portable = try Self.products()
        #expect(portable.allSatisfy { Set($0).count > 10 }, "the products are not degenerate")
        for variant in ["avx512vnni"] where QuantizedMatrix.forceKernelISA(variant) {
            #expect(try Self.products() == portable, "\(variant) differs from the portable code")
        }
    }
}
