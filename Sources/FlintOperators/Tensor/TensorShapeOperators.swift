import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Indexing, gathering and scattering, sorting, joining, padding and view operators.
    mutating func defineShapeOperators() {
        // Indexing and shape
        tensorOp("aten::index_select") { try $0.tensor(0, "self").indexSelect(dim: $0.int(1, "dim"), index: $0.tensor(2, "index")) }
        tensorOp("aten::gather") { try $0.tensor(0, "self").gather(dim: $0.int(1, "dim"), index: $0.tensor(2, "index")) }
        tensorOp("aten::index.Tensor", writing: { try $0.tensor(0, "self").index($0.optionalTensorElements(1, "indices"), into: $1) })
        tensorOp("aten::index_put") { c in
            try c.tensor(0, "self").indexPut(c.optionalTensors(1, "indices"), values: c.tensor(2, "values"), accumulate: c.bool(3, "accumulate", default: false))
        }
        tensorOp("aten::index_put_") { c in
            let target = try c.tensor(0, "self")
            try target.indexPutInPlace(c.optionalTensors(1, "indices"), values: c.tensor(2, "values"), accumulate: c.bool(3, "accumulate", default: false))
            return target
        }
        tensorOp("aten::scatter.src") { try $0.tensor(0, "self").scatter(dim: $0.int(1, "dim"), index: $0.tensor(2, "index"), source: .tensor($0.tensor(3, "src"))) }
        tensorOp("aten::scatter.value") { try $0.tensor(0, "self").scatter(dim: $0.int(1, "dim"), index: $0.tensor(2, "index"), source: .scalar($0.scalar(3, "value"))) }
        tensorOp("aten::scatter.reduce") { c in
            try c.tensor(0, "self").scatterReduce(dim: c.int(1, "dim"), index: c.tensor(2, "index"), source: .tensor(c.tensor(3, "src")), reduce: c.string(4, "reduce"))
        }
        tensorOp("aten::scatter.value_reduce") { c in
            try c.tensor(0, "self").scatterReduce(dim: c.int(1, "dim"), index: c.tensor(2, "index"), source: .scalar(c.scalar(3, "value")), reduce: c.string(4, "reduce"))
        }
        tensorOp("aten::scatter_add") { try $0.tensor(0, "self").scatter(dim: $0.int(1, "dim"), index: $0.tensor(2, "index"), source: .tensor($0.tensor(3, "src")), accumulate: true) }
        tensorOp("aten::scatter_reduce.two") { c in
            try c.tensor(0, "self").scatterReduce(
                dim: c.int(1, "dim"), index: c.tensor(2, "index"), source: .tensor(c.tensor(3, "src")), reduce: c.string(4, "reduce"),
                includeSelf: c.bool(5, "include_self", default: true))
        }
        // index_reduce: source's slices along dim reduced into self's slices named by the 1-D index, as scatter_reduce
        // does with the index spread over source's shape.
        tensorOp("aten::index_reduce") { c in
            let (x, index, source) = (try c.tensor(0, "self"), try c.tensor(2, "index"), try c.tensor(3, "source"))
            let reduce = try c.string(4, "reduce")
            guard ["prod", "mean", "amax", "amin"].contains(reduce) else {
                throw OperatorError("index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got \(reduce).")
            }
            guard index.dtype == .int64 || index.dtype == .int32 else {
                throw OperatorError("index_reduce_(): Expected dtype int32/int64 for index but got: \(index.dtype.scalarTypeName)")
            }
            guard index.rank <= 1 else { throw OperatorError("index_reduce_(): Index is supposed to be a vector") }
            let dim = try x.wrapDimension(c.int(1, "dim"))
            guard source.rank == x.rank || (source.rank <= 1 && x.rank <= 1) else {
                throw OperatorError("index_reduce_(): Source and self must have the same number of dimensions, got \(source.rank) and \(x.rank)")
            }
            let sliceLength = source.rank == 0 ? 1 : source.shape[dim]
            guard index.elementCount == sliceLength else {
                throw OperatorError("index_reduce_(): Number of indices (\(index.elementCount)) should be equal to source.size(dim): (\(sliceLength)), for dim: \(dim)")
            }
            guard x.dtype == source.dtype else {
                throw OperatorError("index_reduce_(): self (\(x.dtype.scalarTypeName)) and source (\(source.dtype.scalarTypeName)) must have the same scalar type")
            }
            if x.rank == 0 || source.rank == 0 {
                return try x.reshape([1]).scatterReduce(dim: 0, index: index.reshape([1]).to(.int64), source: .tensor(source.reshape([1])), reduce: reduce,
                    includeSelf: c.bool(5, "include_self", default: true)).reshape(x.shape)
            }
            var view = Array(repeating: 1, count: source.rank)
            view[dim] = sliceLength
            let spread = try index.to(.int64).reshape(view).expand(source.shape)
            return try x.scatterReduce(dim: dim, index: spread, source: .tensor(source), reduce: reduce, includeSelf: c.bool(5, "include_self", default: true))
        }
        // put(self, index, source, accumulate): source written (or added) at flat indices of self (negative ones wrap).
        tensorOp("aten::put") { c in
            let (x, index, source) = (try c.tensor(0, "self"), try c.tensor(1, "index"), try c.tensor(2, "source"))
            guard index.dtype == .int64 else { throw OperatorError("put_(): Expected a long tensor for index, but got \(index.dtype.scalarTypeName)") }
            guard x.dtype == source.dtype else {
                throw OperatorError("put_(): self and source expected to have the same dtype, but got self.dtype = \(x.dtype.scalarTypeName) and source.dtype = \(source.dtype.scalarTypeName)")
            }
            guard index.elementCount == source.elementCount else {
                throw OperatorError("put_(): Expected source and index to have the same number of elements, but got source.numel() = \(source.elementCount), index.numel() = \(index.elementCount)")
            }
            let count = Int64(x.elementCount)
            let flatIndex = try index.reshape([-1]).contiguous().scalars(as: Int64.self)
            if let bad = flatIndex.first(where: { $0 < -count || $0 >= count }) {
                throw OperatorError("out of range: tried to access index \(bad) on a tensor of \(count) elements.")
            }
            let wrapped = try Tensor(shape: [flatIndex.count], scalars: flatIndex.map { $0 < 0 ? $0 + count : $0 })
            let flat = try x.contiguous().reshape([-1]).indexPut([wrapped], values: source.reshape([-1]), accumulate: c.bool(3, "accumulate", default: false))
            return try flat.reshape(x.shape)
        }
        // nonzero_static: nonzero's rows cut or padded with fill_value to exactly `size`.
        tensorOp("aten::nonzero_static") { c in
            let (x, size, fill) = (try c.tensor(0, "self"), try c.int(1, "size"), try c.int(2, "fill_value", default: -1))
            guard size >= 0 else { throw OperatorError("nonzero_static: 'size' must be an non-negative integer") }
            let found = try x.nonzero()
            let width = found.shape[1]
            if found.shape[0] >= size { return try found.narrow(dim: 0, start: 0, length: size).contiguous() }
            let padding = try Tensor.full([size - found.shape[0], width], value: Double(fill), dtype: .int64)
            return try Tensor.cat([found, padding], dim: 0)
        }
        tensorOp("aten::index_add") { try $0.tensor(0, "self").indexAdd(dim: $0.int(1, "dim"), index: $0.tensor(2, "index"), source: $0.tensor(3, "source"), alpha: $0.scalar(4, "alpha", default: .int(1))) }
        tensorOp("aten::index_copy") { try $0.tensor(0, "self").indexCopy(dim: $0.int(1, "dim"), index: $0.tensor(2, "index"), source: $0.tensor(3, "source")) }
        tensorOp("aten::index_fill.int_Scalar") { try $0.tensor(0, "self").indexFill(dim: $0.int(1, "dim"), index: $0.tensor(2, "index"), value: $0.scalar(3, "value")) }
        tensorOp("aten::index_fill.int_Tensor") { c in
            let v = try c.tensor(3, "value")
            return try c.tensor(0, "self").indexFill(dim: c.int(1, "dim"), index: c.tensor(2, "index"), value: v.dtype.isFloatingPoint ? .double(v.item()) : .int(Int64(v.item())))
        }
        tensorOp("aten::masked_scatter") { try $0.tensor(0, "self").maskedScatter($0.tensor(1, "mask"), source: $0.tensor(2, "source")) }
        tensorOp("aten::take") { try $0.tensor(0, "self").take($0.tensor(1, "index")) }
        define("aten::kthvalue") { c in
            let r = try c.tensor(0, "self").kthvalue(c.int(1, "k"), dim: c.int(2, "dim", default: -1), keepDim: c.bool(3, "keepdim", default: false))
            return .tuple([.tensor(r.values), .tensor(r.indices)])
        }
        for name in ["aten::sort", "aten::sort.stable"] {
            define(name) { c in
                let stableIndex = name.hasSuffix("stable")
                let r = try c.tensor(0, "self").sort(
                    dim: c.int(stableIndex ? 2 : 1, "dim", default: -1), descending: c.bool(stableIndex ? 3 : 2, "descending", default: false),
                    stable: stableIndex ? (try c.optionalBool(1, "stable") ?? false) : false)
                return .tuple([.tensor(r.values), .tensor(r.indices)])
            }
        }
        tensorOp("aten::argsort") { try $0.tensor(0, "self").argsort(dim: $0.int(1, "dim", default: -1), descending: $0.bool(2, "descending", default: false)) }
        tensorOp("aten::argsort.stable") { try $0.tensor(0, "self").argsort(dim: $0.int(2, "dim", default: -1), descending: $0.bool(3, "descending", default: false), stable: $0.bool(1, "stable")) }
        define("aten::topk") { c in
            let r = try c.tensor(0, "self").topk(c.int(1, "k"), dim: c.int(2, "dim", default: -1), largest: c.bool(3, "largest", default: true), sorted: c.bool(4, "sorted", default: true))
            return .tuple([.tensor(r.values), .tensor(r.indices)])
        }
        define("aten::where") { c in
            let coordinates = try c.tensor(0, "condition").nonzero()
            return TensorOperatorSupport.list(try (0..<coordinates.shape[1]).map { try coordinates.select(dim: 1, index: $0).contiguous() })
        }
        tensorOp("aten::masked_select") { try $0.tensor(0, "self").maskedSelect($0.tensor(1, "mask")) }
        tensorOp("aten::nonzero") { try $0.tensor(0, "self").nonzero() }
        tensorOp("aten::cat") { try Tensor.cat($0.tensors(0, "tensors"), dim: $0.int(1, "dim", default: 0)) }
        tensorOp("aten::stack") { try Tensor.stack($0.tensors(0, "tensors"), dim: $0.int(1, "dim", default: 0)) }
        tensorOp("aten::constant_pad_nd") { try $0.tensor(0, "self").pad($0.ints(1, "pad"), mode: "constant", fill: $0.scalar(2, "value", default: .int(0))) }
        tensorOp("aten::reflection_pad3d") { try $0.tensor(0, "self").pad($0.ints(1, "padding"), mode: "reflect") }
        tensorOp("aten::replication_pad3d") { try $0.tensor(0, "self").pad($0.ints(1, "padding"), mode: "replicate") }
        tensorOp("aten::_pad_circular") { try $0.tensor(0, "self").pad($0.ints(1, "pad"), mode: "circular") }
        unary("clone") { try $0.clone() }
        unary("lift_fresh_copy") { try $0.clone() }
        unary("alias") { $0 }
        // The writer form copies into the plan's buffer: the graph keeps `contiguous` only where the input is
        // not contiguous (no-op elimination drops the rest), so it copies there as the body does.
        tensorOp("aten::contiguous", writing: { c, output in
            let input = try c.tensor(0, "self")
            guard let output else { return try input.contiguous() }
            try output.copy(from: input)
            return output
        })
        unary("t") { try $0.t() }
        unary("squeeze") { try $0.squeeze() }
        tensorOp("aten::squeeze.dim") { try $0.tensor(0, "self").squeeze($0.int(1, "dim")) }
        tensorOp("aten::squeeze.dims") { c in
            var t = try c.tensor(0, "self")
            for d in try c.ints(1, "dim").map({ try t.wrapDimension($0) }).sorted(by: >) { t = try t.squeeze(d) }
            return t
        }
        tensorOp("aten::unsqueeze") { try $0.tensor(0, "self").unsqueeze($0.int(1, "dim")) }
        tensorOp("aten::expand") { try $0.tensor(0, "self").expand($0.ints(1, "size")) }
        tensorOp("aten::expand_as") { try $0.tensor(0, "self").expand($0.tensor(1, "other").shape) }
        tensorOp("aten::broadcast_to") { try $0.tensor(0, "self").expand($0.ints(1, "size", single: false)) }
        tensorOp("aten::reshape_as") { try $0.tensor(0, "self").reshape($0.tensor(1, "other").shape) }
        tensorOp("aten::view_as") { try $0.tensor(0, "self").view($0.tensor(1, "other").shape) }
        tensorOp("aten::pixel_shuffle") { c in try Self.pixelShuffle(c.tensor(0, "self"), factor: c.int(1, "upscale_factor"), inverse: false) }
        tensorOp("aten::pixel_unshuffle") { c in try Self.pixelShuffle(c.tensor(0, "self"), factor: c.int(1, "downscale_factor"), inverse: true) }
        tensorOp("aten::select.int") { try $0.tensor(0, "self").select(dim: $0.int(1, "dim"), index: $0.int(2, "index")) }
        tensorOp("aten::slice.Tensor") { c in
            try c.tensor(0, "self").slice(dim: c.int(1, "dim", default: 0), start: c.optionalInt(2, "start"), end: c.optionalInt(3, "end"), step: c.int(4, "step", default: 1))
        }
        tensorOp("aten::narrow") { try $0.tensor(0, "self").narrow(dim: $0.int(1, "dim"), start: $0.int(2, "start"), length: $0.int(3, "length")) }
        tensorOp("aten::narrow_copy") { c in
            let x = try c.tensor(0, "self")
            // narrow_copy's own kernel checks the dimension with a TORCH_CHECK of its own wording.
            guard x.rank > 0 else { throw OperatorError("narrow() cannot be applied to a 0-dim tensor.") }
            let dim = try c.int(1, "dim")
            guard dim < x.rank else { throw TensorOperatorSupport.checkFailure("dim < static_cast<int64_t>(self_sizes.size())") }
            return try x.narrow(dim: dim, start: c.int(2, "start"), length: c.int(3, "length")).clone()
        }
        tensorOp("aten::movedim.int") { try $0.tensor(0, "self").movedim([$0.int(1, "source")], [$0.int(2, "destination")]) }
        tensorOp("aten::movedim.intlist") { try $0.tensor(0, "self").movedim($0.ints(1, "source"), $0.ints(2, "destination")) }
        tensorOp("aten::view.dtype") { try $0.tensor(0, "self").view(as: $0.requiredDType(1, "dtype")) }
        tensorOp("aten::diag") { try $0.tensor(0, "self").diag(offset: $0.int(1, "diagonal", default: 0)) }
        tensorOp("aten::diagonal") { try $0.tensor(0, "self").diagonal($0.int(2, "dim1", default: 0), $0.int(3, "dim2", default: 1), offset: $0.int(1, "offset", default: 0)) }
        // _chunk_cat(tensors, dim, num_chunks): each tensor split along dim into num_chunks chunks of equal size (the
        // last zero-padded), chunk i of every tensor flattened and concatenated into row i of the result.
        tensorOp("aten::_chunk_cat") { c in
            let tensors = try c.tensors(0, "tensors")
            let chunks = try c.int(2, "num_chunks")
            guard let first = tensors.first else { throw OperatorError("_chunk_cat expects a non-empty input tensor list") }
            guard chunks > 0 else { throw OperatorError("_chunk_cat expects positive num_chunks") }
            guard tensors.allSatisfy({ $0.dtype == first.dtype }) else { throw OperatorError("_chunk_cat expects all input tensors with the same dtype") }
            let dim = try c.int(1, "dim")
            if dim < 0, tensors.contains(where: { $0.rank != first.rank }) {
                throw OperatorError("_chunk_cat expects non-negative dim when input tensors have different ndims")
            }
            let d = try first.wrapDimension(dim)
            guard tensors.allSatisfy({ $0.rank > d }) else { throw OperatorError("_chunk_cat expects dim < ndim for all input tensors") }
            guard tensors.allSatisfy({ Array($0.shape.prefix(d)) == Array(first.shape.prefix(d)) }) else {
                throw OperatorError("_chunk_cat expects same sizes of 0,...,dim-1 dimensions for all tensors")
            }
            let rows = try tensors.map { t -> Tensor in
                let chunk = (t.shape[d] + chunks - 1) / chunks
                var padded = t.shape
                padded[d] = chunk * chunks
                let staged = Tensor(zeros: padded, dtype: t.dtype)
                try staged.narrow(dim: d, start: 0, length: t.shape[d]).copy(from: t)
                return try staged.reshape(Array(t.shape.prefix(d)) + [chunks, -1])
            }
            return try Tensor.cat(rows, dim: d + 1)
        }
        tensorOp("aten::hstack") { c in
            let list = try c.tensors(0, "tensors")
            // atleast_1d, then concatenation along dim 0 when the first tensor is 1-D and dim 1 otherwise.
            let parts = try list.map { $0.rank == 0 ? try $0.reshape([1]) : $0 }
            return try Tensor.cat(parts, dim: (parts.first?.rank ?? 1) == 1 ? 0 : 1)
        }
        tensorOp("aten::vstack") { c in try Tensor.cat(c.tensors(0, "tensors").map { $0.rank < 2 ? try $0.reshape([1, -1]) : $0 }, dim: 0) }
        tensorOp("aten::repeat") { try $0.tensor(0, "self").repeated($0.ints(1, "repeats")) }
        tensorOp("aten::tile") { try $0.tensor(0, "self").tile($0.ints(1, "dims")) }
        tensorOp("aten::roll") { try $0.tensor(0, "self").roll($0.ints(1, "shifts"), dims: $0.ints(2, "dims", default: [])) }
        tensorOp("aten::unflatten.int") { try $0.tensor(0, "self").unflatten(dim: $0.int(1, "dim"), sizes: $0.ints(2, "sizes")) }
        tensorOp("aten::repeat_interleave.self_int") { try $0.tensor(0, "self").repeatInterleave([$0.int(1, "repeats")], dim: $0.optionalInt(2, "dim")) }
        tensorOp("aten::repeat_interleave.self_Tensor") { c in
            try c.tensor(0, "self").repeatInterleave(c.tensor(1, "repeats").to(.int64).scalars(as: Int64.self).map { Int($0) }, dim: c.optionalInt(2, "dim"))
        }
        tensorOp("aten::repeat_interleave.Tensor") { c in
            let counts = try c.tensor(0, "repeats").to(.int64).scalars(as: Int64.self).map { Int($0) }
            let index = try Tensor(shape: [counts.count], scalars: (0..<counts.count).map { Int64($0) })
            return try index.repeatInterleave(counts, dim: 0)
        }
        define("aten::split.sizes") { c in TensorOperatorSupport.list(try c.tensor(0, "self").split(sizes: c.ints(1, "split_size"), dim: c.int(2, "dim", default: 0))) }
        tensorOp("aten::pad") { c in
            try c.tensor(0, "self").pad(c.ints(1, "pad"), mode: c.string(2, "mode", default: "constant"), value: c.optionalDouble(3, "value") ?? 0)
        }
        tensorOp("aten::reflection_pad1d") { try $0.tensor(0, "self").pad($0.ints(1, "padding"), mode: "reflect") }
        tensorOp("aten::reflection_pad2d") { try $0.tensor(0, "self").pad($0.ints(1, "padding"), mode: "reflect") }
        tensorOp("aten::replication_pad1d") { try $0.tensor(0, "self").pad($0.ints(1, "padding"), mode: "replicate") }
        tensorOp("aten::replication_pad2d") { try $0.tensor(0, "self").pad($0.ints(1, "padding"), mode: "replicate") }
        tensorOp("aten::flip") { try $0.tensor(0, "self").flip($0.ints(1, "dims")) }
        tensorOp("aten::tril") { try $0.tensor(0, "self").triangle(upper: false, diagonal: $0.int(1, "diagonal", default: 0)) }
        tensorOp("aten::triu") { try $0.tensor(0, "self").triangle(upper: true, diagonal: $0.int(1, "diagonal", default: 0)) }
        tensorOp("aten::flatten.using_ints") { try $0.tensor(0, "self").flatten(startDim: $0.int(1, "start_dim", default: 0), endDim: $0.int(2, "end_dim", default: -1)) }
        tensorOp("aten::reshape") { try $0.tensor(0, "self").reshape($0.ints(1, "shape")) }
        tensorOp("aten::view") { try $0.tensor(0, "self").view($0.ints(1, "size")) }
        tensorOp("aten::transpose.int") { try $0.tensor(0, "self").transpose($0.int(1, "dim0"), $0.int(2, "dim1")) }
        tensorOp("aten::swapaxes") { try $0.tensor(0, "self").transpose($0.int(1, "axis0"), $0.int(2, "axis1")) }
        tensorOp("aten::swapdims") { try $0.tensor(0, "self").transpose($0.int(1, "dim0"), $0.int(2, "dim1")) }
        tensorOp("aten::permute") { try $0.tensor(0, "self").permute($0.ints(1, "dims")) }
        define("aten::chunk") { c in TensorOperatorSupport.list(try c.tensor(0, "self").chunk(c.int(1, "chunks"), dim: c.int(2, "dim", default: 0))) }
        define("aten::unbind.int") { c in TensorOperatorSupport.list(try c.tensor(0, "self").unbind(dim: c.int(1, "dim", default: 0))) }
        define("aten::split.Tensor") { c in TensorOperatorSupport.list(try c.tensor(0, "self").split(c.int(1, "split_size"), dim: c.int(2, "dim", default: 0))) }
        define("aten::split_with_sizes") { c in TensorOperatorSupport.list(try c.tensor(0, "self").split(sizes: c.ints(1, "split_sizes"), dim: c.int(2, "dim", default: 0))) }

    }

    /// `pixel_shuffle` (`[*, C·r², H, W]` → `[*, C, H·r, W·r]`) or, `inverse`, `pixel_unshuffle`, with ATen's checks.
    static func pixelShuffle(_ x: Tensor, factor r: Int, inverse: Bool) throws -> Tensor {
        let name = inverse ? "pixel_unshuffle" : "pixel_shuffle"
        guard x.rank >= 3 else { throw OperatorError("\(name) expects input to have at least 3 dimensions, but got input with \(x.rank) dimension(s)") }
        guard r > 0 else { throw OperatorError("\(name) expects a positive \(inverse ? "downscale" : "upscale")_factor, but got \(r)") }
        let batch = Array(x.shape.dropLast(3))
        let (c, h, w) = (x.shape[x.rank - 3], x.shape[x.rank - 2], x.shape[x.rank - 1])
        let n = batch.count
        if inverse {
            guard h % r == 0 else { throw OperatorError("pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)=\(h) is not divisible by \(r)") }
            guard w % r == 0 else { throw OperatorError("pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)=\(w) is not divisible by \(r)") }
            let split = try x.reshape(batch + [c, h / r, r, w / r, r])
            return try split.permute(Array(0..<n) + [n, n + 2, n + 4, n + 1, n + 3]).reshape(batch + [c * r * r, h / r, w / r])
        }
        guard c % (r * r) == 0 else {
            throw OperatorError("pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)=\(c) is not divisible by \(r * r)")
        }
        let split = try x.reshape(batch + [c / (r * r), r, r, h, w])
        return try split.permute(Array(0..<n) + [n, n + 3, n + 1, n + 4, n + 2]).reshape(batch + [c / (r * r), h * r, w * r])
    }
}
