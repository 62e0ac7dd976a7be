import CFlintKernels
import ComplexModule
import RealModule

/// A pointwise function on floating-point values, written once for every float type (`Float`/`Double`;
/// float16 and bfloat16 compute in `Float` and round the result, as ATen does).
public protocol FloatPointwiseFunction: Sendable {
    /// The function at `x`, computed in `C` (`Float` or `Double`).
    func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C
    /// A vectorised float32 kernel over contiguous arrays (`x`, `y`, count), when one exists.
    var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { get }
    /// The function at a complex `z`, when it is defined on complex numbers (nil: complex tensors are refused).
    func complex<C: Real & BinaryFloatingPoint>(_ z: Complex<C>) -> Complex<C>?
}

extension FloatPointwiseFunction {
    public var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { nil }
    public func complex<C: Real & BinaryFloatingPoint>(_ z: Complex<C>) -> Complex<C>? { nil }
}

/// Pointwise math on floats; integer and bool inputs are first converted to float32, as ATen's
/// "int to float" unary ops do.
extension Tensor {
    /// Applies `function` to every element. `operation` names the op in errors. Integer and bool inputs
    /// are converted to float32 when `integersBecomeFloat` (ATen's math functions), else rejected (ATen's
    /// activation functions). With `output`, the result is written there (contiguous, of the result's dtype
    /// and shape).
    public func pointwise<F: FloatPointwiseFunction>(
        _ function: F, operation: String, integersBecomeFloat: Bool = true, into output: Tensor? = nil
    ) throws -> Tensor {
        if dtype.isComplex {
            let result = try Tensor.destination(output, shape: shape, dtype: dtype, operation: operation)
            try dtype.dispatchComplex(ComplexFloatMap(function: function, input: self, output: result, operation: operation), operation: operation)
            return result
        }
        guard dtype.isFloatingPoint || integersBecomeFloat else {
            throw TensorError("\"\(operation)\" not implemented for '\(dtype.scalarTypeName)'")
        }
        let input = dtype.isFloatingPoint ? self : try to(.float32)
        let result = try Tensor.destination(output, shape: shape, dtype: input.dtype, operation: operation)
        if input.dtype == .float32, input.isContiguous, let kernel = function.float32Kernel {
            let source = UnsafePointer(input.baseAddress.assumingMemoryBound(to: Float.self))
            let target = result.baseAddress.assumingMemoryBound(to: Float.self)
            ThreadPool.shared.parallelFor(input.elementCount, minimumPerThread: 1 << 14, FloatKernelChunks(kernel: kernel, source: source, target: target))
            return result
        }
        try input.dtype.dispatchFloating(FloatMap(function: function, input: input, output: result), operation: operation)
        return result
    }

