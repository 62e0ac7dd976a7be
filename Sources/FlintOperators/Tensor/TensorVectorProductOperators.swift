import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Products built from elementwise products and sums, as ATen composes them: `bilinear` (`nn.Bilinear`),
    /// `kron`, `cross` and `linalg_cross`.
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
            var result = try left.reshape([rows, out, in2]).mul(x2.reshape([rows, 1, in2])).sum(dims: [2])
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
}
