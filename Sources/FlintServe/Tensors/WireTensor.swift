/// One tensor as the serving protocols carry it: a name, a datatype, a shape and the elements as
/// contiguous little-endian bytes in row-major order. Both frontends (HTTP and gRPC) turn their payloads
/// into these and back; nothing below the frontends sees JSON or protobuf.
package struct WireTensor: Sendable {
    package var name: String
    package var datatype: WireDataType
    package var shape: [Int]
    package var bytes: [UInt8]

    package init(name: String, datatype: WireDataType, shape: [Int], bytes: [UInt8]) {
        self.name = name
        self.datatype = datatype
        self.shape = shape
        self.bytes = bytes
    }

    /// Elements the shape holds.
    package var elementCount: Int { shape.reduce(1, *) }

    /// Checks the shape has no negative dimension and the byte count matches shape × element size;
    /// `source` names where the bytes came from in the error ("binary data", "raw_input_contents").
    package static func checkedByteCount(name: String, datatype: WireDataType, shape: [Int]) throws -> Int {
        if let bad = shape.first(where: { $0 < 0 }) {
            throw ServeError.invalidArgument("input '\(name)': shape \(shape) has a negative dimension \(bad)")
        }
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= Int(Int32.max) * 64 else {
                throw ServeError.invalidArgument("input '\(name)': shape \(shape) is too large")
            }
            count = product
        }
        return count * datatype.itemSize
    }
}

/// An output the client asked for by name, and whether it wants it as binary data (HTTP only).
package struct RequestedOutput: Sendable {
    package var name: String
    package var binary: Bool?
}

/// A protocol-neutral inference request: what both frontends hand to the ``ModelStore``.
package struct InferenceRequest: Sendable {
    package var modelName: String
    /// The version the client named, or nil for the server's choice (the highest served version).
    package var modelVersion: String?
    package var id: String?
    package var inputs: [WireTensor]
    /// Restricts the response to these outputs, in the model's order; nil means all outputs.
    package var requestedOutputs: [RequestedOutput]?

    package init(modelName: String, modelVersion: String?, id: String?, inputs: [WireTensor], requestedOutputs: [RequestedOutput]?) {
        self.modelName = modelName
        self.modelVersion = modelVersion
        self.id = id
        self.inputs = inputs
        self.requestedOutputs = requestedOutputs
    }
}

/// What a model answered.
package struct InferenceResponse: Sendable {
    package var modelName: String
    package var modelVersion: String
    package var id: String?
    package var outputs: [WireTensor]
}
