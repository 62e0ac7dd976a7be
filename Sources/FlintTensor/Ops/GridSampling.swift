/// `grid_sampler_2d` (`F.grid_sample` on 4-D inputs): each output pixel reads the input at the location its grid
/// entry names, as ATen's vectorized CPU kernel computes it, operation for operation, so that float results
/// match to the last bit where the arithmetic allows (reduced-precision types round after every operation, as
/// `Vectorized<Half>` and `Vectorized<BFloat16>` do).
///
/// Grid values are normalized: -1 is the left (top) edge, +1 the right (bottom) edge, at pixel centres with
/// `alignCorners` and at the outer pixel borders without. Interpolation 0 bilinear, 1 nearest (ties to even),
/// 2 bicubic (A = -0.75); padding 0 zeros, 1 border (clamped coordinates), 2 reflection.
extension Tensor {
    /// The sampling modes of `grid_sampler`.
    public enum GridSampleInterpolation: Int, Sendable { case bilinear = 0, nearest = 1, bicubic = 2 }
    /// What out-of-range locations read.
    public enum GridSamplePadding: Int, Sendable { case zeros = 0, border = 1, reflection = 2 }

    /// `aten::grid_sampler` / `grid_sampler_2d`: `self` `[N, C, H, W]` sampled at `grid` `[N, Ho, Wo, 2]` (x, y),
    /// giving `[N, C, Ho, Wo]`. 5-D inputs (`grid_sampler_3d`) are refused by name.
    public func gridSample(grid: Tensor, interpolation: Int, padding: Int, alignCorners: Bool) throws -> Tensor {
        try Self.checkGridSampler(input: self, grid: grid)
        guard rank == 4, grid.rank == 4 else {
            if rank == 5, grid.rank == 5 {
                if interpolation == GridSampleInterpolation.bicubic.rawValue {
                    throw TensorError("grid_sampler(): bicubic interpolation only supports 4D input")
                }
                throw TensorError("grid_sampler_3d (grid_sample on 5-D inputs) is not supported")
            }
            let expected = rank == 4 ? "4D" : "5D"
            throw TensorError(
                "grid_sampler(): expected \(expected) input and grid with same number of dimensions, but got input with sizes \(shape) and grid with sizes \(grid.shape)")
        }
        guard let mode = GridSampleInterpolation(rawValue: interpolation) else {
            throw TensorError("grid_sampler(): interpolation_mode must be 0 (bilinear), 1 (nearest) or 2 (bicubic), got \(interpolation)")
        }
        guard let paddingMode = GridSamplePadding(rawValue: padding) else {
            throw TensorError("grid_sampler(): padding_mode must be 0 (zeros), 1 (border) or 2 (reflection), got \(padding)")
        }
        guard dtype.isFloatingPoint, !dtype.isComplex else {
            throw TensorError("\"grid_sampler_2d_cpu_kernel_impl\" not implemented for '\(dtype.scalarTypeName)'")
        }
        guard grid.dtype == dtype else {
            throw TensorError("expected scalar type \(dtype.scalarTypeName) but found \(grid.dtype.scalarTypeName)")
        }
        let result = Tensor(zeros: [shape[0], shape[1], grid.shape[1], grid.shape[2]], dtype: dtype)
        guard result.elementCount > 0 else { return result }
        try dtype.dispatchFloating(
            GridSampleKernel(input: try contiguous(), grid: try grid.contiguous(), output: result, mode: mode, padding: paddingMode, alignCorners: alignCorners),
            operation: "grid_sampler_2d")
        return result
    }

    /// ATen's `check_grid_sampler_common`.
    static func checkGridSampler(input: Tensor, grid: Tensor) throws {
        guard input.rank >= 1, grid.rank >= 1, input.shape[0] == grid.shape[0] else {
            throw TensorError(
                "grid_sampler(): expected grid and input to have same batch size, but got input with sizes \(input.shape) and grid with sizes \(grid.shape)")
        }
        guard grid.shape.last == input.rank - 2 else {
            throw TensorError(
                "grid_sampler(): expected grid to have size \(input.rank - 2) in last dimension, but got grid with sizes \(grid.shape)")
        }
        for d in 2..<Swift.max(input.rank, 2) where input.shape[d] <= 0 {
            throw TensorError(
                "grid_sampler(): expected input to have non-empty spatial dimensions, but input has sizes \(input.shape) with dimension \(d) being empty")
        }
    }
}

