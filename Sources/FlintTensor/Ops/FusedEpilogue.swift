import CFlintKernels

/// What a convolution or linear layer does to its output while writing it: add a residual of the output's
/// shape, then apply an activation: `out = activation(product + bias + residual)`. Float32 GEMMs apply it in
/// their output write (one pass over memory instead of three); other paths apply it afterwards with the
/// same result.
public struct FusedEpilogue: Sendable {
    /// The activation applied last.
    public enum Activation: Sendable, Equatable, CustomStringConvertible {
        case none
        /// `max(x, 0)`; NaN stays NaN.
        case relu
        /// `min(max(x, low), high)` (ReLU6, hardtanh, clamp); NaN stays NaN.
        case clamp(low: Float, high: Float)

        public var description: String {
            switch self {
            case .none: "none"
            case .relu: "relu"
            case .clamp(let low, let high): "clamp(\(low), \(high))"
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

    public var isIdentity: Bool { residual == nil && activation == .none }

    /// The C epilogue's activation fields.
    func configure(_ epilogue: inout flint_gemm_epilogue) {
        switch activation {
        case .none: epilogue.activation = FLINT_ACTIVATION_NONE
        case .relu: epilogue.activation = FLINT_ACTIVATION_RELU
        case .clamp(let low, let high):
            epilogue.activation = FLINT_ACTIVATION_CLAMP
            epilogue.clamp_min = low
            epilogue.clamp_max = high
        }
    }

    /// Applies the epilogue to a finished output, in place (the unfused path).
    public func apply(to output: Tensor) throws {
        if let residual { try output.copy(from: output.add(residual)) }
        switch activation {
        case .none: break
        case .relu: try output.copy(from: output.relu())
        case .clamp(let low, let high): try output.copy(from: output.clamp(min: .double(Double(low)), max: .double(Double(high))))
        }
    }
}
