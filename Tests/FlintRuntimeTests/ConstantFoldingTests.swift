@testable import FlintGraph
import FlintOperators
import FlintTensor
import FlintValues
import Testing

/// Constant folding evaluates what a method computes from constants alone, once, and leaves everything a
/// run could observe differently: values something writes into, the method's result, random operators.
@Suite struct ConstantFoldingTests {
    /// `y = x * unsqueeze(c, 0)` (and, per case, an in-place add into the unsqueezed value, or that value among the
    /// method's results), `c` a constant `[3]`.
    static func graph(writesInPlace: Bool = false, returnsFolded: Bool = false) throws -> (Graph, folded: ValueID) {
        let registry = OperatorRegistry.standard
        let graph = Graph()
        let x = graph.newValue(.input)
        let c = graph.newValue(.constant(try Tensor(shape: [3], scalars: [Float(1), 2, 3])))
        let unsqueezed = graph.newValue(.input)
        let product = graph.newValue(.input)
        graph.inputs = [.tensor(x)]
        graph.types[x] = TensorType(Tensor(zeros: [2, 3]))
        graph.types[c] = TensorType(Tensor(zeros: [3]))
        graph.types[unsqueezed] = TensorType(Tensor(zeros: [1, 3]))
        graph.types[product] = TensorType(Tensor(zeros: [2, 3]))
        let unsqueeze = Node(
            op: "aten::unsqueeze", body: try #require(registry.body(named: "aten::unsqueeze")), arguments: [.tensor(c), .literal(.int(0))],
            result: .tensor(unsqueezed))
        graph.redefine(unsqueezed, as: .node(unsqueeze))
        graph.nodes.append(unsqueeze)
        if writesInPlace {
            let written = graph.newValue(.input)
            graph.types[written] = TensorType(Tensor(zeros: [1, 3]))
            let add = Node(
                op: "aten::add_.Tensor", body: try #require(registry.body(named: "aten::add_.Tensor")),
                arguments: [.tensor(unsqueezed), .tensor(unsqueezed), .literal(.int(1))], result: .tensor(written))
            graph.redefine(written, as: .node(add))
            graph.nodes.append(add)
        }
        let multiply = Node(
            op: "aten::mul.Tensor", body: try #require(registry.body(named: "aten::mul.Tensor")), arguments: [.tensor(x), .tensor(unsqueezed)],
            result: .tensor(product))
        // As the recorder makes it: `mul` returns a new tensor (its writer form says so), not a view of `c`.
        multiply.writer = registry.writer(named: "aten::mul.Tensor")
        graph.redefine(product, as: .node(multiply))
        graph.nodes.append(multiply)
        graph.output = returnsFolded ? .tuple([.tensor(product), .tensor(unsqueezed)]) : .tensor(product)
        return (graph, unsqueezed)
    }

    @Test func aValueMadeFromConstantsAloneBecomesAConstant() throws {
        let (graph, folded) = try Self.graph()
        #expect(ConstantFolding().run(on: graph) == 1)
        let constant = try #require(graph.constant(folded))
        #expect(constant.shape == [1, 3])
        #expect(try constant.scalars(as: Float.self) == [1, 2, 3])
        #expect(graph.nodes.map(\.op) == ["aten::mul.Tensor"])
        #expect(GraphVerifier.check(graph) == nil)
    }

    @Test func valuesSomethingWritesOrTheCallerGetsStay() throws {
        let (written, _) = try Self.graph(writesInPlace: true)
        #expect(ConstantFolding().run(on: written) == 0, "an in-place add writes the unsqueezed constant")
        let (returned, _) = try Self.graph(returnsFolded: true)
        #expect(ConstantFolding().run(on: returned) == 0, "the caller gets the unsqueezed value")
    }

    @Test func randomOperatorsAreNotFolded() {
        for op in ["aten::rand_like", "aten::randn", "aten::dropout", "aten::bernoulli.p", "aten::normal.Tensor_float", "aten::empty.memory_format"] {
            #expect(ConstantFolding.isRandom(op), "\(op)")
        }
        for op in ["aten::arange", "aten::unsqueeze", "aten::expand", "aten::le.Tensor"] {
            #expect(!ConstantFolding.isRandom(op), "\(op)")
        }
    }

    /// Augmented assignments write their first argument although their names end in `__` (their schemas
    /// mark `self` written), so what they write is never folded.
    @Test func augmentedAssignmentsWriteTheirFirstArgument() {
        let body: OperatorBody = { _ in .none }
        for op in ["aten::__ior__.Tensor", "aten::__iand__.Scalar", "aten::add_.Tensor", "aten::copy_"] {
            #expect(ConstantFolding.writesFirstArgument(Node(op: op, body: body, arguments: [], result: .literal(.none))), "\(op)")
        }
        for op in ["aten::__or__.Tensor", "aten::__and__.Tensor", "aten::add.Tensor", "aten::__getitem__.t"] {
            #expect(!ConstantFolding.writesFirstArgument(Node(op: op, body: body, arguments: [], result: .literal(.none))), "\(op)")
        }
    }
}
