import RealModule

/// The discrete Fourier transform of complex sequences of any length, in double precision: mixed radix (the
/// length's prime factors, each stage a DFT of that radix over the sub-transforms, as pocketfft and FFTPACK
/// recurse), and Bluestein's chirp-z algorithm for a prime length above 31, which turns it into a circular
/// convolution of power-of-two length. `inverse` uses e^(+2πi·jk/n) and does not scale.
struct ComplexSequence {
    var real: [Double]
    var imaginary: [Double]

    /// n zeros.
    init(count: Int) {
        real = [Double](repeating: 0, count: count)
        imaginary = [Double](repeating: 0, count: count)
    }

    init(real: [Double], imaginary: [Double]) {
        (self.real, self.imaginary) = (real, imaginary)
    }

    var count: Int { real.count }

    /// The transform of this sequence.
    func transformed(inverse: Bool) -> ComplexSequence {
        FourierTransform.transform(self, inverse: inverse)
    }
}

enum FourierTransform {
    /// Prime factors up to this length are transformed directly (O(p²) per stage); longer ones by Bluestein.
    static let largestDirectRadix = 31

    static func transform(_ x: ComplexSequence, inverse: Bool) -> ComplexSequence {
        let n = x.count
        guard n > 1 else { return x }
        let radix = smallestFactor(n)
        if radix == n { return radix <= largestDirectRadix ? direct(x, inverse: inverse) : bluestein(x, inverse: inverse) }
        // Decimation in time: `radix` interleaved subsequences of length m, transformed, then combined.
        let m = n / radix
        var parts: [ComplexSequence] = []
        parts.reserveCapacity(radix)
        for r in 0..<radix {
            var part = ComplexSequence(count: m)
            for j in 0..<m { (part.real[j], part.imaginary[j]) = (x.real[j * radix + r], x.imaginary[j * radix + r]) }
            parts.append(transform(part, inverse: inverse))
        }
        var result = ComplexSequence(count: n)
        let sign = inverse ? 1.0 : -1.0
        for k in 0..<n {
            var (sumReal, sumImaginary) = (0.0, 0.0)
            for r in 0..<radix {
                let (a, b) = (parts[r].real[k % m], parts[r].imaginary[k % m])
                let (c, s) = twiddle((r * k) % n, n, sign: sign)
                sumReal += a * c - b * s
                sumImaginary += a * s + b * c
            }
            (result.real[k], result.imaginary[k]) = (sumReal, sumImaginary)
        }
        return result
    }

    /// e^(sign·2πi·j/n) as (cos, sin), j reduced into [0, n) by the caller.
    static func twiddle(_ j: Int, _ n: Int, sign: Double) -> (Double, Double) {
        let angle = 2 * Double.pi * Double(j) / Double(n)
        return (Double.cos(angle), sign * Double.sin(angle))
    }

    /// The O(n²) DFT.
    private static func direct(_ x: ComplexSequence, inverse: Bool) -> ComplexSequence {
        let n = x.count
        var result = ComplexSequence(count: n)
        let sign = inverse ? 1.0 : -1.0
        for k in 0..<n {
            var (sumReal, sumImaginary) = (0.0, 0.0)
            for j in 0..<n {
                let (c, s) = twiddle((j * k) % n, n, sign: sign)
                sumReal += x.real[j] * c - x.imaginary[j] * s
                sumImaginary += x.real[j] * s + x.imaginary[j] * c
            }
            (result.real[k], result.imaginary[k]) = (sumReal, sumImaginary)
        }
        return result
    }

    /// Bluestein: X_k = w̄_k · Σ_j (x_j·w̄_j)·w_(k−j) with w_j = e^(∓πi·j²/n), the sum a circular convolution of
    /// power-of-two length M ≥ 2n − 1 done with two forward transforms and one inverse.
    private static func bluestein(_ x: ComplexSequence, inverse: Bool) -> ComplexSequence {
        let n = x.count
        var size = 1
        while size < 2 * n - 1 { size <<= 1 }
        let sign = inverse ? 1.0 : -1.0
        // chirp[j] = e^(sign·πi·j²/n); j² reduced modulo 2n keeps the angle exact.
        var chirp = ComplexSequence(count: n)
        for j in 0..<n {
            let (c, s) = twiddle((j * j) % (2 * n), 2 * n, sign: sign)
            (chirp.real[j], chirp.imaginary[j]) = (c, s)
        }
        var a = ComplexSequence(count: size), b = ComplexSequence(count: size)
        for j in 0..<n {
            // a_j = x_j · chirp_j; b_j = conj(chirp_j), mirrored for negative j.
            a.real[j] = x.real[j] * chirp.real[j] - x.imaginary[j] * chirp.imaginary[j]
            a.imaginary[j] = x.real[j] * chirp.imaginary[j] + x.imaginary[j] * chirp.real[j]
            (b.real[j], b.imaginary[j]) = (chirp.real[j], -chirp.imaginary[j])
            if j > 0 { (b.real[size - j], b.imaginary[size - j]) = (chirp.real[j], -chirp.imaginary[j]) }
        }
        let (fa, fb) = (transform(a, inverse: false), transform(b, inverse: false))
        var product = ComplexSequence(count: size)
        for k in 0..<size {
            product.real[k] = fa.real[k] * fb.real[k] - fa.imaginary[k] * fb.imaginary[k]
            product.imaginary[k] = fa.real[k] * fb.imaginary[k] + fa.imaginary[k] * fb.real[k]
        }
        let convolution = transform(product, inverse: true)
        var result = ComplexSequence(count: n)
        let scale = 1 / Double(size)
        for k in 0..<n {
            let (cr, ci) = (convolution.real[k] * scale, convolution.imaginary[k] * scale)
            result.real[k] = cr * chirp.real[k] - ci * chirp.imaginary[k]
            result.imaginary[k] = cr * chirp.imaginary[k] + ci * chirp.real[k]
        }
        return result
    }

