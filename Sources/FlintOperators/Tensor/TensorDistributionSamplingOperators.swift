#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// libtorch's distribution samplers, drawing from ``CPUGenerator`` what its CPU kernels draw, element by element in
    /// row-major order (`cpu_serial_kernel` over a fresh contiguous result; broadcast operands expand to one shape):
    ///
    /// - `poisson`: 53-bit uniforms; below rate 10 their running product against e^−λ, from 10 on Hörmann's transformed
    ///   rejection, two uniforms a try. float, double, half, bfloat16.
    /// - `binomial`: 53-bit uniforms; p folded to ≤ 0.5, geometric inversion while count·p < 10, else BTRS (two
    ///   uniforms a try), with float arithmetic where libtorch's template computes in `scalar_t`. float, double.
    /// - `_standard_gamma`: Marsaglia–Tsang on double normals (the generator's cached Box–Muller half included) and
    ///   53-bit uniforms; α < 1 first draws a uniform for its boost. At least the dtype's smallest normal number.
    /// - `_sample_dirichlet`: double gammas as above over all elements, then each divided by its last-dimension sum
    ///   (added as libtorch's `sum` kernel adds a row: 4-lane vectors, four accumulators), clamped to [smallest normal, 1).
    /// - `multinomial`: without replacement or for one sample, an exponential(1) per probability in the input's
    ///   dtype, then argmax / top-k of p / q; with replacement, a 53-bit uniform per sample binary-searched in the row's
    ///   normalised cumulative sums (in float for float16 / bfloat16).
    /// - `normal.out`, `_no_grad_normal_`, `_no_grad_uniform_`, `prims::normal`, `prims::uniform` (drawn in the memory
    ///   order of its strides): ``Tensor/normal(_:mean:standardDeviation:dtype:generator:)`` and
    ///   ``Tensor/uniform(_:from:to:dtype:generator:)``.
    /// - `_standard_gamma_grad`, `_dirichlet_grad`: `Distributions.h`'s reparameterised gradients, with float arithmetic
    ///   and float libm calls where its templates use `scalar_t`.
    ///
    /// Where Flint departs: top-k ties (in practice zero-probability categories, drawn only when more samples are
    /// asked than a row has non-zero probabilities) come in index order, not `nth_element`'s; a Dirichlet row over
    /// 32768 elements is summed in one piece (libtorch splits it across threads); a binomial with a NaN count, which
    /// libtorch never finishes, is refused; invalid rates and probabilities are refused before any draw.
    mutating func defineDistributionSamplingOperators() {
        tensorOp("aten::poisson") { c in
            let generator = try Self.generator(c, 1)
            let rates = try c.tensor(0, "self")
            try TensorOperatorSupport.requireFloating(rates, kernel: "poisson_cpu")
            let values = try Self.doubles(rates)
            guard values.allSatisfy({ $0 >= 0 }) else { throw OperatorError("invalid Poisson rate, expected rate to be non-negative") }
            let samples = generator.draws { d in values.map { Double(d.poisson($0)) } }
            return try Tensor(shape: rates.shape, scalars: samples).to(rates.dtype)
        }
        tensorOp("aten::binomial") { c in
            let generator = try Self.generator(c, 2)
            let (count, prob) = (try c.tensor(0, "count"), try c.tensor(1, "prob"))
            for (t, name) in [(count, "count"), (prob, "prob")] where !t.dtype.isFloatingPoint {
                throw OperatorError("binomial only supports floating-point dtypes for \(name), got: \(t.dtype.scalarTypeName)")
            }
            let (shape, dtype) = try Self.kernelOperands([count, prob], kernel: "binomial_cpu")
            let (n, p) = (try Self.doubles(count.expand(shape)), try Self.doubles(prob.expand(shape)))
            if zip(n, p).contains(where: { $0.isNaN && $1 > 0 && $1 < 1 }) {
                throw OperatorError("binomial: a NaN count never ends libtorch's sampler")
            }
            let samples: [Double] = generator.draws { d in
                zip(n, p).map { dtype == .float32 ? Double(d.binomial(count: Float($0), probability: Float($1))) : d.binomial(count: $0, probability: $1) }
            }
            return try Tensor(shape: shape, scalars: samples).to(dtype)
        }
        tensorOp("aten::_standard_gamma") { c in
            let generator = try Self.generator(c, 1)
            let alpha = try c.tensor(0, "self")
            let dtype = try Self.kernelOperands([alpha], kernel: "gamma_cpu").dtype
            let values = try Self.doubles(alpha)
            let samples: [Double] = generator.draws { d in
                values.map { dtype == .float32 ? Double(atLeastNormal(d.gamma(Float($0)))) : atLeastNormal(d.gamma($0)) }
            }
            return try Tensor(shape: alpha.shape, scalars: samples).to(dtype)
        }
        tensorOp("aten::_sample_dirichlet") { c in
            let generator = try Self.generator(c, 1)
            let alpha = try c.tensor(0, "self")
            let dtype = try Self.kernelOperands([alpha], kernel: "dirichlet").dtype
            let values = try Self.doubles(alpha)
            let gammas = generator.draws { d in values.map { atLeastNormal(d.gamma($0)) } }
            let width = Swift.max(alpha.rank == 0 ? 1 : alpha.shape[alpha.rank - 1], 1)
            let (lowest, highest) = dtype == .float32
                ? (Double(Float.leastNormalMagnitude), Double(Float(1).nextDown)) : (Double.leastNormalMagnitude, Double(1).nextDown)
            var shares: [Double] = []
            shares.reserveCapacity(gammas.count)
            for start in stride(from: 0, to: gammas.count, by: width) {
                let row = Array(gammas[start..<(start + width)])
                let total = libtorchRowSum(row)
                for g in row {
                    let share = dtype == .float32 ? Double(Float(g / total)) : g / total
                    let low = lowest < share ? share : lowest
                    shares.append(low < highest ? low : highest)
                }
            }
            return try Tensor(shape: alpha.shape, scalars: shares).to(dtype)
        }
        define("aten::multinomial") { c in .tensor(try Self.multinomial(c, outDType: nil)) }
        define("aten::multinomial.out") { c in
            let out = try c.tensor(4, "out")
            try out.assign(outResult: Self.multinomial(c, outDType: out.dtype), argument: "out")
            return .tensor(out)
        }
        defineDistributionFills()
        // The reparameterised gradients: deterministic.
        tensorOp("aten::_standard_gamma_grad") { c in
            let (alpha, x) = (try c.tensor(0, "self"), try c.tensor(1, "output"))
            let (shape, dtype) = try Self.kernelOperands([alpha, x], kernel: "_standard_gamma_grad_cpu")
            let grads = try zip(Self.doubles(alpha.expand(shape)), Self.doubles(x.expand(shape))).map { standardGammaGrad($0.0, $0.1) }
            return try Tensor(shape: shape, scalars: grads).to(dtype)
        }
        tensorOp("aten::_dirichlet_grad") { c in
            let operands = [try c.tensor(0, "x"), try c.tensor(1, "alpha"), try c.tensor(2, "total")]
            let (shape, dtype) = try Self.kernelOperands(operands, kernel: "_dirichlet_grad_cpu")
            let (x, alpha, total) = try (
                Self.doubles(operands[0].expand(shape)), Self.doubles(operands[1].expand(shape)), Self.doubles(operands[2].expand(shape)))
            let grads: [Double] = x.indices.map { i in
                dtype == .float32 ? Double(dirichletGrad(Float(x[i]), Float(alpha[i]), Float(total[i]))) : dirichletGrad(x[i], alpha[i], total[i])
            }
            return try Tensor(shape: shape, scalars: grads).to(dtype)
        }
    }

    /// `normal.out` (a normal fill of self's shape and dtype), nn.init's no-grad fills and the random prims.
    private mutating func defineDistributionFills() {
        define("aten::normal.out") { c in
            let generator = try Self.generator(c, 3)
            let (x, out) = (try c.tensor(0, "self"), try c.tensor(4, "out"))
            let drawn = try Tensor.normal(x.shape, mean: c.double(1, "mean", default: 0), standardDeviation: c.double(2, "std", default: 1), dtype: x.dtype, generator: generator)
            try out.assign(outResult: drawn, argument: "out", exactDType: true)
            return .tensor(out)
        }
        for (name, normal) in [("aten::_no_grad_normal_", true), ("aten::_no_grad_uniform_", false)] {
            define(name) { c in
                let generator = try Self.generator(c, 3)
                let target = try c.tensor(0, "tensor")
                let (first, second) = (try c.double(1, normal ? "mean" : "a"), try c.double(2, normal ? "std" : "b"))
                try target.copy(from: normal
                    ? Tensor.normal(target.shape, mean: first, standardDeviation: second, dtype: target.dtype, generator: generator)
                    : Tensor.uniform(target.shape, from: first, to: second, dtype: target.dtype, generator: generator))
                return .tensor(target)
            }
        }
        tensorOp("prims::normal") { c in
            let generator = try Self.generator(c, 6)
            return try Tensor.normal(
                c.ints(0, "shape", single: false), mean: c.scalar(1, "mean").doubleValue, standardDeviation: c.scalar(2, "std").doubleValue,
                dtype: c.requiredDType(3, "dtype"), generator: generator)
        }
        // uniform_ on empty_strided(shape, stride): drawn in memory order, the largest stride's dimension outermost.
        tensorOp("prims::uniform") { c in
            let generator = try Self.generator(c, 6)
            let (shape, strides, dtype) = (try c.ints(0, "shape", single: false), try c.ints(5, "stride", single: false), try c.requiredDType(3, "dtype"))
            let result = try Self.zerosStrided(shape, strides: strides, dtype: dtype)
            let order = shape.indices.sorted { strides[$0] > strides[$1] || (strides[$0] == strides[$1] && $0 < $1) }
            var inverse = [Int](repeating: 0, count: order.count)
            for (position, dim) in order.enumerated() { inverse[dim] = position }
            let drawn = try Tensor.uniform(order.map { shape[$0] }, from: c.scalar(1, "low").doubleValue, to: c.scalar(2, "high").doubleValue, dtype: dtype, generator: generator)
            try result.copy(from: drawn.permute(inverse))
            return result
        }
    }

    /// `multinomial(self, num_samples, replacement)` with `multinomial_out`'s checks, in its order.
    private static func multinomial(_ c: Arguments, outDType: DType?) throws -> Tensor {
        let generator = try Self.generator(c, 3)
        let (probs, n, replacement) = (try c.tensor(0, "self"), try c.int(1, "num_samples"), try c.bool(2, "replacement", default: false))
        guard probs.rank == 1 || probs.rank == 2 else { throw OperatorError("prob_dist must be 1 or 2 dim") }
        guard probs.dtype.isFloatingPoint else { throw OperatorError("multinomial only supports floating-point dtypes for input, got: \(probs.dtype.scalarTypeName)") }
        if let outDType, outDType != .int64 { throw OperatorError("multinomial expects Long tensor out, got: \(outDType.scalarTypeName)") }
        guard n > 0 else { throw OperatorError("cannot sample n_sample <= 0 samples") }
        let categories = probs.shape[probs.rank - 1]
        guard replacement || n <= categories else { throw OperatorError("cannot sample n_sample > prob_dist.size(-1) samples without replacement") }
        guard categories <= 1 << 24 else { throw OperatorError("number of categories cannot exceed 2^24") }
        let rows = probs.rank == 1 ? 1 : probs.shape[0]
        let shape = probs.rank == 1 ? [n] : [rows, n]
        try Tensor.checkAllocatable(shape, dtype: .int64)
        guard rows > 0 else { return Tensor.zeros(shape, dtype: .int64) }
        let values = try doubles(probs)
        var picks: [Int64] = []
        picks.reserveCapacity(rows * n)
        if !replacement || n == 1 {
            // The exponential trick: argmax / top-k over the row of p / q, q ~ Exp(1) drawn for every element.
            guard categories > 0 else {
                throw OperatorError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.")
            }
            guard values.allSatisfy({ $0 >= 0 && $0 < .infinity }) else { throw OperatorError("probability tensor contains either `inf`, `nan` or element < 0") }
            for r in 0..<rows where values[(r * categories)..<((r + 1) * categories)].allSatisfy({ $0 == 0 }) {
                throw OperatorError("invalid multinomial distribution (sum of probabilities <= 0)")
            }
            let narrow = rounding(to: probs.dtype)
            let q = generator.draws { d in values.map { _ in narrow(-log1p(-d.uniform())) } }
            for r in 0..<rows {
                let base = r * categories
                let scores = (0..<categories).map { narrow(values[base + $0] / q[base + $0]) }
                // Largest first (NaN above everything), ties by index.
                let ranked = (0..<categories).sorted { i, j in
                    let (x, y) = (scores[i], scores[j])
                    if x.isNaN || y.isNaN { return x.isNaN && (!y.isNaN || i < j) }
                    return x > y || (x == y && i < j)
                }
                picks += ranked.prefix(n).map(Int64.init)
            }
        } else {
            try generator.draws { d in
                for r in 0..<rows {
                    let row = values[(r * categories)..<((r + 1) * categories)]
                    picks += try probs.dtype == .float64 ? cumulativeDraws(row, n, Double.self, d) : cumulativeDraws(row, n, Float.self, d)
                }
            }
        }
        return try Tensor(shape: shape, scalars: picks)
    }

    /// The operands' common shape and dtype as the kernel's TensorIterator sees them: one dtype for all, float or double.
    private static func kernelOperands(_ operands: [Tensor], kernel: String) throws -> (shape: [Int], dtype: DType) {
        let shape = try operands.dropFirst().reduce(operands[0].shape) { try Tensor.broadcastShape($0, $1.shape) }
        let dtype = operands[0].dtype
        if let other = operands.first(where: { $0.dtype != dtype }) {
            throw OperatorError("Found dtype \(other.dtype.scalarTypeName) but expected \(dtype.scalarTypeName)")
        }
        guard dtype == .float32 || dtype == .float64 else { throw TensorOperatorSupport.notImplemented(kernel, dtype) }
        return (shape, dtype)
    }


    private static func doubles(_ t: Tensor) throws -> [Double] { try t.to(.float64).contiguous().scalars(as: Double.self) }

    /// Rounding a double to `dtype`'s precision, through float as a C++ cast to half or bfloat16 goes.
    private static func rounding(to dtype: DType) -> @Sendable (Double) -> Double {
        switch dtype {
        case .float32: { Double(Float($0)) }
        case .float16: { Double(Half(Float($0)).floatValue) }
        case .bfloat16: { Double(BFloat16(Float($0)).floatValue) }
        default: { $0 }
        }
    }
}

