/// `torch.gradient`: derivatives estimated by finite differences along each requested dimension, as ATen's
/// `gradient` composes them from tensor operations (second-order central differences inside, one-sided
/// differences of `edge_order` 1 or 2 at the ends), so results follow the same promotion and rounding.
extension Tensor {
    /// The spacing of the samples along each dimension.
    public enum GradientSpacing: Sendable {
        /// One uniform step per dimension (a single step applies to every dimension).
        case steps([Scalar])
        /// The coordinates of the samples, one 1-D tensor per dimension.
        case coordinates([Tensor])
    }

    /// The finite-difference derivative along each of `dims` (every dimension when nil).
    public func gradient(spacing: GradientSpacing?, dims requested: [Int]?, edgeOrder: Int) throws -> [Tensor] {
        guard edgeOrder == 1 || edgeOrder == 2 else { throw TensorError("torch.gradient only supports edge_order=1 and edge_order=2.") }
        let dims = try requested.map { try $0.map { try wrapDimension($0) } } ?? Array(0..<rank)
        if let repeated = dims.enumerated().first(where: { dims[..<$0.offset].contains($0.element) })?.element {
            throw TensorError("dim \(repeated) appears multiple times in the list of dims")
        }
        let count: Int
        switch spacing {
        case .none: count = 1
        case .steps(let steps): count = steps.count
        case .coordinates(let coordinates): count = coordinates.count
        }
        if count != 1 || { if case .coordinates = spacing { return true } else { return false } }() {
            guard count == dims.count else {
                if requested != nil {
                    throw TensorError(
                        "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim arguments to have the same length, but got a spacing argument of length \(count) and a dim argument of length \(dims.count).")
                }
                throw TensorError(
                    "torch.gradient expected spacing to be unspecified, a scalar, or a list of length equal to 'self.dim() = \(rank)', since dim argument was not given, but got a list of length \(count)")
            }
        }
        for d in dims where shape[d] < edgeOrder + 1 {
            throw TensorError("torch.gradient expected each dimension size to be at least edge_order+1")
        }
        return try dims.enumerated().map { i, d in
            switch spacing {
            case .coordinates(let coordinates): try gradient(along: d, coordinates: coordinates[i], edgeOrder: edgeOrder)
            case .steps(let steps): try gradient(along: d, step: steps.count == 1 ? steps[0] : steps[i], edgeOrder: edgeOrder)
            case .none: try gradient(along: d, step: .int(1), edgeOrder: edgeOrder)
            }
        }
    }

    private func slice(_ d: Int, _ start: Int, _ end: Int? = nil) throws -> Tensor {
        let size = shape[d]
        let begin = start < 0 ? start + size : start
        let stop = end.map { $0 < 0 ? $0 + size : $0 } ?? size
        return try narrow(dim: d, start: begin, length: stop - begin)
    }

    /// Uniform spacing: ((f[i+1] - f[i-1]) / h) / 2 inside; (f[1] - f[0]) / h at the ends, or the three-point
    /// one-sided formulas for edge order 2.
    private func gradient(along d: Int, step h: Scalar, edgeOrder: Int) throws -> Tensor {
        func div(_ t: Tensor, _ s: Scalar) throws -> Tensor { try Tensor.binary(Div(), .tensor(t), .scalar(s), operation: "gradient", promoteIntegersToFloat: true) }
        func mul(_ s: Double, _ t: Tensor) throws -> Tensor { try Tensor.binary(Mul(), .scalar(.double(s)), .tensor(t), operation: "gradient") }
        let center = try div(Tensor.sub(.tensor(slice(d, 2)), .tensor(slice(d, 0, -2))), h)
        let prepend: Tensor
        let append: Tensor
        if edgeOrder == 1 {
            prepend = try div(Tensor.sub(.tensor(slice(d, 1, 2)), .tensor(slice(d, 0, 1))), h)
            append = try div(Tensor.sub(.tensor(slice(d, -1)), .tensor(slice(d, -2, -1))), h)
        } else {
            let first = try Tensor.add(.tensor(mul(-1.5, slice(d, 0, 1))), .tensor(mul(2, slice(d, 1, 2))))
            prepend = try div(Tensor.sub(.tensor(first), .tensor(mul(0.5, slice(d, 2, 3)))), h)
            let last = try Tensor.sub(.tensor(mul(0.5, slice(d, -3, -2))), .tensor(mul(2, slice(d, -2, -1))))
            append = try div(Tensor.add(.tensor(last), .tensor(mul(1.5, slice(d, -1)))), h)
        }
        return try Tensor.cat([prepend, try div(center, .int(2)), append], dim: d)
    }

