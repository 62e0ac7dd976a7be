import ComplexModule
import RealModule

/// Complex tensors' own operations: the real views of their storage, building them from parts, their
/// magnitudes, phases and conjugates, and the casts between complex and real dtypes.
extension Tensor {
    /// `torch.view_as_real`: the complex tensor's storage as its component dtype, with a trailing dimension of
    /// 2 holding (real, imaginary). A view: writes through it change this tensor.
    public func viewAsReal() throws -> Tensor {
        guard dtype.isComplex else { throw TensorError("view_as_real is only supported for complex tensors") }
        return Tensor(
            unchecked: storage, dtype: dtype.complexComponent, shape: shape + [2], strides: strides.map { $0 * 2 } + [1],
            storageOffset: storageOffset * 2)
    }

    /// `torch.view_as_complex`: a float16/float32/float64 tensor whose last dimension is (real, imaginary) as
    /// the complex tensor that shares its storage, with ATen's checks on that dimension, strides and offset.
    public func viewAsComplex() throws -> Tensor {
        guard let complex = dtype.complexCounterpart, dtype.isFloatingPoint else {
            throw TensorError("view_as_complex is only supported for half, float and double tensors, but got a tensor of scalar type: \(dtype.scalarTypeName)")
        }
        guard rank > 0 else { throw TensorError("Input tensor must have one or more dimensions") }
        guard shape[rank - 1] == 2 else { throw TensorError("Tensor must have a last dimension of size 2") }
        guard strides[rank - 1] == 1 else { throw TensorError("Tensor must have a last dimension with stride 1") }
        for (size, stride) in zip(shape.dropLast(), strides.dropLast()) where size != 1 && stride % 2 != 0 {
            throw TensorError("Tensor must have a stride divisible by 2 for all but last dimension")
        }
        guard storageOffset % 2 == 0 else { throw TensorError("Tensor must have a storage_offset divisible by 2") }
        return Tensor(
            unchecked: storage, dtype: complex, shape: Array(shape.dropLast()),
            strides: zip(shape.dropLast(), strides.dropLast()).map { $1 / 2 }, storageOffset: storageOffset / 2)
    }

    /// `torch.real`: a complex tensor's real parts as a view; a real tensor itself.
    public func realPart() throws -> Tensor {
        dtype.isComplex ? try viewAsReal().select(dim: -1, index: 0) : self
    }

    /// `torch.imag`: a complex tensor's imaginary parts as a view; throws ATen's error for a real tensor.
    public func imaginaryPart() throws -> Tensor {
        guard dtype.isComplex else { throw TensorError("imag is not implemented for tensors with non-complex dtypes.") }
        return try viewAsReal().select(dim: -1, index: 1)
    }

    /// `torch.complex(real, imag)`: the complex tensor of the broadcast parts, which must share one of
    /// float16/float32/float64 (complex32/complex64/complex128 result).
    public static func complex(real: Tensor, imaginary: Tensor) throws -> Tensor {
        try checkComplexParts(real, imaginary)
        let result = Tensor(zeros: try broadcastShape(real.shape, imaginary.shape), dtype: real.dtype.complexCounterpart!)
        let parts = try result.viewAsReal()
        try parts.select(dim: -1, index: 0).copy(from: real)
        try parts.select(dim: -1, index: 1).copy(from: imaginary)
        return result
    }

    /// `torch.polar(abs, angle)`: abs·cos(angle) + i·abs·sin(angle), with `torch.complex`'s dtype rules.
    public static func polar(magnitude: Tensor, angle: Tensor) throws -> Tensor {
        try checkComplexParts(magnitude, angle)
        return try complex(real: magnitude.mul(angle.cos()), imaginary: magnitude.mul(angle.sin()))
    }

    private static func checkComplexParts(_ real: Tensor, _ imaginary: Tensor) throws {
        guard [.float16, .float32, .float64].contains(real.dtype), [.float16, .float32, .float64].contains(imaginary.dtype) else {
            throw TensorError("Expected both inputs to be Half, Float or Double tensors but got \(real.dtype.scalarTypeName) and \(imaginary.dtype.scalarTypeName)")
        }
        guard real.dtype == imaginary.dtype else {
            throw TensorError("Expected object of scalar type \(real.dtype.scalarTypeName) but got scalar type \(imaginary.dtype.scalarTypeName) for second argument")
        }
    }

    /// `torch.conj_physical`: a complex tensor with its imaginary parts negated (a new tensor); a real tensor itself.
    public func conjugated() throws -> Tensor {
        guard dtype.isComplex else { return self }
        let result = try clone()
        let imaginary = try result.imaginaryPart()
        try imaginary.copy(from: imaginary.neg())
        return result
    }

