/// `segment_reduce`: consecutive runs ("segments") along `axis` reduced to one value each, their lengths given
/// directly or as offsets, as ATen's CPU kernel computes them (in double, then rounded to the data's type):
/// `sum`, `prod`, `mean`, `max`/`amax`, `min`/`amin`; NaN wins in max and min. A reduction starts from
/// `initial` when given (so a mean divides `initial + Σ` by the count); an empty segment is `initial`, or 0 for
/// sum, 1 for prod, NaN for mean, -inf for max and +inf for min.
extension Tensor {
    /// Offsets take precedence over lengths when both are given; `byIndices` (segment ids per element) is refused
    /// as ATen refuses it.
    public func segmentReduce(
        _ reduce: String, lengths: Tensor?, offsets: Tensor?, byIndices: Bool = false, axis: Int, unsafe: Bool, initial: Double?
    ) throws -> Tensor {
        let kind: String
        switch reduce {
        case "sum", "prod", "mean": kind = reduce
        case "max", "amax": kind = "max"
        case "min", "amin": kind = "min"
        default: throw TensorError("reduce argument must be either sum, prod, mean, amax or amin, got \(reduce)")
        }
        guard dtype.isFloatingPoint else { throw TensorError("\"_segment_reduce_cpu\" not implemented for '\(dtype.scalarTypeName)'") }
        let d = try wrapDimension(axis)
        // Segment lengths as [outer, segments].
        let runs: Tensor
        if let offsets {
            let last = offsets.rank - 1
            guard last >= 0, offsets.shape[last] >= 1 else { throw TensorError("segment_reduce(): offsets must have at least one element") }
            let count = offsets.shape[last] - 1
            runs = try Tensor.sub(.tensor(offsets.narrow(dim: last, start: 1, length: count)), .tensor(offsets.narrow(dim: last, start: 0, length: count)))
        } else if let lengths {
            runs = lengths
        } else if byIndices {
            throw TensorError("segment_reduce(): indices based reduction is not supported yet.")
        } else {
            throw TensorError("segment_reduce(): Either lengths or offsets must be defined.")
        }
        guard runs.rank >= 1, d == runs.rank - 1 else {
            throw TensorError("segment_reduce(): Expected axis to be the last dimension of lengths but got \(d).")
        }
        guard Array(runs.shape.dropLast()) == Array(shape.prefix(d)) else {
            throw TensorError("segment_reduce(): Expected lengths to match data's leading dimensions \(Array(shape.prefix(d))), got \(runs.shape)")
        }
        let segments = runs.shape[d]
        let values = try runs.to(.int64).contiguous().scalars(as: Int64.self)
        guard values.allSatisfy({ $0 >= 0 }) else { throw TensorError("lengths contains negative value!") }
        let outer = shape.prefix(d).reduce(1, *)
        let inner = shape.suffix(from: d + 1).reduce(1, *)
        let size = shape[d]
        if !unsafe {
            for o in 0..<outer where values[(o * segments)..<((o + 1) * segments)].reduce(0, +) != Int64(size) {
                throw TensorError("segment_reduce(): Expected all rows of lengths along axis to sum to data.size(lengths.dim()-1) when !unsafe.")
            }
        }
        let data = try to(.float64).contiguous().scalars(as: Double.self)
        var result = [Double](repeating: 0, count: outer * segments * inner)
        for o in 0..<outer {
            var start = 0
            for s in 0..<segments {
                let length = Int(values[o * segments + s])
                for i in 0..<inner {
                    var accumulator: Double = initial ?? (kind == "prod" ? 1 : kind == "max" ? -.infinity : kind == "min" ? .infinity : 0)
                    for k in start..<Swift.min(start + length, size) {
                        let v = data[(o * size + k) * inner + i]
                        switch kind {
                        case "prod": accumulator *= v
                        case "max": accumulator = v.isNaN || accumulator.isNaN ? .nan : Swift.max(accumulator, v)
                        case "min": accumulator = v.isNaN || accumulator.isNaN ? .nan : Swift.min(accumulator, v)
                        default: accumulator += v
                        }
                    }
                    if kind == "mean" { accumulator = length > 0 ? accumulator / Double(length) : (initial ?? .nan) }
                    result[(o * segments + s) * inner + i] = accumulator
                }
                start += length
            }
        }
        var outShape = shape
        outShape[d] = segments
        return try Tensor(shape: outShape, scalars: result).to(dtype)
    }
}
