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
        /// Requantized to quint8 with this scale and zero point (ReLU clamps at the zero point), as fbgemm's
        /// `ReQuantizeOutput` with a float bias: `clamp(nearbyint((acc + bias / (sa·sw)) · (sa·sw / so)) + zo)`.
        case quantized(scale: Float, zeroPoint: Int32, relu: Bool, into: UnsafeMutablePointer<UInt8>, stride: Int)
        /// Real float32 results `fma(sa * sw, acc, bias)` (fbgemm's `ReQuantizeForFloat`), ReLU optional.
        case real(relu: Bool, into: UnsafeMutablePointer<Float>, stride: Int)
    }

    /// The per-output constants of one product (`flint_qgemm_output`), computed once per call from the
    /// activation's quantization parameters and shared by the threads that run its rows.
    struct Transform {
        let output: Output
        let columnOffset: Int
        let corrections: [Int32]
        let multipliers: [Float]
        let offsets: [Float]?

        /// The zero-point corrections: Σ(a - za)(b - zb) = Σab - za Σb - zb Σa + K za zb. All but the row term
        /// `zb Σa` are per column; the kernel subtracts that one itself when the weights are asymmetric.
        init(_ matrix: QuantizedMatrix, activationScale: Float, activationZeroPoint: Int32, bias: UnsafePointer<Float>?, output: Output, columnOffset: Int) {
            let k = Int32(truncatingIfNeeded: matrix.depth)
            corrections = matrix.rowSums.indices.map { j in
                activationZeroPoint &* matrix.rowSums[j] &- k &* activationZeroPoint &* matrix.zeroPoints[j]
            }
            switch output {
            case .quantized(let scale, let zeroPoint, let relu, _, _):
                let requantization = Requantization(
                    activationScale: activationScale, weightScales: matrix.scales, bias: bias, outputScale: scale, outputZeroPoint: zeroPoint, relu: relu)
                multipliers = requantization.multipliers
                offsets = bias == nil ? nil : requantization.offsets
            case .real:
                multipliers = matrix.scales.map { activationScale * $0 }
                offsets = bias.map { Array(UnsafeBufferPointer(start: $0, count: matrix.rows)) }
            }
            self.output = output
            self.columnOffset = columnOffset
        }
    }

    /// Computes `rows` rows of `A · Bᵀ` for activations `a` (row i at `a + i * lda`) and writes them as
    /// `transform` says, row i as output row `outputRow + i` (at `(outputRow + i) * stride`, column
    /// `columnOffset + n`), in one pass (`flint_qgemm_u8s8`).
    func multiply(_ a: UnsafePointer<UInt8>, lda: Int, rows count: Int, outputRow: Int, transform: Transform) {
        guard count > 0 else { return }
        transform.corrections.withUnsafeBufferPointer { corrections in
            zeroPoints.withUnsafeBufferPointer { zeroPoints in
                transform.multipliers.withUnsafeBufferPointer { multipliers in
                    transform.offsets.withOptionalPointer { offsets in
                        var out = flint_qgemm_output()
                        out.correction = corrections.baseAddress
                        out.weight_zero_points = asymmetric ? zeroPoints.baseAddress : nil
                        out.multiplier = multipliers.baseAddress
                        out.offset = offsets
                        switch transform.output {
                        case .quantized(_, let zeroPoint, let relu, let into, let stride):
                            out.kind = Int32(FLINT_QGEMM_UINT8)
                            out.data = UnsafeMutableRawPointer(into + outputRow * stride + transform.columnOffset)
                            out.stride = Int64(stride)
                            out.zero_point = Float(zeroPoint)
                            out.low = relu ? Float(zeroPoint) : 0
                        case .real(let relu, let into, let stride):
                            out.kind = Int32(FLINT_QGEMM_REAL)
                            out.data = UnsafeMutableRawPointer(into + outputRow * stride + transform.columnOffset)
                            out.stride = Int64(stride)
                            out.relu = relu ? 1 : 0
                        }
                        flint_qgemm_u8s8(Int64(count), Int64(rows), Int64(depth), a, Int64(lda), packed, &out)
                    }
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
}
