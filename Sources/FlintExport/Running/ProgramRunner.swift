import FlintGraph
import FlintOperators
import FlintTensor
import FlintValues

extension ExportedProgram {
    /// Runs the program on `forward`'s arguments, positional then keyword (in ``argumentNames`` order),
    /// each a tree of the structure it was exported with; returns the result tree (dicts, lists, tuples of
    /// tensors as the Python program returns them).
    ///
    /// Throws ``ExportError``: `.invalidInput` when the arguments do not fit the program (structure, dtype,
    /// static sizes, dimension ranges); `.operatorFailed` naming the node, the operator and the user's
    /// Python line when a kernel rejects its input. Safe to call from several threads at once.
    package func forward(_ arguments: [ScriptValue]) throws -> ScriptValue {
        guard missingOperators.isEmpty else {
            throw ExportError(.unsupported, "the program calls \(missingOperators.count) operator(s) Flint does not implement:\n  " + missingOperators.joined(separator: "\n  "))
        }
        let names = convention.argumentNames
        guard arguments.count == names.count else {
            throw ExportError(.invalidInput, "forward takes \(names.count) argument(s) (\(names.joined(separator: ", "))) but \(arguments.count) were given")
        }
        var leaves: [ScriptValue] = []
        for (index, (spec, argument)) in zip(convention.argumentSpecs, arguments).enumerated() {
            try spec.flatten(argument, name: "argument '\(names[index])'", into: &leaves)
        }
        try checkInputs(leaves)
        let results: [ScriptValue]
        if mutatesState || !GraphExecutor.isEnabled {
            results = try stateLock.withLock { try interpret(leaves) }
        } else {
            guard case .tuple(let items) = try executor.run(leaves, interpret: { .tuple(try self.interpret($0)) }) else {
                throw ExportError(.operatorFailed, "the program's plan returned no output tuple")
            }
            results = items
        }
        var remaining = results[...]
        return convention.outputSpec.unflatten(&remaining)
    }

    /// The graph a call with these arguments runs as (`flint inspect --graph`): as recorded from the
    /// program, or after the optimiser's passes; or why it runs in the interpreter.
    package func graphText(_ arguments: [ScriptValue], optimized: Bool) throws -> String {
        var leaves: [ScriptValue] = []
        for (index, (spec, argument)) in zip(convention.argumentSpecs, arguments).enumerated() {
            try spec.flatten(argument, name: "argument '\(convention.argumentNames[index])'", into: &leaves)
        }
        try checkInputs(leaves)
        if mutatesState { return "# forward runs in the interpreter: the program writes its own state (buffer or input mutations)\n" }
        if optimized {
            if executor.plan(for: leaves) == nil { _ = try forward(arguments) }
            if let plan = executor.plan(for: leaves) { return plan.text }
            return "# forward runs in the interpreter: \(executor.interpretedBecause ?? "no graph was built for these inputs")\n"
        }
        let recorder = TraceRecorder(arguments: leaves)
        let result = try recorder.watching { ScriptValue.tuple(try interpret(leaves)) }
        guard let graph = recorder.finish(result: result) else { return "# forward runs in the interpreter: \(recorder.failure ?? "")\n" }
        return GraphPrinter.text(graph)
    }

    /// Runs the nodes in order on the flattened user inputs; returns the user outputs and applies the
    /// program's mutations of its buffers and inputs.
    func interpret(_ leaves: [ScriptValue]) throws -> [ScriptValue] {
        var slots = initialSlots
        for (input, leaf) in zip(userInputs, leaves) {
            if let slot = input.slot { slots[slot] = leaf }
        }
        try sequence.run(&slots)
        var results: [ScriptValue] = []
        for output in outputs {
            let value = output.source.value(slots)
            switch output.kind {
            case .userOutput: results.append(value)
            case .bufferMutation(let name):
                try write(value, into: buffers.first { $0.name == name }?.tensor, what: "buffer '\(name)'")
            case .parameterMutation(let name):
                try write(value, into: parameters.first { $0.name == name }?.tensor, what: "parameter '\(name)'")
            case .userInputMutation(let name):
                let target = zip(userInputs, leaves).first { $0.0.name == name }.flatMap { $0.1.tensor }
                try write(value, into: target, what: "input '\(name)'")
            case .lossOutput, .token, .gradient: break
            }
        }
        return results
    }

    private func write(_ value: ScriptValue, into target: Tensor?, what: String) throws {
        guard let target, case .tensor(let source) = value, let copy = OperatorRegistry.standard.body(named: "aten::copy_") else {
            throw ExportError(.operatorFailed, "the program mutates \(what), which it does not hold")
        }
        _ = try copy(Arguments([.tensor(target), .tensor(source), .bool(false)]))
    }

    /// Checks the flattened inputs against what the program was exported for: tensor dtypes and ranks,
    /// static sizes, symbolic sizes equal wherever they share a symbol and inside their ranges, and
    /// specialised values.
    func checkInputs(_ leaves: [ScriptValue]) throws {
        var bound: [String: (size: Int, place: String)] = [:]
        for (input, leaf) in zip(userInputs, leaves) {
            switch input.expectation {
            case .tensor(let meta):
                guard case .tensor(let tensor) = leaf else {
                    throw ExportError(.invalidInput, "input '\(input.name)' must be a tensor but is a \(leaf.kindName)")
                }
                guard let meta else { continue }
                guard tensor.dtype == meta.dtype else {
                    throw ExportError(.invalidInput, "input '\(input.name)' is \(tensor.dtype.name), but the program was exported for \(meta.dtype.name)")
                }
                guard tensor.rank == meta.sizes.count else {
                    throw ExportError(.invalidInput, "input '\(input.name)' has \(tensor.rank) dimension(s) \(tensor.shape), but the program was exported for \(meta.sizes.count) (\(meta.description))")
                }
                for (dimension, (size, expected)) in zip(tensor.shape, meta.sizes).enumerated() {
                    let place = "input '\(input.name)' dimension \(dimension)"
                    switch expected {
                    case .fixed(let value):
                        guard size == value else {
                            throw ExportError(.invalidInput, "\(place) is \(size), but the program was exported with it fixed at \(value) "
                                + "(\(meta.description)); export with a torch.export.Dim for this dimension to vary it")
                        }
                    case .symbol(let symbol):
                        if let earlier = bound[symbol], earlier.size != size {
                            throw ExportError(.invalidInput, "\(place) is \(size) but \(earlier.place) is \(earlier.size); the program requires them equal (both are \(symbol))")
                        }
                        bound[symbol] = (size, place)
                        if let range = rangeConstraints.first(where: { $0.symbol == symbol }),
                            size < (range.min ?? Int.min) || size > (range.max ?? Int.max)
                        {
                            throw ExportError(.invalidInput, "\(place) is \(size), outside the range the program was exported for (\(range.description))")
                        }
                    case .expression:
                        continue
                    }
                }
            case .symbolic(let type):
                let fits: Bool
                switch (type, leaf) {
                case (.int, .int), (.float, .double), (.float, .int), (.bool, .bool): fits = true
                default: fits = false
                }
                guard fits else { throw ExportError(.invalidInput, "input '\(input.name)' must be \(type) but is a \(leaf.kindName)") }
            case .constant(let value):
                guard leaf.pythonString(quoted: true) == value.pythonString(quoted: true) else {
                    throw ExportError(.invalidInput, "input '\(input.name)' is \(leaf.pythonString(quoted: true)), but the program was exported specialised to "
                        + "\(value.pythonString(quoted: true)) and only runs with that value")
                }
            }
        }
    }
}
