import AsyncHTTPClient
import Foundation
import FlintTestSupport
import Testing

/// Misbehaving clients and shutdown: the server answers or closes cleanly, never crashes, keeps its memory
/// bounded, and on SIGTERM answers every request it accepted before exiting 0.
@Suite(.serialized) struct ServeRobustnessTests {
    let client = HTTPClient.testing

    static func inferBody(_ count: Int = 256) -> [UInt8] {
        Array(#"{"inputs":[{"name":"INPUT__0","shape":[1,\#(count)],"datatype":"FP32","data":[\#(Array(repeating: "0.01", count: count).joined(separator: ","))]}]}"#.utf8)
    }

    @Test func halfSentSlowGarbageAndAbortedRequestsLeaveTheServerServing() async throws {
        let server = try ServerProcess()
        defer { server.stop() }
        // Half a body, then the client vanishes.
        for _ in 0..<20 {
            let connection = try RawConnection(port: server.httpPort)
            try? connection.send("POST /v2/models/add_sub/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"inputs\":")
            connection.close()
        }
        // Garbage instead of HTTP (the server may close before all of it is written: that is a clean answer too).
        let garbage = try RawConnection(port: server.httpPort)
        try? garbage.send([UInt8](repeating: 0xFF, count: 4096))
        _ = garbage.receive(timeout: 2)
        // A slow client: a byte at a time, then a complete request. The pauses block this thread rather than
        // suspend the task, so a busy test process cannot stretch them into an idle connection.
        let slow = try RawConnection(port: server.httpPort)
        for byte in "GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n".utf8 {
            try? slow.send([byte])
            usleep(5_000)
        }
        #expect(slow.receive(timeout: 60).hasPrefix("HTTP/1.1 200"))
        // A request whose client disconnects while the model runs.
        let aborted = try RawConnection(port: server.httpPort)
        let body = Self.inferBody()
        try? aborted.send("POST /v2/models/slow/infer HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.count)\r\n\r\n")
        try? aborted.send(body)
        aborted.close()
        try await Task.sleep(for: .milliseconds(200))
        #expect(server.process.isRunning)
        let response = try await client.post(server.url + "/v2/models/add_sub/infer", json: [
            "inputs": [["name": "INPUT__0", "shape": [1], "datatype": "FP32", "data": [1]], ["name": "INPUT__1", "shape": [1], "datatype": "FP32", "data": [2]]],
        ])
        #expect(response.status == 200)
        #expect(server.stop() == 0)
    }

    @Test func aClientThatStallsMidBodyIsClosedByTheIdleTimeout() throws {
        let server = try ServerProcess(extraArguments: ["--idle-timeout", "2"])
        defer { server.stop() }
        let stalled = try RawConnection(port: server.httpPort)
        try? stalled.send("POST /v2/models/add_sub/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        let start = Date()
        _ = stalled.receive(timeout: 60)
        // Closed after about two seconds of silence, not held until the client gives up.
        #expect(Date().timeIntervalSince(start) < 30)
        #expect(server.process.isRunning)
        #expect(server.stop() == 0)
    }

    @Test func aThousandConcurrentConnectionsAreAnsweredWithBoundedMemory() async throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let before = server.residentKilobytes
        var connections: [RawConnection] = []
        for _ in 0..<1000 { connections.append(try RawConnection(port: server.httpPort)) }
        let json = #"{"inputs":[{"name":"INPUT__0","shape":[2],"datatype":"FP32","data":[1,2]},{"name":"INPUT__1","shape":[2],"datatype":"FP32","data":[3,4]}]}"#
        let request = "POST /v2/models/add_sub/infer HTTP/1.1\r\nHost: x\r\nContent-Length: \(json.utf8.count)\r\n\r\n" + json
        for connection in connections { try connection.send(request) }
        var answered = 0
        var unavailable = 0
        for connection in connections {
            let reply = connection.receive(timeout: 30)
            if reply.hasPrefix("HTTP/1.1 200") { answered += 1 } else if reply.hasPrefix("HTTP/1.1 503") { unavailable += 1 }
        }
        // Each request is either answered or refused with 503 (queue full); none is dropped or fails.
        #expect(answered + unavailable == 1000, "answered \(answered), 503 \(unavailable)")
        #expect(answered > 0)
        for connection in connections { connection.close() }
        let after = server.residentKilobytes
        #expect(after < before + 300_000, "RSS grew from \(before) kB to \(after) kB")
        #expect(server.stop() == 0)
    }

    @Test func sigtermAnswersEveryAcceptedRequestThenExitsZero() async throws {
        let server = try ServerProcess()
        let url = server.url + "/v2/models/slow/infer"
        let body = Self.inferBody()
        // One running and two queued (the slow model's queue holds two).
        let calls = (0..<3).map { _ in
            Task { try await HTTPClient.testing.call(.POST, url, body: body) }
        }
        try await Task.sleep(for: .milliseconds(300))
        kill(server.process.processIdentifier, SIGTERM)
        var statuses: [Int] = []
        for call in calls { statuses.append((try? await call.value.status) ?? -1) }
        server.process.waitUntilExit()
        #expect(statuses == [200, 200, 200], "\(server.logText)")
        #expect(server.process.terminationStatus == 0)
        #expect(server.logContains("shutting down"))
    }

    @Test func aBadRepositoryStopsTheServerWithItsReason() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flint-serve-bad-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("m/1"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("platform: \"onnxruntime_onnx\"\n".utf8).write(to: directory.appendingPathComponent("m/config.pbtxt"))
        try Data("x".utf8).write(to: directory.appendingPathComponent("m/1/model.pt"))
        #expect(throws: ServerStartError.self) { try ServerProcess(repository: directory.path) }
        let process = Process()
        process.executableURL = Fixtures.flintExecutable
        process.arguments = ["serve", "--model-repository", directory.path, "--http-port", "0", "--grpc-port", "0", "--no-metrics"]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(text.contains("onnxruntime_onnx"))
    }
}
