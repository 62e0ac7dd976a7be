import CFlintKernels
import RealModule

/// Softmax, log-softmax and logsumexp along one dimension.
extension Tensor {
    /// `softmax(dim)`: exp(x - max) / sum, computed in float for half types. `dtype` converts the input first.
    public func softmax(dim: Int, dtype: DType? = nil) throws -> Tensor {
        // The cast comes first, as ATen's (a complex input's real parts for a real `dtype`).
        if let dtype, dtype != self.dtype { return try converted(to: dtype).softmax(dim: dim) }
        if (dtype ?? self.dtype) == .float32 { return try softmaxFloat(dim: dim, log: false) }
        return try rowwise(dim: dim, dtype: dtype, operation: softmaxKernelName("softmax", dim: dim)) { row, out, n in
            let m = row[0..<n].reduce(-Double.infinity) { Swift.max($0, $1) }
            if m.isNaN || row[0..<n].contains(where: \.isNaN) {
                for i in 0..<n { out[i] = .nan }
                return
            }
            var total = 0.0
            for i in 0..<n {
                out[i] = Double.exp(row[i] - m)
                total += out[i]
            }
            for i in 0..<n { out[i] /= total }
        }
    }

    /// `log_softmax(dim)`: x - max - log(sum(exp(x - max))).
    public func logSoftmax(dim: Int, dtype: DType? = nil) throws -> Tensor {
        if let dtype, dtype != self.dtype { return try converted(to: dtype).logSoftmax(dim: dim) }
        if (dtype ?? self.dtype) == .float32 { return try softmaxFloat(dim: dim, log: true) }
        return try rowwise(dim: dim, dtype: dtype, operation: softmaxKernelName("log_softmax", dim: dim)) { row, out, n in
            let m = row[0..<n].reduce(-Double.infinity) { Swift.max($0, $1) }
            var total = 0.0
            for i in 0..<n { total += Double.exp(row[i] - m) }
            let shift = m + Double.log(total)
            for i in 0..<n { out[i] = row[i] - shift }
        }
    }

    /// ATen's kernel name for `softmax`/`log_softmax` along `dim`, as its dtype errors print it
    /// (`"softmax_lastdim_kernel_impl" not implemented for 'Long'`).
    private func softmaxKernelName(_ operation: String, dim: Int) -> String {
        let lastDim = rank <= 1 || (try? wrapDimension(dim)) == rank - 1
        return lastDim ? "\(operation)_lastdim_kernel_impl" : "\(operation)_kernel_impl"
    }

    /// The float32 path: contiguous rows through the vectorised kernel, rows spread over the pool.
    private func softmaxFloat(dim: Int, log: Bool) throws -> Tensor {
        let (rows, inverse) = try to(.float32).rowsAlong(dim)
        let n = rows.shape.last ?? 1
        let count = n == 0 ? 0 : rows.elementCount / n
        let result = Tensor(uninitialized: rows.shape, dtype: .float32)
        let source = UnsafePointer(rows.baseAddress.assumingMemoryBound(to: Float.self))
        let target = result.baseAddress.assumingMemoryBound(to: Float.self)
        ThreadPool.shared.parallelFor(count, minimumPerThread: Swift.max(1, (1 << 14) / Swift.max(n, 1)), SoftmaxRows(source: source, target: target, length: n, log: log))
        withExtendedLifetime(rows) {}
        return try (inverse.isEmpty ? result.reshape(shape) : result.permute(inverse)).contiguous()
    }

    /// log(sum(exp(x))) over `dims`, stable for large inputs.
    public func logsumexp(dims: [Int], keepDim: Bool = false) throws -> Tensor {
        guard !dtype.isComplex else { throw TensorError("\"logsumexp\" not implemented for '\(dtype.scalarTypeName)'") }
        let input = dtype.isFloatingPoint ? self : try to(.float32)
        let reducedSizes = rank == 0 ? [] : try dims.map { shape[try wrapDimension($0)] }
        if input.elementCount == 0 || reducedSizes.contains(0) {
            return try input.exp().sum(dims: dims, keepDim: keepDim).log()
        }
        let maxima = try input.amax(dims: dims, keepDim: true)
        let finite = try Tensor.binary(SelectFinite(), .tensor(maxima), .scalar(.double(0)), operation: "logsumexp")
        let shifted = try input.sub(finite).exp().sum(dims: dims, keepDim: true).log().add(finite)
        return keepDim ? shifted : try shifted.squeezing(dims: dims, ofRank: rank)
    }

    func squeezing(dims: [Int], ofRank rank: Int) throws -> Tensor {
        let wrapped = Set(try dims.map { try wrapDimension($0, rank: rank) })
        return try reshape(shape.enumerated().filter { !wrapped.contains($0.offset) }.map(\.element))
    }

    /// Runs `body(row, out, n)` on each row along `dim` in double precision and writes the result in the
    /// input's (floating) dtype, laid out like the input.
    func rowwise(
        dim: Int, dtype: DType?, operation: String,
        _ body: (UnsafeMutableBufferPointer<Double>, UnsafeMutableBufferPointer<Double>, Int) -> Void
    ) throws -> Tensor {
        let input = try to(dtype ?? self.dtype)
        guard input.dtype.isFloatingPoint else {
            throw TensorError("\"\(operation)\" not implemented for '\(input.dtype.scalarTypeName)'")
        }
        let (rows, inverse) = try input.rowsAlong(dim)
        let values = try rows.to(.float64)
        let n = rows.shape.last ?? 1
        let count = values.elementCount
        let result = Tensor(zeros: values.shape, dtype: .float64)
        if n > 0 {
            let source = values.baseAddress.assumingMemoryBound(to: Double.self)
            let out = result.baseAddress.assumingMemoryBound(to: Double.self)
            for start in stride(from: 0, to: count, by: n) {
                body(UnsafeMutableBufferPointer(start: source + start, count: n), UnsafeMutableBufferPointer(start: out + start, count: n), n)
            }
        }
        let typed = try result.to(input.dtype)
        return try (inverse.isEmpty ? typed.reshape(shape) : typed.permute(inverse)).contiguous()
    }
}

/// Replaces infinite maxima by 0 so that rows of -inf give -inf rather than NaN (ATen's logsumexp).
private struct SelectFinite: BinaryArithmetic {
    func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a.isInfinite ? b : a }
    func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { a }
}

/// (Log-)softmax of the contiguous float32 rows `range`, each `length` long.
private struct SoftmaxRows: ParallelLoopBody {
    let source: UnsafePointer<Float>
    let target: UnsafeMutablePointer<Float>
    let length: Int
    let log: Bool

    func run(_ range: Range<Int>, thread: Int) {
        let n = length
        flint_softmax_rows(source + range.lowerBound * n, target + range.lowerBound * n, Int64(range.count), Int64(n), Int64(n), Int64(n), log ? 1 : 0)
    }
}
