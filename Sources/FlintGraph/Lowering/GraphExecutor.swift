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
    /// The plan that ran last, with its signature: a call with the same tensors' metadata finds it without
    /// building a signature (which allocates).
    private var lastPlan: (signature: InputSignature, plan: ExecutionPlan)?
    private var order: [InputSignature] = []
    /// Why the method runs in the interpreter only, once known.
    package private(set) var interpretedBecause: String?
    private let lock = Lock()
    private let optimizer: GraphOptimizer
    /// Folded and packed weights, shared by all of this method's plans.
    private let derivedConstants = DerivedConstants()
    /// Plans kept per method (least recently built dropped first).
    private let capacity = 16

    package init(optimizer: GraphOptimizer = GraphOptimizer()) {
        self.optimizer = optimizer
    }

    /// Whether graphs are used at all: `FLINT_GRAPH=0` turns them off (the interpreter alone runs).
    package static var isEnabled: Bool { mode != "0" }

    private static let mode: String = getenv("FLINT_GRAPH").map { String(cString: $0) } ?? "1"

    /// Runs the method on `arguments`; `interpret` runs it through the closure interpreter.
    package func run(_ arguments: [ScriptValue], interpret: ([ScriptValue]) throws -> ScriptValue) throws -> ScriptValue {
        if let last = lock.withLock({ lastPlan }), last.signature.matchesTensors(arguments) {
            do {
                return try last.plan.run(arguments)
            } catch {
                return try interpret(arguments)
            }
        }
        guard let signature = InputSignature(arguments) else { return try interpret(arguments) }
        let entry: Entry? = lock.withLock {
            if interpretedBecause != nil { return .building }
            if let known = entries[signature] { return known }
            entries[signature] = .building
            return nil
        }
        switch entry {
        case .plan(let plan)?:
            lock.withLock { lastPlan = (signature, plan) }
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

    private func build(
        _ signature: InputSignature, _ arguments: [ScriptValue], interpret: ([ScriptValue]) throws -> ScriptValue, allowingPlaceholders: Bool = true
    ) throws -> ScriptValue {
        // The recording run computes nothing costly (convolutions and products are placeholders): its result
        // is discarded when a graph comes of it, and recomputed without a recorder when none does.
        let recorder = TraceRecorder(arguments: arguments, allowingPlaceholders: allowingPlaceholders)
        // A run that is discarded must not have drawn from the random generator: whatever computes this call's
        // result again starts from the generator's state before it, so the caller gets libtorch's draws.
        let generatorState = CPUGenerator.default.state
        func again<T>(_ run: () throws -> T) rethrows -> T {
            CPUGenerator.default.restore(generatorState)
            return try run()
        }
        let recorded: ScriptValue
        do {
            recorded = try recorder.watching { try interpret(arguments) }
        } catch {
            if recorder.placeholderCount > 0 {
                guard recorder.failure != nil else {
                    // Errors are reported from real values: placeholders' zeros may fail where the inputs would not.
                    return try again { try build(signature, arguments, interpret: interpret, allowingPlaceholders: false) }
                }
                // Abandoned (``TraceRecorder/RecordingAbandoned``) before anything it would have done with its
                // placeholders: the method is interpreted, this call too, from real values.
                lock.withLock {
                    interpretedBecause = recorder.failure
                    entries = [:]
                    lastPlan = nil
                }
                return try again { try interpret(arguments) }
            }
            lock.withLock { _ = entries.removeValue(forKey: signature) }
            throw error
        }
        func result() throws -> ScriptValue { recorder.placeholderCount > 0 ? try again { try interpret(arguments) } : recorded }
        guard let graph = recorder.finish(result: recorded) else {
            lock.withLock {
                interpretedBecause = recorder.failure
                entries = [:]
                lastPlan = nil
            }
            return try result()
        }
        graph.derivedConstants = derivedConstants
        guard let optimized = optimizer.optimize(graph) else {
            lock.withLock {
                interpretedBecause = "the optimiser failed: " + (graph.log.last ?? "")
                entries = [:]
                lastPlan = nil
            }
            return try result()
        }
        let plan = ExecutionPlan(optimized)
        lock.withLock {
            entries[signature] = .plan(plan)
            lastPlan = (signature, plan)
            order.append(signature)
            if order.count > capacity { entries.removeValue(forKey: order.removeFirst()) }
        }
        // The first call is answered from the new plan too (the recording run's result is discarded), so
        // every call of a signature gives bit-identical results (folding moves the last bits) and one-shot
        // runs go through the graph. A kernel error is reported by the interpreter, with its traceback (with
        // placeholders, the recording run may not have met it).
        do {
            return try again { try plan.run(arguments) }
        } catch {
            return try again { try interpret(arguments) }
        }
    }
}

/// What a plan is specialised to: every tensor's dtype, shape and strides, and the value of everything else.
/// Built on every call, so tensors are described by their metadata arrays, not by formatted text.
struct InputSignature: Hashable {
    private enum Item: Hashable {
        case tensor(dtype: DType, shape: [Int], strides: [Int])
        case value(String)
        case open(Character)
        case close
    }

    private var items: [Item] = []

    /// Whether `arguments` are tensors alone, with exactly the dtypes, shapes and strides of this signature
    /// (a check that allocates nothing; false for anything else, which then builds its own signature).
    func matchesTensors(_ arguments: [ScriptValue]) -> Bool {
        guard arguments.count == items.count else { return false }
        for (argument, item) in zip(arguments, items) {
            guard case .tensor(let tensor) = argument, case .tensor(let dtype, let shape, let strides) = item,
                tensor.dtype == dtype, tensor.shape == shape, tensor.strides == strides
            else { return false }
        }
        return true
    }

    /// Nil for arguments holding objects (their identity would matter).
    init?(_ arguments: [ScriptValue]) {
        for argument in arguments {
            guard describe(argument) else { return nil }
        }
    }

    private mutating func describe(_ value: ScriptValue) -> Bool {
        switch value {
        case .tensor(let t):
            items.append(.tensor(dtype: t.dtype, shape: t.shape, strides: t.strides))
        case .list(let list):
            items.append(.open("["))
            items.append(.value(list.elementType ?? ""))
            for element in list.elements { guard describe(element) else { return false } }
            items.append(.close)
        case .tuple(let elements):
            items.append(.open("("))
            for element in elements { guard describe(element) else { return false } }
            items.append(.close)
        case .dict(let dict):
            items.append(.open("{"))
            for (key, element) in zip(dict.keys, dict.values) { guard describe(key), describe(element) else { return false } }
            items.append(.close)
        case .object, .enumValue:
            return false
        default:
            items.append(.value("\(value.kindName):\(value.pythonString(quoted: true))"))
        }
        return true
    }
}
