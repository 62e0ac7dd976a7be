import FlintGraph
import FlintLoader
import FlintOperators
import FlintScript
import FlintTensor
import FlintValues

extension FunctionCompiler {
    /// A call expression: a builtin form, an operator (`torch.*`, `ops.*`, `math.*`, a method on a value),
    /// a method of a module or class object, a class constructor or a free function.
    mutating func compileCallExpression(
        _ callee: Expression, _ arguments: [Expression], _ keywords: [(String, Expression)], expected: ScriptType?, at location: SourceLocation
    ) throws -> Typed {
        if case .name(let name) = callee.kind {
            guard let variable = variables[name] else {
                return try compileBuiltinCall(name, arguments, keywords, expected: expected, at: location)
            }
            // A variable holding a free function (`_0 = __torch__.torch.nn.functional.relu`).
            if case .other(let text) = variable.type, text.hasPrefix(Self.functionTypePrefix) {
                return try compileQualifiedCall(String(text.dropFirst(Self.functionTypePrefix.count)), arguments, keywords, at: location)
            }
            throw fail("'\(name)' is not callable", location)
        }
        guard case .attribute(let base, let method) = callee.kind else { throw fail("unsupported call", location) }
        if let dotted = Self.dottedName(base), variables[String(dotted.split(separator: ".")[0])] == nil {
            switch dotted {
            case "torch": return try compileOperatorCall("aten::" + method, positional: arguments, keywords: keywords, at: location)
            case "math": return try compileOperatorCall("aten::" + method, positional: arguments, keywords: keywords, at: location)
            case "ops.aten": return try compileOperatorCall("aten::" + method, positional: arguments, keywords: keywords, at: location)
            case "ops.prim": return try compilePrimCall(method, arguments, keywords, at: location)
            default:
                if dotted.hasPrefix("ops.") {
                    return try compileOperatorCall(dotted.dropFirst(4) + "::" + method, positional: arguments, keywords: keywords, at: location)
                }
                if dotted.hasPrefix("__torch__") {
                    // `__torch__.Point.__new__(__torch__.Point)`: an uninitialized object; `__init__` follows.
                    if method == "__new__", let type = program.classType(dotted) {
                        return Typed(evaluate: { _ in .object(ScriptObject(type: type)) }, type: .object(dotted))
                    }
                    return try compileQualifiedCall(dotted + "." + method, arguments, keywords, at: location)
                }
            }
        }
        let receiver = try compileExpression(base)
        let positional = try arguments.map { try compileExpression($0) }
        let named = try keywords.map { ($0.0, try compileExpression($0.1)) }
        if case .object(let className) = receiver.type, let type = program.classType(className),
            type.outline.kind != .enumeration && type.outline.kind != .namedTuple
        {
            return try compileMethodCall(receiver, type, method, positional, named, at: location)
        }
        if receiver.type == .tensor && method == "tolist" {
            return try compileCall("prim::tolist", arguments: [receiver, .constant(.int(0), .int), .constant(.int(0), .int)], keywords: [], at: location)
        }
        return try compileCall("aten::" + method, arguments: [receiver] + positional, keywords: named, at: location)
    }

    mutating func compileOperatorCall(
        _ name: String, positional: [Expression], keywords: [(String, Expression)], at location: SourceLocation
    ) throws -> Typed {
        let arguments = try positional.map { try compileExpression($0) }
        let named = try keywords.map { ($0.0, try compileExpression($0.1)) }
        return try compileCall(name, arguments: arguments, keywords: named, at: location)
    }

    /// `ops.prim.*` calls that are forms rather than operators.
    mutating func compilePrimCall(_ name: String, _ arguments: [Expression], _ keywords: [(String, Expression)], at location: SourceLocation) throws -> Typed {
        switch name {
        case "Print":
            return try compileBuiltinCall("print", arguments, keywords, expected: nil, at: location)
        case "unchecked_cast", "unchecked_unwrap_optional" where arguments.count == 1:
            let value = try compileExpression(arguments[0])
            return Typed(evaluate: value.evaluate, type: value.type.unwrappedOptional)
        case "isinstance":
            return try compileBuiltinCall("isinstance", arguments, keywords, expected: nil, at: location)
        default:
            return try compileOperatorCall("prim::" + name, positional: arguments, keywords: keywords, at: location)
        }
    }

