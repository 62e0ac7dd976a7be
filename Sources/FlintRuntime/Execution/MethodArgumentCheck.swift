import FlintScript
import FlintValues

/// Checks the arguments a caller passes to a method against its declared parameter types, as libtorch's
/// `FunctionSchema::checkAndNormalizeInputs` does at the call boundary: a value of the wrong type is refused
/// with libtorch's message before the method runs, never coerced into a result libtorch would not compute.
/// An `int` passed for a `float` parameter becomes a float, as torch.jit's Python binding converts it.
enum MethodArgumentCheck {
    static func checked(_ value: ScriptValue, for parameter: CompiledFunction.Parameter, position: Int, in function: CompiledFunction) throws -> ScriptValue {
        if case .int(let i) = value, parameter.type.unwrappedOptional == .float { return .double(Double(i)) }
        if TypeCheck.value(value, matches: parameter.type) { return value }
        let found = FunctionCompiler.staticType(of: value)
        throw ScriptError(kind: .badInput, message: """
            \(function.name)() Expected a value of type '\(parameter.type)' for argument '\(parameter.name)' but instead found type '\(found)'.
            Position: \(position)
            Value: \(value.pythonString(quoted: true))
            Declaration: \(MethodSignature(function).schemaText)
            """)
    }
}
