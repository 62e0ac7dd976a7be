import Flint
import FlintServingProtocol
import GRPCCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `inference.GRPCInferenceService`: the six core RPCs of KServe's `grpc_predict_v2.proto`, which share
/// package, service and message layout with Triton's `grpc_service.proto`, so `tritonclient.grpc` works
/// unchanged. Inputs come in `raw_input_contents` or in the typed `contents`; outputs go out in
/// `raw_output_contents`.
package struct GRPCFrontend: Inference_GRPCInferenceService.SimpleServiceProtocol {
    let store: ModelStore

    package init(store: ModelStore) { self.store = store }

    package func serverLive(request: Inference_ServerLiveRequest, context: ServerContext) async throws -> Inference_ServerLiveResponse {
        .with { $0.live = true }
    }

    package func serverReady(request: Inference_ServerReadyRequest, context: ServerContext) async throws -> Inference_ServerReadyResponse {
        .with { $0.ready = store.isReady }
    }

    package func modelReady(request: Inference_ModelReadyRequest, context: ServerContext) async throws -> Inference_ModelReadyResponse {
        do {
            _ = try store.model(request.name, version: request.version)
            return .with { $0.ready = true }
        } catch let error as ServeError where error.kind == .unavailable {
            return .with { $0.ready = false }
        } catch {
            throw Self.rpcError(error)
        }
    }

    package func serverMetadata(request: Inference_ServerMetadataRequest, context: ServerContext) async throws -> Inference_ServerMetadataResponse {
        .with {
            $0.name = "flint"
            $0.version = FlintVersion.flint
            $0.extensions = ["binary_tensor_data"]
        }
    }

    package func modelMetadata(request: Inference_ModelMetadataRequest, context: ServerContext) async throws -> Inference_ModelMetadataResponse {
        do {
            let model = try store.model(request.name, version: request.version)
            func tensors(_ specs: [TensorSpec]) -> [Inference_ModelMetadataResponse.TensorMetadata] {
                specs.map { spec in
                    .with {
                        $0.name = spec.name
                        $0.datatype = (spec.datatype ?? .fp32).rawValue
                        $0.shape = model.signature.metadataShape(spec).map(Int64.init)
                    }
                }
            }
            return .with {
                $0.name = request.name
                $0.versions = (store.versions(of: request.name) ?? []).map(String.init)
                $0.platform = "pytorch_libtorch"
                $0.inputs = tensors(model.signature.inputs)
                $0.outputs = tensors(model.signature.outputs)
            }
        } catch {
            throw Self.rpcError(error)
        }
    }

    package func modelInfer(request: Inference_ModelInferRequest, context: ServerContext) async throws -> Inference_ModelInferResponse {
        do {
            let model = try store.model(request.modelName, version: request.modelVersion)
            let neutral = InferenceRequest(
                modelName: request.modelName, modelVersion: request.modelVersion.isEmpty ? nil : request.modelVersion,
                id: request.id.isEmpty ? nil : request.id, inputs: try Self.inputs(of: request),
                requestedOutputs: request.outputs.isEmpty ? nil : request.outputs.map { RequestedOutput(name: $0.name, binary: nil) })
            let response = try await model.infer(neutral)
            return .with {
                $0.modelName = response.modelName
                $0.modelVersion = response.modelVersion
                $0.id = response.id ?? ""
                $0.outputs = response.outputs.map { output in
                    .with {
                        $0.name = output.name
                        $0.datatype = output.datatype.rawValue
                        $0.shape = output.shape.map(Int64.init)
                    }
                }
                $0.rawOutputContents = response.outputs.map { Data($0.bytes) }
            }
        } catch {
            throw Self.rpcError(error)
        }
    }

    /// The request's tensors, from `raw_input_contents` (one entry per input, in order) or each input's
    /// typed `contents`.
    static func inputs(of request: Inference_ModelInferRequest) throws -> [WireTensor] {
        let raw = request.rawInputContents
        if !raw.isEmpty && raw.count != request.inputs.count {
            throw ServeError.invalidArgument("raw_input_contents has \(raw.count) entries for \(request.inputs.count) inputs")
        }
        return try request.inputs.enumerated().map { index, input in
            let datatype = try WireDataType(protocolName: input.datatype, tensor: input.name)
            let shape = input.shape.map { Int(clamping: $0) }
            let expected = try WireTensor.checkedByteCount(name: input.name, datatype: datatype, shape: shape)
            let bytes: [UInt8]
            if !raw.isEmpty {
                if input.hasContents {
                    throw ServeError.invalidArgument("input '\(input.name)' has contents while raw_input_contents is used")
                }
                bytes = [UInt8](raw[index])
            } else if input.hasContents {
                bytes = try TypedContents.bytes(of: input.contents, datatype: datatype, tensor: input.name)
            } else {
                throw ServeError.invalidArgument("input '\(input.name)' has no contents and there is no raw_input_contents")
            }
            guard bytes.count == expected else {
                throw ServeError.invalidArgument(
                    "input '\(input.name)': \(bytes.count) bytes of \(datatype.rawValue) data, but shape \(shape) needs \(expected)")
            }
            return WireTensor(name: input.name, datatype: datatype, shape: shape, bytes: bytes)
        }
    }

    static func rpcError(_ error: any Error) -> RPCError {
        let failure = error as? ServeError ?? ServeError(.internal, "\(error)")
        let code: RPCError.Code =
            switch failure.kind {
            case .notFound: .notFound
            case .invalidArgument: .invalidArgument
            case .payloadTooLarge: .resourceExhausted
            case .unavailable: .unavailable
            case .internal: .internalError
            }
        return RPCError(code: code, message: failure.message)
    }
}

/// `InferTensorContents`: the typed repeated fields a gRPC client may send instead of raw bytes.
enum TypedContents {
    static func bytes(of contents: Inference_InferTensorContents, datatype: WireDataType, tensor: String) throws -> [UInt8] {
        switch datatype {
        case .bool: return contents.boolContents.map { $0 ? 1 : 0 }
        case .int8: return try pack(contents.intContents, as: Int8.self, tensor: tensor)
        case .int16: return try pack(contents.intContents, as: Int16.self, tensor: tensor)
        case .int32: return try pack(contents.intContents, as: Int32.self, tensor: tensor)
        case .int64: return try pack(contents.int64Contents, as: Int64.self, tensor: tensor)
        case .uint8: return try pack(contents.uintContents, as: UInt8.self, tensor: tensor)
        case .uint16: return try pack(contents.uintContents, as: UInt16.self, tensor: tensor)
        case .uint32: return try pack(contents.uintContents, as: UInt32.self, tensor: tensor)
        case .uint64: return try pack(contents.uint64Contents, as: UInt64.self, tensor: tensor)
        case .fp32: return bytes(of: contents.fp32Contents)
        case .fp64: return bytes(of: contents.fp64Contents)
        case .fp16, .bf16:
            throw ServeError.invalidArgument("input '\(tensor)': \(datatype.rawValue) data must come in raw_input_contents (the protocol has no typed field for it)")
        }
    }

    private static func pack<Source: BinaryInteger, Element: FixedWidthInteger>(_ values: [Source], as type: Element.Type, tensor: String) throws -> [UInt8] {
        try bytes(of: values.map { value in
            guard let element = Element(exactly: value) else {
                throw ServeError.invalidArgument("input '\(tensor)': \(value) is out of range for \(Element.self)")
            }
            return element
        })
    }

    private static func bytes<Element>(of values: [Element]) -> [UInt8] {
        values.withUnsafeBytes { Array($0) }
    }
}
