#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Random tensors drawn as libtorch's CPU kernels draw them from ``CPUGenerator``, element by element in row-major
/// order: `uniform_`, `normal_` (libtorch's 16-at-a-time Box–Muller fill for tensors of 16 elements or more, one
/// double sample per element below that), `random_(from, to)`, `randperm`, `bernoulli`, and the double-precision
/// distributions (`exponential_`, ...).
///
/// Where the numbers can differ from libtorch's: a 16-or-more-element normal fill of float16 / bfloat16 (libtorch
/// draws and computes it in the half type; Flint in float32, then rounds), libtorch builds whose CPU capability is
/// AVX2 (their float32 normal fill is vectorised, with its own approximations: within float32 rounding of these),
/// and in-place fills into non-contiguous tensors (libtorch draws in memory order, Flint in row-major order).
extension Tensor {
    /// A tensor of `shape` uniform in [from, to), as libtorch's `uniform_kernel` makes it: a uniform number in the
    /// kernel's arithmetic type (53 bits for double; 24 for float, half and bfloat16, whose arithmetic is float), then
    /// x · (to − from) + from as one fused multiply-add (the kernel's compiled form on x86-64 builds with FMA), rounded
    /// to `dtype`; a value that rounds up to `to` becomes `from`, as the kernel clamps it.
    public static func uniform(_ shape: [Int], from: Double, to: Double, dtype: DType, generator: CPUGenerator = .default) throws -> Tensor {
        try checkAllocatable(shape, dtype: .float64)
        let narrow: (Float) -> Double
        switch dtype {
        case .float64, .float32: narrow = { Double($0) }
        case .float16: narrow = { Double(Half($0).floatValue) }
        case .bfloat16: narrow = { Double(BFloat16($0).floatValue) }
        default: throw TensorError("\"uniform_kernel_cpu\" not implemented for '\(dtype.scalarTypeName)'")
        }
        let count = shape.reduce(1, *)
        let values: [Double] = generator.locked {
            (0..<count).map { _ in
                if dtype == .float64 {
                    let value = RandomDraws.affine(generator.unitUniform(digits: 53), times: to - from, plus: from)
                    return value == to ? from : value
                }
                let (low, high) = (Float(from), Float(to))
                let value = narrow(RandomDraws.affine(Float(generator.unitUniform(digits: 24)), times: high - low, plus: low))
                return value == narrow(high) ? narrow(low) : value
            }
        }
        return try Tensor(shape: shape, scalars: values).to(dtype)
    }

    /// A tensor of `shape` normal with `mean` and `standardDeviation`.
    public static func normal(
        _ shape: [Int], mean: Double, standardDeviation: Double, dtype: DType, generator: CPUGenerator = .default
    ) throws -> Tensor {
        try checkAllocatable(shape, dtype: .float64)
        guard dtype.isFloatingPoint else { throw TensorError("\"normal_kernel_cpu\" not implemented for '\(dtype.scalarTypeName)'") }
        guard standardDeviation >= 0 else { throw TensorError("normal expects std >= 0.0, but found std \(standardDeviation)") }
        let count = shape.reduce(1, *)
        let values: [Double] = generator.locked {
            guard count >= 16 else {
                return (0..<count).map { _ in RandomDraws(generator: generator).normal(mean: mean, standardDeviation: standardDeviation) }
            }
            return dtype == .float64
                ? normalFill(count, mean: mean, deviation: standardDeviation, generator: generator)
                : normalFill(count, mean: Float(mean), deviation: Float(standardDeviation), generator: generator).map(Double.init)
        }
        return try Tensor(shape: shape, scalars: values).to(dtype)
    }

