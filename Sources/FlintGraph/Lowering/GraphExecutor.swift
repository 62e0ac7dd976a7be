import FlintOperators
import FlintTensor
import FlintValues

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one method of one module through optimised plans, one per input signature (tensor dtypes, shapes
/// and strides, and the values of every other argument), built on first sight of a signature by recording
/// the interpreter's run (that first call is then answered from the new plan) and cached. A method the recording shows to
/// depend on tensor data or to have effects is interpreted from then on; so is any call whose plan fails
/// (the interpreter then reports the error with its TorchScript traceback).
package final class GraphExecutor: @unchecked Sendable {
    private enum Entry {
        case plan(ExecutionPlan)
        case building
    }

    private var entries: [InputSignature: Entry] = [:]
    private var order: [InputSignature] = []
    /// Why the method runs in the interpreter only, once known.
    package private(set) var interpretedBecause: String?
    private let lock = Lock()
    private let optimizer: GraphOptimizer
    /// Plans kept per method (least recently built dropped first).
    private let capacity = 16

    package init(optimizer: GraphOptimizer = GraphOptimizer()) {
        self.optimizer = optimizer
    }

    /// Whether graphs are used at all: `FLINT_GRAPH=0` turns them off (the interpreter alone runs).
    package static var isEnabled: Bool { mode != "0" }

    /// The first call of a signature is answered from its new plan too (the recording run's result is
    /// discarded), so every call of a signature gives bit-identical results (folding changes the last bits)
    /// and one-shot runs such as the conformance suites' exercise the graph path.
    static var answersFirstCallFromPlan: Bool { true }

    private static let mode: String = getenv("FLINT_GRAPH").map { String(cString: $0) } ?? "1"

    /// Runs the method on `arguments`; `interpret` runs it through the closure interpreter.
    package func run(_ arguments: [ScriptValue], interpret: ([ScriptValue]) throws -> ScriptValue) throws -> ScriptValue {
        guard let signature = InputSignature(arguments) else { return try interpret(arguments) }
        let entry: Entry? = lock.withLock {
            if interpretedBecause != nil { return .building }
            if let known = entries[signature] { return known }
            entries[signature] = .building
            return nil
        }
        switch entry {
        case .plan(let plan)?:
            do {
                return try plan.run(arguments)
            } catch {
                return try interpret(arguments)
            }
        case .building?:
            return try interpret(arguments)
        case nil:
            return try build(signature, arguments, interpret: interpret)
        }
    }

    /// The plan for a signature, if one was built (for `inspect --graph`).
    package func plan(for arguments: [ScriptValue]) -> ExecutionPlan? {
        guard let signature = InputSignature(arguments) else { return nil }
        return lock.withLock {
            if case .plan(let plan)? = entries[signature] { return plan }
            return nil
        }
    }

    private func build(_ signature: InputSignature, _ arguments: [ScriptValue], interpret: ([ScriptValue]) throws -> ScriptValue) throws -> ScriptValue {
        let recorder = TraceRecorder(arguments: arguments)
        let result: ScriptValue
        do {
            result = try recorder.watching { try interpret(arguments) }
        } catch {
            lock.withLock { _ = entries.removeValue(forKey: signature) }
            throw error
        }
        guard let graph = recorder.finish(result: result) else {
            lock.withLock {
                interpretedBecause = recorder.failure
                entries = [:]
            }
            return result
        }
        guard let optimized = optimizer.optimize(graph) else {
            lock.withLock {
                interpretedBecause = "the optimiser failed: " + (graph.log.last ?? "")
                entries = [:]
            }
            return result
        }
        let plan = ExecutionPlan(optimized)
        lock.withLock {
            entries[signature] = .plan(plan)
            order.append(signature)
            if order.count > capacity { entries.removeValue(forKey: order.removeFirst()) }
        }
        if Self.answersFirstCallFromPlan { return try plan.run(arguments) }
        return result
    }
}

/// What a plan is specialised to: every tensor's dtype, shape and strides, and the value of everything else.
struct InputSignature: Hashable {
    private let text: String

    /// Nil for arguments holding objects (their identity would matter).
    init?(_ arguments: [ScriptValue]) {
        var text = ""
        for argument in arguments {
            guard Self.describe(argument, into: &text) else { return nil }
            text += ";"
        }
        self.text = text
    }

    private static func describe(_ value: ScriptValue, into text: inout String) -> Bool {
        switch value {
        case .tensor(let t):
            text += "T\(t.dtype.rawValue)\(t.shape)\(t.strides)"
        case .list(let list):
            text += "L\(list.elementType ?? "")["
            for element in list.elements {
                guard describe(element, into: &text) else { return false }
                text += ","
            }
            text += "]"
        case .tuple(let items):
            text += "("
            for item in items {
                guard describe(item, into: &text) else { return false }
                text += ","
            }
            text += ")"
        case .dict(let dict):
            text += "D{"
            for (key, item) in zip(dict.keys, dict.values) {
                guard describe(key, into: &text), describe(item, into: &text) else { return false }
                text += ","
            }
            text += "}"
        case .object, .enumValue: return false
        default:
            text += "\(value.kindName):\(value.pythonString(quoted: true))"
        }
        return true
    }
}
