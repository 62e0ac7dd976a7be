import FlintGraph
import FlintLoader
import FlintOperators
import FlintScript
import FlintValues

/// A loaded archive compiled for execution: every method the root module exposes, and what they call, is
/// compiled once at load into closures over frame slots with each operator already bound to its
/// implementation. Objects whose class defines `__setstate__` get it run here, as libtorch does on load.
///
/// Running is thread-safe: each call gets its own frame. (Models that mutate module attributes share
/// those objects across calls, as in libtorch.)
package final class Program: @unchecked Sendable {
    package let model: ScriptModel
    let registry: OperatorRegistry
    let lock = Lock()
    private var parsedRecords: [String: [Statement]] = [:]
    private var functions: [String: CompiledFunction] = [:]
    private var freeFunctions: [String: CompiledFunction] = [:]
    private var attributeTypes: [String: [String: ScriptType]] = [:]
    private var sourceLines: [String: [Substring]] = [:]
    private var debugTables: [String: SourceRangeTable?] = [:]
    private struct ExecutorKey: Hashable {
        let object: ObjectIdentifier
        let function: ObjectIdentifier
    }
    private var executors: [ExecutorKey: GraphExecutor] = [:]
    private let executorLock = Lock()
    /// Operators found missing while compiling (reported together).
    var missingOperators: [MissingOperatorsError.Missing] = []

    /// Compiles the root module's methods and runs pending `__setstate__` methods. Throws
    /// ``MissingOperatorsError`` listing every unimplemented operator the methods reach, ``CompileError``
    /// for unsupported code, or ``ScriptError`` when a `__setstate__` fails.
    package convenience init(model: ScriptModel, registry: OperatorRegistry = .standard) throws {
        try self.init(model: model, registry: registry, surveyOnly: false)
    }

    /// With `surveyOnly`, compiles without running `__setstate__` and without failing on missing
    /// operators: what ``OperatorSurvey`` needs to list every operator a model uses.
    init(model: ScriptModel, registry: OperatorRegistry, surveyOnly: Bool) throws {
        self.model = model
        self.registry = registry
        try lock.withLock {
            for object in model.objectsAwaitingSetState where object.type.hasSetState {
                _ = try compiledMethod("__setstate__", of: object.type)
            }
            for name in model.root.type.methods {
                _ = try compiledMethod(name, of: model.root.type)
            }
            if !missingOperators.isEmpty && !surveyOnly { throw MissingOperatorsError(operators: missingOperators) }
        }
        if !surveyOnly { try runPendingSetState() }
    }

    /// Every operator overload the compiled code calls, by qualified name: how many call sites, and whether
    /// Flint implements it. Calls resolved only at run time (arguments typed `Any`) appear by operator name.
    var operatorUses: [String: (count: Int, implemented: Bool)] = [:]

    /// The file format version (operator upgraders depend on it).
    var fileFormatVersion: Int { model.fileFormatVersion }

    // MARK: Running

    /// The object and compiled method a dotted path names: `forward`, `encoder.layer.0.forward`.
    package func resolve(method path: String) throws -> (object: ScriptObject, function: CompiledFunctionHandle) {
        var object = model.root
        let parts = path.split(separator: ".").map(String.init)
        guard let methodName = parts.last, !methodName.isEmpty else { throw CompileError("no method named '\(path)'") }
        for part in parts.dropLast() {
            guard case .object(let child)? = object.attribute(part) else {
                throw CompileError("'\(path)': \(object.type.qualifiedName) has no submodule '\(part)'")
            }
            object = child
        }
        guard object.type.outline.methods.contains(methodName) else {
            throw CompileError("'\(path)': \(object.type.qualifiedName) has no method '\(methodName)' (methods: \(object.type.methods.joined(separator: ", ")))")
        }
        let function = try lock.withLock { () throws -> CompiledFunction in
            let before = missingOperators.count
            let function = try compiledMethod(methodName, of: object.type)
            if missingOperators.count > before { throw MissingOperatorsError(operators: Array(missingOperators[before...])) }
            return function
        }
        return (object, CompiledFunctionHandle(function: function))
    }

    /// Runs a method on positional arguments (not counting `self`); missing trailing arguments take the
    /// method's defaults. Throws ``ScriptError`` with a rendered traceback.
    package func run(method path: String, arguments: [ScriptValue]) throws -> ScriptValue {
        let (object, handle) = try resolve(method: path)
        return try run(handle, on: object, arguments: arguments)
    }

    /// Runs a resolved method; with `useGraph` (and unless `FLINT_GRAPH=0`) through its graph executor.
    package func run(_ handle: CompiledFunctionHandle, on object: ScriptObject, arguments: [ScriptValue], useGraph: Bool = true) throws -> ScriptValue {
        let function = handle.function
        let arguments = try completeArguments(handle, arguments)
        // A local function, not a closure value: passed on as a non-escaping argument, its context needs no heap box.
        func interpret(_ arguments: [ScriptValue]) throws -> ScriptValue {
            do {
                return try function.invoke([.object(object)] + arguments)
            } catch var error as ScriptError {
                render(&error)
                throw error
            }
        }
        guard useGraph && GraphExecutor.isEnabled else { return try interpret(arguments) }
        return try graphExecutor(for: function, on: object).run(arguments, interpret: interpret)
    }

    /// The arguments after `self` as the method receives them: checked against the declared types (an int
    /// for a float becomes a float) and completed with the defaults of the parameters not given.
    package func completeArguments(_ handle: CompiledFunctionHandle, _ arguments: [ScriptValue]) throws -> [ScriptValue] {
        let function = handle.function
        let declared = function.parameters.count - 1
        guard arguments.count <= declared else {
            throw ScriptError(kind: .badInput, message: "\(function.name)() takes \(declared) argument\(declared == 1 ? "" : "s") but \(arguments.count) were given")
        }
        // The caller's array itself unless a value changes or a default is added (a steady call allocates nothing here).
        var bound = arguments
        for position in arguments.indices {
            let checked = try MethodArgumentCheck.checked(arguments[position], for: function.parameters[position + 1], position: position + 1, in: function)
            if case .int = arguments[position], case .double = checked { bound[position] = checked }
        }
        for parameter in function.parameters.dropFirst(bound.count + 1) {
            guard let value = parameter.defaultValue else {
                throw ScriptError(kind: .badInput, message: "\(function.name)() is missing argument '\(parameter.name)' of type \(parameter.type)")
            }
            bound.append(value)
        }
        return bound
    }

    /// The graph executor of one method on one object (its parameters are the graph's constants).
    func graphExecutor(for function: CompiledFunction, on object: ScriptObject) -> GraphExecutor {
        let key = ExecutorKey(object: ObjectIdentifier(object), function: ObjectIdentifier(function))
        return executorLock.withLock {
            if let known = executors[key] { return known }
            let executor = GraphExecutor()
            executors[key] = executor
            return executor
        }
    }

    private func runPendingSetState() throws {
        for object in model.objectsAwaitingSetState {
            guard let state = object.pendingState else { continue }
            let function = try lock.withLock { try compiledMethod("__setstate__", of: object.type) }
            object.pendingState = nil
            do {
                _ = try function.invoke([.object(object), state])
            } catch var error as ScriptError {
                render(&error)
                throw error
            }
        }
    }

    // MARK: Compilation (callers hold the lock)

    /// The compiled method `name` of a class, compiling it (and what it calls) on first use.
    func compiledMethod(_ name: String, of type: ClassType) throws -> CompiledFunction {
        let key = type.qualifiedName + "." + name
        if let known = functions[key] { return known }
        guard let definition = try classDefinition(of: type).body.lazy.compactMap({ statement -> FunctionDefinition? in
            if case .function(let f) = statement.kind, f.name == name { return f }
            return nil
        }).first else {
            throw CompileError("class \(type.qualifiedName) has no method \(name)", record: type.sourceRecord)
        }
        return try compile(definition, key: key, record: type.sourceRecord, selfType: .object(type.qualifiedName))
    }

    /// A free function `__torch__.a.b.f` defined at the top level of a `code/` record, declared but not yet
    /// compiled: call sites compile it through ``specialized(_:constants:)`` with their constant arguments.
    func freeFunction(qualifiedName: String) throws -> CompiledFunction? {
        if let known = freeFunctions[qualifiedName] { return known }
        guard let dot = qualifiedName.lastIndex(of: ".") else { return nil }
        let record = ClassRegistry.codeRecord(forNamespace: String(qualifiedName[..<dot]))
        guard model.archive.hasRecord(record) else { return nil }
        let name = String(qualifiedName[qualifiedName.index(after: dot)...])
        guard let definition = try statements(of: record).lazy.compactMap({ statement -> FunctionDefinition? in
            if case .function(let f) = statement.kind, f.name == name { return f }
            return nil
        }).first else { return nil }
        let function = try declare(definition, key: qualifiedName, record: record, selfType: nil, constants: [:])
        freeFunctions[qualifiedName] = function
        return function
    }

    private func compile(
        _ definition: FunctionDefinition, key: String, record: String, selfType: ScriptType?, constants: [Int: ScriptValue] = [:]
    ) throws -> CompiledFunction {
        let function = try declare(definition, key: key, record: record, selfType: selfType, constants: constants)
        functions[key] = function
        var compiler = FunctionCompiler(program: self, function: function)
        try compiler.compileBody(definition.body)
        return function
    }

    /// A function's signature, ready for its body to be compiled.
    private func declare(
        _ definition: FunctionDefinition, key: String, record: String, selfType: ScriptType?, constants: [Int: ScriptValue]
    ) throws -> CompiledFunction {
        var parameters: [CompiledFunction.Parameter] = []
        for (i, parameter) in definition.parameters.enumerated() {
            let type: ScriptType
            if i == 0, let selfType, parameter.name == "self" {
                type = selfType
            } else if let annotation = parameter.type {
                type = try scriptType(annotation, record: record)
            } else {
                type = .tensor
            }
            let defaultValue = try parameter.defaultValue.map { try ConstantExpression.evaluate($0, record: record) }
            parameters.append(.init(name: parameter.name, type: type, defaultValue: defaultValue))
        }
        let returnType = try definition.returnType.map { try scriptType($0, record: record) } ?? .none
        let function = CompiledFunction(name: definition.name, qualifiedName: key, record: record, parameters: parameters, returnType: returnType)
        function.definition = definition
        function.selfType = selfType
        function.constantParameters = constants
        return function
    }

    /// A copy of a free function compiled with some parameters fixed to constants, so branches that depend
    /// on them fold away (TorchScript's library functions such as `F.interpolate` switch on a `mode` string).
    func specialized(_ function: CompiledFunction, constants: [Int: ScriptValue]) throws -> CompiledFunction {
        guard let definition = function.definition else { return function }
        let signature = constants.keys.sorted().map { "\($0)=\(constants[$0]!.pythonString(quoted: true))" }.joined(separator: ",")
        let key = constants.isEmpty ? function.qualifiedName : function.qualifiedName + "[" + signature + "]"
        if let known = functions[key] { return known }
        return try compile(definition, key: key, record: function.record, selfType: function.selfType, constants: constants)
    }

    func scriptType(_ annotation: Expression, record: String) throws -> ScriptType {
        do {
            return try ScriptType(annotation: annotation)
        } catch let error as ParseError {
            throw CompileError(error.message, record: record, at: error.location)
        }
    }

    /// The declared type of an attribute of a class.
    func attributeType(_ name: String, of type: ClassType) -> ScriptType? {
        if let cached = attributeTypes[type.qualifiedName] { return cached[name] }
        var types: [String: ScriptType] = [:]
        for attribute in type.attributes {
            types[attribute.name] = (try? ScriptType(parsing: attribute.type)) ?? .any
        }
        attributeTypes[type.qualifiedName] = types
        return types[name]
    }

    func classType(_ qualifiedName: String) -> ClassType? {
        try? model.classes.classType(qualifiedName)
    }

    private func classDefinition(of type: ClassType) throws -> ClassDefinition {
        for statement in try statements(of: type.sourceRecord) {
            if case .classDefinition(let definition) = statement.kind, definition.name == type.name { return definition }
        }
        throw CompileError("class \(type.name) is not defined", record: type.sourceRecord)
    }

    private func statements(of record: String) throws -> [Statement] {
        if let known = parsedRecords[record] { return known }
        let text = try model.sourceText(ofRecord: record)
        do {
            let parsed = try Parser.parseFile(text)
            parsedRecords[record] = parsed
            sourceLines[record] = text.split(separator: "\n", omittingEmptySubsequences: false)
            return parsed
        } catch let error as ParseError {
            throw CompileError("cannot parse: \(error.message)", record: record, at: error.location)
        } catch let error as LexerError {
            throw CompileError("cannot read: \(error.message)", record: record, at: error.location)
        }
    }

    // MARK: Tracebacks

    /// libtorch's two-part traceback: the printed code, then (from `.debug_pkl`) the user's original code;
    /// records the innermost original location on the error.
    func render(_ error: inout ScriptError) {
        var innermost: (file: String, line: Int, code: String)?
        error.traceback = renderTraceback(error, innermost: &innermost)
        error.originalLocation = innermost
    }

    private func renderTraceback(_ error: ScriptError, innermost: inout (file: String, line: Int, code: String)?) -> String {
        lock.withLock {
            var serialized = "Traceback of TorchScript, serialized code (most recent call last):\n"
            var original = ""
            for frame in error.frames.reversed() {
                serialized += "  File \"\(frame.record)\", line \(frame.location.line), in \(frame.function.split(separator: ".").last ?? "")\n"
                if let line = sourceLines[frame.record].flatMap({ frame.location.line - 1 < $0.count ? $0[frame.location.line - 1] : nil }) {
                    serialized += "    \(line.drop(while: { $0 == " " }))\n"
                    serialized += "    " + String(repeating: " ", count: max(0, frame.location.column - 1 - (line.count - line.drop(while: { $0 == " " }).count)))
                        + "~~~~ <--- HERE\n"
                }
                if let table = debugTable(frame.record), let entry = table.entry(atCodeOffset: frame.location.offset),
                    let location = table.location(of: entry), location.filename != nil, !location.lineText.isEmpty
                {
                    innermost = (location.filename!, location.line, String(location.lineText.drop(while: { $0 == " " })))
                    original += "  File \"\(location.filename ?? "<unknown>")\", line \(location.line), in \(frame.function.split(separator: ".").last ?? "")\n"
                    original += "    \(location.lineText.drop(while: { $0 == " " }))\n"
                }
            }
            var text = serialized
            if !original.isEmpty { text += "\nTraceback of TorchScript, original code (most recent call last):\n" + original }
            return text + error.summary
        }
    }

    private func debugTable(_ record: String) -> SourceRangeTable? {
        if let known = debugTables[record] { return known }
        let table = try? model.sourceRanges(ofRecord: record)
        debugTables[record] = table
        return table
    }
}

/// A compiled method, as handed to callers outside the runtime.
package struct CompiledFunctionHandle: @unchecked Sendable {
    let function: CompiledFunction

    /// Parameter names and declared types, `self` excluded.
    package var parameters: [(name: String, type: ScriptType, hasDefault: Bool)] {
        function.parameters.dropFirst().map { ($0.name, $0.type, $0.defaultValue != nil) }
    }

    package var returnType: ScriptType { function.returnType }
}

extension Program {
    /// The method a call through an interface type reaches on an object's actual class.
    func methodForDynamicCall(_ name: String, of type: ClassType) throws -> CompiledFunction {
        try lock.withLock { try compiledMethod(name, of: type) }
    }
}

extension Program {
    /// The graph executor of a resolved method on its object (for `inspect --graph` and tests).
    package func graphExecutor(for handle: CompiledFunctionHandle, on object: ScriptObject) -> GraphExecutor {
        graphExecutor(for: handle.function, on: object)
    }
}
