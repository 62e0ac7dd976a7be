/// Gathering and scattering by index tensors: `index_select`, `gather`, `scatter`, `embedding`,
/// `masked_select`, `nonzero`. Indices are int64 (int32 accepted), may be negative where ATen allows it,
/// and out-of-range indices throw.
extension Tensor {
    /// Rows of `dim` picked by a 1-D (or 0-dim) `index`.
    public func indexSelect(dim: Int, index: Tensor) throws -> Tensor {
        let d = try wrapDimension(dim)
        guard index.rank <= 1 else { throw TensorError("index_select(): Index is supposed to be a vector") }
        let positions = try index.indexValues(bound: rank == 0 ? 1 : shape[d], allowNegative: false, operation: "index_select", wording: .inSelf)
        if rank == 0 { return try positions.isEmpty ? reshape([]) : contiguous() }
        var newShape = shape
        newShape[d] = positions.count
        let result = Tensor(zeros: newShape, dtype: dtype)
        for (i, p) in positions.enumerated() {
            try result.select(dim: d, index: i).copy(from: select(dim: d, index: p))
        }
        return result
    }

    /// `embedding(weight, indices)`: rows of this `[num, dim]` weight, shaped `indices.shape + [dim]`.
    ///
    /// Rows laid out densely are copied whole. `output`, when given, receives the result (contiguous, of the
    /// result's shape and dtype, overlapping no operand).
    public func embedding(_ indices: Tensor, into output: Tensor? = nil) throws -> Tensor {
        guard rank == 2 else { throw TensorError("'weight' must be 2-D") }
        guard indices.dtype == .int64 || indices.dtype == .int32 else {
            throw TensorError("Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.\(indices.dtype.scalarTypeName)Tensor instead (while checking arguments for embedding)")
        }
        guard quantizer == nil, strides[1] == 1 || shape[1] <= 1 else {
            let result = try indexSelect(dim: 0, index: indices.reshape([-1])).reshape(indices.shape + [shape[1]])
            guard let output else { return result }
            try Tensor.destination(output, shape: result.shape, dtype: dtype, operation: "embedding").copy(from: result)
            return output
        }
        let result = try Tensor.destination(
            output, rank: indices.rank + 1, size: { $0 < indices.rank ? indices.shape[$0] : shape[1] }, dtype: dtype, operation: "embedding")
        let rowBytes = shape[1] * dtype.itemSize
        let (source, target) = (baseAddress, result.baseAddress)
        let rowStride = strides[0] * dtype.itemSize
        guard indices.isContiguous else {
            let rows = try indices.indexValues(bound: shape[0], allowNegative: false, operation: "index_select", wording: .inSelf)
            for (i, row) in rows.enumerated() { (target + i * rowBytes).copyMemory(from: source + row * rowStride, byteCount: rowBytes) }
            return result
        }
        // Contiguous indices are read where they lie: all checked first (an error leaves the output as it was),
        // then the rows copied.
        let values = UnsafeRawPointer(indices.baseAddress)
        let isInt32 = indices.dtype == .int32
        func row(_ i: Int) -> Int { isInt32 ? Int(values.assumingMemoryBound(to: Int32.self)[i]) : Int(values.assumingMemoryBound(to: Int64.self)[i]) }
        for i in 0..<indices.elementCount where row(i) < 0 || row(i) >= shape[0] {
            throw TensorError(IndexBoundsWording.inSelf.message(index: Int64(row(i)), bound: shape[0]))
        }
        for i in 0..<indices.elementCount { (target + i * rowBytes).copyMemory(from: source + row(i) * rowStride, byteCount: rowBytes) }
        return result
    }

    /// `embedding_renorm_`: each row of this `[num, dim]` float weight that `indices` names (once however often
    /// named) whose `normType`-norm exceeds `maxNorm` is scaled in place by maxNorm / (norm + 1e-7), as ATen does
    /// for `F.embedding(max_norm=)`.
    public func renormalizeRows(_ indices: Tensor, maxNorm: Double, normType: Double) throws {
        guard rank == 2 else { throw TensorError("embedding_renorm_: 'self' must be 2-D") }
        guard dtype.isFloatingPoint else { throw TensorError("\"embedding_renorm_cpu_\" not implemented for '\(dtype.scalarTypeName)'") }
        // Rows are taken as `self[index]` takes them: negative ones from the end.
        let rows = try indices.indexValues(bound: shape[0], allowNegative: true, operation: "embedding_renorm_", wording: .dimension(0))
        for row in Set(rows).sorted() {
            let values = try select(dim: 0, index: row)
            // The norm in the weight's dtype (rounded as ATen's is, for half types) decides and scales.
            let norm = try values.norm(p: normType, dims: nil, keepDim: false).item()
            guard norm > maxNorm else { continue }
            try values.copy(from: Tensor.binary(Mul(), .tensor(values), .scalar(.double(maxNorm / (norm + 1e-7))), operation: "embedding_renorm_"))
        }
    }

