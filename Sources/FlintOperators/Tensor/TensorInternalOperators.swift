import FlintTensor
import FlintValues
import RealModule

extension OperatorDefinitions {
    /// ATen's internal entry points that functionalised graphs, `torch.export` programs and scripted library code
    /// call, each composed from operators declared before it: the fused `_add_relu` and `_addmm_activation`, the
    /// legacy convolution entries (`thnn_conv2d`, `slow_conv3d`, `_conv_depthwise2d`, `conv_tbc`, ...), weight
    /// normalisation, `one_hot`, `_trilinear`, `affine_grid_generator`, the signal windows and FFT frequencies,
    /// `empty_strided` / `empty_permuted`, and the legacy `__interpolate` / `__upsample*` builtins.
    mutating func defineInternalOperators() {
        defineFusedEntries()
        defineLegacyConvolutions()
        defineWeightNormalization()
        defineSignalWindows()
        defineLegacyInterpolation()
        defineStridedFactories()
        defineFunctionalCopies()
    }

    /// The list element copies `copy_.Tensor` / `.int` / `.float`, and `linalg__powsum` (Σ|x|^ord).
    private mutating func defineFunctionalCopies() {
        define("aten::copy_.Tensor") { c in
            let target = try c.tensor(0, "self")
            try target.copy(from: c.tensor(1, "other"))
            return .tensor(target)
        }
        for overload in ["int", "float"] {
            define("aten::copy_.\(overload)") { c in
                let target = try c.tensor(0, "self")
                try target.copy(from: c.scalar(1, "other").tensor(target.dtype))
                return .tensor(target)
            }
        }
        let absolute = declared("aten::abs"), power = declared("aten::pow.Tensor_Scalar"), sum = declared("aten::sum.dim_IntList")
        define("aten::linalg__powsum") { c in
            let dims: ScriptValue = if case .none = c[2] { .list([], elementType: "int") } else { c[2] }
            let powered = try power(Arguments([absolute(Arguments([c[0]])), c[1]]))
            return try sum(Arguments([powered, dims, c[3], c[4]]))
        }
    }

    /// The body declared under `name`: these operators are composed from declared ones only.
    func declared(_ name: String) -> OperatorBody {
        guard let body = self[name] else { preconditionFailure("\(name) is composed from, but not declared before") }
        return body
    }

