import FlintOperators
import FlintTensor
import FlintValues

/// A graph lowered for running: each value has a slot, each node is a step that reads its argument slots,
/// calls its kernel and fills its result slots, and each intermediate's slot is cleared right after its
/// last reader so its memory returns as early as possible. Constants sit in their slots from the start.
/// Immutable once built: any number of threads may run it at once (each run has its own slots).
package final class ExecutionPlan: @unchecked Sendable {
    struct Step {
        let op: String
        let body: OperatorBody
        let arguments: [ValueTemplate]
        let result: ValueTemplate
        /// Slots no later step reads.
        let releases: [Int]
    }

    private let steps: [Step]
    private let initialSlots: [ScriptValue]
    private let inputs: [ValueTemplate]
    private let output: ValueTemplate
    /// The graph this plan runs (kept for `inspect --graph`).
    package let graph: Graph

    package init(_ graph: Graph) {
        self.graph = graph
        var slots = [ScriptValue](repeating: .none, count: graph.valueCount)
        for index in 0..<graph.valueCount {
            if case .constant(let tensor) = graph.definition(of: ValueID(index: index)) { slots[index] = .tensor(tensor) }
        }
        initialSlots = slots
        inputs = graph.inputs
        output = graph.output
        // The last step reading each value; values the output reads are never released.
        var lastUse = [Int](repeating: -1, count: graph.valueCount)
        for (position, node) in graph.nodes.enumerated() {
            for value in node.inputValues { lastUse[value.index] = position }
            for value in node.outputValues where lastUse[value.index] < position { lastUse[value.index] = position }
        }
        var kept = Set(graph.output.values.map(\.index))
        for index in 0..<graph.valueCount {
            if case .constant = graph.definition(of: ValueID(index: index)) { kept.insert(index) }
        }
        var releasesAt = [[Int]](repeating: [], count: graph.nodes.count)
        for index in 0..<graph.valueCount where lastUse[index] >= 0 && !kept.contains(index) {
            releasesAt[lastUse[index]].append(index)
        }
        steps = graph.nodes.enumerated().map { position, node in
            Step(op: node.op, body: node.body, arguments: node.arguments, result: node.result, releases: releasesAt[position])
        }
    }

    /// Runs the plan on the method's arguments (after `self`), which must have the signature it was built
    /// for. Errors come from the kernels as they are (the caller re-runs the interpreter for a traceback).
    package func run(_ arguments: [ScriptValue]) throws -> ScriptValue {
        var slots = initialSlots
        for (template, argument) in zip(inputs, arguments) { Self.store(argument, into: template, &slots) }
        let profiling = OperatorProfiler.isEnabled
        for step in steps {
            let values = step.arguments.map { Self.load($0, slots) }
            let start = profiling ? OperatorProfiler.now() : 0
            let result = try step.body(Arguments(values))
            if profiling {
                // Read the clock before formatting the key: shape text costs tens of microseconds.
                let seconds = OperatorProfiler.now() - start
                let key = OperatorProfiler.withShapes
                    ? step.op + " " + values.compactMap { $0.tensor.map { "\($0.shape)" } }.joined(separator: " ")
                        + (result.tensor.map { " -> \($0.shape)" } ?? "")
                    : step.op
                OperatorProfiler.record(key, seconds: seconds)
            }
            Self.store(result, into: step.result, &slots)
            for index in step.releases { slots[index] = .none }
        }
        return Self.load(output, slots)
    }

    private static func load(_ template: ValueTemplate, _ slots: [ScriptValue]) -> ScriptValue {
        switch template {
        case .tensor(let value): slots[value.index]
        case .literal(let value): value
        case .list(let items, let type): .list(items.map { load($0, slots) }, elementType: type)
        case .tuple(let items): .tuple(items.map { load($0, slots) })
        }
    }

    private static func store(_ value: ScriptValue, into template: ValueTemplate, _ slots: inout [ScriptValue]) {
        switch (template, value) {
        case (.tensor(let id), _): slots[id.index] = value
        case (.list(let items, _), .list(let list)):
            for (item, element) in zip(items, list.elements) { store(element, into: item, &slots) }
        case (.tuple(let items), .tuple(let elements)):
            for (item, element) in zip(items, elements) { store(element, into: item, &slots) }
        default: break
        }
    }
}