/// multinomial with replacement for one row: cumulative sums in `T` (float, or double for double input), normalised, the
/// last set to 1; each sample the first slot whose cumulative value is not below a 53-bit uniform.
private func cumulativeDraws<T: BinaryFloatingPoint>(_ row: ArraySlice<Double>, _ n: Int, _: T.Type, _ d: RandomDraws) throws -> [Int64] {
    var (sum, cumulative): (T, [T]) = (0, [])
    for p in row {
        let value = T(p)
        guard value >= 0 else { throw OperatorError("invalid multinomial distribution (encountering probability entry < 0)") }
        guard value.isFinite else { throw OperatorError("invalid multinomial distribution (encountering probability entry = infinity or NaN)") }
        sum += value
        cumulative.append(sum)
    }
    guard sum > 0 else { throw OperatorError("invalid multinomial distribution (sum of probabilities <= 0)") }
    cumulative = cumulative.map { $0 / sum }
    cumulative[cumulative.count - 1] = 1
    return (0..<n).map { _ in
        let u = d.uniform()
        var (left, right) = (0, cumulative.count)
        while right > left {
            let middle = left + (right - left) / 2
            if Double(cumulative[middle]) < u { left = middle + 1 } else { right = middle }
        }
        return Int64(left)
    }
}

/// std::max(smallest normal, x): NaN gives the smallest normal.
private func atLeastNormal<T: BinaryFloatingPoint>(_ x: T) -> T { T.leastNormalMagnitude < x ? x : T.leastNormalMagnitude }

