import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// ATen's second names and older entry points, each composed from a declared operator: the `_impl` / `_helper` /
    /// `_forward_only` / `_cpu_fallback` forms, `rrelu` outside training, `_masked_softmax`, `_euclidean_dist`,
    /// `_compute_linear_combination`, `multilabel_margin_loss_forward`, `fill_diagonal_`, `pad_sequence`, the flat
    /// buffer helpers of distributed code, `range`, `as_tensor` of a number, `_int_mm`, the histogramdd parts,
    /// `_new_zeros_with_same_feature_meta`, and the test operators ATen registers (`_test_optional_intlist`, ...).
    mutating func defineCompatibilityOperators() {
        let renamed: [(String, String)] = [
            ("_grid_sampler_2d_cpu_fallback", "grid_sampler_2d"), ("_embedding_bag_forward_only", "_embedding_bag"),
            ("_index_put_impl", "index_put"), ("_index_put_impl_", "index_put_"), ("_index_put_impl_.hacked_twin", "index_put_"),
            ("_cholesky_solve_helper", "cholesky_solve"), ("_no_grad_embedding_renorm_", "embedding_renorm_"),
        ]
        for (alias, original) in renamed where self["aten::" + alias] == nil {
            guard let body = self["aten::" + original] else { preconditionFailure("aten::\(original) is not declared") }
            define("aten::" + alias, body)
        }
        let renormalize = declared("aten::embedding_renorm_")
        define("aten::embedding_renorm") { c in
            try renormalize(Arguments([.tensor(c.tensor(0, "self").clone()), c[1], c[2], c[3]]))
        }
        // rrelu outside training: leaky_relu with the mean of the slope range. In training, each non-positive element
        // is scaled by its own slope, uniform in [lower, upper) from libtorch's generator (the noise records the slopes,
        // 1 elsewhere).
        let leakyRelu = declared("aten::leaky_relu")
        @Sendable func rrelu(_ c: Arguments, trainingIndex: Int) throws -> (output: ScriptValue, noise: Tensor?) {
            let lower = try c.scalar(trainingIndex - 2, "lower", default: .double(0.125)).doubleValue
            let upper = try c.scalar(trainingIndex - 1, "upper", default: .double(1.0 / 3)).doubleValue
            guard try c.bool(trainingIndex, "training", default: false) else {
                return (try leakyRelu(Arguments([c[0], .double((lower + upper) / 2)])), nil)
            }
            guard lower <= upper else { throw OperatorError("Lower bound should be less than or equal to the upper bound") }
            let generator = try Self.generator(c, trainingIndex + 1)
            let x = try c.tensor(0, "self")
            guard x.dtype.isFloatingPoint else { throw OperatorError("\"rrelu_with_noise_out_cpu\" not implemented for '\(x.dtype.scalarTypeName)'") }
            let values = try x.to(.float64).contiguous().scalars(as: Double.self)
            // The kernel's bounds are in its arithmetic type (float, but for double tensors), its step unfused.
            let (low, high) = x.dtype == .float64 ? (lower, upper) : (Double(Float(lower)), Double(Float(upper)))
            let slopes = generator.draws { draws in values.map { $0 <= 0 ? draws.uniform() * (high - low) + low : 1 } }
            let noise = try Tensor(shape: x.shape, scalars: slopes).to(x.dtype)
            return (.tensor(try x.mul(noise)), noise)
        }
        define("aten::rrelu") { c in try rrelu(c, trainingIndex: 3).output }
        // rrelu_with_noise writes the slopes into its noise argument; the functional form returns them.
        define("aten::rrelu_with_noise") { c in
            let (output, noise) = try rrelu(c, trainingIndex: 4)
            if let noise { try c.tensor(1, "noise").copy(from: noise) }
            return output
        }
        define("aten::rrelu_with_noise_functional") { c in
            let (output, noise) = try rrelu(c, trainingIndex: 4)
            return .tuple([output, noise.map { .tensor($0) } ?? c[1]])
        }
        // PReLU's kernel: the weight already shaped to broadcast against self (export graphs pass it so).
        let (multiply, greater, select) = (declared("aten::mul.Tensor"), declared("aten::gt.Scalar"), declared("aten::where.self"))
        define("aten::_prelu_kernel") { c in
            try select(Arguments([greater(Arguments([c[0], .int(0)])), c[0], multiply(Arguments([c[0], c[1]]))]))
        }
        // softmax with the masked (true) positions at −∞; a row masked everywhere is NaN, as ATen's CPU kernel gives.
        let softmax = declared("aten::softmax.int")
        tensorOp("aten::_masked_softmax") { c in
            let (x, mask) = (try c.tensor(0, "self"), try c.tensor(1, "mask"))
            guard mask.dtype == .bool else { throw OperatorError("Mask should be a boolean tensor") }
            let dim = try x.wrapDimension(c.optionalInt(2, "dim") ?? (x.rank - 1))
            var m = mask
            // A padding mask (batch × key length) applies to every head and query.
            if try c.optionalInt(3, "mask_type") == 1, mask.rank == 2, x.rank >= 2 {
                m = try mask.reshape([mask.shape[0]] + Array(repeating: 1, count: x.rank - 2) + [mask.shape[1]])
            }
            let filled = try x.maskedFill(m.expand(x.shape), value: .double(-.infinity))
            guard case .tensor(let result) = try softmax(Arguments([.tensor(filled), .int(Int64(dim)), .none])) else { throw OperatorError("softmax: no result") }
            return result
        }
        // ATen's formulation: √max(0, −2·x1·x2ᵀ + ‖x1‖² + ‖x2‖²), as one product of padded matrices.
        let (pow, sum, cat, matmul, clampMin, sqrt) = (
            declared("aten::pow.Tensor_Scalar"), declared("aten::sum.dim_IntList"), declared("aten::cat"), declared("aten::matmul"),
            declared("aten::clamp_min"), declared("aten::sqrt")
        )
        tensorOp("aten::_euclidean_dist") { c in
            let (x1, x2) = (try c.tensor(0, "x1"), try c.tensor(1, "x2"))
            func squaredNorms(_ t: Tensor) throws -> ScriptValue {
                try sum(Arguments([pow(Arguments([.tensor(t), .int(2)])), .list([.int(-1)], elementType: "int"), .bool(true), .none]))
            }
            let (n1, n2) = (try squaredNorms(x1), try squaredNorms(x2))
            guard case .tensor(let norm1) = n1, case .tensor(let norm2) = n2 else { throw OperatorError("_euclidean_dist: no norms") }
            let ones1 = try Tensor.full(norm1.shape, value: 1, dtype: norm1.dtype), ones2 = try Tensor.full(norm2.shape, value: 1, dtype: norm2.dtype)
            let scaled = try x1.mul(Scalar.double(-2).tensor(x1.dtype))
            let left = try cat(Arguments([TensorOperatorSupport.list([scaled, norm1, ones1]), .int(-1)]))
            let right = try cat(Arguments([TensorOperatorSupport.list([x2, ones2, norm2]), .int(-1)]))
            guard case .tensor(let r) = right else { throw OperatorError("_euclidean_dist: no result") }
            let product = try matmul(Arguments([left, .tensor(r.transpose(-2, -1))]))
            guard case .tensor(let result) = try sqrt(Arguments([clampMin(Arguments([product, .int(0)]))])) else { throw OperatorError("_euclidean_dist: no result") }
            return result
        }
        // Σⱼ coefficients[i, j] · input[j].
        let tensordot = declared("aten::tensordot")
        define("aten::_compute_linear_combination") { c in
            try tensordot(Arguments([c[1], c[0], .list([.int(1)], elementType: "int"), .list([.int(0)], elementType: "int")]))
        }
        // The loss, and which classes are targets of each row (those before the first −1).
        let multilabel = declared("aten::multilabel_margin_loss")
        define("aten::multilabel_margin_loss_forward") { c in
            let loss = try multilabel(Arguments([c[0], c[1], c[2]]))
            let (x, target) = (try c.tensor(0, "self"), try c.tensor(1, "target"))
            let classes = x.rank == 0 ? 1 : x.shape[x.rank - 1]
            let labels = try target.to(.int64).contiguous().scalars(as: Int64.self)
            var isTarget = [Double](repeating: 0, count: labels.count)
            for row in 0..<(classes == 0 ? 0 : labels.count / classes) {
                for j in 0..<classes {
                    let label = labels[row * classes + j]
                    if label < 0 { break }
                    if label < classes { isTarget[row * classes + Int(label)] = 1 }
                }
            }
            return .tuple([loss, .tensor(try Tensor(shape: target.shape, scalars: isTarget).to(x.dtype))])
        }
        defineDiagonalAndPaddingHelpers()
        defineFactoryAndTestEntries()
        defineAttentionAndNormalizationEntries()
    }

    /// The fused kernels' entry points: `_fused_rms_norm` (with the reciprocal root mean square it saves),
    /// `_transform_bias_rescale_qkv` (the fast multi-head attention path's projection split), the math attention
    /// path with its weights, and `_ncf_unsqueeze`.
    private mutating func defineAttentionAndNormalizationEntries() {
        let rmsNorm = declared("aten::rms_norm")
        define("aten::_fused_rms_norm") { c in
            let x = try c.tensor(0, "input")
            let normalized = try c.ints(1, "normalized_shape", single: false)
            guard x.dtype.isFloatingPoint, normalized.count <= x.rank else { throw OperatorError("_fused_rms_norm: expected a floating input of rank at least \(normalized.count)") }
            // rstd = 1 / √(mean(x²) + eps) over the normalised dimensions; eps defaults to the compute type's machine
            // epsilon (float's for the half types too), and the output uses the same.
            let eps = try c.optionalDouble(3, "eps") ?? (x.dtype == .float64 ? Double.ulpOfOne : Double(Float.ulpOfOne))
            let output = try rmsNorm(Arguments([c[0], c[1], c[2], .double(eps)]))
            let dims = Array((x.rank - normalized.count)..<x.rank)
            let wide = try x.to(x.dtype == .float64 ? .float64 : .float32)
            let squares = try wide.mul(wide).mean(dims: dims, keepDim: true)
            let rstd = try Tensor.binary(Add(), .tensor(squares), .scalar(.double(eps)), operation: "add").rsqrt()
            return .tuple([output, .tensor(rstd)])
        }
        // qkv (B, T, 3·D) plus its bias, split into q, k, v of (B, heads, T, D / heads), q divided by √(D / heads).
        define("aten::_transform_bias_rescale_qkv") { c in
            let (qkv, bias, heads) = (try c.tensor(0, "qkv"), try c.tensor(1, "qkv_bias"), try c.int(2, "num_heads"))
            guard qkv.rank == 3, qkv.shape[2] % 3 == 0, bias.rank == 1, bias.shape[0] == qkv.shape[2], heads > 0, (qkv.shape[2] / 3) % heads == 0 else {
                throw OperatorError("_transform_bias_rescale_qkv: expected qkv of shape (B, T, 3·D) with D divisible by num_heads and a bias of 3·D, got \(qkv.shape) and \(bias.shape)")
            }
            let (batch, length, width) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3)
            let headWidth = width / heads
            let biased = try qkv.add(bias)
            let parts = try (0..<3).map { part -> Tensor in
                let slice = try biased.narrow(dim: 2, start: part * width, length: width).reshape([batch, length, heads, headWidth]).transpose(1, 2).contiguous()
                return part == 0 ? try slice.mul(Scalar.double(1 / Double(headWidth).squareRoot()).tensor(slice.dtype)) : slice
            }
            return .tuple(parts.map { .tensor($0) })
        }
        // The math attention path: q and k each scaled by √scale (as ATen scales them), causal masking or the mask
        // added, softmax; the output and the attention weights.
        let matmul = declared("aten::matmul"), softmax = declared("aten::softmax.int")
        define("aten::_scaled_dot_product_attention_math") { c in
            var (q, k, v) = (try c.tensor(0, "query"), try c.tensor(1, "key"), try c.tensor(2, "value"))
            guard try c.double(4, "dropout_p", default: 0) == 0 else {
                throw OperatorError("attention dropout is not supported (it only runs in training mode; call model.eval() before saving)")
            }
            guard q.rank >= 2, k.rank == q.rank, v.rank == q.rank, q.dtype.isFloatingPoint else {
                throw OperatorError("_scaled_dot_product_attention_math: expected query, key and value of one rank (at least 2) and a floating dtype")
            }
            if try c.bool(8, "enable_gqa", default: false), q.rank >= 3, k.shape[q.rank - 3] != q.shape[q.rank - 3] {
                let groups = q.shape[q.rank - 3] / Swift.max(k.shape[q.rank - 3], 1)
                k = try k.repeatInterleave(Array(repeating: groups, count: k.shape[q.rank - 3]), dim: q.rank - 3)
                v = try v.repeatInterleave(Array(repeating: groups, count: v.shape[q.rank - 3]), dim: q.rank - 3)
            }
            let scale = try c.optionalDouble(7, "scale") ?? 1 / Double(q.shape[q.rank - 1]).squareRoot()
            let root = Scalar.double(scale.squareRoot())
            guard case .tensor(var weights) = try matmul(Arguments([.tensor(q.mul(root.tensor(q.dtype))), .tensor(k.mul(root.tensor(k.dtype)).transpose(-2, -1))])) else {
                throw OperatorError("attention: no scores")
            }
            let (queries, keys) = (q.shape[q.rank - 2], k.shape[k.rank - 2])
            if try c.bool(5, "is_causal", default: false) {
                guard try c.optionalTensor(3, "attn_mask") == nil else {
                    throw OperatorError("_scaled_dot_product_attention: explicit attn_mask should not be set when is_causal=true")
                }
                let allowed = try Tensor(shape: [queries, keys], scalars: (0..<(queries * keys)).map { $0 % keys <= $0 / keys })
                weights = try weights.maskedFill(allowed.logicalNot(), value: .double(-.infinity))
            }
            if let mask = try c.optionalTensor(3, "attn_mask") {
                // Added as it is: this entry adds a bool mask as 0 / 1 (the public scaled_dot_product_attention turns one
                // into 0 / −∞ before it gets here).
                weights = try weights.add(mask.dtype == weights.dtype ? mask : mask.to(weights.dtype))
            }
            guard case .tensor(let probabilities) = try softmax(Arguments([.tensor(weights), .int(-1), .none])),
                  case .tensor(let output) = try matmul(Arguments([.tensor(probabilities), .tensor(v)])) else { throw OperatorError("attention: no result") }
            return .tuple([.tensor(output), .tensor(probabilities)])
        }
        tensorOp("aten::_ncf_unsqueeze") { c in
            let (x, rank) = (try c.tensor(0, "self"), try c.int(1, "ndim"))
            guard rank >= 2 else { throw OperatorError("_ncf_unsqueeze: ndim must be at least 2, got \(rank)") }
            return try x.reshape([1, -1] + Array(repeating: 1, count: rank - 2))
        }
    }

    private mutating func defineDiagonalAndPaddingHelpers() {
        // The main diagonal (every dimension's index equal), wrapping every ncols + 1 rows for a tall matrix.
        define("aten::fill_diagonal_") { c in
            let target = try c.tensor(0, "self")
            let (value, wrap) = (try c.scalar(1, "fill_value"), try c.bool(2, "wrap", default: false))
            guard target.rank >= 2 else { throw OperatorError("dimensions must larger than 1") }
            guard target.rank == 2 || Set(target.shape).count == 1 else { throw OperatorError("all dimensions of input must be of equal length") }
            let flat = try target.contiguous().reshape([target.elementCount]).clone()
            let step = Tensor.contiguousStrides(for: target.shape).reduce(0, +)
            var positions = Array(stride(from: 0, to: (target.shape.min() ?? 0) * step, by: Swift.max(step, 1)))
            if wrap && target.rank == 2 && target.shape[0] > target.shape[1] + 1 {
                positions = Array(stride(from: 0, to: target.elementCount, by: target.shape[1] + 1))
            }
            let fill = try value.tensor(target.dtype)
            for position in positions { try flat.narrow(dim: 0, start: position, length: 1).copy(from: fill) }
            try target.copy(from: flat.reshape(target.shape))
            return .tensor(target)
        }
        // Pads sequences (length × *) to the longest, on the right or the left, stacked batch first or not.
        define("aten::pad_sequence") { c in
            let sequences = try c.tensors(0, "sequences")
            let (batchFirst, padding) = (try c.bool(1, "batch_first", default: false), try c.double(2, "padding_value", default: 0))
            let side = try c.string(3, "padding_side", default: "right")
            guard side == "left" || side == "right" else { throw OperatorError("Expected padding_side to be one of left or right, but got \(side).") }
            guard let first = sequences.first else { throw OperatorError("received an empty list of sequences") }
            let longest = sequences.map { $0.rank == 0 ? 0 : $0.shape[0] }.max() ?? 0
            let trailing = Array(first.shape.dropFirst())
            let result = try Tensor.full([sequences.count, longest] + trailing, value: padding, dtype: first.dtype)
            for (index, sequence) in sequences.enumerated() {
                let length = sequence.shape.first ?? 0
                guard length > 0 else { continue }
                try result.select(dim: 0, index: index).narrow(dim: 0, start: side == "left" ? longest - length : 0, length: length).copy(from: sequence)
            }
            return .tensor(batchFirst ? result : try result.transpose(0, 1))
        }
        // The flat buffer distributed code packs gradients into, and its inverse.
        let cat = declared("aten::cat")
        define("aten::flatten_dense_tensors") { c in
            try cat(Arguments([TensorOperatorSupport.list(c.tensors(0, "tensors").map { try $0.reshape([$0.elementCount]) }), .int(0)]))
        }
        define("aten::unflatten_dense_tensors") { c in
            let flat = try c.tensor(0, "flat")
            var offset = 0
            var pieces: [Tensor] = []
            for like in try c.tensors(1, "tensors") {
                guard offset + like.elementCount <= flat.elementCount else { throw OperatorError("unflatten_dense_tensors: the flat tensor is too short") }
                pieces.append(try flat.narrow(dim: 0, start: offset, length: like.elementCount).reshape(like.shape))
                offset += like.elementCount
            }
            return TensorOperatorSupport.list(pieces)
        }
        // pad with the mode as ATen numbers it: reflect, replicate, circular, constant.
        let pad = declared("aten::pad")
        define("aten::_pad_enum") { c in
            let modes = ["reflect", "replicate", "circular", "constant"]
            let mode = try c.int(2, "mode")
            guard modes.indices.contains(mode) else { throw OperatorError("Unrecognised padding mode \(mode)") }
            return try pad(Arguments([c[0], c[1], .string(modes[mode]), c[3]]))
        }
        define("aten::_pack_sequence") { c in .tuple([c[0], c[1], c[2], c[3]]) }
    }

    private mutating func defineFactoryAndTestEntries() {
        // range(start, end, step): end included, float32 unless a dtype is given.
        tensorOp("aten::range.step") { c in try Self.inclusiveRange(c, stepIndex: 2, dtypeIndex: 3) }
        tensorOp("aten::range") { c in try Self.inclusiveRange(c, stepIndex: nil, dtypeIndex: 2) }
        // int8 × int8 → int32.
        let mm = declared("aten::mm")
        tensorOp("aten::_int_mm") { c in
            let (a, b) = (try c.tensor(0, "self"), try c.tensor(1, "mat2"))
            guard a.rank == 2, b.rank == 2 else { throw OperatorError("Expected self and mat2 to be 2D, but got \(a.rank)D and \(b.rank)D") }
            guard a.shape[1] == b.shape[0] else { throw OperatorError("self.size(1) needs to match mat2.size(0) but got \(a.shape[1]) and \(b.shape[0])") }
            guard a.dtype == .int8 else { throw OperatorError("Expected self dtype int8 but got \(a.dtype.scalarTypeName)") }
            guard b.dtype == .int8 else { throw OperatorError("Expected mat2 dtype int8 but got \(b.dtype.scalarTypeName)") }
            guard case .tensor(let product) = try mm(Arguments([.tensor(a.to(.int32)), .tensor(b.to(.int32))])) else { throw OperatorError("_int_mm: no result") }
            return product
        }
        // histogramdd's parts: the bin edges alone, the counts alone.
        let histogram = declared("aten::histogramdd"), histogramByTensors = declared("aten::histogramdd.TensorList_bins")
        define("aten::_histogramdd_bin_edges") { c in
            guard case .tuple(let items) = try histogram(Arguments([c[0], c[1], c[2], c[3], c[4]])), items.count == 2 else { throw OperatorError("histogramdd: no result") }
            return items[1]
        }
        for (name, body) in [("aten::_histogramdd_from_bin_cts", histogram), ("aten::_histogramdd_from_bin_tensors", histogramByTensors)] {
            let byTensors = name.hasSuffix("tensors")
            define(name) { c in
                let arguments: [ScriptValue] = byTensors ? [c[0], c[1], .none, c[2], c[3]] : [c[0], c[1], c[2], c[3], c[4]]
                guard case .tuple(let items) = try body(Arguments(arguments)), items.count == 2 else { throw OperatorError("histogramdd: no result") }
                return items[0]
            }
        }
        // Zeros of self's batch dimensions followed by other's shape, in other's dtype.
        tensorOp("aten::_new_zeros_with_same_feature_meta") { c in
            let (x, other) = (try c.tensor(0, "self"), try c.tensor(1, "other"))
            let batch = try c.int(2, "self_num_batch_dims", default: 0)
            guard (0...x.rank).contains(batch) else { throw OperatorError("self_num_batch_dims \(batch) out of range for a \(x.rank)-D tensor") }
            let shape = Array(x.shape.prefix(batch)) + other.shape
            try Tensor.checkAllocatable(shape, dtype: other.dtype)
            return Tensor.zeros(shape, dtype: other.dtype)
        }
        // ATen's test operators.
        for name in ["_test_optional_intlist", "_test_optional_filled_intlist", "_test_optional_floatlist"] {
            tensorOp("aten::" + name) { c in
                let values = try c.tensor(0, "values")
                guard let addends = try c.optionalDoubles(1, "addends") else { return try values.clone() }
                guard addends.count == values.elementCount else { throw OperatorError("\(name): expected \(values.elementCount) addends") }
                return try values.add(Tensor(shape: values.shape, scalars: addends).to(values.dtype))
            }
        }
        for name in ["_test_warn_in_autograd", "_test_autograd_multiple_dispatch.fullcoverage", "_test_autograd_multiple_dispatch.ntonly", "_foobar"] {
            tensorOp("aten::" + name) { c in try c.tensor(0, "self").clone() }
        }
        tensorOp("aten::_test_autograd_multiple_dispatch_view") { c in try c.tensor(0, "self").reshape([-1]) }
        tensorOp("aten::_test_autograd_multiple_dispatch_view_copy") { c in try c.tensor(0, "self").reshape([-1]).clone() }
        tensorOp("aten::_test_parallel_materialize") { c in try c.tensor(0, "self") }
        let subtract = declared("aten::sub.Tensor")
        define("aten::_test_serialization_subcmul") { c in try subtract(Arguments([c[0], c[1], c[2]])) }
        for (overload, value) in [("a", 1), ("b", 2)] {
            tensorOp("aten::_test_ambiguous_defaults.\(overload)") { _ in try Scalar.int(Int64(value)).tensor(.int64) }
        }
        tensorOp("aten::_test_string_default") { c in try c.tensor(0, "dummy") }
    }

    /// `torch.range`: start, start + step, ... up to end inclusive.
    fileprivate static func inclusiveRange(_ c: Arguments, stepIndex: Int?, dtypeIndex: Int) throws -> Tensor {
        let (start, end) = (try c.scalar(0, "start").doubleValue, try c.scalar(1, "end").doubleValue)
        let step = try stepIndex.map { try c.scalar($0, "step").doubleValue } ?? 1
        let dtype = try c.optionalDType(dtypeIndex, "dtype") ?? .float32
        guard step != 0 else { throw OperatorError("step must be nonzero") }
        guard start.isFinite && end.isFinite else { throw OperatorError("unsupported range: \(start) -> \(end)") }
        guard (step > 0 && end >= start) || (step < 0 && end <= start) else { throw OperatorError("upper bound and lower bound inconsistent with step sign") }
        let steps = ((end - start) / step).rounded(.down)
        guard steps < Double(1 << 40) else { throw OperatorError("range: the range \(start) to \(end) is too large") }
        let count = Int(steps) + 1
        try Tensor.checkAllocatable([count], dtype: dtype)
        return try Tensor(shape: [count], scalars: (0..<count).map { start + Double($0) * step }).to(dtype)
    }
}
