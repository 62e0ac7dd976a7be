import FlintNumPy
import FlintTestSupport
import Foundation
import Testing

/// `flint run` / `flint bench` as other tools drive them: exit statuses, output layout, JSON fields.
@Suite struct RunCommandTests {
    static let language = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/language")
    static func path(_ name: String) -> String { language.appendingPathComponent(name).path }

    @Test func printsTheResultWithoutOutputFile() throws {
        let result = try FlintProcess.run(["run", Self.path("model_cnn_traced.pt"), "--inputs", Self.path("model_cnn_traced.inputs.npz")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("tensor([[") && result.stdout.hasSuffix("]])\n"), "\(result.stdout)")
    }

    @Test func usageErrorsExitWithTwo() throws {
        let model = Self.path("model_cnn_traced.pt")
        for arguments in [
            ["run", model, "--input", "int:1", "--inputs", Self.path("model_cnn_traced.inputs.npz")],
            ["run", model, "--input", "what:is-this"],
            ["run", model, "--threads", "0"],
            ["bench", model, "--iters", "0"],
            ["run"],
        ] {
            let result = try FlintProcess.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.status) \(result.stderr)")
        }
    }

    @Test func inputsThatDoNotFitExitWithOne() throws {
        let model = Self.path("model_cnn_traced.pt")
        for arguments in [
            ["run", model],  // missing argument
            ["run", model, "--input", "int:3"],  // an int where a Tensor is declared: refused at the call boundary
            ["run", model, "--input", "json:[1,2]", "--input", "int:1"],  // too many arguments
            ["run", model, "--method", "no_such_method"],
            ["run", Self.path("missing.pt")],
        ] {
            let result = try FlintProcess.run(arguments)
            #expect(result.status == 1, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)")
        }
    }

    @Test func raisingModelShowsTheUsersLine() throws {
        let result = try FlintProcess.run(["run", Self.path("err_raise_value_error.pt"), "--input", "int:-1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("Traceback of TorchScript, original code"))
        #expect(result.stderr.contains("raise ValueError(\"negative value not allowed\")"))
        #expect(result.stderr.contains("builtins.ValueError: negative value not allowed"))
    }

    @Test func outputTreeKeepsTheContract() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("flint-run-\(UUID().uuidString).npz").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try FlintProcess.run([
            "run", Self.path("list_nested.pt"), "--input", "json:[[1,2],[3,4,5]]", "--output", output,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let keys = try NumPyArray.readArchive(path: output).map(\.key)
        #expect(!keys.isEmpty && keys.allSatisfy { $0 == "out" || $0.hasPrefix("out.") })
    }

    @Test func benchReportsItsFigures() throws {
        let result = try FlintProcess.run([
            "bench", Self.path("model_cnn_traced.pt"), "--inputs", Self.path("model_cnn_traced.inputs.npz"),
            "--warmup", "1", "--iters", "3", "--threads", "1", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let last = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let object = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        for field in ["median_ms", "p90_ms", "min_ms", "load_ms", "first_call_ms", "peak_rss_mb", "iters", "threads"] {
            #expect(object[field] != nil, "missing \(field)")
        }
        #expect(object["iters"] as? Int == 3)
        #expect(object["threads"] as? Int == 1)
    }
}

/// `flint inspect MODEL --ops`: what a model needs, before deploying it.
@Suite struct InspectOperatorsTests {
    static func path(_ name: String) -> String { RunCommandTests.path(name) }

    @Test func supportedModelListsItsOperatorsAndExitsZero() throws {
        let result = try FlintProcess.run(["inspect", Self.path("model_cnn_traced.pt"), "--ops"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("0 missing"))
        #expect(result.stdout.contains("supported  aten::_convolution("))
    }

    @Test func missingOperatorsAreListedAndExitOne() throws {
        let result = try FlintProcess.run(["inspect", Self.path("unsup_resize_set_transpose.pt"), "--ops", "--json"])
        #expect(result.status == 1)
        for name in ["aten::resize_", "aten::set_.source_Tensor", "aten::transpose_"] {
            #expect(result.stderr.contains(name + "("), "\(name) not listed")
        }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let operators = try #require(json["operators"] as? [[String: Any]])
        #expect(operators.filter { ($0["supported"] as? Bool) == false }.count == 3)
    }
}