/// The C library's functions in `T`'s precision (`logf` for float), as libtorch's templates call them on `scalar_t`.
private func cLog<T: BinaryFloatingPoint>(_ x: T) -> T { T.self == Float.self ? T(logf(Float(x))) : T(log(Double(x))) }
private func cPow<T: BinaryFloatingPoint>(_ x: T, _ y: T) -> T { T.self == Float.self ? T(powf(Float(x), Float(y))) : T(pow(Double(x), Double(y))) }
private func cTan<T: BinaryFloatingPoint>(_ x: T) -> T { T.self == Float.self ? T(tanf(Float(x))) : T(tan(Double(x))) }

/// A contiguous double row summed as libtorch's CPU `sum` kernel adds it: rows of 4 or more as 4-lane vectors through
/// `row_sum` (four interleaved accumulators, cascading in levels), the leftover scalars first; shorter rows by the
/// scalar `row_sum`.
private func libtorchRowSum(_ row: [Double]) -> Double {
    func rowSum<V: AdditiveArithmetic>(_ size: Int, _ load: (Int) -> V) -> V {
        let (rows, levels) = (size / 4, 4)
        let power = Swift.max(4, (rows <= 2 ? 1 : Int.bitWidth - (rows - 1).leadingZeroBitCount) / levels)
        var acc = [[V]](repeating: [V](repeating: .zero, count: 4), count: levels)
        var i = 0
        while i + (1 << power) <= rows {
            for _ in 0..<(1 << power) {
                for k in 0..<4 { acc[0][k] += load(4 * i + k) }
                i += 1
            }
            for j in 1..<levels {
                for k in 0..<4 { (acc[j][k], acc[j - 1][k]) = (acc[j][k] + acc[j - 1][k], .zero) }
                if i & (((1 << power) - 1) << (j * power)) != 0 { break }
            }
        }
        for r in i..<rows { for k in 0..<4 { acc[0][k] += load(4 * r + k) } }
        for j in 1..<levels { for k in 0..<4 { acc[0][k] += acc[j][k] } }
        for tail in (rows * 4)..<size { acc[0][0] += load(tail) }
        return acc[0][1...].reduce(acc[0][0], +)
    }
    guard row.count >= 4 else { return rowSum(row.count) { row[$0] } }
    let vectors = row.count / 4
    let partial = rowSum(vectors) { (vector: Int) -> FourLanes in
        let base = 4 * vector
        return FourLanes(SIMD4<Double>(row[base], row[base + 1], row[base + 2], row[base + 3]))
    }.lanes
    var total = 0.0
    for k in (vectors * 4)..<row.count { total += row[k] }
    for lane in 0..<4 { total += partial[lane] }
    return total
}

