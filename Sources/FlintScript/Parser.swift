/// Parses printed TorchScript into a syntax tree, with Python's precedence (`torch/csrc/jit/frontend/
/// parser.cpp` and `lexer.cpp`): ternary < or < and < not < comparisons < | < ^ < & < shifts < +,- <
/// *,/,//,%,@ < unary -,+,~ < ** (right-associative) < postfix calls, subscripts and attributes.
package struct Parser {
    private let tokens: [Token]
    private var index = 0

    package init(tokens: [Token]) {
        self.tokens = tokens
    }

    /// Parses a whole source file into its top-level statements (classes, functions, legacy
    /// `op_version_set = N` and `import` lines are returned too).
    package static func parseFile(_ text: String) throws -> [Statement] {
        var parser = Parser(tokens: try Lexer.tokenize(text))
        return try parser.parseFile()
    }

    package mutating func parseFile() throws -> [Statement] {
        var statements: [Statement] = []
        while !check(.endOfFile) {
            if accept(.newline) { continue }
            statements.append(try parseStatement())
        }
        return statements
    }

    // MARK: Token helpers

    private var current: Token { tokens[Swift.min(index, tokens.count - 1)] }

    private func check(_ kind: Token.Kind) -> Bool { current.kind == kind }

    private func checkSymbol(_ symbol: String) -> Bool { current.kind == .symbol(symbol) }

    private func checkKeyword(_ word: String) -> Bool { current.kind == .keyword(word) }

    @discardableResult
    private mutating func advance() -> Token {
        let token = current
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private mutating func accept(_ kind: Token.Kind) -> Bool {
        guard check(kind) else { return false }
        advance()
        return true
    }

    private mutating func acceptSymbol(_ symbol: String) -> Bool { accept(.symbol(symbol)) }

    private mutating func acceptKeyword(_ word: String) -> Bool { accept(.keyword(word)) }

    private mutating func expect(_ kind: Token.Kind, _ what: String) throws {
        guard accept(kind) else { throw error("expected \(what), found \(describe(current))") }
    }

    private mutating func expectSymbol(_ symbol: String) throws { try expect(.symbol(symbol), "'\(symbol)'") }

    private func error(_ message: String) -> ParseError { ParseError(location: current.location, message: message) }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .identifier(let name): "identifier '\(name)'"
        case .keyword(let word): "'\(word)'"
        case .symbol(let symbol): "'\(symbol)'"
        case .integer(let value): "number \(value)"
        case .float(let value): "number \(value)"
        case .imaginary(let value): "number \(value)j"
        case .string: "a string"
        case .newline: "end of line"
        case .indent: "an indented block"
        case .dedent: "the end of a block"
        case .endOfFile: "the end of the file"
        }
    }

    private mutating func identifier(_ what: String) throws -> String {
        guard case .identifier(let name) = current.kind else { throw error("expected \(what), found \(describe(current))") }
        advance()
        return name
    }

    // MARK: Statements

    private mutating func parseBlock() throws -> [Statement] {
        try expectSymbol(":")
        if !check(.newline) {
            // A one-line body: `if x: pass`
            return [try parseSimpleStatement()]
        }
        try expect(.newline, "a newline")
        try expect(.indent, "an indented block")
        var body: [Statement] = []
        while !check(.dedent) && !check(.endOfFile) {
            if accept(.newline) { continue }
            body.append(try parseStatement())
        }
        try expect(.dedent, "the end of the block")
        return body
    }

    private mutating func parseStatement() throws -> Statement {
        let location = current.location
        switch current.kind {
        case .keyword("def"):
            return Statement(kind: .function(try parseFunction()), location: location)
        case .keyword("class"):
            advance()
            let name = try identifier("a class name")
            var base: Expression?
            if acceptSymbol("(") {
                if !checkSymbol(")") { base = try parseExpression() }
                try expectSymbol(")")
            }
            let body = try parseBlock()
            return Statement(kind: .classDefinition(ClassDefinition(name: name, base: base, body: body, location: location)), location: location)
        case .keyword("if"):
            advance()
            return try parseIfRest(location: location)
        case .keyword("while"):
            advance()
            let condition = try parseExpression()
            return Statement(kind: .whileLoop(condition: condition, body: try parseBlock()), location: location)
        case .keyword("for"):
            advance()
            let target = try parseTargetList()
            guard acceptKeyword("in") else { throw error("expected 'in' in a for loop") }
            let iterable = try parseExpressionList()
            return Statement(kind: .forLoop(target: target, iterable: iterable, body: try parseBlock()), location: location)
        case .keyword("with"):
            advance()
            var items: [(Expression, Expression?)] = []
            repeat {
                let item = try parseExpression()
                let alias = acceptKeyword("as") ? try parseTarget() : nil
                items.append((item, alias))
            } while acceptSymbol(",")
            return Statement(kind: .with(items: items, body: try parseBlock()), location: location)
        default:
            return try parseSimpleStatement()
        }
    }

    private mutating func parseIfRest(location: SourceLocation) throws -> Statement {
        let condition = try parseExpression()
        let then = try parseBlock()
        var otherwise: [Statement] = []
        if checkKeyword("elif") {
            let elifLocation = current.location
            advance()
            otherwise = [try parseIfRest(location: elifLocation)]
        } else if acceptKeyword("else") {
            otherwise = try parseBlock()
        }
        return Statement(kind: .ifStatement(condition: condition, then: then, otherwise: otherwise), location: location)
    }

    private mutating func parseFunction() throws -> FunctionDefinition {
        let location = current.location
        advance()
        let name = try identifier("a function name")
        try expectSymbol("(")
        var parameters: [FunctionDefinition.Parameter] = []
        var keywordOnly = false
        while !checkSymbol(")") {
            if acceptSymbol("*") {
                keywordOnly = true
            } else {
                let parameterLocation = current.location
                let parameterName = try identifier("a parameter name")
                let type = acceptSymbol(":") ? try parseExpression() : nil
                let defaultValue = acceptSymbol("=") ? try parseExpression() : nil
                parameters.append(.init(name: parameterName, type: type, defaultValue: defaultValue, keywordOnly: keywordOnly, location: parameterLocation))
            }
            if !acceptSymbol(",") { break }
        }
        try expectSymbol(")")
        let returnType = acceptSymbol("->") ? try parseExpression() : nil
        let body = try parseBlock()
        return FunctionDefinition(name: name, parameters: parameters, returnType: returnType, body: body, location: location)
    }

    /// One logical line: `pass`, `return x`, assignments, expression statements...
    private mutating func parseSimpleStatement() throws -> Statement {
        let location = current.location
        let kind: Statement.Kind
        switch current.kind {
        case .keyword("pass"):
            advance()
            kind = .pass
        case .keyword("break"):
            advance()
            kind = .breakStatement
        case .keyword("continue"):
            advance()
            kind = .continueStatement
        case .keyword("return"):
            advance()
            kind = .returnStatement(check(.newline) ? nil : try parseExpressionList())
        case .keyword("raise"):
            advance()
            kind = .raise(check(.newline) ? nil : try parseExpression())
        case .keyword("assert"):
            advance()
            let condition = try parseExpression()
            kind = .assert(condition, message: acceptSymbol(",") ? try parseExpression() : nil)
        case .keyword("del"):
            advance()
            var targets = [try parseExpression()]
            while acceptSymbol(",") { targets.append(try parseExpression()) }
            kind = .delete(targets)
        case .keyword("import"), .keyword("from"):
            while !check(.newline) && !check(.endOfFile) { advance() }
            kind = .pass
        default:
            kind = try parseAssignmentOrExpression()
        }
        if !accept(.newline) && !check(.endOfFile) && !check(.dedent) {
            _ = acceptSymbol(";")
            guard accept(.newline) || check(.endOfFile) || check(.dedent) else {
                throw error("expected the end of the statement, found \(describe(current))")
            }
        }
        return Statement(kind: kind, location: location)
    }

    private mutating func parseAssignmentOrExpression() throws -> Statement.Kind {
        let first = try parseExpressionList()
        if acceptSymbol(":") {
            let type = try parseExpression()
            let value = acceptSymbol("=") ? try parseExpressionList() : nil
            return .annotatedAssign(target: first, type: type, value: value)
        }
        for op in ["+=", "-=", "*=", "/=", "//=", "%=", "**=", "&=", "|=", "^=", "<<=", ">>=", "@="] where acceptSymbol(op) {
            return .augmentedAssign(target: first, operator: String(op.dropLast()), value: try parseExpressionList())
        }
        guard checkSymbol("=") else { return .expression(first) }
        var targets = [first]
        var value = first
        while acceptSymbol("=") {
            value = try parseExpressionList()
            targets.append(value)
        }
        targets.removeLast()
        return .assign(targets: targets, value: value)
    }

    /// `a`, `a, b`, `a, b,` (a trailing comma makes a tuple even of one element).
    private mutating func parseExpressionList() throws -> Expression {
        let location = current.location
        let first = try parseExpression()
        guard checkSymbol(",") else { return first }
        var items = [first]
        while acceptSymbol(",") {
            if check(.newline) || checkSymbol("=") || checkSymbol(")") || check(.endOfFile) || checkSymbol(":") { break }
            items.append(try parseExpression())
        }
        return Expression(kind: .tuple(items), location: location)
    }

    private mutating func parseTarget() throws -> Expression { try parseBinary(level: 0) }

    private mutating func parseTargetList() throws -> Expression {
        let location = current.location
        let first = try parseTarget()
        guard checkSymbol(",") else { return first }
        var items = [first]
        while acceptSymbol(",") {
            if checkKeyword("in") { break }
            items.append(try parseTarget())
        }
        return Expression(kind: .tuple(items), location: location)
    }

    // MARK: Expressions

    package mutating func parseExpression() throws -> Expression {
        let location = current.location
        let value = try parseOr()
        if acceptKeyword("if") {
            let condition = try parseOr()
            guard acceptKeyword("else") else { throw error("expected 'else' in a conditional expression") }
            let otherwise = try parseExpression()
            return Expression(kind: .ternary(condition: condition, then: value, otherwise: otherwise), location: location)
        }
        return value
    }

    private mutating func parseOr() throws -> Expression {
        var left = try parseAnd()
        while checkKeyword("or") {
            let location = current.location
            advance()
            left = Expression(kind: .binary("or", left, try parseAnd()), location: location)
        }
        return left
    }

    private mutating func parseAnd() throws -> Expression {
        var left = try parseNot()
        while checkKeyword("and") {
            let location = current.location
            advance()
            left = Expression(kind: .binary("and", left, try parseNot()), location: location)
        }
        return left
    }

    private mutating func parseNot() throws -> Expression {
        if checkKeyword("not") {
            let location = current.location
            advance()
            return Expression(kind: .unary("not", try parseNot()), location: location)
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws -> Expression {
        var left = try parseBinary(level: 0)
        while true {
            let location = current.location
            var op: String?
            for symbol in ["==", "!=", "<=", ">=", "<", ">"] where checkSymbol(symbol) { op = symbol }
            if op != nil {
                advance()
            } else if checkKeyword("in") {
                advance()
                op = "in"
            } else if checkKeyword("is") {
                advance()
                op = acceptKeyword("not") ? "is not" : "is"
            } else if checkKeyword("not"), index + 1 < tokens.count, tokens[index + 1].kind == .keyword("in") {
                advance()
                advance()
                op = "not in"
            }
            guard let op else { return left }
            left = Expression(kind: .binary(op, left, try parseBinary(level: 0)), location: location)
        }
    }

    private static let binaryLevels: [[String]] = [["|"], ["^"], ["&"], ["<<", ">>"], ["+", "-"], ["*", "/", "//", "%", "@"]]

    private mutating func parseBinary(level: Int) throws -> Expression {
        guard level < Self.binaryLevels.count else { return try parseUnary() }
        var left = try parseBinary(level: level + 1)
        while let op = Self.binaryLevels[level].first(where: { checkSymbol($0) }) {
            let location = current.location
            advance()
            left = Expression(kind: .binary(op, left, try parseBinary(level: level + 1)), location: location)
        }
        return left
    }

    private mutating func parseUnary() throws -> Expression {
        let location = current.location
        if checkSymbol("-") {
            advance()
            let operand = try parseUnary()
            // A minus folds into a number literal, so -9223372036854775808 is representable.
            switch operand.kind {
            case .integer(let value): return Expression(kind: .integer(0 &- value), location: location)
            case .float(let value): return Expression(kind: .float(-value), location: location)
            default: return Expression(kind: .unary("-", operand), location: location)
            }
        }
        if checkSymbol("+") || checkSymbol("~") {
            let op = advance()
            guard case .symbol(let symbol) = op.kind else { throw error("unreachable") }
            return Expression(kind: .unary(symbol, try parseUnary()), location: location)
        }
        if checkSymbol("*") {
            advance()
            return Expression(kind: .starred(try parseUnary()), location: location)
        }
        return try parsePower()
    }

    private mutating func parsePower() throws -> Expression {
        let base = try parsePostfix()
        if checkSymbol("**") {
            let location = current.location
            advance()
            return Expression(kind: .binary("**", base, try parseUnary()), location: location)
        }
        return base
    }

    private mutating func parsePostfix() throws -> Expression {
        var value = try parseAtom()
        while true {
            let location = current.location
            if acceptSymbol(".") {
                value = Expression(kind: .attribute(value, try identifier("an attribute name")), location: location)
            } else if acceptSymbol("(") {
                var arguments: [Expression] = []
                var keywords: [(String, Expression)] = []
                while !checkSymbol(")") {
                    if case .identifier(let name) = current.kind, index + 1 < tokens.count, tokens[index + 1].kind == .symbol("=") {
                        advance()
                        advance()
                        keywords.append((name, try parseExpression()))
                    } else {
                        arguments.append(try parseExpression())
                    }
                    if !acceptSymbol(",") { break }
                }
                try expectSymbol(")")
                value = Expression(kind: .call(value, arguments, keywords), location: location)
            } else if acceptSymbol("[") {
                var indices: [Expression] = []
                while !checkSymbol("]") {
                    indices.append(try parseSubscriptItem())
                    if !acceptSymbol(",") { break }
                }
                try expectSymbol("]")
                value = Expression(kind: .subscript(value, indices), location: location)
            } else {
                return value
            }
        }
    }

    private mutating func parseSubscriptItem() throws -> Expression {
        let location = current.location
        var start: Expression?
        if !checkSymbol(":") { start = try parseExpression() }
        guard acceptSymbol(":") else { return start! }
        var end: Expression?
        var step: Expression?
        if !checkSymbol(":") && !checkSymbol("]") && !checkSymbol(",") { end = try parseExpression() }
        if acceptSymbol(":"), !checkSymbol("]") && !checkSymbol(",") { step = try parseExpression() }
        return Expression(kind: .slice(start, end, step), location: location)
    }

    private mutating func parseAtom() throws -> Expression {
        let token = current
        let location = token.location
        switch token.kind {
        case .identifier(let name):
            advance()
            return Expression(kind: .name(name), location: location)
        case .integer(let value):
            advance()
            return Expression(kind: .integer(value), location: location)
        case .float(let value):
            advance()
            return Expression(kind: .float(value), location: location)
        case .imaginary(let value):
            advance()
            return Expression(kind: .imaginary(value), location: location)
        case .string(let bytes):
            advance()
            return Expression(kind: .string(bytes), location: location)
        case .keyword("True"), .keyword("False"):
            advance()
            return Expression(kind: .bool(token.kind == .keyword("True")), location: location)
        case .keyword("None"):
            advance()
            return Expression(kind: .none, location: location)
        case .symbol("..."):
            advance()
            return Expression(kind: .ellipsis, location: location)
        case .symbol("("):
            advance()
            if acceptSymbol(")") { return Expression(kind: .tuple([]), location: location) }
            let first = try parseExpression()
            if acceptSymbol(")") { return first }
            var items = [first]
            while acceptSymbol(",") {
                if checkSymbol(")") { break }
                items.append(try parseExpression())
            }
            try expectSymbol(")")
            return Expression(kind: .tuple(items), location: location)
        case .symbol("["):
            advance()
            var items: [Expression] = []
            while !checkSymbol("]") {
                let item = try parseExpression()
                if acceptKeyword("for") {
                    let target = try parseTargetList()
                    guard acceptKeyword("in") else { throw error("expected 'in' in a list comprehension") }
                    let iterable = try parseOr()
                    try expectSymbol("]")
                    return Expression(kind: .listComprehension(item, target: target, iterable: iterable), location: location)
                }
                items.append(item)
                if !acceptSymbol(",") { break }
            }
            try expectSymbol("]")
            return Expression(kind: .list(items), location: location)
        case .symbol("{"):
            advance()
            var entries: [(Expression, Expression)] = []
            while !checkSymbol("}") {
                let key = try parseExpression()
                try expectSymbol(":")
                entries.append((key, try parseExpression()))
                if !acceptSymbol(",") { break }
            }
            try expectSymbol("}")
            return Expression(kind: .dict(entries), location: location)
        default:
            throw error("expected an expression, found \(describe(token))")
        }
    }
}
