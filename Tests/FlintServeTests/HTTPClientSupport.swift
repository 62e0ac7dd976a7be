import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP exchange with the server through AsyncHTTPClient.
struct HTTPExchange {
    let status: Int
    let headers: HTTPHeaders
    let body: [UInt8]

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    var errorMessage: String { json["error"] as? String ?? "" }
}

extension HTTPClient {
    static let testing = HTTPClient(eventLoopGroupProvider: .singleton)

    func call(_ method: HTTPMethod, _ url: String, body: [UInt8]? = nil, headers: [(String, String)] = []) async throws -> HTTPExchange {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await execute(request, timeout: .seconds(60))
        let collected = try await response.body.collect(upTo: 64 << 20)
        return HTTPExchange(status: Int(response.status.code), headers: response.headers, body: Array(collected.readableBytesView))
    }

    func post(_ url: String, json: Any, headers: [(String, String)] = []) async throws -> HTTPExchange {
        try await call(.POST, url, body: Array(try JSONSerialization.data(withJSONObject: json)), headers: headers)
    }
}

/// libtorch's answers for the fixture repository (Tests/Fixtures/serve/expected.json).
enum Expected {
    nonisolated(unsafe) static let values: [String: [String: Any]] = {
        let url = URL(fileURLWithPath: ServerProcess.repository).deletingLastPathComponent().appendingPathComponent("expected.json")
        return (try? JSONSerialization.jsonObject(with: Data(contentsOf: url))) as? [String: [String: Any]] ?? [:]
    }()

    static func shape(_ key: String) -> [Int] { values[key]?["shape"] as? [Int] ?? [] }
    static func doubles(_ key: String) -> [Double] { (values[key]?["data"] as? [NSNumber] ?? []).map(\.doubleValue) }
    static func integers(_ key: String) -> [Int64] { (values[key]?["data"] as? [NSNumber] ?? []).map(\.int64Value) }
}

func floatBytes(_ values: [Double]) -> [UInt8] { values.map { Float($0) }.withUnsafeBytes { Array($0) } }

func floats(_ bytes: some Collection<UInt8>) -> [Float] {
    Array(bytes).withUnsafeBytes { raw in (0..<(raw.count / 4)).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
}

func close(_ a: [Double], _ b: [Double], tolerance: Double = 1e-4) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * (1 + abs($1)) }
}