    private mutating func defineFusedEntries() {
        let (add, addScalar, relu, gelu, addmm) = (
            declared("aten::add.Tensor"), declared("aten::add.Scalar"), declared("aten::relu"), declared("aten::gelu"), declared("aten::addmm")
        )
        for (name, sum) in [("aten::_add_relu.Tensor", add), ("aten::_add_relu.Scalar", addScalar)] {
            define(name) { c in try relu(Arguments([sum(c)])) }
        }
        // addmm, then relu, or the exact (erf) gelu as the CPU kernel applies it.
        define("aten::_addmm_activation") { c in
            let product = try addmm(Arguments(Array(c.values.prefix(5))))
            return try c.bool(5, "use_gelu", default: false) ? gelu(Arguments([product, .string("none")])) : relu(Arguments([product]))
        }
        let aminmax = declared("aten::aminmax")
        define("aten::_aminmax") { c in try aminmax(Arguments([c[0]])) }
        define("aten::_aminmax.dim") { c in try aminmax(Arguments([c[0], c[1], c[2]])) }
        let unique = declared("aten::_unique2")
        define("aten::_unique") { c in
            guard case .tuple(let items) = try unique(Arguments([c[0], c[1], c[2], .bool(false)])) else { throw OperatorError("_unique: no tuple") }
            return .tuple(Array(items.prefix(2)))
        }
        // Dropout outside training returns its input and an all-true mask; in training (train None or true), the
        // input times a Bernoulli(1 − p) mask drawn from libtorch's generator, scaled by 1 / (1 − p).
        define("aten::native_dropout") { c in
            let x = try c.tensor(0, "input")
            let p = try c.double(1, "p")
            guard try c.optionalBool(2, "train") ?? true, x.elementCount > 0 else {
                return .tuple([.tensor(try x.clone()), .tensor(try Tensor.full(x.shape, value: 1, dtype: .bool))])
            }
            let keep = 1 - p
            let mask = try Tensor.bernoulli(x.shape, probability: keep, dtype: x.dtype)
            let output = try x.mul(mask).mul(Scalar.double(keep == 0 ? 0 : 1 / keep).tensor(x.dtype))
            return .tuple([.tensor(output), .tensor(try mask.to(.bool))])
        }
        // log_sigmoid and the buffer its backward reads (exp(−|x|)).
        let logSigmoid = declared("aten::log_sigmoid"), absolute = declared("aten::abs"), neg = declared("aten::neg"), exp = declared("aten::exp")
        define("aten::log_sigmoid_forward") { c in
            let output = try logSigmoid(c)
            let buffer = try exp(Arguments([neg(Arguments([absolute(c)]))]))
            return .tuple([output, buffer])
        }
        let cummax = declared("aten::cummax"), cummin = declared("aten::cummin")
        for (name, body) in [("aten::_cummax_helper", cummax), ("aten::_cummin_helper", cummin)] {
            define(name) { c in
                let (values, indices) = (try c.tensor(1, "values"), try c.tensor(2, "indices"))
                guard case .tuple(let items) = try body(Arguments([c[0], c[3]])), items.count == 2,
                      case .tensor(let v) = items[0], case .tensor(let i) = items[1] else { throw OperatorError("\(name): no result") }
                try values.assign(outResult: v, argument: "values")
                try indices.assign(outResult: i, argument: "indices")
                return .none
            }
        }
        // one_hot: int64 classes to an int64 tensor with a trailing class dimension.
        tensorOp("aten::one_hot") { c in
            let x = try c.tensor(0, "self")
            guard x.dtype == .int64 else { throw OperatorError("one_hot is only applicable to index tensor of type LongTensor.") }
            var classes = try c.int(1, "num_classes", default: -1)
            let values = try x.contiguous().scalars(as: Int64.self)
            if classes == -1 {
                guard let largest = values.max() else { throw OperatorError("Can not infer total number of classes from empty tensor.") }
                guard largest < Int64(Int32.max) else { throw OperatorError("one_hot: the largest class value \(largest) is too large") }
                classes = Int(largest) + 1
            }
            guard classes >= 0 else { throw OperatorError("num_classes should be positive") }
            guard values.allSatisfy({ $0 >= 0 }) else { throw OperatorError("Class values must be non-negative.") }
            guard values.allSatisfy({ $0 < classes }) else { throw OperatorError("Class values must be smaller than num_classes.") }
            try Tensor.checkAllocatable(x.shape + [classes], dtype: .int64)
            var result = [Int64](repeating: 0, count: values.count * classes)
            for (position, value) in values.enumerated() { result[position * classes + Int(value)] = 1 }
            return try Tensor(shape: x.shape + [classes], scalars: result)
        }
        // _trilinear: i1, i2, i3 with size-1 dimensions inserted at expand1/2/3, multiplied, summed over sumdim.
        let multiply = declared("aten::mul.Tensor"), sum = declared("aten::sum.dim_IntList")
        define("aten::_trilinear") { c in
            var operands: [Tensor] = []
            for index in 0..<3 {
                var t = try c.tensor(index, "i\(index + 1)")
                for dim in try c.ints(3 + index, "expand\(index + 1)", single: false).sorted() { t = try t.unsqueeze(dim) }
                operands.append(t)
            }
            guard Set(operands.map(\.rank)).count == 1 else { throw OperatorError("number of dimensions must match") }
            let product = try multiply(Arguments([multiply(Arguments([.tensor(operands[0]), .tensor(operands[1])])), .tensor(operands[2])]))
            let dims = try c.ints(6, "sumdim", single: false)
            return dims.isEmpty ? product : try sum(Arguments([product, .list(dims.map { .int(Int64($0)) }, elementType: "int"), .bool(false), .none]))
        }
        // theta (N, 2, 3) or (N, 3, 4) applied to the normalised grid of size (N, C, [D,] H, W).
        let bmm = declared("aten::bmm")
        tensorOp("aten::affine_grid_generator") { c in
            let theta = try c.tensor(0, "theta")
            let size = try c.ints(1, "size", single: false)
            let alignCorners = try c.bool(2, "align_corners")
            guard theta.dtype.isFloatingPoint else { throw OperatorError("Expected theta to have floating point type, but got \(theta.dtype.name)") }
            let spatial = size.count - 2
            guard spatial == 2 || spatial == 3, theta.rank == 3, theta.shape[0] == size[0], theta.shape[1] == spatial, theta.shape[2] == spatial + 1 else {
                throw OperatorError("Expected a batch of \(spatial)D affine matrices of shape Nx\(spatial)x\(spatial + 1) for size \(size). Got \(theta.shape).")
            }
            func steps(_ count: Int) -> [Double] {
                guard count > 1 else { return [0] }
                let scale = alignCorners ? 1 : Double(count - 1) / Double(count)
                return (0..<count).map { (-1 + 2 * Double($0) / Double(count - 1)) * scale }
            }
            try Tensor.checkAllocatable(size + [spatial + 1], dtype: theta.dtype)
            let extents = Array(size.suffix(spatial))  // [D,] H, W
            let axes = extents.map(steps)
            let points = extents.reduce(1, *)
            var base = [Double](repeating: 1, count: points * (spatial + 1))
            for point in 0..<points {
                var rest = point
                var coordinates = [Double](repeating: 0, count: spatial)
                for axis in (0..<spatial).reversed() {
                    coordinates[axis] = axes[axis][rest % extents[axis]]
                    rest /= extents[axis]
                }
                // x (width) first, then y, then z.
                for (slot, axis) in (0..<spatial).reversed().enumerated() { base[point * (spatial + 1) + slot] = coordinates[axis] }
            }
            let grid = try Tensor(shape: [1, points, spatial + 1], scalars: base).to(theta.dtype).expand([size[0], points, spatial + 1])
            guard case .tensor(let mapped) = try bmm(Arguments([.tensor(grid), .tensor(theta.transpose(1, 2))])) else { throw OperatorError("affine_grid: no result") }
            return try mapped.reshape([size[0]] + extents + [spatial])
        }
    }

