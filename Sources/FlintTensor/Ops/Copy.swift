/// Element copies between tensors of the same shape, with or without a dtype change.
extension Tensor {
    /// Copies `source` into this tensor's elements (in place, through any view), broadcasting `source` and
    /// converting its dtype as `Tensor.copy_` does.
    public func copy(from source: Tensor) throws {
        guard !hasInternalOverlap else {
            throw TensorError("unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.")
        }
        if source.dtype == dtype, source.shape == shape, isContiguous, copyStridedIntoContiguous(from: source) { return }
        // The source is read in place, broadcast by the loop (stride 0), not through an expanded view.
        if source.dtype == dtype {
            try copyBytes(from: source)
        } else if dtype.isComplex || source.dtype.isComplex {
            try copyConvertingComplex(from: source)
        } else {
            try dtype.dispatch(CastCopy(destination: self, source: source))
        }
    }

    /// Whether several elements share one memory location (a dimension of size > 1 with stride 0), which
    /// ATen refuses to write to.
    public var hasInternalOverlap: Bool {
        zip(shape, strides).contains { $0 > 1 && $1 == 0 }
    }

    /// This tensor converted to `dtype` (itself when it already has that dtype), for computing in `dtype`. A
    /// complex tensor is not converted to a real dtype (bool, whether non-zero, excepted): an operation that would
    /// compute on its real parts only
    /// has no complex kernel, and throws ATen's "not implemented" error instead of a wrong result. Explicit
    /// casts (`aten::to`, `type_as`) use ``converted(to:)``.
    public func to(_ dtype: DType) throws -> Tensor {
        if dtype == self.dtype { return self }
        guard !self.dtype.isComplex || dtype.isComplex || dtype == .bool else {
            throw TensorError("not implemented for '\(self.dtype.scalarTypeName)': Flint has no complex kernel for this operation")
        }
        return try converted(to: dtype)
    }

    /// This tensor cast to `dtype` as ATen's `to` casts (itself when it already has that dtype): complex to real
    /// keeps the real parts (libtorch warns that the imaginary parts are discarded).
    public func converted(to dtype: DType) throws -> Tensor {
        if dtype == self.dtype { return self }
        // The copy writes every element.
        let result = Tensor(uninitialized: shape, dtype: dtype)
        try result.copy(from: self)
        return result
    }

    /// Copies `source` (this tensor's dtype, broadcasting to its shape) element by element.
    private func copyBytes(from source: Tensor) throws {
        let size = dtype.itemSize
        let out = baseAddress
        let input = UnsafeRawPointer(source.baseAddress)
        try StridedLoop.over(shape, LoopOperand(self), LoopOperand(source)) { loop in
            switch size {
            case 1: copyRuns(UInt8.self, loop, out, input)
            case 2: copyRuns(UInt16.self, loop, out, input)
            case 4: copyRuns(UInt32.self, loop, out, input)
            case 8: copyRuns(UInt64.self, loop, out, input)
            default:
                let (so, sa) = (loop.innerStride(0), loop.innerStride(1))
                loop.forEachRun { offsets, count in
                    for i in 0..<count {
                        (out + (offsets[0] + i * so) * size).copyMemory(from: input + (offsets[1] + i * sa) * size, byteCount: size)
                    }
                }
            }
        }
    }
}

private func copyRuns<T>(_ type: T.Type, _ loop: StridedLoop, _ out: UnsafeMutableRawPointer, _ input: UnsafeRawPointer) {
    let o = out.assumingMemoryBound(to: T.self)
    let a = input.assumingMemoryBound(to: T.self)
    let (os, s) = (loop.innerStride(0), loop.innerStride(1))
    loop.forEachRun { offsets, count in
        let po = o + offsets[0]
        let pa = a + offsets[1]
        if os == 1 && s == 1 {
            po.update(from: pa, count: count)
        } else {
            for i in 0..<count { po[i * os] = pa[i * s] }
        }
    }
}

private struct CastCopy: DTypeVisitor {
    let destination: Tensor
    let source: Tensor
    func visit<Out: TensorElement>(_ type: Out.Type) throws {
        try source.dtype.dispatch(CastCopyFrom<Out>(destination: destination, source: source))
    }
}

