/// The syntax tree of printed TorchScript (`torch/csrc/jit/frontend/tree_views.h`). Every node carries
/// the location of its first token, for error carets.
package struct Expression: Sendable {
    package indirect enum Kind: Sendable {
        case name(String)
        case integer(Int64)
        case float(Double)
        case imaginary(Double)
        case string([UInt8])
        case bool(Bool)
        case none
        case ellipsis
        /// `a.b`
        case attribute(Expression, String)
        /// `f(args, key=value)`; a starred argument is `.starred`.
        case call(Expression, [Expression], [(String, Expression)])
        /// `a[i]`, `a[i, j]`, `a[1:2]`: one entry per comma-separated index.
        case `subscript`(Expression, [Expression])
        /// `start:end:step` inside a subscript.
        case slice(Expression?, Expression?, Expression?)
        case unary(String, Expression)
        case binary(String, Expression, Expression)
        /// `a if condition else b`
        case ternary(condition: Expression, then: Expression, otherwise: Expression)
        case tuple([Expression])
        case list([Expression])
        case dict([(Expression, Expression)])
        case starred(Expression)
        /// `[element for target in iterable]`
        case listComprehension(Expression, target: Expression, iterable: Expression)
    }

    package let kind: Kind
    package let location: SourceLocation
}

package struct Statement: Sendable {
    package indirect enum Kind: Sendable {
        case expression(Expression)
        /// `a = b = value`, `a, b, = value`, `self.x = value`, `x[i] = value`
        case assign(targets: [Expression], value: Expression)
        /// `name : Type = value` (value optional only in class bodies)
        case annotatedAssign(target: Expression, type: Expression, value: Expression?)
        /// `x += value` and friends; the operator without `=`.
        case augmentedAssign(target: Expression, operator: String, value: Expression)
        case ifStatement(condition: Expression, then: [Statement], otherwise: [Statement])
        case whileLoop(condition: Expression, body: [Statement])
        case forLoop(target: Expression, iterable: Expression, body: [Statement])
        case returnStatement(Expression?)
        case raise(Expression?)
        case assert(Expression, message: Expression?)
        case pass
        case breakStatement
        case continueStatement
        case delete([Expression])
        case with(items: [(Expression, Expression?)], body: [Statement])
        case function(FunctionDefinition)
        case classDefinition(ClassDefinition)
    }

    package let kind: Kind
    package let location: SourceLocation
}

/// `def name(parameters) -> returnType: body`
package struct FunctionDefinition: Sendable {
    package struct Parameter: Sendable {
        package let name: String
        package let type: Expression?
        package let defaultValue: Expression?
        package let keywordOnly: Bool
        package let location: SourceLocation
    }

    package let name: String
    package let parameters: [Parameter]
    package let returnType: Expression?
    package let body: [Statement]
    package let location: SourceLocation
}

/// `class Name(Base): body`
package struct ClassDefinition: Sendable {
    package let name: String
    package let base: Expression?
    package let body: [Statement]
    package let location: SourceLocation
}

/// A parse error with its position.
package struct ParseError: Error, CustomStringConvertible, Sendable {
    package let location: SourceLocation
    package let message: String
    package var description: String { "\(location): \(message)" }
}