    private mutating func defineLegacyConvolutions() {
        let convolution = declared("aten::convolution")
        @Sendable func convolve(_ c: Arguments, input: Tensor, stride: ScriptValue, padding: ScriptValue, dilation: ScriptValue,
                      transposed: Bool = false, outputPadding: ScriptValue = .list([.int(0)], elementType: "int"), groups: Int = 1) throws -> ScriptValue {
            try convolution(Arguments([.tensor(input), c[1], c[3], stride, padding, dilation, .bool(transposed), outputPadding, .int(Int64(groups))]))
        }
        let one: ScriptValue = .list([.int(1)], elementType: "int"), zero: ScriptValue = .list([.int(0)], elementType: "int")
        // (self, weight, kernel_size, bias, stride, padding): thnn_conv2d, slow_conv3d and their forwards.
        for name in ["thnn_conv2d", "_slow_conv2d_forward", "slow_conv3d", "slow_conv3d_forward"] {
            define("aten::" + name) { c in
                try convolve(c, input: c.tensor(0, "self"), stride: c.values.count > 4 ? c[4] : one, padding: c.values.count > 5 ? c[5] : zero, dilation: one)
            }
        }
        // ... with dilation; the depthwise ones group by input channel.
        for name in ["slow_conv_dilated2d", "slow_conv_dilated3d", "_conv_depthwise2d", "conv_depthwise3d"] {
            define("aten::" + name) { c in
                let input = try c.tensor(0, "self")
                let groups = name.contains("depthwise") && input.rank > 1 ? input.shape[1] : 1
                return try convolve(c, input: input, stride: c[4], padding: c[5], dilation: c[6], groups: groups)
            }
        }
        // (self, weight, kernel_size, bias, stride, padding, output_padding, dilation).
        for name in ["slow_conv_transpose2d", "slow_conv_transpose3d"] {
            define("aten::" + name) { c in
                try convolve(c, input: c.tensor(0, "self"), stride: c[4], padding: c[5], dilation: c[7], transposed: true, outputPadding: c[6])
            }
        }
        define("aten::_nnpack_spatial_convolution") { c in
            try convolution(Arguments([c[0], c[1], c[2], c[4], c[3], one, .bool(false), zero, .int(1)]))
        }
        // conv_tbc: time × batch × channels input, kernel × in × out weight.
        tensorOp("aten::conv_tbc") { c in
            let (input, weight, bias) = (try c.tensor(0, "self"), try c.tensor(1, "weight"), try c.tensor(2, "bias"))
            guard input.rank == 3 else { throw OperatorError("Input must have 3 dims: time, batch, in_channel") }
            guard weight.rank == 3 else { throw OperatorError("Weight tensor must have 3 dims: kernel_width, in_channels, out_channels.") }
            guard bias.rank == 1 else { throw OperatorError("Bias must be 1-D") }
            guard input.shape[2] == weight.shape[1] else { throw OperatorError("Input dim 2 (input channels) is not == dim 1 in the weight tensor") }
            guard weight.shape[2] == bias.shape[0] else { throw OperatorError("Bias size must equal dim 2 in the weight tensor (output channels).") }
            let pad = try c.int(3, "pad", default: 0)
            guard case .tensor(let output) = try convolution(Arguments([
                .tensor(input.permute([1, 2, 0])), .tensor(weight.permute([2, 1, 0])), .tensor(bias), one,
                .list([.int(Int64(pad))], elementType: "int"), one, .bool(false), zero, .int(1),
            ])) else { throw OperatorError("conv_tbc: no result") }
            return try output.permute([2, 0, 1]).contiguous()
        }
    }

