import CFlintKernels

/// Matrix products: `mm`, `bmm`, `matmul`, `addmm`, `linear`, `baddbmm`, `mv`, `dot`. float32 runs on the
/// packed-panel GEMM of `CFlintKernels` (any strides, no copies of views); float16/bfloat16 compute in
/// float32; float64 and integer types use a portable loop.
extension Tensor {
    /// `[m, k] × [k, n]`.
    public func mm(_ other: Tensor) throws -> Tensor {
        guard rank == 2, other.rank == 2 else { throw TensorError("mm: expected 2-D tensors, got \(rank)-D and \(other.rank)-D") }
        guard shape[1] == other.shape[0] else {
            throw TensorError("mat1 and mat2 shapes cannot be multiplied (\(shape[0])x\(shape[1]) and \(other.shape[0])x\(other.shape[1]))")
        }
        guard dtype == other.dtype else {
            throw TensorError("expected m1 and m2 to have the same dtype, but got: \(dtype.cppName) != \(other.dtype.cppName)")
        }
        let result = shape[1] == 0 || dtype != .float32 ? Tensor(zeros: [shape[0], other.shape[1]], dtype: dtype) : Tensor(uninitialized: [shape[0], other.shape[1]], dtype: dtype)
        try Tensor.gemm(self, other, into: result)
        return result
    }

    /// `[b, m, k] × [b, k, n]`.
    public func bmm(_ other: Tensor) throws -> Tensor {
        guard rank == 3, other.rank == 3 else { throw TensorError("batch1 must be a 3D tensor") }
        guard shape[0] == other.shape[0], shape[2] == other.shape[1] else {
            throw TensorError("Expected size for first two dimensions of batch2 tensor to be: [\(shape[0]), \(shape[2])] but got: [\(other.shape[0]), \(other.shape[1])].")
        }
        guard dtype == other.dtype else {
            throw TensorError("expected scalar type \(dtype.scalarTypeName) but found \(other.dtype.scalarTypeName)")
        }
        let result = shape[2] == 0 || dtype != .float32
            ? Tensor(zeros: [shape[0], shape[1], other.shape[2]], dtype: dtype) : Tensor(uninitialized: [shape[0], shape[1], other.shape[2]], dtype: dtype)
        try Tensor.batchedGemm(self, other, into: result)
        return result
    }

