import Flint
import FlintServingProtocol

/// A tensor element type as the KServe v2 / Triton protocols spell it (`"FP32"`, `"INT64"`, ...), and the
/// Flint dtype it carries. `BYTES` is not here: TorchScript tensors cannot hold strings, so a request that
/// uses it is refused by name.
package enum WireDataType: String, Sendable, CaseIterable {
    case bool = "BOOL"
    case uint8 = "UINT8"
    case uint16 = "UINT16"
    case uint32 = "UINT32"
    case uint64 = "UINT64"
    case int8 = "INT8"
    case int16 = "INT16"
    case int32 = "INT32"
    case int64 = "INT64"
    case fp16 = "FP16"
    case bf16 = "BF16"
    case fp32 = "FP32"
    case fp64 = "FP64"

    /// Parses a protocol datatype name; throws `invalidArgument` naming the tensor for anything else.
    package init(protocolName: String, tensor: String) throws {
        guard let type = WireDataType(rawValue: protocolName) else {
            if protocolName == "BYTES" {
                throw ServeError.invalidArgument("input '\(tensor)': datatype BYTES is not supported (TorchScript tensors hold numbers only)")
            }
            throw ServeError.invalidArgument("input '\(tensor)': unknown datatype '\(protocolName)'")
        }
        self = type
    }

    /// The Flint dtype of this wire type.
    package var dtype: DType {
        switch self {
        case .bool: .bool
        case .uint8: .uint8
        case .uint16: .uint16
        case .uint32: .uint32
        case .uint64: .uint64
        case .int8: .int8
        case .int16: .int16
        case .int32: .int32
        case .int64: .int64
        case .fp16: .float16
        case .bf16: .bfloat16
        case .fp32: .float32
        case .fp64: .float64
        }
    }

    /// Bytes per element on the wire (little-endian, as the binary extension and `raw_*_contents` carry them).
    package var itemSize: Int { dtype.itemSize }

    /// The wire type for a Flint dtype; nil for dtypes the protocol cannot carry (complex, quantized).
    package init?(_ dtype: DType) {
        guard let type = WireDataType.allCases.first(where: { $0.dtype == dtype }) else { return nil }
        self = type
    }

    /// The wire type a Triton `config.pbtxt` `data_type` names; nil for `TYPE_STRING` and unknown values.
    package init?(_ configType: Inference_DataType) {
        switch configType {
        case .typeBool: self = .bool
        case .typeUint8: self = .uint8
        case .typeUint16: self = .uint16
        case .typeUint32: self = .uint32
        case .typeUint64: self = .uint64
        case .typeInt8: self = .int8
        case .typeInt16: self = .int16
        case .typeInt32: self = .int32
        case .typeInt64: self = .int64
        case .typeFp16: self = .fp16
        case .typeBf16: self = .bf16
        case .typeFp32: self = .fp32
        case .typeFp64: self = .fp64
        default: return nil
        }
    }
}