    private static func smallestFactor(_ n: Int) -> Int {
        if n % 4 == 0 && n > 4 { return 4 }
        if n % 2 == 0 { return 2 }
        var p = 3
        while p * p <= n {
            if n % p == 0 { return p }
            p += 2
        }
        return n
    }
}

extension Tensor {
    /// How `torch.fft` scales a transform over `count` points: "backward" (the default) scales the inverse by
    /// 1/n, "forward" the forward one, "ortho" both by 1/√n.
    public enum FourierNormalization: String, Sendable {
        case backward, forward, ortho

        /// The mode named by `name` (nil: "backward"); throws ATen's error for another name.
        public init(_ name: String?) throws {
            guard let mode = FourierNormalization(rawValue: name ?? "backward") else {
                throw TensorError("Invalid normalization mode: \"\(name!)\"")
            }
            self = mode
        }

        /// The factor a transform over `points` signal points (the product of the transformed sizes) is
        /// multiplied by, in direction `inverse`.
        public func scale(points: Int, inverse: Bool) -> Double {
            switch self {
            case .backward: inverse ? 1 / Double(points) : 1
            case .forward: inverse ? 1 : 1 / Double(points)
            case .ortho: 1 / Double(points).squareRoot()
            }
        }
    }

    /// The discrete Fourier transform over `dims` (`torch.fft.fftn` and its relatives, ATen's `_fft_c2c` and
    /// `_fft_r2c`): each dimension is first cut to its first `sizes[i]` entries or zero-padded to them, then
    /// transformed, forward (e^(−2πi·jk/n)) or `inverse`, and the result multiplied by `scale`. A real input
    /// counts as complex with zero imaginary parts (integers as float32). `onesided` keeps the first n/2 + 1
    /// entries of the last transformed dimension (what a real input's Hermitian spectrum determines). The
    /// result is complex128 for float64/complex128 inputs, complex64 otherwise; computed in double precision.
    /// No dimensions: the input converted to the result's dtype.
    public func fourierTransform(sizes: [Int], dims: [Int], inverse: Bool, scale: Double, onesided: Bool = false) throws -> Tensor {
        try checkFourierArguments(sizes: sizes, dims: dims)
        if dims.isEmpty { return try converted(to: fourierResultDType(complex: true)).clone() }
        var signal = try FourierSignal(self)
        for (dim, points) in zip(dims, sizes) { signal.transform(dim: dim, points: points, inverse: inverse) }
        var result = try signal.tensor(scale: scale, dtype: fourierResultDType(complex: true))
        if onesided, let last = dims.last { result = try result.narrow(dim: last, start: 0, length: sizes[sizes.count - 1] / 2 + 1).contiguous() }
        return result
    }

    /// The complex-to-real transform (`torch.fft.irfftn`, ATen's `_fft_c2r`): inverse complex transforms over
    /// `dims` but the last, then the inverse transform of the Hermitian signal whose first half the last
    /// dimension holds, giving `sizes.last` real points (the input's last dimension cut or zero-padded to
    /// sizes.last/2 + 1; the imaginary parts of its zero and Nyquist entries do not count). The other
    /// dimensions are cut or zero-padded to their `sizes`; the result is multiplied by `scale`. Real inputs
    /// count as complex with zero imaginary parts. float64 for float64/complex128 inputs, float32 otherwise.
    public func complexToRealFourierTransform(sizes: [Int], dims: [Int], scale: Double) throws -> Tensor {
        try checkFourierArguments(sizes: sizes, dims: dims)
        guard !dims.isEmpty else { throw TensorError("the complex-to-real transform needs at least one dimension") }
        var signal = try FourierSignal(self)
        for (position, (dim, points)) in zip(dims, sizes).enumerated() {
            if position == dims.count - 1 {
                signal.transformHermitian(dim: dim, points: points)
            } else {
                signal.transform(dim: dim, points: points, inverse: true)
            }
        }
        return try signal.tensor(scale: scale, dtype: fourierResultDType(complex: false))
    }

