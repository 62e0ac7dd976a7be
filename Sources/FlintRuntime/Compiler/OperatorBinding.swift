import FlintGraph
import FlintOperators
import FlintScript
import FlintTensor
import FlintValues

extension FunctionCompiler {
    /// A call of operator `name` (`aten::add`): resolves the overload from the arguments' static types
    /// (TorchScript's rules: exact match first, then implicit conversions), binds its implementation, and
    /// folds the call when every argument is a constant and the result is a plain value. When some argument's
    /// type is only known at run time (`Any`), resolution happens per call and is cached by argument types.
    mutating func compileCall(_ name: String, arguments: [Typed], keywords: [(String, Typed)], at location: SourceLocation) throws -> Typed {
        let overloads = program.registry.overloads(of: name)
        guard !overloads.isEmpty else {
            // An operator torch's table doesn't have (a custom or third-party library's): reported with the
            // other missing operators at load.
            program.missingOperators.append(.init(schema: "\(name)(...)  (an operator outside torch's schema table)", record: record, line: location.line))
            program.operatorUses[name, default: (0, false)].count += 1
            let trace = traceFrame(location)
            return Typed(evaluate: { _ in
                throw ScriptError(kind: .operatorFailed(operation: name), message: "operator \(name) is not implemented by Flint", frames: [trace])
            }, type: .any)
        }
        let positionalTypes = arguments.map(\.type)
        let keywordTypes = keywords.map { (name: $0.0, type: $0.1.type) }
        let isDynamic = (positionalTypes + keywordTypes.map(\.type)).contains { $0.containsAny }
        if !isDynamic, let match = OverloadResolution.resolve(overloads, positional: positionalTypes, keywords: keywordTypes) {
            return try bind(match, arguments: arguments, keywords: keywords, at: location)
        }
        guard isDynamic else {
            let types = positionalTypes.map(\.description) + keywordTypes.map { "\($0.name)=\($0.type)" }
            throw fail("no overload of \(name) accepts (\(types.joined(separator: ", "))); candidates:\n  "
                + overloads.map { TorchSchemaTable.textByQualifiedName[$0.qualifiedName] ?? $0.qualifiedName }.joined(separator: "\n  "), location)
        }
        return dynamicCall(name, overloads: overloads, arguments: arguments, keywords: keywords, at: location)
    }

    /// A call of one known overload, arguments positional (`aten::slice.t`).
    mutating func compileResolvedCall(_ qualifiedName: String, _ arguments: [Typed], at location: SourceLocation, type: ScriptType) throws -> Typed {
        let name = String(qualifiedName.prefix { $0 != "." })
        guard let schema = program.registry.overloads(of: name).first(where: { $0.qualifiedName == qualifiedName }),
            let match = OverloadResolution.match(schema, positional: arguments.map(\.type), keywords: [], allowConversions: true)
                ?? OverloadResolution.match(schema, positional: arguments.map { _ in .any }, keywords: [], allowConversions: true)
        else { throw fail("cannot call \(qualifiedName) with these arguments", location) }
        let bound = try bind(match, arguments: arguments, keywords: [], at: location)
        return Typed(evaluate: bound.evaluate, type: type == .any ? bound.type : type, constant: bound.constant)
    }

    private mutating func bind(_ match: OverloadMatch, arguments: [Typed], keywords: [(String, Typed)], at location: SourceLocation) throws -> Typed {
        let schema = match.schema
        program.operatorUses[schema.qualifiedName, default: (0, program.registry.body(for: schema) != nil)].count += 1
        guard let implementation = program.registry.body(for: schema) else {
            program.missingOperators.append(.init(
                schema: TorchSchemaTable.textByQualifiedName[schema.qualifiedName] ?? schema.qualifiedName, record: record, line: location.line))
            let trace = traceFrame(location)
            let qualified = schema.qualifiedName
            return Typed(evaluate: { _ in
                throw ScriptError(kind: .operatorFailed(operation: qualified), message: "operator \(qualified) is not implemented by Flint", frames: [trace])
            }, type: match.returnType)
        }
        // An upgraded operator keeps its old behaviour in the plan too: it has no writer form there.
        let upgraded = Upgraders.upgraded(implementation, schema: schema, fileVersion: program.fileFormatVersion)
        let body = TraceRecorder.recording(
            upgraded ?? implementation, operation: schema.qualifiedName, writer: upgraded == nil ? program.registry.writer(for: schema) : nil,
            resultShape: upgraded == nil ? program.registry.shapeFunction(named: schema.qualifiedName) : nil)
        var sources: [Typed] = match.sources.map { source in
            switch source {
            case .positional(let i): arguments[i]
            case .keyword(let i): keywords[i].1
            case .constant(let value): .constant(value, .any)
            }
        }
        sources += match.varargs.map { arguments[$0] }
        let conversions = match.conversions + Array(repeating: nil, count: match.varargs.count)
        let evaluate = Self.callClosure(body, sources.map(\.evaluate), conversions, operation: schema.qualifiedName, trace: traceFrame(location))
        if sources.allSatisfy({ $0.constant != nil }), match.returnType.isPlainValue, schema.isFoldable,
            let value = try? evaluate(Frame(slotCount: 0))
        {
            return .constant(value, match.returnType)
        }
        return Typed(evaluate: evaluate, type: match.returnType)
    }

