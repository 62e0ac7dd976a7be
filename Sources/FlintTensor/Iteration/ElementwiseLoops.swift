import CFlintKernels
/// The loops every pointwise kernel runs on: operands broadcast to the output's shape, any strides,
/// innermost runs with a unit-stride fast path. The element function is a generic closure, so each
/// (operation, element type) pair compiles to its own specialised loop.
extension Tensor {
    /// `out[i] = f(input[i])`; `input` must broadcast to `out`'s shape.
    @inlinable
    func mapElements<In, Out>(from input: Tensor, as _: In.Type, _ f: (In) -> Out) throws {
        let o = baseAddress.assumingMemoryBound(to: Out.self)
        let a = UnsafeRawPointer(input.baseAddress).assumingMemoryBound(to: In.self)
        try StridedLoop.over(shape, LoopOperand(self), LoopOperand(input)) { loop in
            let (so, sa) = (loop.innerStride(0), loop.innerStride(1))
            loop.forEachRunInParallel { offsets, count in
                let po = o + offsets[0]
                let pa = a + offsets[1]
                if so == 1 && sa == 1 {
                    for i in 0..<count { po[i] = f(pa[i]) }
                } else {
                    for i in 0..<count { po[i * so] = f(pa[i * sa]) }
                }
            }
        }
    }

    /// `out[i] = f(a[i], b[i])`; `a` and `b` must broadcast to `out`'s shape.
    @inlinable
    func mapElements<A, B, Out>(from a: Tensor, _ b: Tensor, as _: (A.Type, B.Type), _ f: (A, B) -> Out) throws {
        let o = baseAddress.assumingMemoryBound(to: Out.self)
        let pa = UnsafeRawPointer(a.baseAddress).assumingMemoryBound(to: A.self)
        let pb = UnsafeRawPointer(b.baseAddress).assumingMemoryBound(to: B.self)
        try StridedLoop.over(shape, LoopOperand(self), LoopOperand(a), LoopOperand(b)) { loop in
            let (so, sa, sb) = (loop.innerStride(0), loop.innerStride(1), loop.innerStride(2))
            loop.forEachRunInParallel { offsets, count in
                let ro = o + offsets[0]
                let ra = pa + offsets[1]
                let rb = pb + offsets[2]
                if so == 1 && sa == 1 && sb == 1 {
                    for i in 0..<count { ro[i] = f(ra[i], rb[i]) }
                } else if so == 1 && sa == 1 && sb == 0 {
                    let scalar = rb[0]
                    for i in 0..<count { ro[i] = f(ra[i], scalar) }
                } else if so == 1 && sa == 0 && sb == 1 {
                    // A broadcast left operand (`scale * x` in squeeze-excite): constant over the run.
                    let scalar = ra[0]
                    for i in 0..<count { ro[i] = f(scalar, rb[i]) }
                } else {
                    for i in 0..<count { ro[i * so] = f(ra[i * sa], rb[i * sb]) }
                }
            }
        }
    }

    /// `out[i] = f(a[i], b[i], c[i])`; all must broadcast to `out`'s shape.
    @inlinable
    func mapElements<A, B, C, Out>(from a: Tensor, _ b: Tensor, _ c: Tensor, as _: (A.Type, B.Type, C.Type), _ f: (A, B, C) -> Out) throws {
        let o = baseAddress.assumingMemoryBound(to: Out.self)
        let pa = UnsafeRawPointer(a.baseAddress).assumingMemoryBound(to: A.self)
        let pb = UnsafeRawPointer(b.baseAddress).assumingMemoryBound(to: B.self)
        let pc = UnsafeRawPointer(c.baseAddress).assumingMemoryBound(to: C.self)
        try StridedLoop.over(shape, LoopOperand(self), LoopOperand(a), LoopOperand(b), LoopOperand(c)) { loop in
            let (so, sa, sb, sc) = (loop.innerStride(0), loop.innerStride(1), loop.innerStride(2), loop.innerStride(3))
            loop.forEachRun { offsets, count in
                for i in 0..<count {
                    o[offsets[0] + i * so] = f(pa[offsets[1] + i * sa], pb[offsets[2] + i * sb], pc[offsets[3] + i * sc])
                }
            }
        }
    }

    /// A fresh contiguous tensor of `shape` and `dtype` for results.
    /// Pointwise kernels write every element, so the memory is left uninitialised (an empty shape
    /// allocates nothing to write).
    static func output(_ shape: [Int], _ dtype: DType) -> Tensor { Tensor(uninitialized: shape, dtype: dtype) }

