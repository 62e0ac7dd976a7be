import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Every ATen tensor operator: out-of-place ones by family, then their in-place `name_` variants.
    mutating func defineTensorOperators() {
        definePointwiseOperators()
        defineBinaryOperators()
        defineReductionsOperators()
        defineLinearAlgebraOperators()
        defineConvolutionOperators()
        defineNormalizationOperators()
        defineShapeOperators()
        defineScatterViewOperators()
        defineInterpolationOperators()
        defineCreationOperators()
        defineRecurrentOperators()
        definePackedSequenceOperators()
        defineAttentionOperators()
        defineDetectionOperators()
        defineEmbeddingBagOperators()
        defineNestedTensorOperators()
        defineLossOperators()
        defineSpecialPointwiseOperators()
        defineSearchOperators()
        defineDistanceOperators()
        defineSplitOperators()
        defineRearrangeOperators()
        defineMarginLossOperators()
        defineUnpoolingOperators()
        defineVectorProductOperators()
        defineStatisticsOperators()
        defineIntegrationOperators()
        defineSpecialFunctionOperators()
        defineCopyingViewVariants()
        defineQuantizedOperators()
        defineInPlaceVariants()
        defineFastInPlaceOperators()
    }

    /// Declares an operator whose result is one tensor.
    mutating func tensorOp(_ qualifiedName: String, _ body: @escaping @Sendable (Arguments) throws -> Tensor) {
        define(qualifiedName) { .tensor(try body($0)) }
    }

    /// Declares `aten::name(Tensor self) -> Tensor`.
    mutating func unary(_ name: String, _ body: @escaping @Sendable (Tensor) throws -> Tensor) {
        tensorOp("aten::\(name)") { try body($0.tensor(0, "self")) }
    }

    /// In-place operators on the hot path of convolutional networks, written straight into `self` when it is
    /// a contiguous float32 tensor; otherwise the general variant (compute, then copy) runs.
    private mutating func defineFastInPlaceOperators() {
        guard let generalRelu = self["aten::relu_"], let generalAdd = self["aten::add_.Tensor"] else { return }
        define("aten::relu_") { c in
            let target = try c.tensor(0, "self")
            guard target.dtype == .float32, target.isContiguous else { return try generalRelu(c) }
            let x = target.baseAddress.assumingMemoryBound(to: Float.self)
            ThreadPool.shared.parallelFor(target.elementCount, minimumPerThread: 1 << 15) { range, _ in
                // `v < 0 ? 0 : v` keeps NaN, as ATen's relu does.
                for i in range { x[i] = x[i] < 0 ? 0 : x[i] }
            }
            return .tensor(target)
        }
        define("aten::add_.Tensor") { c in
            let target = try c.tensor(0, "self")
            let other = try c.tensor(1, "other")
            let alpha = try c.scalar(2, "alpha")
            guard target.dtype == .float32, other.dtype == .float32, target.isContiguous, other.isContiguous,
                other.shape == target.shape, alpha == .int(1) || alpha == .double(1), !target.isSameView(as: other)
            else { return try generalAdd(c) }
            let (x, y) = (target.baseAddress.assumingMemoryBound(to: Float.self), UnsafePointer(other.baseAddress.assumingMemoryBound(to: Float.self)))
            ThreadPool.shared.parallelFor(target.elementCount, minimumPerThread: 1 << 15) { range, _ in
                for i in range { x[i] += y[i] }
            }
            return .tensor(target)
        }
    }

    /// The `*_copy` operators of the view ops (`transpose_copy.int`, `split_copy.Tensor`, …, as functionalised
    /// graphs and `torch.export` programs call them): the view, then a contiguous copy of it (of each element
    /// of a list). Declared for every view op the registry implements.
    private mutating func defineCopyingViewVariants() {
        let views = [
            "alias", "as_strided", "detach", "diagonal", "expand", "narrow", "permute", "select.int", "slice.Tensor", "split.Tensor",
            "split_with_sizes", "squeeze", "squeeze.dim", "squeeze.dims", "t", "transpose.int", "unbind.int", "unfold", "unsqueeze",
            "view.dtype",
        ]
        // detach is declared with the builtins, after this; its copy is a plain clone.
        unary("detach_copy") { try $0.clone() }
        // view_copy reshapes where the strides allow no view, as ATen's does.
        tensorOp("aten::view_copy") { try $0.tensor(0, "self").reshape($0.ints(1, "size")).clone() }
        for view in views {
            guard let body = self["aten::\(view)"] else { continue }
            let parts = view.split(separator: ".", maxSplits: 1)
            let name = "aten::\(parts[0])_copy" + (parts.count > 1 ? ".\(parts[1])" : "")
            guard self[name] == nil else { continue }
            define(name) { c in
                switch try body(c) {
                case .tensor(let t): return .tensor(try t.clone())
                case .list(let list):
                    return TensorOperatorSupport.list(try list.elements.map { element -> Tensor in
                        guard case .tensor(let t) = element else { throw TensorError("\(name): a view op returned a list of non-tensors") }
                        return try t.clone()
                    })
                default: throw TensorError("\(name): the view op returned no tensor")
                }
            }
        }
    }

    /// In-place variants (`add_.Tensor`, `relu_`...) of every tensor operator that lacks its own: compute out
    /// of place, then write into `self` (through any view), provided the result's dtype can be cast to self's
    /// as ATen requires.
    private mutating func defineInPlaceVariants() {
        for (name, implementation) in bodies {
            let parts = name.split(separator: ".", maxSplits: 1)
            let inplace = String(parts[0] + "_" + (parts.count > 1 ? "." + parts[1] : ""))
            guard self[inplace] == nil else { continue }
            define(inplace) { c in
                let target = try c.tensor(0, "self")
                guard case .tensor(let result) = try implementation(c) else { throw TensorError("in-place op without a tensor result") }
                if !target.hasInternalOverlap, result.shape != target.shape, (try? result.expand(target.shape)) == nil {
                    throw TensorError("output with shape \(target.shape) doesn't match the broadcast shape \(result.shape)")
                }
                guard TensorOperatorSupport.canCast(result.dtype, to: target.dtype) else {
                    throw TensorError("result type \(result.dtype.scalarTypeName) can't be cast to the desired output type \(target.dtype.scalarTypeName)")
                }
                try target.copy(from: result)
                return .tensor(target)
            }
        }
    }
}

