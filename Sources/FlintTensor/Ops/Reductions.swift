/// Reductions with ATen's semantics: dtype rules (integers sum to int64, `mean` needs floats), NaN
/// propagation in max/min/argmax, `correction` for var/std, empty-input rules.
extension Tensor {
    /// Sum over `dims` (all when nil or empty). Integer and bool inputs sum to int64 unless `dtype` is given.
    public func sum(dims: [Int]? = nil, keepDim: Bool = false, dtype: DType? = nil) throws -> Tensor {
        let target = dtype ?? (self.dtype.isFloatingPoint || self.dtype.isComplex ? self.dtype : .int64)
        if target.isComplex { return try to(target).reducingComponents(dims: dims) { try $0.sum(dims: $1, keepDim: keepDim) } }
        // A real `dtype` for a complex input: ATen casts first (the real parts).
        let layout = try ReductionRows(try converted(to: target), dims: dims, keepDim: keepDim)
        return try target.dispatchNumeric(FoldRows(layout: layout, kind: .sum), operation: "sum")
    }

    /// Mean over `dims`; the input (or `dtype`) must be floating point.
    public func mean(dims: [Int]? = nil, keepDim: Bool = false, dtype: DType? = nil) throws -> Tensor {
        if let quantizer, dtype == nil { return try throughReal(quantizer) { try $0.mean(dims: dims, keepDim: keepDim) } }
        let target = dtype ?? self.dtype
        guard target.isFloatingPoint || target.isComplex else {
            throw TensorError("mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: \(target.scalarTypeName)")
        }
        if target.isComplex { return try to(target).reducingComponents(dims: dims) { try $0.mean(dims: $1, keepDim: keepDim) } }
        let layout = try ReductionRows(try to(target), dims: dims, keepDim: keepDim)
        return try target.dispatchNumeric(FoldRows(layout: layout, kind: .mean), operation: "mean")
    }

    /// Largest (or smallest) value over `dims`; NaN wins. Throws for an empty reduction.
    public func amax(dims: [Int]? = nil, keepDim: Bool = false) throws -> Tensor {
        try extremum(dims: dims, keepDim: keepDim, largest: true, name: "amax").values
    }

    /// `torch.amin`: the smallest value over `dims`; NaN wins. Throws for an empty reduction.
    public func amin(dims: [Int]? = nil, keepDim: Bool = false) throws -> Tensor {
        try extremum(dims: dims, keepDim: keepDim, largest: false, name: "amin").values
    }

    /// `max(dim)`: values and the index of the first maximum (first NaN when there is one).
    public func max(dim: Int, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try extremum(dims: [dim], keepDim: keepDim, largest: true, name: "max")
    }

    /// `min(dim)`: values and the index of the first minimum (first NaN when there is one).
    public func min(dim: Int, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try extremum(dims: [dim], keepDim: keepDim, largest: false, name: "min")
    }

    /// Index of the maximum over `dim`, or over the flattened tensor when `dim` is nil.
    public func argmax(dim: Int? = nil, keepDim: Bool = false) throws -> Tensor {
        guard dtype != .bool else { throw TensorError("argmax(): does not support bool input") }
        if dim == nil, elementCount == 0 { throw TensorError("argmax(): Expected reduction dim to be specified for input.numel() == 0.") }
        let source = dim == nil ? try reshape([-1]) : self
        var result = try source.extremum(dims: dim.map { [$0] } ?? [0], keepDim: keepDim && dim != nil, largest: true, name: "argmax").indices
        if dim == nil && keepDim { result = try result.reshape(Array(repeating: 1, count: rank)) }
        return result
    }