    private mutating func defineWeightNormalization() {
        let vectorNorm = declared("aten::linalg_vector_norm"), divide = declared("aten::div.Tensor"), multiply = declared("aten::mul.Tensor")
        // ‖v‖ over every dimension but `dim` (all of them for dim −1), kept as size-1 dimensions.
        @Sendable func normExceptDim(_ v: Tensor, power: Double, dim: Int) throws -> Tensor {
            if dim == -1 {
                guard case .tensor(let n) = try vectorNorm(Arguments([.tensor(v), .double(power), .none, .bool(false), .none])) else { throw OperatorError("norm: no result") }
                return n
            }
            let kept = try v.wrapDimension(dim)
            let dims = (0..<v.rank).filter { $0 != kept }.map { ScriptValue.int(Int64($0)) }
            guard case .tensor(let n) = try vectorNorm(Arguments([.tensor(v), .double(power), .list(dims, elementType: "int"), .bool(true), .none])) else {
                throw OperatorError("norm: no result")
            }
            return n
        }
        tensorOp("aten::norm_except_dim") { c in
            try normExceptDim(c.tensor(0, "v"), power: Double(c.int(1, "pow", default: 2)), dim: c.int(2, "dim", default: 0))
        }
        // w = g · v / ‖v‖ (the norm over every dimension but dim), and that norm.
        @Sendable func weightNorm(_ c: Arguments) throws -> (Tensor, Tensor) {
            let (v, g, dim) = (try c.tensor(0, "v"), try c.tensor(1, "g"), try c.int(2, "dim", default: 0))
            let norms = try normExceptDim(v, power: 2, dim: dim)
            guard case .tensor(let scale) = try divide(Arguments([.tensor(g), .tensor(norms)])),
                  case .tensor(let w) = try multiply(Arguments([.tensor(v), .tensor(scale)])) else { throw OperatorError("_weight_norm: no result") }
            return (w, norms)
        }
        tensorOp("aten::_weight_norm") { c in try weightNorm(c).0 }
        define("aten::_weight_norm_interface") { c in
            let (w, norms) = try weightNorm(c)
            return .tuple([.tensor(w), .tensor(norms)])
        }
    }

