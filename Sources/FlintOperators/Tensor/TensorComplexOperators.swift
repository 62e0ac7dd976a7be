import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Complex tensors: the real views of their storage (`view_as_real`, `real`, `imag`), building them
    /// (`view_as_complex`, `complex`, `polar`), their conjugates, phases and signs. Flint has no lazy conjugate
    /// bit: `conj` makes the conjugate (so `is_conj` is always false and `resolve_conj` returns its input).
    mutating func defineComplexOperators() {
        unary("view_as_real") { try $0.viewAsReal() }
        unary("view_as_complex") { try $0.viewAsComplex() }
        unary("real") { try $0.realPart() }
        unary("imag") { try $0.imaginaryPart() }
        for name in ["conj", "_conj", "conj_physical", "_conj_physical"] {
            unary(name) { try $0.conjugated() }
        }
        for name in ["resolve_conj", "resolve_neg"] {
            unary(name) { $0 }
        }
        unary("angle") { try $0.angle() }
        unary("isreal") { x in
            guard x.dtype.isComplex else { return try Tensor.full(x.shape, value: 1, dtype: .bool) }
            return try Tensor.compare(Equal(), .tensor(x.imaginaryPart()), .scalar(.int(0)), operation: "isreal")
        }
        // complex32 is stored, not computed with: chalf only converts.
        unary("chalf") { try $0.to(.complex32) }
        tensorOp("aten::complex") { c in try Tensor.complex(real: c.tensor(0, "real"), imaginary: c.tensor(1, "imag")) }
        tensorOp("aten::polar") { c in try Tensor.polar(magnitude: c.tensor(0, "abs"), angle: c.tensor(1, "angle")) }
    }
}
