import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Quantized inference (fbgemm's operators as libtorch registers them): quantizing and dequantizing, the
    /// TorchBind packed-weight classes' constructors and accessors, and the `quantized::` products and
    /// elementwise operators. ATen operators on quantized tensors (pooling, `relu`, `flatten`, `cat`...) are the
    /// ordinary declarations: the tensor methods behind them handle quantized inputs.
    mutating func defineQuantizedOperators() {
        tensorOp("aten::quantize_per_tensor") { c in
            try c.tensor(0, "self").quantizePerTensor(scale: c.double(1, "scale"), zeroPoint: c.int64(2, "zero_point"), dtype: c.requiredDType(3, "dtype"))
        }
        tensorOp("aten::quantize_per_tensor.tensor_qparams") { c in
            try c.tensor(0, "self").quantizePerTensor(
                scale: c.tensor(1, "scale").item(), zeroPoint: Int64(c.tensor(2, "zero_point").item()), dtype: c.requiredDType(3, "dtype"))
        }
        tensorOp("aten::quantize_per_channel") { c in
            let scales = try c.tensor(1, "scales").to(.float64)
            let zeroPoints = try c.tensor(2, "zero_points").to(.int64)
            return try c.tensor(0, "self").quantizePerChannel(
                scales: scales.doubleValues(), zeroPoints: zeroPoints.doubleValues().map { Int64($0) }, axis: c.int(3, "axis"),
                dtype: c.requiredDType(4, "dtype"))
        }
        tensorOp("aten::dequantize.self") { try $0.tensor(0, "self").dequantize() }
        define(["aten::dequantize.tensors", "aten::dequantize.list"]) { c in
            .list(ScriptList(try c.tensors(0, "tensors").map { .tensor(try $0.dequantize()) }, elementType: "Tensor"))
        }
        tensorOp("aten::int_repr") { c in
            let tensor = try c.tensor(0, "self")
            _ = try tensor.requireQuantizer("int_repr")
            return try tensor.integerRepresentation.clone()
        }
        define("aten::q_scale") { c in .double(try c.tensor(0, "self").requireQuantizer("q_scale").perTensorParameters("q_scale").scale) }
        define("aten::q_zero_point") { c in
            .int(try c.tensor(0, "self").requireQuantizer("q_zero_point").perTensorParameters("q_zero_point").zeroPoint)
        }

        // Packed weights (TorchBind objects).
        define(["quantized::linear_prepack", "_quantized::linear_prepack"]) { c in
            let weights = try QuantizedLinearWeights(weight: c.tensor(0, "W"), bias: c.optionalTensor(1, "B"))
            return .object(TorchBindClass.linearPackedParameters.object(holding: weights))
        }
        define(["quantized::conv2d_prepack", "_quantized::conv2d_prepack"]) { c in
            let weights = try QuantizedConvolutionWeights(
                weight: c.tensor(0, "weight"), bias: c.optionalTensor(1, "bias"), stride: c.ints(2, "stride"), padding: c.ints(3, "padding"),
                dilation: c.ints(4, "dilation"), groups: c.int(5, "groups"))
            return .object(TorchBindClass.convolution2DPackedParameters.object(holding: weights))
        }
        define("quantized::linear_prepack_fp16") { c in
            let weights = try HalfPrecisionLinearWeights(weight: c.tensor(0, "W"), bias: c.optionalTensor(1, "B"))
            return .object(TorchBindClass.linearPackedParameters.object(holding: weights))
        }
        define("quantized::linear_unpack_fp16") { c in
            let weights = try c.native(0, "W_prepack", HalfPrecisionLinearWeights.self)
            return .tuple([.tensor(weights.weight), weights.bias.map(ScriptValue.tensor) ?? .none])
        }
        for (name, relu) in [("quantized::linear_dynamic_fp16", false), ("quantized::linear_relu_dynamic_fp16", true)] {
            tensorOp(name) { c in try c.tensor(0, "X").halfPrecisionLinear(c.native(1, "W_prepack", HalfPrecisionLinearWeights.self), relu: relu) }
        }
        define("quantized::linear_unpack") { c in
            let weights = try c.native(0, "W_prepack", QuantizedLinearWeights.self)
            return .tuple([.tensor(weights.weight), weights.bias.map(ScriptValue.tensor) ?? .none])
        }
        define("quantized::conv2d_unpack") { c in
            let weights = try c.native(0, "packed_weights", QuantizedConvolutionWeights.self)
            return .tuple([.tensor(weights.weight), weights.bias.map(ScriptValue.tensor) ?? .none])
        }

        // Matrix products.
        for (name, relu) in [("quantized::linear", false), ("quantized::linear_relu", true), ("_quantized::linear", false)] {
            tensorOp(name) { c in
                try c.tensor(0, "X").quantizedLinear(
                    c.native(1, "W_prepack", QuantizedLinearWeights.self), outputScale: c.double(2, "Y_scale_i"),
                    outputZeroPoint: c.int64(3, "Y_zero_point_i"), relu: relu)
            }
        }
        for (name, relu) in [("quantized::linear_dynamic", false), ("quantized::linear_relu_dynamic", true), ("_quantized::linear_dynamic", false)] {
            tensorOp(name) { c in
                try c.tensor(0, "X").quantizedLinearDynamic(
                    c.native(1, "W_prepack", QuantizedLinearWeights.self), reduceRange: c.bool(2, "reduce_range", default: false), relu: relu)
            }
        }
        for (name, relu) in [("quantized::conv2d.new", false), ("quantized::conv2d_relu.new", true)] {
            tensorOp(name) { c in
                try c.tensor(0, "qx").quantizedConvolution(
                    c.native(1, "packed_weight", QuantizedConvolutionWeights.self), outputScale: c.double(2, "output_scale"),
                    outputZeroPoint: c.int64(3, "output_zero_point"), relu: relu)
            }
        }

        // Dynamically quantized recurrent layers, padded: (input, hx, params, has_biases, num_layers, dropout,
        // train, bidirectional, batch_first); packed: (data, batch_sizes, hx, params, has_biases, num_layers,
        // dropout, train, bidirectional), each sequence run on its own (its own activation ranges: within
        // dynamic quantization's rounding of ATen, which quantizes the packed steps together).
        for (name, cell) in [("quantized_lstm", RecurrentCell.lstm), ("quantized_gru", .gru)] {
            define("aten::\(name).input") { c in
                let (hidden, weights) = try Self.dynamicRecurrentArguments(c, from: 1, cell: cell, name: name)
                let (output, states) = try c.tensor(0, "input").recurrent(
                    cell, hidden: hidden, weights: weights, layers: c.int(4, "num_layers"), bidirectional: c.bool(7, "bidirectional"),
                    batchFirst: c.bool(8, "batch_first"))
                return .tuple([.tensor(output)] + states.map { .tensor($0) })
            }
            define("aten::\(name).data") { c in
                let (hidden, weights) = try Self.dynamicRecurrentArguments(c, from: 2, cell: cell, name: name)
                return try Self.packedRecurrent(
                    cell, data: c.tensor(0, "data"), batchSizes: c.tensor(1, "batch_sizes").to(.int64).scalars(as: Int64.self).map(Int.init),
                    hidden: hidden, weights: weights, layers: c.int(5, "num_layers"), bidirectional: c.bool(8, "bidirectional"))
            }
        }

        // Elementwise.
        for (name, relu) in [("quantized::add", false), ("quantized::add_relu", true)] {
            tensorOp(name) { c in
                try c.tensor(0, "qa").quantizedAdd(c.tensor(1, "qb"), scale: c.double(2, "scale"), zeroPoint: c.int64(3, "zero_point"), relu: relu)
            }
        }
        for (name, relu) in [("quantized::mul", false), ("quantized::mul_relu", true)] {
            tensorOp(name) { c in
                try c.tensor(0, "qa").quantizedMultiply(c.tensor(1, "qb"), scale: c.double(2, "scale"), zeroPoint: c.int64(3, "zero_point"), relu: relu)
            }
        }
        tensorOp("quantized::cat") { c in
            try Tensor.quantizedCat(
                c.tensors(0, "qx"), dim: c.int(1, "dim"), scale: c.optionalDouble(2, "scale"), zeroPoint: c.optionalInt(3, "zero_point").map(Int64.init))
        }
        tensorOp("quantized::hardswish") { c in
            try c.tensor(0, "input").quantizedHardswish(scale: c.double(1, "output_scale"), zeroPoint: c.int64(2, "output_zero_point"))
        }
    }
}

