/// Tensors made from ranges: `arange`, `linspace`, `eye`.
extension Tensor {
    /// `arange(start, end, step)`: integer arguments give int64, any float argument float32 (or `dtype`).
    public static func arange(start: Scalar = .int(0), end: Scalar, step: Scalar = .int(1), dtype: DType? = nil) throws -> Tensor {
        let allIntegral = [start, end, step].allSatisfy { if case .double = $0 { false } else { true } }
        let target = dtype ?? (allIntegral ? .int64 : .float32)
        guard target != .bool else { throw TensorError("\"arange_cpu\" not implemented for 'Bool'") }
        let (s, e, d) = (start.doubleValue, end.doubleValue, step.doubleValue)
        guard d != 0 else { throw TensorError("step must be nonzero") }
        guard s.isFinite, e.isFinite else { throw TensorError("unsupported range: \(cppStreamText(s)) -> \(cppStreamText(e))") }
        guard (d > 0 && e >= s) || (d < 0 && e <= s) else {
            throw TensorError("upper bound and lower bound inconsistent with step sign")
        }
        let count: Int
        if allIntegral, case .int(let a) = start, case .int(let b) = end, case .int(let c) = step {
            let (span, overflow) = b.subtractingReportingOverflow(a)
            guard !overflow, span.magnitude / c.magnitude < 1 << 40 else { throw TensorError("arange: the range \(a) to \(b) is too large") }
            count = Int((span + c - (c > 0 ? 1 : -1)) / c)
            let values = (0..<Swift.max(count, 0)).map { a + Int64($0) * c }
            return try Tensor(shape: [values.count], scalars: values).to(target)
        }
        let steps = ((e - s) / d).rounded(.up)
        guard steps < Double(1 << 40) else { throw TensorError("arange: the range \(s) to \(e) is too large") }
        count = Int(steps)
        if target.isIntegral {
            // ATen steps integer ranges in int64: start and step are truncated first.
            let (first, increment) = (saturatingInt64(s), saturatingInt64(d))
            let values = (0..<Swift.max(count, 0)).map { first &+ Int64($0) &* increment }
            return try Tensor(shape: [values.count], scalars: values).to(target)
        }
        let values = (0..<Swift.max(count, 0)).map { s + Double($0) * d }
        return try Tensor(shape: [values.count], scalars: values).to(target)
    }

    /// `linspace(start, end, steps)`: evenly spaced values, computed as ATen does (from both ends).
    public static func linspace(start: Double, end: Double, steps: Int, dtype: DType = .float32) throws -> Tensor {
        guard steps >= 0 else { throw TensorError("number of steps must be non-negative") }
        if steps == 1 { return try Tensor(shape: [1], scalars: [start]).to(dtype) }
        let step = (end - start) / Double(steps - 1)
        let half = steps / 2
        let values = (0..<steps).map { i in i < half ? start + step * Double(i) : end - step * Double(steps - 1 - i) }
        return try Tensor(shape: [steps], scalars: values).to(dtype)
    }

    /// `eye(n, m)`: ones on the diagonal.
    public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = .float32) throws -> Tensor {
        let columns = m ?? n
        guard n >= 0 else { throw TensorError("n must be greater or equal to 0, got \(n)") }
        guard columns >= 0 else { throw TensorError("m must be greater or equal to 0, got \(columns)") }
        let result = Tensor(zeros: [n, columns], dtype: dtype)
        for i in 0..<Swift.min(n, columns) {
            try result.select(dim: 0, index: i).select(dim: 0, index: i).copy(from: Tensor(scalar: true))
        }
        return result
    }
}
