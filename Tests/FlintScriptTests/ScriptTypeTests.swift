import FlintScript
import Testing

@Suite struct ScriptTypeTests {
    @Test func annotations() throws {
        #expect(try ScriptType(parsing: "Dict[str, List[int]]") == .dict(.string, .list(.int)))
        #expect(try ScriptType(parsing: "Optional[Tuple[Tensor, __torch__.foo.Bar]]") == .optional(.tuple([.tensor, .object("__torch__.foo.Bar")])))
        #expect(try ScriptType(parsing: "Tuple[()]") == .tuple([]))
        #expect(try ScriptType(parsing: "Final[int]") == .int)
        #expect(try ScriptType(parsing: "NoneType") == .none)
        #expect(throws: ParseError.self) { try ScriptType(parsing: "List") }
        #expect(throws: ParseError.self) { try ScriptType(parsing: "Dict[int]") }
        #expect(try ScriptType(parsing: "List[Optional[Tensor]]").description == "List[Optional[Tensor]]")
    }
}
