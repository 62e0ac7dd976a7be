import FlintTensor
import Testing

/// Result shapes computed without computing the result (what a recording run stands placeholders in for)
/// equal the computed results' shapes, and refuse what the computation refuses, with its message.
@Suite struct ResultShapeTests {
    static func values(_ shape: [Int], seed: Int = 1) throws -> Tensor {
        let count = shape.reduce(1, *)
        return try Tensor(shape: shape, scalars: (0..<count).map { Float(($0 * 7 + seed) % 11) - 5 })
    }

    @Test func convolutionShapesMatchTheComputedResults() throws {
        // (input, weight, stride, padding, dilation, groups)
        let cases: [([Int], [Int], [Int], [Int], [Int], Int)] = [
            ([1, 3, 9, 9], [4, 3, 3, 3], [1], [1], [1], 1),
            ([2, 4, 11, 8], [6, 2, 3, 2], [2, 1], [0, 1], [1, 2], 2),
            ([3, 10, 7], [5, 3, 3, 3], [2], [1], [1], 1),  // unbatched 2-D: [C, H, W]
            ([1, 2, 9], [4, 2, 4], [3], [2], [2], 1),  // 1-D
            ([1, 2, 5, 6, 4], [3, 2, 2, 3, 1], [1, 2, 1], [1, 0, 0], [1, 1, 1], 1),  // 3-D
            ([1, 6, 8, 8], [6, 1, 3, 3], [2], [1], [1], 6),  // depthwise
        ]
        for (inputShape, weightShape, stride, padding, dilation, groups) in cases {
            let input = try Self.values(inputShape), weight = try Self.values(weightShape, seed: 3), bias = try Self.values([weightShape[0]], seed: 5)
            let computed = try input.convolution(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
            let shape = try input.convolutionResultShape(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
            #expect(shape == computed.shape, "\(inputShape) * \(weightShape)")
        }
    }

    @Test func convolutionShapesRefuseWhatTheConvolutionRefuses() throws {
        let weight = try Self.values([4, 3, 3, 3])
        let refused: [(Tensor, [Int], Tensor?)] = [
            (try Self.values([1, 5, 8, 8]), [0], nil),  // channels
            (try Self.values([1, 3, 2, 2]), [0], nil),  // kernel larger than the input
            (try Self.values([1, 3, 8, 8]), [-1], nil),  // negative padding
            (try Self.values([1, 3, 8, 8]), [0], try Self.values([3])),  // bias size
            (try Self.values([3, 8]), [0], nil),  // rank
        ]
        for (input, padding, bias) in refused {
            var expected = ""
            do { _ = try input.convolution(weight: weight, bias: bias, stride: [1], padding: padding, dilation: [1], groups: 1) } catch { expected = "\(error)" }
            #expect(!expected.isEmpty, "\(input.shape) should be refused")
            #expect(throws: (any Error).self) {
                try input.convolutionResultShape(weight: weight, bias: bias, stride: [1], padding: padding, dilation: [1], groups: 1)
            }
            do {
                _ = try input.convolutionResultShape(weight: weight, bias: bias, stride: [1], padding: padding, dilation: [1], groups: 1)
            } catch {
                #expect("\(error)" == expected)
            }
        }
    }

    @Test func productShapesMatchTheComputedResults() throws {
        let matmuls: [([Int], [Int])] = [([3, 4], [4, 5]), ([2, 3, 4], [4, 5]), ([2, 1, 3, 4], [5, 4, 2]), ([3, 4], [6, 4, 2])]
        for (a, b) in matmuls {
            let x = try Self.values(a), y = try Self.values(b, seed: 2)
            #expect(x.productResultShape(.matmul, y) == (try x.matmul(y)).shape, "\(a) @ \(b)")
        }
        let a = try Self.values([3, 4]), b = try Self.values([4, 2])
        #expect(a.productResultShape(.mm, b) == (try a.mm(b)).shape)
        let p = try Self.values([2, 3, 4]), q = try Self.values([2, 4, 5])
        #expect(p.productResultShape(.bmm, q) == (try p.bmm(q)).shape)
        let weight = try Self.values([6, 4])
        for input in [try Self.values([4]), try Self.values([5, 4]), try Self.values([2, 3, 4])] {
            #expect(input.productResultShape(.linear, weight) == (try input.linear(weight: weight, bias: nil)).shape)
        }
    }

    @Test func productShapesDeclineWhatTheyCannotPromise() throws {
        let a = try Self.values([3, 4])
        #expect(a.productResultShape(.mm, try Self.values([5, 2])) == nil, "inner sizes differ")
        #expect(a.productResultShape(.matmul, try Self.values([4])) == nil, "a vector operand")
        #expect(try a.to(.float64).productResultShape(.mm, try Self.values([4, 2]).to(.float64)) == nil, "float64")
        #expect(try Self.values([2, 3, 4]).productResultShape(.matmul, try Self.values([3, 4, 5])) == nil, "batch sizes that do not broadcast")
        #expect(a.productResultShape(.linear, try Self.values([6, 3])) == nil, "in-features differ")
    }
}
