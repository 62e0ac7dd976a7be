/// Selecting between values: `where`, `clamp`, `masked_fill`.
extension Tensor {
    /// `torch.where(condition, a, b)`: broadcast, with `a` and `b` promoted to a common dtype.
    public static func `where`(_ condition: Tensor, _ a: Operand, _ b: Operand) throws -> Tensor {
        let common = try DType.resultType([a.promotion, b.promotion])
        let x = try a.tensor(as: common)
        let y = try b.tensor(as: common)
        let mask = try condition.to(.bool)
        if common.isComplex {
            // Both parts of each element chosen together: the mask over the parts of the real views.
            return try Tensor.where(mask.unsqueeze(-1), .tensor(x.viewAsReal()), .tensor(y.viewAsReal())).viewAsComplex()
        }
        let shape = try broadcastShape([mask.shape, x.shape, y.shape])
        let result = Tensor.output(shape, common)
        try common.dispatch(WhereMap(mask: mask, a: x, b: y, output: result))
        return result
    }

    /// `masked_fill(mask, value)`: elements where `mask` is true become `value`.
    public func maskedFill(_ mask: Tensor, value: Scalar) throws -> Tensor {
        guard mask.dtype == .bool else {
            throw TensorError("masked_fill_ only supports boolean masks, but got mask with dtype \(mask.dtype.cppName)")
        }
        // Out of place, the input and the mask broadcast together (ATen's `expand_outplace`); the in-place form
        // refuses a result larger than its input when it writes the result back.
        return try Tensor.where(mask, .tensor(try value.tensor(dtype)), .tensor(self))
    }

    /// `clamp(min, max)`: NaN stays NaN; a bound that is NaN makes every result NaN, as in ATen.
    public func clamp(min lower: Scalar?, max upper: Scalar?) throws -> Tensor {
        guard lower != nil || upper != nil else {
            throw TensorError("torch.clamp: At least one of 'min' or 'max' must not be None")
        }
        var operands: [PromotionOperand] = [.tensor(dtype, rank: rank)]
        if let lower { operands.append(.scalar(lower.promotionKind)) }
        if let upper { operands.append(.scalar(upper.promotionKind)) }
        let common = try DType.resultType(operands)
        if common.isIntegral, lower.map({ if case .int = $0 { true } else { false } }) ?? true,
            upper.map({ if case .int = $0 { true } else { false } }) ?? true
        {
            let low = lower.map { if case .int(let i) = $0 { i } else { Int64.min } } ?? Int64.min
            let high = upper.map { if case .int(let i) = $0 { i } else { Int64.max } } ?? Int64.max
            return try to(common).pointwise(IntegerClamp(lower: low, upper: high), operation: "clamp")
        }
        // A float32 tensor between real bounds in order: one vectorised pass (`HardTanh`, NaN kept), the bounds
        // converted to float32 as ATen converts them.
        let (low, high) = (lower?.doubleValue ?? -.infinity, upper?.doubleValue ?? .infinity)
        if common == .float32, dtype == .float32, !low.isNaN, !high.isNaN, low <= high {
            return try pointwise(HardTanh(lower: low, upper: high), operation: "clamp")
        }
        var result = try to(common)
        if let lower { result = try Tensor.binary(ClampLower(), .tensor(result), .scalar(lower), operation: "clamp") }
        if let upper { result = try Tensor.binary(ClampUpper(), .tensor(result), .scalar(upper), operation: "clamp") }
        return result
    }
}

import RealModule

private struct ClampLower: BinaryArithmetic {
    func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }
    func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { Swift.max(a, b) }
    func bool(_ a: Bool, _ b: Bool) -> Bool? { a || b }
}

private struct ClampUpper: BinaryArithmetic {
    func float<C: Real & BinaryFloatingPoint>(_ a: C, _ b: C) -> C { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) }
    func integer<I: FixedWidthInteger>(_ a: I, _ b: I) -> I { Swift.min(a, b) }
    func bool(_ a: Bool, _ b: Bool) -> Bool? { a && b }
}

private struct WhereMap: DTypeVisitor {
    let mask: Tensor
    let a: Tensor
    let b: Tensor
    let output: Tensor
    func visit<T: TensorElement>(_ type: T.Type) throws {
        try output.mapElements(from: mask, a, b, as: (Bool.self, T.self, T.self)) { $0 ? $1 : $2 }
    }
}
