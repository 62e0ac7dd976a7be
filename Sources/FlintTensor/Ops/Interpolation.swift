import RealModule

/// `F.interpolate` modes over the trailing spatial dimensions: `nearest`, `nearest-exact`, `linear`/
/// `bilinear`/`trilinear` and `bicubic`, with ATen's source-index rules (`align_corners`, scale factors), and the
/// antialiased (PIL-style) `bilinear-antialias`, `bicubic-antialias` and `lanczos-antialias` of ATen's `_upsample_*_aa`.
extension Tensor {
    /// ATen's `upsample_{1,2,3}d_common_check` message for an empty input or output size:
    /// `input (H: 4, W: 5) output (H: 0, W: 4)` (1-D: `input (W: 4) and output (W: 0)`).
    private static func nonPositiveSizesMessage(input: [Int], output: [Int]) -> String {
        let axes = Array(["D", "H", "W"].suffix(input.count))
        func listed(_ sizes: [Int]) -> String {
            zip(axes, sizes).map { "\($0.0): \($0.1)" }.joined(separator: ", ")
        }
        return "Input and output sizes should be greater than 0, but got input (\(listed(input)))\(input.count == 1 ? " and" : "") output (\(listed(output)))"
    }

    /// Resizes the trailing `outputSize.count` dimensions. `scales` (one per dimension, optional) are the
    /// user's scale factors, which ATen uses for the index mapping when given.
    public func interpolate(outputSize: [Int], mode: String, alignCorners: Bool?, scales: [Double?]? = nil) throws -> Tensor {
        let spatial = outputSize.count
        guard spatial >= 1, spatial <= 3, rank == spatial + 2 else {
            throw TensorError("interpolate: expected a \(spatial + 2)-D input for \(spatial) spatial dimensions, got \(rank)-D")
        }
        let antialias = mode.hasSuffix("-antialias")
        let filtered = mode.hasPrefix("bilinear") || mode.hasPrefix("bicubic") || mode.hasPrefix("lanczos")
        guard (dtype.isFloatingPoint && !(antialias && (dtype == .float16 || dtype == .bfloat16)))
            || (dtype == .uint8 && (mode.hasPrefix("nearest") || filtered))
        else {
            // The antialiased kernels compute their weights in the input's dtype: float32, float64 (uint8 aside).
            throw TensorError("\"\(antialias ? "compute_index_ranges_weights" : "upsample_\(mode)")\" not implemented for '\(dtype.scalarTypeName)'")
        }
        let inputSpatial = Array(shape.suffix(spatial))
        let scaleList = scales ?? Array(repeating: nil, count: spatial)
        // uint8 resizing runs on fixed-point weights, as ATen's; plain (not antialiased) resizing with corners
        // aligned goes through float64 and rounds.
        guard scaleList.count == spatial, scaleList.allSatisfy({ $0 == nil || ($0!.isFinite && $0! > 0) }) else {
            throw TensorError("interpolate: scale factors must be positive and finite, got \(scaleList)")
        }
        if dtype == .uint8 && filtered && (antialias || alignCorners != true) {
            return try resampleBytes(outputSize: outputSize, mode: mode, alignCorners: alignCorners == true, scales: scaleList)
        }
        var result = try to(dtype.isFloatingPoint || !mode.hasPrefix("nearest") ? .float64 : dtype)
        // Separable: resample one dimension at a time (exact for nearest, linear and cubic kernels), the
        // last dimension first as ATen's kernels combine them.
        for d in (0..<spatial).reversed() {
            let axis = 2 + d
            let inSize = inputSpatial[d]
            let outSize = outputSize[d]
            guard outSize > 0, inSize > 0 else { throw TensorError(Self.nonPositiveSizesMessage(input: inputSpatial, output: outputSize)) }
            let scale = Self.sourceScale(inSize: inSize, outSize: outSize, alignCorners: alignCorners ?? false, scale: scaleList[d])
            switch mode {
            case "nearest", "nearest-exact":
                let exact = mode == "nearest-exact"
                let nearestScale = scaleList[d].map { 1 / $0 } ?? Double(inSize) / Double(outSize)
                let picks = (0..<outSize).map { o -> Int64 in
                    let source = exact ? ((Double(o) + 0.5) * nearestScale).rounded(.down) : (Double(o) * nearestScale).rounded(.down)
                    return Int64(Swift.min(Int(source), inSize - 1))
                }
                result = try result.indexSelect(dim: axis, index: Tensor(shape: [outSize], scalars: picks))
            case "linear", "bilinear", "trilinear":
                result = try result.resample(axis: axis, outSize: outSize) { o in
                    var source = alignCorners == true ? Double(o) * scale : Swift.max((Double(o) + 0.5) * scale - 0.5, 0)
                    if alignCorners != true { source = Swift.max(source, 0) }
                    let low = Swift.min(Int(source.rounded(.down)), inSize - 1)
                    let high = Swift.min(low + 1, inSize - 1)
                    let t = source - Double(low)
                    return [(low, 1 - t), (high, t)]
                }
            case "bicubic":
                result = try result.resample(axis: axis, outSize: outSize) { o in
                    let source = alignCorners == true ? Double(o) * scale : (Double(o) + 0.5) * scale - 0.5
                    let floor = source.rounded(.down)
                    let t = source - floor
                    let base = Int(floor)
                    let weights = Self.cubicWeights(t)
                    return (0..<4).map { (Swift.min(Swift.max(base - 1 + $0, 0), inSize - 1), weights[$0]) }
                }
            case "bilinear-antialias", "bicubic-antialias", "lanczos-antialias":
                // ATen's separable kernel leaves a dimension whose size does not change as it is.
                guard outSize != inSize else { continue }
                let filter = Self.antialiasFilter(mode)
                let table = Self.antialiasTaps(inSize: inSize, outSize: outSize, scale: scale, interpolationSize: filter.size, filter: filter.weight)
                result = try result.resample(axis: axis, outSize: outSize) { table[$0] }
            default:
                throw TensorError("interpolate: unsupported mode '\(mode)'")
            }
        }
        if dtype == .uint8 && !mode.hasPrefix("nearest") {
            result = try result.round().clamp(min: .int(0), max: .int(255))
        }
        return try result.to(dtype)
    }

