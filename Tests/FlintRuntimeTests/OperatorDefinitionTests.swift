import FlintOperators
import FlintValues
import Testing

/// An operator is declared once: a second declaration of a name is recorded as a duplicate (and the registry
/// refuses definitions that have any), so no declaration can silently replace another.
@Suite struct OperatorDefinitionTests {
    @Test func theStandardDefinitionsDeclareEveryNameOnce() {
        #expect(OperatorDefinitions.standard.duplicates == [])
    }

    @Test func aSecondDeclarationIsRecorded() {
        var definitions = OperatorDefinitions()
        definitions.define("aten::relu") { _ in .none }
        definitions.define(["aten::sigmoid", "aten::relu"]) { _ in .none }
        #expect(definitions.duplicates == ["aten::relu"])
    }
}
