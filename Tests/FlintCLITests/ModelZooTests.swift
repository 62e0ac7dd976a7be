import FlintNumPy
import FlintTensor
import FlintTestSupport
import Foundation
import Testing

/// The committed part of the model zoo (`Tools/fixtures/make_model_zoo.py --small` → `Tests/Fixtures/models`):
/// sequence models, transformers (fused fast paths included), Hugging Face traces, recommendation models
/// and half/bfloat16/double models, each run through `flint run` and compared with libtorch's outputs:
/// floats within rtol 1e-3 and atol 1e-4 × max(1, max|expected|) (or the entry's own tolerance), integers
/// and booleans exactly, shapes and dtypes exactly. The whole zoo: `python3 Tools/fixtures/check_model_zoo.py`.
@Suite struct ModelZooTests {
    struct Entry: Sendable, CustomStringConvertible {
        let name: String, archive: String, inputs: String, expected: String, compare: String
        let rtol: Double, atolScale: Double
        var description: String { name }
    }

    static let directory = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/models")

    static let entries: [Entry] = {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent("MANIFEST.json").path),
            let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        else { return [] }
        return list.map {
            Entry(
                name: $0["name"] as! String, archive: $0["archive"] as! String, inputs: $0["inputs"] as! String,
                expected: $0["expected"] as! String, compare: $0["compare"] as! String,
                rtol: $0["rtol"] as? Double ?? 1e-3, atolScale: $0["atol_scale"] as? Double ?? 1e-4)
        }
    }()

    @Test func zooIsPresent() {
        #expect(Self.entries.count >= 40)
    }

    /// Each model through the graph path (the default, `FLINT_GRAPH=1`: recorded, optimised, and the answer taken
    /// from the plan) and through the interpreter alone (`FLINT_GRAPH=0`).
    @Test(arguments: entries, ["1", "0"])
    func matchesLibtorch(_ entry: Entry, graph: String) throws {
        let path = { (name: String) in Self.directory.appendingPathComponent(name).path }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("flint-zoo-\(entry.name)-\(UUID().uuidString).npz").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try FlintProcess.run(["run", path(entry.archive), "--inputs", path(entry.inputs), "--output", output], environment: ["FLINT_GRAPH": graph])
        try #require(result.status == 0, "flint run failed:\n\(result.stderr)")
        let got = Dictionary(uniqueKeysWithValues: try NumPyArray.readArchive(path: output).map { ($0.key, $0.value) })
        let want = try NumPyArray.readArchive(path: path(entry.expected))
        #expect(Set(got.keys) == Set(want.map(\.key)), "output keys differ")
        for (key, value) in want {
            guard case .tensor(let expected) = value, case .tensor(let actual)? = got[key] else {
                if case .string(let a) = value, case .string(let b)? = got[key] { #expect(a == b, "\(key)") }
                continue
            }
            #expect(actual.dtype == expected.dtype && actual.shape == expected.shape, "\(key): \(actual.dtype)\(actual.shape) != \(expected.dtype)\(expected.shape)")
            guard actual.dtype == expected.dtype, actual.shape == expected.shape else { continue }
            let x = try expected.to(.float64).scalars(as: Double.self)
            let y = try actual.to(.float64).scalars(as: Double.self)
            if !expected.dtype.isFloatingPoint || entry.compare == "exact" {
                #expect(x == y, "\(key): values differ")
                continue
            }
            let atol = entry.atolScale * Swift.max(1, x.map(abs).max() ?? 0)
            let worst = zip(x, y).map { p, q in p.isNaN && q.isNaN ? 0 : abs(p - q) - (atol + entry.rtol * abs(p)) }.max() ?? 0
            #expect(worst <= 0, "\(key): exceeds the tolerance by \(worst)")
        }
    }
}
