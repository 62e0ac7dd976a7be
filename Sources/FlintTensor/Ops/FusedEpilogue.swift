import CFlintKernels

/// What a convolution or linear layer does to its output while writing it: add a residual of the output's
/// shape, then apply an activation: `out = activation(product + bias + residual)`. The float32 kernels
/// (GEMM, Winograd, depthwise) apply all of it while the output is in cache: bias, residual and clamps
/// in their output write, the function activations over each finished tile with the same vector kernel
/// as the separate operator (so fused and unfused results are bit-identical). Other paths apply it
/// afterwards (``apply(to:)``) with the same result.
public struct FusedEpilogue: Sendable {
    /// The activation applied last.
    public enum Activation: Sendable, Equatable, CustomStringConvertible {
        case none
        /// `max(x, 0)`; NaN stays NaN.
        case relu
        /// `min(max(x, low), high)` (ReLU6, hardtanh, clamp); NaN stays NaN.
        case clamp(low: Float, high: Float)
        /// `x · sigmoid(x)`.
        case silu
        case sigmoid
        case hardswish
        /// GELU, exact or (`tanh`) with the tanh approximation.
        case gelu(tanh: Bool)

        public var description: String {
            switch self {
            case .none: "none"
            case .relu: "relu"
            case .clamp(let low, let high): "clamp(\(low), \(high))"
            case .silu: "silu"
            case .sigmoid: "sigmoid"
            case .hardswish: "hardswish"
            case .gelu(let tanh): tanh ? "gelu(tanh)" : "gelu"
            }
        }

        /// The function of an activation that is not a clamp (the unfused path runs it as a pass).
        var pointwiseFunction: (any FloatPointwiseFunction)? {
            switch self {
            case .none, .relu, .clamp: nil
            case .silu: SiLU()
            case .sigmoid: Sigmoid()
            case .hardswish: HardSwish()
            case .gelu(let tanh): tanh ? GELUTanh() : GELU()
            }
        }
    }

    /// Added to the output before the activation; must have the output's shape.
    public var residual: Tensor?
    public var activation: Activation

    public init(residual: Tensor? = nil, activation: Activation = .none) {
        self.residual = residual
        self.activation = activation
    }

    /// No residual, no activation.
    public static let identity = FusedEpilogue()

    /// This epilogue for a path that adds the residual in a pass after writing `output`: with a residual in
    /// `output`'s own memory (a plan writing a layer's result over its residual, which nothing reads later),
    /// the residual is copied first, before the product overwrites it. The fused float32 kernels need no
    /// copy: they read each residual element before writing the output element at its place.
    func residualKeptApart(from output: Tensor) throws -> FusedEpilogue {
        guard let residual, residual.storage === output.storage else { return self }
        return FusedEpilogue(residual: try residual.clone(), activation: activation)
    }

    /// This epilogue for a kernel that reads each residual element just before writing the output element at
    /// its place: a residual that is `output` itself stays, one elsewhere in `output`'s memory (another offset
    /// or layout, which the kernel would overwrite before reading) is copied first.
    func residualExactlyOrApart(from output: Tensor) throws -> FusedEpilogue {
        guard let residual, residual.storage === output.storage,
            residual.storageOffset != output.storageOffset || residual.shape != output.shape || residual.strides != output.strides
        else { return self }
        return FusedEpilogue(residual: try residual.clone(), activation: activation)
    }

    /// The bounds of a ReLU or clamp activation (`-inf ... inf` for the others, which need a pass of their own).
    var clampBounds: (low: Float, high: Float) {
        switch activation {
        case .relu: (0, .infinity)
        case .clamp(let low, let high): (low, high)
        default: (-.infinity, .infinity)
        }
    }

    public var isIdentity: Bool { residual == nil && activation == .none }

    /// The C GEMM epilogue for this epilogue plus a bias (per output row or column): beta 0, the bias, the
    /// residual (read from its first element with its row stride; tiles move the pointer), and the activation.
    func gemmEpilogue(rowBias: Tensor? = nil, columnBias: Tensor? = nil) -> flint_gemm_epilogue {
        var epilogue = flint_gemm_epilogue()
        epilogue.beta = 0
        epilogue.bias_kind = FLINT_BIAS_NONE
        if let columnBias {
            epilogue.bias_kind = FLINT_BIAS_PER_COL
            epilogue.bias = UnsafePointer(columnBias.baseAddress.assumingMemoryBound(to: Float.self))
        } else if let rowBias {
            epilogue.bias_kind = FLINT_BIAS_PER_ROW
            epilogue.bias = UnsafePointer(rowBias.baseAddress.assumingMemoryBound(to: Float.self))
        }
        configure(&epilogue)
        if let residual {
            epilogue.residual = UnsafePointer(residual.baseAddress.assumingMemoryBound(to: Float.self))
            epilogue.residual_row_stride = Int64(residual.strides[0])
        }
        return epilogue
    }

