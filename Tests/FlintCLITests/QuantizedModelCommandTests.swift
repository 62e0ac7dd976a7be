import FlintTestSupport
import Foundation
import Testing

/// `flint inspect` on quantized TorchScript (issue #13): packed weights are listed with their
/// quantization (dtype, scheme, scale or per-channel scales, zero points, axis), as text and in `--json`.
@Suite struct QuantizedModelCommandTests {
    static let directory = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/quantized")
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    @Test func inspectShowsQuantizedParameters() throws {
        let result = try FlintProcess.run(["inspect", Self.path("static_cnn.pt")])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines[1].contains(" · 8 packed quantized weights ("), "\(lines[1])")
        #expect(lines[1].hasSuffix("operators, all supported"), "\(lines[1])")
        let stem = try #require(lines.first { $0.contains("_packed_params") && $0.contains("[16, 3, 3, 3]") })
        #expect(stem.contains("Conv2dPackedParamsBase weight qint8 [16, 3, 3, 3] per-channel axis 0, scales "), "\(stem)")
        #expect(stem.hasSuffix("zero points 0"), "\(stem)")

        let json = try FlintProcess.run(["inspect", "--json", Self.path("static_per_tensor.pt")])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let weights = try #require(object["quantized_weights"] as? [[String: Any]])
        let fc = try #require(weights.first { $0["name"] as? String == "fc2._packed_params._packed_params" })
        #expect(fc["class"] as? String == "LinearPackedParamsBase")
        #expect(fc["dtype"] as? String == "qint8")
        #expect(fc["shape"] as? [Int] == [10, 20])
        #expect(fc["qscheme"] as? String == "per_tensor_affine")
        #expect((fc["scale"] as? Double ?? 0) > 0)
        #expect(fc["zero_point"] as? Int == 0)
    }
}