    /// The closure that evaluates the arguments, converts them and calls the operator. Failures of the
    /// operator itself are wrapped with this call site; failures inside arguments are already wrapped.
    static func callClosure(
        _ body: @escaping OperatorBody, _ sources: [Evaluate], _ conversions: [ArgumentConversion?], operation: String, trace: TraceFrame,
        profiled: Bool = true
    ) -> Evaluate {
        let needsConversion = conversions.contains { $0 != nil }
        if profiled && OperatorProfiler.isEnabled {
            // Time the operator itself, not the evaluation of its arguments.
            let timed: OperatorBody = { arguments in
                let start = OperatorProfiler.now()
                defer {
                    let key = OperatorProfiler.withShapes
                        ? operation + " " + arguments.values.compactMap { $0.tensor.map { "\($0.shape)" } }.joined(separator: " ") : operation
                    OperatorProfiler.record(key, seconds: OperatorProfiler.now() - start)
                }
                return try body(arguments)
            }
            return callClosure(timed, sources, conversions, operation: operation, trace: trace, profiled: false)
        }
        switch (sources.count, needsConversion) {
        case (1, false):
            let a = sources[0]
            return { frame in
                let args = Arguments([try a(frame)])
                do { return try body(args) } catch { throw ScriptError.wrap(error, operation: operation, at: trace) }
            }
        case (2, false):
            let (a, b) = (sources[0], sources[1])
            return { frame in
                let args = Arguments([try a(frame), try b(frame)])
                do { return try body(args) } catch { throw ScriptError.wrap(error, operation: operation, at: trace) }
            }
        case (3, false):
            let (a, b, c) = (sources[0], sources[1], sources[2])
            return { frame in
                let args = Arguments([try a(frame), try b(frame), try c(frame)])
                do { return try body(args) } catch { throw ScriptError.wrap(error, operation: operation, at: trace) }
            }
        default:
            return { frame in
                var values: [ScriptValue] = []
                values.reserveCapacity(sources.count)
                for source in sources { values.append(try source(frame)) }
                do {
                    if needsConversion {
                        for (i, conversion) in conversions.enumerated() {
                            if let conversion { values[i] = try Conversions.apply(conversion, values[i]) }
                        }
                    }
                    return try body(Arguments(values))
                } catch {
                    throw ScriptError.wrap(error, operation: operation, at: trace)
                }
            }
        }
    }

