import FlintNumPy
import FlintTensor
import FlintTestSupport
import Foundation
import Testing

/// The command line as a new user meets it (issue #14): `inspect` shows how to call a model, `run` prints
/// like PyTorch and names the fix for every input mistake, `--version`, progress on a terminal.
@Suite struct CommandLineExperienceTests {
    static let cli = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/cli")
    static func path(_ name: String) -> String { cli.appendingPathComponent(name).path }
    static func temporary(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("flint-cli-\(UUID().uuidString)\(suffix)").path
    }

    /// Writes `tensor` as an `.npy` and returns its path.
    static func npy(_ tensor: Tensor) throws -> String {
        let path = temporary(".npy")
        try NumPyWriter.writeArray(path: path, .tensor(tensor))
        return path
    }

    // MARK: inspect

    @Test func inspectLeadsWithSummaryAndSignatures() throws {
        let result = try FlintProcess.run(["inspect", Self.path("signature.pt")])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0].contains("TorchScript archive, file format version"))
        #expect(lines[1].contains("parameters") && lines[1].contains("operators"), "summary line: \(lines[1])")
        #expect(result.stdout.contains(
            "forward(self, x: Tensor, n: int = 2, scale: float = 0.5, mode: str = \"sum\") -> Tuple[Tensor, Tensor]"))
        #expect(result.stdout.contains("describe(self, name: str) -> str"))
        // The ready-made command runs as printed once its placeholder input exists.
        let command = try #require(lines.first { $0.hasPrefix("  flint run ") })
        #expect(command.hasSuffix("--input x.npy"), "\(command)")
        let x = try Self.npy(Tensor.ones([2, 3]))
        defer { try? FileManager.default.removeItem(atPath: x) }
        let run = try FlintProcess.run(["run", Self.path("signature.pt"), "--input", x])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "(tensor(3.), tensor([[1., 1., 1.],\n        [1., 1., 1.]]))\n")
    }

    @Test func inspectJSONDescribesSignatures() throws {
        let result = try FlintProcess.run(["inspect", "--json", Self.path("signature.pt")])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let signatures = try #require(object["signatures"] as? [[String: Any]])
        #expect(signatures.map { $0["name"] as? String } == ["forward", "describe"])
        let forward = signatures[0]
        #expect(forward["returns"] as? String == "Tuple[Tensor, Tensor]")
        let arguments = try #require(forward["arguments"] as? [[String: Any]])
        #expect(arguments.map { $0["name"] as? String } == ["x", "n", "scale", "mode"])
        #expect(arguments.map { $0["type"] as? String } == ["Tensor", "int", "float", "str"])
        #expect(arguments[0]["default"] is NSNull)
        #expect(arguments[1]["default"] as? String == "2")
        #expect(arguments[3]["default"] as? String == "\"sum\"")
        #expect(object["operator_count"] as? Int ?? 0 > 0)
        #expect(object["missing_operator_count"] as? Int == 0)
        #expect(object["parameter_elements"] as? Int == 0)
        for field in ["file", "version", "type", "methods", "tensors", "modules", "weights_bytes", "tensor_elements", "extra_files"] {
            #expect(object[field] != nil, "stable field \(field)")
        }
    }

    @Test func opsPrintsOnlyTheOperatorTable() throws {
        let result = try FlintProcess.run(["inspect", "--ops", Self.path("classifier.pt")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("operators ("))
        #expect(!result.stdout.contains("modules:") && !result.stdout.contains("methods:"))
        #expect(result.stdout.contains("aten::linear"))
    }

    @Test func foreignFilesAreNamed() throws {
        let onnx = try FlintProcess.run(["inspect", Self.path("tiny.onnx")])
        #expect(onnx.status == 1)
        #expect(onnx.stderr.contains("this is an ONNX model"), "\(onnx.stderr)")
        // torch.export programs are read too (issue #13), and said to be what they are.
        let exported = try FlintProcess.run(["inspect", Self.path("tiny.pt2")])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout.hasPrefix(Self.path("tiny.pt2") + ": torch.export program (.pt2)"), "\(exported.stdout)")
    }

    // MARK: run: printing

    @Test func largeResultsAreSummarisedAsPyTorchDoes() throws {
        let x = try Self.npy(try Tensor.arange(start: .int(1000), end: .int(5000), dtype: .float32).reshape([40, 100]))
        defer { try? FileManager.default.removeItem(atPath: x) }
        let summarised = try FlintProcess.run(["run", Self.path("identity.pt"), "--input", x])
        #expect(summarised.status == 0, "\(summarised.stderr)")
        // What Python prints for torch.arange(1000, 5000.).reshape(40, 100).
        #expect(summarised.stdout == """
            tensor([[1000., 1001., 1002.,  ..., 1097., 1098., 1099.],
                    [1100., 1101., 1102.,  ..., 1197., 1198., 1199.],
                    [1200., 1201., 1202.,  ..., 1297., 1298., 1299.],
                    ...,
                    [4700., 4701., 4702.,  ..., 4797., 4798., 4799.],
                    [4800., 4801., 4802.,  ..., 4897., 4898., 4899.],
                    [4900., 4901., 4902.,  ..., 4997., 4998., 4999.]])

            """)
        let full = try FlintProcess.run(["run", Self.path("identity.pt"), "--input", x, "--full"])
        #expect(full.status == 0)
        #expect(!full.stdout.contains("..."))
        #expect(full.stdout.contains("3456.") && full.stdout.split(separator: "\n").count > 40)
    }

    @Test func topKPrintsClassesWithProbabilities() throws {
        let result = try FlintProcess.run([
            "run", Self.path("classifier.pt"), "--inputs", Self.path("classifier.inputs.npz"), "--topk", "3",
            "--labels", Self.path("classifier.labels.txt"),
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").filter { $0.first == " " }
        #expect(rows.count == 6, "two inputs, three classes each: \(result.stdout)")
        #expect(result.stdout.contains("row 1:"))
        let probabilities = rows.compactMap { Double($0.split(separator: " ")[2]) }
        #expect(probabilities.count == 6 && zip(probabilities, probabilities.dropFirst()).prefix(2).allSatisfy { $0 >= $1 })
        let labels = ["tench", "goldfish", "great white shark", "tiger shark", "hammerhead", "electric ray", "stingray", "cock", "hen", "ostrich"]
        #expect(rows.allSatisfy { row in labels.contains { row.hasSuffix($0) } })
    }

    // MARK: run: --output

    @Test func outputSaysWhatItWroteAndHonoursTheExtension() throws {
        let npz = Self.temporary(".npz")
        let npy = Self.temporary(".npy")
        defer {
            try? FileManager.default.removeItem(atPath: npz)
            try? FileManager.default.removeItem(atPath: npy)
        }
        let inputs = ["--inputs", Self.path("classifier.inputs.npz")]
        let archive = try FlintProcess.run(["run", Self.path("classifier.pt")] + inputs + ["--output", npz])
        #expect(archive.status == 0, "\(archive.stderr)")
        #expect(archive.stdout == "wrote \(npz): out float32 [2, 10]\n")
        let single = try FlintProcess.run(["run", Self.path("classifier.pt")] + inputs + ["--output", npy])
        #expect(single.status == 0, "\(single.stderr)")
        #expect(single.stdout == "wrote \(npy): float32 [2, 10]\n")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: npy)))
        guard case .tensor(let tensor) = try NumPyArray.decode(bytes, name: npy) else { Issue.record("not a tensor"); return }
        #expect(tensor.shape == [2, 10])

        let other = try FlintProcess.run(["run", Self.path("classifier.pt")] + inputs + ["--output", Self.temporary(".txt")])
        #expect(other.status == 2)
        #expect(other.stderr.contains("--output must name an .npz file"))
        let x = try Self.npy(Tensor.ones([2]))
        defer { try? FileManager.default.removeItem(atPath: x) }
        let tuple = try FlintProcess.run(["run", Self.path("signature.pt"), "--input", x, "--output", npy])
        #expect(tuple.status == 2, "\(tuple.stderr)")
        #expect(tuple.stderr.contains("returns Tuple[Tensor, Tensor]: write it to an .npz"))
    }

    // MARK: run: input mistakes

    @Test func inputMistakesNameTheFix() throws {
        let model = Self.path("classifier.pt")
        let npz = try FlintProcess.run(["run", model, "--input", Self.path("classifier.inputs.npz")])
        #expect(npz.status == 2)
        #expect(npz.stderr.contains("use --inputs"), "\(npz.stderr)")
        let x = try Self.npy(Tensor.ones([2, 8]))
        defer { try? FileManager.default.removeItem(atPath: x) }
        let npy = try FlintProcess.run(["run", model, "--inputs", x])
        #expect(npy.status == 2)
        #expect(npy.stderr.contains("use --input \(x)"), "\(npy.stderr)")
        for spec in ["foo:bar", "int:abc", "float:x", "bool:maybe", "json:[1,"] {
            for command in ["run", "bench"] {
                let result = try FlintProcess.run([command, Self.path("signature.pt"), "--input", x, "--input", spec])
                #expect(result.status == 2, "\(command) \(spec): \(result.status) \(result.stderr)")
                #expect(result.stderr.contains("Usage: flint \(command) <model>"), "\(command) \(spec): \(result.stderr)")
            }
        }
    }

    @Test func missingArgumentListsTheKeysPresentAndArr0IsAccepted() throws {
        let keyed = Self.temporary(".npz")
        let unnamed = Self.temporary(".npz")
        defer {
            try? FileManager.default.removeItem(atPath: keyed)
            try? FileManager.default.removeItem(atPath: unnamed)
        }
        try NumPyWriter.writeArchive(path: keyed, arrays: [("x", .tensor(Tensor.ones([2, 8]))), ("y", .tensor(Tensor.ones([1])))])
        let missing = try FlintProcess.run(["run", Self.path("classifier.pt"), "--inputs", keyed])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("missing input 'arg0'") && missing.stderr.contains("keys: x, y"), "\(missing.stderr)")
        try NumPyWriter.writeArchive(path: unnamed, arrays: [("arr_0", .tensor(Tensor.ones([2, 8])))])
        let accepted = try FlintProcess.run(["run", Self.path("classifier.pt"), "--inputs", unnamed])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stderr.contains("note:") && accepted.stderr.contains("arr_0") && accepted.stderr.contains("arg0"))
    }

    @Test func wronglyTypedArgumentsAreRefusedWithLibtorchsMessage() throws {
        let x = try Self.npy(Tensor.ones([2]))
        defer { try? FileManager.default.removeItem(atPath: x) }
        let result = try FlintProcess.run(["run", Self.path("signature.pt"), "--input", x, "--input", "float:2.5"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("Expected a value of type 'int' for argument 'n' but instead found type 'float'."), "\(result.stderr)")
        let asString = try FlintProcess.run(["run", Self.path("signature.pt"), "--input", x, "--input", "str:two"])
        #expect(asString.stderr.contains("Expected a value of type 'int' for argument 'n' but instead found type 'str'."), "\(asString.stderr)")
    }

    @Test func tooManyThreadsWarns() throws {
        let result = try FlintProcess.run(["run", Self.path("classifier.pt"), "--inputs", Self.path("classifier.inputs.npz"), "--threads", "1000"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("warning: --threads 1000 is more than the"))
    }

    // MARK: --version, progress, completions

    @Test func versionNamesWhatFlintReadsAndTheKernels() throws {
        let result = try FlintProcess.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("flint "))
        #expect(result.stdout.contains("operator schemas: torch 2.15"))
        #expect(result.stdout.contains("file format versions up to 10"))
        #expect(["avx512", "avx2", "neon", "scalar"].contains { result.stdout.contains("kernels: \($0)") }, "\(result.stdout)")
    }

    /// Long work shows a status line on a terminal, and nothing otherwise or with --quiet.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func progressOnlyOnATerminal() throws {
        let arguments = ["bench", Self.path("classifier.pt"), "--inputs", Self.path("classifier.inputs.npz"), "--warmup", "0", "--iters", "200000", "--threads", "1"]
        let piped = try FlintProcess.run(arguments)
        #expect(piped.status == 0)
        #expect(piped.stderr.isEmpty, "\(piped.stderr)")
        let command = ([FlintProcess.executable.path] + arguments).joined(separator: " ")
        let terminal = try Self.runInTerminal(command)
        #expect(terminal.contains("iteration ") && terminal.contains("median"), "\(terminal.suffix(300))")
        let quiet = try Self.runInTerminal(command + " --quiet")
        #expect(!quiet.contains("iteration "), "\(quiet.suffix(300))")
    }

    /// Runs `command` under `script`, which gives it a pseudo-terminal; returns what the terminal showed.
    static func runInTerminal(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func shellCompletionsAreGenerated() throws {
        for shell in ["bash", "zsh", "fish"] {
            let result = try FlintProcess.run(["--generate-completion-script", shell])
            #expect(result.status == 0)
            #expect(result.stdout.contains("inspect") && result.stdout.contains("--topk"), "\(shell)")
        }
    }

    /// The committed manual page lists every option the binary takes (regenerate it with
    /// Tools/release/make-manual.sh when this fails).
    @Test func manualPageIsCurrent() throws {
        let page = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("docs/man/flint.1"), encoding: .utf8)
        for command in ["inspect", "run", "bench", "serve"] {
            let help = try FlintProcess.run([command, "--help"])
            let options = help.stdout.split(separator: "\n").compactMap { line -> String? in
                let trimmed = line.drop { $0 == " " }
                guard trimmed.hasPrefix("--") else { return nil }
                return String(trimmed.prefix { $0 != " " && $0 != "," })
            }
            #expect(!options.isEmpty)
            for option in options where option != "--help" && option != "--version" {
                // mdoc writes `--topk` as `Fl -topk`.
                #expect(page.contains("Fl " + option.dropFirst()), "\(command) \(option) missing from docs/man/flint.1")
            }
        }
    }
}
