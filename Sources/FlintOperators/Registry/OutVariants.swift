import FlintScript
import FlintTensor
import FlintValues

/// `.out` overloads (`aten::add.out(Tensor self, Tensor other, *, Scalar alpha=1, Tensor(a!) out) -> Tensor(a!)`,
/// `aten::sort.values(..., *, Tensor(a!) values, Tensor(b!) indices)`): torch's table has one beside most
/// functional overloads. Each runs its functional sibling and copies the results into the tensors it was given,
/// so none is declared by hand: ``OperatorRegistry`` derives the body of any out overload whose sibling has one.
enum OutVariant {
    /// The body of `schema` as an out overload of a declared sibling in `overloads`, or nil when `schema` is not an
    /// out overload (its trailing keyword-only arguments written tensors, one per return) or has no sibling
    /// with a body (the overload with the same leading arguments and no written one).
    static func body(for schema: OperatorSchema, overloads: [OperatorSchema], bodies: [String: OperatorBody]) -> OperatorBody? {
        let outputs = schema.arguments.reversed().prefix { $0.keywordOnly && $0.alias?.isWrite == true && $0.type == .named("Tensor") }.count
        guard outputs > 0, outputs == schema.returns.count else { return nil }
        let inputs = Array(schema.arguments.dropLast(outputs))
        guard let sibling = overloads.first(where: { candidate in
            candidate.qualifiedName != schema.qualifiedName && candidate.returns.count == outputs && candidate.arguments.count == inputs.count
                && !candidate.arguments.contains { $0.alias?.isWrite == true }
                && zip(candidate.arguments, inputs).allSatisfy { $0.name == $1.name && $0.type == $1.type }
        }), let functional = bodies[sibling.qualifiedName] else { return nil }
        let names = schema.arguments.suffix(outputs).map(\.name)
        let count = inputs.count
        return { arguments in
            let result = try functional(Arguments(Array(arguments.values.prefix(count))))
            let produced: [ScriptValue] = if case .tuple(let items) = result { items } else { [result] }
            var targets: [Tensor] = []
            for (position, value) in produced.enumerated() {
                let target = try arguments.tensor(count + position, names[position])
                guard case .tensor(let tensor) = value else { throw OperatorError("\(schema.qualifiedName): result \(position) is not a tensor") }
                try target.assign(outResult: tensor, argument: names[position])
                targets.append(target)
            }
            return targets.count == 1 ? .tensor(targets[0]) : .tuple(targets.map { .tensor($0) })
        }
    }
}

extension Tensor {
    /// Writes an out overload's result into this tensor (its `out=` argument): the same shape (Flint's tensors are
    /// values, so an out tensor cannot be resized as ATen resizes it), and a dtype the result can be cast to.
    func assign(outResult result: Tensor, argument: String) throws {
        guard result.shape == shape else {
            throw TensorError("the \(argument)= tensor has shape \(shape) but the result has shape \(result.shape): Flint cannot resize an out= tensor; pass one of the result's shape")
        }
        guard result.dtype.canCast(to: dtype) else {
            throw TensorError("result type \(result.dtype.scalarTypeName) can't be cast to the desired output type \(dtype.scalarTypeName)")
        }
        try copy(from: result)
    }
}