    /// ATen's `area_pixel_compute_scale`.
    static func sourceScale(inSize: Int, outSize: Int, alignCorners: Bool, scale: Double?) -> Double {
        if alignCorners { return outSize > 1 ? Double(inSize - 1) / Double(outSize - 1) : 0 }
        if let scale, scale > 0 { return 1 / scale }
        return Double(inSize) / Double(outSize)
    }

    /// The filter of an antialiased mode: its interpolation size (the taps it spans when not shrinking) and
    /// its weight at a distance, as ATen's `HelperInterpLinear`, `HelperInterpCubic` and `HelperInterpLanczos`.
    static func antialiasFilter(_ mode: String) -> (size: Int, weight: (Double) -> Double) {
        if mode.hasPrefix("lanczos") { return (6, lanczos3) }
        if mode.hasPrefix("bicubic") { return (4, antialiasCubic) }
        return (2, { Swift.max(0, 1 - Swift.abs($0)) })
    }

    /// A filter bound as an input index: truncated toward zero as C's cast does, within [0, inSize] (an extreme scale
    /// puts the bound far outside, where the conversion to Int would trap).
    static func inputIndex(_ bound: Double, _ inSize: Int) -> Int {
        bound.isNaN ? 0 : Int(Swift.min(Swift.max(bound, 0), Double(inSize)))
    }

