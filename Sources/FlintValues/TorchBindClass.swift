import FlintScript
import FlintTensor

/// The TorchBind classes Flint implements natively: C++ classes registered with libtorch
/// (`torch.classes.<namespace>.<Name>`) that archives pickle by their `__getstate__` and that operators take
/// as arguments. Their objects are ``ScriptObject``s without attribute slots whose ``ScriptObject/native``
/// holds the Swift counterpart.
package enum TorchBindClass: String, CaseIterable, Sendable {
    /// Quantized linear weights (`quantized.LinearPackedParamsBase`): ``QuantizedLinearWeights`` (int8) or
    /// ``HalfPrecisionLinearWeights`` (float16, from `linear_prepack_fp16`).
    case linearPackedParameters = "__torch__.torch.classes.quantized.LinearPackedParamsBase"
    /// Quantized 2-D convolution weights (`quantized.Conv2dPackedParamsBase`): ``QuantizedConvolutionWeights``.
    case convolution2DPackedParameters = "__torch__.torch.classes.quantized.Conv2dPackedParamsBase"
    /// A dynamically quantized LSTM/GRU layer-direction (`rnn.CellParamsBase`): ``DynamicRecurrentWeights``.
    case recurrentCellParameters = "__torch__.torch.classes.rnn.CellParamsBase"
    /// An open `torch.autograd.profiler.record_function` range (`profiler._RecordFunction`), which
    /// `profiler::_record_function_enter_new` makes; never pickled.
    case recordFunction = "__torch__.torch.classes.profiler._RecordFunction"

    /// The class of this name, if Flint implements it.
    package init?(qualifiedName: String) {
        self.init(rawValue: qualifiedName)
    }

    private static let classTypes: [TorchBindClass: ClassType] = {
        var types: [TorchBindClass: ClassType] = [:]
        for kind in TorchBindClass.allCases {
            let name = String(kind.rawValue.split(separator: ".").last!)
            // Outline of a class without slots or methods: the methods libtorch binds are operators here.
            let outline = try! SourceOutline(text: "class \(name):\n  pass\n").class(named: name)!
            types[kind] = ClassType(qualifiedName: kind.rawValue, sourceRecord: "<TorchBind>", outline: outline)
        }
        return types
    }()

    /// The class type objects of this class have.
    package var classType: ClassType { Self.classTypes[self]! }

    /// A new object of this class holding `native`.
    package func object(holding native: AnyObject) -> ScriptObject {
        let object = ScriptObject(type: classType)
        object.native = native
        return object
    }

    /// The class an object belongs to, if it is one of these.
    package init?(of object: ScriptObject) {
        self.init(rawValue: object.type.qualifiedName)
    }

    /// Rebuilds the native object from the state libtorch's `__getstate__` pickled (BUILD), accepting the forms
    /// torch versions have written:
    /// - linear: `(weight, bias)`, the weight qint8 or float (float16 packing);
    /// - convolution, version 1: `(weight, bias, stride, padding, dilation, groups)` with lists and a groups tensor;
    ///   version 2: `("2", [params: int16 tensor, weight], [bias])`, params being
    ///   `[spatial dims, stride..., padding..., dilation..., output_padding..., groups, transposed]`;
    ///   version 3: `(3, [spatial dims, stride..., padding..., dilation..., output_padding..., groups, flags], [weight, bias])`.
    package func restore(_ object: ScriptObject, from state: ScriptValue) throws {
        do {
            switch self {
            case .linearPackedParameters:
                guard case .tuple(let items) = state, items.count == 2, let weight = items[0].tensor else {
                    throw TensorError("expected the state (weight, bias)")
                }
                object.native = weight.dtype == .qint8
                    ? try QuantizedLinearWeights(weight: weight, bias: items[1].tensor)
                    : try HalfPrecisionLinearWeights(weight: weight, bias: items[1].tensor)
            case .convolution2DPackedParameters:
                object.native = try Self.convolutionWeights(from: state)
            case .recurrentCellParameters:
                object.native = try Self.recurrentWeights(from: state)
            case .recordFunction:
                throw TensorError("a record_function range is made by running the model, not stored in an archive")
            }
        } catch let error as TensorError {
            throw TensorError("cannot restore \(rawValue) from its pickled state: \(error.message)")
        }
    }

    /// `(kind, tensors, doubles, longs, packed)`: kind `quantized_dynamic` (int8 packed projections, longs holding
    /// `reduce_range`) or `quantized_fp16` (float16 packed projections).
    private static func recurrentWeights(from state: ScriptValue) throws -> DynamicRecurrentWeights {
        guard case .tuple(let items) = state, items.count == 5, case .string(let kind) = items[0] else {
            throw TensorError("expected the state (kind, tensors, doubles, longs, packed weights)")
        }
        var packed: [AnyObject] = []
        var longs: [Int64] = []
        if case .list(let list) = items[4] { packed = list.elements.compactMap { $0.object?.native } }
        if case .list(let list) = items[3] { longs = list.elements.compactMap { if case .int(let i) = $0 { i } else { nil } } }
        func projection(_ native: AnyObject) throws -> DynamicRecurrentWeights.Projection {
            if let weights = native as? QuantizedLinearWeights { return .int8(weights) }
            if let weights = native as? HalfPrecisionLinearWeights { return .float16(weights) }
            throw TensorError("a recurrent cell's projection is not a packed linear weight")
        }
        guard kind == "quantized_dynamic" || kind == "quantized_fp16" else {
            throw TensorError("recurrent cells of kind '\(kind)' (static quantization) are not supported; dynamic int8 and float16 cells are")
        }
        guard packed.count == 2 else { throw TensorError("a \(kind) cell holds \(packed.count) packed weights, not 2") }
        return DynamicRecurrentWeights(
            input: try projection(packed[0]), hidden: try projection(packed[1]), reduceRange: (longs.first ?? 0) != 0)
    }

    private static func convolutionWeights(from state: ScriptValue) throws -> QuantizedConvolutionWeights {
        guard case .tuple(let items) = state, let version = items.first else { throw TensorError("the state is not a tuple") }
        func list(_ value: ScriptValue) -> [ScriptValue]? {
            if case .list(let l) = value { return l.elements }
            if case .tuple(let t) = value { return t }
            return nil
        }
        func ints(_ tensor: Tensor) throws -> [Int] {
            let wide = try tensor.to(.int64).contiguous()
            return (0..<wide.elementCount).map { Int(wide.baseAddress.assumingMemoryBound(to: Int64.self)[$0]) }
        }
        func build(_ config: [Int], weight: Tensor, bias: Tensor?) throws -> QuantizedConvolutionWeights {
            guard let spatial = config.first, spatial >= 1, config.count >= 1 + 4 * spatial + 2 else {
                throw TensorError("malformed convolution parameters \(config)")
            }
            let part = { (i: Int) in Array(config[(1 + i * spatial)..<(1 + (i + 1) * spatial)]) }
            guard spatial == 2 else { throw TensorError("only 2-D quantized convolutions are supported, got \(spatial)-D") }
            return try QuantizedConvolutionWeights(
                weight: weight, bias: bias, stride: part(0), padding: part(1), dilation: part(2), groups: config[1 + 4 * spatial],
                outputPadding: part(3), transposed: config[2 + 4 * spatial] & 1 != 0)
        }
        switch version {
        case .string("2"):
            guard items.count == 3, let tensors = list(items[1]), tensors.count >= 2, let params = tensors[0].tensor,
                let weight = tensors[1].tensor, let optionals = list(items[2])
            else { throw TensorError("expected the version-2 state (\"2\", [params, weight], [bias])") }
            return try build(ints(params), weight: weight, bias: optionals.first?.tensor)
        case .int(3):
            guard items.count == 3, let configValues = list(items[1]), let tensors = list(items[2]), let weight = tensors.first?.tensor else {
                throw TensorError("expected the version-3 state (3, config, [weight, bias])")
            }
            let config = try configValues.map { value -> Int in
                guard case .int(let i) = value else { throw TensorError("configuration values must be ints") }
                return Int(i)
            }
            return try build(config, weight: weight, bias: tensors.count > 1 ? tensors[1].tensor : nil)
        default:
            guard items.count == 6, let weight = items[0].tensor, let stride = list(items[2]), let padding = list(items[3]),
                let dilation = list(items[4]), let groups = items[5].tensor
            else { throw TensorError("unrecognised state (expected version 1, \"2\" or 3)") }
            func values(_ list: [ScriptValue]) throws -> [Int] {
                try list.flatMap { v -> [Int] in
                    if case .int(let i) = v { return [Int(i)] }
                    if let t = v.tensor { return try ints(t) }
                    throw TensorError("malformed convolution parameter")
                }
            }
            return try QuantizedConvolutionWeights(
                weight: weight, bias: items[1].tensor, stride: values(stride), padding: values(padding), dilation: values(dilation),
                groups: try ints(groups).first ?? 1)
        }
    }
}
