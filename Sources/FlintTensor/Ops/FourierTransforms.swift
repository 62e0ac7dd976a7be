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

        func scale(points: Int, inverse: Bool) -> Double {
            switch self {
            case .backward: inverse ? 1 / Double(points) : 1
            case .forward: inverse ? 1 : 1 / Double(points)
            case .ortho: 1 / Double(points).squareRoot()
            }
        }
    }

    /// `torch.fft.irfftn` of a real tensor (the half spectrum with zero imaginary parts): inverse complex
    /// transforms over `dims` but the last, then the complex-to-real transform over the last, whose output has
    /// `sizes.last` points (the input's half spectrum cut or zero-padded to sizes.last/2 + 1). The other
    /// dimensions are cut or zero-padded to their `sizes`. `asForward` scales as the forward transform does
    /// (`hfftn` of a real input is this transform with the normalization reversed). float32 / float64 results.
    public func inverseRealFourierTransform(sizes: [Int], dims: [Int], normalization: FourierNormalization, asForward: Bool = false) throws -> Tensor {
        precondition(sizes.count == dims.count && !dims.isEmpty)
        let resultDType: DType = dtype == .float64 ? .float64 : .float32
        var spectrum = try (dtype.isFloatingPoint ? self : to(.float32)).to(.float64)
        // Cut or pad each transformed dimension to what the transform reads.
        for (position, dim) in dims.enumerated() {
            let wanted = position == dims.count - 1 ? sizes[position] / 2 + 1 : sizes[position]
            spectrum = try spectrum.resized(dim: dim, to: wanted)
        }
        var real = try spectrum.contiguous().scalars(as: Double.self)
        var imaginary = [Double](repeating: 0, count: real.count)
        var shape = spectrum.shape
        for (position, dim) in dims.enumerated() {
            let last = position == dims.count - 1
            let points = sizes[position]
            let outer = shape[..<dim].reduce(1, *), inner = shape[(dim + 1)...].reduce(1, *), length = shape[dim]
            var nextShape = shape
            nextShape[dim] = points
            var nextReal = [Double](repeating: 0, count: outer * points * inner)
            var nextImaginary = last ? [] : [Double](repeating: 0, count: nextReal.count)
            for o in 0..<outer {
                for i in 0..<inner {
                    var line = ComplexSequence(count: points)
                    for k in 0..<Swift.min(length, points) {
                        (line.real[k], line.imaginary[k]) = (real[(o * length + k) * inner + i], imaginary[(o * length + k) * inner + i])
                    }
                    if last {
                        // The Hermitian extension of the half spectrum.
                        for k in (points / 2 + 1)..<Swift.max(points, points / 2 + 1) {
                            (line.real[k], line.imaginary[k]) = (line.real[points - k], -line.imaginary[points - k])
                        }
                    }
                    let transformed = line.transformed(inverse: true)
                    for k in 0..<points {
                        nextReal[(o * points + k) * inner + i] = transformed.real[k]
                        if !last { nextImaginary[(o * points + k) * inner + i] = transformed.imaginary[k] }
                    }
                }
            }
            (real, imaginary, shape) = (nextReal, nextImaginary, nextShape)
        }
        let scale = normalization.scale(points: sizes.reduce(1, *), inverse: !asForward)
        return try Tensor(shape: shape, scalars: real.map { $0 * scale }).to(resultDType)
    }

    /// Dimension `dim` cut to its first `length` entries or padded with zeros to `length`.
    private func resized(dim: Int, to length: Int) throws -> Tensor {
        let current = shape[dim]
        if current == length { return self }
        if current > length { return try narrow(dim: dim, start: 0, length: length) }
        var padShape = shape
        padShape[dim] = length - current
        return try Tensor.cat([self, Tensor.zeros(padShape, dtype: dtype)], dim: dim)
    }
}
