@testable import FlintTensor
import Testing

/// The kernels' paths that address their operands through pointers instead of views, so that a plan's
/// steady call allocates nothing (issue #10, "zero heap allocations per inference"): each must compute
/// what the view-based path or a direct float64 computation gives.
@Suite struct AllocationFreePathTests {
    static func values(_ shape: [Int], seed: UInt64) throws -> Tensor {
        try Tensor(shape: shape, scalars: SeededValues.uniform(shape.reduce(1, *), seed: seed).map { $0 * 2 - 1 })
    }

    /// A 2-D convolution computed directly in float64, with the bias, residual and ReLU applied after; with
    /// each output, the sum of the absolute values of its terms (what bounds a float32 sum's rounding error).
    static func referenceConvolution(
        _ input: Tensor, _ weight: Tensor, bias: Tensor?, stride: Int, padding: Int, groups: Int, residual: Tensor?, relu: Bool
    ) throws -> [(value: Double, magnitude: Double)] {
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        let oh = (h + 2 * padding - kh) / stride + 1, ow = (w + 2 * padding - kw) / stride + 1
        let x = try input.scalars(as: Float.self), k = try weight.scalars(as: Float.self)
        let b = try bias?.scalars(as: Float.self), r = try residual?.scalars(as: Float.self)
        let (cpg, opg) = (c / groups, o / groups)
        var out = [(value: Double, magnitude: Double)](repeating: (0, 0), count: n * o * oh * ow)
        for image in 0..<n {
            for oc in 0..<o {
                let g = oc / opg
                for y in 0..<oh {
                    for xo in 0..<ow {
                        var sum = Double(b?[oc] ?? 0)
                        var magnitude = abs(sum)
                        for ic in 0..<cpg {
                            for ky in 0..<kh {
                                for kx in 0..<kw {
                                    let iy = y * stride - padding + ky, ix = xo * stride - padding + kx
                                    guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                    let term = Double(x[((image * c + g * cpg + ic) * h + iy) * w + ix]) * Double(k[((oc * cpg + ic) * kh + ky) * kw + kx])
                                    sum += term
                                    magnitude += abs(term)
                                }
                            }
                        }
                        let at = ((image * o + oc) * oh + y) * ow + xo
                        if let r {
                            sum += Double(r[at])
                            magnitude += abs(Double(r[at]))
                        }
                        out[at] = (relu ? Swift.max(0, sum) : sum, magnitude)
                    }
                }
            }
        }
        return out
    }