    /// `gather(dim, index)`: out[i][j] = self[index[i][j]][j] (for dim 0), index of the same rank.
    public func gather(dim: Int, index: Tensor) throws -> Tensor {
        let d = try wrapDimension(dim)
        guard index.rank == Swift.max(rank, 1) || (rank == 0 && index.rank == 0) else {
            throw TensorError("Index tensor must have the same number of dimensions as input tensor")
        }
        for k in 0..<index.rank where k != d && rank > 0 && index.shape[k] > shape[k] {
            throw TensorError("Size does not match at dimension \(k) expected index \(index.shape) to be no larger than self \(shape) apart from dimension \(d)")
        }
        // ATen returns an empty index's empty result before checking the index's dtype.
        if index.elementCount == 0 { return Tensor(zeros: index.shape, dtype: dtype) }
        let values = try index.indexValues(bound: rank == 0 ? 1 : shape[d], allowNegative: false, operation: "gather", wording: .dimension(d))
        let result = Tensor(zeros: index.shape, dtype: dtype)
        let size = dtype.itemSize
        var position = [Int](repeating: 0, count: index.rank)
        for (flat, target) in values.enumerated() {
            var sourceOffset = storageOffset
            var outOffset = 0
            for k in 0..<index.rank {
                let coordinate = k == d ? target : position[k]
                if k != d && coordinate >= shape[k] {
                    throw TensorError("Size does not match at dimension \(k) expected index \(index.shape) to be no larger than self \(shape) apart from dimension \(d)")
                }
                sourceOffset += coordinate * (rank == 0 ? 0 : strides[k])
                outOffset += position[k] * result.strides[k]
            }
            (result.storage.base + outOffset * size).copyMemory(from: storage.base + sourceOffset * size, byteCount: size)
            _ = flat
            var k = index.rank - 1
            while k >= 0 {
                position[k] += 1
                if position[k] < index.shape[k] { break }
                position[k] = 0
                k -= 1
            }
        }
        return result
    }

    /// Elements where `mask` (broadcast to this shape) is true, as a 1-D tensor.
    public func maskedSelect(_ mask: Tensor) throws -> Tensor {
        guard mask.dtype == .bool else { throw TensorError("masked_select: expected BoolTensor for mask") }
        let shape = try Tensor.broadcastShape(self.shape, mask.shape)
        let values = try expand(shape).contiguous()
        let flags = try mask.expand(shape).scalars(as: Bool.self)
        let picked = flags.indices.filter { flags[$0] }
        let flat = try values.reshape([-1])
        return try flat.indexSelect(dim: 0, index: Tensor(shape: [picked.count], scalars: picked.map(Int64.init)))
    }

    /// Coordinates of the non-zero elements, `[count, rank]` int64.
    public func nonzero() throws -> Tensor {
        let flags = try to(.bool).scalars(as: Bool.self)
        var coordinates: [Int64] = []
        let contiguous = Tensor.contiguousStrides(for: shape)
        for (i, flag) in flags.enumerated() where flag {
            var rest = i
            for k in 0..<rank {
                coordinates.append(Int64(rest / contiguous[k]))
                rest %= contiguous[k]
            }
        }
        let count = rank == 0 ? flags.filter { $0 }.count : coordinates.count / rank
        return try Tensor(shape: [count, rank], scalars: coordinates)
    }

    /// The tensor's values as integer positions below `bound` (negative ones wrap when allowed). Errors
    /// are worded as `operation`'s ATen kernel words them; `wording` says how an out-of-range index is
    /// reported.
    func indexValues(bound: Int, allowNegative: Bool, operation: String, wording: IndexBoundsWording = .withoutDimension) throws -> [Int] {
        guard dtype == .int64 || dtype == .int32 else {
            throw TensorError(Self.indexDTypeMessage(operation: operation, got: dtype))
        }
        let raw = try to(.int64).scalars(as: Int64.self)
        return try raw.map { value in
            var v = Int(value)
            if allowNegative && v < 0 { v += bound }
            guard v >= 0 && v < bound else { throw TensorError(wording.message(index: value, bound: bound)) }
            return v
        }
    }

    /// ATen's message for an index tensor of the wrong dtype, per op.
    private static func indexDTypeMessage(operation: String, got dtype: DType) -> String {
        switch operation {
        case "index_select": "index_select(): Expected dtype int32 or int64 for index"
        case "gather": "gather(): Expected dtype int32/int64 for index"
        case "scatter", "scatter_reduce": "scatter(): Expected dtype int32/int64 for index"
        case "index_add": "index_add_(): Expected dtype int32/int64 for index but got: \(dtype.scalarTypeName)"
        case "index_copy": "index_copy_(): Expected a long tensor for index, but got \(dtype.scalarTypeName)"
        case "index_fill": "index_fill_(): Expected dtype int64 for index."
        case "take": "take(): Expected a long tensor for index, but got \(dtype.scalarTypeName)"
        default: "\(operation)(): Expected dtype int64 for index, got \(dtype.name)"
        }
    }
}

/// How `Tensor.indexValues(bound:allowNegative:operation:wording:)` reports an out-of-range index, in the
/// wording of the ATen op it serves.
enum IndexBoundsWording {
    /// `index 4 is out of bounds for dimension with size 4`.
    case withoutDimension
    /// `index 4 is out of bounds for dimension 0 with size 4` (gather, scatter, index_add, index_fill, advanced indexing).
    case dimension(Int)
    /// The same after a prefix, as `index_copy_(): index 4 is out of bounds for dimension 0 with size 4`.
    case prefixedDimension(String, Int)
    /// `index out of range in self` (index_select, embedding).
    case inSelf
    /// `out of range: tried to access index 12 on a tensor of 12 elements.` (take).
    case flatElements

    /// The message for `index` outside `0..<bound`.
    func message(index: Int64, bound: Int) -> String {
        switch self {
        case .dimension(let dim): "index \(index) is out of bounds for dimension \(dim) with size \(bound)"
        case .prefixedDimension(let prefix, let dim): "\(prefix)index \(index) is out of bounds for dimension \(dim) with size \(bound)"
        case .inSelf: "index out of range in self"
        case .flatElements: "out of range: tried to access index \(index) on a tensor of \(bound) elements."
        case .withoutDimension: "index \(index) is out of bounds for dimension with size \(bound)"
        }
    }
}
