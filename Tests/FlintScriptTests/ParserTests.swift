import FlintLoader
import FlintScript
import FlintTestSupport
import Testing

struct NotAnExpression: Error {}

@Suite struct ParserTests {
    func expression(_ text: String) throws -> Expression {
        let statements = try Parser.parseFile(text + "\n")
        guard case .expression(let e) = statements.first?.kind else { throw NotAnExpression() }
        return e
    }

    /// Renders an expression fully parenthesised, to check precedence.
    func render(_ e: Expression) -> String {
        switch e.kind {
        case .name(let n): n
        case .integer(let i): "\(i)"
        case .float(let f): "\(f)"
        case .binary(let op, let a, let b): "(\(render(a)) \(op) \(render(b)))"
        case .unary(let op, let a): "(\(op) \(render(a)))"
        case .ternary(let c, let t, let o): "(\(render(t)) if \(render(c)) else \(render(o)))"
        case .call(let f, let args, let kw): "\(render(f))(" + (args.map(render) + kw.map { "\($0.0)=\(render($0.1))" }).joined(separator: ", ") + ")"
        case .attribute(let a, let n): "\(render(a)).\(n)"
        case .subscript(let a, let i): "\(render(a))[" + i.map(render).joined(separator: ", ") + "]"
        case .slice(let s, let e, let st): [s, e].map { $0.map(render) ?? "" }.joined(separator: ":") + (st.map { ":" + render($0) } ?? "")
        case .tuple(let items): "(" + items.map(render).joined(separator: ", ") + ",)"
        case .list(let items): "[" + items.map(render).joined(separator: ", ") + "]"
        default: "?"
        }
    }

    @Test func precedenceFollowsPython() throws {
        #expect(render(try expression("a + b * c ** -d ** e")) == "(a + (b * (c ** (- (d ** e)))))")
        #expect(render(try expression("not a == b and c or d")) == "(((not (a == b)) and c) or d)")
        #expect(render(try expression("a if b else c if d else e")) == "(a if b else (c if d else e))")
        #expect(render(try expression("x[1:, ::2, i] .t()")) == "x[1:, ::2, i].t()")
        #expect(render(try expression("a not in b")) == "(a not in b)")
        #expect(render(try expression("f(x, dim=-1)")) == "f(x, dim=-1)")
        #expect(render(try expression("-9223372036854775808")) == "-9223372036854775808")
    }

    @Test func statementsThePrinterEmits() throws {
        let source = """
        def forward(self,
            x: Tensor,
            n: int=3) -> Tuple[Tensor, int]:
          a, b, = torch.chunk(x, 2)
          m : Optional[Tensor] = None
          if torch.gt(n, 0):
            c = torch.add(a, b, alpha=2)
          else:
            c = a
          for i in range(n):
            c = torch.mul(c, 2)
          _0 = True
          while _0:
            _0 = False
          self.total += 1
          ops.prim.RaiseException("boom", "builtins.RuntimeError")
          return (c, n)
        """
        let statements = try Parser.parseFile(source)
        guard case .function(let f) = statements.first?.kind else { Issue.record("no function"); return }
        #expect(f.name == "forward")
        #expect(f.parameters.map(\.name) == ["self", "x", "n"])
        #expect(f.body.count == 9)
        if case .assign(let targets, _) = f.body[0].kind, case .tuple(let items) = targets[0].kind {
            #expect(items.count == 2)
        } else { Issue.record("tuple unpack") }
        if case .annotatedAssign = f.body[1].kind {} else { Issue.record("annotated assignment") }
        if case .augmentedAssign(_, let op, _) = f.body[6].kind { #expect(op == "+") } else { Issue.record("augmented") }
    }

    @Test func errorsPointAtTheToken() {
        do {
            _ = try Parser.parseFile("def f(x: int) -> int:\n  return x +\n")
            Issue.record("parsed")
        } catch let error as ParseError {
            #expect(error.location.line == 2)
        } catch { Issue.record("\(error)") }
    }

    /// Every code record PyTorch wrote in the fixtures parses.
    @Test(arguments: (try? Fixtures.torchScriptArchives().map(\.model.path)) ?? [])
    func printedCodeOfEveryFixtureParses(_ path: String) throws {
        let model = try ScriptModel(path: path)
        for record in model.archive.recordNames where record.hasPrefix("code/") && record.hasSuffix(".py") {
            let statements = try Parser.parseFile(try model.sourceText(ofRecord: record))
            #expect(!statements.isEmpty, "\(record)")
        }
    }
}