    /// Index (int64) of the minimum over `dim`, or over the flattened tensor when `dim` is nil; throws for bool.
    public func argmin(dim: Int? = nil, keepDim: Bool = false) throws -> Tensor {
        guard dtype != .bool else { throw TensorError("argmin(): does not support bool input") }
        if dim == nil, elementCount == 0 { throw TensorError("argmin(): Expected reduction dim to be specified for input.numel() == 0.") }
        let source = dim == nil ? try reshape([-1]) : self
        var result = try source.extremum(dims: dim.map { [$0] } ?? [0], keepDim: keepDim && dim != nil, largest: false, name: "argmin").indices
        if dim == nil && keepDim { result = try result.reshape(Array(repeating: 1, count: rank)) }
        return result
    }

    /// Variance over `dims` with `correction` (1 = unbiased), as `torch.var`.
    public func variance(dims: [Int]? = nil, correction: Double = 1, keepDim: Bool = false) throws -> Tensor {
        if dtype.isComplex { return try complexVariance(dims: dims, correction: correction, keepDim: keepDim) }
        guard dtype.isFloatingPoint else {
            throw TensorError("std and var only support floating point and complex dtypes")
        }
        let layout = try ReductionRows(self, dims: dims, keepDim: keepDim)
        return try dtype.dispatchFloating(VarianceRows(layout: layout, correction: correction, squareRoot: false), operation: "var")
    }

    /// Standard deviation over `dims` with `correction`, as `torch.std`.
    public func standardDeviation(dims: [Int]? = nil, correction: Double = 1, keepDim: Bool = false) throws -> Tensor {
        if dtype.isComplex { return try complexVariance(dims: dims, correction: correction, keepDim: keepDim).sqrt() }
        guard dtype.isFloatingPoint else {
            throw TensorError("std and var only support floating point and complex dtypes")
        }
        let layout = try ReductionRows(self, dims: dims, keepDim: keepDim)
        return try dtype.dispatchFloating(VarianceRows(layout: layout, correction: correction, squareRoot: true), operation: "std")
    }

    /// The variance of complex values, Σ|z − mean|² / (n − correction): the variances of the real and imaginary
    /// parts, added (a real tensor of the component dtype).
    private func complexVariance(dims: [Int]?, correction: Double, keepDim: Bool) throws -> Tensor {
        let wrapped = try (dims.flatMap { $0.isEmpty ? nil : $0 } ?? Array(0..<rank)).map { try wrapDimension($0) }
        // A 0-dim tensor's parts get a dimension of their own to reduce.
        let parts = rank == 0 ? try viewAsReal().unsqueeze(0) : try viewAsReal()
        let reduced = rank == 0 ? [0] : wrapped
        return try parts.variance(dims: reduced, correction: correction, keepDim: keepDim && rank > 0).sum(dims: [-1])
    }

    private func extremum(dims: [Int]?, keepDim: Bool, largest: Bool, name: String) throws -> (values: Tensor, indices: Tensor) {
        let layout = try ReductionRows(self, dims: dims, keepDim: keepDim)
        guard layout.inner > 0 || layout.outer == 0 else {
            // ATen's zero_numel_check_dims names the first empty reduced dim: amax/amin as given, the
            // single-dim reductions (max, min, argmax, argmin) after wrapping.
            let empty = dims?.first { dim in
                guard let d = try? wrapDimension(dim) else { return false }
                return shape[d] == 0
            }
            if let empty {
                let printed = try name == "amax" || name == "amin" ? empty : wrapDimension(empty)
                throw TensorError("\(name)(): Expected reduction dim \(printed) to have non-zero size.")
            }
            throw TensorError("\(name)(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.")
        }
        return try dtype.dispatchNumeric(ExtremumRows(layout: layout, largest: largest), operation: name)
    }
}

/// Sum, mean or product of each row: floats accumulate in double, integers wrap in their own type.
struct FoldRows: NumericDTypeVisitor {
    enum Kind { case sum, mean, product }
    let layout: ReductionRows
    let kind: Kind

