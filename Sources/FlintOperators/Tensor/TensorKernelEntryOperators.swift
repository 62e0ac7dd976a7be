import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// ATen's kernel entry points that graphs exported below the public functions call directly, each computing what
    /// the libtorch CPU kernel computes and refusing what it refuses, with its messages:
    ///
    /// - `_ctc_loss` and `_ctc_loss.Tensor` (lengths as int lists or integral tensors): the `[N]` negative
    ///   log-likelihoods and the log-α table `[N, T, 2·max(target_lengths) + 1]` of the one CTC forward recursion
    ///   `ctc_loss` also runs (``Tensor/ctcForward(targets:inputLengths:targetLengths:blank:)``). `zero_infinity`
    ///   matters only to the backward, as in ATen. The table's entries no path reaches, which ATen leaves
    ///   uninitialised, are −∞.
    /// - `_upsample_lanczos2d_aa` and `.vec`: antialiased Lanczos (a = 3) resizing of `[N, C, H, W]` float32, float64
    ///   or uint8 input, the third filter of the separable antialiased resampler bilinear and bicubic use.
    /// - `_jagged_to_padded_dense_forward`: values `[total, ...]` cut at `offsets` into a `[B, max_length, ...]` batch,
    ///   each sequence truncated to `max_length` and the rest filled with `padding_value`; and
    ///   `_padded_dense_to_jagged_forward`, the inverse: the first `offsets[i+1] − offsets[i]` rows of each batch entry
    ///   packed into `[total_L, ...]` (ATen leaves rows no offset range covers uninitialised; they are 0 here).
    ///   One jagged dimension only, as ATen's CPU kernels.
    /// - `_grouped_mm`: ATen's CPU fallback of grouped matrix products over float32, float16 or bfloat16 operands with
    ///   int32 `offs` (each group's end): 2-D × 3-D (row groups of `self`, one matrix of `mat2` each), 3-D × 2-D (column
    ///   groups of `mat2`), 2-D × 2-D (contraction groups, one result matrix each), 3-D × 3-D without `offs` (`bmm`).
    ///   No bias, and `out_dtype` must be `self`'s, as ATen. Rows of a 2-D × 3-D result past the last offset, which
    ///   ATen leaves uninitialised, are 0 here.
    ///
    /// Their `.out` overloads come from ``OutVariant``.
    mutating func defineKernelEntryOperators() {
        defineCTCForwardEntries()
        defineLanczosEntries()
        defineJaggedEntries()
        defineGroupedMatrixProduct()
    }

    private mutating func defineCTCForwardEntries() {
        for overload in ["", ".Tensor"] {
            let tensorLengths = overload == ".Tensor"
            define("aten::_ctc_loss\(overload)") { c in
                func lengths(_ index: Int, _ name: String) throws -> [Int] { try Self.ctcLengths(c, index, name, asTensor: tensorLengths) }
                let (logProbabilities, targets) = (try c.tensor(0, "log_probs"), try c.tensor(1, "targets"))
                let (inputLengths, targetLengths) = (try lengths(2, "input_lengths"), try lengths(3, "target_lengths"))
                _ = try c.bool(5, "zero_infinity", default: false)
                let (losses, logAlpha) = try logProbabilities.ctcForward(
                    targets: targets, inputLengths: inputLengths, targetLengths: targetLengths, blank: c.int(4, "blank", default: 0))
                return .tuple([.tensor(losses), .tensor(logAlpha)])
            }
        }
    }

    private mutating func defineLanczosEntries() {
        let mode = "lanczos-antialias"
        /// ATen's `upsample_2d_common_check` beyond what `interpolate` checks: a batch of channels of images, none of
        /// its non-batch dimensions empty.
        @Sendable func requireNonEmpty(_ input: Tensor) throws {
            guard !input.shape.dropFirst().contains(0) else {
                throw OperatorError("Non-empty 4D data tensor expected but got a tensor with sizes \(input.shape)")
            }
        }
        tensorOp("aten::_upsample_lanczos2d_aa.vec") { c in
            // ATen sizes the output from the input's rank, then the 2-D kernel refuses any other than 4 (`interpolate`
            // would resize every trailing dimension of it).
            let input = try c.tensor(0, "input")
            if input.rank != 4 {
                let spatial = input.rank - 2
                let (given, factors) = (try c.optionalInts(1, "output_size"), try c.optionalDoubles(3, "scale_factors"))
                guard (given == nil) != (factors == nil) else { throw OperatorError("Must specify exactly one of output_size and scale_factors") }
                if let given, given.count != spatial {
                    throw TensorOperatorSupport.checkFailure("static_cast<int64_t>(output_size->size()) == spatial_dimensions")
                }
                if let factors, factors.count != spatial {
                    throw TensorOperatorSupport.checkFailure("static_cast<int64_t>(scale_factors->size()) == spatial_dimensions")
                }
                throw OperatorError("It is expected output_size equals to 2, but got size \(spatial)")
            }
            let result = try TensorOperatorSupport.interpolate(c, mode: mode, alignCornersIndex: 2)
            try requireNonEmpty(input)
            return result
        }
        tensorOp("aten::_upsample_lanczos2d_aa") { c in
            let (input, size) = (try c.tensor(0, "self"), try c.ints(1, "output_size"))
            guard size.count == 2 else { throw OperatorError("It is expected output_size equals to 2, but got size \(size.count)") }
            guard input.rank == 4 else { throw OperatorError("It is expected input_size equals to 4, but got size \(input.rank)") }
            let result = try TensorOperatorSupport.interpolateExplicit(c, mode: mode, hasAlignCorners: true)
            try requireNonEmpty(input)
            return result
        }
    }

    private mutating func defineJaggedEntries() {
        tensorOp("aten::_jagged_to_padded_dense_forward") { c in
            let name = "_jagged_to_padded_dense_forward()"
            let (values, offsetsList, maxLengths) = (try c.tensor(0, "values"), try c.tensors(1, "offsets"), try c.ints(2, "max_lengths"))
            let padding = try c.double(3, "padding_value", default: 0)
            guard offsetsList.count == 1, maxLengths.count == 1 else { throw OperatorError("\(name): only a single jagged dim is supported for now") }
            let bounds = try Self.jaggedOffsets(offsetsList[0], name)
            guard values.rank >= 1 else { throw OperatorError("\(name): expected values with a jagged dimension, but values.dim() == 0") }
            let maxLength = maxLengths[0]
            let padded = try Tensor.full([bounds.count - 1, maxLength] + Array(values.shape.dropFirst()), value: padding, dtype: values.dtype)
            for i in 0..<Swift.max(bounds.count - 1, 0) {
                // As ATen: ATen's slicing (negative bounds wrap, then clamp) and copy_'s broadcasting.
                let start = bounds[i]
                let length = Swift.min(try Self.checkedDifference(bounds[i + 1], start), maxLength)
                let (end, overflow) = start.addingReportingOverflow(length)
                guard !overflow else { throw OperatorError("\(name): offset \(start) and length \(length) overflow int64") }
                let source = try values.slice(dim: 0, start: start, end: end)
                try Self.copyBroadcasting(into: padded.select(dim: 0, index: i).slice(dim: 0, start: 0, end: length), from: source)
            }
            return padded
        }
        tensorOp("aten::_padded_dense_to_jagged_forward") { c in
            let name = "_padded_dense_to_jagged_forward()"
            let (padded, offsetsList, totalL) = (try c.tensor(0, "dense"), try c.tensors(1, "offsets"), try c.optionalInt(2, "total_L"))
            guard offsetsList.count == 1 else { throw OperatorError("\(name): only a single jagged dim is supported for now") }
            let bounds = try Self.jaggedOffsets(offsetsList[0], name)
            guard let finalOffset = bounds.last else { throw OperatorError("select(): index -1 out of range for tensor of size [0] at dimension 0") }
            let total = totalL ?? finalOffset
            guard finalOffset == total else { throw OperatorError("\(name): final offset should match total_L value") }
            guard padded.rank >= 2 else { throw OperatorError("\(name): expected padded dim >= 2, but padded.dim() == \(padded.rank)") }
            let shape = [total] + Array(padded.shape.dropFirst(2))
            let values = try Tensor.full(shape, value: 0, dtype: padded.dtype)
            for i in 0..<Swift.max(bounds.count - 1, 0) {
                let (start, end) = (bounds[i], bounds[i + 1])
                let length = try Self.checkedDifference(end, start)
                guard length <= padded.shape[1] else {
                    throw OperatorError("\(name): found batch item of length \(length) when max length specified by padded input is \(padded.shape[1])")
                }
                let destination = try values.slice(dim: 0, start: start, end: end)
                try Self.copyBroadcasting(into: destination, from: padded.select(dim: 0, index: i).slice(dim: 0, start: 0, end: length))
            }
            return values
        }
    }

    /// The one offsets tensor of a jagged dimension, read as ATen's `item<int64_t>()` reads each.
    private static func jaggedOffsets(_ offsets: Tensor, _ name: String) throws -> [Int] {
        guard offsets.rank == 1 else { throw OperatorError("\(name): expected 1D offsets, but got offsets.dim() == \(offsets.rank)") }
        return try offsets.to(.int64).contiguous().scalars(as: Int64.self).map { Int(truncatingIfNeeded: $0) }
    }

    /// `a − b`, refused where it overflows (offsets near the ends of int64).
    private static func checkedDifference(_ a: Int, _ b: Int) throws -> Int {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        guard !overflow else { throw OperatorError("offsets \(a) and \(b) are too far apart") }
        return difference
    }

    /// ATen's `destination.copy_(source)`: the source broadcast to the destination's shape, or its error.
    private static func copyBroadcasting(into destination: Tensor, from source: Tensor) throws {
        let shape = try Tensor.broadcastShape(destination.shape, source.shape)
        guard shape == destination.shape else {
            throw OperatorError("output with shape \(destination.shape) doesn't match the broadcast shape \(shape)")
        }
        guard destination.elementCount > 0 else { return }
        try destination.copy(from: source.shape == shape ? source : source.expand(shape))
    }

    private mutating func defineGroupedMatrixProduct() {
        tensorOp("aten::_grouped_mm") { c in
            let (a, b) = (try c.tensor(0, "self"), try c.tensor(1, "mat2"))
            let (offsets, bias, outDType) = (try c.optionalTensor(2, "offs"), try c.optionalTensor(3, "bias"), try c.optionalDType(4, "out_dtype"))
            // `_grouped_mm_validate_inputs`, in its order.
            let supported: Set<DType> = [.bfloat16, .float32, .float16]
            guard supported.contains(a.dtype) else { throw OperatorError("Expected mat_a to be Float32, BFloat16 or Float16 matrix, got \(a.dtype.scalarTypeName)") }
            guard supported.contains(b.dtype) else { throw OperatorError("Expected mat_b to be Float32, BFloat16 or Float16 matrix, got \(b.dtype.scalarTypeName)") }
            guard a.dtype == b.dtype else {
                throw OperatorError("Expected mat_a and mat_b to have the same dtype, got \(a.dtype.scalarTypeName) and \(b.dtype.scalarTypeName)")
            }
            guard a.rank == 2 || a.rank == 3 else { throw OperatorError("mat_a has to be 2 or 3d") }
            guard b.rank == 2 || b.rank == 3 else { throw OperatorError("mat_b has to be 2 or 3d") }
            let (aIs2D, bIs2D) = (a.rank == 2, b.rank == 2)
            if !aIs2D || !bIs2D {
                guard a.shape[a.rank - 1] == b.shape[b.rank - 2] else { throw OperatorError("contraction dimension of mat_a and mat_b must match") }
            }
            try Self.checkGroupedOperandStrides(a)
            try Self.checkGroupedOperandStrides(b)
            guard (offsets != nil) == (aIs2D || bIs2D) else {
                throw OperatorError("Have to provide offsets if there is a 2d matrix, or no offset if both matrices are 3d")
            }
            if let offsets {
                guard offsets.rank == 1 else { throw OperatorError("offs has to be 1D") }
                guard offsets.dtype == .int32 else { throw OperatorError("Offsets have to be int32") }
            }
            guard bias == nil else { throw OperatorError("Bias not supported yet") }
            guard (outDType ?? a.dtype) == a.dtype else { throw OperatorError("Grouped gemm output dtype must match `mat_a` dtype") }
            guard let offsets else {
                guard a.shape[0] == b.shape[0] else { throw OperatorError("batched dimension has to match") }
                return try a.bmm(b)
            }
            // Each group ends where its offset says and the next starts there; ranges slice as ATen's `slice` does.
            let ends = try offsets.contiguous().scalars(as: Int32.self).map { Int($0) }
            var start = 0
            switch (aIs2D, bIs2D) {
            case (true, false):
                // Row groups of `self`, each times its own matrix of `mat2`.
                guard ends.count == b.shape[0] else { throw OperatorError("matrix batch sizes have to match") }
                let result = try Tensor.full([a.shape[0], b.shape[2]], value: 0, dtype: a.dtype)
                for (group, end) in ends.enumerated() {
                    let rows = try result.slice(dim: 0, start: start, end: end)
                    if rows.elementCount > 0 { try rows.copy(from: a.slice(dim: 0, start: start, end: end).mm(b.select(dim: 0, index: group))) }
                    start = end
                }
                return result
            case (false, true):
                // Column groups of `mat2`, each times its own matrix of `self`.
                guard ends.count == a.shape[0] else { throw OperatorError("matrix batch sizes have to match") }
                let result = try Tensor.full([a.shape[1], b.shape[1]], value: 0, dtype: a.dtype)
                for (group, end) in ends.enumerated() {
                    let columns = try result.slice(dim: 1, start: start, end: end)
                    if columns.elementCount > 0 { try columns.copy(from: a.select(dim: 0, index: group).mm(b.slice(dim: 1, start: start, end: end))) }
                    start = end
                }
                return result
            default:
                // Groups of the contraction dimension, one result matrix each (zeros for an empty group).
                let result = try Tensor.full([ends.count, a.shape[0], b.shape[1]], value: 0, dtype: a.dtype)
                for (group, end) in ends.enumerated() {
                    let (left, right) = (try a.slice(dim: 1, start: start, end: end), try b.slice(dim: 0, start: start, end: end))
                    guard left.shape[1] == right.shape[0] else {
                        throw OperatorError("mm: mat1 and mat2 shapes cannot be multiplied (\(left.shape[0])x\(left.shape[1]) and \(right.shape[0])x\(right.shape[1]))")
                    }
                    let matrix = try result.select(dim: 0, index: group)
                    if matrix.elementCount > 0 { try matrix.copy(from: left.mm(right)) }
                    start = end
                }
                return result
            }
        }
    }

    /// ATen's `check_valid_strides_and_return_transposed`: one of the last two dimensions has stride 1 and the other a
    /// stride of at least its partner's size and a multiple of 16 bytes.
    private static func checkGroupedOperandStrides(_ matrix: Tensor) throws {
        let alignment = 16 / matrix.dtype.itemSize
        let (rows, columns) = (matrix.shape[matrix.rank - 2], matrix.shape[matrix.rank - 1])
        let (rowStride, columnStride) = (matrix.strides[matrix.rank - 2], matrix.strides[matrix.rank - 1])
        if rowStride == 1 && columnStride >= Swift.max(1, rows) {
            guard columnStride % alignment == 0 else { throw OperatorError("strides should be multiple of 16 bytes") }
        } else if columnStride == 1 && rowStride >= Swift.max(1, columns) {
            guard rowStride % alignment == 0 else { throw OperatorError("strides should be multiple of 16 bytes") }
        } else {
            throw OperatorError("Invalid strides/sizes, got \(matrix.strides) for strides and \(matrix.shape) for sizes")
        }
    }
}
