import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Every ATen tensor operator: out-of-place ones by family, then their in-place `name_` variants.
    mutating func defineTensorOperators() {
        definePointwiseOperators()
        defineBinaryOperators()
        defineReductionsOperators()
        defineLinearAlgebraOperators()
        defineDecompositionOperators()
        defineGradientOperators()
        defineCompositeOperators()
        defineFourierOperators()
        defineComplexOperators()
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
        defineAliasOperators()
        definePrimsOperators()
        defineInternalOperators()
        defineFractionalPoolingOperators()
        defineCompatibilityOperators()
        defineAuxiliaryOperators()
        defineKernelEntryOperators()
        defineOptimizerStepOperators()
        defineRandomOperators()
        defineGeneratorOperators()
        defineDistributionSamplingOperators()
        defineCounterRandomOperators()
        defineQuantizedOperators()
        defineInPlaceArithmetic()
        defineInPlaceVariants()
        declareElementwiseResultShapes()
    }

    /// Declares an operator whose result is one tensor.
    mutating func tensorOp(_ qualifiedName: String, _ body: @escaping @Sendable (Arguments) throws -> Tensor) {
        define(qualifiedName) { .tensor(try body($0)) }
    }

    /// Declares an operator returning one new tensor, with its writer form (``OperatorWriter``): `compute`
    /// writes into the destination it is given (nil: it makes the result) and returns the result (see
    /// ``operatorForms(_:)``).
    mutating func tensorOp(_ qualifiedName: String, writing compute: @escaping @Sendable (Arguments, Tensor?) throws -> Tensor) {
        let forms = operatorForms(compute)
        define(qualifiedName, forms.body, writer: forms.writer)
    }

    /// Declares `aten::name(Tensor self) -> Tensor`.
    mutating func unary(_ name: String, _ body: @escaping @Sendable (Tensor) throws -> Tensor) {
        tensorOp("aten::\(name)") { try body($0.tensor(0, "self")) }
    }

    /// Declares `aten::name(Tensor self) -> Tensor` with its writer form: `compute` writes into the
    /// destination it is given (nil: it makes the result).
    mutating func unary(_ name: String, writing compute: @escaping @Sendable (Tensor, Tensor?) throws -> Tensor) {
        tensorOp("aten::\(name)", writing: { try compute($0.tensor(0, "self"), $1) })
    }

    /// `relu_` and `add_.Tensor`, the in-place operators on the hot path of convolutional networks: the
    /// tensor library writes a contiguous float32 tensor where it lies (``Tensor/reluInPlace()``,
    /// ``Tensor/addInPlace(_:alpha:)``) and takes the general route otherwise.
    private mutating func defineInPlaceArithmetic() {
        define("aten::relu_") { c in
            let target = try c.tensor(0, "self")
            try target.reluInPlace()
            return .tensor(target)
        }
        define("aten::add_.Tensor") { c in
            let target = try c.tensor(0, "self")
            try target.addInPlace(c.operand(1, "other"), alpha: c.scalar(2, "alpha", default: .int(1)))
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
            "view.dtype", "view_as_real", "view_as_complex",
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

    /// In-place variants (`mul_.Tensor`, `sigmoid_`...) of every tensor operator that lacks its own: compute out
    /// of place, then write into `self` (through any view) with ``Tensor/assign(inPlaceResult:)``.
    private mutating func defineInPlaceVariants() {
        // `resize_`, `resize_as_` and `set_` change what the tensor is (its shape, its storage), not its elements,
        // which a Flint tensor cannot do.
        let changeShape: Set<String> = ["aten::resize", "aten::resize_as", "aten::set", "aten::set.source_Tensor"]
        for (name, implementation) in bodies where !changeShape.contains(name) {
            let inplace = Self.inPlaceName(name)
            guard self[inplace] == nil else { continue }
            define(inplace) { c in
                let target = try c.tensor(0, "self")
                guard case .tensor(let result) = try implementation(c) else { throw TensorError("in-place op without a tensor result") }
                try target.assign(inPlaceResult: result)
                return .tensor(target)
            }
        }
    }
}

/// Helpers shared by the tensor operator declarations.
enum TensorOperatorSupport {
    /// `compute` over three operands whose common dtype is float16 or bfloat16 done in float32, with its
    /// result rounded once to that dtype: ATen's CPU kernels compute a chain such as `self + value · a · b`
    /// in float32 ("opmath") for the half types, where rounding each step to half would differ. Other dtypes
    /// go to `compute` as they are.
    static func inFloat32ForHalves(
        _ x: Tensor, _ a: Tensor, _ b: Tensor, _ compute: (Tensor, Tensor, Tensor) throws -> Tensor
    ) throws -> Tensor {
        let common = try DType.resultType([.tensor(x.dtype, rank: x.rank), .tensor(a.dtype, rank: a.rank), .tensor(b.dtype, rank: b.rank)])
        guard common == .float16 || common == .bfloat16 else { return try compute(x, a, b) }
        // Each operand first takes the common dtype (as TensorIterator casts it), then widens exactly.
        func widened(_ t: Tensor) throws -> Tensor { try (t.dtype == common ? t : t.to(common)).to(.float32) }
        return try compute(widened(x), widened(a), widened(b)).to(common)
    }

    /// `TORCH_CHECK(condition)`'s message, where ATen gives no other.
    static func checkFailure(_ condition: String) -> OperatorError {
        OperatorError("Expected \(condition) to be true, but got false.  (Could this error message be improved?  If so, please report an enhancement request to PyTorch.)")
    }

    /// ATen's dtype dispatch refusing `dtype` in `kernel`.
    /// Throws ATen's "not implemented" error naming `kernel` when one of `tensors` is complex: for the operators
    /// whose math Flint has only for real numbers.
    static func refuseComplex(_ tensors: [Tensor], kernel: String) throws {
        if let complex = tensors.first(where: \.dtype.isComplex) { throw notImplemented(kernel, complex.dtype) }
    }

    static func notImplemented(_ kernel: String, _ dtype: DType) -> OperatorError {
        OperatorError("\"\(kernel)\" not implemented for '\(dtype.scalarTypeName)'")
    }

    /// The dispatch of kernels over float32, float64, float16 and bfloat16 (`AT_DISPATCH_FLOATING_TYPES_AND2`).
    static func requireFloating(_ tensor: Tensor, kernel: String) throws {
        guard [.float32, .float64, .float16, .bfloat16].contains(tensor.dtype) else { throw notImplemented(kernel, tensor.dtype) }
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
            guard given.count == spatial else { throw checkFailure("static_cast<int64_t>(output_size->size()) == spatial_dimensions") }
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