    /// Overload resolution at run time, for arguments whose static type is `Any`.
    private func dynamicCall(
        _ name: String, overloads: [OperatorSchema], arguments: [Typed], keywords: [(String, Typed)], at location: SourceLocation
    ) -> Typed {
        let registry = program.registry
        let version = program.fileFormatVersion
        program.operatorUses[name, default: (0, overloads.contains { registry.body(for: $0) != nil })].count += 1
        let trace = traceFrame(location)
        let positional = arguments.map(\.evaluate)
        let named = keywords.map { ($0.0, $0.1.evaluate) }
        let cache = DispatchCache()
        // The static return type: what every candidate agrees on, else Any.
        let candidates = overloads.compactMap {
            OverloadResolution.match($0, positional: arguments.map(\.type), keywords: keywords.map { (name: $0.0, type: $0.1.type) }, allowConversions: true)
        }
        let returnType = candidates.first.map { first in candidates.allSatisfy { $0.returnType == first.returnType } ? first.returnType : .any } ?? .any
        return Typed(evaluate: { frame in
            let values = try positional.map { try $0(frame) }
            let namedValues = try named.map { ($0.0, try $0.1(frame)) }
            do {
                let types = values.map(TypeCheck.dynamicType(of:))
                let keywordTypes = namedValues.map { (name: $0.0, type: TypeCheck.dynamicType(of: $0.1)) }
                let key = (types.map(\.description) + keywordTypes.map { "\($0.name)=\($0.type)" }).joined(separator: ",")
                let (match, body) = try cache.entry(for: key) {
                    guard let match = OverloadResolution.resolve(overloads, positional: types, keywords: keywordTypes) else {
                        throw OperatorError("no overload of \(name) accepts (\(key))")
                    }
                    guard let body = registry.body(for: match.schema) else {
                        throw OperatorError("operator \(match.schema.qualifiedName) is not implemented by Flint")
                    }
                    return (match, TraceRecorder.recording(
                        Upgraders.apply(to: body, schema: match.schema, fileVersion: version), operation: match.schema.qualifiedName))
                }
                var bound: [ScriptValue] = match.sources.map { source in
                    switch source {
                    case .positional(let i): values[i]
                    case .keyword(let i): namedValues[i].1
                    case .constant(let value): value
                    }
                }
                bound += match.varargs.map { values[$0] }
                for (i, conversion) in match.conversions.enumerated() {
                    if let conversion { bound[i] = try Conversions.apply(conversion, bound[i]) }
                }
                return try body(Arguments(bound))
            } catch {
                throw ScriptError.wrap(error, operation: name, at: trace)
            }
        }, type: returnType)
    }
}

/// Resolved overloads of one dynamic call site, by argument types.
final class DispatchCache: @unchecked Sendable {
    private let lock = Lock()
    private var entries: [String: (OverloadMatch, OperatorBody)] = [:]

    func entry(for key: String, resolve: () throws -> (OverloadMatch, OperatorBody)) throws -> (OverloadMatch, OperatorBody) {
        if let known = lock.withLock({ entries[key] }) { return known }
        let resolved = try resolve()
        lock.withLock { entries[key] = resolved }
        return resolved
    }
}

/// The implicit conversions of ``ArgumentConversion`` on values.
enum Conversions {
    static func apply(_ conversion: ArgumentConversion, _ value: ScriptValue) throws -> ScriptValue {
        if case .tensor(let t) = value, conversion.readsTensorData { try TraceRecorder.noteDataRead(t, "a tensor is converted to a number") }
        switch conversion {
        case .tensorToInt, .toInt:
            if case .none = value { return value }
            if case .tensor(let t) = value, t.dtype.isFloatingPoint { return .int(Int64(try t.item())) }
            if case .double(let d) = value { return .int(Int64(d)) }
            if case .bool(let b) = value { return .int(b ? 1 : 0) }
            if case .tensor(let t) = value { return try TensorScalars.item(t) }
            return value
        case .tensorToFloat, .toFloat:
            if case .none = value { return value }
            if case .tensor(let t) = value { return .double(try t.item()) }
            if let d = value.numericValue { return .double(d) }
            return value
        case .tensorToScalar:
            if case .tensor(let t) = value { return try TensorScalars.item(t) }
            return value
        case .repeatToList(let n):
            if case .int = value { return .list(Array(repeating: value, count: n), elementType: "int") }
            return value
        case .tupleToList:
            if case .tuple(let items) = value { return .list(items, elementType: nil) }
            return value
        case .stringToDevice:
            if case .string(let s) = value {
                guard let device = Device(s) else { throw OperatorError("Invalid device string: '\(s)'") }
                return .device(device)
            }
            return value
        }
    }
}

extension ScriptType {
    /// Whether the type is only known at run time.
    var containsAny: Bool {
        switch self {
        case .any: true
        case .optional(let inner): inner.containsAny
        case .tuple(let items): items.contains { $0.containsAny }
        default: false
        }
    }

    /// Values a constant-folded call may produce (tensors are mutable, so never folded).
    var isPlainValue: Bool {
        switch self {
        case .int, .float, .bool, .string, .none: true
        default: false
        }
    }
}

extension OperatorSchema {
    /// Whether calls with constant arguments may be evaluated at compile time: no argument is written and
    /// the operator has no effect besides its result.
    var isFoldable: Bool {
        guard !arguments.contains(where: { $0.alias?.isWrite == true }) else { return false }
        return !["prim::RaiseException", "aten::warn", "prim::Print", "aten::manual_seed"].contains(name)
    }
}
