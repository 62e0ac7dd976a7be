import FlintNumPy
import FlintTensor
import FlintTestSupport
import Foundation
import Testing

/// The TorchScript language suite (`Tools/fixtures/make_language_fixtures.py` → `Tests/Fixtures/language`):
/// scripted and traced programs with inputs and libtorch's outputs, each run through `flint run` as a user
/// would, with `--inputs` and (where the case lists them) with `--input` specs.
@Suite struct LanguageConformanceTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let archive: String
        let method: String
        let inputs: String
        let expected: String?
        let structure: String?
        let error: String?
        let errorLine: String?
        let specs: [String]?
        /// For archives needing operators Flint lacks: every one must be named in the load error.
        let missingOperators: [String]?
        var description: String { name }
    }

    static let directory = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/language")

    static let cases: [Case] = {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent("manifest.json").path),
            let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        else { return [] }
        return list.map {
            Case(
                name: $0["name"] as! String, archive: $0["archive"] as! String, method: $0["method"] as! String,
                inputs: $0["inputs"] as! String, expected: $0["expected"] as? String, structure: $0["expected_structure"] as? String,
                error: $0["error"] as? String, errorLine: $0["error_python_line"] as? String, specs: $0["specs"] as? [String],
                missingOperators: $0["missing_operators"] as? [String])
        }
    }()

    @Test func suiteIsPresent() {
        #expect(Self.cases.count >= 150)
    }

    /// Each case through the graph path (the default) and through the interpreter alone (`FLINT_GRAPH=0`).
    @Test(arguments: cases, ["1", "0"])
    func matchesLibtorch(_ c: Case, graph: String) throws {
        let path = { (name: String) in Self.directory.appendingPathComponent(name).path }
        var runs: [[String]] = [["--inputs", path(c.inputs)]]
        if let specs = c.specs {
            runs.append(specs.flatMap { spec in ["--input", spec.hasSuffix(".npy") ? path(spec) : spec] })
        }
        for inputArguments in runs {
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("flint-\(c.name)-\(UUID().uuidString).npz").path
            defer { try? FileManager.default.removeItem(atPath: output) }
            let arguments = ["run", path(c.archive), "--method", c.method] + inputArguments + (c.expected == nil ? [] : ["--output", output])
            let result = try FlintProcess.run(arguments, environment: ["FLINT_GRAPH": graph])
            if let error = c.error {
                #expect(result.status == 1, "expected failure, got \(result.status)")
                #expect(result.stderr.contains(error), "stderr lacks '\(error)':\n\(result.stderr)")
                if let line = c.errorLine { #expect(result.stderr.contains(line), "stderr lacks the user's line '\(line)':\n\(result.stderr)") }
                for name in c.missingOperators ?? [] {
                    #expect(result.stderr.contains(name + "(") || result.stderr.contains(name + "."), "the load error does not list \(name):\n\(result.stderr)")
                }
                continue
            }
            try #require(result.status == 0, "flint run failed:\n\(result.stderr)")
            try compare(output: output, expected: path(c.expected!), structure: c.structure.map(path))
        }
    }

    private func compare(output: String, expected: String, structure: String?) throws {
        let got = Dictionary(uniqueKeysWithValues: try NumPyArray.readArchive(path: output).map { ($0.key, $0.value) })
        let want = try NumPyArray.readArchive(path: expected)
        // Class objects have no libtorch-side flattening: Flint writes their attributes under the object's key.
        let objectPaths = structure.map(Self.objectPaths(in:)) ?? []
        for (key, value) in want {
            guard let mine = got[key] else {
                Issue.record("missing output \(key)")
                continue
            }
            switch (value, mine) {
            case (.string(let a), .string(let b)): #expect(a == b, "\(key): '\(b)' != '\(a)'")
            case (.tensor(let a), .tensor(let b)):
                #expect(a.dtype == b.dtype && a.shape == b.shape, "\(key): \(b.dtype)\(b.shape) != \(a.dtype)\(a.shape)")
                guard a.dtype == b.dtype, a.shape == b.shape else { continue }
                #expect(Self.close(a, b), "\(key): values differ:\n\(b)\nexpected\n\(a)")
            default: Issue.record("\(key): kinds differ")
            }
        }
        let extra = Set(got.keys).subtracting(want.map(\.key)).filter { key in !objectPaths.contains { key.hasPrefix($0 + ".") } }
        #expect(extra.isEmpty, "unexpected outputs \(extra.sorted())")
    }

    /// Float results within 1e-5 relative / 1e-6 absolute (NaN equal to NaN); everything else exact.
    static func close(_ a: Tensor, _ b: Tensor) -> Bool {
        // Complex tensors: their real and imaginary parts, each by the floating rule.
        if a.dtype.isComplex || b.dtype.isComplex {
            guard a.dtype == b.dtype, let x = try? a.viewAsReal(), let y = try? b.viewAsReal() else { return false }
            return close(x, y)
        }
        guard let x = try? a.to(.float64).scalars(as: Double.self), let y = try? b.to(.float64).scalars(as: Double.self) else { return false }
        if !a.dtype.isFloatingPoint { return x == y }
        return zip(x, y).allSatisfy { p, q in (p.isNaN && q.isNaN) || p == q || abs(p - q) <= 1e-6 + 1e-5 * abs(p) }
    }

    /// Keys (`out`, `out.0`) at which the expected structure holds a class object.
    static func objectPaths(in file: String) -> [String] {
        guard let data = FileManager.default.contents(atPath: file), let root = try? JSONSerialization.jsonObject(with: data) else { return [] }
        var paths: [String] = []
        func walk(_ node: Any, _ key: String) {
            guard let object = node as? [String: Any], let kind = object["kind"] as? String else { return }
            switch kind {
            case "object": paths.append(key)
            case "tuple", "list":
                for (i, item) in ((object["items"] as? [Any]) ?? []).enumerated() { walk(item, "\(key).\(i)") }
            case "dict":
                let keys = (object["keys"] as? [Any]) ?? []
                for (k, v) in zip(keys, (object["values"] as? [Any]) ?? []) { walk(v, "\(key).\(k)") }
            default: break
            }
        }
        walk(root, "out")
        return paths
    }
}