/// Four double lanes added lane by lane, as one AVX register of libtorch's `Vectorized<double>`.
private struct FourLanes: AdditiveArithmetic {
    var lanes: SIMD4<Double>
    init(_ lanes: SIMD4<Double>) { self.lanes = lanes }
    static var zero: FourLanes { FourLanes(.zero) }
    static func + (a: FourLanes, b: FourLanes) -> FourLanes { FourLanes(a.lanes + b.lanes) }
    static func - (a: FourLanes, b: FourLanes) -> FourLanes { FourLanes(a.lanes - b.lanes) }
}

/// `digamma_one<T, double>`: the argument shifted and divided in `T`, the sums in double.
private func digammaOne<T: BinaryFloatingPoint>(_ input: T) -> T {
    var x = input
    if x == 0 { return .infinity }
    var reflection = 0.0
    if x < 0 {
        if x == x.rounded(.down) { return .infinity }
        let pi = T(Double.pi)
        reflection = Double(-pi / cTan(pi * x))
        x = 1 - x
    }
    var result = 0.0
    while x < 10 {
        result -= Double(1 / x)
        x += 1
    }
    if x == 10 { return T(result + 2.25175258906672110764 + reflection) }
    var y = 0.0
    if x < T(Float(1e17)) {
        let z = 1 / Double(x * x)
        let coefficients = [
            8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3, -4.16666666666666666667E-3,
            3.96825396825396825397E-3, -8.33333333333333333333E-3, 8.33333333333333333333E-2,
        ]
        y = z * coefficients.reduce(0) { $0 * z + $1 }
    }
    return T(result + Double(cLog(x)) - Double(0.5 / x) - y + reflection)
}

