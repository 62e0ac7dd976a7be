import CFlintKernels
import ComplexModule
import RealModule

/// The rest of ATen's float-only pointwise functions, each written once for every float type.
extension Tensor {
    /// `torch.exp2`: 2ˣ elementwise; integer and bool inputs give float32.
    public func exp2() throws -> Tensor { try pointwise(Function { Double.exp2($0) }, operation: "exp2") }
    /// `torch.log2`: the base-2 logarithm elementwise; integer and bool inputs give float32.
    public func log2() throws -> Tensor {
        try pointwise(Function({ Double.log2($0) }, complex: { complexLogarithm($0, base: 2) }), operation: "log2")
    }
    /// `torch.log10`: the base-10 logarithm elementwise; integer and bool inputs give float32.
    public func log10() throws -> Tensor {
        try pointwise(Function({ Double.log10($0) }, complex: { complexLogarithm($0, base: 10) }), operation: "log10")
    }
    /// `torch.log1p`: ln(1 + x) elementwise, accurate near 0; integer and bool inputs give float32.
    public func log1p() throws -> Tensor { try pointwise(Function { Double.log(onePlus: $0) }, operation: "log1p") }
    /// `torch.expm1`: eˣ - 1 elementwise, accurate near 0; integer and bool inputs give float32.
    public func expm1() throws -> Tensor { try pointwise(Function { Double.expMinusOne($0) }, operation: "expm1") }
    /// `torch.tan`: the tangent of radians elementwise; integer and bool inputs give float32.
    public func tan() throws -> Tensor { try pointwise(Function { Double.tan($0) }, operation: "tan") }
    /// `torch.asin`: the arcsine in radians elementwise (NaN outside [-1, 1]); integer and bool inputs give float32.
    public func asin() throws -> Tensor { try pointwise(Function { Double.asin($0) }, operation: "asin") }
    /// `torch.acos`: the arccosine in radians elementwise (NaN outside [-1, 1]); integer and bool inputs give float32.
    public func acos() throws -> Tensor { try pointwise(Function { Double.acos($0) }, operation: "acos") }
    /// `torch.atan`: the arctangent in radians elementwise; integer and bool inputs give float32.
    public func atan() throws -> Tensor { try pointwise(Function { Double.atan($0) }, operation: "atan") }
    /// `torch.sinh`: the hyperbolic sine elementwise; integer and bool inputs give float32.
    public func sinh() throws -> Tensor { try pointwise(Function { Double.sinh($0) }, operation: "sinh") }
    /// `torch.cosh`: the hyperbolic cosine elementwise; integer and bool inputs give float32.
    public func cosh() throws -> Tensor { try pointwise(Function { Double.cosh($0) }, operation: "cosh") }
    /// `torch.asinh`: the inverse hyperbolic sine elementwise; integer and bool inputs give float32.
    public func asinh() throws -> Tensor { try pointwise(Function { Double.asinh($0) }, operation: "asinh") }
    /// `torch.acosh`: the inverse hyperbolic cosine elementwise (NaN below 1); integer and bool inputs give float32.
    public func acosh() throws -> Tensor { try pointwise(Function { Double.acosh($0) }, operation: "acosh") }
    /// `torch.atanh`: the inverse hyperbolic tangent elementwise (NaN outside [-1, 1]); integer and bool inputs
    /// give float32.
    public func atanh() throws -> Tensor { try pointwise(Function { Double.atanh($0) }, operation: "atanh") }
    /// `torch.erfc`: 1 - erf(x) elementwise, accurate for large x; integer and bool inputs give float32.
    public func erfc() throws -> Tensor { try pointwise(Function { Double.erfc($0) }, operation: "erfc") }
    /// `torch.frac`: x minus x truncated toward zero (keeps x's sign); throws for integer and bool tensors.
    public func frac() throws -> Tensor {
        guard dtype.isFloatingPoint else { throw TensorError("\"frac_cpu\" not implemented for '\(dtype.scalarTypeName)'") }
        return try pointwise(Function { $0 - $0.rounded(.towardZero) }, operation: "frac", integersBecomeFloat: false)
    }
    /// `F.mish`: x · tanh(softplus(x)), softplus taken as x above 20; throws for integer and bool tensors.
    public func mish() throws -> Tensor {
        try pointwise(Function { x in x * Double.tanh(x > 20 ? x : Double.log(onePlus: Double.exp(x))) }, operation: "mish", integersBecomeFloat: false)
    }
    /// `F.hardswish`: x · min(max(x + 3, 0), 6) / 6; throws for integer and bool tensors.
    public func hardswish() throws -> Tensor {
        if let quantizer { return try throughReal(quantizer) { try $0.hardswish() } }
        return try pointwise(HardSwish(), operation: "hardswish", integersBecomeFloat: false)
    }
    /// `F.hardsigmoid`: min(max(x + 3, 0), 6) / 6; throws for integer and bool tensors.
    public func hardsigmoid() throws -> Tensor {
        if quantizer != nil { return try throughReal(unitIntervalQuantizer()) { try $0.hardsigmoid() } }
        return try pointwise(HardSigmoid(), operation: "hardsigmoid", integersBecomeFloat: false)
    }
    /// `softplus(beta, threshold)`: log(1 + exp(βx))/β, linear above the threshold.
    public func softplus(beta: Double = 1, threshold: Double = 20) throws -> Tensor {
        try pointwise(Softplus(beta: beta, threshold: threshold), operation: "softplus", integersBecomeFloat: false)
    }
    /// `elu(alpha, scale, input_scale)`; `selu` and `celu` are special cases.
    public func elu(alpha: Double = 1, scale: Double = 1, inputScale: Double = 1) throws -> Tensor {
        try pointwise(Function { x in
            x > 0 ? x * scale : alpha * scale * Double.expMinusOne(x * inputScale)
        }, operation: "elu", integersBecomeFloat: false)
    }
    /// `torch.selu`: `elu` with SELU's fixed α ≈ 1.6733 and scale ≈ 1.0507; throws for integer and bool tensors.
    public func selu() throws -> Tensor {
        try elu(alpha: 1.6732632423543772848170429916717, scale: 1.0507009873554804934193349852946)
    }
    /// `torch.celu(alpha)`: x above 0, else α(e^(x/α) - 1); throws for integer and bool tensors.
    public func celu(alpha: Double = 1) throws -> Tensor { try elu(alpha: alpha, scale: 1, inputScale: 1 / alpha) }
    /// `hardtanh(min, max)`: clamps keeping the dtype; integer tensors compare in 64 bits.
    public func hardtanh(min lower: Double = -1, max upper: Double = 1) throws -> Tensor {
        guard dtype != .bool else { throw TensorError("Bool inputs not supported for hardtanh") }
        if dtype.isFloatingPoint {
            return try pointwise(HardTanh(lower: lower, upper: upper), operation: "hardtanh")
        }
        return try pointwise(IntegerClamp(lower: saturatingInt64(lower), upper: saturatingInt64(upper)), operation: "hardtanh")
    }