    /// PIL-style antialiased taps (ATen's `_compute_indices_min_size_weights_aa`), one list per output index: the
    /// filter centred on the output's footprint in the input, widened by the scale when shrinking so that it
    /// covers every input pixel of that footprint, at most `2·⌈support⌉ + 1` taps, weights normalised to sum 1.
    static func antialiasTaps(
        inSize: Int, outSize: Int, scale: Double, interpolationSize: Int, filter: (Double) -> Double
    ) -> [[(Int, Double)]] {
        let support = Double(interpolationSize) * 0.5 * (scale >= 1 ? scale : 1)
        let widest = inputIndex(support.rounded(.up), inSize) * 2 + 1
        let inverse = scale >= 1 ? 1 / scale : 1
        return (0..<outSize).map { o in
            let center = scale * (Double(o) + 0.5)
            let low = inputIndex(center - support + 0.5, inSize)
            let count = Swift.min(Swift.max(inputIndex(center + support + 0.5, inSize) - low, 0), widest)
            var taps: [(Int, Double)] = []
            for j in low..<(low + count) {
                taps.append((j, filter((Double(j) - center + 0.5) * inverse)))
            }
            let total = taps.reduce(0) { $0 + $1.1 }
            return total == 0 ? taps : taps.map { ($0.0, $0.1 / total) }
        }
    }

    /// The Lanczos filter with a = 3, `sinc(x)·sinc(x/3)` for |x| < 3 (`sinc(x) = sin(πx)/(πx)`), as PIL's and ATen's.
    static func lanczos3(_ x: Double) -> Double {
        func sinc(_ v: Double) -> Double {
            if v == 0 { return 1 }
            let angle = v * Double.pi
            return Double.sin(angle) / angle
        }
        let t = Swift.abs(x)
        return t < 3 ? sinc(t) * sinc(t / 3) : 0
    }

    /// ATen's uint8 path for (antialiased) bilinear, bicubic and lanczos resizing: separable passes, last dimension
    /// first (a dimension whose size does not change is left as it is), each with normalised taps turned into int16
    /// fixed-point weights, rounded and clamped to uint8 between passes. `alignCorners` applies to the antialiased
    /// modes (the plain ones reach here only without it).
    private func resampleBytes(outputSize: [Int], mode: String, alignCorners: Bool, scales: [Double?]) throws -> Tensor {
        let spatial = outputSize.count
        let antialias = mode.hasSuffix("-antialias")
        let cubic = mode.hasPrefix("bicubic")
        let filter = Self.antialiasFilter(mode)
        var result = self
        for d in (0..<spatial).reversed() {
            let axis = 2 + d
            let inSize = result.shape[axis]
            let outSize = outputSize[d]
            guard outSize > 0, inSize > 0 else {
                throw TensorError(Self.nonPositiveSizesMessage(input: Array(shape.suffix(spatial)), output: outputSize))
            }
            guard outSize != inSize else { continue }
            let scale = Self.sourceScale(inSize: inSize, outSize: outSize, alignCorners: antialias && alignCorners, scale: scales[d])
            let support = (cubic ? 2.0 : 1.0) * (antialias ? Swift.max(scale, 1) : 1)
            let inverse = antialias && scale >= 1 ? 1 / scale : 1
            var table: [[(Int, Int32)]] = []
            var precision = 0
            var floatTaps: [[(Int, Double)]] = antialias
                ? Self.antialiasTaps(inSize: inSize, outSize: outSize, scale: scale, interpolationSize: filter.size, filter: filter.weight) : []
            // (ATen sizes the fixed-point precision by the largest antialiased weight, not the largest magnitude.)
            var largest = Swift.max(floatTaps.joined().map { $0.1 }.max() ?? 0, 0)
            for o in 0..<outSize where !antialias {
                if cubic {
                    // Plain bicubic keeps Keys' weights on border-clamped indices.
                    let source = (Double(o) + 0.5) * scale - 0.5
                    let floor = source.rounded(.down)
                    let weights = Self.cubicWeights(source - floor)
                    let taps = (0..<4).map { (Swift.min(Swift.max(Int(floor) - 1 + $0, 0), inSize - 1), weights[$0]) }
                    largest = Swift.max(largest, taps.map { Swift.abs($0.1) }.max() ?? 0)
                    floatTaps.append(taps)
                    continue
                }
                // Plain bilinear: the triangle filter, unwidened.
                let center = scale * (Double(o) + 0.5)
                let low = Self.inputIndex(center - support + 0.5, inSize)
                let high = Self.inputIndex(center + support + 0.5, inSize)
                var taps: [(Int, Double)] = []
                for j in low..<Swift.max(high, low) {
                    taps.append((j, Swift.max(0, 1 - Swift.abs((Double(j) - center + 0.5) * inverse))))
                }
                let total = taps.reduce(0) { $0 + $1.1 }
                if total != 0 { taps = taps.map { ($0.0, $0.1 / total) } }
                largest = Swift.max(largest, taps.map { Swift.abs($0.1) }.max() ?? 0)
                floatTaps.append(taps)
            }
            while precision < 22 && Int(0.5 + largest * Double(1 << (precision + 1))) < (1 << 15) { precision += 1 }
            for taps in floatTaps {
                table.append(taps.map { j, w in
                    let scaled = w * Double(1 << precision)
                    return (j, Int32(scaled < 0 ? scaled - 0.5 : scaled + 0.5))
                })
            }
            let (rows, inverseOrder) = try result.rowsAlong(axis)
            let count = rows.elementCount / Swift.max(inSize, 1)
            var outShape = rows.shape
            outShape[outShape.count - 1] = outSize
            let out = Tensor(uninitialized: outShape, dtype: .uint8)
            let src = rows.baseAddress.assumingMemoryBound(to: UInt8.self)
            let dst = out.baseAddress.assumingMemoryBound(to: UInt8.self)
            for r in 0..<count {
                for o in 0..<outSize {
                    var total: Int64 = precision > 0 ? Int64(1) << (precision - 1) : 0
                    for (j, w) in table[o] { total += Int64(w) * Int64(src[r * inSize + j]) }
                    dst[r * outSize + o] = UInt8(Swift.min(Swift.max(total >> precision, 0), 255))
                }
            }
            result = try out.permute(inverseOrder).contiguous()
        }
        return result
    }