/// One axis of the sampling: how grid values become source coordinates (ATen's `ComputeLocation`).
private struct GridAxis<C: BinaryFloatingPoint> {
    let size: Int
    let maximum: C
    let scale: C
    let alignCorners: Bool
    let padding: Tensor.GridSamplePadding
    let round: (C) -> C

    init(size: Int, alignCorners: Bool, padding: Tensor.GridSamplePadding, round: @escaping (C) -> C) {
        self.size = size
        self.alignCorners = alignCorners
        self.padding = padding
        self.round = round
        maximum = C(size - 1)
        scale = round(alignCorners ? C(size - 1) / 2 : C(size) / 2)
    }

    /// The source coordinate of a normalized grid value, before padding.
    func unnormalize(_ v: C) -> C {
        alignCorners ? round(round(v + 1) * scale) : round(round(round(v + 1) * scale) - C(0.5))
    }

    /// Clamped to [0, size - 1]; NaN becomes 0.
    func clip(_ v: C) -> C {
        let low = v > 0 ? v : 0 // max(v, 0) with a NaN v giving 0
        return low < maximum ? low : maximum
    }

    /// Reflected into the input by the edges (pixel centres with alignCorners, outer borders without).
    func reflect(_ v: C) -> C {
        let (low, twiceSpan): (C, C) = alignCorners ? (0, C(size - 1) * 2) : (C(-0.5), C(size) * 2)
        if alignCorners && size <= 1 { return 0 }
        let distance = abs(round(v - low))
        let flips = round(distance / twiceSpan).rounded(.towardZero)
        let extra = round(distance - round(flips * twiceSpan))
        let other = round(twiceSpan - extra)
        let folded = extra.isNaN || other.isNaN ? C.nan : Swift.min(extra, other)
        return round(folded + low)
    }

    /// The padding applied to a source coordinate.
    func padded(_ v: C) -> C {
        switch padding {
        case .zeros: v
        case .border: clip(v)
        case .reflection: clip(reflect(v))
        }
    }

    /// Whether padding always lands inside the input (so no bounds test is needed for the low neighbour).
    var mustBeInBounds: Bool { padding != .zeros }
}

private struct GridSampleKernel: FloatingDTypeVisitor {
    let input: Tensor
    let grid: Tensor
    let output: Tensor
    let mode: Tensor.GridSampleInterpolation
    let padding: Tensor.GridSamplePadding
    let alignCorners: Bool

    /// A coordinate converted to an index as `cvttps2dq` / `cvttpd2qq` do: toward zero, with NaN and values out
    /// of the integer's range giving its minimum (so they fail every bounds test).
    static func index<C: BinaryFloatingPoint>(_ v: C, bits: Int) -> Int {
        let limit = bits == 64 ? 9_223_372_036_854_775_808.0 : 2_147_483_648.0
        let wide = Double(v)
        guard !wide.isNaN, wide >= -limit, wide < limit else { return bits == 64 ? Int.min : -(1 << (bits - 1)) }
        return Int(wide.rounded(.towardZero))
    }