    /// `F.leaky_relu`: x above 0, else `negativeSlope` · x; throws for integer and bool tensors.
    public func leakyRelu(negativeSlope: Double = 0.01) throws -> Tensor {
        guard dtype.isFloatingPoint else { throw TensorError("\"leaky_relu_cpu\" not implemented for '\(dtype.scalarTypeName)'") }
        return try pointwise(LeakyReLU(negativeSlope: negativeSlope), operation: "leaky_relu", integersBecomeFloat: false)
    }
}

/// `value` as an Int64, clamped to its range (NaN gives 0).
func saturatingInt64(_ value: Double) -> Int64 {
    if value.isNaN { return 0 }
    if value >= 9.223_372_036_854_775_807e18 { return .max }
    if value <= -9.223_372_036_854_775_808e18 { return .min }
    return Int64(value.rounded(.towardZero))
}

/// Clamping of integers compared in 64 bits (bounds are never narrowed to the element type).
struct IntegerClamp: NumericPointwiseFunction {
    let lower: Int64
    let upper: Int64
    func float<C: Real & BinaryFloatingPoint>(_ x: C) -> C { x }
    func integer<I: FixedWidthInteger>(_ x: I) -> I {
        I(truncatingIfNeeded: Swift.min(Swift.max(Int64(truncatingIfNeeded: x), lower), upper))
    }
}

