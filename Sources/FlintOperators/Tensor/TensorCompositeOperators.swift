import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Operators ATen defines by composing others, as decompositions and `torch.export` graphs record them:
    /// masked indexing (`_unsafe_masked_index`, `_unsafe_masked_index_put_accumulate`), `_safe_softmax`,
    /// `sum_to_size`, `hash_tensor`, `vdot`, `isposinf` / `isneginf`, `math.ldexp`, the `.T` / `.H` views,
    /// `narrow` with a tensor start, `nonzero_numpy`, `_convolution_mode`, `allclose`, `equal`, `nuclear_norm`,
    /// `broadcast_shapes`, and the CPU flash-attention entry.
    mutating func defineCompositeOperators() {
        // where(mask, self[indices], fill), indices clamped into range first (out-of-range ones are masked off).
        tensorOp("aten::_unsafe_masked_index") { c in
            let (x, mask, fill) = (try c.tensor(0, "self"), try c.tensor(1, "mask"), try c.scalar(3, "fill"))
            let indices = try Self.clampedIndices(c.optionalTensors(2, "indices"), of: x, operation: "_unsafe_masked_index")
            if x.elementCount == 0 { return try Tensor.full(mask.shape, value: fill.doubleValue, dtype: x.dtype) }
            return try x.index(indices).maskedFill(mask.logicalNot(), value: fill)
        }
        // index_put(self, indices, values with the masked-off ones zeroed, accumulate=True), indices clamped.
        tensorOp("aten::_unsafe_masked_index_put_accumulate") { c in
            let (x, mask, values) = (try c.tensor(0, "self"), try c.tensor(1, "mask"), try c.tensor(3, "values"))
            let indices = try Self.clampedIndices(c.optionalTensors(2, "indices"), of: x, operation: "_unsafe_masked_index_put_accumulate")
            return try x.indexPut(indices, values: values.maskedFill(mask.logicalNot(), value: .int(0)), accumulate: true)
        }
        // softmax, with rows that are all -inf giving zeros instead of NaN.
        tensorOp("aten::_safe_softmax") { c in
            let x = try c.tensor(0, "self")
            let dim = try x.wrapDimension(c.int(1, "dim"))
            let result = try x.softmax(dim: dim, dtype: c.optionalDType(2, "dtype"))
            let masked = try Tensor.compare(Equal(), .tensor(x), .scalar(.double(-.infinity)), operation: "_safe_softmax").all(dims: [dim], keepDim: true)
            return try result.maskedFill(masked, value: .int(0))
        }
        // The sum over the dimensions that make self `size` (expand's inverse).
        tensorOp("aten::sum_to_size") { c in
            let (x, size) = (try c.tensor(0, "self"), try c.ints(1, "size", single: false))
            let expandable = size.count <= x.rank && zip(size.reversed(), x.shape.reversed()).allSatisfy { $0 == $1 || $0 == 1 }
            guard expandable else { throw OperatorError("size {\(size)} is not expandable to size {\(x.shape)}.") }
            let lead = x.rank - size.count
            let dims = (0..<x.rank).filter { $0 < lead || (size[$0 - lead] == 1 && x.shape[$0] != 1) }
            guard !dims.isEmpty else { return x }
            let summed = try x.sum(dims: dims, keepDim: true, dtype: x.dtype.isIntegral || x.dtype == .bool ? .int64 : nil)
            return lead > 0 ? try summed.reshape(size) : summed
        }
        // The XOR of the elements' bits as uint64 (floats widened to double first), over `dim` (all when empty).
        tensorOp("aten::hash_tensor") { c in
            let x = try c.tensor(0, "self")
            guard try c.int(3, "mode", default: 0) == 0 else { throw OperatorError("hash_tensor only supports mode=0 (xor_sum)") }
            let dims = try c.ints(1, "dim", default: [], single: false)
            return try x.xorHash(dims: dims.isEmpty ? nil : dims, keepDim: c.bool(2, "keepdim", default: false))
        }
        tensorOp("aten::vdot") { c in
            let (x, y) = (try c.tensor(0, "self"), try c.tensor(1, "other"))
            guard x.rank == 1 && y.rank == 1 else { throw OperatorError("1D tensors expected, but got \(x.rank)D and \(y.rank)D tensors") }
            guard x.dtype == y.dtype else {
                throw OperatorError("dot : expected both vectors to have same dtype, but found \(x.dtype.scalarTypeName) and \(y.dtype.scalarTypeName)")
            }
            guard x.elementCount == y.elementCount else {
                throw OperatorError("inconsistent tensor size, expected tensor [\(x.elementCount)] and src [\(y.elementCount)] to have the same number of elements, but got \(x.elementCount) and \(y.elementCount) elements respectively")
            }
            return try x.dot(y)
        }
        unary("isposinf") { try Tensor.compare(Equal(), .tensor($0), .scalar(.double(.infinity)), operation: "isposinf") }
        unary("isneginf") { try Tensor.compare(Equal(), .tensor($0), .scalar(.double(-.infinity)), operation: "isneginf") }
        // math.ldexp(x, i) = x · 2^i.
        define("aten::ldexp") { c in
            let (x, exponent) = (try c.double(0, "x"), try c.int(1, "i"))
            return .double(Double(sign: .plus, exponent: Swift.max(Swift.min(exponent, 4096), -4096), significand: x))
        }
        // `.T`: the dimensions reversed; `.H`: a matrix transposed and conjugated (a copy for complex tensors).
        for name in ["aten::numpy_T", "aten::numpy_T.a"] {
            tensorOp(name) { c in
                let x = try c.tensor(0, "self")
                return x.rank < 2 ? x : try x.permute(Array((0..<x.rank).reversed()))
            }
        }
        for name in ["aten::matrix_H", "aten::matrix_H.a"] {
            tensorOp(name) { c in
                let x = try c.tensor(0, "self")
                if x.rank == 0 { return x }
                guard x.rank == 2 else {
                    throw OperatorError("tensor.H is only supported on matrices (2-D tensors). Got \(x.rank)-D tensor.\(x.rank > 2 ? " For batches of matrices, consider using tensor.mH" : "")")
                }
                return try x.transpose(0, 1).conjugated()
            }
        }
        tensorOp("aten::narrow.Tensor") { c in
            let start = try c.tensor(2, "start")
            guard start.rank == 0, start.dtype.isIntegral else { throw OperatorError("start must be an 0-dim integral Tensor.") }
            let x = try c.tensor(0, "self")
            let value = try start.to(.int64).scalars(as: Int64.self)[0]
            let dim = try x.wrapDimension(c.int(1, "dim"))
            let size = x.rank == 0 ? 1 : x.shape[dim]
            guard value >= -Int64(size) && value <= Int64(size) else {
                throw OperatorError("start out of range (expected to be in range of [\(-size), \(size)], but got \(value))")
            }
            return try x.narrow(dim: dim, start: Int(value), length: c.int(3, "length"))
        }
        // One index tensor per dimension (a 0-d input counts as 1-d).
        define("aten::nonzero_numpy") { c in
            let x = try c.tensor(0, "self")
            let coordinates = try (x.rank == 0 ? x.reshape([1]) : x).nonzero()
            return TensorOperatorSupport.list(try (0..<coordinates.shape[1]).map { try coordinates.select(dim: 1, index: $0).contiguous() })
        }
        // convolution with a padding mode ("same" / "valid") for any number of spatial dimensions.
        tensorOp("aten::_convolution_mode") { c in
            try c.tensor(0, "input").convolution(
                weight: c.tensor(1, "weight"), bias: c.optionalTensor(2, "bias"), stride: c.ints(3, "stride", single: false),
                padding: c.string(4, "padding"), dilation: c.ints(5, "dilation", single: false), groups: c.int(6, "groups"))
        }
        // Whole-tensor comparisons as Python bools: all elements close; same shape and equal values.
        define("aten::allclose") { c in
            let (x, y) = (try c.tensor(0, "self"), try c.tensor(1, "other"))
            guard x.dtype == y.dtype else { throw OperatorError("\(x.dtype.scalarTypeName) did not match \(y.dtype.scalarTypeName)") }
            let close = try x.isClose(y, rtol: c.double(2, "rtol", default: 1e-5), atol: c.double(3, "atol", default: 1e-8), equalNaN: c.bool(4, "equal_nan", default: false))
            return .bool(try close.all().item() != 0)
        }
        define("aten::equal") { c in
            let (x, y) = (try c.tensor(0, "self"), try c.tensor(1, "other"))
            guard x.shape == y.shape else { return .bool(false) }
            return .bool(try Tensor.compare(Equal(), .tensor(x), .tensor(y), operation: "equal").all().item() != 0)
        }
        // The sum of the singular values over the last two dimensions (or `dim`).
        tensorOp("aten::nuclear_norm") { c in
            try Self.matrixNorm(c.tensor(0, "self"), order: .name("nuc"), dims: [-2, -1], keepDim: c.bool(1, "keepdim", default: false), dtype: nil)
        }
        tensorOp("aten::nuclear_norm.dim") { c in
            try Self.matrixNorm(c.tensor(0, "self"), order: .name("nuc"), dims: c.ints(1, "dim", single: false), keepDim: c.bool(2, "keepdim", default: false), dtype: nil)
        }
        define("aten::broadcast_shapes") { c in
            let shape = try Tensor.broadcastShape(c.ints(0, "a", single: false), c.ints(1, "b", single: false))
            return .list(shape.map { .int(Int64($0)) }, elementType: "int")
        }
        // (query, key, value, dropout_p=0., is_causal=False, *, attn_mask=None, scale=None) -> (output, logsumexp)
        define("aten::_scaled_dot_product_flash_attention_for_cpu") { c in
            guard try c.double(3, "dropout_p", default: 0) == 0 else {
                throw OperatorError("_scaled_dot_product_flash_attention_for_cpu with dropout_p > 0 samples randomly; Flint runs models in eval mode only")
            }
            let (query, key, value) = (try c.tensor(0, "query"), try c.tensor(1, "key"), try c.tensor(2, "value"))
            let (causal, mask, scale) = (try c.bool(4, "is_causal", default: false), try c.optionalTensor(5, "attn_mask"), try c.optionalDouble(6, "scale"))
            let output = try Tensor.scaledDotProductAttention(query: query, key: key, value: value, mask: mask, causal: causal, scale: scale, groupedQueries: false, into: nil)
            let logits = try Self.attentionLogits(query: query, key: key, mask: mask, causal: causal, scale: scale)
            return .tuple([.tensor(output), .tensor(try logits.logsumexp(dims: [logits.rank - 1]).to(.float32))])
        }
    }

    /// Index tensors clamped into [-size, size - 1] of their dimension (int32 / int64 only).
    private static func clampedIndices(_ indices: [Tensor?], of x: Tensor, operation: String) throws -> [Tensor?] {
        try indices.enumerated().map { position, index in
            guard let index else { return nil }
            guard index.dtype == .int64 || index.dtype == .int32 else {
                throw OperatorError("\(operation) found unexpected index type \(index.dtype.scalarTypeName)")
            }
            guard position < x.rank else { return index }
            let size = x.shape[position]
            return try index.clamp(min: .int(Int64(-size)), max: .int(Int64(size - 1)))
        }
    }

    /// q·kᵀ·scale (+ mask, causal positions -inf) in float32 or the inputs' dtype, as attention's softmax sees it.
    private static func attentionLogits(query: Tensor, key: Tensor, mask: Tensor?, causal: Bool, scale: Double?) throws -> Tensor {
        let factor = scale ?? 1 / Double(query.shape.last ?? 1).squareRoot()
        var logits = try Tensor.binary(Mul(), .tensor(query.matmul(key.transpose(-2, -1))), .scalar(.double(factor)), operation: "attention")
        if causal {
            let (rows, columns) = (logits.shape[logits.rank - 2], logits.shape[logits.rank - 1])
            let allowed = try Tensor.ones([rows, columns], dtype: .bool).triangle(upper: false, diagonal: 0)
            logits = try logits.maskedFill(allowed.logicalNot(), value: .double(-.infinity))
        }
        if let mask {
            logits = mask.dtype == .bool
                ? try logits.maskedFill(mask.logicalNot(), value: .double(-.infinity))
                : try Tensor.add(.tensor(logits), .tensor(mask))
        }
        return logits
    }
}
