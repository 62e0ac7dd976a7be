import CFlintKernels
import ComplexModule
import RealModule

/// A pointwise function defined for every numeric dtype, keeping the dtype.
public protocol NumericPointwiseFunction: Sendable {
    /// The result for a floating value, computed in `C` (`Float` or `Double`).
    func float<C: Real & BinaryFloatingPoint>(_ x: C) -> C
    /// The result for an integer value, in its own type.
    func integer<I: FixedWidthInteger>(_ x: I) -> I
    /// The bool form, or nil when the operation rejects bool tensors.
    func bool(_ x: Bool) -> Bool?
    /// A vector kernel for contiguous float32 runs (`x`, `y`, count), giving what ``float(_:)`` gives; nil: none.
    var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { get }
    /// The complex form, when the operation keeps complex numbers complex (nil: complex tensors are refused).
    func complex<C: Real & BinaryFloatingPoint>(_ z: Complex<C>) -> Complex<C>?
}

extension NumericPointwiseFunction {
    public func bool(_ x: Bool) -> Bool? { nil }
    public func complex<C: Real & BinaryFloatingPoint>(_ z: Complex<C>) -> Complex<C>? { nil }
    public var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { nil }
}

extension Tensor {
    /// Applies a dtype-preserving function to every element.
    public func pointwise<F: NumericPointwiseFunction>(_ function: F, operation: String) throws -> Tensor {
        let result = Tensor.output(shape, dtype)
        if dtype == .float32, isContiguous, let kernel = function.float32Kernel {
            let (source, target) = (UnsafePointer(baseAddress.assumingMemoryBound(to: Float.self)), result.baseAddress.assumingMemoryBound(to: Float.self))
            ThreadPool.shared.parallelFor(elementCount, minimumPerThread: 1 << 15, FloatKernelChunks(kernel: kernel, source: source, target: target))
            return result
        }
        try dtype.dispatchNumeric(NumericMap(function: function, input: self, output: result, operation: operation), operation: operation)
        return result
    }

    /// `torch.abs`: |x| elementwise, keeping the dtype (integers wrap; complex tensors give their magnitudes in the
    /// component dtype); throws for bool tensors.
    public func abs() throws -> Tensor {
        guard dtype != .bool else { throw TensorError("\"abs_cpu\" not implemented for 'Bool'") }
        if dtype.isComplex { return try complexMagnitudes() }
        return try pointwise(Absolute(), operation: "abs")
    }
    /// `torch.neg`: -x elementwise, keeping the dtype (integers wrap); throws for bool tensors, as ATen does.
    public func neg() throws -> Tensor {
        guard dtype != .bool else {
            throw TensorError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
        }
        return try pointwise(Negate(), operation: "neg")
    }
    /// `torch.sign`: -1, 0 or 1 elementwise, keeping the dtype (NaN gives 0; bools are unchanged).
    public func sign() throws -> Tensor {
        guard !dtype.isComplex else {
            throw TensorError("Unlike NumPy, torch.sign is not intended to support complex numbers. Please use torch.sgn instead.")
        }
        return try pointwise(Sign(), operation: "sign")
    }
    /// `torch.sgn`: `sign` of a real tensor, z/|z| (0 at 0) of a complex one.
    public func sgn() throws -> Tensor { try pointwise(Signum(), operation: "sgn") }
    /// `torch.relu`: max(x, 0) elementwise, keeping the dtype (NaN stays NaN); throws for bool tensors.
    public func relu() throws -> Tensor {
        if quantizer != nil { return try quantizedReLU() }
        guard dtype != .bool else { throw TensorError("Boolean inputs not supported for relu") }
        return try pointwise(ReLU(), operation: "relu")
    }
    /// `torch.floor`: rounds toward -inf, keeping the dtype (integers are unchanged); throws for bool tensors.
    public func floor() throws -> Tensor { try pointwise(Rounding(rule: .down), operation: "floor_vml_cpu") }
    /// `torch.ceil`: rounds toward +inf, keeping the dtype (integers are unchanged); throws for bool tensors.
    public func ceil() throws -> Tensor { try pointwise(Rounding(rule: .up), operation: "ceil_vml_cpu") }
    /// `torch.trunc`: rounds toward zero, keeping the dtype (integers are unchanged); throws for bool tensors.
    public func trunc() throws -> Tensor { try pointwise(Rounding(rule: .towardZero), operation: "trunc_vml_cpu") }
    /// Rounds half to even, as `torch.round`.
    public func round() throws -> Tensor { try pointwise(Rounding(rule: .toNearestOrEven), operation: "round_vml_cpu") }
    /// `x * x`, in the dtype `pow(x, 2)` gives (bool becomes int64).
    public func square() throws -> Tensor {
        let promoted = try to(DType.resultType([.tensor(dtype, rank: rank), .scalar(.int)]))
        return try promoted.mul(promoted)
    }

