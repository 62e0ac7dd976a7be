import Flint
import HTTPTypes
import Hummingbird
import NIOCore

/// The KServe v2 / Open Inference Protocol REST endpoints (with Triton's binary tensor extension) over
/// Hummingbird. Every error is `{"error": "..."}`: 404 for unknown models, versions and routes, 400 for
/// malformed requests, 413 for bodies over the limit (refused from `Content-Length` before reading),
/// 503 when the model's queue is full.
package enum HTTPFrontend {
    package static let headerLengthField = HTTPField.Name("Inference-Header-Content-Length")!

    package static func router(store: ModelStore, maxBodyBytes: Int) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ErrorBodyMiddleware())
        router.get("/v2") { _, _ in
            json(200, "{\"name\":\"flint\",\"version\":" + InferenceHTTPCodec.jsonString(FlintVersion.flint)
                + ",\"extensions\":[\"binary_tensor_data\"]}")
        }
        router.get("/v2/health/live") { _, _ in json(200, "{\"live\":true}") }
        router.get("/v2/health/ready") { _, _ in
            store.isReady ? json(200, "{\"ready\":true}") : errorResponse(ServeError(.unavailable, "the server is not ready (models loading, or shutting down)"))
        }
        for prefix in ["/v2/models/:model", "/v2/models/:model/versions/:version"] {
            router.get(RouterPath(prefix)) { _, context in
                respond { try metadata(store: store, context: context) }
            }
            router.get(RouterPath(prefix + "/ready")) { _, context in
                respond {
                    _ = try store.model(try name(context), version: context.parameters.get("version"))
                    return json(200, "{\"ready\":true}")
                }
            }
            router.post(RouterPath(prefix + "/infer")) { request, context in
                await infer(request, context: context, store: store, maxBodyBytes: maxBodyBytes)
            }
        }
        return router
    }

    private static func infer(_ request: Request, context: BasicRequestContext, store: ModelStore, maxBodyBytes: Int) async -> Response {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBodyBytes {
            return errorResponse(ServeError(.payloadTooLarge, "the request body is \(declared) bytes; the limit is \(maxBodyBytes) (--max-request-bytes)"))
        }
        if let encoding = request.headers[.contentEncoding], encoding.lowercased() != "identity" {
            return errorResponse(ServeError.invalidArgument("Content-Encoding '\(encoding)' is not supported; send the body uncompressed"))
        }
        return await respondAsync {
            let model = try name(context)
            let version = context.parameters.get("version")
            let headerLength: Int?
            if let field = request.headers[headerLengthField] {
                guard let value = Int(field), value >= 0 else {
                    throw ServeError.invalidArgument("Inference-Header-Content-Length '\(field)' is not a byte count")
                }
                headerLength = value
            } else {
                headerLength = nil
            }
            let served = try store.model(model, version: version)
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: maxBodyBytes)
            } catch is NIOTooManyBytesError {
                throw ServeError(.payloadTooLarge, "the request body is over the \(maxBodyBytes)-byte limit (--max-request-bytes)")
            } catch let error as HTTPError where error.status == .contentTooLarge {
                throw ServeError(.payloadTooLarge, "the request body is over the \(maxBodyBytes)-byte limit (--max-request-bytes)")
            }
            let decoded = try InferenceHTTPCodec.decode(body: Array(buffer.readableBytesView), headerLength: headerLength, model: model, version: version)
            let response = try await served.infer(decoded.request)
            let (body, jsonLength) = try InferenceHTTPCodec.encode(response, request: decoded)
            var headers = HTTPFields()
            if let jsonLength {
                headers[.contentType] = "application/octet-stream"
                headers[headerLengthField] = String(jsonLength)
            } else {
                headers[.contentType] = "application/json"
            }
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
    }

    private static func metadata(store: ModelStore, context: BasicRequestContext) throws -> Response {
        let name = try name(context)
        let model = try store.model(name, version: context.parameters.get("version"))
        let versions = (store.versions(of: name) ?? []).map { "\"\($0)\"" }.joined(separator: ",")
        func tensors(_ specs: [TensorSpec]) -> String {
            specs.map { spec in
                "{\"name\":" + InferenceHTTPCodec.jsonString(spec.name) + ",\"datatype\":\"" + (spec.datatype ?? .fp32).rawValue
                    + "\",\"shape\":[" + model.signature.metadataShape(spec).map(String.init).joined(separator: ",") + "]}"
            }.joined(separator: ",")
        }
        return json(200, "{\"name\":" + InferenceHTTPCodec.jsonString(name) + ",\"versions\":[" + versions
            + "],\"platform\":\"pytorch_libtorch\",\"inputs\":[" + tensors(model.signature.inputs) + "],\"outputs\":["
            + tensors(model.signature.outputs) + "]}")
    }

    private static func name(_ context: BasicRequestContext) throws -> String {
        guard let name = context.parameters.get("model") else { throw ServeError.notFound("no model named in the path") }
        return name
    }

    private static func respond(_ body: () throws -> Response) -> Response {
        do { return try body() } catch { return errorResponse(error) }
    }

    private static func respondAsync(_ body: () async throws -> Response) async -> Response {
        do { return try await body() } catch { return errorResponse(error) }
    }

    static func json(_ status: Int, _ text: String) -> Response {
        Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func errorResponse(_ error: any Error) -> Response {
        let failure = error as? ServeError ?? ServeError(.internal, "\(error)")
        var headers: HTTPFields = [.contentType: "application/json"]
        // The rest of an oversized body is never read, so the connection cannot carry another request.
        if failure.kind == .payloadTooLarge { headers[.connection] = "close" }
        return Response(
            status: HTTPResponse.Status(code: failure.httpStatus), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: InferenceHTTPCodec.errorBody(failure.message))))
    }
}

/// Turns Hummingbird's own errors (no such route, wrong method, body too large) into `{"error": "..."}`
/// answers, so that every error the server sends has the protocol's shape.
struct ErrorBodyMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            let message = error.body ?? (error.status == .notFound ? "no such endpoint: \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            return Response(
                status: error.status, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: InferenceHTTPCodec.errorBody(message))))
        }
    }
}
