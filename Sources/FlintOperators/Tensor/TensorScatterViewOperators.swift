import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Arbitrary strided views, the functional `*_scatter` forms of view writes (what torch.export's core-ATen
    /// programs use instead of writing through a view), and `diff`.
    mutating func defineScatterViewOperators() {
        tensorOp("aten::as_strided") { c in
            let t = try c.tensor(0, "self")
            return try t.asStrided(c.ints(1, "size", single: false), c.ints(2, "stride", single: false), storageOffset: c.optionalInt(3, "storage_offset"))
        }
        // self with the view of it that the arguments name replaced by src (a copy; self is not written).
        func scatter(_ name: String, view: @escaping @Sendable (Tensor, Arguments) throws -> Tensor) {
            tensorOp(name) { c in
                let result = try c.tensor(0, "self").clone()
                let target = try view(result, c)
                let source = try c.tensor(1, "src")
                guard source.shape == target.shape else {
                    throw OperatorError("\(name.dropFirst(6)): expected src to have a size equal to the slice of self. src size = \(source.shape), slice size = \(target.shape)")
                }
                try target.copy(from: source)
                return result
            }
        }
        scatter("aten::slice_scatter") { t, c in
            try t.slice(dim: c.int(2, "dim", default: 0), start: c.optionalInt(3, "start"), end: c.optionalInt(4, "end"), step: c.int(5, "step", default: 1))
        }
        scatter("aten::as_strided_scatter") { t, c in
            try t.asStrided(c.ints(2, "size", single: false), c.ints(3, "stride", single: false), storageOffset: c.optionalInt(4, "storage_offset"))
        }
        scatter("aten::select_scatter") { t, c in try t.select(dim: c.int(2, "dim"), index: c.int(3, "index")) }
        scatter("aten::diagonal_scatter") { t, c in
            try t.diagonal(c.int(3, "dim1", default: 0), c.int(4, "dim2", default: 1), offset: c.int(2, "offset", default: 0))
        }
        tensorOp("aten::diff") { c in
            var x = try c.tensor(0, "self")
            let n = try c.int(1, "n", default: 1)
            guard x.rank > 0 else { throw OperatorError("diff expects input to be at least one-dimensional") }
            guard n >= 0 else { throw OperatorError("order must be non-negative but got \(n)") }
            let dim = try x.wrapDimension(c.int(2, "dim", default: -1))
            let parts = [try c.optionalTensor(3, "prepend"), x, try c.optionalTensor(4, "append")].compactMap { $0 }
            if parts.count > 1 { x = try Tensor.cat(parts, dim: dim) }
            for _ in 0..<n {
                let length = x.shape[dim]
                if length == 0 { break }
                let later = try x.narrow(dim: dim, start: 1, length: length - 1)
                let earlier = try x.narrow(dim: dim, start: 0, length: length - 1)
                x = x.dtype == .bool ? try Tensor.compare(NotEqual(), .tensor(later), .tensor(earlier), operation: "diff") : try later.sub(earlier)
            }
            return x
        }
    }
}
