/// A tensor element type, with PyTorch's names and c10 `ScalarType` codes.
public enum DType: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// 8-bit unsigned integer (`torch.uint8`).
    case uint8 = 0
    /// 8-bit signed integer (`torch.int8`).
    case int8 = 1
    /// 16-bit signed integer (`torch.int16`, `torch.short`).
    case int16 = 2
    /// 32-bit signed integer (`torch.int32`, `torch.int`).
    case int32 = 3
    /// 64-bit signed integer (`torch.int64`, `torch.long`): the dtype of Python `int` scalars and of indices.
    case int64 = 4
    /// IEEE 754 half precision (`torch.float16`, `torch.half`), stored as ``Half``.
    case float16 = 5
    /// 32-bit IEEE float (`torch.float32`): the default floating dtype.
    case float32 = 6
    /// 64-bit IEEE float (`torch.float64`, `torch.double`).
    case float64 = 7
    /// Complex number of two float16s (`torch.complex32`); stored, not computed with.
    case complex32 = 8
    /// Complex number of two float32s (`torch.complex64`), stored as ``Complex64``; not computed with.
    case complex64 = 9
    /// Complex number of two float64s (`torch.complex128`), stored as ``Complex128``; not computed with.
    case complex128 = 10
    /// Boolean (`torch.bool`), one byte per element.
    case bool = 11
    /// Quantized signed 8-bit integer (`torch.qint8`); stored, not computed with.
    case qint8 = 12
    /// Quantized unsigned 8-bit integer (`torch.quint8`); stored, not computed with.
    case quint8 = 13
    /// Quantized signed 32-bit integer (`torch.qint32`); stored, not computed with.
    case qint32 = 14
    /// Brain floating point (`torch.bfloat16`): float32's exponent range, 8 significant bits; stored as ``BFloat16``.
    case bfloat16 = 15
    /// Two quantized unsigned 4-bit integers per byte (`torch.quint4x2`); stored, not computed with.
    case quint4x2 = 16
    /// Four quantized unsigned 2-bit integers per byte (`torch.quint2x4`); stored, not computed with.
    case quint2x4 = 17
    /// 8-bit float, 5 exponent and 2 mantissa bits (`torch.float8_e5m2`); stored, not computed with.
    case float8_e5m2 = 23
    /// 8-bit float, 4 exponent and 3 mantissa bits, no infinities (`torch.float8_e4m3fn`); stored, not computed with.
    case float8_e4m3fn = 24
    /// 8-bit float, 5 exponent and 2 mantissa bits, no infinities or -0 (`torch.float8_e5m2fnuz`); stored, not
    /// computed with.
    case float8_e5m2fnuz = 25
    /// 8-bit float, 4 exponent and 3 mantissa bits, no infinities or -0 (`torch.float8_e4m3fnuz`); stored, not
    /// computed with.
    case float8_e4m3fnuz = 26
    /// 16-bit unsigned integer (`torch.uint16`); promotion with other integer dtypes is not supported.
    case uint16 = 27
    /// 32-bit unsigned integer (`torch.uint32`); promotion with other integer dtypes is not supported.
    case uint32 = 28
    /// 64-bit unsigned integer (`torch.uint64`); promotion with other integer dtypes is not supported.
    case uint64 = 29

    /// The c10 `ScalarType` code, as TorchScript code and archives spell dtypes (`torch.to(x, 6)`).
    public var scalarTypeCode: Int { rawValue }

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .bool, .uint8, .int8, .qint8, .quint8, .quint4x2, .quint2x4,
            .float8_e5m2, .float8_e4m3fn, .float8_e5m2fnuz, .float8_e4m3fnuz:
            1
        case .int16, .uint16, .float16, .bfloat16: 2
        case .int32, .uint32, .float32, .qint32, .complex32: 4
        case .int64, .uint64, .float64, .complex64: 8
        case .complex128: 16
        }
    }

    /// The name PyTorch prints without its `torch.` prefix, e.g. `float32`, `bfloat16`, `bool`.
    public var name: String {
        switch self {
        case .uint8: "uint8"
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .float16: "float16"
        case .float32: "float32"
        case .float64: "float64"
        case .complex32: "complex32"
        case .complex64: "complex64"
        case .complex128: "complex128"
        case .bool: "bool"
        case .qint8: "qint8"
        case .quint8: "quint8"
        case .qint32: "qint32"
        case .bfloat16: "bfloat16"
        case .quint4x2: "quint4x2"
        case .quint2x4: "quint2x4"
        case .float8_e5m2: "float8_e5m2"
        case .float8_e4m3fn: "float8_e4m3fn"
        case .float8_e5m2fnuz: "float8_e5m2fnuz"
        case .float8_e4m3fnuz: "float8_e4m3fnuz"
        case .uint16: "uint16"
        case .uint32: "uint32"
        case .uint64: "uint64"
        }
    }

    /// c10's `ScalarType` name (`Float`, `Long`, `BFloat16`...), used in storage class names and in
    /// libtorch's printed type names (`CPUFloatType`).
    public var scalarTypeName: String {
        switch self {
        case .uint8: "Byte"
        case .int8: "Char"
        case .int16: "Short"
        case .int32: "Int"
        case .int64: "Long"
        case .float16: "Half"
        case .float32: "Float"
        case .float64: "Double"
        case .complex32: "ComplexHalf"
        case .complex64: "ComplexFloat"
        case .complex128: "ComplexDouble"
        case .bool: "Bool"
        case .qint8: "QInt8"
        case .quint8: "QUInt8"
        case .qint32: "QInt32"
        case .bfloat16: "BFloat16"
        case .quint4x2: "QUInt4x2"
        case .quint2x4: "QUInt2x4"
        case .float8_e5m2: "Float8_e5m2"
        case .float8_e4m3fn: "Float8_e4m3fn"
        case .float8_e5m2fnuz: "Float8_e5m2fnuz"
        case .float8_e4m3fnuz: "Float8_e4m3fnuz"
        case .uint16: "UInt16"
        case .uint32: "UInt32"
        case .uint64: "UInt64"
        }
    }

    /// The name PyTorch prints without its `torch.` prefix (the same as `name`).
    public var description: String { name }

    /// The C++ element type's name as ATen's messages spell it (`float`, `double`, `long int`...): what
    /// libtorch prints for a `caffe2::TypeMeta`, as in lerp's "expected dtype float for end but got dtype double".
    public var cppName: String {
        switch self {
        case .float32: "float"
        case .float64: "double"
        case .float16: "c10::Half"
        case .bfloat16: "c10::BFloat16"
        case .int64: "long int"
        case .int32: "int"
        case .int16: "short int"
        case .int8: "signed char"
        case .uint8: "unsigned char"
        case .bool: "bool"
        default: name
        }
    }

    /// The dtype with this c10 `ScalarType` code, if Flint knows it.
    public init?(scalarTypeCode code: Int) {
        self.init(rawValue: code)
    }

    /// The dtype of a pickled storage class name such as `FloatStorage` or `BFloat16Storage`.
    public init?(storageClassName: String) {
        guard storageClassName.hasSuffix("Storage") else { return nil }
        let stem = storageClassName.dropLast("Storage".count)
        guard let match = DType.allCases.first(where: { $0.scalarTypeName == stem }) else { return nil }
        self = match
    }
}
