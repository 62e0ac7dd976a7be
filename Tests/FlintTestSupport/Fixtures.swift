import Foundation

/// Locates the committed fixtures and reads their `NAME.expected.json` files (see Tools/fixtures/README.md).
public enum Fixtures {
    /// `Tests/Fixtures/archives` in the source tree.
    public static let archivesDirectory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/archives")

    /// The package root.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `flint` executable built beside the running test binary (`.build/<configuration>/flint`), else
    /// the debug build's.
    public static let flintExecutable: URL = {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("flint")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/flint")
    }()

    /// Extra fixture folders named by `FLINT_EXTRA_FIXTURES` (colon-separated), e.g. the generated zoo.
    /// This machine's CPU as fixtures recorded with its own libtorch kernels name it: "VENDOR family F" from
    /// /proc/cpuinfo (libtorch's MKL picks its kernels by vendor and family), "unknown" where there is none.
    public static let cpuFamily: String = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, fields[parts[0]] == nil { fields[parts[0]] = parts[1] }
        }
        return "\(fields["vendor_id"] ?? "unknown") family \(fields["cpu family"] ?? "?")"
    }()

    public static var extraDirectories: [URL] {
        (ProcessInfo.processInfo.environment["FLINT_EXTRA_FIXTURES"] ?? "")
            .split(separator: ":").map { URL(fileURLWithPath: String($0)) }
    }

    /// Every fixture (committed, plus extra folders), as (model file, expectations).
    public static func all(includeExtra: Bool = true) throws -> [(model: URL, expected: ExpectedArchive)] {
        var result: [(URL, ExpectedArchive)] = []
        for directory in [archivesDirectory] + (includeExtra ? extraDirectories : []) {
            let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            for json in files.filter({ $0.lastPathComponent.hasSuffix(".expected.json") }).sorted(by: { $0.path < $1.path }) {
                let stem = String(json.lastPathComponent.dropLast(".expected.json".count))
                guard let model = files.first(where: { $0.deletingPathExtension().lastPathComponent == stem && !$0.path.hasSuffix(".json") })
                else { continue }
                let expected = try JSONDecoder().decode(ExpectedArchive.self, from: Data(contentsOf: json))
                result.append((model, expected))
            }
        }
        return result
    }

    /// The committed TorchScript fixtures only (not the negative ones).
    public static func torchScriptArchives() throws -> [(model: URL, expected: ExpectedArchive)] {
        try all().filter { $0.expected.kind != "not-torchscript" }
    }
}

/// What PyTorch read back from a fixture archive.
public struct ExpectedArchive: Decodable, Sendable {
    public struct TensorEntry: Decodable, Sendable {
        public let name: String
        public let shape: [Int]
        public let dtype: String
        public let strides: [Int]
        public let storage_offset: Int
        public let nbytes: Int
        public let crc32: UInt32
    }

    public let kind: String
    public let version: Int?
    public let methods: [String]?
    public let tensors: [TensorEntry]?
    public let attributes: [String: String]?
    public let extra_files: [String: String]?
    public let error_contains: String?
}

extension Fixtures {
    /// The blocks of a reference-output file: each `== NAME` line, then that case's text up to the next one
    /// (the printing fixtures' format). Empty when the file cannot be read.
    public static func referenceBlocks(_ url: URL) -> [(name: String, text: String)] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        var result: [(String, String)] = []
        for block in text.components(separatedBy: "== ").dropFirst() {
            let lines = block.split(separator: "\n", omittingEmptySubsequences: false)
            let body = lines.dropFirst().joined(separator: "\n")
            result.append((String(lines[0]), body.hasSuffix("\n") ? String(body.dropLast()) : body))
        }
        return result
    }
}
