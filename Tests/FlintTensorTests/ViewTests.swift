import FlintTensor
import Testing

@Suite struct ViewTests {
    func arange(_ shape: [Int]) throws -> Tensor {
        try Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { Float($0) })
    }

    @Test func viewsAliasTheirStorage() throws {
        let base = try arange([3, 4])
        let t = try base.t()
        let s = try base.slice(dim: 1, start: 1, end: nil, step: 2)
        #expect(t.storage === base.storage && s.storage === base.storage)
        #expect(try t.scalars(as: Float.self) == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
        #expect(try s.scalars(as: Float.self) == [1, 3, 5, 7, 9, 11])
        try s.copy(from: Tensor(scalar: Float(-1)))
        #expect(try base.scalars(as: Float.self) == [0, -1, 2, -1, 4, -1, 6, -1, 8, -1, 10, -1])
        #expect(try t.select(dim: 0, index: 1).scalars(as: Float.self) == [-1, -1, -1])
    }

    @Test func viewFollowsATenStrideRules() throws {
        let base = try arange([2, 3, 4])
        #expect(try base.view([6, 4]).strides == [4, 1])
        #expect(try base.view([-1]).shape == [24])
        let transposed = try base.transpose(1, 2)
        #expect(throws: TensorError.self) { try transposed.view([24]) }
        #expect(try transposed.reshape([24]).isContiguous)
        #expect(try transposed.view([2, 4, 3]).strides == [12, 1, 4])
        #expect(throws: TensorError.self) { try base.view([5, -1]) }
    }

    @Test func expandAndSqueeze() throws {
        let column = try arange([3, 1])
        let expanded = try column.expand([2, 3, 4])
        #expect(expanded.strides == [0, 1, 0])
        #expect(try expanded.contiguous().scalars(as: Float.self) == (0..<2).flatMap { _ in (0..<3).flatMap { r in Array(repeating: Float(r), count: 4) } })
        #expect(try column.squeeze().shape == [3])
        #expect(try column.unsqueeze(0).shape == [1, 3, 1])
        #expect(try column.unsqueeze(-1).shape == [3, 1, 1])
    }

    @Test func splitChunkNarrow() throws {
        let base = try arange([7])
        #expect(try base.chunk(3).map(\.shape) == [[3], [3], [1]])
        #expect(try base.split(sizes: [2, 5]).map(\.shape) == [[2], [5]])
        #expect(try base.narrow(dim: 0, start: -3, length: 2).scalars(as: Float.self) == [4, 5])
        #expect(try base.slice(start: -100, end: 100, step: 3).scalars(as: Float.self) == [0, 3, 6])
        #expect(try base.slice(start: 5, end: 2).shape == [0])
    }

    @Test func printsLikeLibtorch() throws {
        let t = try Tensor(shape: [2, 3], scalars: [Float(1.5), -2, 3.25, 0.5, 10, 7])
        #expect(t.description == "  1.5000  -2.0000   3.2500\n  0.5000  10.0000   7.0000\n[ CPUFloatType{2,3} ]")
        #expect(Tensor(scalar: Int64(3)).description == "3\n[ CPULongType{} ]")
    }
}

@Suite struct MatrixProductTests {
    func random(_ shape: [Int], seed: UInt64) throws -> Tensor {
        var state = seed
        let values = (0..<shape.reduce(1, *)).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(state >> 40) - (1 << 23)) / Float(1 << 23)
        }
        return try Tensor(shape: shape, scalars: values)
    }

    @Test func packedLinearMatchesLinear() throws {
        for (batch, inFeatures, outFeatures) in [(1, 768, 300), (5, 37, 19), (64, 128, 256)] {
            let x = try random([batch, inFeatures], seed: 1)
            let w = try random([outFeatures, inFeatures], seed: 2)
            let b = try random([outFeatures], seed: 3)
            let expected = try x.linear(weight: w, bias: b).scalars(as: Float.self)
            let packed = try PackedLinearWeight(w)
            let actual = try x.linear(packed: packed, bias: b).scalars(as: Float.self)
            for (e, a) in zip(expected, actual) { #expect(Swift.abs(e - a) <= 1e-4 * Swift.max(1, Swift.abs(e))) }
        }
    }

    @Test func threadCountDoesNotChangeResults() throws {
        let a = try random([200, 300], seed: 4)
        let b = try random([300, 150], seed: 5)
        // A projection's shape (few output channels by 49 positions, deep): at 2 threads the GEMM splits only
        // its rows and packs B once for both threads.
        let w = try random([192, 1152], seed: 6)
        let x = try random([1152, 49], seed: 7)
        ThreadPool.setThreadCount(1)
        let one = try a.mm(b).scalars(as: Float.self)
        let projectionOne = try w.mm(x).scalars(as: Float.self)
        ThreadPool.setThreadCount(2)
        let two = try a.mm(b).scalars(as: Float.self)
        let projectionTwo = try w.mm(x).scalars(as: Float.self)
        #expect(one == two)
        #expect(projectionOne == projectionTwo)
    }
}
