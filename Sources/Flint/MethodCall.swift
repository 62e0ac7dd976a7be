import FlintNumPy
import FlintTensor
import FlintValues

/// One method with its arguments decoded once, as the `flint` command line runs it (`run`, `bench`,
/// `inspect --graph`): the arguments come from `--input` specs or a flattened `.npz` tree (``ArgumentTree``'s
/// layouts), are converted by the method's declared parameter types (the full check of the signature runs when
/// the method is called), and stay in the runtime's own form, so calling again converts nothing (`bench`
/// allocates nothing of its own per call). The arguments are shared by every call: a method that changes a list
/// or dict argument sees its change on the next call.
package struct MethodCall {
    /// The method called.
    package let method: CompiledModel.Method
    private let arguments: [ScriptValue]

    private init(method: CompiledModel.Method, arguments: [ScriptValue]) {
        (self.method, self.arguments) = (method, arguments)
    }

    /// Arguments from `--input` specs, one per leading parameter (`x.npy`, `int:3`, `json:[...]`, ...).
    /// Throws ``ArgumentTreeUsageError`` for a spec that is malformed (`int:x`, invalid JSON) or names an `.npz`
    /// archive; ``FlintError`` (`.invalidInput`) for more specs than parameters, a spec that does not fit its
    /// parameter's type, or an `.npy` file that cannot be read.
    package init(_ method: CompiledModel.Method, specs: [String]) throws {
        let parameters = method.parameters
        guard specs.count <= parameters.count else {
            throw ArgumentTree.invalid("\(method.path) takes \(parameters.count) argument(s) but \(specs.count) were given")
        }
        var arguments: [ScriptValue] = []
        for (spec, parameter) in zip(specs, parameters) {
            do {
                arguments.append(try ArgumentTree.argument(spec: spec, type: parameter.type))
            } catch let error as NumPyError {
                throw ArgumentTree.invalid(error.description)
            }
        }
        self.init(method: method, arguments: arguments)
    }

    /// Arguments from a flattened tree of arrays (`arg0`, `arg1.0`, `arg2.key`, ...), as ``loadNPZ(_:)``
    /// reads them. Throws ``FlintError``: `.invalidValue` for a value that is neither a tensor nor a string,
    /// `.unsupported` for a tensor NumPy has no type for, `.invalidInput` for arrays that do not fit the parameters (the message begins `missing input` when a
    /// parameter without a default has no key).
    package init(_ method: CompiledModel.Method, arrays: [(key: String, value: IValue)]) throws {
        let values = try arrays.map { key, value in (key: key, value: try NumPyArray.Value(value, key: key)) }
        self.init(method: method, arguments: try ArgumentTree.arguments(from: values, parameters: method.parameters))
    }

    /// Runs the method. Throws ``FlintError`` of kind `.scriptError` (with the TorchScript traceback) or
    /// `.invalidInput`.
    package func callAsFunction() throws -> MethodResult { MethodResult(try method(arguments)) }

    /// Runs the method and drops its result (a timed loop: nothing is converted).
    package func runDiscardingResult() throws { _ = try method(arguments) }

    /// The graph the method runs as for these arguments: as recorded, or as optimised and planned.
    package func graphText(optimized: Bool) throws -> String { try method.graphText(arguments, optimized: optimized) }
}

/// What a method returned, as `flint run` prints and saves it.
package struct MethodResult {
    private let result: ScriptValue

    init(_ result: ScriptValue) { self.result = result }

    /// The result as the API's value (a complex number becomes a `(real, imaginary)` tuple).
    package var value: IValue { IValue(result) }

    /// The result flattened from root `key` (`out`, `out.0`, `out.1.boxes`, ...) into tensors and strings, as
    /// ``saveNPZ(_:to:)`` writes them (a complex number as a 0-dim complex128 tensor); None leaves are left out.
    package func flattened(key: String = "out") throws -> [(key: String, value: IValue)] {
        try ArgumentTree.flatten(result, key: key).map { key, value in (key: key, value: value.ivalue) }
    }

    /// As Python's `print()` shows it: tensors as `format` writes them, containers holding tensors as Python
    /// writes tuples, lists and dicts, and every other value as TorchScript's `str()` does.
    package func printed(_ format: PythonTensorFormat) -> String { Self.text(result, format) }

    /// As Python's `repr()` would quote it, at most `limit` characters (for messages).
    package func quoted(limit: Int) -> String { String(result.pythonString(quoted: true).prefix(limit)) }

    private static func text(_ value: ScriptValue, _ format: PythonTensorFormat) -> String {
        switch value {
        case .tensor(let tensor): return format.string(tensor)
        case .tuple(let items) where containsTensor(value):
            return "(" + items.map { text($0, format) }.joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let list) where containsTensor(value):
            return "[" + list.elements.map { text($0, format) }.joined(separator: ", ") + "]"
        case .dict(let dict) where containsTensor(value):
            return "{" + zip(dict.keys, dict.values).map { "\($0.pythonString(quoted: true)): \(text($1, format))" }.joined(separator: ", ") + "}"
        default: return value.pythonString(quoted: false)
        }
    }

    private static func containsTensor(_ value: ScriptValue) -> Bool {
        switch value {
        case .tensor: return true
        case .tuple(let items): return items.contains(where: containsTensor)
        case .list(let list): return list.elements.contains(where: containsTensor)
        case .dict(let dict): return dict.values.contains(where: containsTensor)
        default: return false
        }
    }
}