/// Helpers shared by the tensor operator declarations.
enum TensorOperatorSupport {
    /// ATen's `canCast`: no narrowing across categories (float → integer, integer → bool).
    static func canCast(_ from: DType, to: DType) -> Bool {
        if from.isFloatingPoint && !to.isFloatingPoint { return false }
        if from != .bool && to == .bool { return false }
        return true
    }

    /// A list of tensors as TorchScript's `Tensor[]`.
    static func list(_ tensors: [Tensor]) -> ScriptValue {
        .list(tensors.map { .tensor($0) }, elementType: "Tensor")
    }

    /// `upsample_*.vec(input, output_size?, [align_corners,] scale_factors?)`.
    static func interpolate(_ c: Arguments, mode: String, alignCornersIndex: Int?) throws -> Tensor {
        let input = try c.tensor(0, "input")
        let spatial = input.rank - 2
        guard spatial >= 1 else { throw TensorError("interpolate needs at least one spatial dimension") }
        let alignCorners = try alignCornersIndex.map { try c.bool($0, "align_corners") }
        let factorsIndex = alignCornersIndex == nil ? 2 : 3
        let factors = try c.optionalDoubles(factorsIndex, "scale_factors")
        let size: [Int]
        if let given = try c.optionalInts(1, "output_size") {
            guard factors == nil else { throw TensorError("Must specify exactly one of output_size and scale_factors") }
            guard given.count == spatial else {
                throw TensorError("Expected static_cast<int64_t>(output_size->size()) == spatial_dimensions to be true, but got false.  (Could this error message be improved?  If so, please report an enhancement request to PyTorch.)")
            }
            size = given
        } else if let factors {
            guard factors.allSatisfy({ $0.isFinite && $0 > 0 && $0 < 1e6 }), factors.count == 1 || factors.count == spatial else {
                throw TensorError("interpolate: invalid scale factors \(factors)")
            }
            size = (0..<spatial).map { Int((Double(input.shape[2 + $0]) * factors[factors.count == 1 ? 0 : $0]).rounded(.down)) }
        } else {
            throw TensorError("Must specify exactly one of output_size and scale_factors")
        }
        return try input.interpolate(
            outputSize: size, mode: mode, alignCorners: alignCorners, scales: factors.map { f in (0..<spatial).map { f[f.count == 1 ? 0 : $0] } })
    }

    /// `upsample_*(self, output_size, [align_corners,] scales...)`.
    static func interpolateExplicit(_ c: Arguments, mode: String, hasAlignCorners: Bool) throws -> Tensor {
        let input = try c.tensor(0, "self")
        let size = try c.ints(1, "output_size")
        let alignCorners = hasAlignCorners ? try c.bool(2, "align_corners") : nil
        let first = hasAlignCorners ? 3 : 2
        guard (1...3).contains(size.count) else { throw TensorError("interpolate: 1 to 3 output sizes expected") }
        let names = Array(["scales_d", "scales_h", "scales_w"].suffix(size.count))
        let scales = try (0..<size.count).map { try c.optionalDouble(first + $0, names[$0]) }
        return try input.interpolate(outputSize: size, mode: mode, alignCorners: alignCorners, scales: scales)
    }
}
