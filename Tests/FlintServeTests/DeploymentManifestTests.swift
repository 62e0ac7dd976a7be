import Foundation
import FlintTestSupport
import Testing

/// The KServe manifests and the Containerfile start the server with flags it really has, on the ports
/// their probes and port declarations name.
@Suite struct DeploymentManifestTests {
    static let deploy = Fixtures.packageRoot.appendingPathComponent("deploy")

    /// `flint serve --help`'s long options.
    static let serveFlags: Set<String> = {
        let process = Process()
        process.executableURL = Fixtures.flintExecutable
        process.arguments = ["serve", "--help"]
        let out = Pipe()
        process.standardOutput = out
        try? process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Set(text.split(whereSeparator: { " \n,[]<>".contains($0) }).filter { $0.hasPrefix("--") }.map(String.init))
    }()

    /// `--flag=value` / `--flag value` arguments → [flag: value].
    static func options(_ arguments: [String]) -> [String: String] {
        var result: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if let equals = argument.firstIndex(of: "=") {
                result[String(argument[..<equals])] = String(argument[argument.index(after: equals)...])
            } else if argument.hasPrefix("--") {
                let next = index + 1 < arguments.count && !arguments[index + 1].hasPrefix("--") ? arguments[index + 1] : ""
                result[argument] = next
                if !next.isEmpty { index += 1 }
            }
            index += 1
        }
        return result
    }

    /// The items of each `args:` list in a YAML file (block lists of plain scalars).
    static func argumentLists(in yaml: String) -> [[String]] {
        var lists: [[String]] = []
        var current: [String]?
        var indent = 0
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let lineIndent = line.prefix { $0 == " " }.count
            if trimmed == "args:" {
                if let current { lists.append(current) }
                current = []
                indent = lineIndent
            } else if current != nil, trimmed.hasPrefix("- "), lineIndent >= indent {
                current!.append(String(trimmed.dropFirst(2)).trimmingCharacters(in: CharacterSet(charactersIn: "\"'")))
            } else if current != nil, !trimmed.isEmpty {
                lists.append(current!)
                current = nil
            }
        }
        if let current { lists.append(current) }
        return lists
    }

    @Test func servingRuntimeArgumentsAndPortsMatchTheServer() throws {
        let yaml = try String(contentsOf: Self.deploy.appendingPathComponent("kserve/servingruntime.yaml"), encoding: .utf8)
        let arguments = try #require(Self.argumentLists(in: yaml).first)
        #expect(arguments.first == "serve")
        let options = Self.options(Array(arguments.dropFirst()))
        #expect(!Self.serveFlags.isEmpty)
        for flag in options.keys { #expect(Self.serveFlags.contains(flag), "\(flag) is not a flint serve flag") }
        #expect(options["--model-repository"] == "/mnt/models")
        #expect(options["--host"] == "0.0.0.0")
        let httpPort = try #require(options["--http-port"])
        #expect(yaml.contains("containerPort: \(httpPort)"))
        for probe in ["/v2/health/ready", "/v2/health/live"] {
            let section = try #require(yaml.range(of: "path: \(probe)"))
            #expect(yaml[section.upperBound...].prefix(80).contains("port: \(httpPort)"), "\(probe) probes another port")
        }
    }

    @Test func inferenceServiceArgumentsAreServerFlags() throws {
        let yaml = try String(contentsOf: Self.deploy.appendingPathComponent("kserve/inferenceservice.yaml"), encoding: .utf8)
        #expect(yaml.contains("runtime: flint-torchscript"))
        for list in Self.argumentLists(in: yaml) {
            for flag in Self.options(list).keys { #expect(Self.serveFlags.contains(flag), "\(flag)") }
        }
    }

    @Test func containerfileStartsTheServerNonRootOnTheExposedPorts() throws {
        let text = try String(contentsOf: Self.deploy.appendingPathComponent("Containerfile"), encoding: .utf8)
        let user = try #require(text.split(separator: "\n").first { $0.hasPrefix("USER ") })
        #expect(!user.contains("root") && !user.hasSuffix(" 0") && !user.contains(" 0:"))
        let command = try #require(text.split(separator: "\n").first { $0.hasPrefix("CMD ") })
        let arguments = try #require(try JSONSerialization.jsonObject(with: Data(command.dropFirst(4).utf8)) as? [String])
        let options = Self.options(Array(arguments.dropFirst()))
        for flag in options.keys { #expect(Self.serveFlags.contains(flag), "\(flag)") }
        let exposed = try #require(text.split(separator: "\n").first { $0.hasPrefix("EXPOSE ") })
        for flag in ["--http-port", "--grpc-port", "--metrics-port"] {
            let port = try #require(options[flag])
            #expect(exposed.split(separator: " ").contains(Substring(port)), "\(flag) \(port) is not exposed")
        }
    }
}

/// `tritonclient` (NVIDIA's Python client, HTTP and gRPC) against the real server, unchanged: runs
/// Tests/Fixtures/serve/tritonclient_check.py when python3 can import tritonclient (`.ci/run` installs it).
@Suite struct TritonClientTests {
    static let available: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import tritonclient.http, tritonclient.grpc, numpy"]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    @Test(.enabled(if: available, "python3 with tritonclient[http,grpc] is not installed"))
    func tritonclientHTTPAndGRPCAgreeWithLibtorch() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = URL(fileURLWithPath: ServerProcess.repository).deletingLastPathComponent().appendingPathComponent("tritonclient_check.py").path
        process.arguments = ["python3", script, String(server.httpPort), String(server.grpcPort)]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("ok: "), "\(text)")
    }
}