    /// One size of at least 1 per dimension, each dimension this tensor's (wrapped) and given once.
    private func checkFourierArguments(sizes: [Int], dims: [Int]) throws {
        guard sizes.count == dims.count else { throw TensorError("FFT: \(sizes.count) sizes for \(dims.count) dimensions") }
        if let bad = dims.first(where: { $0 < 0 || $0 >= rank }) {
            throw TensorError("Dimension out of range (expected to be in range of [\(-Swift.max(rank, 1)), \(Swift.max(rank, 1) - 1)], but got \(bad))")
        }
        guard Set(dims).count == dims.count else { throw TensorError("FFT dims must be unique") }
        if let bad = sizes.first(where: { $0 < 1 }) { throw TensorError("Invalid number of data points (\(bad)) specified") }
    }

    /// The transforms' result dtype: double precision for float64/complex128 inputs, single otherwise.
    private func fourierResultDType(complex: Bool) -> DType {
        let double = dtype == .float64 || dtype == .complex128
        return complex ? (double ? .complex128 : .complex64) : (double ? .float64 : .float32)
    }
}

/// A tensor's elements as double-precision complex numbers in row-major order, transformed one dimension at
/// a time: every line along the dimension is cut or zero-padded to the transform's length, then transformed.
private struct FourierSignal {
    var real: [Double]
    var imaginary: [Double]
    var shape: [Int]

    init(_ tensor: Tensor) throws {
        shape = tensor.shape
        if tensor.dtype.isComplex {
            let parts = try tensor.to(.complex128).viewAsReal().contiguous().scalars(as: Double.self)
            real = stride(from: 0, to: parts.count, by: 2).map { parts[$0] }
            imaginary = stride(from: 1, to: parts.count, by: 2).map { parts[$0] }
        } else {
            real = try tensor.to(.float64).contiguous().scalars(as: Double.self)
            imaginary = [Double](repeating: 0, count: real.count)
        }
    }

    /// Every line along `dim`, cut or zero-padded to `points`, replaced by its transform.
    mutating func transform(dim: Int, points: Int, inverse: Bool) {
        transformLines(dim: dim, points: points) { line in
            line.transformed(inverse: inverse)
        }
    }

    /// Every line along `dim`, read as the first half (points/2 + 1 entries, cut or zero-padded) of a Hermitian
    /// signal of `points` entries, replaced by that signal's inverse transform (real).
    mutating func transformHermitian(dim: Int, points: Int) {
        let half = points / 2 + 1
        transformLines(dim: dim, points: points, reading: half) { line in
            for k in half..<Swift.max(points, half) {
                (line.real[k], line.imaginary[k]) = (line.real[points - k], -line.imaginary[points - k])
            }
            var result = line.transformed(inverse: true)
            result.imaginary = [Double](repeating: 0, count: points)
            return result
        }
    }

    /// Replaces each line along `dim` (its first `reading` entries, default `points`, zero-padded to `points`)
    /// by `body` of it; the dimension becomes `points` long.
    private mutating func transformLines(dim: Int, points: Int, reading: Int? = nil, _ body: (inout ComplexSequence) -> ComplexSequence) {
        let outer = shape[..<dim].reduce(1, *), inner = shape[(dim + 1)...].reduce(1, *), length = shape[dim]
        let read = Swift.min(length, reading ?? points)
        var nextReal = [Double](repeating: 0, count: outer * points * inner)
        var nextImaginary = nextReal
        for o in 0..<outer {
            for i in 0..<inner {
                var line = ComplexSequence(count: points)
                for k in 0..<read {
                    (line.real[k], line.imaginary[k]) = (real[(o * length + k) * inner + i], imaginary[(o * length + k) * inner + i])
                }
                let transformed = body(&line)
                for k in 0..<points {
                    nextReal[(o * points + k) * inner + i] = transformed.real[k]
                    nextImaginary[(o * points + k) * inner + i] = transformed.imaginary[k]
                }
            }
        }
        shape[dim] = points
        (real, imaginary) = (nextReal, nextImaginary)
    }

    /// The signal times `scale` as a tensor of `dtype`: complex, or real (the real parts).
    func tensor(scale: Double, dtype: DType) throws -> Tensor {
        if !dtype.isComplex { return try Tensor(shape: shape, scalars: real.map { $0 * scale }).to(dtype) }
        var interleaved = [Double](repeating: 0, count: real.count * 2)
        for i in 0..<real.count { (interleaved[2 * i], interleaved[2 * i + 1]) = (real[i] * scale, imaginary[i] * scale) }
        return try Tensor(shape: shape + [2], scalars: interleaved).viewAsComplex().to(dtype)
    }
}