    /// The window functions of `torch.signal` / `torch.*_window`, and `fft_fftfreq` / `fft_rfftfreq`: computed in double,
    /// made in the dtype asked for (float32 by default; floating types only).
    private mutating func defineSignalWindows() {
        @Sendable func window(_ c: Arguments, _ name: String, dtypeIndex: Int, _ value: (Int, Int) -> Double) throws -> Tensor {
            let length = try c.int(0, "window_length")
            let dtype = try c.optionalDType(dtypeIndex, "dtype") ?? .float32
            guard dtype.isFloatingPoint else { throw OperatorError("\(name) expects floating point dtypes, got: \(dtype.name)") }
            guard length >= 0 else { throw OperatorError("\(name) requires non-negative window_length, got window_length=\(length)") }
            try Tensor.checkAllocatable([length], dtype: dtype)
            if length == 0 { return Tensor.zeros([0], dtype: dtype) }
            if length == 1 { return Tensor.ones([1], dtype: dtype) }
            let periodic = c.values.count > 1 && dtypeIndex > 1 ? try c.bool(1, "periodic") : true
            let n = periodic ? length + 1 : length
            return try Tensor(shape: [length], scalars: (0..<length).map { value($0, n) }).to(dtype)
        }
        let cosineSums: [(name: String, terms: [Double])] = [("hann_window", [0.5, 0.5]), ("blackman_window", [0.42, 0.5, 0.08])]
        for (name, terms) in cosineSums {
            for (overload, dtypeIndex) in [("", 1), (".periodic", 2)] {
                tensorOp("aten::\(name)\(overload)") { c in
                    try window(c, name, dtypeIndex: dtypeIndex) { i, n in
                        terms.enumerated().reduce(0) { sum, term in
                            sum + (term.offset % 2 == 0 ? 1 : -1) * term.element * Double.cos(2 * Double.pi * Double(term.offset) * Double(i) / Double(n - 1))
                        }
                    }
                }
            }
        }
        for (overload, dtypeIndex) in [("", 1), (".periodic", 2), (".periodic_alpha", 3), (".periodic_alpha_beta", 4)] {
            tensorOp("aten::hamming_window\(overload)") { c in
                let alpha = dtypeIndex > 2 ? try c.double(2, "alpha") : 0.54
                let beta = dtypeIndex > 3 ? try c.double(3, "beta") : 0.46
                return try window(c, "hamming_window", dtypeIndex: dtypeIndex) { i, n in alpha - beta * Double.cos(2 * Double.pi * Double(i) / Double(n - 1)) }
            }
        }
        for (overload, dtypeIndex) in [("", 1), (".periodic", 2)] {
            tensorOp("aten::bartlett_window\(overload)") { c in
                try window(c, "bartlett_window", dtypeIndex: dtypeIndex) { i, n in 1 - Swift.abs(2 * Double(i) / Double(n - 1) - 1) }
            }
        }
        for (overload, dtypeIndex) in [("", 1), (".periodic", 2), (".beta", 3)] {
            tensorOp("aten::kaiser_window\(overload)") { c in
                let beta = dtypeIndex == 3 ? try c.double(2, "beta") : 12
                return try window(c, "kaiser_window", dtypeIndex: dtypeIndex) { i, n in
                    let alpha = Double(n - 1) / 2
                    let ratio = (Double(i) - alpha) / alpha
                    return ModifiedBesselFirstKind(.i0).apply(beta * (1 - ratio * ratio).squareRoot()) / ModifiedBesselFirstKind(.i0).apply(beta)
                }
            }
        }
        for (name, onesided) in [("fft_fftfreq", false), ("fft_rfftfreq", true)] {
            tensorOp("aten::" + name) { c in
                let (n, spacing) = (try c.int(0, "n"), try c.double(1, "d", default: 1))
                guard n >= 0 else { throw OperatorError("\(name): n must be non-negative, got \(n)") }
                let dtype = try c.optionalDType(2, "dtype") ?? .float32
                let count = onesided ? n / 2 + 1 : n
                try Tensor.checkAllocatable([count], dtype: dtype)
                let values = (0..<count).map { i in Double(onesided || i < (n + 1) / 2 ? i : i - n) * (1 / (Double(n) * spacing)) }
                return try Tensor(shape: [count], scalars: values).to(dtype)
            }
        }
    }

