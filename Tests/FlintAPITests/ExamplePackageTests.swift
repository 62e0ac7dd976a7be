import FlintTestSupport
import Foundation
import Testing

/// Builds `Examples/example-app` (a separate package that depends on Flint by path, as an application
/// does) and checks that its output equals what libtorch's C++ tutorial program printed for the same
/// archives (`Tools/fixtures/make_api_fixtures.py`).
@Suite(.serialized) struct ExamplePackageTests {
    static let root = Fixtures.packageRoot
    static let fixtures = root.appendingPathComponent("Tests/Fixtures/api")

    private func run(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Builds an example package in a scratch folder and returns its executable's path.
    private func build(_ name: String) throws -> String {
        let package = Self.root.appendingPathComponent("Examples/\(name)")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("flint-\(name)-build")
        let build = try run("swift", ["build", "--package-path", package.path, "--scratch-path", scratch.path])
        try #require(build.status == 0, "the example package \(name) does not build:\n\(build.output)")
        let binary = try run("swift", ["build", "--package-path", package.path, "--scratch-path", scratch.path, "--show-bin-path"])
        return binary.output.split(separator: "\n").last.map(String.init)! + "/\(name)"
    }

    /// The image-classification example gives the top-5 that torchvision's own preprocessing and libtorch
    /// give for the same image and classifier (`Examples/image-classification/make_reference.py`).
    @Test func imageClassificationMatchesTorchvision() throws {
        let executable = try build("image-classification")
        let directory = Self.root.appendingPathComponent("Examples/image-classification")
        let result = try run(executable, [Self.fixtures.appendingPathComponent("tiny_classifier.pt").path, "sample.ppm"], in: directory)
        #expect(result.status == 0, "\(result.output)")
        let expected = try String(contentsOf: Self.fixtures.appendingPathComponent("tiny_classifier.expected.txt"), encoding: .utf8)
        #expect(result.output == expected)
        let bad = try run(executable, [Self.fixtures.appendingPathComponent("tiny_classifier.pt").path, "Package.swift"], in: directory)
        #expect(bad.status == 1 && bad.output.contains("not a binary PPM"))
    }

    @Test func examplePrintsWhatTheCppProgramPrints() throws {
        let executable = try build("example-app")

        let usage = try run(executable, [])
        #expect(usage.status != 0 && usage.output.contains("usage: example-app <path-to-exported-script-module>"))

        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixtures.appendingPathComponent("MANIFEST.json")))
        let entries = try #require((manifest as? [[String: Any]]) ?? ((manifest as? [String: Any])?["models"] as? [[String: Any]]))
        #expect(entries.count >= 6)
        for entry in entries {
            let archive = Self.fixtures.appendingPathComponent(entry["archive"] as! String).path
            let expected = try String(contentsOf: Self.fixtures.appendingPathComponent(entry["expected"] as! String), encoding: .utf8)
            let result = try run(executable, [archive])
            #expect(result.status == 0)
            #expect(result.output == expected, "\(entry["name"] ?? archive)")
        }
        // The traced torchvision ResNet-18 (too large to commit): `make_api_fixtures.py --resnet18`.
        let resnet = Self.root.appendingPathComponent(".build-fixtures/api/resnet18_traced.pt")
        if FileManager.default.fileExists(atPath: resnet.path) {
            let expected = try String(contentsOf: resnet.deletingPathExtension().appendingPathExtension("expected.txt"), encoding: .utf8)
            #expect(try run(executable, [resnet.path]).output == expected, "resnet18")
        }
    }
}