    /// `torch.matmul`: dot, matrix-vector, vector-matrix, matrix-matrix, and batched with broadcasting.
    public func matmul(_ other: Tensor) throws -> Tensor {
        switch (rank, other.rank) {
        case (0, _), (_, 0):
            throw TensorError("both arguments to matmul need to be at least 1D, but they are \(rank)D and \(other.rank)D")
        case (1, 1): return try dot(other)
        case (2, 1): return try mv(other)
        case (1, 2): return try unsqueeze(0).mm(other).squeeze(0)
        case (2, 2): return try mm(other)
        default:
            let a = rank == 1 ? try unsqueeze(0) : self
            let b = other.rank == 1 ? try other.unsqueeze(1) : other
            let batch = try Tensor.broadcastShape(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2)))
            let (m, k) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
            let (k2, n) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
            guard k == k2 else {
                throw TensorError("Expected size for first two dimensions of batch2 tensor to be: [\(batch.reduce(1, *)), \(k)] but got: [\(batch.reduce(1, *)), \(k2)].")
            }
            let count = batch.reduce(1, *)
            let x = try a.expand(batch + [m, k]).reshape([count, m, k])
            let y = try b.expand(batch + [k, n]).reshape([count, k, n])
            var result = try x.bmm(y).reshape(batch + [m, n])
            if rank == 1 { result = try result.squeeze(-2) }
            if other.rank == 1 { result = try result.squeeze(-1) }
            return result
        }
    }

    /// The shape of `mm`, `bmm`, `matmul` or `linear`'s result (`operation`; for `linear`, `other` is the weight
    /// `[out, in]`), without computing it: for float32 operands whose ranks and sizes the product accepts;
    /// nil for anything else (the product then decides, with its own message).
    public func productResultShape(_ operation: ProductOperation, _ other: Tensor) -> [Int]? {
        guard dtype == .float32, other.dtype == .float32, rank >= 1, other.rank >= 1 else { return nil }
        switch operation {
        case .mm:
            guard rank == 2, other.rank == 2, shape[1] == other.shape[0] else { return nil }
            return [shape[0], other.shape[1]]
        case .bmm:
            guard rank == 3, other.rank == 3, shape[0] == other.shape[0], shape[2] == other.shape[1] else { return nil }
            return [shape[0], shape[1], other.shape[2]]
        case .matmul:
            guard rank >= 2, other.rank >= 2, shape[rank - 1] == other.shape[other.rank - 2],
                let batch = try? Tensor.broadcastShape(Array(shape.dropLast(2)), Array(other.shape.dropLast(2)))
            else { return nil }
            return batch + [shape[rank - 2], other.shape[other.rank - 1]]
        case .linear:
            guard other.rank == 2, shape[rank - 1] == other.shape[1] else { return nil }
            return Array(shape.dropLast()) + [other.shape[0]]
        }
    }

    /// The products ``productResultShape(_:_:)`` knows.
    public enum ProductOperation: Sendable { case mm, bmm, matmul, linear }

    /// `[m, k] × [k]`.
    public func mv(_ vector: Tensor) throws -> Tensor {
        guard rank == 2, vector.rank == 1, shape[1] == vector.shape[0] else {
            throw TensorError("size mismatch, got input (\(shape.first ?? 0)), mat (\(shape.map(String.init).joined(separator: "x"))), vec (\(vector.shape.first ?? 0))")
        }
        return try mm(vector.unsqueeze(1)).squeeze(1)
    }

    /// Inner product of two 1-D tensors of the same size (a 0-dim result).
    public func dot(_ other: Tensor) throws -> Tensor {
        guard rank == 1, other.rank == 1 else { throw TensorError("1D tensors expected, but got \(rank)D and \(other.rank)D tensors") }
        guard dtype == other.dtype else {
            throw TensorError("dot : expected both vectors to have same dtype, but found \(dtype.scalarTypeName) and \(other.dtype.scalarTypeName)")
        }
        guard shape[0] == other.shape[0] else {
            throw TensorError("inconsistent tensor size, expected tensor [\(shape[0])] and src [\(other.shape[0])] to have the same number of elements, but got \(shape[0]) and \(other.shape[0]) elements respectively")
        }
        return try unsqueeze(0).mm(other.unsqueeze(1)).reshape([])
    }

    /// `beta · input + alpha · (a × b)`, with `input` broadcast to the result.
    public static func addmm(_ input: Tensor, _ a: Tensor, _ b: Tensor, beta: Double = 1, alpha: Double = 1) throws -> Tensor {
        var product = try a.mm(b)
        if alpha != 1 { product = try product.mul(Scalar.double(alpha).tensor(product.dtype)) }
        if beta == 0 { return product }
        let scaled = beta == 1 ? input : try input.mul(Scalar.double(beta).tensor(input.dtype))
        return try product.add(scaled)
    }

    /// `beta · input + alpha · bmm(a, b)`.
    public static func baddbmm(_ input: Tensor, _ a: Tensor, _ b: Tensor, beta: Double = 1, alpha: Double = 1) throws -> Tensor {
        var product = try a.bmm(b)
        if alpha != 1 { product = try product.mul(Scalar.double(alpha).tensor(product.dtype)) }
        if beta == 0 { return product }
        let scaled = beta == 1 ? input : try input.mul(Scalar.double(beta).tensor(input.dtype))
        return try product.add(scaled)
    }

    /// `F.linear`: `self[..., in] × weight[out, in]ᵀ + bias[out]`, bias fused into the GEMM for float32.
    ///
    /// `packed`, the same weight packed once (``PackedLinearWeight``), replaces the per-call packing of the
    /// weight in float32 products. `output`, when given, receives the result and is returned (contiguous, of the
    /// result's shape and dtype, overlapping no operand but the epilogue's residual, which may be `output` itself).
    public func linear(
        weight: Tensor, bias: Tensor?, epilogue: FusedEpilogue = .identity, packed: PackedLinearWeight? = nil, into output: Tensor? = nil
    ) throws -> Tensor {
        guard weight.rank == 2, rank >= 1 else { throw TensorError("linear: weight must be 2-D and input at least 1-D") }
        let inFeatures = weight.shape[1]
        guard shape[rank - 1] == inFeatures else {
            throw TensorError("mat1 and mat2 shapes cannot be multiplied (\(elementCount / Swift.max(shape[rank - 1], 1))x\(shape[rank - 1]) and \(weight.shape[1])x\(weight.shape[0]))")
        }
        let outFeatures = weight.shape[0]
        // The result's shape, without building it when a destination of that shape is given (a plan's
        // steady call allocates nothing here).
        func isOutputShape(_ candidate: [Int]) -> Bool {
            candidate.count == rank && candidate[rank - 1] == outFeatures && candidate.indices.dropLast().allSatisfy { candidate[$0] == shape[$0] }
        }
        // Rows counted from the leading dimensions: with no input features, -1 would be ambiguous.
        let rowCount = shape.dropLast().reduce(1, *)
        let destination: Tensor
        if let output, isOutputShape(output.shape) {
            destination = try Tensor.destination(output, shape: output.shape, dtype: dtype, operation: "linear")
        } else {
            var outputShape = shape
            outputShape[rank - 1] = outFeatures
            destination = try Tensor.destination(output, shape: outputShape, dtype: dtype, operation: "linear")
        }
        // The float32 GEMM paths below (a bias fused, or none) read each residual element just before writing the
        // output's element at its place (a residual that is the output itself stays); every other path writes the
        // output first, so a residual in its memory is copied.
        let fusesBias = bias.map { dtype == .float32 && $0.dtype == .float32 && $0.rank == 1 && $0.shape[0] == outFeatures } ?? false
        let readsResidualInGemm = dtype == .float32 && inFeatures > 0 && (fusesBias || bias == nil)
            && epilogue.residual.map { $0.dtype == .float32 && $0.isContiguous } ?? true
        let epilogue = readsResidualInGemm ? try epilogue.residualExactlyOrApart(from: destination) : try epilogue.residualKeptApart(from: destination)
        if !(dtype == .float32 && inFeatures > 0) {
            // The portable products accumulate into their output (and an empty sum is zero).
            destination.baseAddress.initializeMemory(as: UInt8.self, repeating: 0, count: destination.elementCount * dtype.itemSize)
        }
        if let residual = epilogue.residual, !isOutputShape(residual.shape) {
            throw TensorError("linear: the fused residual has shape \(residual.shape), the output \(destination.shape)")
        }
        // The packed product reads rows through one row stride: a matrix, or leading dimensions that collapse
        // (a contiguous input), as they are, with no [rows, features] view (which allocates); any other
        // input through that view (or a copy where the strides do not allow one).
        if let packed, dtype == .float32, fusesBias || bias == nil, packed.outFeatures == outFeatures, packed.inFeatures == inFeatures, rowCount > 0,
            epilogue.residual.map({ $0.dtype == .float32 }) ?? true
        {
            let rows = rank == 2 || isContiguous ? self : try reshape([rowCount, inFeatures])
            let (rowStride, columnStride) = rows.rank == 2 ? (rows.strides[0], rows.strides[1]) : (inFeatures, 1)
            // The residual's columns must be adjacent and its rows one stride apart, as the output's.
            var residual = epilogue.residual
            var residualRowStride = outFeatures
            if let given = residual {
                if given.rank == 2 && given.strides[1] == 1 {
                    residualRowStride = given.strides[0]
                } else if !given.isContiguous {
                    residual = try given.contiguous()
                }
            }
            let b = try bias?.contiguous()
            var gemmEpilogue = FusedEpilogue(residual: residual, activation: epilogue.activation).gemmEpilogue(columnBias: b)
            if residual != nil { gemmEpilogue.residual_row_stride = Int64(residualRowStride) }
            flint_sgemm_packed_b(
                ThreadPool.shared.raw, Int64(rowCount), Int64(outFeatures), Int64(inFeatures),
                rows.baseAddress.assumingMemoryBound(to: Float.self), Int64(rowStride), Int64(columnStride),
                packed.packed, destination.baseAddress.assumingMemoryBound(to: Float.self), Int64(outFeatures), &gemmEpilogue)
            return withExtendedLifetime((rows, b, residual)) { destination }
        }
        let rows = rank == 2 ? self : try reshape([rowCount, inFeatures])
        let result = rank == 2 ? destination : try destination.reshape([rowCount, outFeatures])
        if fusesBias || (bias == nil && dtype == .float32) {
            let b = try bias?.contiguous()
            let fused = FusedEpilogue(residual: try epilogue.residual.map { rank == 2 ? $0 : try $0.reshape(result.shape) }, activation: epilogue.activation)
            try Tensor.gemm(rows, weight, transposingB: true, into: result, columnBias: b, fused: fused)
        } else {
            try Tensor.gemm(rows, weight, transposingB: true, into: result)
            if let bias { try result.copy(from: result.add(bias)) }
            try FusedEpilogue(residual: try epilogue.residual?.reshape(result.shape), activation: epilogue.activation).apply(to: result)
        }
        return destination
    }

    // MARK: Kernels

    /// `c = a × b` for 2-D views `a` `[m, k]`, `b` `[k, n]` and a contiguous `c` `[m, n]` of their dtype.
    /// With `transposingB`, `b` is given as `bᵀ` `[n, k]` (a linear layer's weight): float32 reads it through
    /// swapped strides, with no transposed view made (which allocates).
    static func gemm(
        _ a: Tensor, _ b: Tensor, transposingB: Bool = false, into c: Tensor, columnBias: Tensor? = nil, rowBias: Tensor? = nil,
        pool: ThreadPool? = ThreadPool.shared, fused: FusedEpilogue = .identity
    ) throws {
        if transposingB && a.dtype != .float32 {
            try gemm(a, b.t(), into: c, columnBias: columnBias, rowBias: rowBias, pool: pool, fused: fused)
            return
        }
        let bColumns = transposingB ? b.shape[0] : b.shape[1]
        let (bRowStride, bColumnStride) = transposingB ? (b.strides[1], b.strides[0]) : (b.strides[0], b.strides[1])
        let (m, k, n) = (a.shape[0], a.shape[1], bColumns)
        let residualFits = fused.residual.map { $0.dtype == .float32 && $0.shape == c.shape && $0.strides[1] == 1 } ?? true
        if !fused.isIdentity && (a.dtype != .float32 || !residualFits) {
            // Unfused: the product, then the epilogue as a pass.
            try gemm(a, b, transposingB: transposingB, into: c, columnBias: columnBias, rowBias: rowBias, pool: pool)
            try fused.apply(to: c)
            return
        }
        switch a.dtype {
        case .float32:
            var epilogue = fused.gemmEpilogue(rowBias: rowBias, columnBias: columnBias)
            flint_sgemm(
                pool?.raw, Int64(m), Int64(n), Int64(k),
                a.baseAddress.assumingMemoryBound(to: Float.self), Int64(a.strides[0]), Int64(a.strides[1]),
                b.baseAddress.assumingMemoryBound(to: Float.self), Int64(bRowStride), Int64(bColumnStride),
                c.baseAddress.assumingMemoryBound(to: Float.self), Int64(c.strides[0]), &epilogue)
        case .float16, .bfloat16:
            let wide = Tensor(zeros: c.shape, dtype: .float32)
            try gemm(
                a.to(.float32), b.to(.float32), into: wide, columnBias: columnBias?.to(.float32), rowBias: rowBias?.to(.float32),
                pool: pool)
            try c.copy(from: wide)
        default:
            try a.dtype.dispatchNumeric(PortableGemm(a: a, b: b, c: c), operation: "mm")
            if let columnBias { try c.copy(from: c.add(columnBias)) }
            if let rowBias { try c.copy(from: c.add(rowBias.unsqueeze(1))) }
        }
    }

    /// `c[i] = a[i] × b[i]` for 3-D operands; many small products run in parallel across the batch.
    static func batchedGemm(_ a: Tensor, _ b: Tensor, into c: Tensor) throws {
        let batch = a.shape[0]
        let work = a.shape[1] * a.shape[2] * b.shape[2]
        let pool = ThreadPool.shared
        if batch > 1 && work < 1 << 21 && pool.threadCount > 1 {
            var failure: Error?
            pool.parallelFor(batch, minimumPerThread: Swift.max(1, (1 << 16) / Swift.max(work, 1))) { range, _ in
                do {
                    for i in range {
                        try gemm(a.select(dim: 0, index: i), b.select(dim: 0, index: i), into: c.select(dim: 0, index: i), pool: nil)
                    }
                } catch { failure = error }
            }
            if let failure { throw failure }
            return
        }
        for i in 0..<batch {
            try gemm(a.select(dim: 0, index: i), b.select(dim: 0, index: i), into: c.select(dim: 0, index: i))
        }
    }
}

