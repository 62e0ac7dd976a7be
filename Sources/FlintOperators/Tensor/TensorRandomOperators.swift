import FlintTensor
import FlintValues
import RealModule

extension OperatorDefinitions {
    /// Random tensors from libtorch's CPU generator (``CPUGenerator``): `rand`, `randn`, `randint`, `randperm`, their
    /// `_like` forms, `uniform_`, `normal_` / `normal`, `random_`, `exponential_`, `cauchy_`, `geometric_`, `log_normal_`
    /// (and their functional forms), `bernoulli`. After `torch.manual_seed(s)` (or from a fresh process's default seed)
    /// they draw libtorch's numbers; given a `torch.Generator` (``generator(_:_:)``), they draw from it instead.
    mutating func defineRandomOperators() {
        // Factories: (size, *, [generator,] dtype, ...).
        for (name, generatorIndex) in [("aten::rand", nil), ("aten::rand.generator", 1), ("aten::randn", nil), ("aten::randn.generator", 1)] as [(String, Int?)] {
            let normal = name.hasPrefix("aten::randn")
            tensorOp(name) { c in
                let generator = try Self.generator(c, generatorIndex)
                let shape = try c.ints(0, "size", single: false)
                let dtype = try c.optionalDType(generatorIndex == nil ? 1 : 2, "dtype") ?? .float32
                return normal ? try Tensor.normal(shape, mean: 0, standardDeviation: 1, dtype: dtype, generator: generator) : try Tensor.uniform(shape, from: 0, to: 1, dtype: dtype, generator: generator)
            }
        }
        for (name, generatorIndex) in [("aten::rand_like", nil), ("aten::rand_like.generator", 1), ("aten::randn_like", nil), ("aten::randn_like.generator", 1)] as [(String, Int?)] {
            let normal = name.hasPrefix("aten::randn")
            tensorOp(name) { c in
                let generator = try Self.generator(c, generatorIndex)
                let x = try c.tensor(0, "self")
                let dtype = try c.optionalDType(generatorIndex == nil ? 1 : 2, "dtype") ?? x.dtype
                return normal ? try Tensor.normal(x.shape, mean: 0, standardDeviation: 1, dtype: dtype, generator: generator) : try Tensor.uniform(x.shape, from: 0, to: 1, dtype: dtype, generator: generator)
            }
        }
        // randint([low,] high, size, *, [generator,] dtype=int64, ...).
        for (name, hasLow, generatorIndex) in [("aten::randint", false, nil), ("aten::randint.generator", false, 2), ("aten::randint.low", true, nil), ("aten::randint.low_generator", true, 3)] as [(String, Bool, Int?)] {
            tensorOp(name) { c in
                let generator = try Self.generator(c, generatorIndex)
                let first = hasLow ? 1 : 0
                let low = hasLow ? try c.int64(0, "low") : 0
                let dtypeIndex = (generatorIndex ?? (first + 1)) + 1
                return try Tensor.randomIntegers(
                    c.ints(first + 1, "size", single: false), from: low, to: c.int64(first, "high"), dtype: c.optionalDType(dtypeIndex, "dtype") ?? .int64, generator: generator)
            }
        }
        // randint_like(self, [low,] high | Tensor high, *, [generator,] dtype, ...).
        for (overload, hasLow, generatorIndex) in [("", false, nil), (".Tensor", false, nil), (".low_dtype", true, nil), (".generator", false, 2), (".Tensor_generator", false, 2), (".low_generator_dtype", true, 3)] as [(String, Bool, Int?)] {
            tensorOp("aten::randint_like" + overload) { c in
                let generator = try Self.generator(c, generatorIndex)
                let x = try c.tensor(0, "self")
                let low = hasLow ? try c.int64(1, "low") : 0
                let highIndex = hasLow ? 2 : 1
                let high: Int64
                if case .tensor(let t) = c[highIndex] {
                    guard t.rank == 0, let value = Int64(exactly: try t.item()) else {
                        throw OperatorError("high must be a scalar tensor and on CPU, holding an integer")
                    }
                    high = value
                } else {
                    high = try c.int64(highIndex, "high")
                }
                let dtypeIndex = (generatorIndex ?? highIndex) + 1
                return try Tensor.randomIntegers(x.shape, from: low, to: high, dtype: c.optionalDType(dtypeIndex, "dtype") ?? x.dtype, generator: generator)
            }
        }
        for (name, generatorIndex) in [("aten::randperm", nil), ("aten::randperm.generator", 1)] as [(String, Int?)] {
            tensorOp(name) { c in
                let generator = try Self.generator(c, generatorIndex)
                return try Tensor.randomPermutation(c.int(0, "n"), dtype: c.optionalDType(generatorIndex == nil ? 1 : 2, "dtype") ?? .int64, generator: generator)
            }
        }
        defineRandomFills()
    }

