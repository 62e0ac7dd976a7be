import FlintScript
import FlintValues

/// Literal expressions evaluated at compile time: default argument values and class constants
/// (`x: int=3`, `eps : Final[float] = 1.0000000000000001e-05`, `(1, 1)`, `None`, `"mean"`).
enum ConstantExpression {
    static func evaluate(_ expression: Expression, record: String) throws -> ScriptValue {
        guard let value = value(of: expression) else {
            throw CompileError("expected a constant, found an expression", record: record, at: expression.location)
        }
        return value
    }

    /// The value of a literal given as text (a class constant's or enum member's printed value).
    static func parse(_ text: String) throws -> ScriptValue? {
        var parser = Parser(tokens: try Lexer.tokenize(text))
        return value(of: try parser.parseExpression())
    }

    /// The value of a literal expression, or nil when it is not one.
    static func value(of expression: Expression) -> ScriptValue? {
        switch expression.kind {
        case .integer(let i): return .int(i)
        case .float(let d): return .double(d)
        case .string(let bytes): return .string(String(decoding: bytes, as: UTF8.self))
        case .bool(let b): return .bool(b)
        case .none: return ScriptValue.none
        case .name("inf"): return .double(.infinity)
        case .name("nan"): return .double(.nan)
        case .name("True"): return .bool(true)
        case .name("False"): return .bool(false)
        case .name("None"): return ScriptValue.none
        case .unary("-", let inner):
            switch value(of: inner) {
            case .int(let i)?: return .int(0 &- i)
            case .double(let d)?: return .double(-d)
            default: return nil
            }
        case .tuple(let items):
            let values = items.compactMap(value(of:))
            return values.count == items.count ? .tuple(values) : nil
        case .list(let items):
            let values = items.compactMap(value(of:))
            guard values.count == items.count else { return nil }
            return .list(values, elementType: nil)
        case .call(let callee, let arguments, _):
            // `annotate(List[int], [])` and friends in default values.
            if case .name("annotate") = callee.kind, arguments.count == 2 { return value(of: arguments[1]) }
            return nil
        default: return nil
        }
    }
}