/// A float function given as a closure on `Double`: every float type is widened, computed and rounded
/// back, which is exact to the last bit of float32 and float16 results. Hot functions (exp, tanh,
/// sigmoid, GELU, SiLU) have dedicated types computing in their own precision instead.
/// log z / log base, each part divided (c10's `log2` and `log10` of a complex number).
private func complexLogarithm(_ z: Complex<Double>, base: Double) -> Complex<Double> {
    let (x, y) = ComplexElementaryFunction.log(z).rawStorage
    return Complex(x / Double.log(base), y / Double.log(base))
}

struct Function: FloatPointwiseFunction {
    private let body: @Sendable (Double) -> Double
    /// The function of a complex number, in double precision (nil: complex tensors are refused).
    private let complexBody: (@Sendable (Complex<Double>) -> Complex<Double>)?

    init(_ body: @escaping @Sendable (Double) -> Double, complex: (@Sendable (Complex<Double>) -> Complex<Double>)? = nil) {
        self.body = body
        complexBody = complex
    }

    func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { C(body(Double(x))) }

    func complex<C: Real & BinaryFloatingPoint>(_ z: Complex<C>) -> Complex<C>? {
        guard let complexBody else { return nil }
        let (x, y) = z.rawStorage
        let (u, v) = complexBody(Complex(Double(x), Double(y))).rawStorage
        return Complex(C(u), C(v))
    }
}

/// `x * clamp(x + 3, 0, 6) / 6`, computed in the element's own float type as ATen does; float32 runs a
/// plain loop the compiler vectorizes.
struct HardSwish: FloatPointwiseFunction {
    func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { x * Swift.min(Swift.max(x + 3, 0), 6) / 6 }
    var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? {
        { x, y, n in
            for i in 0..<Int(n) {
                let v = x[i]
                let t = v + 3
                y[i] = v * (t < 0 ? 0 : (t > 6 ? 6 : t)) / 6
            }
        }
    }
}

/// `clamp(x + 3, 0, 6) / 6` in the element's own float type.
struct HardSigmoid: FloatPointwiseFunction {
    func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { Swift.min(Swift.max(x + 3, 0), 6) / 6 }
    var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? {
        { x, y, n in
            for i in 0..<Int(n) {
                let t = x[i] + 3
                y[i] = (t < 0 ? 0 : (t > 6 ? 6 : t)) / 6
            }
        }
    }
}

/// torch's softplus: `x` where `x · beta > threshold`, else `log(1 + e^(x · beta)) / beta`, in float64 element by
/// element; contiguous float32 through the vector kernel `flint_softplus_f32` (within 3 ulp of the float64 form).
struct Softplus: FloatPointwiseFunction {
    let beta: Double
    let threshold: Double
    func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C {
        let scaled = Double(x) * beta
        return C(scaled > threshold ? Double(x) : Double.log(onePlus: Double.exp(scaled)) / beta)
    }
    var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? {
        let (beta, threshold) = (Float(beta), Float(threshold))
        return { x, y, n in flint_softplus_f32(x, y, n, beta, threshold) }
    }
}

/// `x > 0 ? x : x · slope` in the element's own float type, as ATen computes it (the slope converted to that
/// type first); float32 runs a plain loop the compiler vectorizes.
struct LeakyReLU: FloatPointwiseFunction {
    let negativeSlope: Double
    func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { x > 0 ? x : x * C(negativeSlope) }
    var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? {
        let slope = Float(negativeSlope)
        return { x, y, n in
            for i in 0..<Int(n) {
                let v = x[i]
                y[i] = v > 0 ? v : v * slope
            }
        }
    }
}

/// `clamp(x, lower, upper)` keeping NaN (ReLU6 is `HardTanh(0, 6)`).
struct HardTanh: FloatPointwiseFunction {
    let lower: Double
    let upper: Double
    func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C {
        let (lo, hi) = (C(lower), C(upper))
        return x < lo ? lo : (x > hi ? hi : x)
    }
    var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? {
        let (lo, hi) = (Float(lower), Float(upper))
        return { x, y, n in
            for i in 0..<Int(n) {
                let v = x[i]
                y[i] = v < lo ? lo : (v > hi ? hi : v)
            }
        }
    }
}
