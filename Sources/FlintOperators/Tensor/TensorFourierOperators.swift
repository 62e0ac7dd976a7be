import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// `torch.fft` and the short-time transforms: `fft` / `ifft` (complex to complex), `rfft` / `ihfft` (real to
    /// one-sided complex), `irfft` / `hfft` (one-sided complex to real), each in its 1-D, 2-D and n-D form, ATen's
    /// `_fft_r2c` / `_fft_c2c` / `_fft_c2r` that decompositions call, and `stft` / `istft`. Real inputs count as
    /// complex with zero imaginary parts; integers as float32; half precision is refused, as on libtorch's CPU.
    mutating func defineFourierOperators() {
        for transform in FourierFamily.allCases {
            let name = transform.rawValue
            let oneDimensional: @Sendable (Arguments) throws -> Tensor = { c in
                let x = try Self.fourierInput(c.tensor(0, "self"), transform)
                let given = try c.int(2, "dim", default: -1)
                guard x.rank > 0 else { throw OperatorError("Dimension specified as \(given) but tensor has no dimensions") }
                let dim = try x.wrapDimension(given)
                let points = try c.optionalInt(1, "n") ?? (transform.realOutput ? 2 * (x.shape[dim] - 1) : x.shape[dim])
                guard points >= 1 else { throw OperatorError("Invalid number of data points (\(points)) specified") }
                return try transform.apply(to: x, sizes: [points], dims: [dim], normalization: .init(c.optionalString(3, "norm")))
            }
            defineWithOutput("aten::fft_\(name)", transform: transform, label: name, oneDimensional)
            for (suffix, defaultDims) in [("2", [-2, -1] as [Int]?), ("n", nil)] {
                defineWithOutput("aten::fft_\(name)\(suffix)", transform: transform, label: transform.multidimensionalName) { c in
                    let x = try Self.fourierInput(c.tensor(0, "self"), transform)
                    let givenDims = suffix == "2" ? try c.ints(2, "dim", default: defaultDims, single: false) : try c.optionalInts(2, "dim")
                    let (sizes, dims) = try Self.fourierShape(x, sizes: c.optionalInts(1, "s"), dims: givenDims, transform: transform)
                    if dims.isEmpty { return try x.to(x.dtype == .float64 || x.dtype == .complex128 ? .complex128 : .complex64) }
                    return try transform.apply(to: x, sizes: sizes, dims: dims, normalization: .init(c.optionalString(3, "norm")))
                }
            }
        }
        defineFourierKernelEntries()
        defineShortTimeFourierOperators()
    }

    /// Declares the transform `name` and its `.out` overload, which checks the out tensor's kind as ATen does
    /// (naming the transform as `label`) before writing the result into it.
    private mutating func defineWithOutput(_ name: String, transform: FourierFamily, label: String, _ body: @escaping @Sendable (Arguments) throws -> Tensor) {
        tensorOp(name, body)
        tensorOp(name + ".out") { c in
            let out = try c.tensor(4, "out")
            if transform.realOutput && !out.dtype.isFloatingPoint {
                throw OperatorError("\(label) expects a floating point output tensor, but got \(out.dtype.scalarTypeName)")
            }
            if !transform.realOutput && !out.dtype.isComplex {
                throw OperatorError("\(label) expects a complex output tensor, but got \(out.dtype.scalarTypeName)")
            }
            try out.assign(outResult: body(c), argument: "out")
            return out
        }
    }

    /// ATen's `_fft_r2c`, `_fft_c2c` and `_fft_c2r`: transforms over the given dimensions with the normalization
    /// as an integer (0: none, 1: by 1/√n, 2: by 1/n, n the transformed points).
    private mutating func defineFourierKernelEntries() {
        @Sendable func scale(_ mode: Int, _ points: Int) throws -> Double {
            switch mode {
            case 0: 1
            case 1: 1 / Double(points).squareRoot()
            case 2: 1 / Double(points)
            default: throw OperatorError("Invalid normalization mode: \(mode)")
            }
        }
        tensorOp("aten::_fft_r2c") { c in
            let x = try c.tensor(0, "self")
            guard x.dtype.isFloatingPoint else { throw OperatorError("Only supports floating-point dtypes, but found: \(x.dtype.scalarTypeName)") }
            let dims = try c.ints(1, "dim").map { try x.wrapDimension($0) }
            let sizes = dims.map { $0 < x.rank ? x.shape[$0] : 1 }
            return try x.fourierTransform(
                sizes: sizes, dims: dims, inverse: false, scale: scale(c.int(2, "normalization"), sizes.reduce(1, *)), onesided: c.bool(3, "onesided"))
        }
        tensorOp("aten::_fft_c2c") { c in
            let x = try c.tensor(0, "self")
            guard x.dtype.isComplex else { throw OperatorError("Only supports complex dtypes, but found: \(x.dtype.scalarTypeName)") }
            let dims = try c.ints(1, "dim").map { try x.wrapDimension($0) }
            let sizes = dims.map { $0 < x.rank ? x.shape[$0] : 1 }
            return try x.fourierTransform(sizes: sizes, dims: dims, inverse: !c.bool(3, "forward"), scale: scale(c.int(2, "normalization"), sizes.reduce(1, *)))
        }
        tensorOp("aten::_fft_c2r") { c in
            let x = try c.tensor(0, "self")
            guard x.dtype.isComplex else { throw OperatorError("Only supports complex dtypes, but found: \(x.dtype.scalarTypeName)") }
            let dims = try c.ints(1, "dim").map { try x.wrapDimension($0) }
            guard !dims.isEmpty else { throw OperatorError("_fft_c2r must transform at least one axis") }
            var sizes = dims.map { $0 < x.rank ? x.shape[$0] : 1 }
            sizes[sizes.count - 1] = try c.int(3, "last_dim_size")
            guard sizes[sizes.count - 1] >= 1 else { throw OperatorError("Invalid number of data points (\(sizes[sizes.count - 1])) specified") }
            return try x.complexToRealFourierTransform(sizes: sizes, dims: dims, scale: scale(c.int(2, "normalization"), sizes.reduce(1, *)))
        }
    }

    /// `stft` (with and without `center`) and `istft`.
    private mutating func defineShortTimeFourierOperators() {
        tensorOp("aten::stft") { c in
            var options = Tensor.ShortTimeFourierOptions(fftLength: try c.int(1, "n_fft"))
            (options.hopLength, options.windowLength, options.window) = try (c.optionalInt(2, "hop_length"), c.optionalInt(3, "win_length"), c.optionalTensor(4, "window"))
            options.normalized = try c.bool(5, "normalized", default: false)
            (options.onesided, options.returnComplex, options.alignToWindow) = try (c.optionalBool(6, "onesided"), c.optionalBool(7, "return_complex"), c.optionalBool(8, "align_to_window"))
            return try c.tensor(0, "self").shortTimeFourierTransform(options)
        }
        tensorOp("aten::stft.center") { c in
            var options = Tensor.ShortTimeFourierOptions(fftLength: try c.int(1, "n_fft"), center: try c.bool(5, "center", default: true))
            (options.hopLength, options.windowLength, options.window) = try (c.optionalInt(2, "hop_length"), c.optionalInt(3, "win_length"), c.optionalTensor(4, "window"))
            options.padMode = try c.string(6, "pad_mode", default: "reflect")
            options.normalized = try c.bool(7, "normalized", default: false)
            (options.onesided, options.returnComplex, options.alignToWindow) = try (c.optionalBool(8, "onesided"), c.optionalBool(9, "return_complex"), c.optionalBool(10, "align_to_window"))
            return try c.tensor(0, "self").shortTimeFourierTransform(options)
        }
        tensorOp("aten::istft") { c in
            var options = Tensor.ShortTimeFourierOptions(fftLength: try c.int(1, "n_fft"), center: try c.bool(5, "center", default: true))
            (options.hopLength, options.windowLength, options.window) = try (c.optionalInt(2, "hop_length"), c.optionalInt(3, "win_length"), c.optionalTensor(4, "window"))
            options.normalized = try c.bool(6, "normalized", default: false)
            (options.onesided, options.length) = try (c.optionalBool(7, "onesided"), c.optionalInt(8, "length"))
            options.returnComplex = try c.bool(9, "return_complex", default: false)
            return try c.tensor(0, "self").inverseShortTimeFourierTransform(options)
        }
    }

    /// The input as the transforms read it: integers and bools as float32; half precision refused, and complex
    /// inputs for the transforms of real signals.
    private static func fourierInput(_ x: Tensor, _ transform: FourierFamily) throws -> Tensor {
        guard ![.float16, .bfloat16, .complex32].contains(x.dtype) else { throw OperatorError("Unsupported dtype \(x.dtype.complexComponent.scalarTypeName)") }
        if x.dtype.isComplex {
            guard !transform.realInput else { throw OperatorError("\(transform.rawValue) expects a real input tensor, but got \(x.dtype.scalarTypeName)") }
            return x
        }
        return x.dtype.isFloatingPoint ? x : try x.to(.float32)
    }

    /// ATen's `canonicalize_fft_shape_and_dim_args` (and its c2r form): the dimensions (given, else the last
    /// len(s), else all) and each one's transform size (given, -1 or absent: the input's; for a transform with
    /// a real result, the last one absent or -1: 2·(size − 1)).
    private static func fourierShape(_ x: Tensor, sizes: [Int]?, dims: [Int]?, transform: FourierFamily) throws -> (sizes: [Int], dims: [Int]) {
        if let sizes, dims == nil, sizes.count > x.rank {
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
        if axes.isEmpty {
            guard !transform.realInput && !transform.realOutput else { throw OperatorError("\(transform.rawValue)n must transform at least one axis") }
            return ([], [])
        }
        var points = axes.enumerated().map { position, axis in
            let given = sizes?[position] ?? -1
            return given == -1 ? x.shape[axis] : given
        }
        if transform.realOutput && (sizes == nil || sizes!.last == -1) { points[points.count - 1] = 2 * (x.shape[axes.last!] - 1) }
        if let bad = points.first(where: { $0 < 1 }) { throw OperatorError("Invalid number of data points (\(bad)) specified") }
        return (points, axes)
    }
}

