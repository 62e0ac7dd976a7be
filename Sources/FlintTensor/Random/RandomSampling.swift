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
    /// The significant bits of a uniform draw for `dtype` (its mantissa digits), as `uniform_real_distribution` takes.
    private static func uniformDigits(_ dtype: DType) throws -> Int {
        switch dtype {
        case .float32: 24
        case .float64: 53
        case .float16: 11
        case .bfloat16: 8
        default: throw TensorError("\"uniform_kernel_cpu\" not implemented for '\(dtype.scalarTypeName)'")
        }
    }

    /// A tensor of `shape` uniform in [from, to).
    public static func uniform(_ shape: [Int], from: Double, to: Double, dtype: DType, generator: CPUGenerator = .default) throws -> Tensor {
        try checkAllocatable(shape, dtype: .float64)
        let digits = try uniformDigits(dtype)
        let count = shape.reduce(1, *)
        let values: [Double] = generator.locked {
            (0..<count).map { _ in
                let x = generator.unitUniform(digits: digits)
                // float: (x · (to − from) + from) in float, as the kernel's float arithmetic rounds it.
                return digits == 53 ? x * (to - from) + from : Double(Float(x) * (Float(to) - Float(from)) + Float(from))
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
                return (0..<count).map { _ in generator.normalDouble(mean: mean, standardDeviation: standardDeviation) }
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
            data[base + j] = T(Double(radius) * cos(theta) * Double(deviation) + Double(mean))
            data[base + j + 8] = T(Double(radius) * sin(theta) * Double(deviation) + Double(mean))
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

    /// A normal number (libtorch's `normal_distribution<double>`, its cached second sample included).
    package func normal(mean: Double, standardDeviation: Double) -> Double { generator.normalDouble(mean: mean, standardDeviation: standardDeviation) }
}