    /// Keys' cubic kernel with A = -0.75 at distance `x` (ATen's non-antialiased bicubic).
    static func keysCubic(_ x: Double) -> Double {
        let a = -0.75
        let t = Swift.abs(x)
        if t < 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
        if t < 2 { return (((t - 5) * t + 8) * t - 4) * a }
        return 0
    }

    /// The cubic filter antialiased resizing uses (A = -0.5, as PIL), evaluated at distance `x`.
    static func antialiasCubic(_ x: Double) -> Double {
        let a = -0.5
        let t = Swift.abs(x)
        if t < 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
        if t < 2 { return (((t - 5) * t + 8) * t - 4) * a }
        return 0
    }

    /// Keys' cubic convolution weights with A = -0.75, as ATen's `upsample_bicubic2d`.
    static func cubicWeights(_ t: Double) -> [Double] {
        let a = -0.75
        func near(_ x: Double) -> Double { ((a + 2) * x - (a + 3)) * x * x + 1 }
        func far(_ x: Double) -> Double { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return [far(t + 1), near(t), near(1 - t), far(2 - t)]
    }

    /// Each output index along `axis` is a weighted sum of input indices (float64 tensors only).
    private func resample(axis: Int, outSize: Int, taps: (Int) -> [(Int, Double)]) throws -> Tensor {
        let (rows, inverse) = try rowsAlong(axis)
        let inSize = shape[axis]
        let count = rows.elementCount / Swift.max(inSize, 1)
        var outShape = rows.shape
        outShape[outShape.count - 1] = outSize
        let out = Tensor(zeros: outShape, dtype: .float64)
        let src = rows.baseAddress.assumingMemoryBound(to: Double.self)
        let dst = out.baseAddress.assumingMemoryBound(to: Double.self)
        let table = (0..<outSize).map(taps)
        for r in 0..<count {
            for o in 0..<outSize {
                var total = 0.0
                for (i, w) in table[o] { total += w * src[r * inSize + i] }
                dst[r * outSize + o] = total
            }
        }
        return try out.permute(inverse).contiguous()
    }
}
