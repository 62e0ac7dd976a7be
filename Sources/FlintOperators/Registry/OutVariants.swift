import FlintScript
import FlintTensor
import FlintValues

/// `.out` overloads (`aten::add.out(Tensor self, Tensor other, *, Scalar alpha=1, Tensor(a!) out) -> Tensor(a!)`,
/// `aten::sort.values(..., *, Tensor(a!) values, Tensor(b!) indices)`, `aten::zeros.out(SymInt[] size, *, Tensor(a!) out)`,
/// `aten::split_copy.Tensor_out(..., *, Tensor(a!)[] out) -> ()`): torch's table has one beside most functional
/// overloads. Each runs its functional sibling and copies the results into the tensors it was given, so none is
/// declared by hand: ``OperatorRegistry`` derives the body of any out overload whose sibling has one.
enum OutVariant {
    /// The body of `schema` as an out overload of a declared sibling in `overloads`, or nil when `schema` is not an
    /// out overload (its trailing keyword-only arguments written tensors, one per return, or one written tensor
    /// list and no return) or has no sibling with a body.
    ///
    /// The sibling is the overload whose arguments include the out overload's inputs by name and type (in order),
    /// that writes the same of them as the out overload does (`_native_batch_norm_legit.out` and its sibling both
    /// move `running_mean` and `running_var`; most write none), and whose others all have defaults: a factory's `dtype`, `layout`, `device`. Those
    /// take their defaults, except `dtype`, which takes the out tensor's, as ATen makes the result in it.
    static func body(for schema: OperatorSchema, overloads: [OperatorSchema], bodies: [String: OperatorBody]) -> OperatorBody? {
        let written = schema.arguments.reversed().prefix { $0.keywordOnly && $0.alias?.isWrite == true }
        let tensorOutputs = written.filter { $0.type == .named("Tensor") }.count
        let listOutput = written.count == 1 && written.first?.type == .list(.named("Tensor"), size: nil) && schema.returns.isEmpty
        guard !written.isEmpty, listOutput || (tensorOutputs == written.count && tensorOutputs == schema.returns.count) else { return nil }
        let outputs = written.count
        let inputs = Array(schema.arguments.dropLast(outputs))
        // Its generated kernel leaves the observer state it is given alone, which the functional overload updates.
        guard schema.qualifiedName != "aten::_fused_moving_avg_obs_fq_helper.out" else { return nil }
        let writtenInputs = inputs.filter { $0.alias?.isWrite == true }.map(\.name)
        for candidate in overloads where candidate.qualifiedName != schema.qualifiedName {
            guard let functional = bodies[candidate.qualifiedName],
                  candidate.returns.count == (listOutput ? 1 : outputs),
                  candidate.arguments.filter({ $0.alias?.isWrite == true }).map(\.name) == writtenInputs,
                  let binding = binding(of: candidate, from: inputs) else { continue }
            return outBody(schema, functional: functional, binding: binding, inputCount: inputs.count, listOutput: listOutput)
        }
        return nil
    }

    /// Where each argument of `candidate` comes from: an input of the out overload (by position), the out tensor's
    /// dtype, or a default value; nil when `candidate` is not a sibling.
    private enum Source { case input(Int), outputDType, value(ScriptValue) }

    private static func binding(of candidate: OperatorSchema, from inputs: [OperatorSchema.Argument]) -> [Source]? {
        var sources: [Source] = []
        var nextInput = 0
        for argument in candidate.arguments {
            if nextInput < inputs.count, inputs[nextInput].name == argument.name {
                guard inputs[nextInput].type == argument.type else { return nil }
                sources.append(.input(nextInput))
                nextInput += 1
            } else if argument.name == "dtype", argument.defaultValue != nil {
                sources.append(.outputDType)
            } else if let text = argument.defaultValue, let value = SchemaDefault.value(text, type: argument.type) {
                sources.append(.value(value))
            } else {
                return nil
            }
        }
        return nextInput == inputs.count ? sources : nil
    }

    private static func outBody(
        _ schema: OperatorSchema, functional: @escaping OperatorBody, binding: [Source], inputCount count: Int, listOutput: Bool
    ) -> OperatorBody {
        let names = schema.arguments.suffix(from: count).map(\.name)
        return { arguments in
            let firstOutput: Tensor? = listOutput ? (try arguments.tensors(count, names[0])).first : try arguments.tensor(count, names[0])
            let values: [ScriptValue] = binding.map { source in
                switch source {
                case .input(let index): arguments[index]
                case .outputDType: firstOutput.map { .int(Int64($0.dtype.scalarTypeCode)) } ?? .none
                case .value(let value): value
                }
            }
            let result = try functional(Arguments(values))
            if listOutput {
                guard case .list(let list) = result else { throw OperatorError("\(schema.qualifiedName): the result is not a tensor list") }
                let targets = try arguments.tensors(count, names[0])
                guard targets.count == list.elements.count else {
                    throw TensorError("\(schema.qualifiedName): expected \(list.elements.count) tensors in \(names[0])=, but got \(targets.count)")
                }
                for (target, value) in zip(targets, list.elements) {
                    guard case .tensor(let tensor) = value else { throw OperatorError("\(schema.qualifiedName): a result is not a tensor") }
                    try target.assign(outResult: tensor, argument: names[0])
                }
                return .none
            }
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
    /// With `exactDType`, the out tensor must have the result's dtype, as the kernels that check it require
    /// (`_philox_uniform.out`, `normal.out`, the fused optimizers' out overloads).
    func assign(outResult result: Tensor, argument: String, exactDType: Bool = false) throws {
        guard !exactDType || result.dtype == dtype else {
            throw TensorError("Expected out tensor to have dtype \(result.dtype.cppName), but got \(dtype.cppName) instead")
        }
        guard result.shape == shape else {
            throw TensorError("the \(argument)= tensor has shape \(shape) but the result has shape \(result.shape): Flint cannot resize an out= tensor; pass one of the result's shape")
        }
        guard result.dtype.canCast(to: dtype) else {
            throw TensorError("result type \(result.dtype.scalarTypeName) can't be cast to the desired output type \(dtype.scalarTypeName)")
        }
        try copy(from: result)
    }
}
