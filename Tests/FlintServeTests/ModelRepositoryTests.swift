@testable import FlintServe
import FlintTestSupport
import Foundation
import Testing

/// Which file of a version directory is served: `model.pt`, else `model.pt2` (a torch.export program), or the
/// config's `default_model_filename`.
@Suite struct ModelRepositoryTests {
    static let export = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/export/nested_inputs.pt2").path

    @Test func versionDirectoriesMayHoldATorchExportProgram() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("flint-repository-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let manager = FileManager.default
        for (model, version, file) in [("both", 1, "model.pt"), ("both", 2, "model.pt2"), ("exported", 1, "model.pt2"), ("named", 3, "program.pt2")] {
            let directory = root.appendingPathComponent("\(model)/\(version)")
            try manager.createDirectory(at: directory, withIntermediateDirectories: true)
            try manager.copyItem(atPath: Self.export, toPath: directory.appendingPathComponent(file).path)
        }
        try "name: \"named\"\nplatform: \"pytorch_libtorch\"\ndefault_model_filename: \"program.pt2\"\n"
            .write(to: root.appendingPathComponent("named/config.pbtxt"), atomically: true, encoding: .utf8)
        let models = Dictionary(uniqueKeysWithValues: try ModelRepository.scan(root.path).map { ($0.name, $0) })
        #expect(models["both"]?.versions.map(\.number) == [2])
        #expect(models["both"]?.versions.first?.archive.hasSuffix("/both/2/model.pt2") == true)
        #expect(models["exported"]?.versions.first?.archive.hasSuffix("/exported/1/model.pt2") == true)
        #expect(models["named"]?.versions.first?.archive.hasSuffix("/named/3/program.pt2") == true)
    }
}
