#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The KServe v2 REST inference body, with Triton's binary tensor extension: decoding a request from the
/// JSON header (and the raw tensors after it) and encoding a response the same two ways.
package enum InferenceHTTPCodec {
    /// A decoded request, and how the client wants outputs encoded.
    package struct DecodedRequest: Sendable {
        package var request: InferenceRequest
        /// Request-level `parameters.binary_data_output`.
        package var binaryOutputByDefault: Bool
    }

    /// Decodes a request body. `headerLength` is the `Inference-Header-Content-Length` header: the JSON
    /// part's length, with raw tensors (inputs with `parameters.binary_data_size`) after it in input order.
    /// Without it the whole body is JSON. Throws `invalidArgument` for bad JSON, an element count that does not
    /// match the shape, binary sizes that do not add up to the body, or an input with neither data kind.
    package static func decode(body: [UInt8], headerLength: Int?, model: String, version: String?) throws -> DecodedRequest {
        let jsonLength = headerLength ?? body.count
        guard jsonLength >= 0, jsonLength <= body.count else {
            throw ServeError.invalidArgument("Inference-Header-Content-Length \(jsonLength) is larger than the body (\(body.count) bytes)")
        }
        let parsed: RequestBody
        do {
            parsed = try JSONDecoder().decode(RequestBody.self, from: Data(body[0..<jsonLength]))
        } catch let error as ServeError {
            throw error
        } catch {
            throw ServeError.invalidArgument("the request body is not a valid inference request: \(describe(error))")
        }
        var offset = jsonLength
        var inputs: [WireTensor] = []
        for input in parsed.inputs {
            let datatype = try WireDataType(protocolName: input.datatype, tensor: input.name)
            let expected = try WireTensor.checkedByteCount(name: input.name, datatype: datatype, shape: input.shape)
            let bytes: [UInt8]
            if let binarySize = input.binaryDataSize {
                guard input.data == nil else {
                    throw ServeError.invalidArgument("input '\(input.name)' has both 'data' and parameters.binary_data_size")
                }
                guard binarySize == expected else {
                    throw ServeError.invalidArgument("input '\(input.name)': binary_data_size \(binarySize) does not match shape \(input.shape) of \(datatype.rawValue) (\(expected) bytes)")
                }
                guard binarySize <= body.count - offset else {
                    throw ServeError.invalidArgument("input '\(input.name)': binary_data_size \(binarySize) runs past the end of the body")
                }
                bytes = Array(body[offset..<(offset + binarySize)])
                offset += binarySize
            } else if let data = input.data {
                guard data.datatype == datatype else { throw ServeError.invalidArgument("input '\(input.name)': unreadable data") }
                guard data.bytes.count == expected else {
                    throw ServeError.invalidArgument(
                        "input '\(input.name)': data has \(data.bytes.count / datatype.itemSize) elements but shape \(input.shape) needs \(expected / datatype.itemSize)")
                }
                bytes = data.bytes
            } else {
                throw ServeError.invalidArgument("input '\(input.name)' has no 'data' and no parameters.binary_data_size")
            }
            inputs.append(WireTensor(name: input.name, datatype: datatype, shape: input.shape, bytes: bytes))
        }
        guard offset == body.count else {
            throw ServeError.invalidArgument("the body has \(body.count - offset) bytes after the JSON header and binary inputs that no input claims")
        }
        let outputs = parsed.outputs?.map { RequestedOutput(name: $0.name, binary: $0.parameters?["binary_data"]?.bool) }
        let request = InferenceRequest(modelName: model, modelVersion: version, id: parsed.id, inputs: inputs, requestedOutputs: outputs)
        return DecodedRequest(request: request, binaryOutputByDefault: parsed.parameters?["binary_data_output"]?.bool ?? false)
    }

    /// Encodes a response. Outputs the client asked for as binary (per output, or all by
    /// `binary_data_output`) go after the JSON header as raw bytes with `parameters.binary_data_size`;
    /// `jsonLength` is then the value for the `Inference-Header-Content-Length` header (nil for pure JSON).
    package static func encode(_ response: InferenceResponse, request: DecodedRequest) throws -> (body: [UInt8], jsonLength: Int?) {
        var text = "{\"model_name\":" + jsonString(response.modelName) + ",\"model_version\":" + jsonString(response.modelVersion)
        if let id = response.id { text += ",\"id\":" + jsonString(id) }
        text += ",\"outputs\":["
        var binary: [[UInt8]] = []
        for (index, output) in response.outputs.enumerated() {
            let wantsBinary = request.request.requestedOutputs?.first { $0.name == output.name }?.binary ?? request.binaryOutputByDefault
            if index > 0 { text += "," }
            text += "{\"name\":" + jsonString(output.name) + ",\"datatype\":\"" + output.datatype.rawValue + "\",\"shape\":["
                + output.shape.map(String.init).joined(separator: ",") + "]"
            if wantsBinary {
                text += ",\"parameters\":{\"binary_data_size\":\(output.bytes.count)}}"
                binary.append(output.bytes)
            } else {
                text += ",\"data\":"
                try JSONTensorData.write(output.bytes, datatype: output.datatype, into: &text)
                text += "}"
            }
        }
        text += "]}"
        var body = Array(text.utf8)
        guard !binary.isEmpty else { return (body, nil) }
        let jsonLength = body.count
        body.reserveCapacity(jsonLength + binary.reduce(0) { $0 + $1.count })
        for part in binary { body.append(contentsOf: part) }
        return (body, jsonLength)
    }

    /// `{"error": "..."}`.
    package static func errorBody(_ message: String) -> [UInt8] { Array(("{\"error\":" + jsonString(message) + "}").utf8) }

    /// A JSON string literal.
    package static func jsonString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing '\(key.stringValue)'" + path(context)
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type" + path(context) + (context.debugDescription.isEmpty ? "" : " (\(context.debugDescription))")
        case DecodingError.dataCorrupted(let context):
            return context.debugDescription.isEmpty ? "malformed JSON" + path(context) : context.debugDescription
        default:
            return "\(error)"
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return keys.isEmpty ? "" : " at \(keys)"
    }
}