/// The reference loop for dtypes without a tuned kernel (float64, integers).
private struct PortableGemm: NumericDTypeVisitor {
    let a: Tensor
    let b: Tensor
    let c: Tensor

    func visitFloating<T: FloatingElement>(_ type: T.Type) throws {
        run(T.self, zero: T.Compute(0), load: { $0.computeValue }, store: { T(computeValue: $0) }, multiplyAdd: { $0 + $1 * $2 })
    }

    func visitInteger<T: IntegerElement>(_ type: T.Type) throws {
        run(T.self, zero: T(0), load: { $0 }, store: { $0 }, multiplyAdd: { $0 &+ $1 &* $2 })
    }

    func visitBool() throws {
        throw TensorError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    }

    private func run<T, Acc>(_ type: T.Type, zero: Acc, load: (T) -> Acc, store: (Acc) -> T, multiplyAdd: (Acc, Acc, Acc) -> Acc) {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        let pa = UnsafePointer(a.baseAddress.assumingMemoryBound(to: T.self))
        let pb = UnsafePointer(b.baseAddress.assumingMemoryBound(to: T.self))
        let pc = c.baseAddress.assumingMemoryBound(to: T.self)
        var row = [Acc](repeating: zero, count: n)
        for i in 0..<m {
            for j in 0..<n { row[j] = zero }
            for p in 0..<k {
                let x = load(pa[i * a.strides[0] + p * a.strides[1]])
                for j in 0..<n { row[j] = multiplyAdd(row[j], x, load(pb[p * b.strides[0] + j * b.strides[1]])) }
            }
            for j in 0..<n { pc[i * c.strides[0] + j] = store(row[j]) }
        }
    }
}