    /// `__interpolate`, `__upsample`, `__upsample_nearest`, `__upsample_bilinear`: TorchScript's older builtin spellings of
    /// `F.interpolate` and `nn.Upsample*`, with a size and a scale factor each a number or a list.
    private mutating func defineLegacyInterpolation() {
        @Sendable func interpolate(_ c: Arguments, mode: String, alignCorners: Bool?, recompute: Bool) throws -> Tensor {
            let input = try c.tensor(0, "input")
            let spatial = input.rank - 2
            guard spatial >= 1 else { throw OperatorError("interpolate: expected a batched input with spatial dimensions, got \(input.rank)-D") }
            func expanded(_ value: ScriptValue) throws -> [Double]? {
                switch value {
                case .none: return nil
                case .int(let i): return Array(repeating: Double(i), count: spatial)
                case .double(let d): return Array(repeating: d, count: spatial)
                case .list(let list):
                    let values = try list.elements.map { element -> Double in
                        switch element {
                        case .int(let i): return Double(i)
                        case .double(let d): return d
                        default: throw OperatorError("interpolate: a size or scale factor is not a number")
                        }
                    }
                    guard values.count == spatial else {
                        throw OperatorError("Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of \(Array(input.shape.dropFirst(2))) and output size of \(values).")
                    }
                    return values
                default: throw OperatorError("interpolate: a size or scale factor is not a number")
                }
            }
            let size = try expanded(c[1]), factors = try expanded(c[2])
            guard (size == nil) != (factors == nil) else { throw OperatorError("only one of size or scale_factor should be defined") }
            if let size {
                guard size.allSatisfy({ $0 > 0 && $0 < Double(1 << 31) }) else { throw OperatorError("interpolate: output sizes must be positive, got \(size)") }
                return try input.interpolate(outputSize: size.map { Int($0) }, mode: mode, alignCorners: alignCorners)
            }
            let factorValues = factors!
            let sizes = (0..<spatial).map { (Double(input.shape[2 + $0]) * factorValues[$0]).rounded(.down) }
            guard factorValues.allSatisfy({ $0.isFinite && $0 > 0 }), sizes.allSatisfy({ $0 >= 1 && $0 < Double(1 << 31) }) else {
                throw OperatorError("interpolate: invalid scale factors \(factorValues) for input of size \(input.shape)")
            }
            let outputSize = sizes.map { Int($0) }
            return try input.interpolate(outputSize: outputSize, mode: mode, alignCorners: alignCorners, scales: recompute ? nil : factorValues)
        }
        for overload in ["", ".size_list", ".scale_list", ".size_list_scale_list"] {
            tensorOp("aten::__interpolate\(overload)") { c in
                let mode = try c.string(3, "mode", default: "nearest")
                let alignCorners = try c.optionalBool(4, "align_corners")
                guard try !c.bool(6, "antialias", default: false) else { throw OperatorError("__interpolate: antialias is not supported; call interpolate") }
                return try interpolate(c, mode: mode, alignCorners: alignCorners, recompute: try c.optionalBool(5, "recompute_scale_factor") ?? false)
            }
        }
        for overload in ["", ".size_list"] {
            tensorOp("aten::__upsample\(overload)") { c in
                try interpolate(c, mode: c.string(3, "mode", default: "nearest"), alignCorners: c.optionalBool(4, "align_corners"), recompute: false)
            }
            tensorOp("aten::__upsample_nearest\(overload)") { c in try interpolate(c, mode: "nearest", alignCorners: nil, recompute: false) }
        }
        // nn.UpsamplingBilinear2d aligns corners.
        for overload in ["", ".size_list", ".scale_list", ".size_list_scale_list"] {
            tensorOp("aten::__upsample_bilinear\(overload)") { c in try interpolate(c, mode: "bilinear", alignCorners: true, recompute: false) }
        }
    }

    private mutating func defineStridedFactories() {
        tensorOp("aten::empty_strided") { c in
            try Self.zerosStrided(c.ints(0, "size", single: false), strides: c.ints(1, "stride", single: false), dtype: c.optionalDType(2, "dtype") ?? .float32)
        }
        tensorOp("aten::new_empty_strided") { c in
            let x = try c.tensor(0, "self")
            return try Self.zerosStrided(c.ints(1, "size", single: false), strides: c.ints(2, "stride", single: false), dtype: c.optionalDType(3, "dtype") ?? x.dtype)
        }
        tensorOp("aten::empty_permuted") { c in
            try Self.zerosPermuted(c.ints(0, "size", single: false), physicalLayout: c.ints(1, "physical_layout", single: false), dtype: c.optionalDType(2, "dtype") ?? .float32)
        }
        tensorOp("aten::_efficientzerotensor") { c in
            let (shape, dtype) = (try c.ints(0, "size", single: false), try c.optionalDType(1, "dtype") ?? .float32)
            try Tensor.checkAllocatable(shape, dtype: dtype)
            return Tensor.zeros(shape, dtype: dtype)
        }
    }

}
