import FlintTensor
import Testing

/// The kernels behind quantized operators: the integer GEMM (every variant the CPU offers gives the portable C
/// code's results, on sizes that leave partial row blocks, depth groups and column tiles), its fused output
/// transforms, quantization, depthwise convolution and integer max pooling.
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
        let depthwiseWeight = try Tensor(shape: [7, 1, 3, 3], scalars: pseudoRandom(63, seed: 6, range: -1...1))
            .quantizePerChannel(scales: (0..<7).map { 0.006 + Double($0) * 0.0002 }, zeroPoints: Array(repeating: 0, count: 7), axis: 0, dtype: .qint8)
        let depthwise = try input.quantizedConvolution(
            QuantizedConvolutionWeights(weight: depthwiseWeight, bias: nil, stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 7),
            outputScale: 0.04, outputZeroPoint: 70)
        let pooled = try convolved.maxPool(kernel: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], ceilMode: true, withIndices: false).values
        return try [convolved, linear, depthwise, pooled].map { try $0.integerRepresentation.contiguous().scalars(as: UInt8.self) }
    }

    /// A dynamic linear layer's float results (asymmetric weights, bias, fused ReLU), bit for bit.
    static func dynamicProduct() throws -> [Float] {
        let input = try Tensor(shape: [3, 5, 147], scalars: pseudoRandom(3 * 5 * 147, seed: 7, range: -2...3))
        let weight = try Tensor(shape: [45, 147], scalars: pseudoRandom(45 * 147, seed: 8, range: -1...1))
            .quantizePerTensor(scale: 0.008, zeroPoint: -5, dtype: .qint8)
        let bias = try Tensor(shape: [45], scalars: pseudoRandom(45, seed: 9, range: -1...1))
        let result = try input.quantizedLinearDynamic(QuantizedLinearWeights(weight: weight, bias: bias), reduceRange: true, relu: true)
        return try result.contiguous().scalars(as: Float.self)
    }

    @Test func everyVariantMatchesThePortableCode() throws {
        defer { _ = QuantizedMatrix.forceKernelISA(nil) }
        #expect(QuantizedMatrix.forceKernelISA("portable"))
        let portable = try Self.products()
        #expect(portable.allSatisfy { Set($0).count > 10 }, "the products are not degenerate")
        let portableDynamic = try Self.dynamicProduct()
        #expect(portableDynamic.contains { $0 > 0 } && portableDynamic.contains { $0 == 0 }, "the ReLU clamps some results, not all")
        for variant in ["avx512vnni"] where QuantizedMatrix.forceKernelISA(variant) {
            #expect(try Self.products() == portable, "\(variant) differs from the portable code")
            #expect(try Self.dynamicProduct().map(\.bitPattern) == portableDynamic.map(\.bitPattern), "\(variant) differs from the portable code")
        }
    }

    /// The fused GEMM's float results are fbgemm's `ReQuantizeForFloat`: fma(sa·sw, Σ(a - za)(b - zb), bias) (one
    /// rounding, as fbgemm's compiled vector code), computed here from the quantized integers in Swift.
    @Test func dynamicLinearIsTheDequantizedProduct() throws {
        let input = try Tensor(shape: [4, 19], scalars: Self.pseudoRandom(4 * 19, seed: 10, range: -1...2))
        let weight = try Tensor(shape: [21, 19], scalars: Self.pseudoRandom(21 * 19, seed: 11, range: -1...1))
            .quantizePerTensor(scale: 0.01, zeroPoint: 4, dtype: .qint8)
        let bias = try Tensor(shape: [21], scalars: Self.pseudoRandom(21, seed: 12, range: -1...1))
        let got = try input.quantizedLinearDynamic(QuantizedLinearWeights(weight: weight, bias: bias), reduceRange: false).scalars(as: Float.self)
        let values = try input.scalars(as: Float.self)
        let (low, high) = (Swift.min(values.min()!, 0), Swift.max(values.max()!, 0))
        let (scale, zeroPoint) = Quantizer.chooseParameters(minimum: low, maximum: high, qmin: 0, qmax: 255)
        let a = try input.quantizePerTensor(scale: Double(scale), zeroPoint: zeroPoint, dtype: .quint8).integerRepresentation.scalars(as: UInt8.self)
        let b = try weight.integerRepresentation.scalars(as: Int8.self)
        let biasValues = try bias.scalars(as: Float.self)
        for m in 0..<4 {
            for n in 0..<21 {
                var sum: Int32 = 0
                for k in 0..<19 { sum += (Int32(a[m * 19 + k]) - Int32(zeroPoint)) * (Int32(b[n * 19 + k]) - 4) }
                let want = biasValues[n].addingProduct(scale * Float(0.01), Float(sum))
                #expect(got[m * 21 + n] == want, "[\(m), \(n)]")
            }
        }
    }

    /// Quantization in C follows ATen's vectorized rule: x · (1/scale) (NaN and values past the int32 range taken as
    /// 2147483520), rounded half to even, plus the zero point, clamped to the dtype's range.
    @Test func quantizationRoundsAndClampsAsATen() throws {
        let special: [Float] = [0, 0.5, 1.5, 2.5, -0.5, -2.5, 126.5, -1e30, 1e30, .infinity, -.infinity, .nan, 3.499_999_8]
        let values = special + Self.pseudoRandom(61, seed: 13, range: -300...300)
        let input = try Tensor(shape: [values.count], scalars: values)
        for (dtype, range) in [(DType.quint8, 0.0...255.0), (.qint8, -128.0...127.0), (.qint32, -2_147_483_648.0...2_147_483_647.0)] {
            let quantized = try input.quantizePerTensor(scale: 1, zeroPoint: dtype == .quint8 ? 3 : -2, dtype: dtype)
            let got = try quantized.integerRepresentation.to(.int64).scalars(as: Int64.self)
            let zeroPoint: Float = dtype == .quint8 ? 3 : -2
            let (low, high) = (Float(range.lowerBound), Swift.min(Float(range.upperBound), 2_147_483_520))
            for (value, result) in zip(values, got) {
                // In float32, as ATen computes it.
                var scaled = value
                if !(scaled <= 2_147_483_520) { scaled = 2_147_483_520 }
                let want = Swift.min(Swift.max(scaled.rounded(.toNearestOrEven) + zeroPoint, low), high)
                #expect(Float(result) == want, "\(dtype) of \(value)")
            }
        }
    }

    /// Integer max pooling gives what pooling the real values and quantizing them back gives, for both 8-bit types,
    /// channels-first and channels-last inputs, padding, dilation and ceil mode.
    @Test func integerMaxPoolingMatchesRealPooling() throws {
        let values = Self.pseudoRandom(2 * 5 * 9 * 8, seed: 14, range: -3...3)
        let real = try Tensor(shape: [2, 5, 9, 8], scalars: values)
        for dtype in [DType.quint8, .qint8] {
            let quantized = try real.quantizePerTensor(scale: 0.03, zeroPoint: dtype == .quint8 ? 100 : -7, dtype: dtype)
            let channelsLast = try quantized.permute([0, 2, 3, 1]).contiguous().permute([0, 3, 1, 2])
            for (kernel, stride, padding, dilation, ceil) in [([3, 3], [2, 2], [1, 1], [1, 1], true), ([2, 3], [1, 2], [0, 1], [2, 1], false)] {
                for input in [quantized, channelsLast] {
                    let got = try input.maxPool(kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceil, withIndices: false).values
                    let want = try input.dequantize().maxPool(kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceil)
                        .values.quantize(with: quantized.quantizer!, dtype: dtype)
                    #expect(got.shape == want.shape)
                    #expect(try got.integerRepresentation.to(.int64).scalars(as: Int64.self) == want.integerRepresentation.to(.int64).scalars(as: Int64.self))
                }
            }
        }
    }
}
