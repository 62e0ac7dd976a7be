import CFlintKernels
import Foundation
import FlintNumPy
import FlintTensor
import FlintTestSupport
import Testing

/// The operators whose float32 arithmetic is libtorch's own (layer_norm, gelu, the flash-attention path of
/// scaled_dot_product_attention), replayed from fixtures recorded with the CPU's own ATen kernels
/// (Tools/fixtures/make_libtorch_arithmetic_fixtures.py). On a CPU of the family the fixtures were made on (MKL's
/// summation order depends on it), with ATen's capability and Flint's kernels AVX-512, every result must be
/// libtorch's bit for bit; elsewhere, within the recorded tolerances.
@Suite struct LibtorchArithmeticTests {
    static let directory = OpFamily.directory.deletingLastPathComponent().appendingPathComponent("libtorch-arithmetic")

    @Test func resultsAreLibtorchs() throws {
        let family = try OpFamily.load("libtorch_arithmetic", from: Self.directory)
        #expect(family.cases.count >= 35)
        let exact = family.cpu == Fixtures.cpuFamily && family.cpuCapability == KernelISA.atenCapability && KernelISA.active == "avx512"
        var failures: [String] = []
        for c in family.cases {
            guard let implementation = OpTable.operations[c.op], let expected = c.expected else {
                failures.append("\(c.id): no implementation or expected value")
                continue
            }
            do {
                let output = try implementation(OpCall(args: c.args, kwargs: c.kwargs))
                let (rtol, atol) = exact ? (0.0, 0.0) : (c.rtol, c.atol)
                if let problem = OpConformanceTests.compare(output, expected, rtol: rtol, atol: atol) { failures.append("\(c.id): \(problem)") }
            } catch {
                failures.append("\(c.id): threw \(error)")
            }
        }
        #expect(failures.isEmpty, "\(exact ? "not bit-identical" : "outside tolerance"):\n\(failures.joined(separator: "\n"))")
    }

    /// attention_threads.json: attention recorded at 1, 2 and 3 libtorch threads, where MKL's order in small blocks
    /// depends on the thread that computes each (the alignment of its buffer).
    struct ThreadedAttention: Decodable {
        struct Case: Decodable {
            let id: String
            let threads: Int
            let causal: Bool
            let q: String
            let k: String
            let v: String
            let out: String
        }
        let cpu: String
        let cpu_capability: String
        let cases: [Case]
    }

    /// The kernel placed as libtorch with the recorded thread count would place each head gives libtorch's result;
    /// placed for another count (2 for a recording at one thread, 1 otherwise), some cases must differ, so the
    /// placement is what makes them equal.
    @Test func attentionFollowsLibtorchsThreads() throws {
        let fixture = try JSONDecoder().decode(
            ThreadedAttention.self, from: Data(contentsOf: Self.directory.appendingPathComponent("attention_threads.json")))
        #expect(fixture.cases.count >= 18)
        var arrays: [String: Tensor] = [:]
        for (key, value) in try NumPyArray.readArchive(path: Self.directory.appendingPathComponent("attention_threads.npz").path) {
            if case .tensor(let t) = value { arrays[key] = try t.contiguous() }
        }
        let exact = fixture.cpu == Fixtures.cpuFamily && fixture.cpu_capability == KernelISA.atenCapability && KernelISA.active == "avx512"
        var failures: [String] = []
        var placementMattered = false
        for c in fixture.cases {
            guard let q = arrays[c.q], let k = arrays[c.k], let v = arrays[c.v], let expected = arrays[c.out] else {
                failures.append("\(c.id): missing arrays")
                continue
            }
            let reference = try expected.scalars(as: Float.self)
            let recorded = try attention(q, k, v, causal: c.causal, threads: c.threads)
            let worst = zip(recorded, reference).map { Swift.abs($0 - $1) / Swift.max(1, Swift.abs($1)) }.max() ?? 0
            if exact ? recorded != reference : worst > 1e-5 { failures.append("\(c.id): largest difference \(worst)") }
            let other = try attention(q, k, v, causal: c.causal, threads: c.threads == 1 ? 2 : 1)
            if other != reference { placementMattered = true }
        }
        #expect(failures.isEmpty, "\(exact ? "not bit-identical" : "outside tolerance"):\n\(failures.joined(separator: "\n"))")
        if exact { #expect(placementMattered, "no case depends on the placement: the fixture no longer tests it") }
    }

    /// flint_flash_attention_f32 over every head of contiguous [B, H, L, E] inputs, placed for `threads` threads.
    private func attention(_ q: Tensor, _ k: Tensor, _ v: Tensor, causal: Bool, threads: Int) throws -> [Float] {
        let (batch, heads, queries, headSize, keys) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3], k.shape[2])
        var out = [Float](repeating: .nan, count: batch * heads * queries * headSize)
        var scratch = [Float](repeating: 0, count: flint_flash_attention_scratch(Int64(queries), Int64(keys), Int64(headSize)))
        let (qp, kp, vp) = (
            q.baseAddress.assumingMemoryBound(to: Float.self), k.baseAddress.assumingMemoryBound(to: Float.self),
            v.baseAddress.assumingMemoryBound(to: Float.self)
        )
        out.withUnsafeMutableBufferPointer { out in
            scratch.withUnsafeMutableBufferPointer { scratch in
                for head in 0..<(batch * heads) {
                    flint_flash_attention_f32(
                        qp + head * queries * headSize, Int64(headSize), kp + head * keys * headSize, Int64(headSize),
                        vp + head * keys * headSize, Int64(headSize), out.baseAddress! + head * queries * headSize, Int64(headSize),
                        Int64(queries), Int64(keys), Int64(headSize), Float(1 / Double(headSize).squareRoot()), nil, causal ? 1 : 0,
                        KernelISA.atenVectorLanes,
                        flint_attention_placement(head_index: Int64(head), head_count: Int64(batch * heads), threads: Int64(threads)),
                        scratch.baseAddress!)
                }
            }
        }
        return out
    }
}
