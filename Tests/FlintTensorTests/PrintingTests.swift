import Foundation
import FlintLoader
import FlintTensor
import FlintTestSupport
import Testing

/// Every tensor in `Tests/Fixtures/printing/tensors.pt` prints exactly as libtorch's C++ `operator<<`
/// printed it (`tensors.expected.txt`, made by Tools/fixtures/make_print_fixtures.py with a C++ program
/// linked against libtorch).
@Suite struct PrintingTests {
    static let directory = Fixtures.archivesDirectory.deletingLastPathComponent().appendingPathComponent("printing")

    static let expected = Fixtures.referenceBlocks(directory.appendingPathComponent("tensors.expected.txt"))

    @Test func referenceIsPresent() {
        #expect(Self.expected.count > 50)
    }

    @Test(arguments: expected.map(\.name))
    func printsLikeLibtorch(_ name: String) throws {
        let model = try ScriptModel(path: Self.directory.appendingPathComponent("tensors.pt").path)
        let tensors = Dictionary(uniqueKeysWithValues: try model.root.stateDict().map { ($0.name, $0.tensor) })
        let want = Self.expected.first { $0.name == name }!.text
        if want.hasPrefix("ERROR") { return }
        let tensor = try #require(tensors[name])
        #expect(tensor.description == want)
    }
}
