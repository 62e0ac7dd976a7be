import CFlintKernels
import RealModule

/// A pointwise function on floating-point values, written once for every float type (`Float`/`Double`;
/// float16 and bfloat16 compute in `Float` and round the result, as ATen does).
public protocol FloatPointwiseFunction: Sendable {
    func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C
    /// A vectorised float32 kernel over contiguous arrays (`x`, `y`, count), when one exists.
    var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { get }
}

extension FloatPointwiseFunction {
    public var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { nil }
}

/// Pointwise math on floats; integer and bool inputs are first converted to float32, as ATen's
/// "int to float" unary ops do.
extension Tensor {
    /// Applies `function` to every element. `operation` names the op in errors. Integer and bool inputs
    /// are converted to float32 when `integersBecomeFloat` (ATen's math functions), else rejected (ATen's
    /// activation functions).
    public func pointwise<F: FloatPointwiseFunction>(_ function: F, operation: String, integersBecomeFloat: Bool = true) throws -> Tensor {
        guard dtype.isFloatingPoint || integersBecomeFloat else {
            throw TensorError("\"\(operation)\" not implemented for '\(dtype.scalarTypeName)'")
        }
        let input = dtype.isFloatingPoint ? self : try to(.float32)
        let result = Tensor.output(shape, input.dtype)
        if input.dtype == .float32, input.isContiguous, let kernel = function.float32Kernel {
            let source = UnsafePointer(input.baseAddress.assumingMemoryBound(to: Float.self))
            let target = result.baseAddress.assumingMemoryBound(to: Float.self)
            ThreadPool.shared.parallelFor(input.elementCount, minimumPerThread: 1 << 14) { range, _ in
                kernel(source + range.lowerBound, target + range.lowerBound, Int64(range.count))
            }
            return result
        }
        try input.dtype.dispatchFloating(FloatMap(function: function, input: input, output: result), operation: operation)
        return result
    }

    public func exp() throws -> Tensor { try pointwise(Exp(), operation: "exp") }
    public func log() throws -> Tensor { try pointwise(Log(), operation: "log") }
    public func sqrt() throws -> Tensor { try pointwise(Sqrt(), operation: "sqrt") }
    public func rsqrt() throws -> Tensor { try pointwise(Rsqrt(), operation: "rsqrt") }
    public func tanh() throws -> Tensor { try pointwise(Tanh(), operation: "tanh") }
    public func sigmoid() throws -> Tensor { try pointwise(Sigmoid(), operation: "sigmoid") }
    public func erf() throws -> Tensor { try pointwise(Erf(), operation: "erf") }
    public func sin() throws -> Tensor { try pointwise(Sin(), operation: "sin") }
    public func cos() throws -> Tensor { try pointwise(Cos(), operation: "cos") }
    public func reciprocal() throws -> Tensor { try pointwise(Reciprocal(), operation: "reciprocal") }
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

public struct Exp: FloatPointwiseFunction {
    public init() {}
    public var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { { flint_exp_f32($0, $1, $2) } }
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { .exp(x) }
}

public struct Log: FloatPointwiseFunction {
    public init() {}
    public var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { { flint_log_f32($0, $1, $2) } }
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { .log(x) }
}

public struct Sqrt: FloatPointwiseFunction {
    public init() {}
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { x.squareRoot() }
}

public struct Rsqrt: FloatPointwiseFunction {
    public init() {}
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { 1 / x.squareRoot() }
}

public struct Tanh: FloatPointwiseFunction {
    public init() {}
    public var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { { flint_tanh_f32($0, $1, $2) } }
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { .tanh(x) }
}

public struct Sigmoid: FloatPointwiseFunction {
    public init() {}
    public var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { { flint_sigmoid_f32($0, $1, $2) } }
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { 1 / (1 + .exp(-x)) }
}

public struct Erf: FloatPointwiseFunction {
    public init() {}
    public var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { { flint_erf_f32($0, $1, $2) } }
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { .erf(x) }
}

public struct Sin: FloatPointwiseFunction {
    public init() {}
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { .sin(x) }
}

public struct Cos: FloatPointwiseFunction {
    public init() {}
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { .cos(x) }
}

public struct Reciprocal: FloatPointwiseFunction {
    public init() {}
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { 1 / x }
}

public struct SiLU: FloatPointwiseFunction {
    public init() {}
    public var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { { flint_silu_f32($0, $1, $2) } }
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { x / (1 + .exp(-x)) }
}

/// `x · Φ(x)` with the exact normal CDF.
public struct GELU: FloatPointwiseFunction {
    public init() {}
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { x * C(0.5) * (1 + .erf(x * C(0.70710678118654752440))) }
}

/// `0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`.
public struct GELUTanh: FloatPointwiseFunction {
    public init() {}
    public var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { { flint_gelu_tanh_f32($0, $1, $2) } }
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
