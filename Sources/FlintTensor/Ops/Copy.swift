/// Element copies between tensors of the same shape, with or without a dtype change.
extension Tensor {
    /// Copies `source` into this tensor's elements (in place, through any view), broadcasting `source` and
    /// converting its dtype as `Tensor.copy_` does.
    public func copy(from source: Tensor) throws {
        guard !hasInternalOverlap else {
            throw TensorError("unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.")
        }
        let expanded = try source.expand(shape)
        if expanded.dtype == dtype {
            copyBytes(from: expanded)
        } else {
            try dtype.dispatch(CastCopy(destination: self, source: expanded))
        }
    }

    /// Whether several elements share one memory location (a dimension of size > 1 with stride 0), which
    /// ATen refuses to write to.
    public var hasInternalOverlap: Bool {
        zip(shape, strides).contains { $0 > 1 && $1 == 0 }
    }

    /// This tensor converted to `dtype` (itself when it already has that dtype).
    public func to(_ dtype: DType) throws -> Tensor {
        if dtype == self.dtype { return self }
        let result = Tensor(zeros: shape, dtype: dtype)
        try result.copy(from: self)
        return result
    }

    private func copyBytes(from source: Tensor) {
        let loop = StridedLoop(shape: shape, strides: [strides, source.strides])
        let size = dtype.itemSize
        let out = baseAddress
        let input = UnsafeRawPointer(source.baseAddress)
        let inner = loop.innerStrides
        switch size {
        case 1: copyRuns(UInt8.self, loop, out, input, inner)
        case 2: copyRuns(UInt16.self, loop, out, input, inner)
        case 4: copyRuns(UInt32.self, loop, out, input, inner)
        case 8: copyRuns(UInt64.self, loop, out, input, inner)
        default:
            loop.forEachRun { offsets, count in
                for i in 0..<count {
                    (out + (offsets[0] + i * inner[0]) * size)
                        .copyMemory(from: input + (offsets[1] + i * inner[1]) * size, byteCount: size)
                }
            }
        }
    }
}

private func copyRuns<T>(_ type: T.Type, _ loop: StridedLoop, _ out: UnsafeMutableRawPointer, _ input: UnsafeRawPointer, _ inner: [Int]) {
    let o = out.assumingMemoryBound(to: T.self)
    let a = input.assumingMemoryBound(to: T.self)
    let (os, s) = (inner[0], inner[1])
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
        let loop = StridedLoop(shape: destination.shape, strides: [destination.strides, source.strides])
        let o = destination.baseAddress.assumingMemoryBound(to: Out.self)
        let a = UnsafeRawPointer(source.baseAddress).assumingMemoryBound(to: In.self)
        let inner = loop.innerStrides
        loop.forEachRun { offsets, count in
            for i in 0..<count { o[offsets[0] + i * inner[0]] = Out(casting: a[offsets[1] + i * inner[1]]) }
        }
    }
}
