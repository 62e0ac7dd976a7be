import FlintTensor
import Testing

/// Every operator of the conformance table, called with random small tensors (0-dim, empty, size-1,
/// transposed, expanded), random ints (negative, out of range) and scalars: each call must return or
/// throw, never crash.
@Suite struct NoCrashTests {
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 29
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    }

    static let dtypes: [DType] = [.float32, .float64, .int64, .int32, .uint8, .bool, .float16, .bfloat16, .int8]

    func randomTensor(_ g: inout Generator) throws -> Tensor {
        let rank = g.int(0...3)
        let shape = (0..<rank).map { _ in g.int(0...3) }
        let dtype = Self.dtypes[g.int(0...(Self.dtypes.count - 1))]
        let count = shape.reduce(1, *)
        let values = (0..<count).map { _ in Double(g.int(-4...4)) / Double(g.int(1...3)) }
        var t = try Tensor(shape: shape, scalars: values).to(dtype)
        switch g.int(0...3) {
        case 0 where rank >= 2: t = try t.transpose(0, 1)
        case 1 where rank >= 1 && shape[0] == 1: t = try t.expand([3] + shape.dropFirst())
        default: break
        }
        return t
    }

    func randomArgument(_ g: inout Generator) throws -> OpArgument {
        switch g.int(0...9) {
        case 0...3:
            let t = try randomTensor(&g)
            return .tensor(t, base: t)
        case 4: return .int(Int64(g.int(-3...3)))
        case 5: return .double([0.5, -1.5, .nan, .infinity, 0][g.int(0...4)])
        case 6: return .bool(g.int(0...1) == 1)
        case 7: return .ints((0..<g.int(0...3)).map { _ in g.int(-2...3) })
        case 8: return .tensors(try (0..<g.int(1...3)).map { _ in try randomTensor(&g) })
        default: return .none
        }
    }

    @Test(arguments: [2026, 7, 12345] as [UInt64])
    func randomCallsNeverCrash(seed: UInt64) throws {
        var g = Generator(state: seed)
        var calls = 0
        for name in OpTable.operations.keys.sorted() {
            let implementation = OpTable.operations[name]!
            for _ in 0..<200 {
                let args = try (0..<g.int(1...5)).map { _ in try randomArgument(&g) }
                _ = try? implementation(OpCall(args: args, kwargs: [:]))
                calls += 1
            }
        }
        #expect(calls > 10_000)
    }
}
