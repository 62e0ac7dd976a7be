import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// torchvision's operators and the ATen helpers its detection and segmentation models call
    /// (`meshgrid`, `broadcast_tensors`, `_unique2`, `as_tensor`...).
    mutating func defineDetectionOperators() {
        define(schema: "torchvision::nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor") { c in
            .tensor(try Tensor.nonMaximumSuppression(boxes: c.tensor(0, "dets"), scores: c.tensor(1, "scores"), iouThreshold: c.double(2, "iou_threshold")))
        }
        define(schema: "torchvision::roi_align(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, SymInt pooled_width, int sampling_ratio, bool aligned) -> Tensor") { c in
            .tensor(try c.tensor(0, "input").roiAlign(
                rois: c.tensor(1, "rois"), spatialScale: c.double(2, "spatial_scale"), pooledHeight: c.int(3, "pooled_height"),
                pooledWidth: c.int(4, "pooled_width"), samplingRatio: c.int(5, "sampling_ratio"), aligned: c.bool(6, "aligned")))
        }
        define("aten::broadcast_tensors") { c in
            let tensors = try c.tensors(0, "tensors")
            let shape = try Tensor.broadcastShape(tensors.map(\.shape))
            return TensorOperatorSupport.list(try tensors.map { try $0.expand(shape) })
        }
        for name in ["aten::meshgrid", "aten::meshgrid.indexing"] {
            define(name) { c in
                let tensors = try c.tensors(0, "tensors")
                let indexing = c.values.count > 1 ? try c.string(1, "indexing") : "ij"
                guard indexing == "ij" || indexing == "xy" else {
                    throw OperatorError("torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: \(indexing)")
                }
                guard tensors.allSatisfy({ $0.rank <= 1 }) else { throw OperatorError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list") }
                let swap = indexing == "xy" && tensors.count >= 2
                var ordered = tensors
                if swap { ordered.swapAt(0, 1) }
                let sizes = ordered.map(\.elementCount)
                var grids = try ordered.enumerated().map { i, t in
                    var view = Array(repeating: 1, count: sizes.count)
                    view[i] = sizes[i]
                    return try t.reshape(view).expand(sizes)
                }
                if swap { grids = try grids.map { try $0.transpose(0, 1) }; grids.swapAt(0, 1) }
                return TensorOperatorSupport.list(grids)
            }
        }
        define("aten::_unique2") { c in
            let t = try c.tensor(0, "self")
            let flat = try t.reshape([-1])
            let sorted = try flat.sort(dim: 0, descending: false, stable: true)
            let values = sorted.values
            let count = values.elementCount
            var uniqueIndices: [Int] = []
            var groupOf = [Int64](repeating: 0, count: count)
            let asDouble = try values.to(.float64).scalars(as: Double.self)
            for i in 0..<count {
                let same = i > 0 && (asDouble[i] == asDouble[i - 1] || (asDouble[i].isNaN && asDouble[i - 1].isNaN))
                if !same { uniqueIndices.append(i) }
                groupOf[i] = Int64(uniqueIndices.count - 1)
            }
            let unique = try values.indexSelect(dim: 0, index: Tensor(shape: [uniqueIndices.count], scalars: uniqueIndices.map(Int64.init)))
            var inverse = [Int64](repeating: 0, count: count)
            let order = try sorted.indices.scalars(as: Int64.self)
            for (position, original) in order.enumerated() { inverse[Int(original)] = groupOf[position] }
            var counts = [Int64](repeating: 0, count: uniqueIndices.count)
            for g in groupOf { counts[Int(g)] += 1 }
            let returnInverse = try c.bool(2, "return_inverse", default: false)
            let returnCounts = try c.bool(3, "return_counts", default: false)
            return .tuple([
                .tensor(unique),
                .tensor(returnInverse ? try Tensor(shape: t.shape, scalars: inverse) : Tensor.zeros([0], dtype: .int64)),
                .tensor(returnCounts ? try Tensor(shape: [counts.count], scalars: counts) : Tensor.zeros([0], dtype: .int64)),
            ])
        }
        // unique_consecutive: runs of equal elements (dim None) or equal slices along dim collapsed to one, with each
        // input's run number (inverse) and the run lengths (counts); without dim the unrequested ones are empty, with
        // dim ATen returns both whatever the flags say.
        define("aten::unique_consecutive") { c in
            let t = try c.tensor(0, "self")
            let (returnInverse, returnCounts) = (try c.bool(1, "return_inverse", default: false), try c.bool(2, "return_counts", default: false))
            let dim = try c.optionalInt(3, "dim").map { try t.wrapDimension($0) }
            let source: Tensor
            if let dim { source = t.rank == 0 ? t : try t.movedim([dim], [0]) } else { source = try t.reshape([-1]) }
            let length = source.rank == 0 ? 1 : source.shape[0]
            let rows = try source.reshape([length, -1]).to(.float64).contiguous()
            let width = length == 0 ? 0 : rows.elementCount / length
            let values = try rows.scalars(as: Double.self)
            func same(_ a: Int, _ b: Int) -> Bool {
                (0..<width).allSatisfy { values[a * width + $0] == values[b * width + $0] || (values[a * width + $0].isNaN && values[b * width + $0].isNaN) }
            }
            var starts: [Int64] = [], inverse = [Int64](repeating: 0, count: length)
            for i in 0..<length {
                if i == 0 || !same(i, i - 1) { starts.append(Int64(i)) }
                inverse[i] = Int64(starts.count - 1)
            }
            var counts = [Int64](repeating: 0, count: starts.count)
            for group in inverse { counts[Int(group)] += 1 }
            var unique = try source.indexSelect(dim: 0, index: Tensor(shape: [starts.count], scalars: starts))
            if let dim, t.rank > 0 { unique = try unique.movedim([0], [dim]).contiguous() }
            let inverseShape = dim == nil ? t.shape : [length]
            return .tuple([
                .tensor(unique),
                .tensor(returnInverse || dim != nil ? try Tensor(shape: inverseShape, scalars: inverse) : Tensor.zeros([0], dtype: .int64)),
                .tensor(returnCounts || dim != nil ? try Tensor(shape: [counts.count], scalars: counts) : Tensor.zeros([0], dtype: .int64)),
            ])
        }
        // unique_dim_consecutive is unique_consecutive along a dimension; unique_dim sorts the slices along it
        // lexicographically first (always: `sorted` changes nothing, as in ATen), and maps the inverse back.
        if let consecutive = self["aten::unique_consecutive"] {
            define("aten::unique_dim_consecutive") { c in try consecutive(Arguments([c[0], c[2], c[3], c[1]])) }
            define("aten::unique_dim") { c in
                let t = try c.tensor(0, "self")
                guard t.rank > 0 else { throw OperatorError("unique_dim: a 0-dimensional tensor has no dimension \(try c.int(1, "dim"))") }
                let dim = try t.wrapDimension(c.int(1, "dim"))
                let source = try t.movedim([dim], [0])
                let length = source.shape[0]
                let rows = try source.reshape([length, -1]).to(.float64).contiguous()
                let width = length == 0 ? 0 : rows.elementCount / length
                let values = try rows.scalars(as: Double.self)
                let order = (0..<length).sorted { a, b in
                    for k in 0..<width where values[a * width + k] != values[b * width + k] { return values[a * width + k] < values[b * width + k] }
                    return a < b
                }
                let sorted = try t.indexSelect(dim: dim, index: Tensor(shape: [length], scalars: order.map(Int64.init)))
                guard case .tuple(let parts) = try consecutive(Arguments([.tensor(sorted), .bool(true), .bool(true), .int(Int64(dim))])), parts.count == 3,
                      case .tensor(let sortedInverse) = parts[1] else { throw OperatorError("unique_dim: no result") }
                let groups = try sortedInverse.scalars(as: Int64.self)
                var inverse = [Int64](repeating: 0, count: length)
                for (position, original) in order.enumerated() { inverse[original] = groups[position] }
                return .tuple([parts[0], .tensor(try Tensor(shape: [length], scalars: inverse)), parts[2]])
            }
        }
        define("aten::as_tensor.list") { c in .tensor(try TensorLiteral.make(c[0], dtype: c.optionalDType(1, "dtype"))) }
        define("aten::as_tensor") { c in
            let t = try c.tensor(0, "data")
            return .tensor(try c.optionalDType(1, "dtype").map { $0 == t.dtype ? t : try t.to($0) } ?? t)
        }
        tensorOp("aten::new_empty") { c in Tensor.zeros(try c.ints(1, "size"), dtype: try c.optionalDType(2, "dtype") ?? c.tensor(0, "self").dtype) }
        for name in ["aten::unsafe_chunk"] {
            define(name) { c in TensorOperatorSupport.list(try c.tensor(0, "self").chunk(c.int(1, "chunks"), dim: c.int(2, "dim", default: 0))) }
        }
        define("aten::unsafe_split.Tensor") { c in TensorOperatorSupport.list(try c.tensor(0, "self").split(c.int(1, "split_size"), dim: c.int(2, "dim", default: 0))) }
        define("aten::unsafe_split_with_sizes") { c in
            TensorOperatorSupport.list(try c.tensor(0, "self").split(sizes: c.ints(1, "split_sizes"), dim: c.int(2, "dim", default: 0)))
        }
        tensorOp("aten::prelu") { c in
            let x = try c.tensor(0, "self")
            var weight = try c.tensor(1, "weight")
            guard weight.rank <= 1 else { throw OperatorError("prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = \(weight.rank)") }
            if weight.elementCount != 1 {
                guard x.rank > 0 else { throw OperatorError("Not allow zero-dim input tensor.") }
                guard x.rank >= 2, x.shape[1] == weight.elementCount else {
                    throw OperatorError("Mismatch of parameter numbers and input channel size. Found parameter numbers = \(weight.elementCount) and channel size = \(x.rank >= 2 ? x.shape[1] : 1).")
                }
                weight = try weight.reshape([1, weight.elementCount] + Array(repeating: 1, count: x.rank - 2))
            } else if x.rank == 0 {
                weight = try weight.reshape([]) // a scalar input keeps its shape
            }
            let negative = try Tensor.compare(Less(), .tensor(x), .scalar(.int(0)), operation: "prelu")
            return try Tensor.where(negative, .tensor(x.mul(weight)), .tensor(x))
        }
        for (name, upper) in [("aten::triu_indices", true), ("aten::tril_indices", false)] {
            tensorOp(name) { c in
                let (rows, columns, offset) = (try c.int(0, "row"), try c.int(1, "col"), try c.int(2, "offset", default: 0))
                guard rows >= 0, columns >= 0 else { throw OperatorError("\(name.dropFirst(6)): row and col must be non-negative") }
                var first: [Int64] = [], second: [Int64] = []
                for i in 0..<rows {
                    for j in 0..<columns where upper ? j - i >= offset : j - i <= offset {
                        first.append(Int64(i))
                        second.append(Int64(j))
                    }
                }
                return try Tensor(shape: [2, first.count], scalars: first + second).to(c.optionalDType(3, "dtype") ?? .int64)
            }
        }
    }
}

