import FlintScript
import FlintValues

/// How a call's argument reaches a schema argument.
package enum ArgumentSource: Sendable {
    /// The call's positional argument at this index.
    case positional(Int)
    /// The call's keyword argument at this index.
    case keyword(Int)
    /// The schema's default value.
    case constant(ScriptValue)
}

/// A conversion TorchScript inserts when an argument does not match a schema type exactly
/// (`schema_matching.cpp tryConvertToType`).
package enum ArgumentConversion: Sendable {
    /// A 0-dim tensor to an `int` (`aten::IntImplicit`), `float` (`FloatImplicit`) or `Scalar`.
    case tensorToInt, tensorToFloat, tensorToScalar
    /// A bool or a number to `int` / `float`.
    case toInt, toFloat
    /// One int repeated to a fixed-size list (`int[2] stride` given `2`).
    case repeatToList(Int)
    /// A tuple where a list is expected.
    case tupleToList
    /// A string where a `Device` is expected.
    case stringToDevice

    /// Whether applying it to a tensor reads the tensor's data.
    package var readsTensorData: Bool {
        switch self {
        case .tensorToInt, .tensorToFloat, .tensorToScalar, .toInt, .toFloat: true
        default: false
        }
    }
}

/// One schema chosen for a call, with how each of its arguments is supplied.
package struct OverloadMatch: Sendable {
    package let schema: OperatorSchema
    /// One entry per schema argument.
    package let sources: [ArgumentSource]
    /// One entry per schema argument (nil: passed as is).
    package let conversions: [ArgumentConversion?]
    /// Extra positional arguments for a vararg schema (`aten::format(str self, ...)`).
    package let varargs: [Int]
    /// The result's static type.
    package let returnType: ScriptType
}

/// TorchScript's overload resolution: the first overload in registration order that matches without
/// conversions, else the first that matches with them.
package enum OverloadResolution {
    package static func resolve(
        _ overloads: [OperatorSchema], positional: [ScriptType], keywords: [(name: String, type: ScriptType)]
    ) -> OverloadMatch? {
        for allowConversions in [false, true] {
            for schema in overloads {
                if let match = match(schema, positional: positional, keywords: keywords, allowConversions: allowConversions) {
                    return match
                }
            }
        }
        return nil
    }

    package static func match(
        _ schema: OperatorSchema, positional: [ScriptType], keywords: [(name: String, type: ScriptType)], allowConversions: Bool
    ) -> OverloadMatch? {
        var bindings: [String: ScriptType] = [:]
        var sources: [ArgumentSource] = []
        var conversions: [ArgumentConversion?] = []
        var usedKeywords = Set<Int>()
        let arguments = schema.arguments
        if positional.count > arguments.count && !schema.isVararg { return nil }
        for (index, argument) in arguments.enumerated() {
            let actual: ScriptType
            if index < positional.count {
                if argument.keywordOnly { return nil }
                actual = positional[index]
                sources.append(.positional(index))
            } else if let k = keywords.firstIndex(where: { $0.name == argument.name }) {
                usedKeywords.insert(k)
                actual = keywords[k].type
                sources.append(.keyword(k))
            } else if let text = argument.defaultValue, let value = SchemaDefault.value(text, type: argument.type) {
                sources.append(.constant(value))
                conversions.append(nil)
                continue
            } else {
                return nil
            }
            guard let conversion = TypeMatcher.match(actual, argument.type, bindings: &bindings, allowConversions: allowConversions) else {
                return nil
            }
            conversions.append(conversion.conversion)
        }
        if usedKeywords.count != keywords.count { return nil }
        let varargs = positional.count > arguments.count ? Array(arguments.count..<positional.count) : []
        let returns = schema.returns.map { TypeMatcher.scriptType($0.type, bindings: bindings) }
        let returnType: ScriptType = schema.isVarret ? .any : returns.count == 1 ? returns[0] : returns.isEmpty ? .none : .tuple(returns)
        return OverloadMatch(schema: schema, sources: sources, conversions: conversions, varargs: varargs, returnType: returnType)
    }
}