    /// |z| of each complex element (`torch.abs` of a complex tensor), in the component dtype.
    func complexMagnitudes() throws -> Tensor { try complexToReal(Magnitude(), operation: "abs") }

    /// `torch.angle`: the phase atan2(im, re) of each complex element, in the component dtype; of a real
    /// number, π for negatives, NaN for NaN and 0 otherwise (integers give float32).
    public func angle() throws -> Tensor {
        if dtype.isComplex { return try complexToReal(Phase(), operation: "angle") }
        let real = dtype.isFloatingPoint ? self : try to(.float32)
        let negative = try Tensor.compare(Less(), .tensor(real), .scalar(.int(0)), operation: "angle")
        let angles = try Tensor.where(negative, .scalar(.double(.pi)), .scalar(.double(0))).to(real.dtype)
        return try Tensor.where(real.isNaN(), .tensor(real), .tensor(angles))
    }

    private func complexToReal<F: ComplexToRealFunction>(_ function: F, operation: String) throws -> Tensor {
        let result = Tensor(uninitialized: shape, dtype: dtype.complexComponent)
        try dtype.dispatchComplex(ComplexToRealMap(function: function, input: self, output: result), operation: operation)
        return result
    }

    /// A reduction over `dims` (nil or empty: all) of this complex tensor as the same reduction of its real and
    /// imaginary parts: `reduce` gets the real view and the dimensions to reduce in it.
    func reducingComponents(dims: [Int]?, _ reduce: (Tensor, [Int]) throws -> Tensor) throws -> Tensor {
        let wrapped = try (dims.flatMap { $0.isEmpty ? nil : $0 } ?? Array(0..<rank)).map { try wrapDimension($0) }
        guard rank > 0 else { return try clone() }
        return try reduce(viewAsReal(), wrapped).contiguous().viewAsComplex()
    }

    /// The casting copy of ``copy(from:)`` when either dtype is complex: complex to complex by components,
    /// real to complex with zero imaginary parts, complex to real keeping the real part (as ATen does, with a
    /// warning there), and complex to bool testing both parts.
    func copyConvertingComplex(from source: Tensor) throws {
        switch (dtype.isComplex, source.dtype.isComplex) {
        case (true, true):
            try viewAsReal().copy(from: source.viewAsReal())
        case (true, false):
            let parts = try viewAsReal()
            try parts.select(dim: -1, index: 0).copy(from: source)
            try parts.select(dim: -1, index: 1).copy(from: Tensor(zeros: [], dtype: dtype.complexComponent))
        case (false, true) where dtype == .bool:
            try source.dtype.dispatchComplex(ComplexNonZero(input: source, output: self), operation: "copy_")
        default:
            try copy(from: source.realPart())
        }
    }
}

/// A real function of a complex number.
private protocol ComplexToRealFunction: Sendable {
    func apply<T: Real & BinaryFloatingPoint>(_ z: Complex<T>) -> T
}

private struct Magnitude: ComplexToRealFunction {
    func apply<T: Real & BinaryFloatingPoint>(_ z: Complex<T>) -> T { complexMagnitude(z) }
}

private struct Phase: ComplexToRealFunction {
    func apply<T: Real & BinaryFloatingPoint>(_ z: Complex<T>) -> T { T.atan2(y: z.rawStorage.y, x: z.rawStorage.x) }
}

private struct ComplexToRealMap<F: ComplexToRealFunction>: ComplexDTypeVisitor {
    let function: F
    let input: Tensor
    let output: Tensor
    func visit<C: ComplexElement>(_ type: C.Type) throws {
        try output.mapElements(from: input, as: C.self) { function.apply($0.value) }
    }
}

private struct ComplexNonZero: ComplexDTypeVisitor {
    let input: Tensor
    let output: Tensor
    func visit<C: ComplexElement>(_ type: C.Type) throws {
        try output.mapElements(from: input, as: C.self) { $0.real != 0 || $0.imaginary != 0 }
    }
}

/// `sgn`: ``Sign`` for real values, z/|z| (c10's `sgn_impl`) for complex ones, 0 at 0.
struct Signum: NumericPointwiseFunction {
    let real = Sign()
    func float<C: Real & BinaryFloatingPoint>(_ x: C) -> C { real.float(x) }
    func integer<I: FixedWidthInteger>(_ x: I) -> I { real.integer(x) }
    func bool(_ x: Bool) -> Bool? { real.bool(x) }
    func complex<C: Real & BinaryFloatingPoint>(_ z: Complex<C>) -> Complex<C>? {
        let (x, y) = z.rawStorage
        if x == 0 && y == 0 { return .zero }
        let magnitude = complexMagnitude(z)
        return Complex(x / magnitude, y / magnitude)
    }
}