/// The six `torch.fft` transform families, by the direction and the kinds of their input and output.
private enum FourierFamily: String, CaseIterable {
    case fft, ifft, rfft, ihfft, irfft, hfft

    /// The name ATen's messages give the 2-D and n-D forms: `fftn` for `fft2`, `ifft2`, `fftn` and `ifftn`.
    var multidimensionalName: String { self == .ifft ? "fftn" : rawValue + "n" }
    /// Whether the input must be real (`rfft`, `ihfft`).
    var realInput: Bool { self == .rfft || self == .ihfft }
    /// Whether the result is real: the transforms of a Hermitian signal's half (`irfft`, `hfft`).
    var realOutput: Bool { self == .irfft || self == .hfft }
    /// Whether the exponent is positive (the inverse transforms; `hfft` is the forward transform of the
    /// conjugate, computed as the inverse transform with the forward scaling).
    var inverse: Bool { self == .ifft || self == .ihfft || self == .irfft }

    /// The transform of `x` over `dims`, each cut or zero-padded to `sizes`, scaled as `normalization` says.
    func apply(to x: Tensor, sizes: [Int], dims: [Int], normalization: Tensor.FourierNormalization) throws -> Tensor {
        let scale = normalization.scale(points: sizes.reduce(1, *), inverse: inverse)
        switch self {
        case .fft, .ifft:
            return try x.fourierTransform(sizes: sizes, dims: dims, inverse: inverse, scale: scale)
        case .rfft, .ihfft:
            return try x.fourierTransform(sizes: sizes, dims: dims, inverse: inverse, scale: scale, onesided: true)
        case .irfft:
            return try x.complexToRealFourierTransform(sizes: sizes, dims: dims, scale: scale)
        case .hfft:
            return try x.conjugated().complexToRealFourierTransform(sizes: sizes, dims: dims, scale: scale)
        }
    }
}
