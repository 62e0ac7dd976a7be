import FlintLoader
import FlintTensor
import FlintValues

/// The enums of torch.export's serialized schema (`torch/_export/serde/schema.py`), whose codes differ from
/// c10's: a program's `dtype` 7 is float32 where TorchScript's 6 is.
enum ExportEnums {
    /// The schema's `ScalarType` code as Flint's dtype.
    static func dtype(_ code: Int64) -> DType? {
        switch code {
        case 1: .uint8
        case 2: .int8
        case 3: .int16
        case 4: .int32
        case 5: .int64
        case 6: .float16
        case 7: .float32
        case 8: .float64
        case 9: .complex32
        case 10: .complex64
        case 11: .complex128
        case 12: .bool
        case 13: .bfloat16
        case 28: .uint16
        case 29: .float8_e4m3fn
        case 30: .float8_e5m2
        case 31: .float8_e4m3fnuz
        case 32: .float8_e5m2fnuz
        case 34: .uint32
        case 35: .uint64
        default: nil
        }
    }

    /// The schema's `MemoryFormat` code as the int TorchScript passes (`contiguous_format` 0,
    /// `preserve_format` 1, `channels_last` 2, `channels_last_3d` 3).
    static func memoryFormat(_ code: Int64) -> Int64? {
        switch code {
        case 1: 0
        case 2: 2
        case 3: 3
        case 4: 1
        default: nil
        }
    }

    /// The schema's `Layout` code as the int TorchScript passes (only `strided`, 0, is run).
    static func layout(_ code: Int64) -> Int64? { code == 7 ? 0 : nil }
}

/// A size, stride or offset in the program: a number, a symbol of its range constraints (`s77`), or an
/// expression of symbols (`2*s77`).
enum SymbolicSize: Equatable, CustomStringConvertible {
    case fixed(Int)
    case symbol(String)
    case expression(String)

    init(json: JSONText, record: String) throws {
        if let value = json["as_int"]?.integer {
            self = .fixed(Int(value))
        } else if let text = json["as_expr"]?["expr_str"]?.string {
            self = Self.parse(text)
        } else {
            throw LoadError(.corrupt, "a size is neither as_int nor as_expr", record: record)
        }
    }

    /// `s77`, or sympy's `srepr` of a symbol (`Symbol('s77', positive=True, integer=True)`) or integer
    /// (`Integer(3)`); anything else is kept as an expression.
    private static func parse(_ text: String) -> SymbolicSize {
        let isName = { (t: Substring) in t.first.map { $0.isLetter } == true && t.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } }
        if isName(text[...]) { return .symbol(text) }
        if let value = Int(text) { return .fixed(value) }
        if text.hasPrefix("Symbol('") {
            let name = text.dropFirst("Symbol('".count).prefix { $0 != "'" }
            if isName(name) { return .symbol(String(name)) }
        }
        if text.hasPrefix("Integer("), let value = Int(text.dropFirst("Integer(".count).prefix { $0 != ")" }) { return .fixed(value) }
        return .expression(text)
    }

    var fixedValue: Int? {
        if case .fixed(let value) = self { return value }
        return nil
    }

    var description: String {
        switch self {
        case .fixed(let value): "\(value)"
        case .symbol(let name), .expression(let name): name
        }
    }
}

/// A tensor's dtype, sizes and strides as the program records them (`TensorMeta`).
struct TensorMeta {
    let dtype: DType
    let sizes: [SymbolicSize]
    let strides: [SymbolicSize]
    let storageOffset: Int

    init(json: JSONText, record: String) throws {
        guard let code = json["dtype"]?.integer else { throw LoadError(.corrupt, "tensor metadata has no dtype", record: record) }
        guard let dtype = ExportEnums.dtype(code) else {
            throw LoadError(.unsupported, "tensor dtype code \(code) of torch.export's schema is not supported", record: record)
        }
        self.dtype = dtype
        sizes = try (json["sizes"]?.array ?? []).map { try SymbolicSize(json: $0, record: record) }
        strides = try (json["strides"]?.array ?? []).map { try SymbolicSize(json: $0, record: record) }
        storageOffset = json["storage_offset"].flatMap { try? SymbolicSize(json: $0, record: record) }?.fixedValue ?? 0
        if let layout = json["layout"]?.integer, layout != 7 {
            throw LoadError(.unsupported, "tensors of layout code \(layout) (not strided) are not supported", record: record)
        }
    }

    var staticSizes: [Int]? {
        let values = sizes.compactMap(\.fixedValue)
        return values.count == sizes.count ? values : nil
    }

    var staticStrides: [Int]? {
        let values = strides.compactMap(\.fixedValue)
        return values.count == strides.count ? values : nil
    }

    /// `float32[s77, 3, 10, 10]`.
    var description: String { "\(dtype.name)[" + sizes.map(\.description).joined(separator: ", ") + "]" }
}

/// What a graph input placeholder is (`InputSpec`): an argument of the caller, or state the program carries.
enum InputKind {
    case userInput
    case parameter(String)
    case buffer(String, persistent: Bool)
    case tensorConstant(String)
    /// A non-tensor argument the program was specialised to.
    case constantInput(ScriptValue)
    case customObject(String)
    case token
}

/// What a graph output is (`OutputSpec`).
enum OutputKind {
    case userOutput
    case bufferMutation(String)
    case userInputMutation(String)
    case parameterMutation(String)
    case lossOutput
    case token
    case gradient
}
