import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Convolutions (direct and transposed) and pooling.
    mutating func defineConvolutionOperators() {
        // Convolution and pooling
        for (name, spatial) in [("conv1d", 1), ("conv2d", 2), ("conv3d", 3)] {
            let single = spatial == 1
            tensorOp("aten::\(name)") { c in
                try c.tensor(0, "input").convolution(
                    weight: c.tensor(1, "weight"), bias: c.optionalTensor(2, "bias"), stride: c.ints(3, "stride", default: [1], single: single),
                    padding: c.ints(4, "padding", default: [0], single: single), dilation: c.ints(5, "dilation", default: [1], single: single),
                    groups: c.int(6, "groups", default: 1))
            }
            tensorOp("aten::\(name).padding") { c in
                try c.tensor(0, "input").convolution(
                    weight: c.tensor(1, "weight"), bias: c.optionalTensor(2, "bias"), stride: c.ints(3, "stride", default: [1], single: single),
                    padding: c.string(4, "padding", default: "valid"), dilation: c.ints(5, "dilation", default: [1], single: single),
                    groups: c.int(6, "groups", default: 1))
            }
        }
        for name in ["conv_transpose1d", "conv_transpose2d.input", "conv_transpose3d.input"] {
            tensorOp("aten::\(name)") { c in
                try c.tensor(0, "input").transposedConvolution(
                    weight: c.tensor(1, "weight"), bias: c.optionalTensor(2, "bias"), stride: c.ints(3, "stride", default: [1]),
                    padding: c.ints(4, "padding", default: [0]), outputPadding: c.ints(5, "output_padding", default: [0]),
                    groups: c.int(6, "groups", default: 1), dilation: c.ints(7, "dilation", default: [1]))
            }
        }
        tensorOp("aten::convolution") { c in
            if try c.bool(6, "transposed") {
                return try c.tensor(0, "input").transposedConvolution(
                    weight: c.tensor(1, "weight"), bias: c.optionalTensor(2, "bias"), stride: c.ints(3, "stride"), padding: c.ints(4, "padding"),
                    outputPadding: c.ints(7, "output_padding"), groups: c.int(8, "groups"), dilation: c.ints(5, "dilation"))
            }
            return try c.tensor(0, "input").convolution(
                weight: c.tensor(1, "weight"), bias: c.optionalTensor(2, "bias"), stride: c.ints(3, "stride"),
                padding: c.ints(4, "padding"), dilation: c.ints(5, "dilation"), groups: c.int(8, "groups"))
        }
        for (name, spatial) in [("max_pool1d", 1), ("max_pool2d", 2), ("max_pool3d", 3)] {
            tensorOp("aten::\(name)") { c in
                let kernel = try Tensor.expandParameter(c.ints(1, "kernel_size"), spatial, "kernel_size")
                return try c.tensor(0, "self").maxPool(
                    kernel: kernel, stride: c.ints(2, "stride", default: []), padding: c.ints(3, "padding", default: [0]),
                    dilation: c.ints(4, "dilation", default: [1]), ceilMode: c.bool(5, "ceil_mode", default: false), withIndices: false).values
            }
            define("aten::\(name)_with_indices") { c in
                let kernel = try Tensor.expandParameter(c.ints(1, "kernel_size"), spatial, "kernel_size")
                let r = try c.tensor(0, "self").maxPool(
                    kernel: kernel, stride: c.ints(2, "stride", default: []), padding: c.ints(3, "padding", default: [0]),
                    dilation: c.ints(4, "dilation", default: [1]), ceilMode: c.bool(5, "ceil_mode", default: false))
                return .tuple([.tensor(r.values), .tensor(r.indices)])
            }
        }
        for (name, spatial) in [("avg_pool1d", 1), ("avg_pool2d", 2), ("avg_pool3d", 3)] {
            tensorOp("aten::\(name)") { c in
                let kernel = try Tensor.expandParameter(c.ints(1, "kernel_size"), spatial, "kernel_size")
                return try c.tensor(0, "self").avgPool(
                    kernel: kernel, stride: c.ints(2, "stride", default: []), padding: c.ints(3, "padding", default: [0]),
                    ceilMode: c.bool(4, "ceil_mode", default: false), countIncludePad: c.bool(5, "count_include_pad", default: true),
                    divisorOverride: c.optionalInt(6, "divisor_override"))
            }
        }
        for name in ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "_adaptive_avg_pool2d", "_adaptive_avg_pool3d"] {
            tensorOp("aten::\(name)") { try $0.tensor(0, "self").adaptiveAvgPool($0.ints(1, "output_size")) }
        }
        for name in ["adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d"] {
            define("aten::\(name)") { c in
                let r = try c.tensor(0, "self").adaptiveMaxPool(c.ints(1, "output_size"))
                return .tuple([.tensor(r.values), .tensor(r.indices)])
            }
        }

        // What traced convolutions record: `convolution`'s arguments plus cuDNN flags that do not matter on CPU.
        if let convolution = self["aten::convolution"] {
            define(["aten::_convolution", "aten::_convolution.deprecated"]) { c in
                try convolution(Arguments(Array(c.values.prefix(9))))
            }
        }
    }
}
