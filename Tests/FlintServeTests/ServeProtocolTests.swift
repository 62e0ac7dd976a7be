import AsyncHTTPClient
import Foundation
import Testing

/// The KServe v2 REST contract, driven over loopback against a real `flint serve` with AsyncHTTPClient.
@Suite(.serialized) struct ServeProtocolTests {
    static let server = Result { try ServerProcess() }
    let client = HTTPClient.testing

    var url: String { get throws { try Self.server.get().url } }

    @Test func healthAndMetadata() async throws {
        let base = try url
        #expect(try await client.call(.GET, base + "/v2/health/live").status == 200)
        #expect(try await client.call(.GET, base + "/v2/health/ready").status == 200)
        let server = try await client.call(.GET, base + "/v2")
        #expect(server.json["name"] as? String == "flint")
        #expect((server.json["extensions"] as? [String])?.contains("binary_tensor_data") == true)
        let model = try await client.call(.GET, base + "/v2/models/classifier")
        #expect(model.json["platform"] as? String == "pytorch_libtorch")
        #expect(model.json["versions"] as? [String] == ["1", "2"])
        let inputs = try #require(model.json["inputs"] as? [[String: Any]])
        #expect(inputs.first?["shape"] as? [Int] == [-1, 3, 16, 16])
        #expect(inputs.first?["datatype"] as? String == "FP32")
        #expect(try await client.call(.GET, base + "/v2/models/classifier/versions/1/ready").status == 200)
        #expect(try await client.call(.GET, base + "/v2/models/classifier/versions/3/ready").status == 404)
        let unknown = try await client.call(.GET, base + "/v2/models/nope")
        #expect(unknown.status == 404)
        #expect(unknown.errorMessage.contains("nope"))
    }

    @Test func jsonInferenceMatchesLibtorchFlatAndNested() async throws {
        let base = try url
        let a = Expected.doubles("add_sub_a"), b = Expected.doubles("add_sub_b")
        let nested = [Array(a[0..<3]), Array(a[3..<6])]
        let response = try await client.post(base + "/v2/models/add_sub/infer", json: [
            "id": "request-7",
            "inputs": [
                ["name": "INPUT__0", "shape": [2, 3], "datatype": "FP32", "data": nested],
                ["name": "INPUT__1", "shape": [2, 3], "datatype": "FP32", "data": b],
            ],
        ])
        #expect(response.status == 200, "\(response.errorMessage)")
        #expect(response.json["id"] as? String == "request-7")
        #expect(response.json["model_version"] as? String == "1")
        let outputs = try #require(response.json["outputs"] as? [[String: Any]])
        #expect(outputs.map { $0["name"] as? String } == ["OUTPUT__0", "OUTPUT__1"])
        #expect(close((outputs[0]["data"] as? [Double]) ?? [], Expected.doubles("add_sub_sum")))
        #expect(close((outputs[1]["data"] as? [Double]) ?? [], Expected.doubles("add_sub_difference")))
        #expect(outputs[0]["shape"] as? [Int] == [2, 3])
    }

    @Test func binaryTensorsBothWaysWithoutContentType() async throws {
        let base = try url
        let images = Expected.doubles("classifier_input")
        let header = try JSONSerialization.data(withJSONObject: [
            "inputs": [["name": "INPUT__0", "shape": [8, 3, 16, 16], "datatype": "FP32", "parameters": ["binary_data_size": images.count * 4]]],
            "outputs": [["name": "OUTPUT__0", "parameters": ["binary_data": true]]],
        ])
        let body = Array(header) + floatBytes(images)
        let response = try await client.call(.POST, base + "/v2/models/classifier/infer", body: body,
                                             headers: [("Inference-Header-Content-Length", String(header.count))])
        #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
        let jsonLength = try #require(response.headers.first(name: "Inference-Header-Content-Length").flatMap { Int($0) })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body[0..<jsonLength])) as? [String: Any])
        #expect(json["model_version"] as? String == "2")
        let output = try #require((json["outputs"] as? [[String: Any]])?.first)
        #expect((output["parameters"] as? [String: Any])?["binary_data_size"] as? Int == 8 * 4 * 4)
        let values = floats(response.body[jsonLength...]).map(Double.init)
        #expect(close(values, Expected.doubles("classifier_v2")))

        // binary_data_output at request level; version 1 by path.
        let v1Header = try JSONSerialization.data(withJSONObject: [
            "inputs": [["name": "INPUT__0", "shape": [8, 3, 16, 16], "datatype": "FP32", "parameters": ["binary_data_size": images.count * 4]]],
            "parameters": ["binary_data_output": true],
        ])
        let v1 = try await client.call(.POST, base + "/v2/models/classifier/versions/1/infer", body: Array(v1Header) + floatBytes(images),
                                       headers: [("Inference-Header-Content-Length", String(v1Header.count))])
        let v1Length = try #require(v1.headers.first(name: "Inference-Header-Content-Length").flatMap { Int($0) })
        #expect(close(floats(v1.body[v1Length...]).map(Double.init), Expected.doubles("classifier_v1")))
    }

