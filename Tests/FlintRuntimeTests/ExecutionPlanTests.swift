@testable import FlintGraph
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
}
