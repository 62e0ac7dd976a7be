import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Splitting into views (`tensor_split`, `hsplit`, `vsplit`, `dsplit`), `atleast_Nd`, and stacking along
    /// the depth and column axes (`dstack`, `column_stack`).
    mutating func defineSplitOperators() {
        define("aten::tensor_split.sections") { c in
            TensorOperatorSupport.list(try Self.tensorSplit(c.tensor(0, "self"), sections: c.int(1, "sections"), dim: c.int(2, "dim", default: 0)))
        }
        define("aten::tensor_split.indices") { c in
            TensorOperatorSupport.list(try Self.tensorSplit(c.tensor(0, "self"), indices: c.ints(1, "indices"), dim: c.int(2, "dim", default: 0)))
        }
        define("aten::tensor_split.tensor_indices_or_sections") { c in
            let (x, split, dim) = (try c.tensor(0, "self"), try c.tensor(1, "tensor_indices_or_sections"), try c.int(2, "dim", default: 0))
            guard split.dtype == .int64 else {
                throw OperatorError("tensor_split expected tensor_indices_or_sections to have dtype of long, but got \(split.dtype.scalarTypeName)")
            }
            guard split.rank <= 1 else {
                throw OperatorError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional tensor, but got a tensor with \(split.rank) dims")
            }
            let values = try split.scalars(as: Int64.self).map(Int.init)
            return TensorOperatorSupport.list(
                split.rank == 0 ? try Self.tensorSplit(x, sections: values[0], dim: dim) : try Self.tensorSplit(x, indices: values, dim: dim))
        }
        for (name, dim, minimumRank) in [("hsplit", 1, 1), ("vsplit", 0, 2), ("dsplit", 2, 3)] {
            define("aten::\(name).int") { c in
                let x = try c.tensor(0, "self")
                let d = try Self.directionalSplitDim(name, x, dim: dim, minimumRank: minimumRank)
                let sections = try c.int(1, "sections")
                guard sections != 0, x.shape[d] % sections == 0 else {
                    throw OperatorError("torch.\(name) attempted to split along dimension \(d), but the size of the dimension \(x.shape[d]) is not divisible by the split_size \(sections)!")
                }
                return TensorOperatorSupport.list(try Self.tensorSplit(x, sections: sections, dim: d))
            }
            define("aten::\(name).array") { c in
                let x = try c.tensor(0, "self")
                let d = try Self.directionalSplitDim(name, x, dim: dim, minimumRank: minimumRank)
                return TensorOperatorSupport.list(try Self.tensorSplit(x, indices: c.ints(1, "indices"), dim: d))
            }
        }
        for rank in 1...3 {
            tensorOp("aten::atleast_\(rank)d") { try Self.atLeast(rank, $0.tensor(0, "self")) }
            define("aten::atleast_\(rank)d.Sequence") { c in TensorOperatorSupport.list(try c.tensors(0, "tensors").map { try Self.atLeast(rank, $0) }) }
        }
        tensorOp("aten::dstack") { c in
            let tensors = try c.tensors(0, "tensors")
            guard !tensors.isEmpty else { throw OperatorError("dstack expects a non-empty TensorList") }
            return try Tensor.cat(tensors.map { try Self.atLeast(3, $0) }, dim: 2)
        }
        tensorOp("aten::column_stack") { c in
            let tensors = try c.tensors(0, "tensors")
            guard !tensors.isEmpty else { throw OperatorError("column_stack expects a non-empty TensorList") }
            return try Tensor.cat(tensors.map { $0.rank <= 1 ? try $0.reshape([$0.elementCount, 1]) : $0 }, dim: 1)
        }
    }

    /// `tensor_split` into `sections` parts: the first size % sections parts one element longer.
    static func tensorSplit(_ x: Tensor, sections: Int, dim: Int) throws -> [Tensor] {
        guard x.rank > 0 else { throw OperatorError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims") }
        guard sections > 0 else { throw OperatorError("number of sections must be larger than 0, got \(sections)") }
        let d = try x.wrapDimension(dim)
        let size = x.shape[d]
        let (base, extra) = (size / sections, size % sections)
        var start = 0
        return try (0..<sections).map { i in
            let length = base + (i < extra ? 1 : 0)
            defer { start += length }
            return try x.narrow(dim: d, start: start, length: length)
        }
    }

    /// `tensor_split` at `indices`: slices [0, i₀), [i₀, i₁), …, [iₙ, size), each bound as `slice` takes it.
    static func tensorSplit(_ x: Tensor, indices: [Int], dim: Int) throws -> [Tensor] {
        guard x.rank > 0 else { throw OperatorError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims") }
        let d = try x.wrapDimension(dim)
        var start = 0
        var parts: [Tensor] = []
        for end in indices {
            parts.append(try x.slice(dim: d, start: start, end: end))
            start = end
        }
        parts.append(try x.slice(dim: d, start: start, end: x.shape[d]))
        return parts
    }

    /// The dimension `hsplit` (1, or 0 for 1-D input), `vsplit` (0) or `dsplit` (2) splits, after the rank check.
    private static func directionalSplitDim(_ name: String, _ x: Tensor, dim: Int, minimumRank: Int) throws -> Int {
        guard x.rank >= minimumRank else {
            throw OperatorError("torch.\(name) requires a tensor with at least \(minimumRank) dimension, but got a tensor with \(x.rank) dimensions!")
        }
        return name == "hsplit" && x.rank == 1 ? 0 : dim
    }

    /// `atleast_1d` / `2d` / `3d`: views with leading (and, for 3-D, trailing) dimensions of size one added.
    static func atLeast(_ rank: Int, _ x: Tensor) throws -> Tensor {
        switch (rank, x.rank) {
        case (_, let r) where r >= rank: x
        case (_, 0): try x.reshape([Int](repeating: 1, count: rank))
        case (2, 1): try x.unsqueeze(0)
        case (3, 1): try x.unsqueeze(0).unsqueeze(2)
        default: try x.unsqueeze(2)  // (3, 2)
        }
    }
}
