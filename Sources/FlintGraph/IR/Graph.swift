import FlintOperators
import FlintTensor
import FlintValues

/// A method specialised to one input signature, as a straight-line dataflow graph of operator calls over
/// tensors (the inference graph the optimiser rewrites and the plan runs).
///
/// Values are in SSA form: every tensor is defined once, by a graph input, a constant (a frozen parameter,
/// buffer or folded result) or one output of a node, and nodes are in execution order. Everything that is
/// not a tensor (shapes, ints, lists of ints, strings) is a literal: it was fixed by the input signature
/// the graph was built for. Control flow is resolved by that signature too; a method whose control flow
/// depends on tensor *contents* never becomes a graph (see ``TraceRecorder``).
package final class Graph {
    /// Where a value comes from.
    package enum Definition {
        case input
        case constant(Tensor)
        /// Output `index` of node `node` (an index into ``nodes`` at the time of definition; passes keep
        /// the definition current).
        case node(Node)
        /// A constant nothing reads any more (after folding): dropped so its memory can go.
        case dropped
    }

    package private(set) var definitions: [Definition] = []
    /// The nodes in execution order.
    package var nodes: [Node] = []
    /// The method's arguments, with a value for every tensor in them.
    package var inputs: [ValueTemplate] = []
    /// The method's result.
    package var output: ValueTemplate = .literal(.none)
    /// Each tensor value's shape and dtype, as observed when the graph was built (shape inference by the
    /// signature: the same input shapes give the same shapes everywhere).
    package var types: [ValueID: TensorType] = [:]
    /// What the optimiser's passes did (`pass: rewrites`).
    package var log: [String] = []
    /// Where passes keep what they derive from constants, shared with the other plans of the same method
    /// (nil: each derivation is made for this graph alone).
    package var derivedConstants: DerivedConstants?

    package init() {}

    /// A new value defined by `definition`.
    package func newValue(_ definition: Definition) -> ValueID {
        definitions.append(definition)
        return ValueID(index: definitions.count - 1)
    }

    package func definition(of value: ValueID) -> Definition { definitions[value.index] }

    package func redefine(_ value: ValueID, as definition: Definition) { definitions[value.index] = definition }

    /// The constant tensor a value holds, if it is a constant.
    package func constant(_ value: ValueID) -> Tensor? {
        if case .constant(let tensor) = definitions[value.index] { return tensor }
        return nil
    }

    package var valueCount: Int { definitions.count }

    /// Every constant tensor the graph holds: constant values, and those fused kernels hold themselves.
    package var constants: [Tensor] {
        definitions.compactMap { if case .constant(let tensor) = $0 { tensor } else { nil } } + nodes.flatMap(\.heldConstants)
    }

    /// Drops the constants no node and not the output read (the weights a fold replaced), so the plan does
    /// not keep them alive. Returns how many.
    @discardableResult
    package func dropUnreadConstants() -> Int {
        let uses = useCounts()
        var dropped = 0
        for index in definitions.indices where uses[index] == 0 {
            if case .constant = definitions[index] {
                definitions[index] = .dropped
                dropped += 1
            }
        }
        return dropped
    }

    /// How many times each value is read (by nodes and by the graph's output).
    package func useCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: definitions.count)
        // Visited in place: passes ask after every rewrite (epilogue fusion, dozens of times a model), and
        // collecting each node's values into arrays was most of their cost.
        for node in nodes { node.forEachInputValue { counts[$0.index] += 1 } }
        output.forEachValue { counts[$0.index] += 1 }
        return counts
    }

    /// The nodes reading each value.
    package func users() -> [[Node]] {
        var users = [[Node]](repeating: [], count: definitions.count)
        for node in nodes {
            // Once per reading node: nodes are visited in turn, so a node that already read this value is
            // the last one in its list.
            node.forEachInputValue { value in
                if users[value.index].last !== node { users[value.index].append(node) }
            }
        }
        return users
    }
}

/// A tensor value's dtype and shape.
package struct TensorType: Hashable, Sendable, CustomStringConvertible {
    package let dtype: DType
    package let shape: [Int]
    package let isContiguous: Bool

    package init(_ tensor: Tensor) {
        dtype = tensor.dtype
        shape = tensor.shape
        isContiguous = tensor.isContiguous
    }

    package var description: String { "\(dtype.name)\(shape)" }
}

