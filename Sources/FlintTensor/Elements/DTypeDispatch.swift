/// Code that runs once per element type. Implement `visit` generically; ``DType/dispatch(_:)`` calls it with
/// the static type of a runtime dtype.
public protocol DTypeVisitor {
    /// What `visit(_:)` returns.
    associatedtype Result
    /// Runs the code with `T` as the element type.
    func visit<T: TensorElement>(_ type: T.Type) throws -> Result
}

/// Code that runs for floating-point element types only.
public protocol FloatingDTypeVisitor {
    /// What `visit(_:)` returns.
    associatedtype Result
    /// Runs the code with `T` as the floating element type (float16, bfloat16, float32 or float64).
    func visit<T: FloatingElement>(_ type: T.Type) throws -> Result
}

/// Code that runs for any numeric type, split by category.
public protocol NumericDTypeVisitor {
    /// What each `visit` method returns.
    associatedtype Result
    /// Runs the code for a floating element type (float16, bfloat16, float32 or float64).
    func visitFloating<T: FloatingElement>(_ type: T.Type) throws -> Result
    /// Runs the code for an integer element type (signed or unsigned, 8 to 64 bits).
    func visitInteger<T: IntegerElement>(_ type: T.Type) throws -> Result
    /// Runs the code for bool elements.
    func visitBool() throws -> Result
    /// Runs the code for a complex element type (complex64 or complex128). By default complex dtypes are
    /// refused: a visitor implements this when its operation is defined on complex numbers.
    func visitComplex<C: ComplexElement>(_ type: C.Type) throws -> Result
}

extension NumericDTypeVisitor {
    public func visitComplex<C: ComplexElement>(_ type: C.Type) throws -> Result { throw ComplexUnsupported() }
}

/// What a ``NumericDTypeVisitor`` without a complex form throws; ``DType/dispatchNumeric(_:operation:)``
/// turns it into ATen's message naming the operation.
struct ComplexUnsupported: Error {}

/// Code that runs for complex element types only.
public protocol ComplexDTypeVisitor {
    /// What `visit(_:)` returns.
    associatedtype Result
    /// Runs the code with `C` as the complex element type (complex64 or complex128).
    func visit<C: ComplexElement>(_ type: C.Type) throws -> Result
}

extension DType {
    /// Runs `visitor` with this dtype's element type. Throws ``TensorError`` for dtypes that can be stored
    /// but not computed with (quantized, float8) and for complex ones (see ``dispatchComplex(_:operation:)``).
    public func dispatch<V: DTypeVisitor>(_ visitor: V) throws -> V.Result {
        switch self {
        case .float32: try visitor.visit(Float.self)
        case .float64: try visitor.visit(Double.self)
        case .float16: try visitor.visit(Half.self)
        case .bfloat16: try visitor.visit(BFloat16.self)
        case .bool: try visitor.visit(Bool.self)
        case .uint8: try visitor.visit(UInt8.self)
        case .int8: try visitor.visit(Int8.self)
        case .int16: try visitor.visit(Int16.self)
        case .int32: try visitor.visit(Int32.self)
        case .int64: try visitor.visit(Int64.self)
        case .uint16: try visitor.visit(UInt16.self)
        case .uint32: try visitor.visit(UInt32.self)
        case .uint64: try visitor.visit(UInt64.self)
        default:
            if isComplex { throw TensorError("not implemented for '\(scalarTypeName)': Flint has no complex kernel for this operation") }
            throw TensorError("dtype \(name) is not supported for computation")
        }
    }

    /// Runs `visitor` with this floating dtype's element type; throws for other dtypes, naming `operation`.
    public func dispatchFloating<V: FloatingDTypeVisitor>(_ visitor: V, operation: String) throws -> V.Result {
        switch self {
        case .float32: try visitor.visit(Float.self)
        case .float64: try visitor.visit(Double.self)
        case .float16: try visitor.visit(Half.self)
        case .bfloat16: try visitor.visit(BFloat16.self)
        default:
            if isComplex { throw TensorError("\"\(operation)\" not implemented for '\(scalarTypeName)'") }
            throw TensorError("\(operation) does not support dtype \(name)")
        }
    }

    /// Runs `visitor` for this dtype's category (complex64/complex128 through its `visitComplex`); throws for
    /// non-computable dtypes, naming `operation`.
    public func dispatchNumeric<V: NumericDTypeVisitor>(_ visitor: V, operation: String) throws -> V.Result {
        if self == .complex64 || self == .complex128 {
            do {
                return try self == .complex64 ? visitor.visitComplex(Complex64.self) : visitor.visitComplex(Complex128.self)
            } catch is ComplexUnsupported {
                throw TensorError("\"\(operation)\" not implemented for '\(scalarTypeName)'")
            }
        }
        switch self {
        case .float32: return try visitor.visitFloating(Float.self)
        case .float64: return try visitor.visitFloating(Double.self)
        case .float16: return try visitor.visitFloating(Half.self)
        case .bfloat16: return try visitor.visitFloating(BFloat16.self)
        case .bool: return try visitor.visitBool()
        case .uint8: return try visitor.visitInteger(UInt8.self)
        case .int8: return try visitor.visitInteger(Int8.self)
        case .int16: return try visitor.visitInteger(Int16.self)
        case .int32: return try visitor.visitInteger(Int32.self)
        case .int64: return try visitor.visitInteger(Int64.self)
        case .uint16: return try visitor.visitInteger(UInt16.self)
        case .uint32: return try visitor.visitInteger(UInt32.self)
        case .uint64: return try visitor.visitInteger(UInt64.self)
        default: throw TensorError("\(operation) does not support dtype \(name)")
        }
    }

    /// Runs `visitor` with this complex dtype's element type; throws ATen's "not implemented" error naming
    /// `operation` for other dtypes (complex32 included: it is stored, not computed with).
    public func dispatchComplex<V: ComplexDTypeVisitor>(_ visitor: V, operation: String) throws -> V.Result {
        switch self {
        case .complex64: try visitor.visit(Complex64.self)
        case .complex128: try visitor.visit(Complex128.self)
        default: throw TensorError("\"\(operation)\" not implemented for '\(scalarTypeName)'")
        }
    }

    /// Whether the dtype is a real floating-point type.
    public var isFloatingPoint: Bool {
        switch self {
        case .float16, .bfloat16, .float32, .float64, .float8_e5m2, .float8_e4m3fn, .float8_e5m2fnuz, .float8_e4m3fnuz: true
        default: false
        }
    }

    /// Whether the dtype is complex.
    public var isComplex: Bool { self == .complex32 || self == .complex64 || self == .complex128 }

    /// Whether the dtype is an integer type (bool excluded).
    public var isIntegral: Bool {
        switch self {
        case .uint8, .int8, .int16, .int32, .int64, .uint16, .uint32, .uint64: true
        default: false
        }
    }
}