    /// The C epilogue for a convolution's output rows `firstRow...` (output channels) of image `image`, from
    /// output position `column` on: the activation, `rowBias` (the whole bias; the rows' part is taken) and the
    /// residual, laid out as the output (contiguous `[n, channels, *spatial]`), addressed through pointers so
    /// that no view is made per image, group or tile.
    func gemmEpilogue(image: Int, firstRow: Int, column: Int = 0, rowBias bias: UnsafePointer<Float>?) -> flint_gemm_epilogue {
        var epilogue = gemmEpilogue()
        if let bias {
            epilogue.bias_kind = FLINT_BIAS_PER_ROW
            epilogue.bias = bias + firstRow
        }
        if let residual {
            epilogue.residual = UnsafePointer(residual.baseAddress.assumingMemoryBound(to: Float.self))
                + image * residual.strides[0] + firstRow * residual.strides[1] + column
            epilogue.residual_row_stride = Int64(residual.strides[1])
        }
        return epilogue
    }

    /// The C epilogue's activation fields.
    func configure(_ epilogue: inout flint_gemm_epilogue) {
        switch activation {
        case .none: epilogue.activation = FLINT_ACTIVATION_NONE
        case .silu: epilogue.activation = FLINT_ACTIVATION_SILU
        case .sigmoid: epilogue.activation = FLINT_ACTIVATION_SIGMOID
        case .hardswish: epilogue.activation = FLINT_ACTIVATION_HARDSWISH
        case .gelu(let tanh): epilogue.activation = tanh ? FLINT_ACTIVATION_GELU_TANH : FLINT_ACTIVATION_GELU
        case .relu: epilogue.activation = FLINT_ACTIVATION_RELU
        case .clamp(let low, let high):
            epilogue.activation = FLINT_ACTIVATION_CLAMP
            epilogue.clamp_min = low
            epilogue.clamp_max = high
        }
    }

    /// A function activation (SiLU, ...) over a finished output, in place.
    private func applyFunction(_ output: Tensor) throws {
        guard let function = activation.pointwiseFunction else { return }
        if output.dtype == .float32, output.isContiguous, let kernel = function.float32Kernel {
            let values = output.baseAddress.assumingMemoryBound(to: Float.self)
            ThreadPool.shared.parallelFor(output.elementCount, minimumPerThread: 1 << 14, FloatKernelChunks(kernel: kernel, source: values, target: values))
            return
        }
        // The operators themselves (specialised for their function), then written back.
        let activated: Tensor = switch activation {
        case .silu: try output.silu()
        case .sigmoid: try output.sigmoid()
        case .hardswish: try output.hardswish()
        case .gelu(let tanh): try output.gelu(approximate: tanh ? "tanh" : "none")
        default: output
        }
        try output.copy(from: activated)
    }

    /// Applies the epilogue to a finished output, in place (the unfused path): one pass over a contiguous
    /// float32 output, spread over the thread pool when large.
    public func apply(to output: Tensor) throws {
        if isIdentity { return }
        if activation.pointwiseFunction != nil {
            try FusedEpilogue(residual: residual).apply(to: output)
            try applyFunction(output)
            return
        }
        if output.dtype == .float32, output.isContiguous, residual.map({ $0.dtype == .float32 && $0.isContiguous && $0.shape == output.shape }) ?? true {
            let out = output.baseAddress.assumingMemoryBound(to: Float.self)
            let add = residual.map { UnsafePointer($0.baseAddress.assumingMemoryBound(to: Float.self)) }
            let (low, high) = clampBounds
            ThreadPool.shared.parallelFor(output.elementCount, minimumPerThread: 1 << 15, ResidualClampChunks(output: out, residual: add, low: low, high: high))
            return
        }
        if let residual { try output.copy(from: output.add(residual)) }
        switch activation {
        case .relu: try output.copy(from: output.relu())
        case .clamp(let low, let high): try output.copy(from: output.clamp(min: .double(Double(low)), max: .double(Double(high))))
        default: break
        }
    }
}

/// `output = clamp(output + residual, low, high)` (no residual: just the clamp) over chunks of a contiguous
/// float32 output, in place.
private struct ResidualClampChunks: ParallelLoopBody {
    let output: UnsafeMutablePointer<Float>
    let residual: UnsafePointer<Float>?
    let low: Float
    let high: Float

    func run(_ range: Range<Int>, thread: Int) {
        flint_residual_clamp_f32(output + range.lowerBound, residual.map { $0 + range.lowerBound }, Int64(range.count), low, high)
    }
}
