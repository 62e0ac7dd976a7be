import FlintLoader
import FlintScript
import FlintTestSupport
import Testing

@Suite struct LexerTests {
    func kinds(_ text: String) throws -> [Token.Kind] { try Lexer.tokenize(text).map(\.kind) }

    @Test func indentationBecomesIndentAndDedent() throws {
        let source = "class A(Module):\n  def forward(self,\n    x: Tensor) -> Tensor:\n    return x\n"
        let k = try kinds(source)
        #expect(k.filter { $0 == .indent }.count == 2)
        #expect(k.filter { $0 == .dedent }.count == 2)
        #expect(k.contains(.symbol("->")))
        #expect(k.last == .endOfFile)
    }

    @Test func numbers() throws {
        #expect(try kinds("1 2.5 1e-05 .5 3. 7j 9223372036854775807")
            .prefix(7) == [.integer(1), .float(2.5), .float(1e-05), .float(0.5), .float(3), .imaginary(7), .integer(Int64.max)])
        #expect(try kinds("inf nan").prefix(1) == [.float(.infinity)])
        #expect(throws: LexerError.self) { try Lexer.tokenize("99999999999999999999") }
    }

    @Test func stringEscapesIncludingOctalAndCarriageReturn() throws {
        let k = try kinds(#""a\rb\001c" 'd' "\\\"""#)
        #expect(k.first == .string(Array("a\rb".utf8) + [1] + Array("cd\\\"".utf8)))
        #expect(throws: LexerError.self) { try Lexer.tokenize(#""\x41""#) }
        #expect(throws: LexerError.self) { try Lexer.tokenize("\"unterminated") }
    }

    @Test func maximalMunchOperators() throws {
        #expect(try kinds("a **= b // c ... d").compactMap { if case .symbol(let s) = $0 { s } else { nil } } == ["**=", "//", "..."])
    }

    @Test func errorsCarryTheirPosition() {
        do {
            _ = try Lexer.tokenize("x = 1\ny = $\n")
            Issue.record("lexed")
        } catch let error as LexerError {
            #expect(error.location.line == 2 && error.location.column == 5)
        } catch { Issue.record("\(error)") }
    }

    /// Every code record PyTorch wrote in the committed fixtures tokenises.
    @Test(arguments: (try? Fixtures.torchScriptArchives().map(\.model.path)) ?? [])
    func printedCodeOfEveryFixtureTokenizes(_ path: String) throws {
        let model = try ScriptModel(path: path)
        for record in model.archive.recordNames where record.hasPrefix("code/") && record.hasSuffix(".py") {
            let tokens = try Lexer.tokenize(try model.sourceText(ofRecord: record))
            #expect(tokens.last?.kind == .endOfFile, "\(record)")
        }
    }
}