    /// `torch.exp`: eˣ elementwise; integer and bool inputs give float32.
    public func exp(into output: Tensor? = nil) throws -> Tensor { try pointwise(Exp(), operation: "exp", into: output) }
    /// `torch.log`: the natural logarithm elementwise (NaN below 0, -inf at 0); integer and bool inputs give float32.
    public func log(into output: Tensor? = nil) throws -> Tensor { try pointwise(Log(), operation: "log", into: output) }
    /// `torch.sqrt`: √x elementwise (NaN below 0); integer and bool inputs give float32.
    public func sqrt(into output: Tensor? = nil) throws -> Tensor { try pointwise(Sqrt(), operation: "sqrt", into: output) }
    /// `torch.rsqrt`: 1/√x elementwise; integer and bool inputs give float32.
    public func rsqrt(into output: Tensor? = nil) throws -> Tensor { try pointwise(Rsqrt(), operation: "rsqrt", into: output) }
    /// `torch.tanh`: the hyperbolic tangent elementwise; integer and bool inputs give float32.
    public func tanh(into output: Tensor? = nil) throws -> Tensor { try pointwise(Tanh(), operation: "tanh", into: output) }
    /// `torch.sigmoid`: 1 / (1 + e⁻ˣ) elementwise; integer and bool inputs give float32.
    public func sigmoid() throws -> Tensor {
        if quantizer != nil { return try throughReal(unitIntervalQuantizer()) { try $0.sigmoid() } }
        return try pointwise(Sigmoid(), operation: "sigmoid")
    }
    /// `torch.erf`: the error function elementwise; integer and bool inputs give float32.
    public func erf(into output: Tensor? = nil) throws -> Tensor { try pointwise(Erf(), operation: "erf", into: output) }
    /// `torch.sin`: the sine of radians elementwise; integer and bool inputs give float32.
    public func sin(into output: Tensor? = nil) throws -> Tensor { try pointwise(Sin(), operation: "sin", into: output) }
    /// `torch.cos`: the cosine of radians elementwise; integer and bool inputs give float32.
    public func cos(into output: Tensor? = nil) throws -> Tensor { try pointwise(Cos(), operation: "cos", into: output) }
    /// `torch.reciprocal`: 1/x elementwise; integer and bool inputs give float32.
    public func reciprocal(into output: Tensor? = nil) throws -> Tensor { try pointwise(Reciprocal(), operation: "reciprocal", into: output) }
    /// `F.silu`: x · sigmoid(x) elementwise; throws for integer and bool inputs.
    public func silu() throws -> Tensor { try pointwise(SiLU(), operation: "silu", integersBecomeFloat: false) }
    /// GELU, exact (`approximate="none"`) or with the tanh approximation.
    public func gelu(approximate: String = "none") throws -> Tensor {
        switch approximate {
        case "none": try pointwise(GELU(), operation: "GeluKernelImpl", integersBecomeFloat: false)
        case "tanh": try pointwise(GELUTanh(), operation: "GeluKernelImpl", integersBecomeFloat: false)
        default: throw TensorError("approximate argument must be either none or tanh.")
        }
    }
}

/// eˣ (`torch.exp`), with a vectorised float32 kernel.
public struct Exp: FloatPointwiseFunction {
    /// Creates the operation.
    public init() {}
    public var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { { flint_exp_f32($0, $1, $2) } }
    /// eˣ.
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { .exp(x) }
    /// eᶻ.
    public func complex<C: Real & BinaryFloatingPoint>(_ z: Complex<C>) -> Complex<C>? { ComplexElementaryFunction.exp(z) }
}

/// The natural logarithm (`torch.log`), with a vectorised float32 kernel.
public struct Log: FloatPointwiseFunction {
    /// Creates the operation.
    public init() {}
    public var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { { flint_log_f32($0, $1, $2) } }
    /// ln x.
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { .log(x) }
    /// The principal logarithm.
    public func complex<C: Real & BinaryFloatingPoint>(_ z: Complex<C>) -> Complex<C>? { ComplexElementaryFunction.log(z) }
}

/// The square root (`torch.sqrt`).
public struct Sqrt: FloatPointwiseFunction {
    /// Creates the operation.
    public init() {}
    /// √x (NaN below 0).
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { x.squareRoot() }
    /// The principal square root.
    public func complex<C: Real & BinaryFloatingPoint>(_ z: Complex<C>) -> Complex<C>? { ComplexElementaryFunction.squareRoot(z) }
}

/// The reciprocal square root (`torch.rsqrt`).
public struct Rsqrt: FloatPointwiseFunction {
    /// Creates the operation.
    public init() {}
    /// 1/√x.
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { 1 / x.squareRoot() }
}

/// The hyperbolic tangent (`torch.tanh`), with a vectorised float32 kernel.
public struct Tanh: FloatPointwiseFunction {
    /// Creates the operation.
    public init() {}
    public var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { { flint_tanh_f32($0, $1, $2) } }
    /// tanh x.
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { .tanh(x) }
    /// tanh z.
    public func complex<C: Real & BinaryFloatingPoint>(_ z: Complex<C>) -> Complex<C>? { ComplexElementaryFunction.tanh(z) }
}

