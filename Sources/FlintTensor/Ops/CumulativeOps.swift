/// Running sums and products along one dimension (`cumsum`, `cumprod`). Integer and bool inputs give
/// int64 unless `dtype` is given; integers wrap, floats accumulate in double.
extension Tensor {
    /// `torch.cumsum`: running sums along `dim`, in `dtype` when given; integer and bool inputs otherwise give int64.
    public func cumsum(dim: Int, dtype: DType? = nil) throws -> Tensor {
        try cumulative(dim: dim, dtype: dtype, product: false)
    }

    /// `torch.cumprod`: running products along `dim`, in `dtype` when given; integer and bool inputs otherwise give
    /// int64.
    public func cumprod(dim: Int, dtype: DType? = nil) throws -> Tensor {
        try cumulative(dim: dim, dtype: dtype, product: true)
    }

    private func cumulative(dim: Int, dtype: DType?, product: Bool) throws -> Tensor {
        let target = dtype ?? (self.dtype.isFloatingPoint || self.dtype.isComplex ? self.dtype : .int64)
        if target.isComplex {
            // Running sums of the real and imaginary parts; running products of complex numbers are not implemented.
            guard !product else { throw TensorError("\"cumprod\" not implemented for '\(target.scalarTypeName)'") }
            let values = try to(target)
            guard rank > 0 else { return try values.clone() }
            return try values.viewAsReal().cumsum(dim: wrapDimension(dim)).contiguous().viewAsComplex()
        }
        if target.isFloatingPoint {
            return try to(target).rowwise(dim: dim, dtype: nil, operation: product ? "cumprod" : "cumsum") { row, out, n in
                var total = product ? 1.0 : 0.0
                for i in 0..<n {
                    total = product ? total * row[i] : total + row[i]
                    out[i] = total
                }
            }
        }
        let (rows, inverse) = try to(target).rowsAlong(dim)
        let running = try rows.clone()
        try target.dispatchNumeric(IntegerScan(rows: running, product: product), operation: product ? "cumprod" : "cumsum")
        return try (inverse.isEmpty ? running.reshape(shape) : running.permute(inverse)).contiguous()
    }
}

/// Replaces each row of an integer tensor by its running sum or product, in place.
private struct IntegerScan: NumericDTypeVisitor {
    let rows: Tensor
    let product: Bool

    func visitFloating<T: FloatingElement>(_ type: T.Type) throws {}

    func visitInteger<T: IntegerElement>(_ type: T.Type) throws {
        let n = rows.shape.last ?? 1
        guard n > 1 else { return }
        let p = rows.baseAddress.assumingMemoryBound(to: T.self)
        for start in stride(from: 0, to: rows.elementCount, by: n) {
            for i in 1..<n { p[start + i] = product ? p[start + i] &* p[start + i - 1] : p[start + i] &+ p[start + i - 1] }
        }
    }

    func visitBool() throws { throw TensorError("\(product ? "cumprod" : "cumsum") does not support dtype bool") }
}
