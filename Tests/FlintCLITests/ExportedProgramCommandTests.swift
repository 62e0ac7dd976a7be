import FlintNumPy
import FlintTensor
import FlintTestSupport
import Foundation
import Testing

/// `flint inspect`, `run` and `bench` on torch.export programs (`.pt2`, issue #13), as on TorchScript
/// archives: same flags, same `.npz` layout, same exit statuses.
@Suite struct ExportedProgramCommandTests {
    static let directory = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/export")
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    static func temporary(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("flint-pt2-\(UUID().uuidString)\(suffix)").path
    }

    @Test func inspectDescribesTheProgram() throws {
        let result = try FlintProcess.run(["inspect", Self.path("cnn_dynamic.pt2")])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix(Self.path("cnn_dynamic.pt2") + ": torch.export program (.pt2), schema version 8.") && lines[0].hasSuffix("TRAINING dialect"), "\(lines[0])")
        #expect(lines[1].hasPrefix("__main__.SmallCNN · 869 parameters") && lines[1].hasSuffix("operators, all supported"), "\(lines[1])")
        #expect(result.stdout.contains("inputs: x: float32[s") && result.stdout.contains(" in [1, 8]"), "\(result.stdout)")
        #expect(result.stdout.contains("forward(self, x: Tensor) -> Dict[str, Any]"))
        #expect(result.stdout.contains("      conv: torch.nn.modules.conv.Conv2d"))
        let json = try FlintProcess.run(["inspect", "--json", Self.path("cnn_dynamic.pt2")])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let export = try #require(object["export"] as? [String: Any])
        #expect(export["dialect"] as? String == "TRAINING")
        #expect((object["tensors"] as? [[String: Any]])?.first?["name"] as? String == "stem.conv.weight")
    }

    @Test func runTakesAndWritesTheSameTreesAsForTorchScript() throws {
        let calls = try NumPyArray.readArchive(path: Self.path("nested_inputs.calls.npz"))
        let inputs = calls.filter { $0.key.hasPrefix("c0.arg") }.map { (key: String($0.key.dropFirst(3)), value: $0.value) }
        let input = Self.temporary(".npz")
        let output = Self.temporary(".npz")
        defer {
            try? FileManager.default.removeItem(atPath: input)
            try? FileManager.default.removeItem(atPath: output)
        }
        try NumPyWriter.writeArchive(path: input, arrays: inputs)
        let result = try FlintProcess.run(["run", Self.path("nested_inputs.pt2"), "--inputs", input, "--output", output])
        #expect(result.status == 0, "\(result.stderr)")
        let written = Dictionary(uniqueKeysWithValues: try NumPyArray.readArchive(path: output).map { ($0.key, $0.value) })
        #expect(Set(written.keys) == ["out.0", "out.1.0", "out.1.1"])
        for (key, value) in calls where key.hasPrefix("c0.out") {
            guard case .tensor(let want) = value, case .tensor(let got)? = written[String(key.dropFirst(3))] else {
                Issue.record("missing \(key)")
                continue
            }
            let worst = zip(try want.scalars(as: Float.self), try got.scalars(as: Float.self)).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-5, "\(key)")
        }
    }

    @Test func inputsOutsideTheExportedRangeExitWithTheReason() throws {
        let x = Self.temporary(".npy")
        defer { try? FileManager.default.removeItem(atPath: x) }
        try NumPyWriter.writeArray(path: x, .tensor(Tensor.ones([9, 3, 10, 10])))
        let result = try FlintProcess.run(["run", Self.path("cnn_dynamic.pt2"), "--input", x])
        #expect(result.status == 1)
        #expect(result.stderr.contains("input 'x' dimension 0 is 9, outside the range the program was exported for"), "\(result.stderr)")
    }

    @Test func benchRunsAProgram() throws {
        let x = Self.temporary(".npy")
        defer { try? FileManager.default.removeItem(atPath: x) }
        try NumPyWriter.writeArray(path: x, .tensor(Tensor.ones([4, 3, 10, 10])))
        let result = try FlintProcess.run(["bench", Self.path("cnn_core_aten.pt2"), "--input", x, "--warmup", "1", "--iters", "3", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").last?.contains("\"median_ms\"") == true)
    }

    @Test func opsListsWhatIsMissing() throws {
        let result = try FlintProcess.run(["inspect", "--ops", Self.path("missing_operator.pt2")])
        #expect(result.status == 1)
        #expect(result.stdout.contains("MISSING    aten::resize_("), "\(result.stdout)")
        #expect(result.stdout.contains("supported  aten::relu(Tensor self) -> Tensor"), "\(result.stdout)")
    }
}
