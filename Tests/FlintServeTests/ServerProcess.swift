import Foundation
import FlintTestSupport

/// A real `flint serve` process on loopback ports the kernel picks (`--http-port 0`...), found from its
/// log lines. Stopped with SIGTERM when the test is done.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var log = ""
    private(set) var httpPort = 0
    private(set) var grpcPort = 0
    private(set) var metricsPort = 0

    static let repository = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/serve/repository").path

    /// Starts the server on `repository` and waits (up to 60 s) until it reports ready.
    init(repository: String = ServerProcess.repository, extraArguments: [String] = []) throws {
        process.executableURL = Fixtures.flintExecutable
        process.arguments = ["serve", "--model-repository", repository, "--http-port", "0", "--grpc-port", "0", "--metrics-port", "0"] + extraArguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.log += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        Self.register(process.processIdentifier)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let text = lock.withLock { log }
            if text.contains(" info ready ") {
                httpPort = Self.port(in: text, after: "HTTP listening address=")
                grpcPort = Self.port(in: text, after: "gRPC listening address=")
                metricsPort = Self.port(in: text, after: "metrics listening address=")
                if httpPort > 0 && grpcPort > 0 { return }
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw ServerStartError(log: lock.withLock { log })
    }

    var logText: String { lock.withLock { log } }

    /// Whether the log contains `text` within `timeout` seconds. The log arrives through a pipe read on another
    /// thread, so its last lines can land after the process has exited.
    func logContains(_ text: String, within timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if logText.contains(text) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return logText.contains(text)
    }

    var url: String { "http://127.0.0.1:\(httpPort)" }

    /// Resident memory in kilobytes (Linux /proc).
    var residentKilobytes: Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
    }

    /// Sends SIGTERM and waits for the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        Self.unregister(process.processIdentifier)
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        Self.unregister(process.processIdentifier)
    }

    // A server held in a static (one shared by a suite) is never deinitialised: every server still running
    // when the test process exits is killed then, so none outlives the run.
    private static let registry = NSLock()
    nonisolated(unsafe) private static var running: [Int32] = []
    nonisolated(unsafe) private static var exitHookInstalled = false

    private static func register(_ pid: Int32) {
        registry.withLock {
            running.append(pid)
            if !exitHookInstalled {
                exitHookInstalled = true
                atexit { ServerProcess.killRunning() }
            }
        }
    }

    private static func unregister(_ pid: Int32) {
        registry.withLock { running.removeAll { $0 == pid } }
    }

    private static func killRunning() {
        for pid in registry.withLock({ running }) { kill(pid, SIGKILL) }
    }

    private static func port(in log: String, after marker: String) -> Int {
        guard let range = log.range(of: marker) else { return 0 }
        let rest = log[range.upperBound...].prefix { $0 != "\n" && $0 != " " }
        return Int(rest.split(separator: ":").last ?? "") ?? 0
    }
}

struct ServerStartError: Error, CustomStringConvertible {
    let log: String
    var description: String { "flint serve did not become ready:\n\(log)" }
}
