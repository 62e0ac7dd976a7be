import RealModule

/// p-norm distances between rows: every pair of two sets (`cdist`) and every pair within one set (`pdist`),
/// accumulated in double and returned in the input's floating dtype.
extension Tensor {
    /// `torch.cdist`: for `self` `[*, P, M]` and `other` `[*, R, M]` (leading dimensions broadcast), the
    /// `[*, P, R]` p-norm distances between their rows. p = 0 counts differing coordinates and p = ∞ takes the
    /// largest difference. The result is exact up to the rounding of the sum: ATen's matrix-product shortcut for
    /// large Euclidean problems gives the same values within its own rounding.
    public func cdist(_ other: Tensor, p: Double) throws -> Tensor {
        guard rank >= 2 else { throw TensorError("cdist only supports at least 2D tensors, X1 got: \(rank)D") }
        guard other.rank >= 2 else { throw TensorError("cdist only supports at least 2D tensors, X2 got: \(other.rank)D") }
        guard dtype.isFloatingPoint else { throw TensorError("cdist only supports floating-point dtypes, X1 got: \(dtype.scalarTypeName)") }
        guard other.dtype.isFloatingPoint else { throw TensorError("cdist only supports floating-point dtypes, X2 got: \(other.dtype.scalarTypeName)") }
        guard shape.last == other.shape.last else {
            throw TensorError("X1 and X2 must have the same number of columns. X1: \(shape.last!) X2: \(other.shape.last!)")
        }
        guard p >= 0 else { throw TensorError("cdist only supports non-negative p values") }
        let batch = try Tensor.broadcastShape(Array(shape.dropLast(2)), Array(other.shape.dropLast(2)))
        let (rowsA, rowsB, width) = (shape[rank - 2], other.shape[other.rank - 2], shape.last!)
        let a = try expand(batch + [rowsA, width]).to(.float64).contiguous().scalars(as: Double.self)
        let b = try other.expand(batch + [rowsB, width]).to(.float64).contiguous().scalars(as: Double.self)
        let batches = batch.reduce(1, *)
        var out = [Double](repeating: 0, count: batches * rowsA * rowsB)
        for n in 0..<batches {
            for i in 0..<rowsA {
                let x = (n * rowsA + i) * width
                for j in 0..<rowsB {
                    let y = (n * rowsB + j) * width
                    out[(n * rowsA + i) * rowsB + j] = Tensor.distance(a, x, b, y, width, p: p)
                }
            }
        }
        return try Tensor(shape: batch + [rowsA, rowsB], scalars: out).to(DType.resultType([.tensor(dtype, rank: rank), .tensor(other.dtype, rank: other.rank)]))
    }

    /// `torch.pdist`: the p-norm distances between the rows of a `[N, M]` tensor, pairs (i, j) with i < j in
    /// row-major order.
    public func pdist(p: Double) throws -> Tensor {
        guard rank == 2 else { throw TensorError("pdist only supports 2D tensors, got: \(rank)D") }
        guard dtype.isFloatingPoint else { throw TensorError("pdist only supports floating-point dtypes") }
        guard p >= 0 else { throw TensorError("pdist only supports non-negative p values") }
        let (rows, width) = (shape[0], shape[1])
        let a = try to(.float64).contiguous().scalars(as: Double.self)
        var out: [Double] = []
        out.reserveCapacity(rows * Swift.max(rows - 1, 0) / 2)
        for i in 0..<rows {
            for j in (i + 1)..<Swift.max(rows, i + 1) { out.append(Tensor.distance(a, i * width, a, j * width, width, p: p)) }
        }
        return try Tensor(shape: [out.count], scalars: out).to(dtype)
    }

    /// The p-norm of the difference of `width` values of `a` from `x` and of `b` from `y`.
    private static func distance(_ a: [Double], _ x: Int, _ b: [Double], _ y: Int, _ width: Int, p: Double) -> Double {
        var total = 0.0
        for k in 0..<width {
            let d = Swift.abs(a[x + k] - b[y + k])
            switch p {
            case 0: total += d != 0 ? 1 : 0
            case 1: total += d
            case 2: total += d * d
            case .infinity: total = d.isNaN || total.isNaN ? .nan : Swift.max(total, d)
            default: total += Double.pow(d, p)
            }
        }
        switch p {
        case 0, 1, .infinity: return total
        case 2: return total.squareRoot()
        default: return Double.pow(total, 1 / p)
        }
    }
}
