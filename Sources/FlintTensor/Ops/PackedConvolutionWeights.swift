import CFlintKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A float32 convolution weight packed once for the GEMM kernels, one panel per group, so convolutions
/// stop repacking it on every call and for every image of a batch; and, for a 3×3 single-group weight when
/// asked for, its Winograd F(2×2, 3×3) form (`flint_winograd3x3_pack_weights`), which the convolutions with
/// stride 1 and dilation 1 that can use it multiply with 16/36 of the multiplications (see
/// `WinogradConvolution.swift`). The packed forms are private to this process (they depend on the CPU's
/// kernels).
///
/// Each form is made when created with it (``init(_:groups:offering:preparing:scalingOutputChannels:)``), by ``prepare(_:)``, or on
/// its first use, once: a plan that knows which kernel its input shape takes packs only that form, and a
/// 3×3 layer that always runs through Winograd never holds GEMM panels it does not read (resnet18's
/// weights are mostly such layers). Any number of threads may use it at once.
///
/// It may also stand for its weight with each output channel scaled (``init(_:groups:offering:preparing:scalingOutputChannels:)``),
/// as a batch norm folded into the convolution makes it: the forms are packed from the unscaled weight,
/// scaling rows on the way, so the scaled weight itself is made only if a product reads the weight
/// unpacked (``weight()``).
public final class PackedConvolutionWeights: @unchecked Sendable {
    /// Forms of the weight.
    public struct Forms: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// The GEMM panels, one per group.
        public static let gemm = Forms(rawValue: 1)
        /// The Winograd F(2×2, 3×3) form (3×3 single-group weights only).
        public static let winograd = Forms(rawValue: 2)
    }

    let groups: Int
    /// Output channels per group (the GEMM's m).
    let outPerGroup: Int
    /// Input channels per group × kernel elements (the GEMM's k).
    let patch: Int
    /// The weight's shape, to check calls against.
    let weightShape: [Int]
    /// The contiguous weight the forms are made from.
    private let source: Tensor
    /// Each output channel's factor, when this stands for the source scaled so.
    private let outputScale: [Double]?
    /// The scaled weight, made on the first ``weight()`` call (under `lock`).
    private var scaledSource: Tensor?
    /// Whether the Winograd form was asked for and the weight has its shape.
    private let offersWinograd: Bool
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    // Written once each, under `lock`; read after a `lock`-taking call on the reading thread made them
    // (``prepare(_:)``, ``winogradForm()``), so every read happens after the write.
    private var panels: [UnsafeMutableRawPointer]?
    private var transformed: UnsafeMutableRawPointer?
    private var winogradDeclined = false

    /// Packs `weight` (`[O, C / groups, *kernel]`, float32) for `groups` groups now; with `winograd` and a
    /// `[O, C, 3, 3]` single-group weight, also its Winograd form (about 16/9 of the weight's size again).
    public convenience init(_ weight: Tensor, groups: Int, winograd: Bool = false) throws {
        let forms: Forms = winograd ? [.gemm, .winograd] : .gemm
        try self.init(weight, groups: groups, offering: forms, preparing: forms)
    }

    /// Offers the `offering` forms of `weight` (`[O, C / groups, *kernel]`, float32) for `groups` groups
    /// (the GEMM panels always; the Winograd form when asked for and the weight is `[O, C, 3, 3]` with one
    /// group) and makes the `preparing` ones now; the others are made on first use.
    ///
    /// With `scalingOutputChannels` (one factor per output channel), it stands for the weight with output
    /// channel `o` scaled by `factors[o]`, each element rounded as `Float(Double(w) * factors[o])` (what
    /// ``Tensor/scalingLeadingSlices(by:)`` makes): a convolution given it computes with that weight.
    public init(_ weight: Tensor, groups: Int, offering: Forms, preparing: Forms, scalingOutputChannels factors: [Double]? = nil) throws {
        guard weight.dtype == .float32, weight.rank >= 3, groups > 0, weight.shape[0] % groups == 0 else {
            throw TensorError("PackedConvolutionWeights: expected a float32 convolution weight divisible into \(groups) groups, got \(weight.dtype.name) \(weight.shape)")
        }
        if let factors, factors.count != weight.shape[0] {
            throw TensorError("PackedConvolutionWeights: \(factors.count) output channel factors for a weight of \(weight.shape[0]) output channels")
        }
        source = try weight.contiguous()
        outputScale = factors
        self.groups = groups
        outPerGroup = weight.shape[0] / groups
        patch = weight.shape[1...].reduce(1, *)
        weightShape = weight.shape
        offersWinograd = offering.contains(.winograd) && groups == 1 && weight.rank == 4 && weight.shape[2] == 3 && weight.shape[3] == 3
        lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        prepare(preparing)
    }

    deinit {
        let (panelBytes, transformedBytes) = storageSizes
        for panel in panels ?? [] { SystemMemory.deallocate(panel, byteCount: panelBytes) }
        if let transformed { SystemMemory.deallocate(transformed, byteCount: transformedBytes) }
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// Bytes of one group's GEMM panel and of the Winograd form.
    private var storageSizes: (panel: Int, transformed: Int) {
        let transformed = offersWinograd ? flint_winograd3x3_weights_size(Int64(weightShape[0]), Int64(weightShape[1])) : 0
        return (flint_sgemm_pack_a_size(Int64(outPerGroup), Int64(patch)), transformed)
    }

    /// Makes the `forms` not made yet (the Winograd form only where offered).
    public func prepare(_ forms: Forms) {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if forms.contains(.gemm) && panels == nil {
            let base = source.baseAddress.assumingMemoryBound(to: Float.self)
            let bytes = storageSizes.panel
            panels = (0..<groups).map { g in
                let panel = SystemMemory.allocate(bytes)
                let rows = base + g * outPerGroup * patch
                if let outputScale {
                    // Row blocks scaled into a small scratch on the way; should that scratch be unavailable, the
                    // scaled weight made whole.
                    let packed = outputScale.withUnsafeBufferPointer {
                        flint_sgemm_pack_a_scaled(Int64(outPerGroup), Int64(patch), rows, Int64(patch), $0.baseAddress! + g * outPerGroup, panel)
                    }
                    if packed != 0 {
                        let scaled = scaledWeightLocked().baseAddress.assumingMemoryBound(to: Float.self)
                        flint_sgemm_pack_a(Int64(outPerGroup), Int64(patch), scaled + g * outPerGroup * patch, Int64(patch), 1, panel)
                    }
                } else {
                    flint_sgemm_pack_a(Int64(outPerGroup), Int64(patch), rows, Int64(patch), 1, panel)
                }
                return panel
            }
        }
        if forms.contains(.winograd) && offersWinograd && transformed == nil && !winogradDeclined {
            let (o, c) = (Int64(weightShape[0]), Int64(weightShape[1]))
            let form = SystemMemory.allocate(storageSizes.transformed)
            let weights = source.baseAddress.assumingMemoryBound(to: Float.self)
            let status = outputScale.map { scale in scale.withUnsafeBufferPointer { flint_winograd3x3_pack_scaled_weights(o, c, weights, $0.baseAddress, form) } }
                ?? flint_winograd3x3_pack_weights(o, c, weights, form)
            if status == 0 {
                transformed = form
            } else {
                SystemMemory.deallocate(form, byteCount: storageSizes.transformed)
                winogradDeclined = true
            }
        }
    }

    /// The weight the forms multiply with, contiguous: the one it was made from, or that weight with its
    /// output channels scaled (made now, once, if it was not yet). For the products that read the weight
    /// unpacked (thin products of at most 8 output positions, a depthwise convolution, a stem's narrow kernel,
    /// another dtype's path).
    public func weight() -> Tensor {
        guard outputScale != nil else { return source }
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return scaledWeightLocked()
    }

    /// Whether this stands for its source weight scaled per output channel.
    public var scalesOutputChannels: Bool { outputScale != nil }

    /// ``weight()`` with `lock` held.
    private func scaledWeightLocked() -> Tensor {
        if let scaledSource { return scaledSource }
        // What `scalingLeadingSlices(by:)` makes, on one thread: the source is contiguous float32 with a factor per output channel.
        let scaled = Tensor(uninitialized: weightShape, dtype: .float32)
        let (channels, perChannel) = (Int64(weightShape[0]), Int64(patch))
        (outputScale ?? []).withUnsafeBufferPointer { factors in
            flint_scale_rows(
                channels, perChannel, source.baseAddress.assumingMemoryBound(to: Float.self), perChannel, factors.baseAddress,
                scaled.baseAddress.assumingMemoryBound(to: Float.self), perChannel)
        }
        scaledSource = scaled
        return scaled
    }

    /// The Winograd form, made now if it was not yet; nil where it is not offered.
    func winogradForm() -> UnsafeRawPointer? {
        guard offersWinograd else { return nil }
        prepare(.winograd)
        return transformed.map(UnsafeRawPointer.init)
    }

    /// The packed panel of group `g`. The calling thread, or the one that handed it this work, must have
    /// called ``prepare(_:)`` with `.gemm` first (the multiplying paths do, once per convolution).
    func panel(_ g: Int) -> UnsafeRawPointer { UnsafeRawPointer(panels![g]) }

    /// `c[m × count] = panel(g) × b + bias` for a `[patch, count]` right operand already packed
    /// (`flint_sgemm_pack_b_begin`), into contiguous-row `c`, on the thread pool.
    func multiply(group g: Int, packedColumns b: UnsafeRawPointer, count: Int, into c: Tensor, rowBias: Tensor?) {
        var epilogue = FusedEpilogue.identity.gemmEpilogue(rowBias: rowBias)
        flint_sgemm_packed_ab(
            ThreadPool.shared.raw, Int64(outPerGroup), Int64(count), Int64(patch), panel(g), b,
            c.baseAddress.assumingMemoryBound(to: Float.self), Int64(c.strides[0]), &epilogue)
    }

    /// `c = epilogue(panel(g) × b)` over the thread pool, for `b` `[patch, columns]` at `b` (rows `ldb` apart,
    /// columns adjacent) into `c` (rows `ldc` apart): the pointer form of the tensor entry below, for callers
    /// that address each image and group without making views (which allocate).
    func multiply(
        group g: Int, b: UnsafePointer<Float>, ldb: Int, columns: Int, into c: UnsafeMutablePointer<Float>, ldc: Int,
        epilogue: inout flint_gemm_epilogue
    ) {
        flint_sgemm_packed_a(
            ThreadPool.shared.raw, Int64(outPerGroup), Int64(columns), Int64(patch), panel(g), b, Int64(ldb), 1, c, Int64(ldc), &epilogue)
    }

    /// As ``multiply(group:b:ldb:columns:into:ldc:epilogue:)`` with `b` already in the GEMM's packed form
    /// (`flint_sgemm_pack_b_begin*`, for `patch` rows and `count` columns).
    func multiply(
        group g: Int, packedColumns b: UnsafeRawPointer, count: Int, into c: UnsafeMutablePointer<Float>, ldc: Int,
        epilogue: inout flint_gemm_epilogue
    ) {
        flint_sgemm_packed_ab(ThreadPool.shared.raw, Int64(outPerGroup), Int64(count), Int64(patch), panel(g), b, c, Int64(ldc), &epilogue)
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
