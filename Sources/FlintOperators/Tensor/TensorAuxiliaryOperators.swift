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
    /// ATen's auxiliary entry points that export graphs, functionalization and torch's own tests call: `glu_jvp` (the
    /// forward-mode derivative of GLU), `_unpack_dual` (no dual tensors at inference: the primal and no tangent),
    /// `einsum.sublist` (operands paired with lists of subscript numbers), the functional `resize` / `resize_as`,
    /// `slice_inverse`, `_ncf_view`, the functional `set` (a tensor aliasing its source), `from_file`, `_rowwise_prune`,
    /// the test operators (`_test_check_tensor`, `_test_functorch_fallback`, `_test::cat`, `_test::leaky_relu`,
    /// `_test::get_first`), and the helpers inductor's generated code calls (`_reinterpret_tensor`,
    /// `_alloc_from_pool`, `_mm_plus_mm`).
    mutating func defineAuxiliaryOperators() {
        // glu_jvp(glu, x, dx, dim) = da·σ(b) + glu·(1 − σ(b))·db, with x = [a, b] and dx = [da, db] halved along dim.
        tensorOp("aten::glu_jvp") { c in
            let (glu, x, dx) = (try c.tensor(0, "glu"), try c.tensor(1, "x"), try c.tensor(2, "dx"))
            guard x.rank > 0 else { throw OperatorError("glu does not support scalars because halving size must be even") }
            let dim = try x.wrapDimension(c.int(3, "dim"))
            let half = x.shape[dim] / 2
            guard x.shape[dim] % 2 == 0 else { throw OperatorError("Halving dimension must be even, but dimension \(dim) is size \(x.shape[dim])") }
            let gate = try x.narrow(dim: dim, start: half, length: half).sigmoid()
            let (da, db) = (try dx.narrow(dim: dim, start: 0, length: half), try dx.narrow(dim: dim, start: half, length: half))
            return try da.mul(gate).add(glu.mul(db.sub(gate.mul(db))))
        }
        // Forward-mode AD does not exist at inference: every tensor is its own primal, with an undefined tangent.
        define("aten::_unpack_dual") { c in .tuple([.tensor(try c.tensor(0, "dual")), .none]) }
        defineEinsumSublist()
        defineResizeAndViewEntries()
        defineInductorHelpers()
        // _rowwise_prune(weight, mask, dtype): the rows the mask keeps, and for each row its index among them (−1 where
        // pruned).
        define("aten::_rowwise_prune") { c in
            let (weight, mask) = (try c.tensor(0, "weight"), try c.tensor(1, "mask"))
            let indexType = try c.requiredDType(2, "compressed_indices_dtype")
            guard weight.rank == 2 else { throw OperatorError("'weights' should have 2 dimensions.") }
            guard mask.rank == 1, mask.shape[0] == weight.shape[0] else {
                throw OperatorError("Number of elements in 'mask' should be equivalent to the number of rows in 'weights'.")
            }
            guard indexType == .int32 || indexType == .int64 else {
                throw OperatorError("compressed_indices_dtype should be either int(int32) or long(int64).")
            }
            let keep = try mask.to(.int64).contiguous().scalars(as: Int64.self).map { $0 != 0 }
            var next: Int64 = 0
            let indices = keep.map { kept -> Int64 in
                defer { if kept { next += 1 } }
                return kept ? next : -1
            }
            let rows = keep.indices.filter { keep[$0] }
            let pruned = rows.isEmpty
                ? Tensor(zeros: [0, weight.shape[1]], dtype: weight.dtype)
                : try Tensor.stack(rows.map { try weight.select(dim: 0, index: $0) }, dim: 0)
            return .tuple([.tensor(pruned), .tensor(try Tensor(shape: [indices.count], scalars: indices).to(indexType))])
        }
        defineFromFile()
        // The functional set: the source itself (the same storage and geometry), or an empty tensor of self's dtype.
        tensorOp("aten::set.source_Tensor") { c in _ = try c.tensor(0, "self"); return try c.tensor(1, "source") }
        tensorOp("aten::set") { c in Tensor(zeros: [0], dtype: try c.tensor(0, "self").dtype) }
        // torch's own test operators: a check that every element is true, an identity through functorch's fallback,
        // and the custom operators its test library registers.
        tensorOp("aten::_test_check_tensor") { c in
            let x = try c.tensor(0, "self")
            guard x.dtype == .bool else { throw OperatorError("self.scalar_type() == at::kBool INTERNAL ASSERT FAILED") }
            guard try x.to(.int64).contiguous().scalars(as: Int64.self).allSatisfy({ $0 != 0 }) else { throw OperatorError("Test message for TORCH_CHECK_TENSOR_ALL") }
            return try x.clone()
        }
        tensorOp("aten::_test_functorch_fallback") { c in
            _ = try c.tensor(1, "other")
            return try c.tensor(0, "self").clone()
        }
        let (cat, leakyRelu) = (declared("aten::cat"), declared("aten::leaky_relu"))
        define("_test::cat") { c in try cat(Arguments([c[0], .int(0)])) }
        define("_test::leaky_relu") { c in try leakyRelu(Arguments([c[0], .double(try c.double(1, "v", default: 0.01))])) }
        define("_test::get_first") { c in
            guard case .list(let outer) = c[0], case .list(let inner)? = outer.elements.first, let first = inner.elements.first else {
                throw OperatorError("_test::get_first: expected a non-empty list of non-empty lists of strings")
            }
            return first
        }
    }

    /// `from_file(filename, shared, size, dtype)`: the file's first `size` elements of `dtype` (default float32), read
    /// into a new tensor. libtorch maps the file; `shared=True` maps it writable so that writes reach the file, which
    /// Flint's tensors cannot do, so it is refused.
    private mutating func defineFromFile() {
        tensorOp("aten::from_file") { c in
            let path = try c.string(0, "filename")
            let count = try c.optionalInt(2, "size") ?? 0
            let dtype = try c.optionalDType(3, "dtype") ?? .float32
            if try c.optionalBool(1, "shared") == true {
                throw OperatorError("from_file with shared=True maps the file for writing, which Flint does not support; pass shared=False")
            }
            guard count >= 0 else { throw OperatorError("size must be non-negative, got \(count)") }
            try Tensor.checkAllocatable([count], dtype: dtype)
            let result = Tensor(zeros: [count], dtype: dtype)
            let byteCount = count * dtype.itemSize
            guard byteCount > 0 else { return result }
            guard let file = fopen(path, "rb") else {
                throw OperatorError("unable to open file <\(path)> in read-only mode: \(String(cString: strerror(errno))) (\(errno))")
            }
            defer { fclose(file) }
            let read = fread(result.baseAddress, 1, byteCount, file)
            guard read == byteCount else {
                throw OperatorError("file <\(path)> size <\(read)> is smaller than the required mapping size <\(byteCount)>")
            }
            return result
        }
    }

    /// `einsum(a, [0, 1], b, [1, 2], [0, 2])`: each operand followed by its subscripts as numbers below 52 (0–25 are
    /// `A`–`Z`, 26–51 `a`–`z`), and optionally the output's; the same as the equation `AB,BC->AC`.
    private mutating func defineEinsumSublist() {
        let einsum = declared("aten::einsum")
        define("aten::einsum.sublist") { c in
            let values = c.values
            func letters(_ value: ScriptValue) throws -> String {
                guard case .list(let list) = value else {
                    throw OperatorError("einsum(): expected a list of subscripts after each operand, got \(value.kindName)")
                }
                let numbers = try list.elements.map { element -> Int in
                    guard case .int(let number) = element else { throw OperatorError("einsum(): subscripts must be ints, got \(element.kindName)") }
                    return Int(truncatingIfNeeded: number)
                }
                return try String(numbers.map { number -> Character in
                    guard (0..<52).contains(number) else { throw OperatorError("einsum(): subscript in subscript list is not within the valid range [0, 52)") }
                    return Character(UnicodeScalar(UInt8(number < 26 ? 65 + number : 97 + number - 26)))
                })
            }
            var operands: [ScriptValue] = []
            var terms: [String] = []
            var index = 0
            while index + 1 < values.count, case .tensor = values[index] {
                operands.append(values[index])
                terms.append(try letters(values[index + 1]))
                index += 2
            }
            guard !operands.isEmpty else { throw OperatorError("einsum(): must specify at least one operand") }
            var equation = terms.joined(separator: ",")
            if index < values.count { equation += "->" + (try letters(values[index])) }
            guard index + 1 >= values.count else { throw OperatorError("einsum(): expected operands and subscript lists to alternate") }
            return try einsum(Arguments([.string(equation), .list(operands, elementType: "Tensor")]))
        }
    }

    /// The functional `resize` (and `resize_as`): a new tensor of the given size holding the self tensor's elements in
    /// its memory order, as libtorch's clone-then-`resize_` leaves them. Where the new size is larger, libtorch leaves
    /// the rest uninitialised; Flint fills it with zeros. `slice_inverse` and `_ncf_view` are views.
    private mutating func defineResizeAndViewEntries() {
        @Sendable func resized(_ x: Tensor, to size: [Int]) throws -> Tensor {
            guard size.allSatisfy({ $0 >= 0 }) else { throw OperatorError("Trying to create tensor with negative dimension: \(size)") }
            try Tensor.checkAllocatable(size, dtype: x.dtype)
            // Memory order: the dimensions by decreasing stride, as clone(preserve_format) keeps them.
            let order = x.shape.indices.sorted { x.strides[$0] != x.strides[$1] ? x.strides[$0] > x.strides[$1] : $0 < $1 }
            let flat = try x.permute(order).contiguous().reshape([-1])
            let count = size.reduce(1, *)
            let kept = try flat.narrow(dim: 0, start: 0, length: Swift.min(count, flat.elementCount))
            let padded = count > kept.elementCount ? try Tensor.cat([kept, Tensor(zeros: [count - kept.elementCount], dtype: x.dtype)], dim: 0) : kept
            return try padded.contiguous().reshape(size)
        }
        tensorOp("aten::resize") { c in try resized(c.tensor(0, "self"), to: c.ints(1, "size", single: false)) }
        tensorOp("aten::resize_as") { c in try resized(c.tensor(0, "self"), to: c.tensor(1, "the_template").shape) }
        // slice_inverse(self, src, ...): src's geometry over self's storage (functionalization regenerates a sliced
        // base from the slice this way).
        tensorOp("aten::slice_inverse") { c in
            let (slice, base) = (try c.tensor(0, "self"), try c.tensor(1, "src"))
            return try slice.asStrided(base.shape, base.strides, storageOffset: base.storageOffset)
        }
        // _ncf_view(self, input_shape, k): self viewed with input_shape's leading dimensions and k trailing ones of size 1.
        tensorOp("aten::_ncf_view") { c in
            let (x, shape, k) = (try c.tensor(0, "self"), try c.ints(1, "input_shape", single: false), try c.int(2, "normalized_ndim"))
            guard (0...shape.count).contains(k) else { throw OperatorError("normalized_ndim \(k) is out of range for input shape \(shape)") }
            return try x.view(Array(shape.prefix(shape.count - k)) + Array(repeating: 1, count: k))
        }
    }

    /// Views and a product inductor's wrapper code uses: a tensor's storage reread with another geometry (and an
    /// offset moved by `offset_increment`), a pool of bytes carved into a typed tensor, and `out = a·b + c·d`.
    private mutating func defineInductorHelpers() {
        tensorOp("inductor::_reinterpret_tensor") { c in
            let x = try c.tensor(0, "self")
            let (offset, overflow) = x.storageOffset.addingReportingOverflow(try c.int(3, "offset_increment", default: 0))
            guard !overflow else { throw OperatorError("_reinterpret_tensor: the storage offset overflows") }
            return try x.asStrided(c.ints(1, "size", single: false), c.ints(2, "stride", single: false), storageOffset: offset)
        }
        tensorOp("inductor::_alloc_from_pool") { c in
            let pool = try c.tensor(0, "self")
            let dtype = try c.requiredDType(2, "dtype")
            guard pool.storageOffset == 0 else { throw OperatorError("Expected self.storage_offset() == 0 to be true, but got false.") }
            return try Tensor(storage: pool.storage, dtype: dtype, shape: c.ints(3, "size", single: false), strides: c.ints(4, "stride", single: false),
                              storageOffset: c.int(1, "offset_bytes") / dtype.itemSize)
        }
        define("inductor::_mm_plus_mm") { c in
            let out = try c.tensor(4, "out")
            let sum = try c.tensor(0, "a").mm(c.tensor(1, "b")).add(c.tensor(2, "c").mm(c.tensor(3, "d")))
            try out.assign(outResult: sum, argument: "out")
            return .tensor(out)
        }
    }
}