    /// The static type of a reference to a free function (functions are not values at run time).
    static let functionTypePrefix = "function "

    // MARK: Builtins

    mutating func compileBuiltinCall(
        _ name: String, _ arguments: [Expression], _ keywords: [(String, Expression)], expected: ScriptType?, at location: SourceLocation
    ) throws -> Typed {
        switch name {
        case "annotate", "unchecked_cast":
            guard arguments.count == 2 else { throw fail("\(name) takes a type and a value", location) }
            let type = try program.scriptType(arguments[0], record: record)
            let value = try compileExpression(arguments[1], expected: type)
            // The printer shows implicit tensor→number conversions (`aten::ScalarImplicit` and friends) as
            // `annotate(number, t)`: convert tensors where a number is declared.
            let conversion: String? = switch type {
            case .int: "aten::IntImplicit"
            case .float: "aten::FloatImplicit"
            case .number: "aten::ScalarImplicit"
            default: nil
            }
            if name == "annotate", value.type == .tensor || value.type == .any, let conversion,
                let body = program.registry.body(named: conversion).map({ TraceRecorder.recording($0, operation: conversion) })
            {
                let raw = value.evaluate
                let trace = traceFrame(location)
                return Typed(evaluate: { frame in
                    let v = try raw(frame)
                    guard case .tensor = v else { return v }
                    do { return try body(Arguments([v])) } catch { throw ScriptError.wrap(error, operation: conversion, at: trace) }
                }, type: type)
            }
            return Typed(evaluate: value.evaluate, type: type, constant: value.constant)
        case "uninitialized":
            guard arguments.count == 1 else { throw fail("uninitialized takes a type", location) }
            return Typed(evaluate: { _ in .none }, type: try program.scriptType(arguments[0], record: record))
        case "isinstance":
            guard arguments.count == 2 else { throw fail("isinstance takes a value and a type", location) }
            let value = try compileExpression(arguments[0])
            let typeExpressions = if case .tuple(let items) = arguments[1].kind { items } else { [arguments[1]] }
            // The bare builtin names `list`, `dict` and `tuple` (printed for `isinstance(x, list)`) test the
            // container kind alone; every other type is a TorchScript type.
            let tests: [@Sendable (ScriptValue) -> Bool] = try typeExpressions.map { expression in
                if case .name(let name) = expression.kind, ["list", "dict", "tuple"].contains(name) {
                    return { value in
                        switch (name, value) {
                        case ("list", .list), ("dict", .dict), ("tuple", .tuple): true
                        default: false
                        }
                    }
                }
                let type = try program.scriptType(expression, record: record)
                return { TypeCheck.value($0, matches: type) }
            }
            let evaluate = value.evaluate
            return Typed(evaluate: { frame in
                let v = try evaluate(frame)
                return .bool(tests.contains { $0(v) })
            }, type: .bool)
        case "getattr", "hasattr":
            guard arguments.count == 2, case .string(let bytes) = arguments[1].kind else { throw fail("\(name) needs a constant attribute name", location) }
            let attribute = String(decoding: bytes, as: UTF8.self)
            if name == "getattr" { return try compileAttribute(arguments[0], attribute, at: location) }
            let object = try compileExpression(arguments[0])
            if case .object(let className) = object.type, let type = program.classType(className) {
                return .constant(.bool(type.slotIndex(of: attribute) != nil || type.outline.methods.contains(attribute)), .bool)
            }
            return .constant(.bool(false), .bool)
        case "fork":
            guard arguments.count == 1, keywords.isEmpty, case .name(let closure) = arguments[0].kind, let definition = nestedFunctions[closure] else {
                throw fail("fork() is supported on the closures TorchScript prints (`fork(__forked_function)`)", location)
            }
            return try compileForked(definition, at: location)
        case "print":
            let values = try arguments.map { try compileExpression($0).evaluate }
            return Typed(evaluate: { frame in
                try TraceRecorder.noteUntraceable("the method prints")
                let line = try values.map { try $0(frame).pythonString(quoted: false) }.joined(separator: " ")
                print(line)
                return .none
            }, type: .none)
        case "range":
            throw fail("range() is only supported as a for loop's iterable", location)
        default:
            if let operatorName = BuiltinNames.functions[name] {
                let compiled = try arguments.map { try compileExpression($0) }
                if operatorName == "prim::abs", compiled.first?.type == .tensor {
                    return try compileCall("aten::abs", arguments: compiled, keywords: [], at: location)
                }
                if (operatorName == "prim::min" || operatorName == "prim::max") && compiled.count == 1 && compiled[0].type == .tensor {
                    return try compileCall(operatorName == "prim::min" ? "aten::min" : "aten::max", arguments: compiled, keywords: [], at: location)
                }
                return try compileCall(operatorName, arguments: compiled, keywords: try keywords.map { ($0.0, try compileExpression($0.1)) }, at: location)
            }
            throw fail("unknown function '\(name)'", location)
        }
    }