    @Test func requestedOutputsRestrictTheResponse() async throws {
        let response = try await client.post(try url + "/v2/models/add_sub/infer", json: [
            "inputs": [
                ["name": "INPUT__0", "shape": [2], "datatype": "INT64", "data": [1, 2]],
                ["name": "INPUT__1", "shape": [2], "datatype": "INT64", "data": [10, 20]],
            ],
            "outputs": [["name": "OUTPUT__1"]],
        ])
        let outputs = try #require(response.json["outputs"] as? [[String: Any]])
        #expect(outputs.count == 1)
        #expect(outputs.first?["name"] as? String == "OUTPUT__1")
        #expect(outputs.first?["datatype"] as? String == "INT64")
        #expect(outputs.first?["data"] as? [Int] == [-9, -18])
    }

    /// Every client mistake is a 4xx with `{"error": ...}`, never a 5xx, and the server keeps answering.
    @Test(arguments: [
        ("/v2/models/nope/infer", #"{"inputs":[]}"#, 404, "unknown model"),
        ("/v2/models/classifier/versions/9/infer", #"{"inputs":[]}"#, 404, "no version 9"),
        ("/v2/models/classifier/versions/x/infer", #"{"inputs":[]}"#, 400, "not a positive integer"),
        ("/v2/models/add_sub/infer", #"{"inputs":[{"name":"INPUT__0","shape":[2,2],"datatype":"FP32","data":[1,2,3"#, 400, "not valid JSON"),
        ("/v2/models/add_sub/infer", #"{"inputs":[{"name":"INPUT__0","shape":[2,2],"datatype":"FP32","data":[1,2,3]}]}"#, 400, "needs 4"),
        ("/v2/models/add_sub/infer", #"{"inputs":[{"name":"INPUT__0","shape":[2],"datatype":"FP99","data":[1,2]}]}"#, 400, "unknown datatype"),
        ("/v2/models/add_sub/infer", #"{"inputs":[{"name":"INPUT__0","shape":[2],"datatype":"BYTES","data":["a","b"]}]}"#, 400, "BYTES"),
        ("/v2/models/add_sub/infer", #"{"inputs":[{"name":"INPUT__0","shape":[2],"datatype":"UINT8","data":[1,300]}]}"#, 400, "out of range"),
        ("/v2/models/add_sub/infer", #"{"inputs":[{"name":"INPUT__0","shape":[-2],"datatype":"FP32","data":[]}]}"#, 400, "negative"),
        ("/v2/models/add_sub/infer", #"{"inputs":[{"name":"INPUT__0","shape":[1],"datatype":"FP32"}]}"#, 400, "no 'data'"),
        ("/v2/models/add_sub/infer", #"{"inputs":[{"name":"INPUT__0","shape":[1],"datatype":"FP32","data":[1]}]}"#, 400, "missing argument"),
        ("/v2/models/add_sub/infer", #"[1,2]"#, 400, "not a valid inference request"),
        ("/v2/models/classifier/infer", #"{"inputs":[]}"#, 400, "missing input 'INPUT__0'"),
        ("/v2/models/classifier/infer", #"{"inputs":[{"name":"INPUT__0","shape":[1,3,16,15],"datatype":"FP32","data":[]}]}"#, 400, "needs"),
        ("/v2/models/classifier/infer", #"{"inputs":[{"name":"image","shape":[1],"datatype":"FP32","data":[1]}]}"#, 400, "unexpected input 'image'"),
        ("/v2/models/raises/infer", #"{"inputs":[{"name":"INPUT__0","shape":[1],"datatype":"FP32","data":[-1]}]}"#, 400, "negative input"),
        ("/v2/models/add_sub/infer", #"{"inputs":[{"name":"INPUT__0","shape":[1],"datatype":"FP32","parameters":{"binary_data_size":8}}]}"#, 400, "binary_data_size 8"),
        ("/v2/nothing", "", 404, "no such endpoint"),
    ])
    func clientMistakesGetFourHundreds(path: String, body: String, status: Int, message: String) async throws {
        let response = try await client.call(.POST, try url + path, body: Array(body.utf8))
        #expect(response.status == status, "\(path) \(body)")
        #expect(response.errorMessage.contains(message), "\(response.errorMessage)")
        #expect(try await client.call(.GET, try url + "/v2/health/live").status == 200)
    }

    @Test func binarySizesMustAddUpToTheBody() async throws {
        let header = Array(#"{"inputs":[{"name":"INPUT__0","shape":[2],"datatype":"FP32","parameters":{"binary_data_size":8}},{"name":"INPUT__1","shape":[2],"datatype":"FP32","parameters":{"binary_data_size":8}}]}"#.utf8)
        for extra in [4, 20] {
            let response = try await client.call(.POST, try url + "/v2/models/add_sub/infer", body: header + [UInt8](repeating: 0, count: extra),
                                                 headers: [("Inference-Header-Content-Length", String(header.count))])
            #expect(response.status == 400, "\(extra) bytes after the header")
        }
        let response = try await client.call(.POST, try url + "/v2/models/add_sub/infer", body: header,
                                             headers: [("Inference-Header-Content-Length", String(header.count + 1))])
        #expect(response.status == 400)
    }

    @Test func oversizedBodyIsRefusedFromItsDeclaredLength() async throws {
        let server = try ServerProcess(extraArguments: ["--max-request-bytes", "4096"])
        defer { server.stop() }
        let response = try await client.call(.POST, server.url + "/v2/models/add_sub/infer", body: [UInt8](repeating: 32, count: 5000))
        #expect(response.status == 413)
        #expect(response.errorMessage.contains("4096"))
        // Declared far larger than sent: answered at once, without waiting for the body.
        let raw = try RawConnection(port: server.httpPort)
        try raw.send("POST /v2/models/add_sub/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n{")
        let reply = raw.receive(timeout: 5)
        #expect(reply.hasPrefix("HTTP/1.1 413"), "\(reply)")
    }

    @Test func metricsCountRequestsPerModelAndVersion() async throws {
        let server = try Self.server.get()
        _ = try await client.post(server.url + "/v2/models/raises/infer", json: ["inputs": [["name": "INPUT__0", "shape": [1], "datatype": "FP32", "data": [-5]]]])
        _ = try await client.post(server.url + "/v2/models/raises/infer", json: ["inputs": [["name": "INPUT__0", "shape": [1], "datatype": "FP32", "data": [5]]]])
        let metrics = String(decoding: try await client.call(.GET, "http://127.0.0.1:\(server.metricsPort)/metrics").body, as: UTF8.self)
        for name in ["flint_inference_requests_total", "flint_inference_failures_total", "flint_inference_request_duration_seconds_bucket",
                     "flint_inference_queue_duration_seconds_bucket", "flint_inference_batch_size_bucket", "flint_inference_in_flight"] {
            #expect(metrics.contains(name + "{model=\"raises\",version=\"1\""), "\(name)")
        }
        let failures = metrics.split(separator: "\n").first { $0.hasPrefix("flint_inference_failures_total{model=\"raises\",version=\"1\"}") }
        #expect(failures.flatMap { Double($0.split(separator: " ").last ?? "") }.map { $0 >= 1 } == true)
    }
}
