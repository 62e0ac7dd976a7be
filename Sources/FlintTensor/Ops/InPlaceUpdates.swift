import CFlintKernels
/// ATen's in-place variants (`relu_`, `add_`, …): the operation's result written into `self`.
extension Tensor {
    /// Writes `result`, the out-of-place result of an operation on this tensor, into this tensor, as ATen's
    /// in-place variants do: `result` must broadcast to this tensor's shape (unless this tensor has elements
    /// sharing memory, which the copy then rejects) and its dtype must cast to this tensor's
    /// (``DType/canCast(to:)``).
    public func assign(inPlaceResult result: Tensor) throws {
        if !hasInternalOverlap, result.shape != shape, (try? result.expand(shape)) == nil {
            throw TensorError("output with shape \(shape) doesn't match the broadcast shape \(result.shape)")
        }
        guard result.dtype.canCast(to: dtype) else {
            throw TensorError("result type \(result.dtype.scalarTypeName) can't be cast to the desired output type \(dtype.scalarTypeName)")
        }
        try copy(from: result)
    }

    /// `relu_()`. A contiguous float32 tensor (a convolutional network's activations) is rectified where it
    /// lies, over the thread pool; any other goes through `relu()` and ``assign(inPlaceResult:)``.
    public func reluInPlace() throws {
        guard dtype == .float32, isContiguous else { return try assign(inPlaceResult: relu()) }
        let x = baseAddress.assumingMemoryBound(to: Float.self)
        ThreadPool.shared.parallelFor(
            elementCount, minimumPerThread: 1 << 15, FloatKernelChunks(kernel: { flint_relu_f32($0, $1, $2) }, source: x, target: x))
    }

    /// `add_(other, alpha)`. A contiguous float32 tensor plus a contiguous float32 tensor of its shape in
    /// other memory, with alpha 1 (a residual add), is summed where it lies, over the thread pool; anything
    /// else goes through ``add(_:_:alpha:into:)`` and ``assign(inPlaceResult:)``.
    public func addInPlace(_ other: Operand, alpha: Scalar = .int(1)) throws {
        guard dtype == .float32, isContiguous, case .tensor(let addend) = other, addend.dtype == .float32, addend.isContiguous,
            addend.shape == shape, addend.storage !== storage, alpha == .int(1) || alpha == .double(1)
        else { return try assign(inPlaceResult: Tensor.add(.tensor(self), other, alpha: alpha)) }
        let (x, y) = (baseAddress.assumingMemoryBound(to: Float.self), UnsafePointer(addend.baseAddress.assumingMemoryBound(to: Float.self)))
        ThreadPool.shared.parallelFor(elementCount, minimumPerThread: 1 << 15, InPlaceAddChunks(target: x, addend: y))
    }
}

extension DType {
    /// ATen's `canCast`, which in-place results and `out=` arguments obey: no narrowing across categories
    /// (floating point to an integer type, anything but bool to bool).
    public func canCast(to target: DType) -> Bool {
        if isComplex && !target.isComplex { return false }
        if isFloatingPoint && target.isIntegral { return false }
        if self != .bool && target == .bool { return false }
        return true
    }
}

/// `target += addend` over chunks of two contiguous float32 buffers of one length.
private struct InPlaceAddChunks: ParallelLoopBody {
    let target: UnsafeMutablePointer<Float>
    let addend: UnsafePointer<Float>

    func run(_ range: Range<Int>, thread: Int) {
        for i in range { target[i] += addend[i] }
    }
}
