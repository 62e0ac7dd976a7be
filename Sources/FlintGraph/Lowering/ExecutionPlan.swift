import FlintOperators
import FlintTensor
import FlintValues

/// A graph lowered for running: each value has a slot, each node is a step that reads its argument slots,
/// calls its kernel and fills its result slots, and each intermediate's slot is cleared right after its
/// last reader so its memory returns as early as possible. Constants sit in their slots from the start.
///
/// Steps whose operator has a writer form write into buffers of an arena laid out by ``MemoryPlan``; the
/// arena, the slots and each step's argument list belong to a ``RunContext`` that a run borrows and gives
/// back, so a steady call allocates nothing for them. Its steps are fixed once built: any number of threads
/// may run it at once (each concurrent run borrows its own context; idle ones are kept under a lock).
package final class ExecutionPlan: @unchecked Sendable {
    struct Step {
        let op: String
        let body: OperatorBody
        /// The writer form, when the step's result has a place: in the arena, or a buffer of the step's own.
        let writer: OperatorWriter?
        let arguments: [ValueTemplate]
        /// Where each tensor argument comes from, when every argument is a tensor, a literal, or a list or
        /// tuple of literals and constants (built once per context): (position in the argument list, slot).
        /// Nil when a list or tuple holds values computed by the run (built on each call).
        let tensorArguments: [(position: Int, slot: Int)]?
        let result: ValueTemplate
        /// Slots no later step reads.
        let releases: [Int]
        /// Whether the layout of its result may be kept for the next run (see ``RunContext/views``): a view
        /// operator (``viewOperators``) that does not write into the arena itself.
        let mayKeepView: Bool
        /// Whether the operator writes into a list argument (`append`, `extend`, `+=` on a list: its schema marks
        /// the argument `(a!)`): every run then builds its lists anew, literals copied, so that no run sees what
        /// another appended.
        let writesAList: Bool
    }

    /// Where a tensor's elements lie in its storage: what a view's result depends on.
    struct Layout {
        let dtype: DType
        let shape: [Int]
        let strides: [Int]
        let storageOffset: Int

        init(_ tensor: Tensor) {
            dtype = tensor.dtype
            shape = tensor.shape
            strides = tensor.strides
            storageOffset = tensor.storageOffset
        }

        /// Whether `tensor` lies the same way (in any storage). Compares in place: nothing is allocated.
        func describes(_ tensor: Tensor) -> Bool {
            tensor.dtype == dtype && tensor.storageOffset == storageOffset && tensor.shape == shape && tensor.strides == strides
        }
    }

    /// A view step's result as the layout it had over its first tensor argument's storage, with the layouts
    /// of the tensor arguments it was made from. A view depends on its arguments' layouts and literals alone,
    /// so the next run whose arguments lie the same way takes the same layout over its own first argument's
    /// storage instead of making the view again (which allocates its shape and strides). Storages are not
    /// kept: a result buffer of the plan's own is handed out again only once nothing holds it.
    struct KeptView {
        let arguments: [Layout]
        let result: Layout

        /// The view over `list`'s first tensor argument, when every tensor argument lies as they did.
        func view(of list: [ScriptValue], _ positions: [(position: Int, slot: Int)]) -> Tensor? {
            guard arguments.count == positions.count else { return nil }
            for (kept, (position, _)) in zip(arguments, positions) {
                guard case .tensor(let tensor) = list[position], kept.describes(tensor) else { return nil }
            }
            guard let (first, _) = positions.first, case .tensor(let base) = list[first] else { return nil }
            return try? Tensor(storage: base.storage, dtype: result.dtype, shape: result.shape, strides: result.strides, storageOffset: result.storageOffset)
        }
    }

    /// What one run works in: the slots, each step's argument list (literals filled in once) and the arena's
    /// destination tensors.
    final class RunContext {
        var slots: [ScriptValue]
        var argumentLists: [[ScriptValue]]
        let destinations: [Tensor?]
        /// Per view step, the layout of the view it returned last (``KeptView``).
        var views: [KeptView?]
        /// Per step that writes a value outliving the run (the method's result), the buffer it wrote last.
        private var ownStorages: [Storage?]
        /// The items of the tuple the last run returned: the next run empties them (in place once the caller
        /// let that tuple go, so its result buffers are free again) and fills them, instead of a new array.
        /// An idle context so keeps its last results alive (at most ``idleContextLimit`` contexts).
        var resultItems: [ScriptValue] = []

        init(_ plan: ExecutionPlan) {
            slots = plan.initialSlots
            argumentLists = plan.steps.map { step in
                step.arguments.map { argument in
                    if let literal = argument.literal { return ExecutionPlan.decodedOnce(literal) }
                    // A list or tuple of literals and constants is the same on every run: built once here.
                    if case .tensor = argument { return .none }
                    return step.tensorArguments == nil ? .none : ExecutionPlan.load(argument, plan.initialSlots)
                }
            }
            destinations = plan.memory.makeDestinations()
            views = Array(repeating: nil, count: plan.steps.count)
            ownStorages = Array(repeating: nil, count: plan.steps.count)
        }

        /// Where a step whose value outlives the run writes: the buffer it wrote last time once nothing but
        /// this context holds it (the caller let that result go, with every view of it), else a new one.
        func ownDestination(at position: Int, _ placement: MemoryPlan.Placement) -> Tensor {
            if ownStorages[position] == nil || !isKnownUniquelyReferenced(&ownStorages[position]!) {
                ownStorages[position] = Storage(byteCount: placement.byteCount)
            }
            // In bounds by construction: the buffer holds the value's bytes.
            return try! Tensor(
                storage: ownStorages[position]!, dtype: placement.type.dtype, shape: placement.type.shape, strides: placement.strides, storageOffset: 0)
        }
    }

    private let steps: [Step]
    private let initialSlots: [ScriptValue]
    /// Slots that are not constants (cleared when a context is given back).
    private let variableSlots: [Int]
    private let inputs: [ValueTemplate]
    private let output: ValueTemplate
    private let memory: MemoryPlan
    private var idleContexts: [RunContext] = []
    private let contextLock = Lock()
    /// Contexts kept for later runs; more concurrent runs than this make and drop their own.
    private let idleContextLimit = 8
    /// The graph this plan runs (kept for `inspect --graph`).
    package let graph: Graph

    package init(_ graph: Graph) {
        self.graph = graph
        var slots = [ScriptValue](repeating: .none, count: graph.valueCount)
        var variable: [Int] = []
        for index in 0..<graph.valueCount {
            if case .constant(let tensor) = graph.definition(of: ValueID(index: index)) { slots[index] = .tensor(tensor) } else { variable.append(index) }
        }
        initialSlots = slots
        variableSlots = variable
        inputs = graph.inputs
        output = graph.output
        memory = MemoryPlan(graph)
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
        let placements = memory.placements
        steps = graph.nodes.enumerated().map { position, node in
            var tensorArguments: [(position: Int, slot: Int)]? = []
            let written = Self.writtenArguments(of: node.op)
            var writesAList = false
            for (index, argument) in node.arguments.enumerated() {
                switch argument {
                case .tensor(let value): tensorArguments?.append((index, value.index))
                case .literal(let value):
                    if written.contains(index), case .list = value { writesAList = true }
                case .list, .tuple:
                    // (A `where` clause after `case .list, .tuple` would apply to `.tuple` alone.)
                    if written.contains(index) {
                        writesAList = true
                        continue
                    }
                    var fixed = true
                    argument.forEachValue { value in
                        if case .constant = graph.definition(of: value) {} else { fixed = false }
                    }
                    if !fixed { tensorArguments = nil }
                }
            }
            if writesAList { tensorArguments = nil }
            let writer = placements[position] == nil ? nil : node.writer
            var returnsTensor = false
            if case .tensor = node.result { returnsTensor = true }
            return Step(
                op: node.op, body: node.body, writer: writer, arguments: node.arguments,
                tensorArguments: tensorArguments, result: node.result, releases: releasesAt[position],
                mayKeepView: writer == nil && Self.isViewOperator(node.op) && returnsTensor && tensorArguments != nil, writesAList: writesAList)
        }
    }

    /// Operators whose result is a view of their first argument (or that argument), made from its metadata
    /// and their literal arguments alone: the only steps whose views a context keeps (``KeptView``). A list, not a
    /// rule on names: an operator that writes into an argument (`relu_`, `__ior__`, an `.out` overload) must
    /// run every time.
    static let viewOperators: Set<String> = [
        "view", "view_as", "reshape", "reshape_as", "_reshape_alias", "_unsafe_view", "flatten", "unflatten", "squeeze", "unsqueeze",
        "transpose", "t", "numpy_T", "mT", "permute", "movedim", "swapaxes", "swapdims", "select", "slice", "narrow",
        "expand", "expand_as", "contiguous", "detach", "alias", "as_strided", "diagonal", "unfold", "dropout", "feature_dropout",
        "alpha_dropout", "to", "type_as",
    ]

    /// Whether `op` (`aten::transpose.int`) is one of ``viewOperators``.
    static func isViewOperator(_ op: String) -> Bool {
        guard op.hasPrefix("aten::") else { return false }
        let name = op.dropFirst(6).prefix { $0 != "." }
        return viewOperators.contains(String(name))
    }

    /// The positions of the arguments `op`'s schema marks as written (`Tensor(a!) self`, `t[](a!) self`); none
    /// for an operator without a schema in the registry (a fused `flint::` node).
    static func writtenArguments(of op: String) -> Set<Int> {
        let base = String(op.prefix { $0 != "." })
        guard let schema = OperatorRegistry.standard.overloads(of: base).first(where: { $0.qualifiedName == op }) else { return [] }
        return Set(schema.arguments.indices.filter { schema.arguments[$0].alias?.isWrite == true })
    }

    /// Bytes of one run's arena (the intermediates placed in shared buffers).
    package var arenaBytes: Int { memory.arenaBytes }

    /// How many steps write into the arena.
    package var placedStepCount: Int { steps.count { $0.writer != nil } - memory.ownBufferCount }

    /// How many buffers the arena has (fewer than the placed steps when lifetimes let values share them).
    package var arenaBufferCount: Int { memory.bufferSizes.count }

    /// The plan as text (`flint inspect --graph --optimized`): its graph, then what the arena holds.
    package var text: String {
        GraphPrinter.text(graph)
            + "# arena: \(placedStepCount) of \(steps.count) steps write into \(arenaBufferCount) shared buffers, \(arenaBytes) bytes per run\n"
            + (memory.ownBufferCount == 0 ? "" : "# results: \(memory.ownBufferCount) steps write into buffers of their own, reused once the caller lets go\n")
            + (memory.replacingStepCount == 0 ? "" : "# in place: \(memory.replacingStepCount) steps write over the residual they read last\n")
    }

    /// Runs the plan on the method's arguments (after `self`), which must have the signature it was built
    /// for. Errors come from the kernels as they are (the caller re-runs the interpreter for a traceback).
    package func run(_ arguments: [ScriptValue]) throws -> ScriptValue {
        let context = borrowContext()
        // Each step clears its argument list as it finishes; after an error the rest are cleared on return.
        var finished = false
        defer { giveBack(context, clearingArgumentLists: !finished) }
        for (template, argument) in zip(inputs, arguments) { Self.store(argument, into: template, &context.slots) }
        for index in context.resultItems.indices { context.resultItems[index] = .none }
        let profiling = OperatorProfiler.isEnabled
        for (position, step) in steps.enumerated() {
            if let tensorArguments = step.tensorArguments {
                for (index, slot) in tensorArguments { context.argumentLists[position][index] = context.slots[slot] }
            }
            try run(step, at: position, in: context, profiling: profiling)
            // The argument list lets go of its tensors (it is reused by the next run). The step's own copy of
            // it ended with `run(_:at:in:profiling:)`, so this writes in place.
            if let tensorArguments = step.tensorArguments {
                for (index, _) in tensorArguments { context.argumentLists[position][index] = .none }
            }
            for index in step.releases { context.slots[index] = .none }
        }
        finished = true
        guard case .tuple(let items) = output else { return Self.load(output, context.slots) }
        if context.resultItems.count != items.count { context.resultItems = Array(repeating: .none, count: items.count) }
        for (index, item) in items.enumerated() { context.resultItems[index] = Self.load(item, context.slots) }
        return .tuple(context.resultItems)
    }

    /// One step: its writer into the arena, the view it kept from the last run, or its body.
    private func run(_ step: Step, at position: Int, in context: RunContext, profiling: Bool) throws {
        let values = step.tensorArguments == nil
            ? step.arguments.map { Self.load($0, context.slots, copyingLiteralLists: step.writesAList) } : context.argumentLists[position]
        let start = profiling ? OperatorProfiler.now() : 0
        if let writer = step.writer, case .tensor(let value) = step.result, let placement = memory.placements[position] {
            let destination = context.destinations[position] ?? context.ownDestination(at: position, placement)
            try writer(Arguments(values), destination)
            context.slots[value.index] = .tensor(destination)
        } else if step.mayKeepView, let tensorArguments = step.tensorArguments, let view = context.views[position]?.view(of: values, tensorArguments) {
            Self.store(.tensor(view), into: step.result, &context.slots)
        } else {
            let result = try step.body(Arguments(values))
            Self.store(result, into: step.result, &context.slots)
            if step.mayKeepView, let tensorArguments = step.tensorArguments, let (first, _) = tensorArguments.first, case .tensor(let made) = result,
                let base = values[first].tensor, made.storage === base.storage, made.quantizer == nil, base.quantizer == nil
            {
                let arguments = tensorArguments.compactMap { values[$0.position].tensor.map(Layout.init) }
                if arguments.count == tensorArguments.count { context.views[position] = KeptView(arguments: arguments, result: Layout(made)) }
            }
        }
        if profiling {
            // Read the clock before formatting the key: shape text costs tens of microseconds.
            let seconds = OperatorProfiler.now() - start
            let result = Self.load(step.result, context.slots)
            let key = OperatorProfiler.withShapes
                ? step.op + " " + values.compactMap { $0.tensor.map { "\($0.shape)" } }.joined(separator: " ")
                    + (result.tensor.map { " -> \($0.shape)" } ?? "")
                : step.op
            OperatorProfiler.record(key, seconds: seconds)
        }
    }

    private func borrowContext() -> RunContext {
        contextLock.withLock { idleContexts.popLast() } ?? RunContext(self)
    }

    /// Clears what a run left in the context's slots (its result, or everything after an error), and the
    /// argument lists a failed run left filled, and keeps the context for the next run.
    private func giveBack(_ context: RunContext, clearingArgumentLists: Bool) {
        for index in variableSlots { context.slots[index] = .none }
        for position in steps.indices where clearingArgumentLists {
            guard let tensorArguments = steps[position].tensorArguments else { continue }
            for (index, _) in tensorArguments { context.argumentLists[position][index] = .none }
        }
        contextLock.withLock {
            if idleContexts.count < idleContextLimit { idleContexts.append(context) }
        }
    }

    /// A literal argument as a run context keeps it: an `int` list in the form that keeps its decoded integers
    /// (``ScriptList/init(integers:)``), so an operator reading it allocates nothing; anything else as it is.
    static func decodedOnce(_ literal: ScriptValue) -> ScriptValue {
        guard case .list(let list) = literal, !list.elements.isEmpty else { return literal }
        var integers: [Int] = []
        integers.reserveCapacity(list.elements.count)
        for element in list.elements {
            guard case .int(let value) = element else { return literal }
            integers.append(Int(truncatingIfNeeded: value))
        }
        return .list(ScriptList(integers: integers, elementType: list.elementType))
    }

    /// The value `template` stands for in `slots`; with `copyingLiteralLists`, a literal list is a new list
    /// with its elements (for an operator that writes into it).
    fileprivate static func load(_ template: ValueTemplate, _ slots: [ScriptValue], copyingLiteralLists: Bool = false) -> ScriptValue {
        switch template {
        case .tensor(let value): slots[value.index]
        case .literal(.list(let list)) where copyingLiteralLists: .list(list.elements, elementType: list.elementType)
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