    /// The in-place fills and their functional forms, and `normal` with tensor means or deviations.
    private mutating func defineRandomFills() {
        let uniform: @Sendable (Arguments) throws -> Tensor = { c in
            let generator = try Self.generator(c, 3)
            let x = try c.tensor(0, "self")
            return try Tensor.uniform(x.shape, from: c.double(1, "from", default: 0), to: c.double(2, "to", default: 1), dtype: x.dtype, generator: generator)
        }
        let normal: @Sendable (Arguments) throws -> Tensor = { c in
            let generator = try Self.generator(c, 3)
            let x = try c.tensor(0, "self")
            return try Tensor.normal(x.shape, mean: c.double(1, "mean", default: 0), standardDeviation: c.double(2, "std", default: 1), dtype: x.dtype, generator: generator)
        }
        let random: @Sendable (Arguments, _ from: Int?, _ to: Int?) throws -> Tensor = { c, fromIndex, toIndex in
            let generatorIndex = (toIndex ?? fromIndex ?? 0) + 1
            let generator = try Self.generator(c, generatorIndex)
            let x = try c.tensor(0, "self")
            let from = try fromIndex.map { try c.int64($0, "from") } ?? 0
            if let to = try toIndex.flatMap({ try c.optionalInt($0, "to").map(Int64.init) }) {
                return try Tensor.randomIntegers(x.shape, from: from, to: to, dtype: x.dtype, generator: generator)
            }
            // No upper bound: up to the dtype's largest exactly representable integer (inclusive).
            let largest = try Self.largestRandomValue(x.dtype)
            guard from <= largest else { throw OperatorError("random_ expects 'from' to be less than 'to', but got from=\(from) >= to=\(largest)") }
            return try Tensor.randomIntegers(x.shape, from: from, range: UInt64(bitPattern: largest &- from) &+ 1, dtype: x.dtype, generator: generator)
        }
        // The distributions libtorch draws in double precision, one uniform (or normal) number per element.
        let exponential: @Sendable (Arguments) throws -> Tensor = { c in
            let generator = try Self.generator(c, 2)
            let (x, lambda) = (try c.tensor(0, "self"), try c.double(1, "lambd", default: 1))
            guard lambda > 0 else { throw OperatorError("exponential_ expects lambda > 0.0, but found lambda=\(lambda)") }
            return try Tensor.sampled(x.shape, dtype: Self.floatingDType(x, "exponential"), generator: generator) { -1 / lambda * Double.log(onePlus: -$0.uniform()) }
        }
        let cauchy: @Sendable (Arguments) throws -> Tensor = { c in
            let generator = try Self.generator(c, 3)
            let (x, median, sigma) = (try c.tensor(0, "self"), try c.double(1, "median", default: 0), try c.double(2, "sigma", default: 1))
            guard sigma > 0 else { throw OperatorError("cauchy_ expects sigma > 0.0, but found sigma=\(sigma)") }
            return try Tensor.sampled(x.shape, dtype: Self.floatingDType(x, "cauchy"), generator: generator) {
                RandomDraws.affine(Double.tan(Double.pi * ($0.uniform() - 0.5)), times: sigma, plus: median)
            }
        }
        let geometric: @Sendable (Arguments) throws -> Tensor = { c in
            let generator = try Self.generator(c, 2)
            let (x, p) = (try c.tensor(0, "self"), try c.double(1, "p"))
            guard p > 0 && p < 1 else { throw OperatorError("geometric_ expects p to be in (0, 1), but got p=\(p)") }
            return try Tensor.sampled(x.shape, dtype: x.dtype, generator: generator) { (Double.log($0.uniform()) / Double.log(onePlus: -p)).rounded(.up) }
        }
        let logNormal: @Sendable (Arguments) throws -> Tensor = { c in
            let generator = try Self.generator(c, 3)
            let (x, mean, std) = (try c.tensor(0, "self"), try c.double(1, "mean", default: 1), try c.double(2, "std", default: 2))
            guard std > 0 else { throw OperatorError("log_normal_ expects std > 0.0, but found std=\(std)") }
            return try Tensor.sampled(x.shape, dtype: Self.floatingDType(x, "log_normal"), generator: generator) { Double.exp($0.normal(mean: mean, standardDeviation: std)) }
        }
        let forms: [(name: String, draw: @Sendable (Arguments) throws -> Tensor)] = [
            ("uniform", uniform), ("normal_functional", normal), ("random.from", { try random($0, 1, 2) }), ("random.to", { try random($0, nil, 1) }),
            ("random", { try random($0, nil, nil) }), ("exponential", exponential), ("cauchy", cauchy), ("geometric", geometric),
            ("log_normal", logNormal),
        ]
        for (name, draw) in forms {
            tensorOp("aten::" + name, draw)
            let inPlace = name == "normal_functional" ? "normal_" : Self.inPlaceName(name)
            define("aten::" + inPlace) { c in
                let target = try c.tensor(0, "self")
                try target.copy(from: draw(c))
                return .tensor(target)
            }
        }
        // bernoulli: one probability for every element, or each element's own (self's values, or a tensor p).
        define("aten::bernoulli_.float") { c in
            let generator = try Self.generator(c, 2)
            let target = try c.tensor(0, "self")
            try target.copy(from: Tensor.bernoulli(target.shape, probability: c.double(1, "p", default: 0.5), dtype: target.dtype, generator: generator))
            return .tensor(target)
        }
        define("aten::bernoulli_.Tensor") { c in
            let generator = try Self.generator(c, 2)
            let (target, p) = (try c.tensor(0, "self"), try c.tensor(1, "p"))
            try target.copy(from: Tensor.bernoulli(probabilities: p.expand(target.shape).contiguous(), dtype: target.dtype, generator: generator))
            return .tensor(target)
        }
        tensorOp("aten::bernoulli.p") { c in
            let generator = try Self.generator(c, 2)
            let x = try c.tensor(0, "self")
            return try Tensor.bernoulli(x.shape, probability: c.double(1, "p", default: 0.5), dtype: x.dtype, generator: generator)
        }
        tensorOp("aten::bernoulli") { c in
            let generator = try Self.generator(c, 1)
            let x = try c.tensor(0, "self")
            return try Tensor.bernoulli(probabilities: x, dtype: x.dtype, generator: generator)
        }
        tensorOp("aten::bernoulli.Tensor") { c in
            let generator = try Self.generator(c, 2)
            let (x, p) = (try c.tensor(0, "self"), try c.tensor(1, "p"))
            return try Tensor.bernoulli(probabilities: p.expand(x.shape).contiguous(), dtype: x.dtype, generator: generator)
        }
        // normal with a tensor mean and/or deviation: standard normals (of their broadcast shape), scaled and shifted.
        let (multiply, add) = (declared("aten::mul.Tensor"), declared("aten::add.Tensor"))
        for overload in ["Tensor_float", "float_Tensor", "Tensor_Tensor"] {
            tensorOp("aten::normal.\(overload)") { c in
                let generator = try Self.generator(c, 2)
                let (mean, deviation) = (c[0], c[1])
                if overload.hasPrefix("Tensor") { _ = try c.tensor(0, "mean") } else { _ = try c.double(0, "mean") }
                if overload.hasSuffix("Tensor") { _ = try c.tensor(1, "std") } else { _ = try c.double(1, "std") }
                let shapes = [mean, deviation].compactMap(\.tensor).map(\.shape)
                let shape = try shapes.dropFirst().reduce(shapes[0]) { try Tensor.broadcastShape($0, $1) }
                let dtype = try [mean, deviation].compactMap(\.tensor).first!.dtype
                if let std = deviation.tensor, try std.to(.float64).contiguous().scalars(as: Double.self).contains(where: { $0 < 0 }) {
                    throw OperatorError("normal expects all elements of std >= 0.0")
                }
                if case .double(let std) = deviation, std < 0 { throw OperatorError("normal expects std >= 0.0, but found std \(std)") }
                let standard = try Tensor.normal(shape, mean: 0, standardDeviation: overload == "Tensor_float" ? c.double(1, "std") : 1, dtype: dtype, generator: generator)
                let scaled = overload == "Tensor_float" ? ScriptValue.tensor(standard) : try multiply(Arguments([.tensor(standard), deviation]))
                guard case .tensor(let result) = try add(Arguments([scaled, mean, .int(1)])) else { throw OperatorError("normal: no result") }
                return result
            }
        }
        tensorOp("aten::normal.float_float") { c in
            let generator = try Self.generator(c, 3)
            return try Tensor.normal(
                c.ints(2, "size", single: false), mean: c.double(0, "mean"), standardDeviation: c.double(1, "std"), dtype: c.optionalDType(4, "dtype") ?? .float32, generator: generator)
        }
    }

