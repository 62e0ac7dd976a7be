import FlintScript
import FlintValues

/// One method or free function, compiled: its signature and a body of bound closures over frame slots.
///
/// Functions are created before their bodies are compiled, so recursive and mutually recursive calls
/// bind to the same object.
final class CompiledFunction: @unchecked Sendable {
    struct Parameter {
        let name: String
        let type: ScriptType
        /// The default value, evaluated at compile time.
        let defaultValue: ScriptValue?
    }

    /// `forward`, `__init__`, `relu`...
    let name: String
    /// `__torch__.Net.forward`: for tracebacks.
    let qualifiedName: String
    /// The `code/` record that defines it.
    let record: String
    /// Includes `self` for methods.
    let parameters: [Parameter]
    let returnType: ScriptType
    var slotCount = 0
    var body: Execute = { _ in .next }
    var isCompiled = false
    /// The source, kept so calls with constant arguments can compile specialized copies.
    var definition: FunctionDefinition?
    var selfType: ScriptType?
    /// Parameters whose value is fixed in this copy (by position), for constant folding.
    var constantParameters: [Int: ScriptValue] = [:]

    init(name: String, qualifiedName: String, record: String, parameters: [Parameter], returnType: ScriptType) {
        self.name = name
        self.qualifiedName = qualifiedName
        self.record = record
        self.parameters = parameters
        self.returnType = returnType
    }

    /// Runs the function on fully bound arguments (one per parameter, `self` first for methods).
    func invoke(_ arguments: [ScriptValue]) throws -> ScriptValue {
        let frame = Frame(slotCount: slotCount)
        for (i, argument) in arguments.enumerated() { frame.slots[i] = argument }
        _ = try body(frame)
        return frame.result
    }
}
