import RealModule

/// `F.interpolate` modes over the trailing spatial dimensions: `nearest`, `nearest-exact`, `linear`/
/// `bilinear`/`trilinear` and `bicubic`, with ATen's source-index rules (`align_corners`, scale factors).
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
        guard (dtype.isFloatingPoint && !(antialias && (dtype == .float16 || dtype == .bfloat16)))
            || (dtype == .uint8 && (mode.hasPrefix("nearest") || mode.hasPrefix("bilinear") || mode.hasPrefix("bicubic")))
        else {
            throw TensorError("\"upsample_\(mode)\" not implemented for '\(dtype.scalarTypeName)'")
        }
        let inputSpatial = Array(shape.suffix(spatial))
        let scaleList = scales ?? Array(repeating: nil, count: spatial)
        if dtype == .uint8 && (mode.hasPrefix("bilinear") || mode.hasPrefix("bicubic")) && alignCorners != true {
            return try resampleBytes(outputSize: outputSize, mode: mode, scales: scaleList)
        }
        guard scaleList.count == spatial, scaleList.allSatisfy({ $0 == nil || ($0!.isFinite && $0! > 0) }) else {
            throw TensorError("interpolate: scale factors must be positive and finite, got \(scaleList)")
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
            case "bilinear-antialias", "bicubic-antialias":
                // PIL-style resampling (ATen's `_upsample_*_aa`): when shrinking, the filter widens to cover
                // every input pixel of the output's footprint; weights are normalised per output.
                let cubic = mode.hasPrefix("bicubic")
                let support = (cubic ? 2.0 : 1.0) * Swift.max(scale, 1)
                let inverse = scale >= 1 ? 1 / scale : 1
                result = try result.resample(axis: axis, outSize: outSize) { o in
                    let center = scale * (Double(o) + 0.5)
                    let low = Swift.max(Int(center - support + 0.5), 0)
                    let high = Swift.min(Int(center + support + 0.5), inSize)
                    var taps: [(Int, Double)] = []
                    for j in low..<Swift.max(high, low) {
                        let x = (Double(j) - center + 0.5) * inverse
                        taps.append((j, cubic ? Self.antialiasCubic(x) : Swift.max(0, 1 - Swift.abs(x))))
                    }
                    let total = taps.reduce(0) { $0 + $1.1 }
                    return total == 0 ? taps : taps.map { ($0.0, $0.1 / total) }
                }
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

    /// ATen's uint8 path for (antialiased) bilinear and bicubic resizing: separable passes, last dimension
    /// first, each with PIL-style normalised taps turned into int16 fixed-point weights, rounded and clamped
    /// to uint8 between passes.
    private func resampleBytes(outputSize: [Int], mode: String, scales: [Double?]) throws -> Tensor {
        let spatial = outputSize.count
        let antialias = mode.hasSuffix("-antialias")
        let cubic = mode.hasPrefix("bicubic")
        var result = self
        for d in (0..<spatial).reversed() {
            let axis = 2 + d
            let inSize = result.shape[axis]
            let outSize = outputSize[d]
            let scale = Self.sourceScale(inSize: inSize, outSize: outSize, alignCorners: false, scale: scales[d])
            let support = (cubic ? 2.0 : 1.0) * (antialias ? Swift.max(scale, 1) : 1)
            let inverse = antialias && scale >= 1 ? 1 / scale : 1
            var table: [[(Int, Int32)]] = []
            var precision = 0
            var floatTaps: [[(Int, Double)]] = []
            var largest = 0.0
            for o in 0..<outSize {
                if cubic && !antialias {
                    // Plain bicubic keeps Keys' weights on border-clamped indices.
                    let source = (Double(o) + 0.5) * scale - 0.5
                    let floor = source.rounded(.down)
                    let weights = Self.cubicWeights(source - floor)
                    let taps = (0..<4).map { (Swift.min(Swift.max(Int(floor) - 1 + $0, 0), inSize - 1), weights[$0]) }
                    largest = Swift.max(largest, taps.map { Swift.abs($0.1) }.max() ?? 0)
                    floatTaps.append(taps)
                    continue
                }
                let center = scale * (Double(o) + 0.5)
                let low = Swift.max(Int(center - support + 0.5), 0)
                let high = Swift.min(Int(center + support + 0.5), inSize)
                var taps: [(Int, Double)] = []
                for j in low..<Swift.max(high, low) {
                    let x = (Double(j) - center + 0.5) * inverse
                    let w: Double
                    if cubic {
                        w = antialias ? Self.antialiasCubic(x) : Self.keysCubic(x)
                    } else {
                        w = Swift.max(0, 1 - Swift.abs(x))
                    }
                    taps.append((j, w))
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
