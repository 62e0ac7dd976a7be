import CFlintKernels

/// A matrix of int8 weights packed for the integer GEMM (`flint_qgemm_u8s8s32`), with what requantization
/// needs per output row: its scale, zero point and the sum of its integers.
///
/// `rows` is the number of outputs (N), `depth` the reduction length (K).
public final class QuantizedMatrix: @unchecked Sendable {
    public let rows: Int
    public let depth: Int
    let packed: UnsafeMutablePointer<Int8>
    let rowSums: [Int32]
    let scales: [Float]
    let zeroPoints: [Int32]
    /// Whether any row has a nonzero zero point (then activation row sums are needed).
    let asymmetric: Bool

    /// Packs `rows x depth` int8 values (row-major) quantized with per-row `scales` and `zeroPoints`.
    init(values: [Int8], rows: Int, depth: Int, scales: [Float], zeroPoints: [Int32]) {
        self.rows = rows
        self.depth = depth
        let size = Int(flint_qgemm_packed_size(Int64(rows), Int64(depth)))
        let packed = UnsafeMutablePointer<Int8>.allocate(capacity: Swift.max(size, 64))
        values.withUnsafeBufferPointer { flint_qgemm_pack_s8(Int64(rows), Int64(depth), $0.baseAddress, Int64(depth), packed) }
        self.packed = packed
        rowSums = (0..<rows).map { r in
            var sum: Int32 = 0
            for k in 0..<depth { sum &+= Int32(values[r * depth + k]) }
            return sum
        }
        self.scales = scales
        self.zeroPoints = zeroPoints
        asymmetric = zeroPoints.contains { $0 != 0 }
    }

    deinit { packed.deallocate() }

    /// What the integer products become.
    enum Output {
        /// Requantized to quint8 with this scale and zero point (ReLU clamps at the zero point): ``Requantization``.
        case quantized(scale: Float, zeroPoint: Int32, relu: Bool, into: UnsafeMutablePointer<UInt8>, stride: Int)
        /// Real float32 results `sa * sw * acc + bias` (fbgemm's `ReQuantizeForFloat`), ReLU optional.
        case real(relu: Bool, into: UnsafeMutablePointer<Float>, stride: Int)
    }

    /// Computes rows `range` of `A · Bᵀ` for activations `a` (row m at `a + m * lda`, quantized with
    /// `activationScale`, `activationZeroPoint`), adds `bias` and writes `output` (row m at `m * stride`, column
    /// `columnOffset + n`). `scratch` holds at least `range.count * rows` Int32.
    func multiply(
        _ a: UnsafePointer<UInt8>, lda: Int, range: Range<Int>, activationScale: Float, activationZeroPoint: Int32,
        bias: UnsafePointer<Float>?, output: Output, columnOffset: Int, scratch: UnsafeMutablePointer<Int32>
    ) {
        let m = range.count
        guard m > 0 else { return }
        let first = a + range.lowerBound * lda
        flint_qgemm_u8s8s32(Int64(m), Int64(rows), Int64(depth), first, Int64(lda), packed, scratch, Int64(rows))
        let n = rows
        let k = Int32(depth)
        // The zero-point corrections: Σ(a - za)(b - zb) = Σab - za Σb - zb Σa + K za zb. The first term per column is
        // subtracted with the requantization; the others depend on the row and only exist for asymmetric weights.
        let corrections = rowSums.map { activationZeroPoint &* $0 }
        var requantization: Requantization?
        if case .quantized(let scale, let zeroPoint, let relu, _, _) = output {
            requantization = Requantization(
                activationScale: activationScale, weightScales: scales, bias: bias, outputScale: scale, outputZeroPoint: zeroPoint, relu: relu)
        }
        for i in 0..<m {
            let acc = scratch + i * n
            if asymmetric {
                let row = first + i * lda
                var activationSum: Int32 = 0
                for d in 0..<depth { activationSum &+= Int32(row[d]) }
                for j in 0..<n { acc[j] = acc[j] &- zeroPoints[j] &* activationSum &+ k &* activationZeroPoint &* zeroPoints[j] }
            }
            let outputRow = range.lowerBound + i
            switch output {
            case .quantized(_, _, _, let into, let stride):
                corrections.withUnsafeBufferPointer {
                    requantization!.apply(acc, corrections: $0.baseAddress!, count: n, into: into + outputRow * stride + columnOffset)
                }
            case .real(let relu, let into, let stride):
                let target = into + outputRow * stride + columnOffset
                for j in 0..<n {
                    var value = activationScale * scales[j] * Float(acc[j] &- corrections[j])
                    if let bias { value += bias[j] }
                    target[j] = relu ? Swift.max(value, 0) : value
                }
            }
        }
    }

    /// The variant of the integer GEMM in use (`avx512vnni` or `portable`).
    public static var kernelISA: String { String(cString: flint_qgemm_isa()) }

    /// Selects the integer GEMM variant by name, or the automatic choice for nil; false when this CPU cannot
    /// run the one named. Not to be called while quantized operators run.
    @discardableResult
    public static func forceKernelISA(_ name: String?) -> Bool {
        (name ?? "auto").withCString { flint_qgemm_force_isa($0) } != 0
    }
}

/// fbgemm's requantization of 32-bit accumulators with a float bias (`ReQuantizeOutput`), its per-output
/// constants computed once per activation scale: `q = clamp(nearbyint((raw + bias / (sa·sw)) · (sa·sw / so)) + zo)`
/// in float32, clamped to quint8 from 0 (from the output zero point with ReLU).
struct Requantization {
    /// `bias / (sa·sw)` per output (0 without a bias: adding it changes nothing).
    let offsets: [Float]
    /// `sa·sw / so` per output.
    let multipliers: [Float]
    let zeroPoint: Float
    let low: Float

    init(activationScale: Float, weightScales: [Float], bias: UnsafePointer<Float>?, outputScale: Float, outputZeroPoint: Int32, relu: Bool) {
        let products = weightScales.map { activationScale * $0 }
        offsets = products.indices.map { j in bias.map { $0[j] / products[j] } ?? 0 }
        multipliers = products.map { $0 / outputScale }
        zeroPoint = Float(outputZeroPoint)
        low = relu ? zeroPoint : 0
    }

    /// Requantizes `count` accumulators (output columns 0..<count) minus their `corrections` into `out`, in C
    /// (`flint_qrequantize_u8`).
    func apply(_ acc: UnsafePointer<Int32>, corrections: UnsafePointer<Int32>, count: Int, into out: UnsafeMutablePointer<UInt8>) {
        offsets.withUnsafeBufferPointer { offsets in
            multipliers.withUnsafeBufferPointer { multipliers in
                flint_qrequantize_u8(acc, corrections, offsets.baseAddress, multipliers.baseAddress, Int64(count), zeroPoint, low, out)
            }
        }
    }
}
