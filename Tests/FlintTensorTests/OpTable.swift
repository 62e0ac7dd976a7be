import FlintTensor

/// How each ATen operator in the conformance fixtures maps onto the tensor library's API. (The runtime's
/// operator registry binds the same schemas; this table only exists so kernels are tested on raw tensors.)
enum OpTable {
    typealias Implementation = @Sendable (OpCall) throws -> OpOutput

    static let operations: [String: Implementation] = {
        var table: [String: Implementation] = [:]
        func tensorOp(_ name: String, _ body: @escaping @Sendable (OpCall) throws -> Tensor) {
            table[name] = { .tensor(try body($0)) }
        }
        func unary(_ name: String, _ body: @escaping @Sendable (Tensor) throws -> Tensor) {
            tensorOp("aten::\(name)") { try body($0.tensor(0, "self")) }
        }
        unary("exp") { try $0.exp() }
        unary("exp2") { try $0.exp2() }
        unary("log") { try $0.log() }
        unary("log2") { try $0.log2() }
        unary("log10") { try $0.log10() }
        unary("log1p") { try $0.log1p() }
        unary("expm1") { try $0.expm1() }
        unary("sqrt") { try $0.sqrt() }
        unary("rsqrt") { try $0.rsqrt() }
        unary("sin") { try $0.sin() }
        unary("cos") { try $0.cos() }
        unary("tan") { try $0.tan() }
        unary("asin") { try $0.asin() }
        unary("acos") { try $0.acos() }
        unary("atan") { try $0.atan() }
        unary("sinh") { try $0.sinh() }
        unary("cosh") { try $0.cosh() }
        unary("tanh") { try $0.tanh() }
        unary("asinh") { try $0.asinh() }
        unary("acosh") { try $0.acosh() }
        unary("atanh") { try $0.atanh() }
        unary("sigmoid") { try $0.sigmoid() }
        unary("erf") { try $0.erf() }
        unary("erfc") { try $0.erfc() }
        unary("reciprocal") { try $0.reciprocal() }
        unary("silu") { try $0.silu() }
        unary("mish") { try $0.mish() }
        unary("hardswish") { try $0.hardswish() }
        unary("hardsigmoid") { try $0.hardsigmoid() }
        unary("selu") { try $0.selu() }
        unary("frac") { try $0.frac() }
        unary("abs") { try $0.abs() }
        unary("neg") { try $0.neg() }
        unary("sign") { try $0.sign() }
        unary("sgn") { try $0.sign() }
        unary("relu") { try $0.relu() }
        unary("floor") { try $0.floor() }
        unary("ceil") { try $0.ceil() }
        unary("trunc") { try $0.trunc() }
        unary("round") { try $0.round() }
        unary("square") { try $0.square() }
        unary("bitwise_not") { try $0.bitwiseNot() }
        unary("logical_not") { try $0.logicalNot() }
        unary("isnan") { try $0.isNaN() }
        unary("isinf") { try $0.isInfinite() }
        unary("isfinite") { try $0.isFinite() }
        tensorOp("aten::gelu") { try $0.tensor(0, "self").gelu(approximate: $0.string(1, "approximate", default: "none")) }
        tensorOp("aten::softplus") { try $0.tensor(0, "self").softplus(beta: $0.double(1, "beta", default: 1), threshold: $0.double(2, "threshold", default: 20)) }
        tensorOp("aten::elu") {
            try $0.tensor(0, "self").elu(alpha: $0.double(1, "alpha", default: 1), scale: $0.double(2, "scale", default: 1), inputScale: $0.double(3, "input_scale", default: 1))
        }
        tensorOp("aten::celu") { try $0.tensor(0, "self").celu(alpha: $0.double(1, "alpha", default: 1)) }
        tensorOp("aten::leaky_relu") { try $0.tensor(0, "self").leakyRelu(negativeSlope: $0.double(1, "negative_slope", default: 0.01)) }
        tensorOp("aten::hardtanh") { try $0.tensor(0, "self").hardtanh(min: $0.double(1, "min_val", default: -1), max: $0.double(2, "max_val", default: 1)) }
        unary("relu6") { try $0.hardtanh(min: 0, max: 6) }
        tensorOp("aten::nan_to_num") { try $0.tensor(0, "self").nanToNum(nan: $0.optionalDouble(1, "nan"), posinf: $0.optionalDouble(2, "posinf"), neginf: $0.optionalDouble(3, "neginf")) }
        tensorOp("aten::round.decimals") { try $0.tensor(0, "self").round(decimals: $0.int(1, "decimals", default: 0)) }
        tensorOp("aten::clamp.Tensor") { c in
            var result = try c.tensor(0, "self")
            if let lower = try c.optionalTensor(1, "min") { result = try Tensor.binary(Maximum(), .tensor(result), .tensor(lower), operation: "clamp") }
            if let upper = try c.optionalTensor(2, "max") { result = try Tensor.binary(Minimum(), .tensor(result), .tensor(upper), operation: "clamp") }
            return result
        }
        tensorOp("aten::clamp_min.Tensor") { try Tensor.binary(Maximum(), .tensor($0.tensor(0, "self")), .tensor($0.tensor(1, "min")), operation: "clamp_min") }
        tensorOp("aten::clamp_max.Tensor") { try Tensor.binary(Minimum(), .tensor($0.tensor(0, "self")), .tensor($0.tensor(1, "max")), operation: "clamp_max") }
        tensorOp("aten::clamp") { try $0.tensor(0, "self").clamp(min: $0.optionalScalar(1, "min"), max: $0.optionalScalar(2, "max")) }
        tensorOp("aten::clamp_min") { try $0.tensor(0, "self").clamp(min: $0.scalar(1, "min"), max: nil) }
        tensorOp("aten::clamp_max") { try $0.tensor(0, "self").clamp(min: nil, max: $0.scalar(1, "max")) }
        tensorOp("aten::_to_copy") { c in
            let t = try c.tensor(0, "self")
            let copy = Tensor.zeros(t.shape, dtype: try c.optionalDType(1, "dtype") ?? t.dtype)
            try copy.copy(from: t)
            return copy
        }
        tensorOp("aten::to.dtype") { try $0.tensor(0, "self").to($0.optionalDType(1, "dtype")!) }

        // Binary
        for overload in ["Tensor", "Scalar"] {
            tensorOp("aten::add.\(overload)") { try Tensor.add($0.operand(0, "self"), $0.operand(1, "other"), alpha: $0.scalar(2, "alpha", default: .int(1))) }
            tensorOp("aten::sub.\(overload)") { try Tensor.sub($0.operand(0, "self"), $0.operand(1, "other"), alpha: $0.scalar(2, "alpha", default: .int(1))) }
            tensorOp("aten::mul.\(overload)") { try Tensor.binary(Mul(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "mul") }
            tensorOp("aten::div.\(overload)") { try Tensor.binary(Div(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "div", promoteIntegersToFloat: true) }
            tensorOp("aten::div.\(overload)_mode") { c in
                let mode = try c.optionalString(2, "rounding_mode")
                switch mode {
                case nil: return try Tensor.binary(Div(), c.operand(0, "self"), c.operand(1, "other"), operation: "div", promoteIntegersToFloat: true)
                case "floor": return try Tensor.binary(FloorDivide(), c.operand(0, "self"), c.operand(1, "other"), operation: "div")
                default:
                    let q = try Tensor.binary(Div(), c.operand(0, "self"), c.operand(1, "other"), operation: "div", promoteIntegersToFloat: false)
                    return try q.dtype.isFloatingPoint ? q.trunc() : q
                }
            }
            tensorOp("aten::remainder.\(overload)") { try Tensor.binary(Remainder(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "remainder") }
            tensorOp("aten::fmod.\(overload)") { try Tensor.binary(FMod(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "fmod") }
            tensorOp("aten::floor_divide\(overload == "Tensor" ? "" : ".Scalar")") { try Tensor.binary(FloorDivide(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "floor_divide") }
            for (name, op) in [("eq", Equal() as any BinaryComparison), ("ne", NotEqual()), ("lt", Less()), ("le", LessEqual()), ("gt", Greater()), ("ge", GreaterEqual())] {
                tensorOp("aten::\(name).\(overload)") { try Tensor.compare(op, $0.operand(0, "self"), $0.operand(1, "other"), operation: name) }
            }
        }
        tensorOp("aten::maximum") { try Tensor.binary(Maximum(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "maximum") }
        tensorOp("aten::minimum") { try Tensor.binary(Minimum(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "minimum") }
        tensorOp("aten::where.self") { try Tensor.where($0.tensor(0, "condition"), $0.operand(1, "self"), $0.operand(2, "other")) }
        tensorOp("aten::where.ScalarOther") { try Tensor.where($0.tensor(0, "condition"), $0.operand(1, "self"), $0.operand(2, "other")) }
        tensorOp("aten::where.ScalarSelf") { try Tensor.where($0.tensor(0, "condition"), $0.operand(1, "self"), $0.operand(2, "other")) }
        tensorOp("aten::where.Scalar") { try Tensor.where($0.tensor(0, "condition"), $0.operand(1, "self"), $0.operand(2, "other")) }
        tensorOp("aten::masked_fill.Scalar") { try $0.tensor(0, "self").maskedFill($0.tensor(1, "mask"), value: $0.scalar(2, "value")) }

        // Reductions
        tensorOp("aten::sum") { try $0.tensor(0, "self").sum(dtype: $0.optionalDType(1, "dtype")) }
        tensorOp("aten::sum.dim_IntList") { try $0.tensor(0, "self").sum(dims: $0.optionalInts(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false), dtype: $0.optionalDType(3, "dtype")) }
        tensorOp("aten::mean") { try $0.tensor(0, "self").mean(dtype: $0.optionalDType(1, "dtype")) }
        tensorOp("aten::mean.dim") { try $0.tensor(0, "self").mean(dims: $0.optionalInts(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false), dtype: $0.optionalDType(3, "dtype")) }
        tensorOp("aten::amax") { try $0.tensor(0, "self").amax(dims: $0.ints(1, "dim", default: []), keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::amin") { try $0.tensor(0, "self").amin(dims: $0.ints(1, "dim", default: []), keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::max") { try $0.tensor(0, "self").amax() }
        tensorOp("aten::min") { try $0.tensor(0, "self").amin() }
        table["aten::max.dim"] = { c in
            let r = try c.tensor(0, "self").max(dim: c.int(1, "dim"), keepDim: c.bool(2, "keepdim", default: false))
            return .tuple([.tensor(r.values), .tensor(r.indices)])
        }
        table["aten::min.dim"] = { c in
            let r = try c.tensor(0, "self").min(dim: c.int(1, "dim"), keepDim: c.bool(2, "keepdim", default: false))
            return .tuple([.tensor(r.values), .tensor(r.indices)])
        }
        tensorOp("aten::argmax") { try $0.tensor(0, "self").argmax(dim: $0.optionalInt(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::argmin") { try $0.tensor(0, "self").argmin(dim: $0.optionalInt(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::var.correction") { c in
            try c.tensor(0, "self").variance(dims: c.optionalInts(1, "dim"), correction: c.optionalDouble(2, "correction") ?? 1, keepDim: c.bool(3, "keepdim", default: false))
        }
        tensorOp("aten::std.correction") { c in
            try c.tensor(0, "self").standardDeviation(dims: c.optionalInts(1, "dim"), correction: c.optionalDouble(2, "correction") ?? 1, keepDim: c.bool(3, "keepdim", default: false))
        }
        tensorOp("aten::var.dim") { c in
            try c.tensor(0, "self").variance(dims: c.optionalInts(1, "dim"), correction: c.bool(2, "unbiased", default: true) ? 1 : 0, keepDim: c.bool(3, "keepdim", default: false))
        }
        tensorOp("aten::std.dim") { c in
            try c.tensor(0, "self").standardDeviation(dims: c.optionalInts(1, "dim"), correction: c.bool(2, "unbiased", default: true) ? 1 : 0, keepDim: c.bool(3, "keepdim", default: false))
        }
        tensorOp("aten::var") { try $0.tensor(0, "self").variance(correction: $0.bool(1, "unbiased", default: true) ? 1 : 0) }
        tensorOp("aten::std") { try $0.tensor(0, "self").standardDeviation(correction: $0.bool(1, "unbiased", default: true) ? 1 : 0) }
        tensorOp("aten::softmax.int") { try $0.tensor(0, "self").softmax(dim: $0.int(1, "dim"), dtype: $0.optionalDType(2, "dtype")) }
        tensorOp("aten::log_softmax.int") { try $0.tensor(0, "self").logSoftmax(dim: $0.int(1, "dim"), dtype: $0.optionalDType(2, "dtype")) }
        tensorOp("aten::_softmax") { try $0.tensor(0, "self").softmax(dim: $0.int(1, "dim")) }
        tensorOp("aten::_log_softmax") { try $0.tensor(0, "self").logSoftmax(dim: $0.int(1, "dim")) }
        tensorOp("aten::cumsum") { try $0.tensor(0, "self").cumsum(dim: $0.int(1, "dim"), dtype: $0.optionalDType(2, "dtype")) }
        tensorOp("aten::logsumexp") { try $0.tensor(0, "self").logsumexp(dims: $0.ints(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false)) }

        // Linear algebra
        tensorOp("aten::mm") { try $0.tensor(0, "self").mm($0.tensor(1, "mat2")) }
        tensorOp("aten::bmm") { try $0.tensor(0, "self").bmm($0.tensor(1, "mat2")) }
        tensorOp("aten::matmul") { try $0.tensor(0, "self").matmul($0.tensor(1, "other")) }
        tensorOp("aten::mv") { try $0.tensor(0, "self").mv($0.tensor(1, "vec")) }
        tensorOp("aten::dot") { try $0.tensor(0, "self").dot($0.tensor(1, "tensor")) }
        tensorOp("aten::addmm") { c in
            try Tensor.addmm(c.tensor(0, "self"), c.tensor(1, "mat1"), c.tensor(2, "mat2"), beta: c.double(3, "beta", default: 1), alpha: c.double(4, "alpha", default: 1))
        }
        tensorOp("aten::baddbmm") { c in
            try Tensor.baddbmm(c.tensor(0, "self"), c.tensor(1, "batch1"), c.tensor(2, "batch2"), beta: c.double(3, "beta", default: 1), alpha: c.double(4, "alpha", default: 1))
        }
        tensorOp("aten::linear") { try $0.tensor(0, "input").linear(weight: $0.tensor(1, "weight"), bias: $0.optionalTensor(2, "bias")) }

        // Convolution and pooling
        for (name, spatial) in [("conv1d", 1), ("conv2d", 2), ("conv3d", 3)] {
            tensorOp("aten::\(name)") { c in
                try c.tensor(0, "input").convolution(
                    weight: c.tensor(1, "weight"), bias: c.optionalTensor(2, "bias"), stride: c.ints(3, "stride", default: [1]),
                    padding: c.ints(4, "padding", default: [0]), dilation: c.ints(5, "dilation", default: [1]), groups: c.int(6, "groups", default: 1))
            }
            _ = spatial
        }
        tensorOp("aten::convolution") { c in
            guard try !c.bool(6, "transposed") else { throw TensorError("transposed convolution through aten::convolution is not supported yet") }
            return try c.tensor(0, "input").convolution(
                weight: c.tensor(1, "weight"), bias: c.optionalTensor(2, "bias"), stride: c.ints(3, "stride"),
                padding: c.ints(4, "padding"), dilation: c.ints(5, "dilation"), groups: c.int(8, "groups"))
        }
        for (name, spatial) in [("max_pool1d", 1), ("max_pool2d", 2), ("max_pool3d", 3)] {
            tensorOp("aten::\(name)") { c in
                let kernel = try Tensor.expandParameter(c.ints(1, "kernel_size"), spatial, "kernel_size")
                return try c.tensor(0, "self").maxPool(
                    kernel: kernel, stride: c.ints(2, "stride", default: []), padding: c.ints(3, "padding", default: [0]),
                    dilation: c.ints(4, "dilation", default: [1]), ceilMode: c.bool(5, "ceil_mode", default: false)).values
            }
            table["aten::\(name)_with_indices"] = { c in
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
            table["aten::\(name)"] = { c in
                let r = try c.tensor(0, "self").adaptiveMaxPool(c.ints(1, "output_size"))
                return .tuple([.tensor(r.values), .tensor(r.indices)])
            }
        }

        // Normalization
        tensorOp("aten::batch_norm") { c in
            try c.tensor(0, "input").batchNorm(
                weight: c.optionalTensor(1, "weight"), bias: c.optionalTensor(2, "bias"), runningMean: c.optionalTensor(3, "running_mean"),
                runningVar: c.optionalTensor(4, "running_var"), training: c.bool(5, "training"), epsilon: c.double(7, "eps"))
        }
        tensorOp("aten::layer_norm") { c in
            try c.tensor(0, "input").layerNorm(
                normalizedShape: c.ints(1, "normalized_shape"), weight: c.optionalTensor(2, "weight"), bias: c.optionalTensor(3, "bias"),
                epsilon: c.double(4, "eps", default: 1e-5))
        }
        tensorOp("aten::group_norm") { c in
            try c.tensor(0, "input").groupNorm(groups: c.int(1, "num_groups"), weight: c.optionalTensor(2, "weight"), bias: c.optionalTensor(3, "bias"), epsilon: c.double(4, "eps", default: 1e-5))
        }
        tensorOp("aten::instance_norm") { c in
            try c.tensor(0, "input").instanceNorm(weight: c.optionalTensor(1, "weight"), bias: c.optionalTensor(2, "bias"), epsilon: c.double(7, "eps"))
        }
        tensorOp("aten::embedding") { try $0.tensor(0, "weight").embedding($0.tensor(1, "indices")) }

        // Indexing and shape
        tensorOp("aten::index_select") { try $0.tensor(0, "self").indexSelect(dim: $0.int(1, "dim"), index: $0.tensor(2, "index")) }
        tensorOp("aten::gather") { try $0.tensor(0, "self").gather(dim: $0.int(1, "dim"), index: $0.tensor(2, "index")) }
        tensorOp("aten::masked_select") { try $0.tensor(0, "self").maskedSelect($0.tensor(1, "mask")) }
        tensorOp("aten::nonzero") { try $0.tensor(0, "self").nonzero() }
        tensorOp("aten::cat") { try Tensor.cat($0.tensors(0, "tensors"), dim: $0.int(1, "dim", default: 0)) }
        tensorOp("aten::stack") { try Tensor.stack($0.tensors(0, "tensors"), dim: $0.int(1, "dim", default: 0)) }
        tensorOp("aten::constant_pad_nd") { try $0.tensor(0, "self").pad($0.ints(1, "pad"), mode: "constant", value: $0.double(2, "value", default: 0)) }
        tensorOp("aten::pad") { c in
            try c.tensor(0, "self").pad(c.ints(1, "pad"), mode: c.string(2, "mode", default: "constant"), value: c.optionalDouble(3, "value") ?? 0)
        }
        tensorOp("aten::reflection_pad1d") { try $0.tensor(0, "self").pad($0.ints(1, "padding"), mode: "reflect") }
        tensorOp("aten::reflection_pad2d") { try $0.tensor(0, "self").pad($0.ints(1, "padding"), mode: "reflect") }
        tensorOp("aten::replication_pad1d") { try $0.tensor(0, "self").pad($0.ints(1, "padding"), mode: "replicate") }
        tensorOp("aten::replication_pad2d") { try $0.tensor(0, "self").pad($0.ints(1, "padding"), mode: "replicate") }
        tensorOp("aten::flip") { try $0.tensor(0, "self").flip($0.ints(1, "dims")) }
        tensorOp("aten::tril") { try $0.tensor(0, "self").triangle(upper: false, diagonal: $0.int(1, "diagonal", default: 0)) }
        tensorOp("aten::triu") { try $0.tensor(0, "self").triangle(upper: true, diagonal: $0.int(1, "diagonal", default: 0)) }
        tensorOp("aten::flatten.using_ints") { try $0.tensor(0, "self").flatten(startDim: $0.int(1, "start_dim", default: 0), endDim: $0.int(2, "end_dim", default: -1)) }
        tensorOp("aten::reshape") { try $0.tensor(0, "self").reshape($0.ints(1, "shape")) }
        tensorOp("aten::view") { try $0.tensor(0, "self").view($0.ints(1, "size")) }
        tensorOp("aten::transpose.int") { try $0.tensor(0, "self").transpose($0.int(1, "dim0"), $0.int(2, "dim1")) }
        tensorOp("aten::permute") { try $0.tensor(0, "self").permute($0.ints(1, "dims")) }
        table["aten::chunk"] = { c in .tuple(try c.tensor(0, "self").chunk(c.int(1, "chunks"), dim: c.int(2, "dim", default: 0)).map { .tensor($0) }) }
        table["aten::unbind.int"] = { c in .tuple(try c.tensor(0, "self").unbind(dim: c.int(1, "dim", default: 0)).map { .tensor($0) }) }
        table["aten::split.Tensor"] = { c in .tuple(try c.tensor(0, "self").split(c.int(1, "split_size"), dim: c.int(2, "dim", default: 0)).map { .tensor($0) }) }
        table["aten::split_with_sizes"] = { c in .tuple(try c.tensor(0, "self").split(sizes: c.ints(1, "split_sizes"), dim: c.int(2, "dim", default: 0)).map { .tensor($0) }) }

        // Interpolation
        for (name, mode) in [
            ("upsample_nearest1d", "nearest"), ("upsample_nearest2d", "nearest"), ("upsample_nearest3d", "nearest"),
            ("_upsample_nearest_exact1d", "nearest-exact"), ("_upsample_nearest_exact2d", "nearest-exact"), ("_upsample_nearest_exact3d", "nearest-exact"),
        ] {
            tensorOp("aten::\(name).vec") { try interpolate($0, mode: mode, alignCornersIndex: nil) }
            tensorOp("aten::\(name)") { try interpolateExplicit($0, mode: mode, hasAlignCorners: false) }
        }
        for (name, mode) in [("upsample_linear1d", "linear"), ("upsample_bilinear2d", "bilinear"), ("upsample_trilinear3d", "trilinear"), ("upsample_bicubic2d", "bicubic")] {
            tensorOp("aten::\(name).vec") { try interpolate($0, mode: mode, alignCornersIndex: 2) }
            tensorOp("aten::\(name)") { try interpolateExplicit($0, mode: mode, hasAlignCorners: true) }
        }

        // Creation
        tensorOp("aten::arange") { c in try Tensor.arange(end: c.scalar(0, "end"), dtype: c.optionalDType(1, "dtype")) }
        tensorOp("aten::arange.start") { c in try Tensor.arange(start: c.scalar(0, "start"), end: c.scalar(1, "end"), dtype: c.optionalDType(2, "dtype")) }
        tensorOp("aten::arange.start_step") { c in
            try Tensor.arange(start: c.scalar(0, "start"), end: c.scalar(1, "end"), step: c.scalar(2, "step"), dtype: c.optionalDType(3, "dtype"))
        }
        tensorOp("aten::linspace") { c in
            try Tensor.linspace(start: c.double(0, "start"), end: c.double(1, "end"), steps: c.int(2, "steps"), dtype: c.optionalDType(3, "dtype") ?? .float32)
        }
        tensorOp("aten::eye") { try Tensor.eye($0.int(0, "n"), dtype: $0.optionalDType(1, "dtype") ?? .float32) }
        tensorOp("aten::eye.m") { try Tensor.eye($0.int(0, "n"), $0.int(1, "m"), dtype: $0.optionalDType(2, "dtype") ?? .float32) }
        tensorOp("aten::zeros") { try Tensor.zeros($0.ints(0, "size"), dtype: $0.optionalDType(1, "dtype") ?? .float32) }
        tensorOp("aten::ones") { try Tensor.ones($0.ints(0, "size"), dtype: $0.optionalDType(1, "dtype") ?? .float32) }
        tensorOp("aten::full") { c in
            let value = try c.scalar(1, "fill_value")
            let dtype: DType = try c.optionalDType(2, "dtype") ?? {
                switch value {
                case .bool: return .bool
                case .int: return .int64
                case .double: return .float32
                }
            }()
            let result = Tensor.zeros(try c.ints(0, "size"), dtype: dtype)
            try result.copy(from: value.tensor(dtype))
            return result
        }
        // In-place variants: compute out of place, then write into `self` (through any view), provided the
        // result's dtype can be cast to self's as ATen requires.
        for (name, implementation) in table {
            let parts = name.split(separator: ".", maxSplits: 1)
            let inplace = parts[0] + "_" + (parts.count > 1 ? "." + parts[1] : "")
            guard table[String(inplace)] == nil else { continue }
            table[String(inplace)] = { c in
                let target = try c.tensor(0, "self")
                guard case .tensor(let result) = try implementation(c) else { throw TensorError("in-place op without a tensor result") }
                guard canCast(result.dtype, to: target.dtype) else {
                    throw TensorError("result type \(result.dtype.scalarTypeName) can't be cast to the desired output type \(target.dtype.scalarTypeName)")
                }
                try target.copy(from: result)
                return .tensor(target)
            }
        }
        return table
    }()

    /// ATen's `canCast`: no narrowing across categories (float → integer, integer → bool).
    static func canCast(_ from: DType, to: DType) -> Bool {
        if from.isFloatingPoint && !to.isFloatingPoint { return false }
        if from != .bool && to == .bool { return false }
        return true
    }

    private static func interpolate(_ c: OpCall, mode: String, alignCornersIndex: Int?) throws -> Tensor {
        let input = try c.tensor(0, "input")
        let spatial = input.rank - 2
        let alignCorners = try alignCornersIndex.map { try c.bool($0, "align_corners") }
        let factorsIndex = alignCornersIndex == nil ? 2 : 3
        let factors = try c.optionalDoubles(factorsIndex, "scale_factors")
        let size: [Int]
        if let given = try c.optionalInts(1, "output_size") {
            size = given
        } else if let factors {
            size = (0..<spatial).map { Int((Double(input.shape[2 + $0]) * factors[factors.count == 1 ? 0 : $0]).rounded(.down)) }
        } else {
            throw TensorError("interpolate needs output_size or scale_factors")
        }
        return try input.interpolate(outputSize: size, mode: mode, alignCorners: alignCorners, scales: factors.map { f in (0..<spatial).map { f[f.count == 1 ? 0 : $0] } })
    }

    private static func interpolateExplicit(_ c: OpCall, mode: String, hasAlignCorners: Bool) throws -> Tensor {
        let input = try c.tensor(0, "self")
        let size = try c.ints(1, "output_size")
        let alignCorners = hasAlignCorners ? try c.bool(2, "align_corners") : nil
        let first = hasAlignCorners ? 3 : 2
        let scales = try (0..<size.count).map { try c.optionalDouble(first + $0, ["scales_d", "scales_h", "scales_w"].suffix(size.count)[first + $0 - first + (3 - size.count)]) }
        return try input.interpolate(outputSize: size, mode: mode, alignCorners: alignCorners, scales: scales)
    }
}