    /// Sample coordinates: the weighted three-point formula for uneven steps inside, and one-sided differences
    /// (edge order 1, or the uneven three-point forms for 2) at the ends.
    private func gradient(along d: Int, coordinates: Tensor, edgeOrder: Int) throws -> Tensor {
        guard coordinates.rank == 1, coordinates.shape[0] == shape[d] else {
            throw TensorError(
                "torch.gradient expected each tensor to be on the same device and of the same size as the dimension it is applied to, but got a spacing tensor of shape \(coordinates.shape) for dimension \(d) of size \(shape[d])")
        }
        var broadcast = Array(repeating: 1, count: rank)
        broadcast[d] = -1
        let dx = try coordinates.narrow(dim: 0, start: 1, length: shape[d] - 1).sub(coordinates.narrow(dim: 0, start: 0, length: shape[d] - 1))
        let n = dx.shape[0]
        let dx1 = try dx.narrow(dim: 0, start: 0, length: n - 1), dx2 = try dx.narrow(dim: 0, start: 1, length: n - 1)
        let sum12 = try dx1.add(dx2)
        let a = try dx2.neg().div(dx1.mul(sum12)).reshape(broadcast)
        let b = try dx2.sub(dx1).div(dx1.mul(dx2)).reshape(broadcast)
        let c = try dx1.div(dx2.mul(sum12)).reshape(broadcast)
        let center = try a.mul(slice(d, 0, -2)).add(b.mul(slice(d, 1, -1))).add(c.mul(slice(d, 2)))
        let first = try dx.narrow(dim: 0, start: 0, length: 1), last = try dx.narrow(dim: 0, start: n - 1, length: 1)
        let prepend: Tensor
        let append: Tensor
        if edgeOrder == 1 {
            prepend = try slice(d, 1, 2).sub(slice(d, 0, 1)).div(first.reshape(broadcast))
            append = try slice(d, -1).sub(slice(d, -2, -1)).div(last.reshape(broadcast))
        } else {
            let second = try dx.narrow(dim: 0, start: 1, length: 1), penultimate = try dx.narrow(dim: 0, start: n - 2, length: 1)
            func two(_ t: Tensor) throws -> Tensor { try Tensor.binary(Mul(), .scalar(.double(2)), .tensor(t), operation: "gradient") }
            let s01 = try first.add(second)
            let pa = try two(first).add(second).div(first.mul(s01)).neg()
            let pb = try s01.div(first.mul(second))
            let pc = try first.neg().div(second.mul(s01))
            prepend = try pa.reshape(broadcast).mul(slice(d, 0, 1)).add(pb.reshape(broadcast).mul(slice(d, 1, 2))).add(pc.reshape(broadcast).mul(slice(d, 2, 3)))
            let sLast = try last.add(penultimate)
            let qa = try last.div(penultimate.mul(sLast))
            let qb = try sLast.div(last.mul(penultimate)).neg()
            let qc = try two(last).add(penultimate).div(last.mul(sLast))
            append = try qa.reshape(broadcast).mul(slice(d, -3, -2)).add(qb.reshape(broadcast).mul(slice(d, -2, -1))).add(qc.reshape(broadcast).mul(slice(d, -1)))
        }
        return try Tensor.cat([prepend, center, append], dim: d)
    }
}