extension OperatorDefinitions {
    /// `hx` (at `first`) and the `CellParamsBase` list after it, with the training flag checked.
    static func dynamicRecurrentArguments(_ c: Arguments, from first: Int, cell: RecurrentCell, name: String) throws -> ([Tensor], [RecurrentWeights]) {
        let hidden = cell == .lstm ? try c.tensors(first, "hx") : [try c.tensor(first, "hx")]
        guard case .list(let list) = c[first + 1] else { throw OperatorError("argument 'params' must be a list of CellParamsBase objects") }
        let weights = try list.elements.enumerated().map { index, value -> RecurrentWeights in
            guard let native = value.object?.native as? DynamicRecurrentWeights else {
                throw OperatorError("argument 'params' element \(index) is not a dynamically quantized cell (CellParamsBase)")
            }
            return RecurrentWeights(dynamic: native)
        }
        if try c.bool(first + 5, "train") { throw OperatorError("\(name) in training mode is not supported (call model.eval() before saving)") }
        return (hidden, weights)
    }
}

extension Arguments {
    /// The native object of a TorchBind argument, which must be a `T`.
    func native<T>(_ index: Int, _ name: String, _ type: T.Type) throws -> T {
        guard case .object(let object) = self[index], let native = object.native as? T else {
            throw OperatorError("argument '\(name)' (position \(index + 1)) must be a packed-weights object (\(T.self)), not \(self[index].kindName)")
        }
        return native
    }
}

extension Tensor {
    /// The elements as Doubles, row-major.
    fileprivate func doubleValues() throws -> [Double] {
        let wide = try to(.float64).contiguous()
        return Array(UnsafeBufferPointer(start: wide.baseAddress.assumingMemoryBound(to: Double.self), count: wide.elementCount))
    }
}