/// The logistic sigmoid (`torch.sigmoid`), with a vectorised float32 kernel.
public struct Sigmoid: FloatPointwiseFunction {
    /// Creates the operation.
    public init() {}
    public var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { { flint_sigmoid_f32($0, $1, $2) } }
    /// 1 / (1 + e⁻ˣ).
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { 1 / (1 + .exp(-x)) }
}

/// The error function (`torch.erf`), with a vectorised float32 kernel.
public struct Erf: FloatPointwiseFunction {
    /// Creates the operation.
    public init() {}
    public var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { { flint_erf_f32($0, $1, $2) } }
    /// erf x.
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { .erf(x) }
}

/// The sine of radians (`torch.sin`).
public struct Sin: FloatPointwiseFunction {
    /// Creates the operation.
    public init() {}
    /// sin x.
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { .sin(x) }
    /// sin z.
    public func complex<C: Real & BinaryFloatingPoint>(_ z: Complex<C>) -> Complex<C>? { ComplexElementaryFunction.sin(z) }
}

/// The cosine of radians (`torch.cos`).
public struct Cos: FloatPointwiseFunction {
    /// Creates the operation.
    public init() {}
    /// cos x.
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { .cos(x) }
    /// cos z.
    public func complex<C: Real & BinaryFloatingPoint>(_ z: Complex<C>) -> Complex<C>? { ComplexElementaryFunction.cos(z) }
}

/// 1/x (`torch.reciprocal`).
public struct Reciprocal: FloatPointwiseFunction {
    /// Creates the operation.
    public init() {}
    /// 1/x (±inf at ±0).
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { 1 / x }
    /// 1/z by c10's division.
    public func complex<C: Real & BinaryFloatingPoint>(_ z: Complex<C>) -> Complex<C>? { complexQuotient(.one, z) }
}

/// x · sigmoid(x) (`F.silu`), with a vectorised float32 kernel.
public struct SiLU: FloatPointwiseFunction {
    /// Creates the operation.
    public init() {}
    public var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { { flint_silu_f32($0, $1, $2) } }
    /// x / (1 + e⁻ˣ).
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { x / (1 + .exp(-x)) }
}

/// `x · Φ(x)` with the exact normal CDF.
public struct GELU: FloatPointwiseFunction {
    /// Creates the operation.
    public init() {}
    /// The vectorised kernel (NaN at ±inf, as torch gives).
    public var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? {
        { flint_gelu_f32($0, $1, $2) }
    }
    /// x · ½(1 + erf(x/√2)).
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { x * C(0.5) * (1 + .erf(x * C(0.70710678118654752440))) }
}

/// `0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`.
public struct GELUTanh: FloatPointwiseFunction {
    /// Creates the operation.
    public init() {}
    public var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { { flint_gelu_tanh_f32($0, $1, $2) } }
    /// 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))).
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C {
        let inner = C(0.79788456080286535588) * (x + C(0.044715) * x * x * x)
        return C(0.5) * x * (1 + .tanh(inner))
    }
}

private struct FloatMap<F: FloatPointwiseFunction>: FloatingDTypeVisitor {
    let function: F
    let input: Tensor
    let output: Tensor
    func visit<T: FloatingElement>(_ type: T.Type) throws {
        try output.mapElements(from: input, as: T.self) { T(computeValue: function.apply($0.computeValue)) }
    }
}

private struct ComplexFloatMap<F: FloatPointwiseFunction>: ComplexDTypeVisitor {
    let function: F
    let input: Tensor
    let output: Tensor
    let operation: String
    func visit<C: ComplexElement>(_ type: C.Type) throws {
        guard function.complex(Complex<C.Component>.zero) != nil else {
            throw TensorError("\"\(operation)\" not implemented for '\(C.dtype.scalarTypeName)'")
        }
        try output.mapElements(from: input, as: C.self) { C(function.complex($0.value)!) }
    }
}
