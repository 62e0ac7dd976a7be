import FlintScript
import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// The `_foreach_*` operators (optimizers' and clipping code's list forms: `_foreach_add.List`, `_foreach_mul_.Scalar`,
    /// `_foreach_norm.Scalar`, ...), every functional and in-place overload of torch's table: each applies one ATen
    /// operator to the tensors of its lists in turn. A `Tensor[]` argument gives each call its element, a `Scalar[]`
    /// argument its number, and any other argument is passed to every call; the lists must be of one length. In-place
    /// overloads write each result into `self`'s tensor; out overloads follow from the functional ones
    /// (``OutVariant``). Declared after the operators they apply.
    mutating func defineForeachOperators() {
        let prefix = "aten::_foreach_"
        for qualifiedName in TorchSchemaTable.textByQualifiedName.keys where qualifiedName.hasPrefix(prefix) && self[qualifiedName] == nil {
            let name = String(qualifiedName.dropFirst(prefix.count).prefix { $0 != "." })
            let overload = qualifiedName.contains(".") ? String(qualifiedName.drop { $0 != "." }.dropFirst()) : ""
            let inPlace = name.hasSuffix("_")
            let function = inPlace ? String(name.dropLast()) : name
            guard !overload.hasSuffix("out"),
                  let schema = TorchSchemaTable.overloads(of: prefix + name).first(where: { $0.qualifiedName == qualifiedName }),
                  let (target, arrange) = Self.foreachTarget(function, overload: overload), let body = self["aten::" + target] else { continue }
            define(qualifiedName) { c in
                let results = try Self.applyForeach(schema, c, body: body, arrange: arrange)
                guard inPlace else { return TensorOperatorSupport.list(results) }
                for (target, result) in zip(try c.tensors(0, "self"), results) { try target.assign(inPlaceResult: result) }
                return .none
            }
        }
    }

    /// Rearranges one call's arguments (in the foreach schema's order) into the applied operator's.
    typealias ForeachArrangement = @Sendable ([ScriptValue]) -> [ScriptValue]

    /// The ATen operator a foreach function applies (by its overload: whether the other operand is a tensor or a
    /// number), and how its arguments are rearranged; nil for one Flint does not declare.
    private static func foreachTarget(_ function: String, overload: String) -> (String, ForeachArrangement?)? {
        let unary: Set<String> = [
            "abs", "acos", "asin", "atan", "ceil", "cos", "cosh", "erf", "erfc", "exp", "expm1", "floor", "frac", "lgamma", "log", "log10",
            "log1p", "log2", "neg", "reciprocal", "round", "rsqrt", "sigmoid", "sign", "sin", "sinh", "sqrt", "tan", "tanh", "trunc", "clone",
        ]
        if unary.contains(function) && overload.isEmpty { return (function, nil) }
        let tensorOther = overload == "List" || overload == "Tensor"
        switch function {
        case "add", "sub", "mul", "div": return (function + (tensorOther ? ".Tensor" : ".Scalar"), nil)
        case "pow":
            if overload == "ScalarAndTensor" { return ("pow.Scalar", nil) }
            return (tensorOther ? "pow.Tensor_Tensor" : "pow.Tensor_Scalar", nil)
        case "clamp_max", "clamp_min": return (function + (tensorOther ? ".Tensor" : ""), nil)
        // maximum / minimum with a number are clamps.
        case "maximum": return (tensorOther ? "maximum" : "clamp_min", nil)
        case "minimum": return (tensorOther ? "minimum" : "clamp_max", nil)
        case "addcmul", "addcdiv": return (function, nil)
        case "lerp": return (overload == "List" ? "lerp.Tensor" : "lerp.Scalar", nil)
        case "max": return ("max", nil)
        case "mm": return ("mm", nil)
        case "zero": return ("zeros_like", { [$0[0]] })
        case "copy": return ("copy", nil)
        // (self, ord, dtype) → linalg_vector_norm(self, ord, dim=None, keepdim=False, *, dtype).
        case "norm": return ("linalg_vector_norm", { [$0[0], $0[1], .none, .bool(false), $0[2]] })
        case "powsum": return ("linalg__powsum", { [$0[0], $0[1], .none, .bool(false), $0[2]] })
        default: return nil
        }
    }

    /// One call of `body` per position of the lists.
    private static func applyForeach(
        _ schema: OperatorSchema, _ c: Arguments, body: OperatorBody, arrange: ForeachArrangement?
    ) throws -> [Tensor] {
        var tensorLists: [Int: [Tensor]] = [:]
        var scalarLists: [Int: [ScriptValue]] = [:]
        var counts: [Int] = []
        for (index, argument) in schema.arguments.enumerated() {
            switch argument.type {
            case .list(.named("Tensor"), _):
                let tensors = try c.tensors(index, argument.name)
                tensorLists[index] = tensors
                counts.append(tensors.count)
            case .list(.named("Scalar"), _):
                guard case .list(let list) = c[index] else { throw OperatorError("\(schema.qualifiedName): \(argument.name) is not a list") }
                scalarLists[index] = list.elements
                counts.append(list.elements.count)
            default: break
            }
        }
        guard let count = counts.first, counts.allSatisfy({ $0 == count }) else {
            throw OperatorError("Tensor lists must have the same number of tensors, got \(counts.map(String.init).joined(separator: " and "))")
        }
        // addcmul / addcdiv's `Tensor scalars`: one number per position.
        var perPosition: [Int: [Double]] = [:]
        for (index, argument) in schema.arguments.enumerated() where argument.name == "scalars" && argument.type == .named("Tensor") {
            let scalars = try c.tensor(index, "scalars")
            guard scalars.rank == 1, scalars.elementCount == count else {
                throw OperatorError("Expected scalars to be a 1-D tensor of \(count) elements, got shape \(scalars.shape)")
            }
            perPosition[index] = try scalars.to(.float64).contiguous().scalars(as: Double.self)
        }
        return try (0..<count).map { position in
            var values: [ScriptValue] = []
            for index in schema.arguments.indices {
                if let tensors = tensorLists[index] { values.append(.tensor(tensors[position])) }
                else if let scalars = scalarLists[index] { values.append(scalars[position]) }
                else if let numbers = perPosition[index] { values.append(.double(numbers[position])) }
                else { values.append(c[index]) }
            }
            guard case .tensor(let result) = try body(Arguments(arrange?(values) ?? values)) else {
                throw OperatorError("\(schema.qualifiedName): the applied operator returned no tensor")
            }
            return result
        }
    }
}
