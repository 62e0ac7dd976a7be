import FlintOperators
import FlintScript

/// Where a running model was when an error passed through: a function and a position in its printed code.
struct TraceFrame: Sendable {
    let function: String
    let record: String
    let location: SourceLocation
}

/// An error while running a model: the failure and the stack of script frames it passed through,
/// innermost first. ``Program`` renders it as a TorchScript-style traceback.
package struct ScriptError: Error, CustomStringConvertible, Sendable {
    package enum Kind: Sendable {
        /// The model raised (`raise`, `assert`): the Python exception class, when known.
        case raised(pythonClass: String?)
        /// An operator or builtin rejected its input.
        case operatorFailed(operation: String)
        /// The inputs don't fit the method's signature.
        case badInput
    }

    package let kind: Kind
    package let message: String
    var frames: [TraceFrame]
    /// The full traceback text, filled in by the program that ran the model.
    package var traceback: String?
    /// The innermost frame's original Python file, line and text, when the archive has debug records.
    package var originalLocation: (file: String, line: Int, code: String)?

    init(kind: Kind, message: String, frames: [TraceFrame] = []) {
        self.kind = kind
        self.message = message
        self.frames = frames
    }

    /// The error's last line, as libtorch ends its message: `builtins.ValueError: message`.
    package var summary: String {
        switch kind {
        case .raised(let cls?): "\(cls): \(message)"
        default: message
        }
    }

    package var description: String { traceback ?? summary }

    /// Wraps any error thrown by an operator or a nested call, adding the caller's frame.
    static func wrap(_ error: any Error, operation: String, at frame: TraceFrame) -> ScriptError {
        if var script = error as? ScriptError {
            script.frames.append(frame)
            return script
        }
        if let raised = error as? ScriptRaisedError {
            return ScriptError(kind: .raised(pythonClass: raised.pythonClass), message: raised.message, frames: [frame])
        }
        return ScriptError(kind: .operatorFailed(operation: operation), message: "\(error)", frames: [frame])
    }
}

/// The archive's code cannot be compiled: a construct or operator Flint does not support, or malformed code.
package struct CompileError: Error, CustomStringConvertible, Sendable {
    package let message: String
    package let record: String?
    package let location: SourceLocation?

    init(_ message: String, record: String? = nil, at location: SourceLocation? = nil) {
        self.message = message
        self.record = record
        self.location = location
    }

    package var description: String {
        var text = message
        if let record { text += " (\(record)" + (location.map { ", line \($0.line)" } ?? "") + ")" }
        return text
    }
}

/// Operators the archive calls that Flint does not implement: all of them, each with its schema.
package struct MissingOperatorsError: Error, CustomStringConvertible, Sendable {
    package struct Missing: Sendable {
        package let schema: String
        package let record: String
        package let line: Int
    }

    package let operators: [Missing]

    package var description: String {
        var seen = Set<String>()
        let unique = operators.filter { seen.insert($0.schema).inserted }
        return "the model uses \(unique.count) operator\(unique.count == 1 ? "" : "s") Flint does not implement:\n"
            + unique.map { "  \($0.schema)    (first used in \($0.record), line \($0.line))" }.joined(separator: "\n")
    }
}
