import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Statistics as ATen composes them: `cov`, `corrcoef`, `quantile` / `nanquantile` (both overloads), `nanmedian`,
    /// `mode`, the counting ops `histc` and `bincount` (FlintTensor's `Histograms.swift`), `gradient` and `segment_reduce`.
    mutating func defineStatisticsOperators() {
        // torch.gradient, in each of its overloads (spacing: none, a scalar, scalars, or coordinate tensors; dim: an int,
        // ints, or every dimension).
        let gradientOverloads: [(String, Int?, @Sendable (Arguments) throws -> Tensor.GradientSpacing?, @Sendable (Arguments) throws -> [Int]?)] = [
            ("scalarint", 1, { try $0.optionalScalar(1, "spacing").map { .steps([$0]) } }, { try $0.optionalInt(2, "dim").map { [$0] } }),
            ("scalararray", 1, { .steps([try $0.scalar(1, "spacing")]) }, { try $0.ints(2, "dim") }),
            ("array", nil, { _ in nil }, { try $0.ints(1, "dim") }),
            ("scalarrayint", 1, { .steps(try $0.scalars(1, "spacing")) }, { try $0.optionalInt(2, "dim").map { [$0] } }),
            ("scalarrayarray", 1, { .steps(try $0.scalars(1, "spacing")) }, { try $0.ints(2, "dim") }),
            ("tensorarrayint", 1, { .coordinates(try $0.tensors(1, "spacing")) }, { try $0.optionalInt(2, "dim").map { [$0] } }),
            ("tensorarray", 1, { .coordinates(try $0.tensors(1, "spacing")) }, { try $0.ints(2, "dim") }),
        ]
        tensorOp("aten::segment_reduce") { c in
            try c.tensor(0, "data").segmentReduce(
                c.string(1, "reduce"), lengths: c.optionalTensor(2, "lengths"), offsets: c.optionalTensor(4, "offsets"),
                byIndices: c.optionalTensor(3, "indices") != nil, axis: c.int(5, "axis", default: 0),
                unsafe: c.bool(6, "unsafe", default: false), initial: c.optionalDouble(7, "initial"))
        }
        for (overload, spacingIndex, spacing, dims) in gradientOverloads {
            define("aten::gradient.\(overload)") { c in
                let edgeOrder = try c.int(spacingIndex == nil ? 2 : 3, "edge_order", default: 1)
                return TensorOperatorSupport.list(try c.tensor(0, "self").gradient(spacing: spacing(c), dims: dims(c), edgeOrder: edgeOrder))
            }
        }

        tensorOp("aten::cov") { c in
            try Self.covariance(
                c.tensor(0, "self"), correction: c.int(1, "correction", default: 1), frequencyWeights: c.optionalTensor(2, "fweights"),
                observationWeights: c.optionalTensor(3, "aweights"))
        }
        // The covariance divided by the outer product of the standard deviations, clipped to [-1, 1].
        tensorOp("aten::corrcoef") { c in
            let x = try c.tensor(0, "self")
            guard x.rank <= 2 else {
                throw OperatorError("corrcoef(): expected input to have two or fewer dimensions but got an input with \(x.rank) dimensions")
            }
            let covariance = try Self.covariance(x, correction: 1, frequencyWeights: nil, observationWeights: nil)
            if covariance.rank == 0 { return try covariance.div(covariance) }
            let deviation = try covariance.diagonal(0, 1).sqrt()
            let scaled = try covariance.div(deviation.reshape([-1, 1])).div(deviation.reshape([1, -1]))
            return try scaled.clamp(min: .int(-1), max: .int(1))
        }
        for (name, ignoreNaN) in [("quantile", false), ("nanquantile", true)] {
            tensorOp("aten::\(name)") { c in
                try Self.quantile(c, q: c.tensor(1, "q"), ignoreNaN: ignoreNaN, name: name)
            }
            tensorOp("aten::\(name).scalar") { c in
                let q = try c.double(1, "q")
                guard q >= 0 && q <= 1 else { throw OperatorError("\(name)() q must be in the range [0, 1] but got \(q)") }
                let input = try c.tensor(0, "self")
                return try Self.quantile(c, q: Tensor.full([], value: q, dtype: input.dtype.isFloatingPoint ? input.dtype : .float32), ignoreNaN: ignoreNaN, name: name)
            }
        }
        tensorOp("aten::nanmedian") { try $0.tensor(0, "self").nanMedian() }
        define("aten::nanmedian.dim") { c in
            let (values, indices) = try c.tensor(0, "self").nanMedian(dim: c.int(1, "dim"), keepDim: c.bool(2, "keepdim", default: false))
            return .tuple([.tensor(values), .tensor(indices)])
        }
        define("aten::mode") { c in
            let (values, indices) = try Self.mode(c.tensor(0, "self"), dim: c.int(1, "dim", default: -1), keepDim: c.bool(2, "keepdim", default: false))
            return .tuple([.tensor(values), .tensor(indices)])
        }
        tensorOp("aten::histc") { c in
            try c.tensor(0, "self").histogramCounts(bins: c.int(1, "bins", default: 100), min: c.double(2, "min", default: 0), max: c.double(3, "max", default: 0))
        }
        // histogram: self flattened as one-dimensional points; histogramdd: self's last dimension the coordinates.
        define("aten::histogram.bin_ct") { c in
            let x = try c.tensor(0, "self")
            let r = try x.reshape([-1, 1]).histogramDD(bins: [.count(c.int(1, "bins", default: 100))], range: c.optionalDoubles(2, "range"),
                                                       weight: c.optionalTensor(3, "weight").map { try $0.reshape([-1]) }, density: c.bool(4, "density", default: false))
            return .tuple([.tensor(r.histogram), .tensor(r.edges[0])])
        }
        define("aten::histogram.bins_tensor") { c in
            let x = try c.tensor(0, "self")
            let r = try x.reshape([-1, 1]).histogramDD(bins: [.edges(c.tensor(1, "bins"))], range: nil,
                                                       weight: c.optionalTensor(2, "weight").map { try $0.reshape([-1]) }, density: c.bool(3, "density", default: false))
            return .tuple([.tensor(r.histogram), .tensor(r.edges[0])])
        }
        for overload in ["", ".int_bins", ".TensorList_bins"] {
            define("aten::histogramdd\(overload)") { c in
                let x = try c.tensor(0, "self")
                let dims = x.rank >= 1 ? x.shape[x.rank - 1] : 0
                let bins: [Tensor.HistogramBins] = switch overload {
                case ".int_bins": Array(repeating: .count(try c.int(1, "bins")), count: dims)
                case ".TensorList_bins": try c.tensors(1, "bins").map { .edges($0) }
                default: try c.ints(1, "bins", single: false).map { .count($0) }
                }
                // A list of counts is checked against the dimensions by this overload itself, with its own message.
                if overload.isEmpty, bins.count != dims {
                    throw OperatorError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
                }
                let r = try x.histogramDD(bins: bins, range: c.optionalDoubles(2, "range"), weight: c.optionalTensor(3, "weight"), density: c.bool(4, "density", default: false))
                return .tuple([.tensor(r.histogram), TensorOperatorSupport.list(r.edges)])
            }
        }
        tensorOp("aten::bincount") { c in
            try c.tensor(0, "self").binCounts(weights: c.optionalTensor(1, "weights"), minimumLength: c.int(2, "minlength", default: 0))
        }
    }

    /// `torch.cov`: rows are variables, columns observations (a 1-D input is one variable); frequency weights
    /// (integral) and observation weights (floating) multiply; the divisor is Σw − correction (Σw·a / Σw with
    /// observation weights), 0 when that is not positive (as ATen, which warns). The result is squeezed.
    private static func covariance(_ input: Tensor, correction: Int, frequencyWeights: Tensor?, observationWeights: Tensor?) throws -> Tensor {
        guard input.rank <= 2 else {
            throw OperatorError("cov(): expected input to have two or fewer dimensions but got an input with \(input.rank) dimensions")
        }
        guard input.dtype != .bool else { throw OperatorError("cov(): bool dtype is not supported for input") }
        let x = input.rank < 2 ? try input.reshape([1, -1]) : input
        let observations = x.shape[1]
        var weights: Tensor?
        if let f = frequencyWeights {
            weights = try checkedWeights(f, name: "fweights", kind: "integral", observations: observations, kindMatches: f.dtype.isIntegral)
        }
        if let a = observationWeights {
            let checked = try checkedWeights(a, name: "aweights", kind: "floating point", observations: observations, kindMatches: a.dtype.isFloatingPoint)
            weights = try weights.map { try $0.mul(checked) } ?? checked
        }
        let weightSum = try weights.map { try $0.sum() } ?? Tensor(scalar: Int64(observations))
        if weights != nil, try weightSum.item() == 0 {
            throw OperatorError("cov(): weights sum to zero, can't be normalized")
        }
        let average = try (weights.map { try x.mul($0) } ?? x).sum(dims: [1]).div(weightSum)
        var divisor: Tensor
        if let weights, let a = observationWeights, correction != 0 {
            let adjustment = try Tensor.binary(Mul(), .tensor(weights.mul(a).sum()), .scalar(.int(Int64(correction))), operation: "cov").div(weightSum)
            divisor = try weightSum.sub(adjustment)
        } else {
            divisor = try Tensor.sub(.tensor(weightSum), .scalar(.int(Int64(correction))))
        }
        if try divisor.item() <= 0 { divisor = try Tensor.binary(Mul(), .tensor(divisor), .scalar(.int(0)), operation: "cov") }
        let centered = try x.sub(average.unsqueeze(1))
        let product = try centered.mm((weights.map { try centered.mul($0) } ?? centered).transpose(0, 1))
        return try product.div(divisor).squeeze()
    }

    /// cov's checks on one weight vector (`fweights` or `aweights`): at most 1-D, of the right kind of dtype, one per
    /// observation, none negative.
    private static func checkedWeights(_ w: Tensor, name: String, kind: String, observations: Int, kindMatches: Bool) throws -> Tensor {
        guard w.rank <= 1 else {
            throw OperatorError("cov(): expected \(name) to have one or fewer dimensions but got \(name) with \(w.rank) dimensions")
        }
        guard kindMatches else {
            throw OperatorError("cov(): expected \(name) to have \(kind) dtype but got \(name) with \(w.dtype.scalarTypeName) dtype")
        }
        guard w.elementCount == observations else {
            throw OperatorError("cov(): expected \(name) to have the same numel as there are observations in the input but got \(w.elementCount) != \(observations)")
        }
        if observations > 0, try w.amin().item() < 0 { throw OperatorError("cov(): \(name) cannot be negative") }
        return w
    }

    /// ATen's `quantile` / `nanquantile`: the sorted values along `dim` (all of them when it is None) read at rank
    /// q·(n − 1), n counting the non-NaN values for `nanquantile` (a NaN makes `quantile`'s result NaN), adjusted by
    /// `interpolation` (linear, lower, higher, midpoint, nearest). A 1-D q adds a leading dimension.
    private static func quantile(_ c: Arguments, q: Tensor, ignoreNaN: Bool, name: String) throws -> Tensor {
        let input = try c.tensor(0, "self")
        let dim = try c.optionalInt(2, "dim")
        let keepDim = try c.bool(3, "keepdim", default: false)
        let interpolation = try c.string(4, "interpolation", default: "linear")
        guard input.elementCount > 0 else { throw OperatorError("\(name)() input tensor must be non-empty") }
        guard q.rank <= 1 else { throw OperatorError("\(name)() q must be a scalar or 1D tensor") }
        guard input.dtype == .float32 || input.dtype == .float64 else {
            throw OperatorError("\(name)() input tensor must be either float or double dtype")
        }
        guard input.dtype == q.dtype else { throw OperatorError("\(name)() q tensor must be same dtype as the input tensor") }
        guard ["linear", "lower", "higher", "midpoint", "nearest"].contains(interpolation) else {
            throw OperatorError("\(name)() interpolation must be one of linear, lower, higher, midpoint or nearest, but got \(interpolation)")
        }
        let qValues = try q.to(.float64).contiguous().scalars(as: Double.self)
        guard qValues.allSatisfy({ $0 >= 0 && $0 <= 1 }) else { throw OperatorError("\(name)() q values must be in the range [0, 1]") }
        // The reduced shape, and the values sorted along a last dimension of n.
        var reducedShape: [Int]
        let sorted: Tensor
        if let dim {
            let axis = try input.wrapDimension(dim)
            reducedShape = input.rank == 0 ? [] : input.shape
            if input.rank > 0 {
                if keepDim { reducedShape[axis] = 1 } else { reducedShape.remove(at: axis) }
            }
            sorted = input.rank == 0 ? try input.reshape([1]) : try input.unsqueeze(-1).transpose(axis, -1).sort(dim: -1).values
        } else {
            reducedShape = keepDim ? Array(repeating: 1, count: input.rank) : []
            sorted = try input.flatten().sort(dim: -1).values
        }
        let n = sorted.shape.last!
        let rows = try sorted.reshape([-1, n])
        let qColumn = try q.reshape([-1, 1, 1])
        var ranks: Tensor
        if ignoreNaN {
            let valid = try rows.isNaN().logicalNot().sum(dims: [1], keepDim: true)
            ranks = try qColumn.mul(Tensor.sub(.tensor(valid), .scalar(.int(1))))
            ranks = try ranks.maskedFill(Tensor.compare(Less(), .tensor(ranks), .scalar(.int(0)), operation: name), value: .int(0))
        } else {
            let hasNaN = try rows.isNaN().any(dims: [1], keepDim: true)
            let scaled = try Tensor.binary(Mul(), .tensor(qColumn), .scalar(.int(Int64(n - 1))), operation: name)
            let shape = try Tensor.broadcastShape(scaled.shape, hasNaN.shape)
            ranks = try scaled.expand(shape).maskedFill(hasNaN.expand(shape), value: .int(Int64(n - 1)))
        }
        switch interpolation {
        case "lower": ranks = try ranks.floor()
        case "higher": ranks = try ranks.ceil()
        case "nearest": ranks = try ranks.round()
        default: break
        }
        let expandedRows = try rows.unsqueeze(0).expand([qValues.count, rows.shape[0], n])
        let below = try ranks.to(.int64)
        var values = try expandedRows.gather(dim: 2, index: below)
        if interpolation == "linear" || interpolation == "midpoint" {
            let weights = interpolation == "midpoint" ? try Tensor.full(ranks.shape, value: 0.5, dtype: ranks.dtype) : try ranks.sub(below)
            let above = try expandedRows.gather(dim: 2, index: ranks.ceil().to(.int64))
            values = try Tensor.lerp(values, above, weight: .tensor(weights))
        }
        let leading = q.rank == 0 ? [] : [qValues.count]
        return try values.reshape(leading + reducedShape)
    }

    /// `torch.mode` along `dim`: the most frequent value of each row (the smallest among equally frequent ones) and
    /// the index of its last occurrence, as ATen's CPU kernel finds them in the sorted row.
    private static func mode(_ x: Tensor, dim: Int, keepDim: Bool) throws -> (Tensor, Tensor) {
        let axis = try x.wrapDimension(dim)
        let length = x.rank == 0 ? 1 : x.shape[axis]
        guard length > 0 else { throw OperatorError("mode(): Expected reduction dim \(axis) to have non-zero size.") }
        let moved = x.rank == 0 ? try x.reshape([1, 1]) : try x.movedim([axis], [x.rank - 1]).reshape([-1, length])
        let rows = moved.shape[0]
        let values = try moved.to(.float64).contiguous().scalars(as: Double.self)
        var picks = [Int64](repeating: 0, count: rows)
        for row in 0..<rows {
            let slice = Array(values[(row * length)..<((row + 1) * length)])
            let order = slice.indices.sorted { slice[$0] < slice[$1] || (slice[$0] == slice[$1] && $0 < $1) }
            var (best, bestCount, run) = (order[0], 0, 0)
            for (position, index) in order.enumerated() {
                run += 1
                if position == order.count - 1 || slice[order[position + 1]] != slice[index] {
                    if run > bestCount { (best, bestCount) = (index, run) }
                    run = 0
                }
            }
            picks[row] = Int64(best)
        }
        let index = try Tensor(shape: [rows, 1], scalars: picks)
        let picked = try moved.gather(dim: 1, index: index)
        var outShape = x.rank == 0 ? [] : x.shape
        if x.rank > 0 { outShape.remove(at: axis) }
        var resultValues = try picked.reshape(outShape), resultIndices = try index.reshape(outShape)
        if keepDim && x.rank > 0 {
            resultValues = try resultValues.unsqueeze(axis)
            resultIndices = try resultIndices.unsqueeze(axis)
        }
        return (try resultValues.contiguous(), try resultIndices.contiguous())
    }
}