/// A `[out, in]` linear weight packed once into the GEMM's panel layout, for layers that run many times
/// (the packed form is private to this process and CPU). float32 only.
public final class PackedLinearWeight: @unchecked Sendable {
    /// Output features: the weight's first dimension.
    public let outFeatures: Int
    /// Input features: the weight's second dimension.
    public let inFeatures: Int
    let packed: UnsafeMutableRawPointer

    /// Packs `weight` (`[out, in]`, any strides); throws for other ranks or dtypes.
    public init(_ weight: Tensor) throws {
        guard weight.rank == 2, weight.dtype == .float32 else {
            throw TensorError("PackedLinearWeight: expected a 2-D float32 weight, got \(weight.rank)-D \(weight.dtype.name)")
        }
        outFeatures = weight.shape[0]
        inFeatures = weight.shape[1]
        packed = SystemMemory.allocate(flint_sgemm_pack_b_size(Int64(inFeatures), Int64(outFeatures)))
        // B = weightᵀ: element (p, j) is weight[j, p].
        flint_sgemm_pack_b(
            Int64(inFeatures), Int64(outFeatures), weight.baseAddress.assumingMemoryBound(to: Float.self),
            Int64(weight.strides[1]), Int64(weight.strides[0]), packed)
    }

    deinit { SystemMemory.deallocate(packed, byteCount: flint_sgemm_pack_b_size(Int64(inFeatures), Int64(outFeatures))) }
}