    /// A tensor of `shape` whose elements are `draw`'s values in order, each made from the generator as libtorch's
    /// double-precision distributions make them (`exponential_`, `cauchy_`, `geometric_`, `log_normal_`), then
    /// rounded to `dtype`.
    package static func sampled(_ shape: [Int], dtype: DType, generator: CPUGenerator = .default, _ draw: (RandomDraws) -> Double) throws -> Tensor {
        try checkAllocatable(shape, dtype: .float64)
        let count = shape.reduce(1, *)
        let values: [Double] = generator.locked { (0..<count).map { _ in draw(RandomDraws(generator: generator)) } }
        return try Tensor(shape: shape, scalars: values).to(dtype)
    }

    /// Bernoulli draws (1 with probability `p`, else 0) of `shape`: a 53-bit uniform per element below `p`, as
    /// `bernoulli_(p)` draws.
    public static func bernoulli(_ shape: [Int], probability p: Double, dtype: DType, generator: CPUGenerator = .default) throws -> Tensor {
        guard p >= 0 && p <= 1 else { throw TensorError("bernoulli_ expects p to be in [0, 1], but got p=\(p)") }
        return try sampled(shape, dtype: dtype, generator: generator) { $0.uniform() < p ? 1 : 0 }
    }

    /// Bernoulli draws with each element's own probability (`bernoulli(p)`, `bernoulli_(p_tensor)`): a uniform
    /// number in the probabilities' precision (24 bits for float, 53 for double) per element, compared with it.
    public static func bernoulli(probabilities: Tensor, dtype: DType, generator: CPUGenerator = .default) throws -> Tensor {
        guard probabilities.dtype.isFloatingPoint else {
            throw TensorError("bernoulli: expected a floating-point probability tensor, got \(probabilities.dtype.scalarTypeName)")
        }
        let values = try probabilities.to(.float64).contiguous().scalars(as: Double.self)
        guard values.allSatisfy({ $0 >= 0 && $0 <= 1 }) else { throw TensorError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.") }
        let digits = probabilities.dtype == .float64 ? 53 : 24
        let draws: [Double] = generator.locked { values.map { p in generator.unitUniform(digits: digits) < p ? 1 : 0 } }
        return try Tensor(shape: probabilities.shape, scalars: draws).to(dtype)
    }

    /// Dropout in training as libtorch's `_dropout_impl` draws it: noise of Bernoulli(1 − p) draws (one per element, or
    /// per (sample, channel) with `featureWise`), scaled by 1 / (1 − p) and multiplied in; alpha dropout keeps the
    /// SELU statistics with its affine correction. p = 1 zeroes everything.
    public func trainingDropout(p: Double, featureWise: Bool, alpha: Bool, generator: CPUGenerator = .default) throws -> Tensor {
        guard p >= 0 && p <= 1 else { throw TensorError("dropout probability has to be between 0 and 1, but got \(p)") }
        if featureWise && rank < 2 {
            throw TensorError("Feature dropout requires at least 2 dimensions in the input")
        }
        if p == 1 { return try mul(Tensor.zeros([], dtype: dtype)) }
        let noiseShape = featureWise ? [shape[0], shape[1]] + Array(repeating: 1, count: rank - 2) : shape
        var noise = try Tensor.bernoulli(noiseShape, probability: 1 - p, dtype: dtype, generator: generator)
        guard alpha else {
            noise = try noise.mul(Scalar.double(1 / (1 - p)).tensor(dtype))
            return try mul(noise)
        }
        let selu = 1.7580993408473766
        let a = 1 / ((selu * selu * p + 1) * (1 - p)).squareRoot()
        // b = (noise − 1)·α·a + α·a·p, from the unscaled noise.
        let shift = try noise.add(Scalar.double(-1).tensor(dtype)).mul(Scalar.double(selu * a).tensor(dtype)).add(Scalar.double(selu * a * p).tensor(dtype))
        return try mul(noise.mul(Scalar.double(a).tensor(dtype))).add(shift)
    }

    /// A tensor of `shape` with integers uniform in [from, to) (`random_(from, to)`, `randint`).
    public static func randomIntegers(_ shape: [Int], from: Int64, to: Int64, dtype: DType, generator: CPUGenerator = .default) throws -> Tensor {
        guard from < to else { throw TensorError("random_ expects 'from' to be less than 'to', but got from=\(from) >= to=\(to)") }
        return try randomIntegers(shape, from: from, range: UInt64(bitPattern: to &- from), dtype: dtype, generator: generator)
    }

    /// A tensor of `shape` with integers uniform in [from, from + range): a 32-bit draw modulo the range, or a
    /// 64-bit one for ranges of 2³² and more.
    public static func randomIntegers(_ shape: [Int], from: Int64, range: UInt64, dtype: DType, generator: CPUGenerator = .default) throws -> Tensor {
        try checkAllocatable(shape, dtype: .int64)
        guard range > 0 else { throw TensorError("random_: the range of values is empty") }
        let count = shape.reduce(1, *)
        let values: [Int64] = generator.locked {
            (0..<count).map { _ in
                let bits = range >= 1 << 32 ? generator.next64() : UInt64(generator.next32())
                return Int64(bitPattern: bits % range) &+ from
            }
        }
        return try Tensor(shape: shape, scalars: values).to(dtype)
    }

    /// A random permutation of 0..<n (`randperm`): libtorch's Fisher–Yates from the front.
    public static func randomPermutation(_ n: Int, dtype: DType, generator: CPUGenerator = .default) throws -> Tensor {
        guard n >= 0 else { throw TensorError("n must be non-negative, got\(n)") }
        try checkAllocatable([n], dtype: .int64)
        var values = (0..<n).map(Int64.init)
        generator.locked {
            for i in 0..<Swift.max(0, n - 1) {
                let z = Int(UInt64(generator.next32()) % UInt64(n - i))
                values.swapAt(i, i + z)
            }
        }
        return try Tensor(shape: [n], scalars: values).to(dtype)
    }
}

/// libtorch's `normal_fill`: every element a uniform draw first, then Box–Muller on each block of 16 (the first
/// eight as cosines, the last eight as sines); a remainder redraws the last 16 and transforms them again.
private func normalFill<T: BinaryFloatingPoint>(_ count: Int, mean: T, deviation: T, generator: CPUGenerator) -> [T] {
    let digits = T.self == Double.self ? 53 : 24
    var data = (0..<count).map { _ in T(generator.unitUniform(digits: digits)) }
    func transform(_ base: Int) {
        for j in 0..<8 {
            let u1 = 1 - data[base + j], u2 = data[base + j + 8]
            // float: logf and sqrtf, as the kernel's float arithmetic calls them.
            let radius = T.self == Float.self ? T(sqrtf(-2 * logf(Float(u1)))) : T((-2 * log(Double(u1))).squareRoot())
            let theta = 2 * Double.pi * Double(u2)
            let (c, s) = (Double(radius) * cos(theta), Double(radius) * sin(theta))
            // double: `x * std + mean` as libtorch's kernel compiles it (``RandomDraws/affine(_:times:plus:)``).
            data[base + j] = T(T.self == Double.self ? RandomDraws.affine(c, times: Double(deviation), plus: Double(mean)) : c * Double(deviation) + Double(mean))
            data[base + j + 8] = T(T.self == Double.self ? RandomDraws.affine(s, times: Double(deviation), plus: Double(mean)) : s * Double(deviation) + Double(mean))
        }
    }
    for base in stride(from: 0, to: count - 15, by: 16) { transform(base) }
    if count % 16 != 0 {
        for i in (count - 16)..<count { data[i] = T(generator.unitUniform(digits: digits)) }
        transform(count - 16)
    }
    return data
}

extension CPUGenerator {
    /// Runs `body` with the generator to itself, drawing through ``RandomDraws``: for samplers that draw only for
    /// some elements (`rrelu` in training draws a slope for each non-positive one). `body` must not reach the
    /// generator another way (its lock is not re-entrant) nor keep the draws.
    package func draws<T>(_ body: (RandomDraws) throws -> T) rethrows -> T {
        try locked { try body(RandomDraws(generator: self)) }
    }
}

/// The draws a ``Tensor/sampled(_:dtype:generator:_:)`` closure makes from the generator it holds, valid only inside
/// that closure.
package struct RandomDraws {
    let generator: CPUGenerator

    /// A 53-bit uniform number in [0, 1).
    package func uniform() -> Double { generator.unitUniform(digits: 53) }

    /// A normal number (libtorch's `normal_distribution<double>`, its cached second sample included), scaled and
    /// shifted as libtorch's compiled `x * std + mean` is (``affine(_:times:plus:)``).
    package func normal(mean: Double, standardDeviation: Double) -> Double {
        Self.affine(generator.standardNormal(), times: standardDeviation, plus: mean)
    }

    /// x · scale + shift as libtorch's distribution kernels compute it: one fused multiply-add where its AVX2 and
    /// AVX-512 kernels run (``KernelISA/atenFusesMultiplyAdd``), a product and a sum under ATen's DEFAULT capability.
    package static func affine<T: FloatingPoint>(_ x: T, times scale: T, plus shift: T) -> T {
        KernelISA.atenFusesMultiplyAdd ? shift.addingProduct(x, scale) : x * scale + shift
    }
}

/// libtorch's samplers of `Distributions.cpp` / `Distributions.h` (`poisson`, `binomial`, `_standard_gamma`,
/// `_sample_dirichlet`), drawing what they draw: 53-bit uniforms and double normals, with `T` (float or double, the
/// tensor's `scalar_t`) where the templates compute in it.
extension RandomDraws {
    /// A Poisson sample of rate `lambda` ≥ 0 (`sample_poisson`): below 10 the number of uniforms whose running product
    /// stays above e^−λ; from 10 on Hörmann's transformed rejection, two uniforms a try. The `(int64_t)` cast goes as
    /// x86 makes it: NaN and out-of-range values (an infinite rate's) give `Int64.min`.
    package func poisson(_ lambda: Double) -> Int64 {
        if lambda == 0 { return 0 }
        if lambda < 10 {
            let limit = exp(-lambda)
            var (product, count): (Double, Int64) = (1, 0)
            while true {
                product *= uniform()
                guard product > limit else { return count }
                count += 1
            }
        }
        let (root, logLambda) = (lambda.squareRoot(), log(lambda))
        let b = 0.931 + 2.53 * root
        let a = -0.059 + 0.02483 * b
        let inverseAlpha = 1.1239 + 1.1328 / (b - 3.4)
        let vr = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = uniform() - 0.5, v = uniform()
            let us = 0.5 - abs(u)
            let floored = ((2 * a / us + b) * u + lambda + 0.43).rounded(.down)
            let k: Int64 = floored.isNaN || floored >= 0x1p63 || floored < -0x1p63 ? .min : Int64(floored)
            if us >= 0.07 && v <= vr { return k }
            if k < 0 || (us < 0.013 && v > us) { continue }
            if log(v) + log(inverseAlpha) - log(a / (us * us) + b) <= -lambda + Double(k) * logLambda - lgamma(Double(k) + 1) { return k }
        }
    }

