import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Convolutions (direct and transposed) and pooling.
    mutating func defineConvolutionOperators() {
        // im2col (nn.Unfold): every kernel-sized block as a column, [N, C·kh·kw, L]; col2im (nn.Fold) sums the columns
        // back into an image of output_size.
        tensorOp("aten::im2col") { c in
            try Self.slidingBlocks(c.tensor(0, "self"), kernel: c.ints(1, "kernel_size"), dilation: c.ints(2, "dilation"), padding: c.ints(3, "padding"),
                                   stride: c.ints(4, "stride"), fold: nil)
        }
        tensorOp("aten::col2im") { c in
            try Self.slidingBlocks(c.tensor(0, "self"), kernel: c.ints(2, "kernel_size"), dilation: c.ints(3, "dilation"), padding: c.ints(4, "padding"),
                                   stride: c.ints(5, "stride"), fold: c.ints(1, "output_size"))
        }
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
            tensorOp("aten::\(name)", writing: { c, output in
                let kernel = try Tensor.expandParameter(c.ints(1, "kernel_size"), spatial, "kernel_size")
                return try c.tensor(0, "self").maxPool(
                    kernel: kernel, stride: c.ints(2, "stride", default: []), padding: c.ints(3, "padding", default: [0]),
                    dilation: c.ints(4, "dilation", default: [1]), ceilMode: c.bool(5, "ceil_mode", default: false), into: output)
            })
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
            tensorOp("aten::\(name)", writing: { try $0.tensor(0, "self").adaptiveAvgPool($0.ints(1, "output_size"), into: $1) })
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
        declareConvolutionResultShapes()
    }

    /// Result shapes of float32 convolutions (``OperatorShapeFunction``), checked as the bodies check them.
    private mutating func declareConvolutionResultShapes() {
        @Sendable func outline(_ c: Arguments, stride: [Int], padding: [Int], dilation: [Int], groups: Int) throws -> (shape: [Int], dtype: DType)? {
            let input = try c.tensor(0, "input"), weight = try c.tensor(1, "weight"), bias = try c.optionalTensor(2, "bias")
            guard input.dtype == .float32, bias.map({ $0.dtype == .float32 }) ?? true else { return nil }
            return (try input.convolutionResultShape(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups), .float32)
        }
        for (name, spatial) in [("conv1d", 1), ("conv2d", 2), ("conv3d", 3)] {
            let single = spatial == 1
            declareResultShape(["aten::\(name)"]) { c in
                try outline(
                    c, stride: c.ints(3, "stride", default: [1], single: single), padding: c.ints(4, "padding", default: [0], single: single),
                    dilation: c.ints(5, "dilation", default: [1], single: single), groups: c.int(6, "groups", default: 1))
            }
        }
        declareResultShape(["aten::convolution", "aten::_convolution", "aten::_convolution.deprecated"]) { c in
            guard try !c.bool(6, "transposed") else { return nil }
            return try outline(c, stride: c.ints(3, "stride"), padding: c.ints(4, "padding"), dilation: c.ints(5, "dilation"), groups: c.int(8, "groups"))
        }
    }

    /// im2col (`fold` nil) or col2im (`fold` = the output's spatial size). Block (ki, kj) of every position reads (or
    /// adds into) the padded image at (oh·sh + ki·dh, ow·sw + kj·dw); col2im adds overlapping blocks.
    private static func slidingBlocks(_ input: Tensor, kernel: [Int], dilation: [Int], padding: [Int], stride: [Int], fold: [Int]?) throws -> Tensor {
        func pair(_ values: [Int], _ name: String) throws -> (Int, Int) {
            guard values.count == 2 || values.count == 1 else {
                throw OperatorError("It is expected \(name) equals to 2, but got size \(values.count)")
            }
            return values.count == 1 ? (values[0], values[0]) : (values[0], values[1])
        }
        let (kh, kw) = try pair(kernel, "kernel_size"), (dh, dw) = try pair(dilation, "dilation")
        let (ph, pw) = try pair(padding, "padding"), (sh, sw) = try pair(stride, "stride")
        guard kh > 0 && kw > 0 else { throw OperatorError("kernel size should be greater than zero, but got kernel_height: \(kh) kernel_width: \(kw)") }
        guard sh > 0 && sw > 0 else { throw OperatorError("stride should be greater than zero, but got stride_height: \(sh) stride_width: \(sw)") }
        guard dh > 0 && dw > 0 else { throw OperatorError("dilation should be greater than zero, but got dilation_height: \(dh) dilation_width: \(dw)") }
        guard ph >= 0 && pw >= 0 else { throw OperatorError("padding should be non-negative, but got pad_height: \(ph) pad_width: \(pw)") }
        if let fold {
            let (height, width) = try pair(fold, "output_size")
            guard input.rank == 2 || input.rank == 3, input.elementCount > 0 || input.shape.dropFirst().allSatisfy({ $0 > 0 }) else {
                throw OperatorError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, but got: \(input.shape)")
            }
            let x = input.rank == 2 ? try input.unsqueeze(0) : input
            let (n, rows, blocks) = (x.shape[0], x.shape[1], x.shape[2])
            guard rows % (kh * kw) == 0 else {
                throw OperatorError("Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)=\(rows) and kernel_size=(\(kh), \(kw))")
            }
            let oh = (height + 2 * ph - (dh * (kh - 1) + 1)) / sh + 1, ow = (width + 2 * pw - (dw * (kw - 1) + 1)) / sw + 1
            guard oh >= 1 && ow >= 1 && oh * ow == blocks else {
                throw OperatorError("Given output_size=(\(height), \(width)), kernel_size=(\(kh), \(kw)), dilation=(\(dh), \(dw)), padding=(\(ph), \(pw)), stride=(\(sh), \(sw)), expected size of input's dimension 2 to match the calculated number of sliding blocks \(oh) * \(ow) = \(oh * ow), but got input.size(2)=\(blocks).")
            }
            let channels = rows / (kh * kw)
            let padded = Tensor(zeros: [n, channels, height + 2 * ph, width + 2 * pw], dtype: x.dtype)
            let columns = try x.reshape([n, channels, kh * kw, oh, ow])
            for i in 0..<kh {
                for j in 0..<kw {
                    let target = try padded.slice(dim: 2, start: i * dh, end: i * dh + (oh - 1) * sh + 1, step: sh)
                        .slice(dim: 3, start: j * dw, end: j * dw + (ow - 1) * sw + 1, step: sw)
                    try target.copy(from: target.add(columns.select(dim: 2, index: i * kw + j)))
                }
            }
            let result = try padded.narrow(dim: 2, start: ph, length: height).narrow(dim: 3, start: pw, length: width).contiguous()
            return input.rank == 2 ? try result.squeeze(0) : result
        }
        guard input.rank == 3 || input.rank == 4, input.shape.dropFirst().allSatisfy({ $0 > 0 }) else {
            throw OperatorError("Expected 3D or 4D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, but got: \(input.shape)")
        }
        let x = input.rank == 3 ? try input.unsqueeze(0) : input
        let (n, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = (height + 2 * ph - (dh * (kh - 1) + 1)) / sh + 1, ow = (width + 2 * pw - (dw * (kw - 1) + 1)) / sw + 1
        guard oh >= 1 && ow >= 1 else {
            throw OperatorError("Given input with spatial size (\(height), \(width)), kernel_size=(\(kh), \(kw)), dilation=(\(dh), \(dw)), padding=(\(ph), \(pw)), calculated shape of the array of sliding blocks as (\(oh), \(ow)), but its components must be at least one.")
        }
        let padded = try x.pad([pw, pw, ph, ph])
        var blocks: [Tensor] = []
        for i in 0..<kh {
            for j in 0..<kw {
                blocks.append(try padded.slice(dim: 2, start: i * dh, end: i * dh + (oh - 1) * sh + 1, step: sh)
                    .slice(dim: 3, start: j * dw, end: j * dw + (ow - 1) * sw + 1, step: sw))
            }
        }
        let result = try Tensor.stack(blocks, dim: 2).reshape([n, channels * kh * kw, oh * ow])
        return input.rank == 3 ? try result.squeeze(0) : result
    }
}
