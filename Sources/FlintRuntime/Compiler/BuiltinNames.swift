import FlintTensor
import FlintValues

/// Names the printed code uses that are not operators: `torch.float32`, `math.pi`, tensor attributes.
enum BuiltinNames {
    /// `torch.<dtype>` and friends (TorchScript passes dtypes, layouts and memory formats as ints), `math.*`.
    static func constant(module: String, name: String) -> ScriptValue? {
        switch module {
        case "torch":
            if let dtype = dtypes[name] { return .int(Int64(dtype.scalarTypeCode)) }
            switch name {
            case "strided": return .int(0)
            case "contiguous_format": return .int(0)
            case "preserve_format": return .int(1)
            case "channels_last": return .int(2)
            case "channels_last_3d": return .int(3)
            default: return nil
            }
        case "math":
            switch name {
            case "pi": return .double(.pi)
            case "e": return .double(2.718281828459045)
            case "tau": return .double(2 * .pi)
            case "inf": return .double(.infinity)
            case "nan": return .double(.nan)
            default: return nil
            }
        default: return nil
        }
    }

    static let dtypes: [String: DType] = [
        "float32": .float32, "float": .float32, "float64": .float64, "double": .float64, "float16": .float16, "half": .float16,
        "bfloat16": .bfloat16, "int8": .int8, "int16": .int16, "short": .int16, "int32": .int32, "int": .int32, "int64": .int64,
        "long": .int64, "uint8": .uint8, "bool": .bool, "complex64": .complex64, "cfloat": .complex64, "complex128": .complex128,
        "cdouble": .complex128,
    ]

    /// Tensor attributes and the operators TorchScript compiles them to.
    static let tensorAttributes: [String: String] = [
        "shape": "aten::size", "dtype": "prim::dtype", "device": "prim::device", "is_cuda": "prim::is_cuda", "data": "prim::data",
        "requires_grad": "prim::requires_grad", "ndim": "aten::dim", "layout": "prim::layout", "is_cpu": "prim::is_cpu",
        "T": "aten::numpy_T", "mT": "aten::mT", "is_sparse": "prim::is_sparse", "is_quantized": "prim::is_quantized",
        "is_meta": "prim::is_meta", "is_mkldnn": "prim::is_mkldnn", "itemsize": "prim::itemsize", "nbytes": "prim::nbytes",
    ]

    /// Python builtins and the operators they are.
    static let functions: [String: String] = [
        "int": "aten::Int", "float": "aten::Float", "bool": "aten::Bool", "str": "aten::str", "len": "aten::len",
        "min": "prim::min", "max": "prim::max", "abs": "prim::abs", "round": "aten::round", "sum": "aten::sum", "any": "aten::any",
        "all": "aten::all", "sorted": "aten::sorted", "divmod": "aten::divmod", "list": "aten::list", "dict": "aten::dict",
        "ord": "aten::ord", "chr": "aten::chr", "hex": "aten::hex", "oct": "aten::oct", "bin": "aten::bin",
    ]
}
