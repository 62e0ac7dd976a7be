import FlintOperators
import FlintScript
import FlintTestSupport
import Foundation
import Testing

@Suite struct OperatorSchemaTests {
    @Test func parsesTheParts() throws {
        let add = try OperatorSchema(parsing: "aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor")
        #expect(add.name == "aten::add" && add.overload == "Tensor" && add.qualifiedName == "aten::add.Tensor")
        #expect(add.arguments.map(\.name) == ["self", "other", "alpha"])
        #expect(add.arguments.map(\.keywordOnly) == [false, false, true])
        #expect(add.arguments[2].defaultValue == "1")
        let conv = try OperatorSchema(parsing: "aten::conv2d(Tensor input, Tensor weight, Tensor? bias=None, SymInt[2] stride=1, SymInt[2] padding=0, SymInt[2] dilation=1, SymInt groups=1) -> Tensor")
        #expect(conv.arguments[3].type == .list(.named("SymInt"), size: 2))
        #expect(conv.arguments[2].type == .optional(.named("Tensor")))
        let inplace = try OperatorSchema(parsing: "aten::add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)")
        #expect(inplace.arguments[0].alias?.sets == ["a"] && inplace.arguments[0].alias?.isWrite == true)
        let split = try OperatorSchema(parsing: "aten::split.Tensor(Tensor(a -> *) self, SymInt split_size, int dim=0) -> Tensor(a)[]")
        #expect(split.returns[0].type == .list(.named("Tensor"), size: nil))
        let max = try OperatorSchema(parsing: "aten::max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)")
        #expect(max.returns.map(\.name) == ["values", "indices"])
        let dict = try OperatorSchema(parsing: "aten::keys.str(Dict(str, t) self) -> str[](*)")
        #expect(dict.arguments[0].type == .dict(.named("str"), .named("t")))
        #expect(try OperatorSchema(parsing: "prim::TupleConstruct(...) -> ...").isVararg)
        #expect(try OperatorSchema(parsing: "aten::overload_free() -> ()").returns.isEmpty)
    }

    @Test func everySchemaOfTorchParses() throws {
        // The table the registry is built from (Tools/fixtures/make_schema_table.py).
        let lines = torchOperatorSchemas.split(separator: "\n").map(String.init)
        #expect(lines.count > 4000)
        var failures: [String] = []
        for line in lines {
            do { _ = try OperatorSchema(parsing: line) } catch { failures.append("\(line): \(error)") }
        }
        #expect(failures.isEmpty, "\(failures.count) schemas failed:\n\(failures.prefix(20).joined(separator: "\n"))")
    }
}
