import FlintScript
import FlintTensor
import FlintValues

/// An operator's implementation. It receives the arguments bound to its schema (defaults filled in) and
/// returns its result: `.none` for no result, a `.tuple` for several.
package typealias OperatorBody = @Sendable (Arguments) throws -> ScriptValue

/// An operator's form that writes its one tensor result into a given destination instead of returning a
/// new tensor: an execution plan's arena buffer. The destination is contiguous, has the result's dtype and
/// shape (fixed by the plan's input signature), and overlaps no argument. Declared beside the body for the
/// operators whose result is a new tensor (never a view of an argument). `to` returns its argument when
/// it already has the dtype asked for: a recorded graph keeps the body of a call that returned an argument.
package typealias OperatorWriter = @Sendable (Arguments, Tensor) throws -> Void

/// An operator's result shape and dtype from its arguments alone, without computing the result; nil where
/// it cannot tell (the body then runs). Declared for costly operators, so that the run that records a graph
/// can stand a placeholder in for their results (`TraceRecorder`). It never accepts arguments its body would
/// refuse: it checks them as the body does (or declines).
package typealias OperatorShapeFunction = @Sendable (Arguments) throws -> (shape: [Int], dtype: DType)?

/// Both forms of an operator from one computation that takes an optional destination (nil: make the
/// result) and returns the result. Should a path make its own tensor after all (a dtype without an `into:`
/// kernel), the writer copies that into the destination: a writer never leaves its destination unwritten.
package func operatorForms(
    _ compute: @escaping @Sendable (Arguments, Tensor?) throws -> Tensor
) -> (body: OperatorBody, writer: OperatorWriter) {
    ({ .tensor(try compute($0, nil)) }, { arguments, destination in
        let result = try compute(arguments, destination)
        if result.storage !== destination.storage || result.storageOffset != destination.storageOffset || result.strides != destination.strides {
            try destination.copy(from: result)
        }
    })
}

/// Every operator Flint knows: torch 2.15's schemas (``torchOperatorSchemas``) and the implementations
/// declared in this module, keyed by qualified name (`aten::add.Tensor`).
///
/// Lookups by name happen only while a program is compiled; a compiled call holds its body directly.
package final class OperatorRegistry: @unchecked Sendable {
    /// The registry with every operator this module declares.
    package static let standard = OperatorRegistry(definitions: OperatorDefinitions.standard)

    /// Schemas declared here for operators torch's table lacks.
    private let extraOverloads: [String: [OperatorSchema]]
    private let bodies: [String: OperatorBody]
    private let writers: [String: OperatorWriter]
    private let shapeFunctions: [String: OperatorShapeFunction]
    /// The operators (`aten::rand`) some overload of which was declared as a refusal.
    private let refusedOperators: Set<String>

    init(definitions: OperatorDefinitions) {
        precondition(definitions.duplicates.isEmpty, "operators declared more than once: \(definitions.duplicates.joined(separator: ", "))")
        var extra: [String: [OperatorSchema]] = [:]
        for line in definitions.extraSchemas {
            guard let schema = try? OperatorSchema(parsing: line) else { continue }
            extra[schema.name, default: []].append(schema)
        }
        extraOverloads = extra
        bodies = definitions.bodies
        writers = definitions.writers
        shapeFunctions = definitions.shapeFunctions
        refusedOperators = Set(definitions.refusals.map { String($0.prefix { $0 != "." }) })
    }

    /// All overloads of an operator (`aten::add`), in registration order.
    package func overloads(of name: String) -> [OperatorSchema] {
        TorchSchemaTable.overloads(of: name) + (extraOverloads[name] ?? [])
    }

    /// The implementation of one overload, or nil when Flint has none. Out overloads (`aten::add.out`) run their
    /// functional sibling's body (``OutVariant``).
    package func body(for schema: OperatorSchema) -> OperatorBody? {
        bodies[schema.qualifiedName] ?? OutVariant.body(for: schema, overloads: overloads(of: schema.name), bodies: bodies)
    }

    /// The form of an overload that writes into a given destination, where it has one.
    package func writer(for schema: OperatorSchema) -> OperatorWriter? { writers[schema.qualifiedName] }

    /// The implementation registered under a qualified name.
    package func body(named qualifiedName: String) -> OperatorBody? { bodies[qualifiedName] }

    /// The writer form registered under a qualified name, if the operator has one.
    package func writer(named qualifiedName: String) -> OperatorWriter? { writers[qualifiedName] }

    /// The result shape function registered under a qualified name, if the operator has one.
    package func shapeFunction(named qualifiedName: String) -> OperatorShapeFunction? { shapeFunctions[qualifiedName] }

    /// The implemented names that only refuse: every overload, out and in-place ones included, of an operator declared
    /// with ``OperatorDefinitions/defineRefusal(_:_:)``.
    package var refusedNames: Set<String> {
        Set(implementedNames.filter { refusedOperators.contains(String($0.prefix { $0 != "." })) })
    }

    /// Qualified names of the operators declared here with their own schema (not in torch's table).
    package var extraSchemaNames: Set<String> { Set(extraOverloads.values.joined().map(\.qualifiedName)) }

    /// Qualified names with an implementation: those declared, and the out overloads derived from them (found by
    /// parsing torch's table: for tools and tests, not for loading).
    package var implementedNames: [String] {
        let derived = TorchSchemaTable.textByQualifiedName.keys.filter { name in
            guard bodies[name] == nil, name.contains(".") else { return false }
            let base = String(name.prefix { $0 != "." })
            guard let schema = overloads(of: base).first(where: { $0.qualifiedName == name }) else { return false }
            return body(for: schema) != nil
        }
        return Array(bodies.keys) + derived
    }

}