/// A graph value (a tensor).
package struct ValueID: Hashable, Sendable, Comparable, CustomStringConvertible {
    package let index: Int
    package var description: String { "%\(index)" }
    package static func < (a: ValueID, b: ValueID) -> Bool { a.index < b.index }
}

/// A runtime value with graph values in place of its tensors: an operator's arguments, a node's result,
/// the method's arguments or result.
package indirect enum ValueTemplate {
    case tensor(ValueID)
    case literal(ScriptValue)
    case list([ValueTemplate], elementType: String?)
    case tuple([ValueTemplate])

    /// The graph values it mentions, in order.
    package var values: [ValueID] {
        switch self {
        case .tensor(let value): [value]
        case .literal: []
        case .list(let items, _), .tuple(let items): items.flatMap(\.values)
        }
    }

    /// Calls `body` with each graph value it mentions, in order, without collecting them into an array.
    package func forEachValue(_ body: (ValueID) -> Void) {
        switch self {
        case .tensor(let value): body(value)
        case .literal: break
        case .list(let items, _), .tuple(let items): for item in items { item.forEachValue(body) }
        }
    }

    /// The template with values renamed.
    package func replacing(_ map: [ValueID: ValueID]) -> ValueTemplate {
        switch self {
        case .tensor(let value): .tensor(map[value] ?? value)
        case .literal: self
        case .list(let items, let type): .list(items.map { $0.replacing(map) }, elementType: type)
        case .tuple(let items): .tuple(items.map { $0.replacing(map) })
        }
    }

    /// The literal value, when the template holds no tensor.
    package var literal: ScriptValue? {
        if case .literal(let value) = self { return value }
        return nil
    }
}

/// One operator call.
package final class Node {
    /// The operator's qualified name (`aten::conv2d`), or a fused kernel's (`flint::conv_epilogue`).
    package var op: String
    /// The implementation, called with the arguments in schema order.
    package var body: OperatorBody
    /// The same computation writing its one tensor result into a given destination (an arena buffer of the
    /// plan), when the operator has that form. A pass that changes `body` must set this too (or clear it).
    package var writer: OperatorWriter?
    package var arguments: [ValueTemplate]
    /// What it returns, with a new value for every tensor.
    package var result: ValueTemplate
    /// Readable settings of fused kernels (shown by the printer).
    package var notes: [String] = []
    /// Constant tensors a fused kernel holds itself rather than reads from an argument (its weight and bias).
    package var heldConstants: [Tensor] = []
    /// A tensor argument (by position) of the result's shape and dtype that the writer may be given as its
    /// destination (a fused residual): the kernel reads each of its elements just before writing the result's
    /// element at that place (a kernel that could not copies it first, at a cost, so a pass sets this only where
    /// the kernel reads in place). The memory plan then lets the result take over that argument's buffer when
    /// no later step reads the argument.
    package var resultMayReplaceArgument: Int?

    package init(op: String, body: @escaping OperatorBody, arguments: [ValueTemplate], result: ValueTemplate) {
        self.op = op
        self.body = body
        self.arguments = arguments
        self.result = result
    }

    package var inputValues: [ValueID] { arguments.flatMap(\.values) }

    /// Calls `body` with each value the node reads, in argument order (a value read twice comes twice).
    package func forEachInputValue(_ body: (ValueID) -> Void) {
        for argument in arguments { argument.forEachValue(body) }
    }
    package var outputValues: [ValueID] { result.values }

    /// The literal argument at `index`, if it is one.
    package func literal(_ index: Int) -> ScriptValue? {
        index < arguments.count ? arguments[index].literal : nil
    }

    /// The tensor value at argument `index`, if it is one.
    package func tensorArgument(_ index: Int) -> ValueID? {
        guard index < arguments.count, case .tensor(let value) = arguments[index] else { return nil }
        return value
    }

    /// Whether the operator writes its first argument (`relu_`, `add_`, `copy_`): TorchScript's convention.
    package var isInPlace: Bool { Self.isInPlace(op) }

    /// Whether the operator named `op` (`aten::relu_`) writes its first argument (see ``isInPlace``).
    package static func isInPlace(_ op: String) -> Bool {
        guard let name = op.split(separator: "::").last.map({ $0.prefix { $0 != "." } }) else { return false }
        return name.hasSuffix("_") && !name.hasSuffix("__")
    }
}
