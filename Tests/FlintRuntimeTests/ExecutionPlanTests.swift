@testable import FlintGraph
import FlintValues
import Testing

/// What a plan's run context may keep between runs: only the results of operators that make a view of an
/// argument from its metadata, never those of one that may write into an argument.
@Suite struct ExecutionPlanTests {
    @Test func onlyViewOperatorsKeepTheirResults() {
        for op in ["aten::view", "aten::transpose.int", "aten::reshape", "aten::permute", "aten::select.int", "aten::slice.Tensor", "aten::expand"] {
            #expect(ExecutionPlan.isViewOperator(op), "\(op)")
        }
        for op in ["aten::relu_", "aten::__ior__.Tensor", "aten::add.out", "aten::add.Tensor", "aten::copy_", "aten::view_", "flint::linear", "prim::view"] {
            #expect(!ExecutionPlan.isViewOperator(op), "\(op)")
        }
    }

    /// A context keeps an `int[]` literal with its integers decoded once, so an operator reading it allocates
    /// nothing; any change to the list drops them (the operator then decodes the elements again).
    @Test func integerListLiteralsAreDecodedOnce() {
        let literal = ScriptValue.list(ScriptList([.int(3), .int(-1)], elementType: "int"))
        guard case .list(let kept) = ExecutionPlan.decodedOnce(literal) else {
            Issue.record("not a list")
            return
        }
        #expect(kept.integers == [3, -1])
        #expect(kept.elementType == "int")
        kept.elements.append(.int(4))
        #expect(kept.integers == nil)
        for other in [ScriptValue.list(ScriptList([.int(1), .double(2)], elementType: nil)), .list(ScriptList([], elementType: "int")), .int(5)] {
            if case .list(let list) = ExecutionPlan.decodedOnce(other) { #expect(list.integers == nil) }
        }
    }
}
