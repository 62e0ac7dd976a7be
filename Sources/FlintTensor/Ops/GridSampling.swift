/// `grid_sampler` (`F.grid_sample`): each output pixel reads the input at the location its grid entry names, as
/// ATen's CPU kernels compute it (the vectorized one for 4-D inputs, the scalar one for 5-D), operation for
/// operation, so that float results match to the last bit where the arithmetic allows (reduced-precision types round after every operation, as
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

    /// `aten::grid_sampler` / `grid_sampler_2d` / `grid_sampler_3d`: `self` `[N, C, H, W]` sampled at `grid`
    /// `[N, Ho, Wo, 2]` (x, y), giving `[N, C, Ho, Wo]`; or `[N, C, D, H, W]` at `[N, Do, Ho, Wo, 3]` (x, y, z), giving
    /// `[N, C, Do, Ho, Wo]` (trilinear or nearest, as ATen's scalar 3-D kernel computes them).
    /// `spatialDimensions` 2 or 3 is what `grid_sampler_2d` / `grid_sampler_3d` require; nil (`grid_sampler`) takes
    /// 2 for 4-D inputs and 3 otherwise.
    public func gridSample(grid: Tensor, interpolation: Int, padding: Int, alignCorners: Bool, spatialDimensions: Int? = nil) throws -> Tensor {
        try Self.checkGridSampler(input: self, grid: grid)
        let volumetric = (spatialDimensions ?? (rank == 4 ? 2 : 3)) == 3
        guard rank == (volumetric ? 5 : 4), grid.rank == rank else {
            throw TensorError(
                "grid_sampler(): expected \(volumetric ? "5D" : "4D") input and grid with same number of dimensions, but got input with sizes \(shape) and grid with sizes \(grid.shape)")
        }
        if volumetric, interpolation == GridSampleInterpolation.bicubic.rawValue {
            throw TensorError("grid_sampler(): bicubic interpolation only supports 4D input")
        }
        guard let mode = GridSampleInterpolation(rawValue: interpolation) else {
            throw TensorError("grid_sampler(): interpolation_mode must be 0 (bilinear), 1 (nearest) or 2 (bicubic), got \(interpolation)")
        }
        guard let paddingMode = GridSamplePadding(rawValue: padding) else {
            throw TensorError("grid_sampler(): padding_mode must be 0 (zeros), 1 (border) or 2 (reflection), got \(padding)")
        }
        guard dtype.isFloatingPoint, !dtype.isComplex else {
            throw TensorError("\"grid_sampler_\(volumetric ? "3d_cpu" : "2d_cpu_kernel_impl")\" not implemented for '\(dtype.scalarTypeName)'")
        }
        guard grid.dtype == dtype else {
            throw TensorError("expected scalar type \(dtype.scalarTypeName) but found \(grid.dtype.scalarTypeName)")
        }
        let result = Tensor(zeros: [shape[0], shape[1]] + grid.shape.dropFirst().dropLast(), dtype: dtype)
        guard result.elementCount > 0 else { return result }
        if volumetric {
            try dtype.dispatchFloating(
                VolumeSampleKernel(input: try contiguous(), grid: try grid.contiguous(), output: result, nearest: mode == .nearest, padding: paddingMode,
                    alignCorners: alignCorners),
                operation: "grid_sampler_3d")
            return result
        }
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
private struct GridAxis<T: FloatingElement> {
    typealias C = T.Compute
    let size: Int
    let maximum: C
    let scale: C
    let alignCorners: Bool
    let padding: Tensor.GridSamplePadding

    init(size: Int, alignCorners: Bool, padding: Tensor.GridSamplePadding) {
        self.size = size
        self.alignCorners = alignCorners
        self.padding = padding
        maximum = C(size - 1)
        scale = Self.round(alignCorners ? C(size - 1) / 2 : C(size) / 2)
    }

    /// One operation's result in the element type (identity for float and double; half and bfloat16 round).
    @inline(__always) static func round(_ v: C) -> C { T(computeValue: v).computeValue }
    @inline(__always) private func round(_ v: C) -> C { Self.round(v) }

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
        let round = GridAxis<T>.round
        let (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (outHeight, outWidth) = (grid.shape[1], grid.shape[2])
        let bits = T.self == Double.self ? 64 : 32
        let axisX = GridAxis<T>(size: width, alignCorners: alignCorners, padding: padding)
        let axisY = GridAxis<T>(size: height, alignCorners: alignCorners, padding: padding)
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
                    // The taps' indices after padding, and whether they read the input (once per pixel, not per channel).
                    func tap(_ axis: GridAxis<T>, _ base: C, _ i: Int, _ size: Int) -> (Int, Bool) {
                        let index = Self.index(axis.padded(round(base + C(i - 1))), bits: bits)
                        return (index, padding != .zeros || (index > -1 && index < size))
                    }
                    let columns = (tap(axisX, fx, 0, width), tap(axisX, fx, 1, width), tap(axisX, fx, 2, width), tap(axisX, fx, 3, width))
                    let rows = (tap(axisY, fy, 0, height), tap(axisY, fy, 1, height), tap(axisY, fy, 2, height), tap(axisY, fy, 3, height))
                    for c in 0..<channels {
                        func line(_ row: (Int, Bool)) -> C {
                            let a = round(cx.0 * value(c, row.0, columns.0.0, row.1 && columns.0.1))
                            let b = round(cx.1 * value(c, row.0, columns.1.0, row.1 && columns.1.1))
                            let d = round(cx.2 * value(c, row.0, columns.2.0, row.1 && columns.2.1))
                            let e = round(cx.3 * value(c, row.0, columns.3.0, row.1 && columns.3.1))
                            return round(round(round(a + b) + d) + e)
                        }
                        let a = round(cy.0 * line(rows.0)), b = round(cy.1 * line(rows.1))
                        let d = round(cy.2 * line(rows.2)), e = round(cy.3 * line(rows.3))
                        target[c * plane] = T(computeValue: round(round(round(a + b) + d) + e))
                    }
                }
            }
        }
    }

    /// The cubic convolution weights of the four taps around fraction `t` (A = -0.75, as upsampling uses).
    static func cubicCoefficients<C: BinaryFloatingPoint>(_ t: C, round: (C) -> C) -> (C, C, C, C) {
        let a = C(-0.75)
        func far(_ x: C) -> C {
            round(round(round(round(round(round(a * x) - round(5 * a)) * x) + round(8 * a)) * x) - round(4 * a))
        }
        func near(_ x: C) -> C {
            round(round(round(round(round(round(a + 2) * x) - round(a + 3)) * x) * x) + 1)
        }
        return (far(round(t + 1)), near(t), near(round(1 - t)), far(round(2 - t)))
    }
}

