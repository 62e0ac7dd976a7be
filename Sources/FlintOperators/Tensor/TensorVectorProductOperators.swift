import FlintLinearAlgebra
import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Products built from matrix and elementwise products, as ATen composes them: `bilinear` (`nn.Bilinear`),
    /// `kron`, `tensordot`, `inner`, `chain_matmul`, `linalg_multi_dot`, `matrix_power`, `vander`, `cross`.
    mutating func defineVectorProductOperators() {
        // y[..., o] = x1[..., :] · W[o] · x2[..., :] + b[o]: one GEMM of x1 against W laid out [in1, out·in2], then the
        // products with x2 summed over in2.
        tensorOp("aten::bilinear") { c in
            let (x1, x2, weight) = (try c.tensor(0, "input1"), try c.tensor(1, "input2"), try c.tensor(2, "weight"))
            let bias = try c.optionalTensor(3, "bias")
            guard x1.rank == x2.rank else {
                throw OperatorError("bilinear(): input dimensions do not match: got \(x1.rank) and \(x2.rank)")
            }
            for d in 0..<Swift.max(0, x1.rank - 1) where x1.shape[d] != x2.shape[d] {
                throw OperatorError("bilinear(): input batch dimensions do not match at dim \(d): got \(x1.shape[d]) and \(x2.shape[d])")
            }
            guard weight.rank == 3 else { throw OperatorError("bilinear(): weight must be 3-D, got \(weight.rank)-D") }
            let (out, in1, in2) = (weight.shape[0], weight.shape[1], weight.shape[2])
            guard x1.rank >= 1, x1.shape.last == in1 else {
                throw OperatorError("bilinear(): input1 size does not match weight size: got \(x1.shape.last ?? 0) but expected \(in1)")
            }
            guard x2.shape.last == in2 else {
                throw OperatorError("bilinear(): input2 size does not match weight size: got \(x2.shape.last ?? 0) but expected \(in2)")
            }
            if let bias, bias.rank != 1 || bias.shape[0] != out {
                throw OperatorError("bilinear(): bias size does not match weight size: got \(bias.shape.first ?? 0) but expected \(out)")
            }
            let lead = Array(x1.shape.dropLast())
            let rows = lead.reduce(1, *)
            let left = try x1.reshape([rows, in1]).matmul(weight.permute([1, 0, 2]).reshape([in1, out * in2]))
            let terms = try left.reshape([rows, out, in2]).mul(x2.reshape([rows, 1, in2]))
            var result = try terms.sum(dims: [2], dtype: terms.dtype)
            if let bias { result = try result.add(bias) }
            return try result.reshape(lead + [out])
        }
        // Both operands padded to the same rank, then a[i…]·b[j…] at (i·b.shape + j): an outer product per dimension.
        tensorOp("aten::kron") { c in
            let (a, b) = (try c.tensor(0, "self"), try c.tensor(1, "other"))
            let rank = Swift.max(a.rank, b.rank)
            let aShape = Array(repeating: 1, count: rank - a.rank) + a.shape
            let bShape = Array(repeating: 1, count: rank - b.rank) + b.shape
            let spreadA = try a.reshape(aShape.flatMap { [$0, 1] })
            let spreadB = try b.reshape(bShape.flatMap { [1, $0] })
            return try spreadA.mul(spreadB).reshape(zip(aShape, bShape).map { $0 * $1 })
        }
        // `cross` without a dim takes the first dimension of size 3 (deprecated in ATen, still its behaviour).
        tensorOp("aten::cross") { c in
            let (a, b) = (try c.tensor(0, "self"), try c.tensor(1, "other"))
            let dim: Int
            if let given = try c.optionalInt(2, "dim") {
                dim = given
            } else {
                guard let first = a.shape.firstIndex(of: 3) else { throw OperatorError("no dimension of size 3 in input") }
                dim = first
            }
            return try Self.crossProduct(a, b, dim: dim)
        }
        // tensordot: the listed dimensions of each operand contracted pairwise, as one matrix product.
        tensorOp("aten::tensordot") { c in
            try Self.tensordot(c.tensor(0, "self"), c.tensor(1, "other"), c.ints(2, "dims_self", single: false), c.ints(3, "dims_other", single: false))
        }
        // inner: products over the last dimensions (a 0-d operand multiplies).
        tensorOp("aten::inner") { c in
            let (a, b) = (try c.tensor(0, "self"), try c.tensor(1, "other"))
            if a.rank == 0 || b.rank == 0 { return try a.mul(b) }
            guard a.shape.last == b.shape.last else {
                throw OperatorError("inner() the last dimension must match on both input tensors but got shapes \(a.shape) and \(b.shape)")
            }
            return try Self.tensordot(a, b, [-1], [-1])
        }
        for name in ["chain_matmul", "linalg_multi_dot"] {
            tensorOp("aten::\(name)") { c in try Self.chainedProduct(c.tensors(0, name == "chain_matmul" ? "matrices" : "tensors"), name: name) }
        }
        for name in ["matrix_power", "linalg_matrix_power"] {
            tensorOp("aten::\(name)") { c in try Self.matrixPower(c.tensor(0, "self"), c.int(1, "n")) }
        }
        // vander(x, N, increasing): powers of x as columns, decreasing unless `increasing`; linalg_vander increasing.
        tensorOp("aten::vander") { c in
            let x = try c.tensor(0, "x")
            guard x.rank == 1 else { throw OperatorError("x must be a one-dimensional tensor.") }
            let columns = try c.optionalInt(1, "N") ?? x.shape[0]
            guard columns >= 0 else { throw OperatorError("N must be non-negative.") }
            let powers = try Self.powersOf(x, count: columns)
            return try c.bool(2, "increasing", default: false) ? powers : powers.flip([1])
        }
        tensorOp("aten::linalg_vander") { c in
            var x = try c.tensor(0, "x")
            guard x.dtype != .bool else {
                throw OperatorError("linalg.vander supports floating point, complex, and integer tensors, but got Bool")
            }
            // Integers are widened to int64; a 0-d x is one point when N is given.
            if x.dtype.isIntegral { x = try x.to(.int64) }
            if x.rank == 0, try c.optionalInt(1, "N") != nil { x = try x.reshape([1]) }
            guard x.rank >= 1 else { throw OperatorError("linalg.vander: x must have at least one dimension.") }
            let columns = try c.optionalInt(1, "N") ?? x.shape[x.rank - 1]
            guard columns > 1 else { throw OperatorError("N must be greater than 1.") }
            return try Self.powersOf(x, count: columns)
        }
        tensorOp("aten::linalg_cross") { c in
            try Self.crossProduct(c.tensor(0, "self"), c.tensor(1, "other"), dim: c.int(2, "dim", default: -1))
        }
    }

    /// `linalg.cross`: same ranks, length 3 along `dim`, the rest broadcast; one promoted dtype (ATen's CPU kernel
    /// refuses mixed dtypes and bool).
    private static func crossProduct(_ a: Tensor, _ b: Tensor, dim: Int) throws -> Tensor {
        guard a.rank == b.rank else { throw OperatorError("linalg.cross: inputs must have the same number of dimensions.") }
        guard a.rank > 0 else { throw OperatorError("dimension specified as \(dim) but tensor has no dimensions") }
        let axis = try a.wrapDimension(dim)
        guard a.shape[axis] == 3 && b.shape[axis] == 3 else {
            throw OperatorError("linalg.cross: inputs dimension \(dim) must have length 3. Got \(a.shape[axis]) and \(b.shape[axis])")
        }
        guard a.dtype == b.dtype else {
            throw OperatorError("expected scalar type \(a.dtype.scalarTypeName) but found \(b.dtype.scalarTypeName)")
        }
        guard a.dtype != .bool else { throw OperatorError("\"cross\" not implemented for 'Bool'") }
        let shape = try Tensor.broadcastShape(a.shape, b.shape)
        let (x, y) = (try a.expand(shape), try b.expand(shape))
        func part(_ t: Tensor, _ i: Int) throws -> Tensor { try t.select(dim: axis, index: i) }
        let c0 = try part(x, 1).mul(part(y, 2)).sub(part(x, 2).mul(part(y, 1)))
        let c1 = try part(x, 2).mul(part(y, 0)).sub(part(x, 0).mul(part(y, 2)))
        let c2 = try part(x, 0).mul(part(y, 1)).sub(part(x, 1).mul(part(y, 0)))
        return try Tensor.stack([c0, c1, c2], dim: axis)
    }

    /// `tensordot`: contracts `dimsA` of `a` with `dimsB` of `b` (same count, equal sizes or one of them 1): the
    /// free dimensions of `a` then those of `b`.
    private static func tensordot(_ a: Tensor, _ b: Tensor, _ dimsA: [Int], _ dimsB: [Int]) throws -> Tensor {
        guard dimsA.count == dimsB.count else { throw OperatorError("both dimension lists should have same length") }
        let contractA = try dimsA.map { try a.wrapDimension($0) }, contractB = try dimsB.map { try b.wrapDimension($0) }
        for (tensor, dims) in [(a, contractA), (b, contractB)] where tensor.rank == 0 && !dims.isEmpty {
            throw OperatorError("Dimension specified as \(dims[0]) but tensor has no dimensions")
        }
        // A contracted dimension of size 1 on one side broadcasts: the other side is summed over it first.
        var (a, b) = (a, b)
        for (da, db) in zip(contractA, contractB) {
            let (sizeA, sizeB) = (a.shape[da], b.shape[db])
            if sizeB == 1 {
                a = try a.sum(dims: [da], keepDim: true, dtype: a.dtype)
            } else if sizeA == 1 {
                b = try b.sum(dims: [db], keepDim: true, dtype: b.dtype)
            } else if sizeA != sizeB {
                throw OperatorError("contracted dimensions need to match, but first has size \(sizeA) in dim \(da) and second has size \(sizeB) in dim \(db)")
            }
        }
        let freeA = (0..<a.rank).filter { !contractA.contains($0) }, freeB = (0..<b.rank).filter { !contractB.contains($0) }
        let inner = contractA.map { a.shape[$0] }.reduce(1, *)
        let left = try a.permute(freeA + contractA).reshape([freeA.map { a.shape[$0] }.reduce(1, *), inner])
        let right = try b.permute(contractB + freeB).reshape([inner, freeB.map { b.shape[$0] }.reduce(1, *)])
        return try left.mm(right).reshape(freeA.map { a.shape[$0] } + freeB.map { b.shape[$0] })
    }

    /// `chain_matmul` / `linalg_multi_dot`: the product of the matrices left to right (multi_dot also takes a 1-D
    /// first or last operand as a row or column vector, and drops it from the result).
    private static func chainedProduct(_ tensors: [Tensor], name: String) throws -> Tensor {
        let label = name == "chain_matmul" ? "chain_matmul" : "multi_dot"
        guard !tensors.isEmpty else { throw OperatorError("\(label)(): Expected one or more matrices") }
        if name == "chain_matmul" {
            for t in tensors where t.rank != 2 {
                throw OperatorError("Tensor dimension is \(t.rank), expected 2 instead.")
            }
            return try tensors.dropFirst().reduce(tensors[0]) { try $0.mm($1) }
        }
        guard tensors.count >= 2 else { throw OperatorError("multi_dot(): expected at least 2 tensors but got \(tensors.count)") }
        var matrices = tensors
        let (firstIsVector, lastIsVector) = (tensors[0].rank == 1, tensors[tensors.count - 1].rank == 1)
        guard tensors[0].rank == 1 || tensors[0].rank == 2 else {
            throw OperatorError("multi_dot(): the first tensor must be 1D or 2D but got \(tensors[0].rank)D")
        }
        guard tensors[tensors.count - 1].rank == 1 || tensors[tensors.count - 1].rank == 2 else {
            throw OperatorError("multi_dot(): the last tensor must be 1D or 2D but got \(tensors[tensors.count - 1].rank)D")
        }
        for i in 1..<(tensors.count - 1) where tensors[i].rank != 2 {
            throw OperatorError("multi_dot(): tensor \(i) must be 2D but got \(tensors[i].rank)D")
        }
        if firstIsVector { matrices[0] = try matrices[0].unsqueeze(0) }
        if lastIsVector { matrices[matrices.count - 1] = try matrices[matrices.count - 1].unsqueeze(1) }
        for i in 1..<matrices.count where matrices[i - 1].shape[1] != matrices[i].shape[0] {
            throw OperatorError("multi_dot(): tensors \(i - 1) and \(i) with shapes \(tensors[i - 1].shape) and \(tensors[i].shape) cannot be multiplied")
        }
        var result = try matrices.dropFirst().reduce(matrices[0]) { try $0.mm($1) }
        if firstIsVector { result = try result.squeeze(0) }
        if lastIsVector { result = try result.squeeze(-1) }
        return result
    }

    /// Aⁿ for square matrices (batched) by repeated squaring; n = 0 the identity, n < 0 powers of the inverse.
    private static func matrixPower(_ a: Tensor, _ n: Int) throws -> Tensor {
        guard a.rank >= 2, a.shape[a.rank - 1] == a.shape[a.rank - 2] else {
            throw OperatorError("linalg.matrix_power: A must be batches of square matrices, but they are \(a.rank >= 2 ? a.shape[a.rank - 2] : 0) by \(a.rank >= 1 ? a.shape[a.rank - 1] : 0) matrices")
        }
        if n < 0 {
            guard n != Int.min else { throw OperatorError("linalg.matrix_power: the power \(n) cannot be negated") }
            return try matrixPower(a.linalgInv(), -n)
        }
        let size = a.shape[a.rank - 1]
        if n == 0 {
            let identity = try Tensor.eye(size, dtype: a.dtype)
            return try identity.expand(a.shape).clone()
        }
        if n == 1 { return try a.clone() }
        var (result, base, remaining): (Tensor?, Tensor, Int) = (nil, a, n)
        while remaining > 0 {
            if remaining & 1 == 1 { result = try result.map { try $0.matmul(base) } ?? base }
            remaining >>= 1
            if remaining > 0 { base = try base.matmul(base) }
        }
        return result!
    }

    /// x[..., i]^j for j < count as a new last dimension (x⁰ = 1), by running products as ATen's vander does.
    private static func powersOf(_ x: Tensor, count: Int) throws -> Tensor {
        let base = x.dtype == .bool ? try x.to(.int64) : x
        guard count > 0 else { return Tensor.zeros(x.shape + [0], dtype: base.dtype) }
        var columns = [try Tensor.ones(x.shape, dtype: base.dtype).to(base.dtype)]
        for _ in 1..<count { columns.append(try columns[columns.count - 1].mul(base)) }
        return try Tensor.stack(columns, dim: x.rank)
    }
}
