import FlintTensor
import Testing

/// `reluInPlace` and `addInPlace` (`relu_`, `add_`): the fast path for contiguous float32 tensors and the
/// general route (compute, then ``Tensor/assign(inPlaceResult:)``) give what the out-of-place operators give,
/// and the general route keeps ATen's checks.
@Suite struct InPlaceUpdateTests {
    static func values(_ shape: [Int], seed: UInt64) throws -> Tensor {
        try Tensor(shape: shape, scalars: SeededValues.uniform(shape.reduce(1, *), seed: seed).map { $0 * 4 - 2 })
    }

    /// ReLU keeps NaN and -0 as ATen's does, on the float32 kernel path (contiguous), the element-wise path (a
    /// strided view, float64) and in place.
    @Test func reluKeepsNaNAndNegativeZeroOnEveryPath() throws {
        let pattern: [Float] = [-0.0, .nan, -1, 2, -.infinity, .infinity, 0, -3.5]
        let scalars = (0..<64).flatMap { _ in pattern }
        let contiguous = try Tensor(shape: [scalars.count], scalars: scalars)
        let strided = try Tensor(shape: [scalars.count / 2, 2], scalars: scalars).transpose(0, 1)
        func check(_ result: [Float], _ inputs: [Float], _ path: String) {
            for (y, x) in zip(result, inputs) {
                let want: Float = x < 0 ? 0 : x
                #expect(y.isNaN ? x.isNaN : (y == want && y.sign == want.sign), "\(path): relu(\(x)) gave \(y)")
            }
        }
        check(try contiguous.relu().scalars(as: Float.self), scalars, "contiguous")
        check(try strided.relu().scalars(as: Float.self), try strided.scalars(as: Float.self), "strided")
        check(try contiguous.to(.float64).relu().to(.float32).scalars(as: Float.self), scalars, "float64")
        let inPlace = try contiguous.clone()
        try inPlace.reluInPlace()
        check(try inPlace.scalars(as: Float.self), scalars, "in place")
    }

    /// `abs`, `neg`, `clamp` with number bounds and `leaky_relu` give the same bits on the float32 kernel path
    /// (contiguous) as on the element-wise one (a strided view), NaN, infinities and -0 included; clamp with
    /// bounds out of order keeps ATen's `min(max(x, lo), hi)`.
    @Test func vectorPathsMatchTheElementWisePaths() throws {
        let pattern: [Float] = [-0.0, .nan, -1, 2, -.infinity, .infinity, 0, -3.5, 0.25, 7]
        let scalars = (0..<64).flatMap { _ in pattern }
        let contiguous = try Tensor(shape: [scalars.count], scalars: scalars)
        let strided = try Tensor(shape: [scalars.count / 2, 2], scalars: scalars).transpose(0, 1).contiguous().transpose(0, 1)
        #expect(!strided.isContiguous)
        let operations: [(String, (Tensor) throws -> Tensor)] = [
            ("abs", { try $0.abs() }), ("neg", { try $0.neg() }), ("clamp", { try $0.clamp(min: .double(-1.5), max: .int(3)) }),
            ("clamp_min", { try $0.clamp(min: .int(0), max: nil) }), ("clamp_max", { try $0.clamp(min: nil, max: .double(0.5)) }),
            ("clamp out of order", { try $0.clamp(min: .int(2), max: .int(1)) }), ("leaky_relu", { try $0.leakyRelu(negativeSlope: 0.1) }),
        ]
        for (name, operation) in operations {
            let fast = try operation(contiguous).scalars(as: Float.self)
            let slow = try operation(strided).contiguous().scalars(as: Float.self)
            let input = try strided.contiguous().scalars(as: Float.self)
            // The strided view holds the same values in another order: compare each with its own input's result.
            let expected = Dictionary(zip(input.map(\.bitPattern), slow.map(\.bitPattern)), uniquingKeysWith: { first, _ in first })
            for (x, y) in zip(scalars, fast) {
                #expect(expected[x.bitPattern] == y.bitPattern, "\(name)(\(x)): \(y) on the vector path")
            }
        }
        let outOfOrder = try contiguous.clamp(min: .int(2), max: .int(1)).scalars(as: Float.self)
        #expect(zip(scalars, outOfOrder).allSatisfy { x, y in x.isNaN ? y.isNaN : y == 1 }, "clamp(2, 1) is 1 everywhere but NaN")
    }

    @Test func reluInPlaceMatchesRelu() throws {
        let contiguous = try Self.values([64, 1024], seed: 1)           // fast path, split over the threads
        let want = try contiguous.relu().scalars(as: Float.self)
        try contiguous.reluInPlace()
        #expect(try contiguous.scalars(as: Float.self) == want)
        let base = try Self.values([6, 5], seed: 2)
        let transposed = try base.transpose(0, 1)                       // general path, through the view
        let wantView = try transposed.relu().scalars(as: Float.self)
        try transposed.reluInPlace()
        #expect(try transposed.scalars(as: Float.self) == wantView)
        #expect(try base.scalars(as: Float.self).allSatisfy { $0 >= 0 })
        let integers = try Tensor(shape: [4], scalars: [Int64(-2), 3, -1, 0])
        try integers.reluInPlace()
        #expect(try integers.scalars(as: Int64.self) == [0, 3, 0, 0])
    }

    @Test func addInPlaceMatchesAdd() throws {
        for (alpha, seed) in [(Scalar.int(1), UInt64(3)), (.double(2.5), 4)] {
            let a = try Self.values([64, 1024], seed: seed), b = try Self.values([64, 1024], seed: seed + 10)
            let want = try Tensor.add(.tensor(a), .tensor(b), alpha: alpha).scalars(as: Float.self)
            try a.addInPlace(.tensor(b), alpha: alpha)
            #expect(try a.scalars(as: Float.self) == want, "alpha \(alpha)")
        }
        // Broadcast into self, a scalar, and self plus a view of its own storage.
        let a = try Self.values([3, 4], seed: 5), row = try Self.values([4], seed: 6)
        let want = try a.add(row).scalars(as: Float.self)
        try a.addInPlace(.tensor(row))
        #expect(try a.scalars(as: Float.self) == want)
        let s = try Self.values([5], seed: 7)
        let wantScalar = try s.scalars(as: Float.self).map { $0 + 1.5 }
        try s.addInPlace(.scalar(.double(1.5)))
        #expect(try s.scalars(as: Float.self) == wantScalar)
        let x = try Self.values([8], seed: 8)
        let doubled = try x.scalars(as: Float.self).map { $0 + $0 }
        try x.addInPlace(.tensor(x))
        #expect(try x.scalars(as: Float.self) == doubled)
    }

    @Test func theGeneralRouteKeepsATensChecks() throws {
        let small = try Self.values([4], seed: 9), large = try Self.values([2, 4], seed: 10)
        #expect(throws: TensorError.self) { try small.addInPlace(.tensor(large)) }
        let integers = try Tensor(shape: [2], scalars: [Int64(1), 2])
        #expect(throws: TensorError.self) { try integers.addInPlace(.tensor(Self.values([2], seed: 11))) }
        #expect(!DType.float32.canCast(to: .int64))
        #expect(!DType.int64.canCast(to: .bool))
        #expect(DType.int64.canCast(to: .float32) && DType.bool.canCast(to: .bool))
    }
}
