import FlintValues

/// The local variables of one running function: one slot per variable name, assigned at compile time.
final class Frame {
    var slots: [ScriptValue]
    /// The value of the `return` that ended the function.
    var result: ScriptValue = .none

    init(slotCount: Int) {
        slots = Array(repeating: .none, count: slotCount)
    }
}

/// What a statement tells the enclosing block to do next.
enum Flow {
    case next
    case breakLoop
    case continueLoop
    case returned
}

/// A compiled expression: evaluates against a frame.
typealias Evaluate = (Frame) throws -> ScriptValue
/// A compiled statement.
typealias Execute = (Frame) throws -> Flow