/// torch's schema table. Lines are indexed by operator name once (a string scan); each operator's
/// overloads are parsed the first time they are asked for, so a load pays only for the operators its
/// code calls.
package enum TorchSchemaTable {
    /// The torch release the table was generated from (`Tools/fixtures/make_schema_table.py`).
    package static let torchVersion = "2.15"

    /// The schema text of each qualified name (`aten::add.Tensor`), as torch prints it.
    package static let textByQualifiedName: [String: String] = index.text

    private static let index: (lines: [String: [Substring]], text: [String: String]) = {
        var lines: [String: [Substring]] = [:]
        var text: [String: String] = [:]
        // About 4,400 lines for 2,600 names: room made once instead of the dictionaries growing 13 times.
        lines.reserveCapacity(3072)
        text.reserveCapacity(6144)
        // Scanned as bytes through the table's UTF-8 buffer (it is ASCII), by offset: splitting by Character
        // would cost tens of milliseconds of every process's first load, and the generic `firstIndex(of:)`
        // over a `String.UTF8View` slice a few.
        var table = torchOperatorSchemas
        let utf8 = table.utf8
        func index(_ offset: Int) -> String.Index { utf8.index(utf8.startIndex, offsetBy: offset) }
        let ranges: [(qualified: Range<Int>, name: Range<Int>, line: Range<Int>)] = table.withUTF8 { bytes in
            var found: [(Range<Int>, Range<Int>, Range<Int>)] = []
            found.reserveCapacity(4608)
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
                defer { start = end + 1 }
                var open = start
                while open < end && bytes[open] != UInt8(ascii: "(") { open += 1 }
                var separator: Int?
                var scan = start
                while scan + 1 < open {
                    if bytes[scan] == UInt8(ascii: ":") && bytes[scan + 1] == UInt8(ascii: ":") {
                        separator = scan + 2
                        break
                    }
                    scan += 1
                }
                guard open < end, let separator else { continue }
                var nameEnd = separator
                while nameEnd < open && bytes[nameEnd] != UInt8(ascii: ".") { nameEnd += 1 }
                found.append((start..<open, start..<nameEnd, start..<end))
            }
            return found
        }
        for (qualifiedRange, nameRange, lineRange) in ranges {
            let qualified = String(table[index(qualifiedRange.lowerBound)..<index(qualifiedRange.upperBound)])
            guard text[qualified] == nil else { continue }
            let line = table[index(lineRange.lowerBound)..<index(lineRange.upperBound)]
            text[qualified] = String(line)
            lines[String(table[index(nameRange.lowerBound)..<index(nameRange.upperBound)]), default: []].append(line)
        }
        return (lines, text)
    }()

    private static let lock = Lock()
    nonisolated(unsafe) private static var parsed: [String: [OperatorSchema]] = [:]

    /// Every overload of an operator name (`aten::add`) in registration order; empty for unknown names.
    /// (A handful of lines, e.g. `prim::PythonOp(...) -> ...`, are internal operators that do not parse
    /// and that printed code never calls.)
    package static func overloads(of name: String) -> [OperatorSchema] {
        if let known = lock.withLock({ parsed[name] }) { return known }
        let schemas = (index.lines[name] ?? []).compactMap { try? OperatorSchema(parsing: String($0)) }
        lock.withLock { parsed[name] = schemas }
        return schemas
    }


    /// The overloads of `name` none of whose arguments is a tensor (the scalar, list and string builtins).
    package static func nonTensorOverloads(of name: String) -> [OperatorSchema] {
        overloads(of: name).filter { schema in
            !schema.arguments.contains { $0.type.mentionsTensor } && !schema.returns.contains { $0.type.mentionsTensor }
        }
    }
}

extension OperatorSchema.SchemaType {
    /// Whether the type is a list (`int[]`, `Tensor[]`, ...).
    package var isList: Bool {
        if case .list = self { true } else { false }
    }