// MARK: - The request body's JSON shape

private struct RequestBody: Decodable {
    var id: String?
    var parameters: [String: ParameterValue]?
    var inputs: [InputBody]
    var outputs: [OutputBody]?
}

private struct OutputBody: Decodable {
    var name: String
    var parameters: [String: ParameterValue]?
}

private struct InputBody: Decodable {
    var name: String
    var shape: [Int]
    var datatype: String
    var parameters: [String: ParameterValue]?
    var data: DecodedData?

    struct DecodedData {
        var datatype: WireDataType
        var bytes: [UInt8]
    }

    enum CodingKeys: String, CodingKey { case name, shape, datatype, parameters, data }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        shape = try container.decode([Int].self, forKey: .shape)
        datatype = try container.decode(String.self, forKey: .datatype)
        parameters = try container.decodeIfPresent([String: ParameterValue].self, forKey: .parameters)
        if container.contains(.data), try !container.decodeNil(forKey: .data) {
            let type = try WireDataType(protocolName: datatype, tensor: name)
            var elements: any UnkeyedDecodingContainer
            do {
                elements = try container.nestedUnkeyedContainer(forKey: .data)
            } catch {
                throw ServeError.invalidArgument("input '\(name)': 'data' must be an array")
            }
            data = DecodedData(datatype: type, bytes: try JSONTensorData.read(&elements, datatype: type, tensor: name))
        }
    }

    var binaryDataSize: Int? {
        guard let value = parameters?["binary_data_size"] else { return nil }
        return value.int
    }
}

/// A `parameters` value: a boolean, number or string (anything else is kept as `.other`).
private enum ParameterValue: Decodable {
    case bool(Bool), int(Int), double(Double), string(String), other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else { self = .other }
    }

    var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    var int: Int? {
        switch self {
        case .int(let value): value
        case .double(let value) where value == value.rounded(): Int(exactly: value)
        default: nil
        }
    }
}
