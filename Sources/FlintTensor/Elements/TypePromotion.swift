/// ATen's type promotion (`c10/core/ScalarType.h promoteTypes`, `ATen/native/TypeProperties.cpp`).
extension DType {
    /// The smallest dtype both `a` and `b` convert to without losing their category, as `torch.promote_types`.
    /// Throws for combinations ATen rejects (the unsigned 16/32/64-bit types with other integers).
    public static func promote(_ a: DType, _ b: DType) throws -> DType {
        if a == b { return a }
        if a == .bool { return b }
        if b == .bool { return a }
        if a.isComplex || b.isComplex {
            // The complex type of the wider floating components (an integer operand has none).
            let components = [a, b].map(\.complexComponent).filter(\.isFloatingPoint)
            let component = try components.dropFirst().reduce(components[0]) { try promote($0, $1) }
            guard let result = component.complexCounterpart ?? (component == .bfloat16 ? .complex64 : nil) else {
                throw TensorError("type promotion between \(a) and \(b) is not supported")
            }
            return result
        }
        if a.isFloatingPoint || b.isFloatingPoint {
            guard a.isFloatingPoint, b.isFloatingPoint else { return a.isFloatingPoint ? a : b }
            if Set([a, b]) == [.float16, .bfloat16] { return .float32 }
            return a.floatingRank >= b.floatingRank ? a : b
        }
        let wideUnsigned: Set<DType> = [.uint16, .uint32, .uint64]
        guard !wideUnsigned.contains(a), !wideUnsigned.contains(b), a.isIntegral, b.isIntegral else {
            throw TensorError("type promotion between \(a) and \(b) is not supported")
        }
        if a == .uint8 { return b.itemSize > 1 ? b : .int16 }
        if b == .uint8 { return a.itemSize > 1 ? a : .int16 }
        return a.itemSize >= b.itemSize ? a : b
    }

    private var floatingRank: Int {
        switch self {
        case .float64: 3
        case .float32: 2
        case .float16, .bfloat16: 1
        default: 0
        }
    }
}

/// An operand's role in type promotion: ATen ranks tensors with dimensions above zero-dim tensors, and
/// both above Python scalars ("wrapped numbers"), within each category (bool < integer < floating < complex).
public enum PromotionOperand: Sendable {
    /// A tensor of this dtype and rank; 0-dim tensors rank below those with dimensions.
    case tensor(DType, rank: Int)
    /// A Python `bool`, `int`, `float` or `complex` scalar.
    case scalar(ScalarKind)

    /// The category of a Python scalar, ordered bool < int < float < complex.
    public enum ScalarKind: Sendable {
        /// A Python `bool`, `int`, `float` or `complex`.
        case bool, int, float, complex
    }
}

extension DType {
    /// The result dtype of an operation on `operands`, as `torch.result_type` computes it. A float scalar
    /// counts as the default dtype (float32), a complex one as complex64, an int scalar as int64.
    public static func resultType(_ operands: [PromotionOperand]) throws -> DType {
        try resultType(of: operands)
    }

    /// ``resultType(_:)`` of two operands, without making an array of them (a binary kernel's every call).
    public static func resultType(_ first: PromotionOperand, _ second: PromotionOperand) throws -> DType {
        try resultType(of: PromotionPair(remaining: (first, second)))
    }

    private static func resultType<Operands: Sequence<PromotionOperand>>(of operands: Operands) throws -> DType {
        var dimensioned: DType?
        var zeroDim: DType?
        var wrapped: DType?
        func merge(_ current: DType?, _ next: DType) throws -> DType {
            guard let current else { return next }
            return try promote(current, next)
        }
        for operand in operands {
            switch operand {
            case .tensor(let dtype, let rank) where rank > 0: dimensioned = try merge(dimensioned, dtype)
            case .tensor(let dtype, _): zeroDim = try merge(zeroDim, dtype)
            case .scalar(.bool): wrapped = try merge(wrapped, .bool)
            case .scalar(.int): wrapped = try merge(wrapped, .int64)
            case .scalar(.float): wrapped = try merge(wrapped, .float32)
            case .scalar(.complex): wrapped = try merge(wrapped, .complex64)
            }
        }
        let lower = try combineCategories(zeroDim, wrapped)
        guard let result = try combineCategories(dimensioned, lower) else {
            throw TensorError("result type of an operation without operands")
        }
        return result
    }

    /// `combine_categories`: the higher tier wins unless the lower tier is in a higher category.
    private static func combineCategories(_ higher: DType?, _ lower: DType?) throws -> DType? {
        guard let higher else { return lower }
        guard let lower else { return higher }
        if higher.isComplex { return higher }
        // A complex lower tier keeps a floating higher tier's precision (float64 · 0-dim complex64 = complex128).
        if lower.isComplex { return higher.isFloatingPoint ? (higher.complexCounterpart ?? .complex64) : lower }
        if higher.isFloatingPoint { return higher }
        if higher == .bool || lower.isFloatingPoint { return try promote(higher, lower) }
        return higher
    }
}

/// Two promotion operands as a sequence held inline (an array of them would be allocated).
private struct PromotionPair: Sequence, IteratorProtocol {
    var remaining: (PromotionOperand?, PromotionOperand?)

    mutating func next() -> PromotionOperand? {
        defer { remaining = (remaining.1, nil) }
        return remaining.0
    }
}