    /// Whether the type is or contains `Tensor`.
    package var mentionsTensor: Bool {
        switch self {
        case .named(let name): name == "Tensor"
        case .list(let element, _): element.mentionsTensor
        case .optional(let wrapped): wrapped.mentionsTensor
        case .dict(let key, let value): key.mentionsTensor || value.mentionsTensor
        case .tuple(let items): items.contains { $0.mentionsTensor }
        case .wrapper(_, let inner): inner.mentionsTensor
        }
    }
}

/// The declarations of operator implementations. Each declaration names one schema of torch's table (or
/// adds a schema, for the few builtins torch registers without one) and gives its body.
package struct OperatorDefinitions {
    private(set) var bodies: [String: OperatorBody] = [:]
    /// Writer forms (``OperatorWriter``), by qualified name; each belongs to a body declared with it.
    private(set) var writers: [String: OperatorWriter] = [:]
    /// Result shape functions (``OperatorShapeFunction``), by qualified name; each belongs to a declared body.
    private(set) var shapeFunctions: [String: OperatorShapeFunction] = [:]
    private(set) var extraSchemas: [String] = []
    /// Names declared with a body that refuses every call (``defineRefusal(_:_:)``).
    private(set) var refusals: Set<String> = []
    /// Names declared more than once, in order: an error (``OperatorRegistry`` refuses such definitions), since
    /// the later declaration would silently replace the earlier one.
    package private(set) var duplicates: [String] = []

    package init() {}

    /// Declares the implementation of the schema `qualifiedName` (`aten::add.Tensor`), once.
    package mutating func define(_ qualifiedName: String, _ body: @escaping OperatorBody) {
        if bodies.updateValue(body, forKey: qualifiedName) != nil { duplicates.append(qualifiedName) }
    }

    /// Declares an operator with both its forms: `body` returns a new result, `writer` writes the same
    /// result into a given destination.
    package mutating func define(_ qualifiedName: String, _ body: @escaping OperatorBody, writer: @escaping OperatorWriter) {
        define(qualifiedName, body)
        writers[qualifiedName] = writer
    }

    /// Declares `alias` as another name of the operator `original` (declared before): its body, and its
    /// writer form and result shape function where it has them.
    package mutating func defineAlias(_ alias: String, of original: String) {
        guard let body = bodies[original] else { preconditionFailure("an alias of \(original), which has no body") }
        define(alias, body)
        if let writer = writers[original] { writers[alias] = writer }
        if let shape = shapeFunctions[original] { shapeFunctions[alias] = shape }
    }

    /// Declares the result shape function of operators declared with their bodies, once each.
    package mutating func declareResultShape(_ qualifiedNames: [String], _ function: @escaping OperatorShapeFunction) {
        for name in qualifiedNames {
            precondition(bodies[name] != nil, "a result shape for \(name), which has no body")
            if shapeFunctions.updateValue(function, forKey: name) != nil { duplicates.append(name + " (result shape)") }
        }
    }

    /// Declares operators Flint knows but refuses to run, with a body that throws the reason: they load, and fail
    /// only when called. The coverage figure does not count them as implemented (``SchemaCoverage``).
    package mutating func defineRefusal(_ qualifiedNames: [String], _ body: @escaping OperatorBody) {
        define(qualifiedNames, body)
        refusals.formUnion(qualifiedNames)
    }

    /// Declares one implementation shared by several overloads.
    package mutating func define(_ qualifiedNames: [String], _ body: @escaping OperatorBody) {
        for name in qualifiedNames { define(name, body) }
    }

    /// Declares one implementation, with its writer form, shared by several overloads.
    package mutating func define(_ qualifiedNames: [String], _ body: @escaping OperatorBody, writer: @escaping OperatorWriter) {
        for name in qualifiedNames { define(name, body, writer: writer) }
    }

    /// Declares an operator together with its schema text, for operators torch's table lacks.
    package mutating func define(schema: String, _ body: @escaping OperatorBody) {
        extraSchemas.append(schema)
        guard let parsed = try? OperatorSchema(parsing: schema) else { preconditionFailure("malformed schema \(schema)") }
        define(parsed.qualifiedName, body)
    }

    package subscript(qualifiedName: String) -> OperatorBody? { bodies[qualifiedName] }

    /// Every qualified name declared so far.
    package var names: Dictionary<String, OperatorBody>.Keys { bodies.keys }

    /// Every operator this module declares.
    package static var standard: OperatorDefinitions {
        var definitions = OperatorDefinitions()
        definitions.defineTensorOperators()
        definitions.defineScalarOperators()
        definitions.defineContainerOperators()
        definitions.defineStringOperators()
        definitions.definePrimitiveOperators()
        definitions.defineTensorPropertyOperators()
        definitions.defineComplexScalarOperators()
        definitions.defineInterpreterPrimitiveOperators()
        definitions.defineHashOperators()
        definitions.defineRuntimeEnvironmentOperators()
        definitions.defineForeachOperators()
        return definitions
    }
}