/// `standard_gamma_grad_one<T, double>`: −(∂/∂α CDF) / PDF at x of Gamma(α), in double — a Taylor series below 0.8, a
/// saddle-point expansion for α > 8, else a rational fit.
private func standardGammaGrad(_ alpha: Double, _ x: Double) -> Double {
    if x < Double(Float(0.8)) {
        var (numer, denom) = (1.0, alpha)
        var (series1, series2) = (numer / denom, numer / (denom * denom))
        for i in 1...5 {
            numer *= -x / Double(i)
            denom += 1
            series1 += numer / denom
            series2 += numer / (denom * denom)
        }
        let powXAlpha = pow(x, alpha)
        let pdf = pow(x, alpha - 1) * exp(-x)
        let cdfAlpha = (log(x) - digammaOne(alpha)) * (powXAlpha * series1) - powXAlpha * series2
        let result = -cdfAlpha / pdf
        return result.isNaN ? 0 : result
    }
    if alpha > 8 {
        if Double(Float(0.9)) * alpha <= x && x <= Double(Float(1.1)) * alpha {
            let numer1 = 1 + 24 * alpha * (1 + 12 * alpha)
            let part1 = 1440 * (alpha * alpha) + 6 * x * (53 - 120 * x)
            let numer2 = part1 - 65 * x * x / alpha + alpha * (107 + 3600 * x)
            return numer1 * numer2 / (1_244_160 * (alpha * alpha) * (alpha * alpha))
        }
        let denom = (8 * alpha).squareRoot()
        let term2 = denom / (alpha - x)
        let term3 = pow(x - alpha - alpha * log(x / alpha), -1.5)
        let term23 = x < alpha ? term2 - term3 : term2 + term3
        let term1 = log(x / alpha) * term23 - (2 / alpha).squareRoot() * (alpha + x) / ((alpha - x) * (alpha - x))
        let stirling = 1 + 1 / (12 * alpha) * (1 + 1 / (24 * alpha))
        return -stirling * (x * term1) / denom
    }
    let (u, v) = (log(x / alpha), log(alpha))
    let fit: [[Double]] = [
        [0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089, 0.0014179084],
        [0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915, -0.00058392623],
        [0.040121004, -0.0065914022, -0.0026286047, -0.0013441777, 0.017050642, -0.0021309326, 0.00085092367, -1.5247877e-07],
    ]
    let c = (0..<8).map { fit[0][$0] + u * (fit[1][$0] + u * fit[2][$0]) }
    let p = c[0] + v * (c[1] + v * (c[2] + v * c[3]))
    let q = c[4] + v * (c[5] + v * (c[6] + v * c[7]))
    return exp(p / q)
}