    /// `nan_to_num`: NaN → `nan`, +inf → `posinf` (default: the dtype's largest), -inf → `neginf`.
    public func nanToNum(nan: Double? = nil, posinf: Double? = nil, neginf: Double? = nil) throws -> Tensor {
        guard dtype.isFloatingPoint else { return try clone() }
        let largest: Double
        switch dtype {
        case .float16: largest = 65504
        case .bfloat16: largest = Double(Float(bitPattern: 0x7F7F_0000))
        case .float32: largest = Double(Float.greatestFiniteMagnitude)
        default: largest = Double.greatestFiniteMagnitude
        }
        let (n, p, m) = (nan ?? 0, posinf ?? largest, neginf ?? -largest)
        return try pointwise(DoubleMap { x in x.isNaN ? n : (x == .infinity ? p : (x == -.infinity ? m : x)) }, operation: "nan_to_num")
    }

    /// `round(decimals)`: rounds half to even at 10^-decimals, as ATen does.
    public func round(decimals: Int) throws -> Tensor {
        if decimals == 0 { return try round() }
        guard dtype.isFloatingPoint else { throw TensorError("round_cpu not implemented for '\(dtype.scalarTypeName)' with decimals") }
        let scale = Double.pow(10.0, Double(Swift.abs(decimals)))
        return try pointwise(DoubleMap { x in
            decimals > 0 ? (x * scale).rounded(.toNearestOrEven) / scale : (x / scale).rounded(.toNearestOrEven) * scale
        }, operation: "round")
    }

    /// `~x` for integers and bools.
    public func bitwiseNot() throws -> Tensor {
        guard !dtype.isFloatingPoint else { throw TensorError("\"bitwise_not_cpu\" not implemented for '\(dtype.scalarTypeName)'") }
        return try pointwise(BitwiseNot(), operation: "bitwise_not")
    }

    /// `logical_not`: a bool tensor, true where the element is zero.
    public func logicalNot() throws -> Tensor { try Tensor.compare(Equal(), .tensor(self), .scalar(.int(0)), operation: "logical_not") }

    /// `torch.isnan`: a bool tensor, true where the element is NaN (never for integers and bools).
    public func isNaN() throws -> Tensor {
        if dtype.isComplex { return try viewAsReal().isNaN().any(dims: [-1]) }
        return try classify { $0.isNaN }
    }
    /// `torch.isinf`: a bool tensor, true where the element is +inf or -inf.
    public func isInfinite() throws -> Tensor {
        if dtype.isComplex { return try viewAsReal().isInfinite().any(dims: [-1]) }
        return try classify { $0.isInfinite }
    }
    /// `torch.isfinite`: a bool tensor, true where the element is neither infinite nor NaN.
    public func isFinite() throws -> Tensor {
        if dtype.isComplex { return try viewAsReal().isFinite().all(dims: [-1]) }
        return try classify { $0.isFinite }
    }

    private func classify(_ test: @escaping (Double) -> Bool) throws -> Tensor {
        let result = Tensor.output(shape, .bool)
        try dtype.dispatch(Classify(input: self, output: result, test: test))
        return result
    }
}

extension Tensor {
    /// A contiguous copy that never aliases this tensor (`clone()`).
    public func clone() throws -> Tensor {
        let copy = Tensor(zeros: shape, dtype: dtype)
        try copy.copy(from: self)
        return copy
    }
}

