import Foundation
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
        #expect(family.cases.count >= 26)
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
}