/// `dirichlet_grad_one<T, double>`: the scaled reparameterised gradient of Beta(α, total − α) at x, by the branch
/// libtorch picks (small-x and near-1 series in `T`, the saddle point and the rational fit in double).
private func dirichletGrad<T: BinaryFloatingPoint>(_ x: T, _ alpha: T, _ total: T) -> T {
    let beta = total - alpha
    let boundary = total * x * (1 - x)
    if x <= 0.5 && boundary < 2.5 { return betaGradAlphaSmall(x, alpha, beta) }
    if x >= 0.5 && boundary < 0.75 { return -betaGradBetaSmall(1 - x, beta, alpha) }
    let (xd, ad, td) = (Double(x), Double(alpha), Double(total))
    if alpha > 6 && beta > 6 { return T(betaGradAlphaMid(xd, ad, td - ad)) }
    let c: [[Double]] = [  // c[0] then c[1] of libtorch's table, each [i][j] row of four flattened.
        [1.003668233, -0.01061107488, -0.0657888334, 0.01201642863, 0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033,
         -0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013, 0.221950385, -0.3187676331, 0.01799915743, 0.01074823814,
         -0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057, 0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05,
         -0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565, 0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181,
         0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05],
        [1, -0.02924021934, -0.04438342661, 0.007285809825, 0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521,
         -0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149, 0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273,
         0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956, -0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05,
         0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05, 0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05,
         -0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06],
    ]
    let u = log(xd)
    let a = log(ad) - u
    let b = log(td) - a
    let (powU, powA) = ([1, u, u * u], [1, a, a * a])
    var (p, q) = (0.0, 0.0)
    for i in 0..<3 {
        for j in 0..<3 {
            let (ua, k) = (powU[i] * powA[j], 4 * (3 * i + j))
            p += ua * (c[0][k] + b * (c[0][k + 1] + b * (c[0][k + 2] + b * c[0][k + 3])))
            q += ua * (c[1][k] + b * (c[1][k + 1] + b * (c[1][k + 2] + b * c[1][k + 3])))
        }
    }
    let approx = xd * Double(digammaOne(total) - digammaOne(alpha)) / (td - ad)
    return T(p / q * approx)
}

