import FlintOperators
import FlintValues

/// Bound nodes run in order over an array of slots, each intermediate cleared after its last reader.
struct NodeSequence: Sendable {
    let nodes: [BoundNode]
    /// Slots each node reads last (not `kept`, not read by the outputs).
    let releases: [[Int]]

    init(nodes: [BoundNode], outputs: [ArgumentSource], keep: Set<Int>, slotCount: Int) {
        self.nodes = nodes
        var last = [Int](repeating: -1, count: slotCount)
        for (index, node) in nodes.enumerated() {
            for argument in node.arguments { for slot in argument.slots { last[slot] = index } }
        }
        for output in outputs { for slot in output.slots { last[slot] = Int.max } }
        var releases = [[Int]](repeating: [], count: nodes.count)
        for slot in 0..<slotCount where last[slot] >= 0 && last[slot] < nodes.count && !keep.contains(slot) {
            releases[last[slot]].append(slot)
        }
        self.releases = releases
    }

    /// Runs every node. A kernel's failure becomes an ``ExportError`` naming the node, the operator and the
    /// user's Python line (failures inside a subgraph keep the innermost node's).
    func run(_ slots: inout [ScriptValue]) throws {
        let profiling = OperatorProfiler.isEnabled
        for (index, node) in nodes.enumerated() {
            let values = node.arguments.map { $0.value(slots) }
            let start = profiling ? OperatorProfiler.now() : 0
            let result: ScriptValue
            do {
                result = try node.body(Arguments(values))
            } catch let error as ExportError {
                throw error
            } catch {
                throw node.failure(error)
            }
            if profiling { OperatorProfiler.record(node.operation, seconds: OperatorProfiler.now() - start) }
            if node.outputs.count == 1 {
                node.outputs[0].store(result, into: &slots)
            } else if case .tuple(let items) = result {
                for (target, item) in zip(node.outputs, items) { target.store(item, into: &slots) }
            }
            for slot in releases[index] { slots[slot] = .none }
        }
    }
}

extension BoundNode {
    func failure(_ error: any Error) -> ExportError {
        var message = "\(operation) failed in node '\(name)': \(error)"
        if let line = sourceLine {
            message += "\n  File \"\(line.file)\", line \(line.line)" + (line.code.isEmpty ? "" : "\n    \(line.code)")
        }
        return ExportError(.operatorFailed, message, sourceLine: sourceLine)
    }
}

/// A graph a higher-order operator runs (`torch.cond`'s branches, `while_loop`'s condition and body): its
/// own slots, inputs and outputs.
struct BoundSubgraph: Sendable {
    let slotCount: Int
    let inputSlots: [Int]
    let sequence: NodeSequence
    let outputs: [ArgumentSource]

    func callAsFunction(_ arguments: [ScriptValue]) throws -> [ScriptValue] {
        guard arguments.count == inputSlots.count else {
            throw OperatorError("a subgraph taking \(inputSlots.count) values was given \(arguments.count)")
        }
        var slots = [ScriptValue](repeating: .none, count: slotCount)
        for (slot, value) in zip(inputSlots, arguments) { slots[slot] = value }
        try sequence.run(&slots)
        return outputs.map { $0.value(slots) }
    }
}