    // MARK: Classes, methods and functions

    /// `__torch__.a.B(...)` (a class or NamedTuple constructor) or `__torch__.a.f(...)` (a free function).
    mutating func compileQualifiedCall(
        _ qualifiedName: String, _ arguments: [Expression], _ keywords: [(String, Expression)], at location: SourceLocation
    ) throws -> Typed {
        let positional = try arguments.map { try compileExpression($0) }
        let named = try keywords.map { ($0.0, try compileExpression($0.1)) }
        if let type = program.classType(qualifiedName) {
            switch type.outline.kind {
            case .namedTuple:
                let fieldCount = type.attributes.count
                guard positional.count + named.count <= fieldCount else { throw fail("too many fields for \(qualifiedName)", location) }
                var fields = positional.map(\.evaluate)
                for attribute in type.attributes.dropFirst(positional.count) {
                    guard let value = named.first(where: { $0.0 == attribute.name }) else {
                        throw fail("\(qualifiedName) needs field '\(attribute.name)'", location)
                    }
                    fields.append(value.1.evaluate)
                }
                let evaluates = fields
                return Typed(evaluate: { frame in .tuple(try evaluates.map { try $0(frame) }) }, type: .object(qualifiedName))
            case .plain:
                let creator = Typed(evaluate: { _ in .object(ScriptObject(type: type)) }, type: .object(qualifiedName))
                guard type.outline.methods.contains("__init__") else { return creator }
                let initializer = try compileMethodCall(creator, type, "__init__", positional, named, at: location, returnsSelf: true)
                return initializer
            default:
                throw fail("cannot construct \(qualifiedName) (\(type.outline.kind))", location)
            }
        }
        guard let function = try program.freeFunction(qualifiedName: qualifiedName) else {
            throw fail("unknown function or class \(qualifiedName)", location)
        }
        // Arguments known at compile time (mode strings, flags, defaults) specialize the callee.
        var constants: [Int: ScriptValue] = [:]
        for (i, parameter) in function.parameters.enumerated() {
            let source: Typed? = i < positional.count ? positional[i] : named.first { $0.0 == parameter.name }?.1
            if let source {
                if let value = source.constant, source.type.isPlainValue || value.isNone { constants[i] = value }
            } else if let value = parameter.defaultValue, value.numericValue != nil || value.isNone || value.kindName == "str" {
                constants[i] = value
            }
        }
        return try bindScriptCall(try program.specialized(function, constants: constants), receiver: nil, positional, named, at: location)
    }

