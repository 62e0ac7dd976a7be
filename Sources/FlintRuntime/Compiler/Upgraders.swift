import FlintOperators
import FlintScript
import FlintTensor
import FlintValues

/// Operator upgraders: archives written by older PyTorch versions call operators whose semantics changed
/// since (`torch/csrc/jit/operator_upgraders/upgraders_entry.cpp`). The archive's file version selects the
/// old behaviour.
enum Upgraders {
    static func apply(to body: @escaping OperatorBody, schema: OperatorSchema, fileVersion: Int) -> OperatorBody {
        upgraded(body, schema: schema, fileVersion: fileVersion) ?? body
    }

    /// `body` with the old behaviour the file version selects, or nil when the current one applies.
    static func upgraded(_ body: @escaping OperatorBody, schema: OperatorSchema, fileVersion: Int) -> OperatorBody? {
        // Below version 4, `div` on two integral operands truncated (div_Tensor_0_3 and friends).
        if fileVersion < 4, ["aten::div", "aten::div_"].contains(schema.name), ["Tensor", "Scalar", ""].contains(schema.overload) {
            let truncating = OperatorRegistry.standard.body(named: "aten::div.Tensor_mode")
            return { c in
                guard isIntegral(c[0]) && isIntegral(c[1]), let truncating else { return try body(c) }
                let divisor: ScriptValue = if case .tensor = c[1] { c[1] } else { .tensor(try TensorScalars.tensor(c[1])) }
                let quotient = try truncating(Arguments([c[0], divisor, .string("trunc")]))
                if schema.name == "aten::div_", case .tensor(let target) = c[0], case .tensor(let result) = quotient {
                    try target.copy(from: result)
                    return .tensor(target)
                }
                return quotient
            }
        }
        // Below version 5, `full` with an integral fill value and no dtype made a float tensor (full_0_4).
        if fileVersion < 5, schema.name == "aten::full", schema.overload == "" || schema.overload == "names" {
            return { c in
                var values = c.values
                if values.count > 2, values[2].isNone, let fill = values[1].numericValue { values[1] = .double(fill) }
                return try body(Arguments(values))
            }
        }
        return nil
    }

    private static func isIntegral(_ value: ScriptValue) -> Bool {
        switch value {
        case .int, .bool: true
        case .tensor(let t): !t.dtype.isFloatingPoint && !t.dtype.isComplex
        default: false
        }
    }

}