/// Matching of a value's static type against a schema type, with type variables (`t`, `tVal`...).
package enum TypeMatcher {
    package struct Outcome { package let conversion: ArgumentConversion? }

    static func isTypeVariable(_ name: String) -> Bool {
        name.first == "t" && !["tensor"].contains(name)
    }

    package static func match(
        _ actual: ScriptType, _ formal: OperatorSchema.SchemaType, bindings: inout [String: ScriptType], allowConversions: Bool
    ) -> Outcome? {
        if actual == .any { return Outcome(conversion: nil) }
        switch formal {
        case .optional(let wrapped):
            if actual == .none { return Outcome(conversion: nil) }
            if case .optional(let inner) = actual { return match(inner, wrapped, bindings: &bindings, allowConversions: allowConversions) }
            return match(actual, wrapped, bindings: &bindings, allowConversions: allowConversions)
        case .list(let element, let size):
            switch actual {
            case .list(let actualElement):
                if actualElement == .any { return Outcome(conversion: nil) }
                return match(actualElement, element, bindings: &bindings, allowConversions: allowConversions).map { _ in Outcome(conversion: nil) }
            case .tuple(let items):
                for item in items where match(item, element, bindings: &bindings, allowConversions: false) == nil { return nil }
                return Outcome(conversion: .tupleToList)
            case .int where size != nil && element == .named("int") || element == .named("SymInt") && size != nil:
                return Outcome(conversion: .repeatToList(size!))
            default:
                return nil
            }
        case .dict(let key, let value):
            guard case .dict(let k, let v) = actual,
                match(k, key, bindings: &bindings, allowConversions: false) != nil,
                match(v, value, bindings: &bindings, allowConversions: false) != nil
            else { return nil }
            return Outcome(conversion: nil)
        case .tuple(let items):
            guard case .tuple(let actualItems) = actual, actualItems.count == items.count else { return nil }
            for (a, f) in zip(actualItems, items) where match(a, f, bindings: &bindings, allowConversions: false) == nil { return nil }
            return Outcome(conversion: nil)
        case .wrapper(let name, let inner):
            // `Future(t)` against `Future[int]`: the wrapped types match.
            guard case .other(let text) = actual, let wrapped = wrappedType(text, of: name) else { return nil }
            return match(wrapped, inner, bindings: &bindings, allowConversions: false).map { _ in Outcome(conversion: nil) }
        case .named(let name):
            return matchNamed(actual, name, bindings: &bindings, allowConversions: allowConversions)
        }
    }

    private static func matchNamed(
        _ actual: ScriptType, _ name: String, bindings: inout [String: ScriptType], allowConversions: Bool
    ) -> Outcome? {
        let exact = Outcome(conversion: nil)
        switch name {
        case "Tensor": return actual == .tensor ? exact : nil
        case "int", "SymInt":
            if actual == .int { return exact }
            guard allowConversions else { return nil }
            if actual == .tensor { return Outcome(conversion: .tensorToInt) }
            return actual == .bool || actual == .number || actual == .float ? (actual == .float ? nil : Outcome(conversion: .toInt)) : nil
        case "float":
            if actual == .float { return exact }
            guard allowConversions else { return nil }
            if actual == .tensor { return Outcome(conversion: .tensorToFloat) }
            return actual == .bool || actual == .number ? Outcome(conversion: .toFloat) : nil
        case "Scalar", "number":
            if [.int, .float, .complex, .number].contains(actual) { return exact }
            guard allowConversions else { return nil }
            if actual == .tensor { return Outcome(conversion: .tensorToScalar) }
            return actual == .bool ? Outcome(conversion: .toInt) : nil
        case "bool", "SymBool": return actual == .bool ? exact : nil
        case "str": return actual == .string ? exact : nil
        case "complex": return actual == .complex ? exact : nil
        case "ScalarType", "Layout", "MemoryFormat": return actual == .int ? exact : nil
        case "Device":
            if actual == .device { return exact }
            return allowConversions && actual == .string ? Outcome(conversion: .stringToDevice) : nil
        case "Any": return exact
        case "NoneType": return actual == .none ? exact : nil
        case "AnyEnumType", "AnyClassType":
            if case .object = actual { return exact }
            return nil
        case "Generator", "Storage", "Stream", "Dimname", "QScheme", "Capsule", "AnyTupleType", "Quantizer":
            if case .other(let other) = actual, other == name { return exact }
            return nil
        default:
            // A TorchBind class (`__torch__.torch.classes.quantized.LinearPackedParamsBase`): its objects only.
            if name.hasPrefix("__torch__.") {
                if case .object(let actualName) = actual, actualName == name { return exact }
                return nil
            }
            guard isTypeVariable(name) else { return nil }
            if let bound = bindings[name] {
                if bound == actual || bound == .any { bindings[name] = bound == .any ? actual : bound; return exact }
                if case .optional(let inner) = bound, inner == actual || actual == .none { return exact }
                if bound == .none { bindings[name] = .optional(actual); return exact }
                if actual == .none { bindings[name] = .optional(bound); return exact }
                return nil
            }
            bindings[name] = actual
            return exact
        }
    }

    /// `T` of a wrapper type's spelling `Name[T]` (`Future[int]`), as ``ScriptType`` keeps it.
    private static func wrappedType(_ text: String, of name: String) -> ScriptType? {
        guard text.hasPrefix(name + "["), text.hasSuffix("]") else { return nil }
        return try? ScriptType(parsing: String(text.dropFirst(name.count + 1).dropLast()))
    }

    /// The static type a schema type denotes once its type variables are bound.
    package static func scriptType(_ formal: OperatorSchema.SchemaType, bindings: [String: ScriptType]) -> ScriptType {
        switch formal {
        case .optional(let wrapped): return .optional(scriptType(wrapped, bindings: bindings))
        case .list(let element, _): return .list(scriptType(element, bindings: bindings))
        case .dict(let key, let value): return .dict(scriptType(key, bindings: bindings), scriptType(value, bindings: bindings))
        case .tuple(let items): return .tuple(items.map { scriptType($0, bindings: bindings) })
        case .wrapper(let name, let inner): return .other("\(name)[\(scriptType(inner, bindings: bindings))]")
        case .named(let name):
            switch name {
            case "Tensor": return .tensor
            case "int", "SymInt", "ScalarType", "Layout", "MemoryFormat": return .int
            case "float": return .float
            case "bool", "SymBool": return .bool
            case "str": return .string
            case "complex": return .complex
            case "Scalar", "number": return .number
            case "Device": return .device
            case "NoneType": return .none
            case "Any", "AnyEnumType", "AnyClassType": return .any
            default: return isTypeVariable(name) ? (bindings[name] ?? .any) : .other(name)
            }
        }
    }
}