/// `_beta_grad_alpha_small`: the Taylor expansion for x near 0, in `T`.
private func betaGradAlphaSmall<T: BinaryFloatingPoint>(_ x: T, _ alpha: T, _ beta: T) -> T {
    let factor = digammaOne(alpha) - digammaOne(alpha + beta) - cLog(x)
    var numer: T = 1
    var series = numer / alpha * (factor + 1 / alpha)
    for i in 1...10 {
        let ci = T(i)
        numer *= (ci - beta) * x / ci
        let denom = alpha + ci
        series += numer / denom * (factor + 1 / denom)
    }
    let result = x * cPow(1 - x, -beta) * series
    return result.isNaN ? 0 : result
}

/// `_beta_grad_beta_small`: the Taylor expansion in β for x near 0, in `T`.
private func betaGradBetaSmall<T: BinaryFloatingPoint>(_ x: T, _ alpha: T, _ beta: T) -> T {
    let factor = digammaOne(alpha + beta) - digammaOne(beta)
    var (numer, betas, dbetas): (T, T, T) = (1, 1, 0)
    var series = factor / alpha
    for i in 1...8 {
        let ci = T(i)
        numer *= -x / ci
        dbetas = dbetas * (beta - ci) + betas
        betas = betas * (beta - ci)
        series += numer / (alpha + ci) * (dbetas + factor * betas)
    }
    let result = -cPow(1 - x, 1 - beta) * series
    return result.isNaN ? 0 : result
}

/// `_beta_grad_alpha_mid`: the saddle-point expansion for large α and β, in double.
private func betaGradAlphaMid(_ x: Double, _ alpha: Double, _ beta: Double) -> Double {
    let total = alpha + beta
    let mean = alpha / total
    let std = (alpha * beta / (total + 1)).squareRoot() / total
    let beta2 = beta * beta
    if mean - 0.1 * std <= x && x <= mean + 0.1 * std {
        let inner4 = 8 * (1 - x) * (135 * beta - 11)
        let inner3 = (453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * inner4
        let inner2 = 3 * (59 + 180 * beta - 90 * x) * beta2 + alpha * inner3
        let inner1 = (43 + 20 * (16 + 27 * beta) * x) * beta2 * beta + alpha * inner2
        let poly = 47 * x * beta2 * beta2 + alpha * inner1
        let prefactorNum = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
        let prefactorDen = 12960 * alpha * alpha * alpha * beta * beta * (1 + 12 * total)
        return prefactorNum / (1 - x) * poly / prefactorDen
    }
    let prefactor = -x / (2 * alpha * beta / total).squareRoot()
    let stirlingAlpha = 1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha)
    let stirlingBeta = 1 + 1 / (12 * beta) + 1 / (288 * beta * beta)
    let stirling = stirlingAlpha * stirlingBeta / (1 + 1 / (12 * total) + 1 / (288 * total * total))
    let term1Num = 2 * (alpha * alpha) * (x - 1) + alpha * beta * (x - 1) - x * beta2
    let axbx = alpha * (x - 1) + beta * x
    let term1 = term1Num / ((2 * alpha / beta).squareRoot() * pow(total, 1.5) * axbx * axbx)
    let term2 = 0.5 * log(alpha / (total * x))
    let term3 = (8 * alpha * beta / total).squareRoot() / (beta * x + alpha * (x - 1))
    let term4 = pow(beta * log(beta / (total * (1 - x))) + alpha * log(alpha / (total * x)), -1.5)
    return stirling * prefactor * (term1 + term2 * (term3 + (x < mean ? term4 : -term4)))
}