    /// A floating tensor's dtype; a distribution of real numbers refuses integers, as its kernel does.
    fileprivate static func floatingDType(_ x: Tensor, _ name: String) throws -> DType {
        guard x.dtype.isFloatingPoint else { throw OperatorError("\"\(name)_cpu\" not implemented for '\(x.dtype.scalarTypeName)'") }
        return x.dtype
    }

    /// The largest value `random_()` draws for a dtype: 2^digits for floats (the end of their exactly representable
    /// run of integers), the type's largest value for integers, 1 for bool.
    fileprivate static func largestRandomValue(_ dtype: DType) throws -> Int64 {
        switch dtype {
        case .float32: return 1 << 24
        case .float64: return 1 << 53
        case .float16: return 1 << 11
        case .bfloat16: return 1 << 8
        case .bool: return 1
        case .uint8: return 255
        case .int8: return 127
        case .int16: return 32767
        case .int32: return (1 << 31) - 1
        case .int64: return .max
        default: throw OperatorError("\"random_\" not implemented for '\(dtype.scalarTypeName)'")
        }
    }
}

/// Which operators draw from the random generator: their results differ from call to call, so the graph layer
/// never folds them and takes none as fixed by the signature. The one list of them.
package enum RandomOperators {
    private static let words = [
        "rand", "normal", "bernoulli", "multinomial", "poisson", "dropout", "uniform", "exponential", "cauchy", "geometric",
        "log_normal", "rrelu", "binomial", "_standard_gamma", "_sample_dirichlet",
    ]

    /// Whether the operator (`aten::randn`, `aten::dropout_`, ...) may draw from the generator.
    package static func draws(_ operation: String) -> Bool {
        let name = operation.split(separator: "::").last.map(String.init) ?? operation
        return words.contains { name.contains($0) }
    }
}