    /// `obj.method(args)` on a module or class object. Interface-typed receivers dispatch on the runtime class.
    mutating func compileMethodCall(
        _ receiver: Typed, _ type: ClassType, _ method: String, _ positional: [Typed], _ named: [(String, Typed)],
        at location: SourceLocation, returnsSelf: Bool = false
    ) throws -> Typed {
        if type.outline.kind == .interface || type.outline.kind == .moduleInterface {
            let program = self.program
            let values = positional.map(\.evaluate)
            let object = receiver.evaluate
            let trace = traceFrame(location)
            return Typed(evaluate: { frame in
                guard case .object(let o) = try object(frame) else {
                    throw ScriptError(kind: .operatorFailed(operation: method), message: "method call on a non-object", frames: [trace])
                }
                do {
                    let function = try program.methodForDynamicCall(method, of: o.type)
                    return try function.invoke([.object(o)] + (try values.map { try $0(frame) }))
                } catch {
                    throw ScriptError.wrap(error, operation: method, at: trace)
                }
            }, type: .any)
        }
        let function = try program.compiledMethod(method, of: type)
        guard returnsSelf else { return try bindScriptCall(function, receiver: receiver, positional, named, at: location) }
        // A constructor: make the object, run `__init__` on it, give the object.
        let slot = declare("$constructed\(slotCount)", receiver.type)
        let call = try bindScriptCall(function, receiver: Typed(evaluate: { $0.slots[slot] }, type: receiver.type), positional, named, at: location)
        let (make, run) = (receiver.evaluate, call.evaluate)
        return Typed(evaluate: { frame in
            let object = try make(frame)
            frame.slots[slot] = object
            _ = try run(frame)
            return object
        }, type: receiver.type)
    }

    /// Binds arguments to a compiled function's parameters (positional, keyword, defaults).
    mutating func bindScriptCall(
        _ function: CompiledFunction, receiver: Typed?, _ positional: [Typed], _ named: [(String, Typed)], at location: SourceLocation
    ) throws -> Typed {
        // TorchScript rejects recursion when scripting, so printed code never recurses; an archive that
        // does would only exhaust the stack.
        // (Every function reaching here is compiled, or is on the stack of functions being compiled.)
        guard function.isCompiled else {
            throw fail("\(function.qualifiedName) calls itself recursively, which TorchScript does not allow", location)
        }
        var sources: [Evaluate] = receiver.map { [$0.evaluate] } ?? []
        let parameters = function.parameters.dropFirst(receiver == nil ? 0 : 1)
        guard positional.count <= parameters.count else {
            throw fail("\(function.name)() takes \(parameters.count) arguments but \(positional.count) were given", location)
        }
        sources += positional.map(\.evaluate)
        for parameter in parameters.dropFirst(positional.count) {
            if let value = named.first(where: { $0.0 == parameter.name }) {
                sources.append(value.1.evaluate)
            } else if let defaultValue = parameter.defaultValue {
                sources.append({ _ in defaultValue })
            } else {
                throw fail("\(function.name)() is missing argument '\(parameter.name)'", location)
            }
        }
        let trace = traceFrame(location)
        let name = function.name
        let evaluates = sources
        return Typed(evaluate: { frame in
            var values: [ScriptValue] = []
            values.reserveCapacity(evaluates.count)
            for source in evaluates { values.append(try source(frame)) }
            do {
                return try function.invoke(values)
            } catch {
                throw ScriptError.wrap(error, operation: name, at: trace)
            }
        }, type: function.returnType)
    }
}

/// Runtime type tests for `isinstance` and for dynamic overload dispatch.
enum TypeCheck {
    static func value(_ value: ScriptValue, matches type: ScriptType) -> Bool {
        switch (value, type) {
        case (_, .any): return true
        case (.none, .none), (.none, .optional): return true
        case (_, .optional(let inner)): return self.value(value, matches: inner)
        case (.tensor, .tensor), (.int, .int), (.double, .float), (.bool, .bool), (.string, .string), (.device, .device): return true
        case (.int, .number), (.double, .number): return true
        case (.list(let list), .list(let element)):
            if let annotation = list.elementType, let declared = try? ScriptType(parsing: annotation) { return declared == element || element == .any }
            return list.elements.allSatisfy { self.value($0, matches: element) }
        case (.dict, .dict): return true
        case (.tuple(let items), .tuple(let types)):
            return items.count == types.count && zip(items, types).allSatisfy { self.value($0, matches: $1) }
        case (.object(let o), .object(let name)): return o.type.qualifiedName == name
        case (.enumValue(let member), .object(let name)): return member.type.qualifiedName == name
        default: return false
        }
    }

    /// The static type describing a runtime value (for resolving overloads at run time).
    static func dynamicType(of value: ScriptValue) -> ScriptType {
        FunctionCompiler.staticType(of: value)
    }
}
