import CFlintKernels
import ComplexModule
import RealModule

/// A complex tensor element: two components of a real floating type, real part first, as c10's
/// `complex<T>` lays them out (so a complex tensor's storage is also a real tensor's, see
/// ``Tensor/viewAsReal()``). Arithmetic runs in swift-numerics' `Complex<Component>`. swift-numerics has one
/// complex infinity and reads every non-finite number's parts as NaN; Flint's kernels follow C++'s
/// componentwise rules instead, reading `rawStorage`.
///
/// Complex elements are not ``TensorElement``s: a cast through `Double` would lose the imaginary part. The
/// kernels that accept complex tensors take them through ``DType/dispatchComplex(_:operation:)``.
public protocol ComplexElement: Sendable {
    /// The type of each component (`Float` for complex64, `Double` for complex128).
    associatedtype Component: FloatingElement & Real & BinaryFloatingPoint where Component.Compute == Component
    /// The ``DType`` whose elements have this Swift type.
    static var dtype: DType { get }
    /// The element `real + imaginary·i`.
    init(real: Component, imaginary: Component)
    /// The real part.
    var real: Component { get }
    /// The imaginary part.
    var imaginary: Component { get }
}

extension ComplexElement {
    /// The value as swift-numerics' complex number, to compute with.
    @inlinable public var value: Complex<Component> { Complex(real, imaginary) }
    /// The element holding `value`'s components as they are (swift-numerics' `real` and `imaginary` read NaN
    /// for any non-finite number; C++'s complex keeps each component).
    @inlinable public init(_ value: Complex<Component>) { self.init(real: value.rawStorage.x, imaginary: value.rawStorage.y) }
}

extension Complex64: ComplexElement {
    /// Always ``DType/complex64``.
    public static var dtype: DType { .complex64 }
}

extension Complex128: ComplexElement {
    /// Always ``DType/complex128``.
    public static var dtype: DType { .complex128 }
}

extension DType {
    /// The dtype of a complex dtype's components (`complex64` → `float32`); other dtypes are their own.
    public var complexComponent: DType {
        switch self {
        case .complex32: .float16
        case .complex64: .float32
        case .complex128: .float64
        default: self
        }
    }

    /// The complex dtype whose components have this floating dtype, as ATen's `toComplexType` (`float32` →
    /// `complex64`, `float16` → `complex32`); bfloat16 has none (nil), complex dtypes are their own.
    public var complexCounterpart: DType? {
        switch self {
        case .float16: .complex32
        case .float32: .complex64
        case .float64: .complex128
        case .complex32, .complex64, .complex128: self
        default: nil
        }
    }
}

/// c10's complex division (numpy's Smith algorithm): the larger of the divisor's components scales the
/// quotient, so neither |w|² nor the products overflow; 0/0 gives NaN and x/0 an infinity, per component.
@inlinable
func complexQuotient<T: Real & BinaryFloatingPoint>(_ z: Complex<T>, _ w: Complex<T>) -> Complex<T> {
    let ((a, b), (c, d)) = (z.rawStorage, w.rawStorage)
    if Swift.abs(c) >= Swift.abs(d) {
        if c == 0 && d == 0 { return Complex(a / Swift.abs(c), b / Swift.abs(d)) }
        let ratio = d / c
        let scale = 1 / (c + d * ratio)
        return Complex((a + b * ratio) * scale, (b - a * ratio) * scale)
    }
    let ratio = c / d
    let scale = 1 / (d + c * ratio)
    return Complex((a * ratio + b) * scale, (b * ratio - a) * scale)
}

/// `std::abs` of a complex number: the hypotenuse of its components, without overflow.
@inlinable
func complexMagnitude<T: Real & BinaryFloatingPoint>(_ z: Complex<T>) -> T {
    let (x, y) = z.rawStorage
    if x.isInfinite || y.isInfinite { return .infinity }
    return T.hypot(x, y)
}

/// The complex elementary functions whose values at infinities, NaNs and signed zeros follow C99's Annex G, as
/// libtorch's `std::complex` kernels do (swift-numerics' differ there: its single infinity gives `log(0) = +∞`).
enum ComplexElementaryFunction {
    case exp, log, squareRoot, sin, cos, tanh

    /// The function at `z`, computed by the C library in `z`'s precision (double for every type but `Float`).
    func callAsFunction<T: Real & BinaryFloatingPoint>(_ z: Complex<T>) -> Complex<T> {
        let (x, y) = z.rawStorage
        if T.self == Float.self {
            var (real, imaginary): (Float, Float) = (0, 0)
            let function: (Float, Float, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void =
                switch self {
                case .exp: flint_cexpf
                case .log: flint_clogf
                case .squareRoot: flint_csqrtf
                case .sin: flint_csinf
                case .cos: flint_ccosf
                case .tanh: flint_ctanhf
                }
            function(Float(x), Float(y), &real, &imaginary)
            return Complex(T(real), T(imaginary))
        }
        var (real, imaginary): (Double, Double) = (0, 0)
        let function: (Double, Double, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Void =
            switch self {
            case .exp: flint_cexp
            case .log: flint_clog
            case .squareRoot: flint_csqrt
            case .sin: flint_csin
            case .cos: flint_ccos
            case .tanh: flint_ctanh
            }
        function(Double(x), Double(y), &real, &imaginary)
        return Complex(T(real), T(imaginary))
    }
}

/// `z` raised to `w` by C99's `cpow` (exp(w · log z), as libtorch's `std::pow` of two complex numbers), in `z`'s
/// precision (double for every type but `Float`).
func complexPower<T: Real & BinaryFloatingPoint>(_ z: Complex<T>, _ w: Complex<T>) -> Complex<T> {
    let ((x, y), (u, v)) = (z.rawStorage, w.rawStorage)
    if T.self == Float.self {
        var (real, imaginary): (Float, Float) = (0, 0)
        flint_cpowf(Float(x), Float(y), Float(u), Float(v), &real, &imaginary)
        return Complex(T(real), T(imaginary))
    }
    var (real, imaginary): (Double, Double) = (0, 0)
    flint_cpow(Double(x), Double(y), Double(u), Double(v), &real, &imaginary)
    return Complex(T(real), T(imaginary))
}