private struct CastCopyFrom<Out: TensorElement>: DTypeVisitor {
    let destination: Tensor
    let source: Tensor
    func visit<In: TensorElement>(_ type: In.Type) throws {
        let o = destination.baseAddress.assumingMemoryBound(to: Out.self)
        let a = UnsafeRawPointer(source.baseAddress).assumingMemoryBound(to: In.self)
        try StridedLoop.over(destination.shape, LoopOperand(destination), LoopOperand(source)) { loop in
            let (so, sa) = (loop.innerStride(0), loop.innerStride(1))
            loop.forEachRun { offsets, count in
                for i in 0..<count { o[offsets[0] + i * so] = Out(casting: a[offsets[1] + i * sa]) }
            }
        }
    }
}

extension Tensor {
    /// The most dimensions ``copyStridedIntoContiguous(from:)`` walks.
    static let stridedCopyMaximumRank = 8

    /// Copies `source` (this tensor's dtype and shape, any strides) into this contiguous tensor, walking the
    /// source's strides with an odometer on the stack: no loop description and no views, so nothing is
    /// allocated (a plan's `contiguous` of a permuted tensor, every run). Returns false, having copied
    /// nothing, above ``stridedCopyMaximumRank`` dimensions or for an element size other than 1, 2, 4 or 8.
    func copyStridedIntoContiguous(from source: Tensor) -> Bool {
        guard rank <= Self.stridedCopyMaximumRank, !shape.contains(0) else { return rank <= Self.stridedCopyMaximumRank }
        switch dtype.itemSize {
        case 1: copyStrided(UInt8.self, from: source)
        case 2: copyStrided(UInt16.self, from: source)
        case 4: copyStrided(UInt32.self, from: source)
        case 8: copyStrided(UInt64.self, from: source)
        default: return false
        }
        return true
    }

    private func copyStrided<Element>(_: Element.Type, from source: Tensor) {
        let out = baseAddress.assumingMemoryBound(to: Element.self)
        let input = UnsafePointer(source.baseAddress.assumingMemoryBound(to: Element.self))
        guard rank > 0 else {
            out.pointee = input.pointee
            return
        }
        let inner = shape[rank - 1]
        let rows = elementCount / inner
        // Rows over the thread pool (one thread when the tensors share storage, so an overlapping copy reads
        // in the order the serial loop does); each piece finds its first row's source offset, then steps the odometer.
        let minimumRows = source.storage === storage ? rows : Swift.max(1, (1 << 15) / inner)
        ThreadPool.shared.parallelFor(
            rows, minimumPerThread: minimumRows, StridedRowCopy(source: input, target: out, shape: shape, sourceStrides: source.strides))
        withExtendedLifetime(source) {}
    }
}

/// Copies the rows `range` of a strided source (rank ≤ ``Tensor/stridedCopyMaximumRank``, elements of
/// `Element`'s size) into the contiguous target: each chunk finds its first row's source offset, then steps
/// an odometer over the leading dimensions.
private struct StridedRowCopy<Element>: ParallelLoopBody {
    let source: UnsafePointer<Element>
    let target: UnsafeMutablePointer<Element>
    let shape: [Int]
    let sourceStrides: [Int]

    func run(_ range: Range<Int>, thread: Int) {
        let rank = shape.count
        let inner = shape[rank - 1]
        let innerStride = sourceStrides[rank - 1]
        withUnsafeTemporaryAllocation(of: Int.self, capacity: Tensor.stridedCopyMaximumRank) { index in
            var row = range.lowerBound
            var offset = 0
            for dim in stride(from: rank - 2, through: 0, by: -1) {
                index[dim] = row % shape[dim]
                row /= shape[dim]
                offset += index[dim] * sourceStrides[dim]
            }
            var target = target + range.lowerBound * inner
            for _ in range {
                let from = source + offset
                if innerStride == 1 {
                    target.update(from: from, count: inner)
                } else {
                    for i in 0..<inner { target[i] = from[i * innerStride] }
                }
                target += inner
                // Next row: the odometer over the leading dimensions.
                var dim = rank - 2
                while dim >= 0 {
                    index[dim] += 1
                    offset += sourceStrides[dim]
                    if index[dim] < shape[dim] { break }
                    offset -= index[dim] * sourceStrides[dim]
                    index[dim] = 0
                    dim -= 1
                }
            }
        }
    }
}