extension Tensor {
    /// `F.linear` with a pre-packed weight; the bias (if any) is fused into the GEMM's output write.
    public func linear(packed weight: PackedLinearWeight, bias: Tensor?) throws -> Tensor {
        guard dtype == .float32, rank >= 1, shape[rank - 1] == weight.inFeatures else {
            throw TensorError("linear: input \(shape) (\(dtype.name)) does not match a packed weight of \(weight.outFeatures)x\(weight.inFeatures)")
        }
        let rows = try reshape([shape.dropLast().reduce(1, *), weight.inFeatures])
        let result = Tensor(zeros: [rows.shape[0], weight.outFeatures], dtype: .float32)
        var epilogue = flint_gemm_epilogue()
        epilogue.beta = 0
        epilogue.bias_kind = FLINT_BIAS_NONE
        let biasValues = try bias.map { try $0.to(.float32).contiguous() }
        if let biasValues {
            guard biasValues.elementCount == weight.outFeatures else { throw TensorError("linear: bias must have \(weight.outFeatures) elements") }
            epilogue.bias_kind = FLINT_BIAS_PER_COL
            epilogue.bias = UnsafePointer(biasValues.baseAddress.assumingMemoryBound(to: Float.self))
        }
        epilogue.activation = FLINT_ACTIVATION_NONE
        flint_sgemm_packed_b(
            ThreadPool.shared.raw, Int64(rows.shape[0]), Int64(weight.outFeatures), Int64(weight.inFeatures),
            rows.baseAddress.assumingMemoryBound(to: Float.self), Int64(rows.strides[0]), Int64(rows.strides[1]),
            weight.packed, result.baseAddress.assumingMemoryBound(to: Float.self), Int64(result.strides[0]), &epilogue)
        return try result.reshape(Array(shape.dropLast()) + [weight.outFeatures])
    }
}