    /// `out = a OP b` for float32 operands through the vectorised `flint_binary_f32` (runs where an
    /// operand is contiguous or constant), split over the thread pool when large.
    func mapFloatRuns(_ a: Tensor, _ b: Tensor, kernel: Int32) throws {
        let o = baseAddress.assumingMemoryBound(to: Float.self)
        let pa = UnsafeRawPointer(a.baseAddress).assumingMemoryBound(to: Float.self)
        let pb = UnsafeRawPointer(b.baseAddress).assumingMemoryBound(to: Float.self)
        try StridedLoop.over(shape, LoopOperand(self), LoopOperand(a), LoopOperand(b)) { loop in
            let (so, sa, sb) = (loop.innerStride(0), loop.innerStride(1), loop.innerStride(2))
            let vectorised = so == 1 && (sa == 0 || sa == 1) && (sb == 0 || sb == 1)
            loop.forEachRunInParallel { offsets, count in
                let ro = o + offsets[0]
                let ra = pa + offsets[1]
                let rb = pb + offsets[2]
                if vectorised {
                    flint_binary_f32(kernel, ra, Int64(sa), rb, Int64(sb), ro, Int64(count))
                } else {
                    for i in 0..<count { flint_binary_f32(kernel, ra + i * sa, 0, rb + i * sb, 0, ro + i * so, 1) }
                }
            }
        }
    }
}

/// How a contiguous operand of a binary float32 kernel lines up with a contiguous output: element for
/// element (its shape is the output's, leading size-1 dimensions aside), or one value per run of
/// `runLength` output elements (its shape is the output's leading sizes followed by ones: a per-channel
/// scale `[1, C, 1, 1]` against `[1, C, H, W]`, or a single value).
enum ContiguousBroadcast: Equatable {
    case elementwise
    case perRun(runLength: Int)

    /// The pattern of `operand` against an output of `shape`, or nil when it is neither (or not contiguous).
    /// Compares sizes in place: nothing is allocated.
    init?(_ operand: Tensor, over shape: [Int]) {
        guard operand.isContiguous, operand.rank <= shape.count else { return nil }
        let offset = shape.count - operand.rank
        func aligned(_ d: Int) -> Int { d < offset ? 1 : operand.shape[d - offset] }
        // Its leading sizes are the output's up to `split`; from there on it is all ones.
        var split = shape.count
        while split > 0 && aligned(split - 1) == 1 { split -= 1 }
        for d in 0..<split where aligned(d) != shape[d] { return nil }
        var runLength = 1
        for d in split..<shape.count { runLength *= shape[d] }
        self = runLength == 1 ? .elementwise : .perRun(runLength: runLength)
    }
}

extension Tensor {
    /// `self = kernel(a, b)` (a `flint_binary_f32` code) for a contiguous float32 output and contiguous
    /// float32 operands that each line up with it element for element or one value per run
    /// (``ContiguousBroadcast``), the larger of them of the output's rank: raw pointers over the thread pool,
    /// no views and no loop description, so nothing is allocated. Returns false, having written nothing, for
    /// any other layout (the caller takes the general loop).
    func mapFloatContiguousRuns(_ a: Tensor, _ b: Tensor, kernel: Int32) -> Bool {
        guard dtype == .float32, isContiguous, a.dtype == .float32, b.dtype == .float32, Swift.max(a.rank, b.rank) == rank,
            let left = ContiguousBroadcast(a, over: shape), let right = ContiguousBroadcast(b, over: shape),
            left == .elementwise || right == .elementwise
        else { return false }
        let total = elementCount
        guard total > 0 else { return true }
        let out = baseAddress.assumingMemoryBound(to: Float.self)
        let pa = UnsafePointer(a.baseAddress.assumingMemoryBound(to: Float.self))
        let pb = UnsafePointer(b.baseAddress.assumingMemoryBound(to: Float.self))
        let pool = ThreadPool.shared
        let body: BinaryFloatRuns
        switch (left, right) {
        case (.elementwise, .elementwise):
            body = BinaryFloatRuns(kernel: kernel, a: pa, b: pb, out: out, runLength: 1, aPerRun: false, bPerRun: false)
        case (.elementwise, .perRun(let runLength)):
            body = BinaryFloatRuns(kernel: kernel, a: pa, b: pb, out: out, runLength: runLength, aPerRun: false, bPerRun: true)
        case (.perRun(let runLength), .elementwise):
            body = BinaryFloatRuns(kernel: kernel, a: pa, b: pb, out: out, runLength: runLength, aPerRun: true, bPerRun: false)
        case (.perRun, .perRun):
            return false
        }
        pool.parallelFor(total / body.runLength, minimumPerThread: Swift.max(1, (1 << 14) / body.runLength), body)
        return withExtendedLifetime((a, b)) { true }
    }
}

/// `out = kernel(a, b)` over runs of `runLength` elements: an operand either lines up with the output element
/// for element or supplies one value per run (`aPerRun`, `bPerRun`). Elementwise on both sides, a run is one
/// element and a chunk is one kernel call.
private struct BinaryFloatRuns: ParallelLoopBody {
    let kernel: Int32
    let a: UnsafePointer<Float>
    let b: UnsafePointer<Float>
    let out: UnsafeMutablePointer<Float>
    let runLength: Int
    let aPerRun: Bool
    let bPerRun: Bool

    func run(_ runs: Range<Int>, thread: Int) {
        guard aPerRun || bPerRun else {
            let first = runs.lowerBound
            flint_binary_f32(kernel, a + first, 1, b + first, 1, out + first, Int64(runs.count))
            return
        }
        for run in runs {
            let first = run * runLength
            flint_binary_f32(
                kernel, aPerRun ? a + run : a + first, aPerRun ? 0 : 1, bPerRun ? b + run : b + first, bPerRun ? 0 : 1, out + first,
                Int64(runLength))
        }
    }
}
