import FlintLinearAlgebra
import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Matrix products, `linear`, `einsum`, and the matrix / vector norms of `torch.linalg` that need no decomposition.
    mutating func defineLinearAlgebraOperators() {
        // Linear algebra
        tensorOp("aten::mm") { try $0.tensor(0, "self").mm($0.tensor(1, "mat2")) }
        tensorOp("aten::bmm") { try $0.tensor(0, "self").bmm($0.tensor(1, "mat2")) }
        tensorOp("aten::matmul") { try $0.tensor(0, "self").matmul($0.tensor(1, "other")) }
        for (name, product, second) in [("mm", Tensor.ProductOperation.mm, "mat2"), ("bmm", .bmm, "mat2"), ("matmul", .matmul, "other")] {
            declareResultShape(["aten::\(name)"]) { c in try c.tensor(0, "self").productResultShape(product, c.tensor(1, second)).map { ($0, .float32) } }
        }
        tensorOp("aten::mv") { try $0.tensor(0, "self").mv($0.tensor(1, "vec")) }
        tensorOp("aten::outer") { try $0.tensor(0, "self").unsqueeze(1).mul($0.tensor(1, "vec2").unsqueeze(0)) }
        tensorOp("aten::addmv") { c in
            let product = try c.tensor(1, "mat").mv(c.tensor(2, "vec"))
            return try Self.scaledSum(c.tensor(0, "self"), product, beta: c.scalar(3, "beta", default: .int(1)), alpha: c.scalar(4, "alpha", default: .int(1)), operation: "addmv")
        }
        // addr(self, vec1, vec2, beta, alpha) = beta·self + alpha·outer(vec1, vec2); addbmm sums the batch of
        // products first. All three ignore self when beta is 0 (NaN included).
        tensorOp("aten::addr") { c in
            let product = try c.tensor(1, "vec1").unsqueeze(1).mul(c.tensor(2, "vec2").unsqueeze(0))
            return try Self.scaledSum(c.tensor(0, "self"), product, beta: c.scalar(3, "beta", default: .int(1)), alpha: c.scalar(4, "alpha", default: .int(1)), operation: "addr")
        }
        tensorOp("aten::addbmm") { c in
            // One product over the batch and inner dimensions together: [n, b·k] × [b·k, m].
            let (first, second) = (try c.tensor(1, "batch1"), try c.tensor(2, "batch2"))
            guard first.rank == 3, second.rank == 3 else { throw OperatorError("batch1 must be a 3D tensor") }
            guard first.shape[0] == second.shape[0] else {
                throw OperatorError("batch1 and batch2 must have same number of batches, got \(first.shape[0]) and \(second.shape[0])")
            }
            guard first.shape[2] == second.shape[1] else {
                throw OperatorError("Incompatible matrix sizes for bmm (\(first.shape[1])x\(first.shape[2]) and \(second.shape[1])x\(second.shape[2]))")
            }
            let (b, n, k, m) = (first.shape[0], first.shape[1], first.shape[2], second.shape[2])
            let product = try first.permute([1, 0, 2]).reshape([n, b * k]).mm(second.reshape([b * k, m]))
            return try Self.scaledSum(c.tensor(0, "self"), product, beta: c.scalar(3, "beta", default: .int(1)), alpha: c.scalar(4, "alpha", default: .int(1)), operation: "addbmm")
        }
        tensorOp("aten::linalg_matrix_norm") { c in
            try Self.matrixNorm(c.tensor(0, "self"), order: .number(c.double(1, "ord")), dims: c.ints(2, "dim", default: [-2, -1], single: false),
                                keepDim: c.bool(3, "keepdim", default: false), dtype: c.optionalDType(4, "dtype"))
        }
        tensorOp("aten::linalg_matrix_norm.str_ord") { c in
            try Self.matrixNorm(c.tensor(0, "self"), order: .name(c.string(1, "ord", default: "fro")), dims: c.ints(2, "dim", default: [-2, -1], single: false),
                                keepDim: c.bool(3, "keepdim", default: false), dtype: c.optionalDType(4, "dtype"))
        }
        // linalg.norm: a matrix norm for an order with two dimensions (given, or a 2-D input), else a vector norm.
        tensorOp("aten::linalg_norm") { c in
            let x = try c.tensor(0, "self")
            let (order, dims, keepDim, dtype) = (try c.optionalDouble(1, "ord"), try c.optionalInts(2, "dim"), try c.bool(3, "keepdim", default: false), try c.optionalDType(4, "dtype"))
            try Self.checkNormDims(x, dims: dims, orderGiven: order != nil)
            if let order, (dims?.count == 2) || (dims == nil && x.rank == 2) {
                return try Self.matrixNorm(x, order: .number(order), dims: dims ?? [0, 1], keepDim: keepDim, dtype: dtype)
            }
            return try Self.vectorNorm(x, order: order ?? 2, dims: dims, keepDim: keepDim, dtype: dtype)
        }
        tensorOp("aten::linalg_norm.ord_str") { c in
            let x = try c.tensor(0, "self")
            let dims = try c.optionalInts(2, "dim")
            try Self.checkNormDims(x, dims: dims, orderGiven: true)
            return try Self.matrixNorm(x, order: .name(c.string(1, "ord")), dims: dims ?? [0, 1], keepDim: c.bool(3, "keepdim", default: false), dtype: c.optionalDType(4, "dtype"))
        }
        // linalg.vecdot(x, y, dim): Σ conj(x)·y along dim, broadcast.
        tensorOp("aten::linalg_vecdot") { c in
            let (x, y) = (try c.tensor(0, "x"), try c.tensor(1, "y"))
            guard x.dtype == y.dtype else {
                throw OperatorError("linalg.vecdot: Expected x and y to have the same dtype, but found x of type \(x.dtype.scalarTypeName) and y of type \(y.dtype.scalarTypeName) instead")
            }
            let product = try x.conjugated().mul(y)
            return try product.sum(dims: [product.wrapDimension(c.int(2, "dim", default: -1))])
        }
        tensorOp("aten::einsum") { try Tensor.einsum($0.string(0, "equation"), $0.tensors(1, "tensors")) }
        tensorOp("aten::dot") { try $0.tensor(0, "self").dot($0.tensor(1, "tensor")) }
        tensorOp("aten::addmm") { c in
            try Tensor.addmm(c.tensor(0, "self"), c.tensor(1, "mat1"), c.tensor(2, "mat2"), beta: c.double(3, "beta", default: 1), alpha: c.double(4, "alpha", default: 1))
        }
        tensorOp("aten::baddbmm") { c in
            try Tensor.baddbmm(c.tensor(0, "self"), c.tensor(1, "batch1"), c.tensor(2, "batch2"), beta: c.double(3, "beta", default: 1), alpha: c.double(4, "alpha", default: 1))
        }
        tensorOp("aten::linear", writing: { try $0.tensor(0, "input").linear(weight: $0.tensor(1, "weight"), bias: $0.optionalTensor(2, "bias"), into: $1) })
        declareResultShape(["aten::linear"]) { c in
            let weight = try c.tensor(1, "weight")
            guard let shape = try c.tensor(0, "input").productResultShape(.linear, weight) else { return nil }
            if let bias = try c.optionalTensor(2, "bias"), bias.dtype != .float32 || bias.shape != [weight.shape[0]] { return nil }
            return (shape, .float32)
        }

    }

    /// beta · base + alpha · product, base expanded to the product's shape (ATen's check) and left out when beta is 0.
    private static func scaledSum(_ base: Tensor, _ product: Tensor, beta originalBeta: Scalar, alpha originalAlpha: Scalar, operation: String) throws -> Tensor {
        let expanded = try base.expand(product.shape)
        // ATen's kernels take alpha and beta in the element type: for integer tensors a float scalar is truncated
        // first (and never promotes the result to float).
        let integral = product.dtype.isIntegral || product.dtype == .bool
        func inElementType(_ s: Scalar) throws -> Scalar {
            guard integral, case .double(let value) = s else { return s }
            guard value.isFinite, Swift.abs(value) < 9.2e18 else { throw OperatorError("value cannot be converted to type int64_t without overflow") }
            return .int(Int64(value.rounded(.towardZero)))
        }
        let (alpha, beta) = (try inElementType(originalAlpha), try inElementType(originalBeta))
        if originalBeta == .int(0) || originalBeta == .double(0) || originalBeta == .bool(false) {
            return try Tensor.binary(Mul(), .tensor(product), .scalar(alpha), operation: operation)
        }
        let scaled = try Tensor.binary(Mul(), .tensor(product), .scalar(alpha), operation: operation)
        return try Tensor.add(.tensor(scaled), .tensor(Tensor.binary(Mul(), .tensor(expanded), .scalar(beta), operation: operation)))
    }

    /// A matrix norm's order: a number (±1, ±2, ±∞) or a name ("fro", "nuc").
    enum MatrixNormOrder {
        case number(Double)
        case name(String)
    }

    /// `linalg.matrix_norm` over the two dimensions `dims`: Frobenius as the vector 2-norm, ±1 / ±∞ as the largest
    /// (smallest) absolute column / row sum, ±2 and "nuc" from the singular values (FlintLinearAlgebra).
    static func matrixNorm(_ input: Tensor, order: MatrixNormOrder, dims: [Int], keepDim: Bool, dtype: DType?) throws -> Tensor {
        guard input.rank >= 2 else { throw OperatorError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.") }
        guard input.dtype.isFloatingPoint else {
            throw OperatorError("linalg.matrix_norm: Expected a floating point or complex tensor as input. Got \(input.dtype.scalarTypeName)")
        }
        guard dims.count == 2 else { throw OperatorError("linalg.matrix_norm: dim must be a 2-tuple. Got \(dims.map(String.init).joined(separator: " "))") }
        var (first, second) = (try input.wrapDimension(dims[0]), try input.wrapDimension(dims[1]))
        guard first != second else { throw OperatorError("linalg.matrix_norm: dims must be different. Got (\(dims[0]), \(dims[1]))") }
        let x = try dtype.map { try input.to($0) } ?? input
        switch order {
        case .name(let name):
            guard name == "fro" || name == "nuc" else { throw OperatorError("linalg.matrix_norm: Order \(name) not supported.") }
            guard name == "fro" else { return try singularValueNorm(x, .nuclear, dims: (first, second), keepDim: keepDim) }
            return try x.norm(p: 2, dims: [first, second], keepDim: keepDim)
        case .number(let value):
            let magnitude = Swift.abs(value)
            guard magnitude == 1 || magnitude == 2 || magnitude == .infinity else {
                throw OperatorError("linalg.matrix_norm: Order \(Self.formatOrder(value)) not supported.")
            }
            guard magnitude != 2 else { return try singularValueNorm(x, value > 0 ? .largest : .smallest, dims: (first, second), keepDim: keepDim) }
            if magnitude == .infinity { swap(&first, &second) }
            if !keepDim && first < second { second -= 1 }
            let sums = try x.norm(p: 1, dims: [first], keepDim: keepDim)
            return value > 0 ? try sums.amax(dims: [second], keepDim: keepDim) : try sums.amin(dims: [second], keepDim: keepDim)
        }
    }

    /// A norm of the singular values of the matrices over `dims` (moved last first).
    private static func singularValueNorm(_ x: Tensor, _ norm: Tensor.SingularValueNorm, dims: (Int, Int), keepDim: Bool) throws -> Tensor {
        let others = (0..<x.rank).filter { $0 != dims.0 && $0 != dims.1 }
        var result = try x.permute(others + [dims.0, dims.1]).singularValueNorm(norm)
        if keepDim {
            for dim in [dims.0, dims.1].sorted() { result = try result.unsqueeze(dim) }
        }
        return result
    }

    /// ATen prints an order as a double (`3`, `inf`, `-0.5`).
    private static func formatOrder(_ value: Double) -> String {
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// The vector p-norm over `dims` (all when nil), the input cast to `dtype` first; floating and complex inputs only.
    static func vectorNorm(_ input: Tensor, order: Double, dims: [Int]?, keepDim: Bool, dtype: DType?) throws -> Tensor {
        guard input.dtype.isFloatingPoint || input.dtype.isComplex else {
            throw OperatorError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got \(input.dtype.scalarTypeName)")
        }
        let x = try dtype.map { try input.to($0) } ?? input
        return try x.norm(p: order, dims: dims, keepDim: keepDim)
    }

    /// linalg.norm's checks on `dim` and the input's rank.
    static func checkNormDims(_ x: Tensor, dims: [Int]?, orderGiven: Bool) throws {
        if let dims {
            guard dims.count == 1 || dims.count == 2 else {
                throw OperatorError("linalg.norm: If dim is specified, it must be of length 1 or 2. Got \(dims)")
            }
        } else if orderGiven {
            guard x.rank == 1 || x.rank == 2 else {
                throw OperatorError("linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got \(x.rank)D.")
            }
        }
    }
}