/// A float-only map given as a `Double` closure, keeping the dtype (integers pass through).
struct DoubleMap: NumericPointwiseFunction {
    let body: @Sendable (Double) -> Double
    func float<C: Real & BinaryFloatingPoint>(_ x: C) -> C { C(body(Double(x))) }
    func integer<I: FixedWidthInteger>(_ x: I) -> I { x }
}

private struct NumericMap<F: NumericPointwiseFunction>: NumericDTypeVisitor {
    let function: F
    let input: Tensor
    let output: Tensor
    let operation: String

    func visitFloating<T: FloatingElement>(_ type: T.Type) throws {
        try output.mapElements(from: input, as: T.self) { T(computeValue: function.float($0.computeValue)) }
    }

    func visitInteger<T: IntegerElement>(_ type: T.Type) throws {
        try output.mapElements(from: input, as: T.self) { function.integer($0) }
    }

    func visitBool() throws {
        guard function.bool(false) != nil else { throw TensorError("\"\(operation)\" not implemented for 'Bool'") }
        try output.mapElements(from: input, as: Bool.self) { function.bool($0)! }
    }

    func visitComplex<C: ComplexElement>(_ type: C.Type) throws {
        guard function.complex(Complex<C.Component>.zero) != nil else {
            throw TensorError("\"\(operation)\" not implemented for '\(C.dtype.scalarTypeName)'")
        }
        try output.mapElements(from: input, as: C.self) { C(function.complex($0.value)!) }
    }
}

private struct Classify: DTypeVisitor {
    let input: Tensor
    let output: Tensor
    let test: (Double) -> Bool
    func visit<T: TensorElement>(_ type: T.Type) throws {
        try output.mapElements(from: input, as: T.self) { test($0.doubleValue) }
    }
}

struct Absolute: NumericPointwiseFunction {
    func float<C: Real & BinaryFloatingPoint>(_ x: C) -> C { Swift.abs(x) }
    func integer<I: FixedWidthInteger>(_ x: I) -> I { x < 0 ? 0 &- x : x }
    func bool(_ x: Bool) -> Bool? { x }
    /// A plain loop the compiler vectorizes (the sign bit cleared, NaN stays NaN).
    var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? {
        { x, y, n in for i in 0..<Int(n) { y[i] = Swift.abs(x[i]) } }
    }
}

struct Negate: NumericPointwiseFunction {
    func float<C: Real & BinaryFloatingPoint>(_ x: C) -> C { -x }
    func complex<C: Real & BinaryFloatingPoint>(_ z: Complex<C>) -> Complex<C>? { -z }
    func integer<I: FixedWidthInteger>(_ x: I) -> I { 0 &- x }
    /// A plain loop the compiler vectorizes (the sign bit flipped).
    var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? {
        { x, y, n in for i in 0..<Int(n) { y[i] = -x[i] } }
    }
}

struct Sign: NumericPointwiseFunction {
    func float<C: Real & BinaryFloatingPoint>(_ x: C) -> C { x.isNaN ? 0 : (x > 0 ? 1 : (x < 0 ? -1 : 0)) }
    func integer<I: FixedWidthInteger>(_ x: I) -> I { x > 0 ? 1 : (x < 0 ? 0 &- 1 : 0) }
    func bool(_ x: Bool) -> Bool? { x }
}

struct ReLU: NumericPointwiseFunction {
    func float<C: Real & BinaryFloatingPoint>(_ x: C) -> C { x < 0 ? 0 : x }  // NaN and -0 stay, as ATen's relu
    func integer<I: FixedWidthInteger>(_ x: I) -> I { Swift.max(x, 0) }
    var float32Kernel: (@Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void)? { { flint_relu_f32($0, $1, $2) } }
}

struct Rounding: NumericPointwiseFunction {
    let rule: FloatingPointRoundingRule
    func float<C: Real & BinaryFloatingPoint>(_ x: C) -> C { x.rounded(rule) }
    func integer<I: FixedWidthInteger>(_ x: I) -> I { x }
}

struct BitwiseNot: NumericPointwiseFunction {
    func float<C: Real & BinaryFloatingPoint>(_ x: C) -> C { x }
    func integer<I: FixedWidthInteger>(_ x: I) -> I { ~x }
    func bool(_ x: Bool) -> Bool? { !x }
}