    /// Pointwise convolutions (wide and thin products), late layers' few positions (patches gathered into the
    /// packed operand) and squeeze-excite's 1×1 maps over one position, with packed weights, grouped, batched,
    /// with a residual and ReLU, written into a given output: the float64 convolution's values.
    @Test func perImageConvolutionsMatchTheDirectComputation() throws {
        struct Case {
            let input: [Int]
            let weight: [Int]
            let stride: Int
            let padding: Int
            let groups: Int
        }
        let cases = [
            Case(input: [1, 16, 10, 10], weight: [24, 16, 1, 1], stride: 1, padding: 0, groups: 1),  // pointwise, 100 columns
            Case(input: [2, 16, 6, 6], weight: [32, 8, 1, 1], stride: 1, padding: 0, groups: 2),  // pointwise, grouped, batched
            Case(input: [1, 48, 1, 1], weight: [12, 48, 1, 1], stride: 1, padding: 0, groups: 1),  // squeeze-excite: one position
            Case(input: [1, 8, 2, 2], weight: [16, 8, 1, 1], stride: 1, padding: 0, groups: 1),  // thin: four positions
            Case(input: [1, 8, 7, 7], weight: [16, 8, 3, 3], stride: 2, padding: 1, groups: 1),  // few positions: gathered
            Case(input: [1, 8, 5, 5], weight: [8, 4, 3, 3], stride: 1, padding: 1, groups: 2),  // few positions, grouped
            Case(input: [1, 64, 24, 24], weight: [16, 64, 3, 3], stride: 2, padding: 1, groups: 1),  // rows gathered over the threads
            Case(input: [3, 8, 5, 5], weight: [16, 8, 3, 3], stride: 1, padding: 1, groups: 1),  // images folded into one product
            Case(input: [8, 4, 10, 10], weight: [8, 2, 3, 3], stride: 1, padding: 1, groups: 2),  // folded: two products a group
        ]
        for (index, test) in cases.enumerated() {
            let seed = UInt64(10 * index)
            let input = try Self.values(test.input, seed: seed + 1), weight = try Self.values(test.weight, seed: seed + 2)
            let bias = try Self.values([test.weight[0]], seed: seed + 3)
            let packed = try PackedConvolutionWeights(weight, groups: test.groups)
            let plain = try input.convolution(
                weight: weight, bias: bias, stride: [test.stride], padding: [test.padding], dilation: [1], groups: test.groups, packed: packed)
            let residual = try Self.values(plain.shape, seed: seed + 4)
            let output = try Tensor(shape: plain.shape, scalars: [Float](repeating: .nan, count: plain.elementCount))
            let fused = try input.convolution(
                weight: weight, bias: bias, stride: [test.stride], padding: [test.padding], dilation: [1], groups: test.groups,
                epilogue: FusedEpilogue(residual: residual, activation: .relu), packed: packed, into: output)
            #expect(fused.storage === output.storage, "case \(index): not written into the given output")
            let expectedPlain = try Self.referenceConvolution(
                input, weight, bias: bias, stride: test.stride, padding: test.padding, groups: test.groups, residual: nil, relu: false)
            let expectedFused = try Self.referenceConvolution(
                input, weight, bias: bias, stride: test.stride, padding: test.padding, groups: test.groups, residual: residual, relu: true)
            // A float32 sum of K terms is within about K·2⁻²⁴ of their absolute sum (plus a term or two for the
            // bias, residual and the product's own rounding) of the exact value.
            let terms = Double(test.weight[1] * test.weight[2] * test.weight[3] + 2)
            for (got, expected) in [(plain, expectedPlain), (fused, expectedFused)] {
                let values = try got.scalars(as: Float.self)
                for (value, exact) in zip(values, expected) {
                    let bound = terms * 0x1p-24 * exact.magnitude + 1e-7
                    #expect(abs(Double(value) - exact.value) <= bound, "case \(index): \(value) against \(exact.value), beyond \(bound)")
                }
            }
            // The view-based loop (no packed weight, one image) computes the same products.
            if test.input[0] == 1 {
                let unpacked = try input.convolution(
                    weight: weight, bias: bias, stride: [test.stride], padding: [test.padding], dilation: [1], groups: test.groups)
                let worst = zip(try unpacked.scalars(as: Float.self), try plain.scalars(as: Float.self)).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 1e-5, "case \(index): the packed and unpacked paths differ by \(worst)")
            }
        }
    }

    /// A parallel loop body passed as a value: every iteration runs exactly once, each chunk with a thread
    /// index below the pool's thread count, whatever the split.
    @Test func parallelLoopBodiesRunEveryIterationOnce() {
        struct Marks: ParallelLoopBody {
            let counts: UnsafeMutablePointer<Int>
            let threads: UnsafeMutablePointer<Int>
            func run(_ range: Range<Int>, thread: Int) {
                for i in range {
                    counts[i] += 1
                    threads[i] = thread
                }
            }
        }
        let pool = ThreadPool.shared
        for (count, minimum) in [(0, 1), (1, 1), (7, 1), (1000, 16), (1000, 600), (4097, 1)] {
            let counts = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(count, 1))
            let threads = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(count, 1))
            defer { counts.deallocate(); threads.deallocate() }
            counts.initialize(repeating: 0, count: Swift.max(count, 1))
            threads.initialize(repeating: -1, count: Swift.max(count, 1))
            pool.parallelFor(count, minimumPerThread: minimum, Marks(counts: counts, threads: threads))
            for i in 0..<count {
                #expect(counts[i] == 1, "\(count) iterations, minimum \(minimum): iteration \(i) ran \(counts[i]) times")
                #expect((0..<pool.threadCount).contains(threads[i]))
            }
        }
    }

    /// Convolution tiles go round the threads evenly when there are few of them.
    @Test func tileRowsGoRoundTheThreadsEvenly() {
        // 56 rows at most 8 a tile: 7 tiles would split 4 against 3; 8 tiles of 7 rows split evenly.
        #expect(Tensor.evenTileRows(rows: 56, atMost: 8, workItemsPerTile: 1, threads: 2) == 7)
        // 28 rows: 8, 8, 8 and 4 become four tiles of 7.
        #expect(Tensor.evenTileRows(rows: 28, atMost: 8, workItemsPerTile: 1, threads: 2) == 7)
        // A stem of 112 rows, 15 a tile: eight tiles of 14.
        #expect(Tensor.evenTileRows(rows: 112, atMost: 15, workItemsPerTile: 1, threads: 2) == 14)
        // Two images already give an even count; one thread, or many items, keep the limit.
        #expect(Tensor.evenTileRows(rows: 56, atMost: 8, workItemsPerTile: 2, threads: 2) == 8)
        #expect(Tensor.evenTileRows(rows: 56, atMost: 8, workItemsPerTile: 1, threads: 1) == 8)
        #expect(Tensor.evenTileRows(rows: 560, atMost: 8, workItemsPerTile: 1, threads: 2) == 8)
        // Never more rows than the limit.
        for rows in 1...64 {
            for limit in 1...20 {
                #expect(Tensor.evenTileRows(rows: rows, atMost: limit, workItemsPerTile: 1, threads: 2) <= limit)
            }
        }
    }

    @Test func contiguousBroadcastPatterns() throws {
        func pattern(_ shape: [Int], over output: [Int]) throws -> ContiguousBroadcast? {
            ContiguousBroadcast(try Tensor(shape: shape, scalars: [Float](repeating: 1, count: shape.reduce(1, *))), over: output)
        }
        #expect(try pattern([2, 3, 4], over: [2, 3, 4]) == .elementwise)
        #expect(try pattern([3, 4], over: [1, 3, 4]) == .elementwise)
        #expect(try pattern([1, 3, 1, 1], over: [1, 3, 4, 5]) == .perRun(runLength: 20))
        #expect(try pattern([2, 3, 1], over: [2, 3, 4]) == .perRun(runLength: 4))
        #expect(try pattern([1], over: [2, 3]) == .perRun(runLength: 6))
        #expect(try pattern([3, 1], over: [2, 3, 4]) == nil)  // a leading broadcast: the general loop's
        #expect(try pattern([1, 4], over: [3, 4]) == nil)
        #expect(ContiguousBroadcast(try Self.values([4, 3], seed: 1).transpose(0, 1), over: [3, 4]) == nil)
    }

    /// Binary kernels into a given output through the contiguous-runs path: the general loop's values, bit
    /// for bit, for every layout it takes; others fall through to the general loop and still write the output.
    @Test func binaryIntoOutputMatchesTheGeneralLoop() throws {
        let pairs: [([Int], [Int])] = [
            ([2, 3, 4, 5], [1, 3, 1, 1]), ([1, 3, 1, 1], [2, 3, 4, 5]), ([2, 3, 4, 5], [2, 3, 4, 5]), ([3, 4, 5], [1]),
            ([2, 3, 4], [2, 3, 1]), ([4, 5], [3, 4, 5]), ([3, 1], [1, 4]),
        ]
        for (index, (left, right)) in pairs.enumerated() {
            let a = try Self.values(left, seed: UInt64(2 * index + 1)), b = try Self.values(right, seed: UInt64(2 * index + 2))
            for (op, name) in [(0, "mul"), (1, "div")] {
                let expected = op == 0
                    ? try Tensor.binary(Mul(), .tensor(a), .tensor(b), operation: name)
                    : try Tensor.binary(Div(), .tensor(a), .tensor(b), operation: name)
                let output = try Tensor(shape: expected.shape, scalars: [Float](repeating: .nan, count: expected.elementCount))
                let written = op == 0
                    ? try Tensor.binary(Mul(), .tensor(a), .tensor(b), operation: name, into: output)
                    : try Tensor.binary(Div(), .tensor(a), .tensor(b), operation: name, into: output)
                #expect(written.storage === output.storage)
                #expect(try output.scalars(as: Float.self) == expected.scalars(as: Float.self), "\(name) \(left) by \(right)")
            }
        }
    }

    /// Advanced indexing by integer index tensors (the gather that reads its indices in place): libtorch's
    /// results (`x[idx]` in torch 2.15 on `arange(24).reshape(2, 3, 4)`) for adjacent and separated index
    /// tensors that broadcast, `:` entries, negative and int32 indices, a 0-dim index and a transposed source,
    /// into a new tensor and into a given output; an index out of range is ATen's error.
    @Test func indexTensorsGatherLikeLibtorch() throws {
        let x = try Tensor(shape: [2, 3, 4], scalars: (0..<24).map(Float.init))
        func ints(_ shape: [Int], _ values: [Int64]) throws -> Tensor { try Tensor(shape: shape, scalars: values) }
        let cases: [(source: Tensor, indices: [Tensor?], shape: [Int], values: [Float])] = [
            (x, [try ints([2, 1], [0, 1]), try ints([3], [0, 2, -1])], [2, 3, 4],
             [0, 1, 2, 3, 8, 9, 10, 11, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 20, 21, 22, 23]),
            (x, [nil, try ints([2], [2, 0])], [2, 2, 4], [8, 9, 10, 11, 0, 1, 2, 3, 20, 21, 22, 23, 12, 13, 14, 15]),
            (x, [try ints([2], [1, 0]), nil, try ints([2], [3, -4])], [2, 3], [15, 19, 23, 0, 4, 8]),
            (x, [nil, nil, try ints([2, 1], [1, 2]).to(.int32)], [2, 3, 2, 1], [1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22]),
            (x, [try ints([], [1])], [3, 4], [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]),
            (try x.transpose(0, 2), [try ints([2], [3, 0]), nil, try ints([1], [1])], [2, 3], [15, 19, 23, 12, 16, 20]),
        ]
        for (number, test) in cases.enumerated() {
            let made = try test.source.index(test.indices)
            #expect(made.shape == test.shape, "case \(number)")
            #expect(try made.scalars(as: Float.self) == test.values, "case \(number)")
            let output = try Tensor(shape: test.shape, scalars: [Float](repeating: .nan, count: test.values.count))
            let written = try test.source.index(test.indices, into: output)
            #expect(written.storage === output.storage, "case \(number)")
            #expect(try output.scalars(as: Float.self) == test.values, "case \(number) into an output")
        }
        #expect(throws: TensorError.self) { try x.index([try ints([1], [2])]) }
        do {
            _ = try x.index([nil, try ints([2], [0, 3])])
            Issue.record("index 3 of a dimension of size 3 was taken")
        } catch let error as TensorError {
            #expect(error.description.contains("index 3 is out of bounds for dimension 0 with size 3"), "\(error)")
        }
    }

    /// Copies and casts read a broadcast source in place (stride 0): `expand`'s values, and its error for a
    /// source that does not broadcast.
    @Test func copiesBroadcastTheirSourceInPlace() throws {
        let row = try Tensor(shape: [1, 3], scalars: [Float(1), 2, 3])
        let target = try Tensor(shape: [2, 3], scalars: [Int64](repeating: 0, count: 6))
        try target.copy(from: row)
        #expect(try target.scalars(as: Int64.self) == [1, 2, 3, 1, 2, 3])
        let floats = try Tensor(shape: [2, 2, 3], scalars: [Float](repeating: 0, count: 12))
        try floats.transpose(0, 1).copy(from: row)
        #expect(try floats.scalars(as: Float.self) == [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3])
        let mask = try Tensor(shape: [3, 1], scalars: [Float(1), 0, 1]).to(.bool)
        let keep = try Tensor(shape: [1, 4], scalars: [Float(1), 1, 0, 1]).to(.bool)
        let both = try Tensor(shape: [3, 4], scalars: [Float](repeating: 0, count: 12)).to(.bool)
        let written = try Tensor.bitwise(.and, .tensor(mask), .tensor(keep), operation: "bitwise_and", into: both)
        #expect(written.storage === both.storage)
        #expect(try both.to(.float32).scalars(as: Float.self) == [1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 0, 1])
        do {
            try target.copy(from: try Tensor(shape: [4], scalars: [Float(1), 2, 3, 4]))
            Issue.record("a [4] source copied into [2, 3]")
        } catch let error as TensorError {
            #expect(error.description.contains("must match the existing size (4) at non-singleton dimension 1"), "\(error)")
        }
    }

    /// `contiguous()` of permuted, sliced and strided views (the odometer copy): each element where its index says.
    @Test func stridedCopyPutsEveryElementInPlace() throws {
        let base = try Tensor(shape: [2, 3, 4, 5], scalars: (0..<120).map(Float.init))
        let views: [(Tensor, (Int, Int, Int, Int) -> Float)] = [
            (try base.permute([0, 2, 1, 3]), { a, b, c, d in Float(((a * 3 + c) * 4 + b) * 5 + d) }),
            (try base.permute([3, 1, 2, 0]), { a, b, c, d in Float(((d * 3 + b) * 4 + c) * 5 + a) }),
            (try base.slice(dim: 3, start: 1, end: 5, step: 2).permute([0, 1, 3, 2]), { a, b, c, d in Float(((a * 3 + b) * 4 + d) * 5 + 1 + 2 * c) }),
        ]
        for (index, (view, element)) in views.enumerated() {
            let copy = try view.contiguous()
            #expect(copy.isContiguous)
            let values = try copy.scalars(as: Float.self)
            var expected: [Float] = []
            let s = view.shape
            for a in 0..<s[0] { for b in 0..<s[1] { for c in 0..<s[2] { for d in 0..<s[3] { expected.append(element(a, b, c, d)) } } } }
            #expect(values == expected, "view \(index)")
        }
    }

    /// The fused attention with masks that broadcast over batch and heads (read with stride 0): the unfused
    /// composition's values.
    @Test func fusedAttentionBroadcastsItsMask() throws {
        let (b, h, l, s, e) = (2, 3, 5, 7, 4)
        let q = try Self.values([b, h, l, e], seed: 1), k = try Self.values([b, h, s, e], seed: 2), v = try Self.values([b, h, s, e], seed: 3)
        let scale = 1 / Float(e).squareRoot()
        let keep = try Tensor(shape: [b, 1, 1, s], scalars: (0..<(b * s)).map { $0 % 3 != 1 }.map { $0 ? Float(1) : 0 }).to(.bool)
        let additive = try Self.values([l, s], seed: 4)
        for mask in [Tensor.AttentionMask.keep(keep), .add(additive)] {
            let fused = try #require(try Tensor.fusedAttention(query: q, key: k, value: v, scale: scale, mask: mask, causal: false))
            var scores = try Tensor.binary(Mul(), .tensor(q.matmul(k.transpose(-2, -1))), .scalar(.double(Double(scale))), operation: "mul")
            switch mask {
            case .keep(let keep): scores = try scores.maskedFill(keep.logicalNot(), value: .double(-.infinity))
            case .add(let add): scores = try scores.add(add)
            }
            let unfused = try scores.softmax(dim: -1).matmul(v)
            let worst = zip(try fused.scalars(as: Float.self), try unfused.scalars(as: Float.self)).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-6, "fused attention differs by \(worst)")
        }
    }

    @Test func spatialSizesHoldUpToThreeValuesInline() {
        var sizes = SpatialSizes([7, 5])
        #expect(sizes.count == 2 && Array(sizes) == [7, 5] && sizes.product == 35)
        sizes[1] = 3
        #expect(sizes == [7, 3])
        #expect(SpatialSizes(repeating: 2, count: 3) == [2, 2, 2])
        #expect(SpatialSizes([Int]()).product == 1)
    }
}