    func visitFloating<T: FloatingElement>(_ type: T.Type) throws -> Tensor {
        let result = Tensor(zeros: layout.resultShape, dtype: T.dtype)
        let out = result.baseAddress.assumingMemoryBound(to: T.self)
        for r in 0..<layout.outer {
            let row = layout.row(r, as: T.self)
            var total = kind == .product ? 1.0 : 0.0
            for i in 0..<layout.inner { total = kind == .product ? total * row[i].doubleValue : total + row[i].doubleValue }
            if kind == .mean { total /= Double(layout.inner) }
            out[r] = T(castingDouble: total)
        }
        return result
    }

    func visitInteger<T: IntegerElement>(_ type: T.Type) throws -> Tensor {
        let result = Tensor(zeros: layout.resultShape, dtype: T.dtype)
        let out = result.baseAddress.assumingMemoryBound(to: T.self)
        for r in 0..<layout.outer {
            let row = layout.row(r, as: T.self)
            var total: T = kind == .product ? 1 : 0
            for i in 0..<layout.inner { total = kind == .product ? total &* row[i] : total &+ row[i] }
            out[r] = total
        }
        return result
    }

    func visitBool() throws -> Tensor {
        throw TensorError(kind == .product ? "prod does not support dtype bool" : "sum of a bool dtype is not supported")
    }
}

private struct ExtremumRows: NumericDTypeVisitor {
    let layout: ReductionRows
    let largest: Bool

    private func run<T>(_ type: T.Type, isNaN: (T) -> Bool, better: (T, T) -> Bool) -> (Tensor, Tensor) {
        let values = Tensor(zeros: layout.resultShape, dtype: (T.self as! TensorElement.Type).dtype)
        let indices = Tensor(zeros: layout.resultShape, dtype: .int64)
        let out = values.baseAddress.assumingMemoryBound(to: T.self)
        let index = indices.baseAddress.assumingMemoryBound(to: Int64.self)
        for r in 0..<layout.outer {
            let row = layout.row(r, as: T.self)
            var best = row[0]
            var bestIndex = 0
            if !isNaN(best) {
                for i in 1..<Swift.max(layout.inner, 1) {
                    let value = row[i]
                    if isNaN(value) {
                        best = value
                        bestIndex = i
                        break
                    }
                    if better(value, best) {
                        best = value
                        bestIndex = i
                    }
                }
            }
            out[r] = best
            index[r] = Int64(bestIndex)
        }
        return (values, indices)
    }

    func visitFloating<T: FloatingElement>(_ type: T.Type) throws -> (values: Tensor, indices: Tensor) {
        let largest = self.largest
        return run(T.self, isNaN: { $0.computeValue.isNaN }) { largest ? $0.computeValue > $1.computeValue : $0.computeValue < $1.computeValue }
    }

    func visitInteger<T: IntegerElement>(_ type: T.Type) throws -> (values: Tensor, indices: Tensor) {
        let largest = self.largest
        return run(T.self, isNaN: { _ in false }) { largest ? $0 > $1 : $0 < $1 }
    }

    func visitBool() throws -> (values: Tensor, indices: Tensor) {
        let largest = self.largest
        return run(Bool.self, isNaN: { _ in false }) { largest ? ($0 && !$1) : (!$0 && $1) }
    }
}

private struct VarianceRows: FloatingDTypeVisitor {
    let layout: ReductionRows
    let correction: Double
    let squareRoot: Bool

    func visit<T: FloatingElement>(_ type: T.Type) throws -> Tensor {
        let result = Tensor(zeros: layout.resultShape, dtype: T.dtype)
        let out = result.baseAddress.assumingMemoryBound(to: T.self)
        for r in 0..<layout.outer {
            let row = layout.row(r, as: T.self)
            var mean = 0.0
            for i in 0..<layout.inner { mean += row[i].doubleValue }
            mean /= Double(layout.inner)
            var squares = 0.0
            for i in 0..<layout.inner {
                let d = row[i].doubleValue - mean
                squares += d * d
            }
            let divisor = Swift.max(0, Double(layout.inner) - correction)
            let variance = squares / divisor
            out[r] = T(castingDouble: squareRoot ? variance.squareRoot() : variance)
        }
        return result
    }
}