    /// A binomial sample (`sample_binomial<T, double>`): p folded to ≤ 0.5, then geometric inversion while count·p < 10,
    /// else BTRS. A NaN count with p in (0, 1) never returns, as in libtorch: callers refuse it.
    package func binomial<T: BinaryFloatingPoint>(count: T, probability prob: T) -> T {
        if count <= 0 || prob <= 0 { return 0 }
        if prob >= 1 { return count }
        if prob <= 0.5 { return count * prob >= 10 ? btrs(count, prob) : binomialInversion(count, prob) }
        if prob > 0.5 {
            let q = T(1 - Double(prob))
            return count * q >= 10 ? count - btrs(count, q) : count - binomialInversion(count, q)
        }
        return .nan
    }

    private func binomialInversion<T: BinaryFloatingPoint>(_ count: T, _ prob: T) -> T {
        // log1p in T's precision (log1pf for float), as the template calls it on scalar_t.
        let logProb = T.self == Float.self ? Double(log1pf(-Float(prob))) : log1p(-Double(prob))
        var (geometricSum, successes): (Double, T) = (0, 0)
        while true {
            geometricSum += (log(uniform()) / logProb).rounded(.up)
            if geometricSum > Double(count) { return successes }
            successes += 1
        }
    }

    /// BTRS (Hörmann's transformed rejection with squeeze), as TensorFlow's kernel and libtorch's port of it write it.
    private func btrs<T: BinaryFloatingPoint>(_ count: T, _ prob: T) -> T {
        let deviation = Double((count * prob * (1 - prob)).squareRoot())
        let b = 1.15 + 2.53 * deviation
        let a = -0.0873 + 0.0248 * b + 0.01 * Double(prob)
        let c = Double(count * prob) + 0.5
        let vr = 0.92 - 4.2 / b
        let r = Double(prob / (1 - prob))
        let alpha = (2.83 + 5.1 / b) * deviation
        let (m, n) = (Double(((count + 1) * prob).rounded(.down)), Double(count))
        while true {
            let u = uniform() - 0.5
            var v = uniform()
            let us = 0.5 - abs(u)
            let k = T(((2 * a / us + b) * u + c).rounded(.down))
            if k < 0 || k > count { continue }
            if us >= 0.07 && v <= vr { return k }
            v = log(v * alpha / (a / (us * us) + b))
            let kd = Double(k)
            // One left-to-right sum, as libtorch adds it.
            var bound = (m + 0.5) * log((m + 1) / (r * (n - m + 1)))
            bound += Double(count + 1) * log((n - m + 1) / Double(count - k + 1))
            bound += (kd + 0.5) * log(r * Double(count - k + 1) / Double(k + 1))
            bound += Self.stirlingTail(m)
            bound += Self.stirlingTail(n - m)
            bound -= Self.stirlingTail(kd)
            bound -= Self.stirlingTail(Double(count - k))
            if v <= bound { return k }
        }
    }