extension OperatorDefinitions {
    /// `nn.EmbeddingBag`: sums, means or maxima of embedding rows per bag. Bags are given by `offsets` into
    /// 1-D `indices`, or are the rows of 2-D `indices`; rows equal to `padding_idx` are skipped (and not
    /// counted in means). Returns (output, offset2bag, bag_size, max_indices) as ATen does, the last three
    /// filled for the caller's use of bag bookkeeping.
    mutating func defineEmbeddingBagOperators() {
        let body: OperatorBody = { c in
            let weight = try c.tensor(0, "weight")
            var indices = try c.tensor(1, "indices")
            let mode = try c.int(4, "mode")
            let perSample = try c.optionalTensor(6, "per_sample_weights")
            let includeLast = try c.bool(7, "include_last_offset")
            let padding = c.values.count > 8 ? try c.optionalInt(8, "padding_idx") : nil
            guard weight.rank == 2 else { throw OperatorError("embedding_bag: weight must be 2-D") }
            guard (0...2).contains(mode) else { throw OperatorError("embedding_bag: unknown mode \(mode)") }
            if perSample != nil && mode != 0 { throw OperatorError("embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum'") }
            var starts: [Int]
            if indices.rank == 2 {
                let (bags, length) = (indices.shape[0], indices.shape[1])
                starts = (0...bags).map { $0 * length }
                indices = try indices.reshape([-1])
            } else {
                guard case .tensor(let offsetTensor) = c[2] else { throw OperatorError("embedding_bag: offsets has to be a 1D Tensor but got null") }
                starts = try offsetTensor.to(.int64).scalars(as: Int64.self).map(Int.init)
                if !includeLast { starts.append(indices.elementCount) }
            }
            let ids = try indices.to(.int64).scalars(as: Int64.self)
            let rows = weight.shape[0]
            let dim = weight.shape[1]
            let table = try weight.to(.float64).contiguous().scalars(as: Double.self)
            let sampleWeights = try perSample.map { try $0.to(.float64).scalars(as: Double.self) }
            let bags = Swift.max(0, starts.count - 1)
            var output = [Double](repeating: 0, count: bags * dim)
            var bagSize = [Int64](repeating: 0, count: bags)
            var maxIndices = [Int64](repeating: mode == 2 ? -1 : 0, count: mode == 2 ? bags * dim : bags)
            var offset2bag = [Int64](repeating: 0, count: ids.count)
            for bag in 0..<bags {
                let (begin, end) = (starts[bag], Swift.min(starts[bag + 1], ids.count))
                guard begin <= end, begin >= 0 else { throw OperatorError("embedding_bag: offsets must be increasing and within the indices") }
                var count = 0
                for position in begin..<end {
                    offset2bag[position] = Int64(bag)
                    let id = Int(ids[position])
                    guard id >= 0 && id < rows else { throw OperatorError("embedding_bag: index \(id) out of range for \(rows) rows") }
                    if let padding, id == (padding < 0 ? padding + rows : padding) { continue }
                    count += 1
                    let scale = sampleWeights?[position] ?? 1
                    for j in 0..<dim {
                        let v = table[id * dim + j] * scale
                        if mode == 2 {
                            if count == 1 || v > output[bag * dim + j] {
                                output[bag * dim + j] = v
                                maxIndices[bag * dim + j] = Int64(id)
                            }
                        } else {
                            output[bag * dim + j] += v
                        }
                    }
                }
                bagSize[bag] = Int64(count)
                if mode == 1 && count > 0 { for j in 0..<dim { output[bag * dim + j] /= Double(count) } }
            }
            return .tuple([
                .tensor(try Tensor(shape: [bags, dim], scalars: output).to(weight.dtype)),
                .tensor(try Tensor(shape: [offset2bag.count], scalars: offset2bag)),
                .tensor(try Tensor(shape: [bags], scalars: bagSize)),
                .tensor(try Tensor(shape: mode == 2 ? [bags, dim] : [bags], scalars: maxIndices)),
            ])
        }
        define(["aten::embedding_bag", "aten::embedding_bag.padding_idx", "aten::_embedding_bag"], body)
    }
}
