import Foundation
import FlintLoader
import FlintTensor
import FlintTestSupport
import Testing

/// Every tensor in `Tests/Fixtures/printing/repr.pt` prints exactly as Python's `repr(tensor)` printed it
/// with torch's default print options (`repr.expected.txt`, made by Tools/fixtures/make_repr_fixtures.py):
/// what `flint run` shows, summarised past 1000 elements.
@Suite struct PythonReprTests {
    static let directory = Fixtures.archivesDirectory.deletingLastPathComponent().appendingPathComponent("printing")

    static let expected = Fixtures.referenceBlocks(directory.appendingPathComponent("repr.expected.txt"))

    static let tensors: [String: Tensor] = {
        guard let model = try? ScriptModel(path: directory.appendingPathComponent("repr.pt").path),
            let entries = try? model.root.stateDict()
        else { return [:] }
        return Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.tensor) })
    }()

    @Test func referenceIsPresent() {
        #expect(Self.expected.count > 100)
        #expect(Self.expected.contains { $0.text.contains("...") }, "some cases are summarised")
    }

    @Test(arguments: expected.map(\.name))
    func printsLikePython(_ name: String) throws {
        let tensor = try #require(Self.tensors[name])
        let want = Self.expected.first { $0.name == name }!.text
        #expect(PythonTensorFormat().string(tensor) == want)
    }

    @Test func fullNeverSummarises() throws {
        let tensor = try #require(Self.tensors.values.first { $0.elementCount > 5000 })
        let text = PythonTensorFormat.full.string(tensor)
        #expect(!text.contains("..."))
    }
}