    func visit<T: FloatingElement>(_ type: T.Type) throws {
        typealias C = T.Compute
        let round: (C) -> C = { T(computeValue: $0).computeValue }
        let (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (outHeight, outWidth) = (grid.shape[1], grid.shape[2])
        let bits = T.self == Double.self ? 64 : 32
        let axisX = GridAxis<C>(size: width, alignCorners: alignCorners, padding: padding, round: round)
        let axisY = GridAxis<C>(size: height, alignCorners: alignCorners, padding: padding, round: round)
        let x = UnsafePointer(input.baseAddress.assumingMemoryBound(to: T.self))
        let g = UnsafePointer(grid.baseAddress.assumingMemoryBound(to: T.self))
        let y = output.baseAddress.assumingMemoryBound(to: T.self)
        let plane = outHeight * outWidth
        let mode = self.mode
        let padding = self.padding
        ThreadPool.shared.parallelFor(batch * plane, minimumPerThread: Swift.max(1, 4096 / Swift.max(channels, 1))) { range, _ in
            for p in range {
                let (n, pixel) = (p / plane, p % plane)
                let gx = g[p * 2].computeValue
                let gy = g[p * 2 + 1].computeValue
                let image = x + n * channels * height * width
                let target = y + n * channels * plane + pixel
                func value(_ c: Int, _ iy: Int, _ ix: Int, _ inBounds: Bool) -> C {
                    inBounds ? image[(c * height + iy) * width + ix].computeValue : 0
                }
                switch mode {
                case .bilinear:
                    let sx = axisX.padded(axisX.unnormalize(gx))
                    let sy = axisY.padded(axisY.unnormalize(gy))
                    let west = round(sx.rounded(.down)), north = round(sy.rounded(.down))
                    let w = round(sx - west), e = round(1 - w)
                    let nn = round(sy - north), s = round(1 - nn)
                    let (nw, ne, sw, se) = (round(s * e), round(s * w), round(nn * e), round(nn * w))
                    let ixw = Self.index(west, bits: bits), iyn = Self.index(north, bits: bits)
                    let (ixe, iys) = (ixw + 1, iyn + 1)
                    let inbound = padding != .zeros
                    let wMask = inbound || (ixw > -1 && ixw < width)
                    let nMask = inbound || (iyn > -1 && iyn < height)
                    let eMask = (inbound || ixe > -1) && ixe < width
                    let sMask = (inbound || iys > -1) && iys < height
                    for c in 0..<channels {
                        let a = round(value(c, iyn, ixw, wMask && nMask) * nw)
                        let b = round(value(c, iyn, ixe, eMask && nMask) * ne)
                        let d = round(value(c, iys, ixw, wMask && sMask) * sw)
                        let f = round(value(c, iys, ixe, eMask && sMask) * se)
                        target[c * plane] = T(computeValue: round(round(round(a + b) + d) + f))
                    }
                case .nearest:
                    let sx = axisX.padded(axisX.unnormalize(gx)).rounded(.toNearestOrEven)
                    let sy = axisY.padded(axisY.unnormalize(gy)).rounded(.toNearestOrEven)
                    let ix = Self.index(sx, bits: bits), iy = Self.index(sy, bits: bits)
                    let inBounds = padding != .zeros || (ix > -1 && ix < width && iy > -1 && iy < height)
                    for c in 0..<channels { target[c * plane] = T(computeValue: value(c, iy, ix, inBounds)) }
                case .bicubic:
                    let sx = axisX.unnormalize(gx), sy = axisY.unnormalize(gy)
                    let fx = round(sx.rounded(.down)), fy = round(sy.rounded(.down))
                    let cx = Self.cubicCoefficients(round(sx - fx), round: round)
                    let cy = Self.cubicCoefficients(round(sy - fy), round: round)
                    // Taps' indices after padding, and whether they read the input.
                    let taps: [(Int, Bool)] = (0..<4).map { i in
                        let ix = Self.index(axisX.padded(round(fx + C(i - 1))), bits: bits)
                        return (ix, padding != .zeros || (ix > -1 && ix < width))
                    }
                    let rows: [(Int, Bool)] = (0..<4).map { i in
                        let iy = Self.index(axisY.padded(round(fy + C(i - 1))), bits: bits)
                        return (iy, padding != .zeros || (iy > -1 && iy < height))
                    }
                    for c in 0..<channels {
                        var sum: C = 0
                        for i in 0..<4 {
                            var line: C = 0
                            for j in 0..<4 {
                                let term = round(cx[j] * value(c, rows[i].0, taps[j].0, rows[i].1 && taps[j].1))
                                line = j == 0 ? term : round(line + term)
                            }
                            let term = round(cy[i] * line)
                            sum = i == 0 ? term : round(sum + term)
                        }
                        target[c * plane] = T(computeValue: sum)
                    }
                }
            }
        }
    }

    /// The cubic convolution weights of the four taps around fraction `t` (A = -0.75, as upsampling uses).
    static func cubicCoefficients<C: BinaryFloatingPoint>(_ t: C, round: (C) -> C) -> [C] {
        let a = C(-0.75)
        func far(_ x: C) -> C {
            round(round(round(round(round(round(a * x) - round(5 * a)) * x) + round(8 * a)) * x) - round(4 * a))
        }
        func near(_ x: C) -> C {
            round(round(round(round(round(round(a + 2) * x) - round(a + 3)) * x) * x) + 1)
        }
        return [far(round(t + 1)), near(t), near(round(1 - t)), far(round(2 - t))]
    }
}
