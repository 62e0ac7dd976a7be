import FlintTensor

extension Tensor {
    /// `torch.linalg.matrix_exp`: e^A of square matrices (batched), by scaling and squaring in double precision:
    /// A/2^s with ‖A/2^s‖₁ ≤ 1/2, its Taylor series summed until the terms no longer change the sum, then squared s
    /// times. ATen picks a fixed-degree polynomial by the norm instead; both are accurate to the element type.
    public func linalgMatrixExp() throws -> Tensor {
        try LinalgCheck.square(self, "linalg.matrix_exp")
        guard dtype.isFloatingPoint else {
            throw TensorError("linalg.matrix_exp: Expected a floating point or complex tensor as input. Got \(dtype.scalarTypeName)")
        }
        let n = shape[rank - 1]
        let matrices = try to(.float64).contiguous().scalars(as: Double.self)
        var result = [Double](repeating: 0, count: matrices.count)
        for start in stride(from: 0, to: matrices.count, by: Swift.max(n * n, 1)) where n > 0 {
            let exponential = Self.exponential(Array(matrices[start..<(start + n * n)]), n)
            result.replaceSubrange(start..<(start + n * n), with: exponential)
        }
        return try Tensor(shape: shape, scalars: result).to(dtype)
    }

    /// e^A of one row-major n×n matrix.
    private static func exponential(_ a: [Double], _ n: Int) -> [Double] {
        let norm = (0..<n).map { j in (0..<n).reduce(0.0) { $0 + Swift.abs(a[$1 * n + j]) } }.max() ?? 0
        guard norm.isFinite else { return [Double](repeating: .nan, count: n * n) }
        var squarings = 0
        while norm / Double.pow2(squarings) > 0.5 && squarings < 1000 { squarings += 1 }
        let scale = 1 / Double.pow2(squarings)
        let scaled = a.map { $0 * scale }
        var sum = [Double](repeating: 0, count: n * n)
        for i in 0..<n { sum[i * n + i] = 1 }
        var term = sum
        for k in 1...60 {
            term = product(term, scaled, n).map { $0 / Double(k) }
            var changed = false
            for i in 0..<(n * n) {
                let next = sum[i] + term[i]
                if next != sum[i] { changed = true }
                sum[i] = next
            }
            if !changed { break }
        }
        for _ in 0..<squarings { sum = product(sum, sum, n) }
        return sum
    }

    private static func product(_ x: [Double], _ y: [Double], _ n: Int) -> [Double] {
        var z = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for k in 0..<n {
                let xik = x[i * n + k]
                if xik == 0 { continue }
                for j in 0..<n { z[i * n + j] += xik * y[k * n + j] }
            }
        }
        return z
    }
}

private extension Double {
    /// 2^k for k ≥ 0.
    static func pow2(_ k: Int) -> Double { Double(sign: .plus, exponent: k, significand: 1) }
}
