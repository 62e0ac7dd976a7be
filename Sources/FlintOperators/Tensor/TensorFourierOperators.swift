import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// The `torch.fft` transforms whose result is real: `irfft` / `irfftn` (the inverse of the real transform) and
    /// `hfft` / `hfftn` (the transform of a Hermitian signal), for real inputs. Flint has no complex dtype, so the
    /// transforms that return complex tensors (`fft`, `rfft`, `ihfft`, ...) and complex inputs are refused.
    mutating func defineFourierOperators() {
        for (family, asForward) in [("irfft", false), ("hfft", true)] {
            tensorOp("aten::fft_\(family)") { c in
                let x = try Self.realFourierInput(c.tensor(0, "self"), family)
                let given = try c.int(2, "dim", default: -1)
                guard x.rank > 0 else { throw OperatorError("Dimension specified as \(given) but tensor has no dimensions") }
                let dim = try x.wrapDimension(given)
                let points = try c.optionalInt(1, "n") ?? 2 * (x.shape[dim] - 1)
                guard points >= 1 else { throw OperatorError("Invalid number of data points (\(points)) specified") }
                return try x.inverseRealFourierTransform(sizes: [points], dims: [dim], normalization: .init(c.optionalString(3, "norm")), asForward: asForward)
            }
            for (suffix, defaultDims) in [("2", [-2, -1] as [Int]?), ("n", nil)] {
                tensorOp("aten::fft_\(family)\(suffix)") { c in
                    let x = try Self.realFourierInput(c.tensor(0, "self"), family)
                    let givenDims = suffix == "2" ? try c.ints(2, "dim", default: defaultDims, single: false) : try c.optionalInts(2, "dim")
                    let (sizes, dims) = try Self.complexToRealShape(x, sizes: c.optionalInts(1, "s"), dims: givenDims, family: family)
                    return try x.inverseRealFourierTransform(sizes: sizes, dims: dims, normalization: .init(c.optionalString(3, "norm")), asForward: asForward)
                }
            }
        }
    }

    /// A real input as the transforms read it (integers as float32); complex inputs are refused.
    private static func realFourierInput(_ x: Tensor, _ family: String) throws -> Tensor {
        guard !x.dtype.isComplex else { throw OperatorError("fft_\(family): complex tensors are not supported (Flint has no complex dtype)") }
        guard x.dtype != .float16 && x.dtype != .bfloat16 else { throw OperatorError("Unsupported dtype \(x.dtype.scalarTypeName)") }
        return x.dtype.isFloatingPoint ? x : try x.to(.float32)
    }

    /// ATen's `canonicalize_fft_c2r_shape_and_dim_args`: the dimensions (given, else the last len(s), else all)
    /// and each one's output size (given, -1 or absent: the input's; the last: 2·(size − 1)).
    private static func complexToRealShape(_ x: Tensor, sizes: [Int]?, dims: [Int]?, family: String) throws -> (sizes: [Int], dims: [Int]) {
        if let sizes, sizes.count > x.rank {
            throw OperatorError("Got shape with \(sizes.count) values but input tensor only has \(x.rank) dimensions.")
        }
        var axes: [Int]
        if let dims, x.rank == 0, let first = dims.first { throw OperatorError("Dimension specified as \(first) but tensor has no dimensions") }
        if let dims {
            axes = try dims.map { try x.wrapDimension($0) }
            guard Set(axes).count == axes.count else { throw OperatorError("FFT dims must be unique") }
        } else if let sizes {
            axes = Array((x.rank - sizes.count)..<x.rank)
        } else {
            axes = Array(0..<x.rank)
        }
        if let sizes, sizes.count != axes.count {
            throw OperatorError("When given, dim and shape arguments must have the same length")
        }
        guard !axes.isEmpty else { throw OperatorError("\(family)n must transform at least one axis") }
        var points = axes.enumerated().map { position, axis in
            let given = sizes?[position] ?? -1
            return given == -1 ? x.shape[axis] : given
        }
        if sizes == nil || sizes!.last == -1 { points[points.count - 1] = 2 * (x.shape[axes.last!] - 1) }
        if let bad = points.first(where: { $0 < 1 }) { throw OperatorError("Invalid number of data points (\(bad)) specified") }
        return (points, axes)
    }
}