/// Default values as schemas spell them (`1`, `-1`, `1e-05`, `True`, `None`, `"mean"`, `[0, 0]`, `contiguous_format`).
package enum SchemaDefault {
    package static func value(_ text: String, type: OperatorSchema.SchemaType) -> ScriptValue? {
        let trimmed = text.trimmingCharacters(in: " ")
        switch trimmed {
        case "None": return ScriptValue.none
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "contiguous_format", "strided", "per_tensor_affine": return .int(0)
        case "preserve_format": return .int(1)
        case "channels_last": return .int(2)
        case "Mean": return .int(1)
        case "long": return .int(4)
        case "inf": return .double(.infinity)
        case "-inf": return .double(-.infinity)
        default: break
        }
        if trimmed.hasPrefix("\"") || trimmed.hasPrefix("'") {
            return .string(unescape(String(trimmed.dropFirst().dropLast())))
        }
        if trimmed.hasPrefix("[") {
            let inner = trimmed.dropFirst().dropLast()
            let items = inner.split(separator: ",").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
            let element: OperatorSchema.SchemaType
            if case .list(let e, _) = type.unwrapped { element = e } else { element = .named("int") }
            let values = items.compactMap { value($0, type: element) }
            guard values.count == items.count else { return nil }
            return .list(values, elementType: element == .named("float") ? "float" : "int")
        }
        let base = type.unwrapped
        if base == .named("float") || trimmed.contains(".") || trimmed.contains("e") {
            return Double(trimmed).map { .double($0) }
        }
        if let i = Int64(trimmed) {
            if case .list(_, let size) = base { return .list(Array(repeating: .int(i), count: size ?? 1), elementType: "int") }
            return .int(i)
        }
        return nil
    }
}

/// Schema string defaults are written with C escapes (`chars=" \\n\\t\\f\\v"`).
private func unescape(_ text: String) -> String {
    var out = ""
    var escaped = false
    for character in text {
        if escaped {
            switch character {
            case "n": out += "\n"
            case "t": out += "\t"
            case "f": out += "\u{0C}"
            case "v": out += "\u{0B}"
            case "r": out += "\r"
            default: out.append(character)
            }
            escaped = false
        } else if character == "\\" {
            escaped = true
        } else {
            out.append(character)
        }
    }
    return out
}

extension OperatorSchema.SchemaType {
    /// The type inside any `?`.
    var unwrapped: OperatorSchema.SchemaType {
        if case .optional(let wrapped) = self { return wrapped.unwrapped }
        return self
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in character: Character) -> String { String(self).trimmingCharacters(in: character) }
}
