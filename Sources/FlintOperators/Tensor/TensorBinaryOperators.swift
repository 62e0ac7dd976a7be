import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Binary arithmetic, comparisons, logical and bitwise operators, `where`, `masked_fill`, and the reductions that return pairs.
    mutating func defineBinaryOperators() {
        // Binary
        for overload in ["Tensor", "Scalar"] {
            // A traced constant as the second operand counts as a number (``Arguments/numberOperand(_:_:)``).
            tensorOp("aten::add.\(overload)", writing: {
                try Tensor.add($0.operand(0, "self"), $0.numberOperand(1, "other"), alpha: $0.scalar(2, "alpha", default: .int(1)), into: $1)
            })
            tensorOp("aten::sub.\(overload)", writing: {
                try Tensor.sub($0.operand(0, "self"), $0.numberOperand(1, "other"), alpha: $0.scalar(2, "alpha", default: .int(1)), into: $1)
            })
            tensorOp("aten::mul.\(overload)", writing: { try Tensor.binary(Mul(), $0.operand(0, "self"), $0.numberOperand(1, "other"), operation: "mul", into: $1) })
            tensorOp("aten::div.\(overload)", writing: {
                try Tensor.binary(Div(), $0.operand(0, "self"), $0.numberOperand(1, "other"), operation: "div", promoteIntegersToFloat: true, into: $1)
            })
            tensorOp("aten::div.\(overload)_mode") { c in
                let mode = try c.optionalString(2, "rounding_mode")
                switch mode {
                case nil: return try Tensor.binary(Div(), c.operand(0, "self"), c.operand(1, "other"), operation: "div", promoteIntegersToFloat: true)
                case "floor": return try Tensor.binary(FloorDivide(), c.operand(0, "self"), c.operand(1, "other"), operation: "div_floor")
                default:
                    let q = try Tensor.binary(Div(), c.operand(0, "self"), c.operand(1, "other"), operation: "div_trunc", promoteIntegersToFloat: false)
                    return try q.dtype.isFloatingPoint ? q.trunc() : q
                }
            }
            tensorOp("aten::remainder.\(overload)") { try Tensor.binary(Remainder(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "remainder") }
            tensorOp("aten::fmod.\(overload)") { try Tensor.binary(FMod(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "fmod") }
            tensorOp("aten::floor_divide\(overload == "Tensor" ? "" : ".Scalar")") { try Tensor.binary(FloorDivide(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "div_floor") }
            for (name, op) in [("eq", Equal() as any BinaryComparison), ("ne", NotEqual()), ("lt", Less()), ("le", LessEqual()), ("gt", Greater()), ("ge", GreaterEqual())] {
                tensorOp("aten::\(name).\(overload)") { try Tensor.compare(op, $0.operand(0, "self"), $0.operand(1, "other"), operation: name) }
            }
        }
        tensorOp("aten::remainder.Scalar_Tensor") { try Tensor.binary(Remainder(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "remainder") }
        for overload in ["Tensor", "Scalar"] {
            tensorOp("aten::rsub.\(overload)") { try Tensor.sub($0.operand(1, "other"), $0.operand(0, "self"), alpha: $0.scalar(2, "alpha", default: .int(1))) }
        }
        for overload in ["Scalar", "Tensor_Scalar", "Tensor_Tensor"] {
            tensorOp("aten::pow.\(overload)") { try Tensor.pow($0.operand(0, "self"), $0.operand(1, "exponent")) }
        }
        tensorOp("aten::atan2") { try Tensor.binary(Atan2(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "atan2", promoteIntegersToFloat: true) }
        tensorOp("aten::fmax") { try Tensor.binary(FMax(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "fmax") }
        tensorOp("aten::fmin") { try Tensor.binary(FMin(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "fmin") }
        tensorOp("aten::logical_and") { try Tensor.logical(.and, $0.tensor(0, "self"), $0.tensor(1, "other")) }
        tensorOp("aten::logical_or") { try Tensor.logical(.or, $0.tensor(0, "self"), $0.tensor(1, "other")) }
        tensorOp("aten::logical_xor") { try Tensor.logical(.xor, $0.tensor(0, "self"), $0.tensor(1, "other")) }
        // `kernel`: the name in ATen's messages (`"lshift_cpu" not implemented for 'Bool'`).
        for (name, kind, kernel) in [("bitwise_and", Bitwise.Kind.and, "bitwise_and"), ("bitwise_or", .or, "bitwise_or"), ("bitwise_xor", .xor, "bitwise_xor"),
                                     ("bitwise_left_shift", .leftShift, "lshift"), ("bitwise_right_shift", .rightShift, "rshift"),
                                     ("__lshift__", .leftShift, "lshift"), ("__rshift__", .rightShift, "rshift")] {
            for overload in ["", ".Tensor", ".Scalar", ".Scalar_Tensor", ".Tensor_Scalar"] {
                guard TorchSchemaTable.textByQualifiedName["aten::\(name)\(overload)"] != nil else { continue }
                tensorOp("aten::\(name)\(overload)", writing: {
                    try Tensor.bitwise(kind, $0.operand(0, "self"), $0.operand(1, "other"), operation: kernel, into: $1)
                })
            }
        }
        for overload in ["Scalar", "Tensor"] {
            tensorOp("aten::lerp.\(overload)") { try Tensor.lerp($0.tensor(0, "self"), $0.tensor(1, "end"), weight: $0.operand(2, "weight")) }
        }
        tensorOp("aten::addcmul") { c in
            guard try c.tensor(0, "self").dtype != .bool else { throw TensorError("\"addcmul_cpu_out\" not implemented for 'Bool'") }
            let value = try c.scalar(3, "value", default: .int(1))
            return try TensorOperatorSupport.inFloat32ForHalves(c.tensor(0, "self"), c.tensor(1, "tensor1"), c.tensor(2, "tensor2")) { x, a, b in
                let product = try Tensor.binary(Mul(), .tensor(a), .tensor(b), operation: "addcmul")
                return try Tensor.add(.tensor(x), .tensor(product), alpha: value)
            }
        }
        tensorOp("aten::addcdiv") { c in
            let (a, b) = (try c.tensor(1, "tensor1"), try c.tensor(2, "tensor2"))
            guard a.dtype.isFloatingPoint || b.dtype.isFloatingPoint || a.dtype.isComplex || b.dtype.isComplex else {
                throw TensorError("Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), for all dtypes.")
            }
            let value = try c.scalar(3, "value", default: .int(1))
            return try TensorOperatorSupport.inFloat32ForHalves(c.tensor(0, "self"), a, b) { x, a, b in
                let quotient = try Tensor.binary(Div(), .tensor(a), .tensor(b), operation: "addcdiv", promoteIntegersToFloat: true)
                return try Tensor.add(.tensor(x), .tensor(quotient), alpha: value)
            }
        }
        tensorOp("aten::masked_fill.Tensor") { c in
            let value = try c.tensor(2, "value")
            guard value.rank == 0 else { throw TensorError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with \(value.rank) dimension(s).") }
            return try c.tensor(0, "self").maskedFill(c.tensor(1, "mask"), value: value.dtype.isFloatingPoint ? .double(value.item()) : (value.dtype == .bool ? .bool(value.item() != 0) : .int(Int64(value.item()))))
        }
        tensorOp("aten::max.other") { try Tensor.binary(Maximum(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "maximum") }
        tensorOp("aten::min.other") { try Tensor.binary(Minimum(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "minimum") }
        tensorOp("aten::prod") { try $0.tensor(0, "self").prod(dtype: $0.optionalDType(1, "dtype")) }
        tensorOp("aten::prod.dim_int") { try $0.tensor(0, "self").prod(dims: [$0.int(1, "dim")], keepDim: $0.bool(2, "keepdim", default: false), dtype: $0.optionalDType(3, "dtype")) }
        tensorOp("aten::all") { try $0.tensor(0, "self").all() }
        tensorOp("aten::any") { try $0.tensor(0, "self").any() }
        tensorOp("aten::all.dim") { try $0.tensor(0, "self").all(dims: [$0.int(1, "dim")], keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::any.dim") { try $0.tensor(0, "self").any(dims: [$0.int(1, "dim")], keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::all.dims") { try $0.tensor(0, "self").all(dims: $0.optionalInts(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::any.dims") { try $0.tensor(0, "self").any(dims: $0.optionalInts(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::count_nonzero") { try $0.tensor(0, "self").countNonzero(dims: $0.optionalInt(1, "dim").map { [$0] }) }
        tensorOp("aten::count_nonzero.dim_IntList") { try $0.tensor(0, "self").countNonzero(dims: $0.ints(1, "dim")) }
        tensorOp("aten::cumprod") { try $0.tensor(0, "self").cumprod(dim: $0.int(1, "dim"), dtype: $0.optionalDType(2, "dtype")) }
        tensorOp("aten::linalg_vector_norm") { c in
            let t = try c.tensor(0, "self")
            let input = try c.optionalDType(4, "dtype").map { try t.to($0) } ?? t
            return try input.norm(p: c.double(1, "ord", default: 2), dims: c.optionalInts(2, "dim"), keepDim: c.bool(3, "keepdim", default: false))
        }
        tensorOp("aten::frobenius_norm.dim") { try $0.tensor(0, "self").norm(p: 2, dims: $0.ints(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false), legacyNorm: true) }
        for overload in ["Scalar", "ScalarOpt_dim", "ScalarOpt_dim_dtype", "ScalarOpt_dtype"] {
            tensorOp("aten::norm.\(overload)") { c in
                let t = try c.tensor(0, "self")
                let hasDim = overload.contains("dim")
                let dtypeIndex = overload == "ScalarOpt_dtype" ? 2 : 4
                let input = overload.contains("dtype") ? try t.to(c.requiredDType(dtypeIndex, "dtype")) : t
                return try input.norm(
                    p: c.optionalDouble(1, "p") ?? 2, dims: hasDim ? c.optionalInts(2, "dim") : nil, keepDim: hasDim ? c.bool(3, "keepdim", default: false) : false,
                    legacyNorm: !overload.contains("dtype"))
            }
        }
        define("aten::aminmax") { c in
            let t = try c.tensor(0, "self")
            let dims = try c.optionalInt(1, "dim").map { [$0] }
            let keep = try c.bool(2, "keepdim", default: false)
            if let dim = dims?.first {
                let d = try t.wrapDimension(dim)
                guard t.rank == 0 || t.shape[d] > 0 else { throw OperatorError("aminmax: Expected reduction dim \(d) to have non-zero size.") }
            } else if t.elementCount == 0 {
                throw OperatorError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.")
            }
            return .tuple([.tensor(try t.amin(dims: dims ?? [], keepDim: keep)), .tensor(try t.amax(dims: dims ?? [], keepDim: keep))])
        }
        tensorOp("aten::median") { try $0.tensor(0, "self").median() }
        define("aten::median.dim") { c in
            let r = try c.tensor(0, "self").median(dim: c.int(1, "dim"), keepDim: c.bool(2, "keepdim", default: false))
            return .tuple([.tensor(r.values), .tensor(r.indices)])
        }
        tensorOp("aten::maximum") { try Tensor.binary(Maximum(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "maximum") }
        tensorOp("aten::minimum") { try Tensor.binary(Minimum(), $0.operand(0, "self"), $0.operand(1, "other"), operation: "minimum") }
        tensorOp("aten::where.self") { try Tensor.where($0.tensor(0, "condition"), $0.operand(1, "self"), $0.operand(2, "other")) }
        tensorOp("aten::where.ScalarOther") { try Tensor.where($0.tensor(0, "condition"), $0.operand(1, "self"), $0.operand(2, "other")) }
        tensorOp("aten::where.ScalarSelf") { try Tensor.where($0.tensor(0, "condition"), $0.operand(1, "self"), $0.operand(2, "other")) }
        tensorOp("aten::where.Scalar") { try Tensor.where($0.tensor(0, "condition"), $0.operand(1, "self"), $0.operand(2, "other")) }
        tensorOp("aten::masked_fill.Scalar") { try $0.tensor(0, "self").maskedFill($0.tensor(1, "mask"), value: $0.scalar(2, "value")) }

        // `a & b` on tensors prints as `torch.__and__(a, b)`.
        for (dunder, bitwise) in [("__and__", "bitwise_and"), ("__or__", "bitwise_or"), ("__xor__", "bitwise_xor"),
                                  ("__iand__", "bitwise_and_"), ("__ior__", "bitwise_or_"), ("__ixor__", "bitwise_xor_")] {
            for overload in ["Tensor", "Scalar"] {
                if self["aten::\(bitwise).\(overload)"] != nil { defineAlias("aten::\(dunder).\(overload)", of: "aten::\(bitwise).\(overload)") }
            }
        }
    }
}