    private static func stirlingTail(_ k: Double) -> Double {
        let table = [
            0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509, 0.0166446911898211,
            0.0138761288230707, 0.0118967099458917, 0.0104112652619720, 0.00925546218271273, 0.00833056343336287,
        ]
        if k > -1 && k < 10 { return table[Int(k)] }
        let square = (k + 1) * (k + 1)
        return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / square) / square) / (k + 1)
    }

    /// A standard gamma sample (`sample_gamma<T, double>`, Marsaglia–Tsang): α < 1 boosted by a uniform's power first,
    /// α and its boost in `T`, the rest in double on double normals. α = 0 gives 0; callers clamp to the smallest normal.
    package func gamma<T: BinaryFloatingPoint>(_ alphaIn: T) -> T {
        var (alpha, scale) = (alphaIn, 1.0)
        if alpha < 1 {
            if alpha == 0 { return 0 }
            scale *= pow(1 - uniform(), Double(1 / alpha))
            alpha += 1
        }
        let shape = Double(alpha - T(Float(1) / 3))
        let c = 1 / (9 * shape).squareRoot()
        while true {
            var x = 0.0, y = 0.0
            repeat {
                x = normal(mean: 0, standardDeviation: 1)
                y = 1 + c * x
            } while y <= 0
            let v = y * y * y
            let u = 1 - uniform()
            let xx = x * x
            if u < 1 - Double(Float(0.0331)) * xx * xx { return T(scale * shape * v) }
            if log(u) < 0.5 * xx + shape * (1 - v + log(v)) { return T(scale * shape * v) }
        }
    }
}
