import Foundation
import FlintTestSupport
import Testing

/// Runs the built `flint` executable as a user would.
struct FlintProcess {
    static var executable: URL { Fixtures.flintExecutable }

    /// Runs `flint` with `arguments`; `environment` adds to (or overrides) this process's variables.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}

@Suite struct InspectCommandTests {
    static let fixtures = (try? Fixtures.all()) ?? []

    @Test(arguments: fixtures.filter { $0.expected.kind != "not-torchscript" }.map(\.model.path))
    func jsonReportsWhatPyTorchReports(_ path: String) throws {
        let expected = Self.fixtures.first { $0.model.path == path }!.expected
        let result = try FlintProcess.run(["inspect", "--json", path])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["version"] as? Int == expected.version)
        #expect(object["methods"] as? [String] == expected.methods)
        let compare = {
            let tensors = try #require(object["tensors"] as? [[String: Any]])
            let want = expected.tensors ?? []
            #expect(tensors.map { $0["name"] as? String ?? "" } == want.map(\.name))
            for (got, entry) in zip(tensors, want) {
                #expect(got["shape"] as? [Int] == entry.shape, "\(entry.name)")
                #expect(got["dtype"] as? String == entry.dtype, "\(entry.name)")
            }
        }
        try compare()
    }

    @Test(arguments: fixtures.filter { $0.expected.kind == "not-torchscript" }.map(\.model.path))
    func notTorchScriptExitsOneWithAOneLineError(_ path: String) throws {
        let expected = Self.fixtures.first { $0.model.path == path }!.expected
        let result = try FlintProcess.run(["inspect", path])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.lowercased().contains(expected.error_contains ?? "?"))
    }

    @Test func textShowsTheModuleTree() throws {
        let path = Fixtures.archivesDirectory.appendingPathComponent("small_cnn_scripted.pt").path
        let result = try FlintProcess.run(["inspect", path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("file format version 3"))
        #expect(result.stdout.contains("(root): __torch__.SmallCNN  methods: forward"))
        #expect(result.stdout.contains("conv: __torch__.torch.nn.modules.conv.Conv2d"))
        #expect(result.stdout.contains("num_batches_tracked"))
    }

    @Test func damagedArchiveExitsOne() throws {
        let source = Fixtures.archivesDirectory.appendingPathComponent("small_cnn_scripted.pt")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("flint-cli-damaged.pt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(contentsOf: source).prefix(3000).write(to: URL(fileURLWithPath: path))
        let result = try FlintProcess.run(["inspect", path])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: "))
    }

    @Test(arguments: [["inspect"], ["frobnicate"], ["inspect", "--bogus", "x.pt"]])
    func usageErrorsExitTwo(_ arguments: [String]) throws {
        let result = try FlintProcess.run(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
    }
}
