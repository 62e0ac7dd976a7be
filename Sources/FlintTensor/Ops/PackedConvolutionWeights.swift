import CFlintKernels

/// A float32 convolution weight packed once for the GEMM kernels, one panel per group, so convolutions
/// stop repacking it on every call and for every image of a batch. Immutable after creation; any number of
/// threads may use it at once. The packed form is private to this process (it depends on the CPU's kernels).
public final class PackedConvolutionWeights: @unchecked Sendable {
    let groups: Int
    /// Output channels per group (the GEMM's m).
    let outPerGroup: Int
    /// Input channels per group × kernel elements (the GEMM's k).
    let patch: Int
    /// The weight's shape, to check calls against.
    let weightShape: [Int]
    private let panels: [UnsafeMutableRawPointer]
    /// The Winograd F(2×2, 3×3) form of a 3×3 single-group weight (`flint_winograd3x3_pack_weights`), when
    /// asked for: the convolutions with stride 1 and dilation 1 that can use it multiply with 16/36 of the
    /// multiplications (see `WinogradConvolution.swift`).
    let winograd: UnsafeMutableRawPointer?

    /// Packs `weight` (`[O, C / groups, *kernel]`, float32) for `groups` groups; with `winograd` and a
    /// `[O, C, 3, 3]` single-group weight, also its Winograd form (about 16/9 of the weight's size again).
    public init(_ weight: Tensor, groups: Int, winograd: Bool = false) throws {
        guard weight.dtype == .float32, weight.rank >= 3, groups > 0, weight.shape[0] % groups == 0 else {
            throw TensorError("PackedConvolutionWeights: expected a float32 convolution weight divisible into \(groups) groups, got \(weight.dtype.name) \(weight.shape)")
        }
        let contiguous = try weight.contiguous()
        let outPerGroup = weight.shape[0] / groups
        let patch = weight.shape[1...].reduce(1, *)
        self.groups = groups
        self.outPerGroup = outPerGroup
        self.patch = patch
        weightShape = weight.shape
        let base = contiguous.baseAddress.assumingMemoryBound(to: Float.self)
        let bytes = flint_sgemm_pack_a_size(Int64(outPerGroup), Int64(patch))
        panels = (0..<groups).map { g in
            let panel = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            flint_sgemm_pack_a(Int64(outPerGroup), Int64(patch), base + g * outPerGroup * patch, Int64(patch), 1, panel)
            return panel
        }
        if winograd && groups == 1 && weight.rank == 4 && weight.shape[2] == 3 && weight.shape[3] == 3 {
            let (o, c) = (Int64(weight.shape[0]), Int64(weight.shape[1]))
            let transformed = UnsafeMutableRawPointer.allocate(byteCount: flint_winograd3x3_weights_size(o, c), alignment: 64)
            if flint_winograd3x3_pack_weights(o, c, base, transformed) == 0 {
                self.winograd = transformed
            } else {
                transformed.deallocate()
                self.winograd = nil
            }
        } else {
            self.winograd = nil
        }
    }

    deinit {
        for panel in panels { panel.deallocate() }
        winograd?.deallocate()
    }

    /// The packed panel of group `g`.
    func panel(_ g: Int) -> UnsafeRawPointer { UnsafeRawPointer(panels[g]) }

    /// `c[m × count] = panel(g) × b + bias` for a `[patch, count]` right operand already packed
    /// (`flint_sgemm_pack_b_begin`), into contiguous-row `c`, on the thread pool.
    func multiply(group g: Int, packedColumns b: UnsafeRawPointer, count: Int, into c: Tensor, rowBias: Tensor?) {
        var epilogue = FusedEpilogue.identity.gemmEpilogue(rowBias: rowBias)
        flint_sgemm_packed_ab(
            ThreadPool.shared.raw, Int64(outPerGroup), Int64(count), Int64(patch), panel(g), b,
            c.baseAddress.assumingMemoryBound(to: Float.self), Int64(c.strides[0]), &epilogue)
    }

    /// `c[m × n] = epilogue(panel(g) × b)` for `b` `[patch, n]` (any strides) into contiguous-row `c`.
    func multiply(group g: Int, _ b: Tensor, into c: Tensor, rowBias: Tensor?, fused: FusedEpilogue) {
        var epilogue = fused.gemmEpilogue(rowBias: rowBias)
        flint_sgemm_packed_a(
            ThreadPool.shared.raw, Int64(outPerGroup), Int64(b.shape[1]), Int64(patch), panel(g),
            b.baseAddress.assumingMemoryBound(to: Float.self), Int64(b.strides[0]), Int64(b.strides[1]),
            c.baseAddress.assumingMemoryBound(to: Float.self), Int64(c.strides[0]), &epilogue)
    }
}
