import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// The trapezoidal rule along a dimension, as ATen composes it: `trapezoid` / `trapz` (sample points `x`, or a
    /// constant spacing `dx`) and `cumulative_trapezoid` (the running sums).
    mutating func defineIntegrationOperators() {
        for name in ["trapezoid", "trapz"] {
            tensorOp("aten::\(name).x") { c in
                try Self.trapezoid(c.tensor(0, "y"), spacing: Self.sampleSpacing(c.tensor(0, "y"), c.tensor(1, "x"), dim: c.int(2, "dim", default: -1)), dim: c.int(2, "dim", default: -1), cumulative: false)
            }
        }
        tensorOp("aten::trapezoid.dx") { c in
            try Self.trapezoid(c.tensor(0, "y"), constant: c.scalar(1, "dx", default: .int(1)), dim: c.int(2, "dim", default: -1), cumulative: false)
        }
        tensorOp("aten::trapz.dx") { c in
            try Self.trapezoid(c.tensor(0, "y"), constant: .double(c.double(1, "dx", default: 1)), dim: c.int(2, "dim", default: -1), cumulative: false)
        }
        tensorOp("aten::cumulative_trapezoid.x") { c in
            try Self.trapezoid(c.tensor(0, "y"), spacing: Self.sampleSpacing(c.tensor(0, "y"), c.tensor(1, "x"), dim: c.int(2, "dim", default: -1)), dim: c.int(2, "dim", default: -1), cumulative: true)
        }
        tensorOp("aten::cumulative_trapezoid.dx") { c in
            try Self.trapezoid(c.tensor(0, "y"), constant: c.scalar(1, "dx", default: .int(1)), dim: c.int(2, "dim", default: -1), cumulative: true)
        }
    }

    /// The spacings x[i + 1] − x[i] along `dim`, a 1-D x laid along `dim` and a lower-rank x padded with leading 1s.
    private static func sampleSpacing(_ y: Tensor, _ x: Tensor, dim: Int) throws -> Tensor? {
        guard y.rank > 0 else { throw OperatorError("dimension specified as \(dim) but tensor has no dimensions") }
        let axis = try y.wrapDimension(dim)
        guard y.shape[axis] > 0 else { return nil }
        guard y.dtype != .bool && x.dtype != .bool else { throw OperatorError("trapezoid: received a bool input for `x` or `y`, but bool is not supported") }
        var laid = x
        if x.rank == 1 {
            guard x.shape[0] == y.shape[axis] else { throw OperatorError("trapezoid: There must be one `x` value for each sample point") }
            var shape = Array(repeating: 1, count: y.rank)
            shape[axis] = x.shape[0]
            laid = try x.reshape(shape)
        } else if x.rank < y.rank {
            laid = try x.reshape(Array(repeating: 1, count: y.rank - x.rank) + x.shape)
        }
        let length = laid.shape[axis]
        return try laid.narrow(dim: axis, start: 1, length: length - 1).sub(laid.narrow(dim: axis, start: 0, length: length - 1))
    }

    /// Σ spacing · (y[i] + y[i + 1]) / 2 along `dim` (running sums when `cumulative`); an empty `dim` gives zeros of
    /// the other dimensions.
    private static func trapezoid(_ y: Tensor, spacing: Tensor?, dim: Int, cumulative: Bool) throws -> Tensor {
        let axis = try y.wrapDimension(dim)
        guard let spacing else { return try emptyIntegral(y, axis: axis, cumulative: cumulative) }
        let length = y.shape[axis]
        let pairs = try y.narrow(dim: axis, start: 1, length: length - 1).add(y.narrow(dim: axis, start: 0, length: length - 1))
        let weighted = try spacing.mul(pairs)
        let halve = { (t: Tensor) in try Tensor.binary(Div(), .tensor(t), .scalar(.double(2)), operation: "trapezoid") }
        return cumulative ? try halve(weighted.cumsum(dim: axis)) : try halve(weighted.sum(dims: [axis]))
    }

    /// The constant-spacing forms: Σy − (y[0] + y[n−1]) / 2, times dx (ATen's arithmetic, for its rounding); the
    /// running form sums dx/2 · (y[i] + y[i + 1]).
    private static func trapezoid(_ y: Tensor, constant dx: Scalar, dim: Int, cumulative: Bool) throws -> Tensor {
        guard y.rank > 0 else { throw OperatorError("dimension specified as \(dim) but tensor has no dimensions") }
        let axis = try y.wrapDimension(dim)
        guard y.shape[axis] > 0 else { return try emptyIntegral(y, axis: axis, cumulative: cumulative) }
        guard y.dtype != .bool else { throw OperatorError("trapezoid: received a bool input for `y`, but bool is not supported") }
        if case .bool = dx { throw OperatorError("trapezoid: Currently, we only support dx as a real number.") }
        let length = y.shape[axis]
        if cumulative {
            let pairs = try y.narrow(dim: axis, start: 1, length: length - 1).add(y.narrow(dim: axis, start: 0, length: length - 1))
            let half = Scalar.double(dx.doubleValue / 2)
            return try Tensor.binary(Mul(), .scalar(half), .tensor(pairs), operation: "cumulative_trapezoid").cumsum(dim: axis)
        }
        let ends = try y.select(dim: axis, index: 0).add(y.select(dim: axis, index: length - 1))
        let inner = try Tensor.sub(.tensor(y.sum(dims: [axis])), .tensor(Tensor.binary(Mul(), .tensor(ends), .scalar(.double(0.5)), operation: "trapezoid")))
        return try Tensor.binary(Mul(), .tensor(inner), .scalar(.double(dx.doubleValue)), operation: "trapezoid")
    }

    /// Zeros shaped like `y` without `axis` (`trapezoid`), or like `y` with that dimension emptied (`cumulative_trapezoid`).
    private static func emptyIntegral(_ y: Tensor, axis: Int, cumulative: Bool) throws -> Tensor {
        var shape = y.shape
        if y.rank > 0 {
            if cumulative { shape[axis] = Swift.max(0, shape[axis] - 1) } else { shape.remove(at: axis) }
        }
        return Tensor.zeros(shape, dtype: y.dtype)
    }
}