/// ATen's scalar 3-D kernel (`grid_sampler_3d_cpu_impl`): coordinates through `grid_sampler_compute_source_index`,
/// trilinear weights as products of distances to the opposite corner, in-bounds corners accumulated in order into
/// the output element (out-of-bounds corners are skipped, so a NaN location gives 0 rather than NaN).
private struct VolumeSampleKernel: FloatingDTypeVisitor {
    let input: Tensor
    let grid: Tensor
    let output: Tensor
    let nearest: Bool
    let padding: Tensor.GridSamplePadding
    let alignCorners: Bool

    func visit<T: FloatingElement>(_ type: T.Type) throws {
        typealias C = T.Compute
        let round = GridAxis<T>.round
        let (batch, channels) = (input.shape[0], input.shape[1])
        let (depth, height, width) = (input.shape[2], input.shape[3], input.shape[4])
        let outVolume = grid.shape[1] * grid.shape[2] * grid.shape[3]
        let inVolume = depth * height * width
        let x = UnsafePointer(input.baseAddress.assumingMemoryBound(to: T.self))
        let g = UnsafePointer(grid.baseAddress.assumingMemoryBound(to: T.self))
        let y = output.baseAddress.assumingMemoryBound(to: T.self)
        let padding = self.padding, alignCorners = self.alignCorners, nearest = self.nearest
        /// `grid_sampler_compute_source_index` in scalar arithmetic.
        func source(_ coordinate: C, _ size: Int) -> C {
            let extent = C(size)
            var v = alignCorners ? round(round(round(coordinate + 1) / 2) * round(extent - 1)) : round(round(round(round(coordinate + 1) * extent) - 1) / 2)
            func clip(_ v: C) -> C {
                let low = v < 0 ? C(0) : v // std::max(v, 0): NaN stays NaN
                let limit = round(extent - 1)
                return low < limit ? low : limit // std::min(limit, v): NaN becomes the limit
            }
            switch padding {
            case .zeros: break
            case .border: v = clip(v)
            case .reflection:
                let (twiceLow, twiceHigh) = alignCorners ? (0, 2 * (size - 1)) : (-1, 2 * size - 1)
                if twiceLow == twiceHigh {
                    v = 0
                } else {
                    let minimum = round(C(twiceLow) / 2), span = round(C(twiceHigh - twiceLow) / 2)
                    let distance = abs(round(v - minimum))
                    let extra = round(distance.truncatingRemainder(dividingBy: span))
                    let flips = round(distance / span).rounded(.down)
                    // static_cast<int>: past the int range (or NaN) x86 gives INT_MIN, which is even.
                    let even = Int32(exactly: flips).map { $0 % 2 == 0 } ?? true
                    v = even ? round(extra + minimum) : round(round(span - extra) + minimum)
                }
                v = clip(v)
            }
            return v
        }
        ThreadPool.shared.parallelFor(batch * outVolume, minimumPerThread: Swift.max(1, 2048 / Swift.max(channels, 1))) { range, _ in
            for p in range {
                let n = p / outVolume
                let sx = source(g[p * 3].computeValue, width)
                let sy = source(g[p * 3 + 1].computeValue, height)
                let sz = source(g[p * 3 + 2].computeValue, depth)
                let image = x + n * channels * inVolume
                let target = y + n * channels * outVolume + p % outVolume
                func inside(_ z: Int, _ y: Int, _ x: Int) -> Bool { z >= 0 && z < depth && y >= 0 && y < height && x >= 0 && x < width }
                if nearest {
                    let ix = GridSampleKernel.index(sx.rounded(.toNearestOrEven), bits: 64)
                    let iy = GridSampleKernel.index(sy.rounded(.toNearestOrEven), bits: 64)
                    let iz = GridSampleKernel.index(sz.rounded(.toNearestOrEven), bits: 64)
                    let inBounds = inside(iz, iy, ix)
                    for c in 0..<channels {
                        target[c * outVolume] = inBounds ? image[c * inVolume + (iz * height + iy) * width + ix] : T(computeValue: 0)
                    }
                    continue
                }
                let x0 = GridSampleKernel.index(sx.rounded(.down), bits: 64)
                let y0 = GridSampleKernel.index(sy.rounded(.down), bits: 64)
                let z0 = GridSampleKernel.index(sz.rounded(.down), bits: 64)
                // Distances to the far and near side along each axis (integer corner minus coordinate, in the element type).
                let (xFar, xNear) = (round(C(x0 &+ 1) - sx), round(sx - C(x0)))
                let (yFar, yNear) = (round(C(y0 &+ 1) - sy), round(sy - C(y0)))
                let (zFar, zNear) = (round(C(z0 &+ 1) - sz), round(sz - C(z0)))
                // Corner k = (dz, dy, dx) as its bits 2, 1, 0: tnw, tne, tsw, tse, bnw, bne, bsw, bse in ATen's order,
                // each weight the product of the distances to the opposite corner.
                withUnsafeTemporaryAllocation(of: C.self, capacity: 8) { weights in
                    for k in 0..<8 {
                        let (dz, dy, dx) = (k >> 2, (k >> 1) & 1, k & 1)
                        weights[k] = round(round((dx == 0 ? xFar : xNear) * (dy == 0 ? yFar : yNear)) * (dz == 0 ? zFar : zNear))
                    }
                    for c in 0..<channels {
                        var sum: C = 0
                        for k in 0..<8 {
                            let (dz, dy, dx) = (k >> 2, (k >> 1) & 1, k & 1)
                            guard inside(z0 &+ dz, y0 &+ dy, x0 &+ dx) else { continue }
                            let v = image[c * inVolume + ((z0 + dz) * height + y0 + dy) * width + x0 + dx].computeValue
                            sum = round(sum + round(v * weights[k]))
                        }
                        target[c * outVolume] = T(computeValue: sum)
                    }
                }
            }
        }
    }
}
