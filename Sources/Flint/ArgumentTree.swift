import FlintNumPy
import FlintOperators
import FlintScript
import FlintTensor
import FlintValues

/// The CLI's value layouts: arguments from `--input` specs or a flattened `.npz` tree, and results
/// flattened back into `.npz` arrays. Keys: argument *i* is `argi`; element *j* of a list or tuple is
/// `argi.j`; the value for dict key *k* is `argi.k`; nesting continues with dots. Results use root `out`.
package enum ArgumentTree {
    // MARK: Decoding

    /// Arguments from a flattened `.npz` tree, read according to the declared parameter types.
    package static func arguments(
        from arrays: [(key: String, value: NumPyArray.Value)], parameters: [(name: String, type: ScriptType, hasDefault: Bool)]
    ) throws -> [ScriptValue] {
        var table: [String: NumPyArray.Value] = [:]
        for (key, value) in arrays { table[key] = value }
        let order = arrays.map(\.key)
        var values: [ScriptValue] = []
        for (i, parameter) in parameters.enumerated() {
            let key = "arg\(i)"
            if !has(key, in: table) {
                if parameter.hasDefault && !table.keys.contains(where: { $0.hasPrefix("arg") && (Int($0.dropFirst(3).prefix { $0 != "." }) ?? -1) > i }) { break }
                if case .optional = parameter.type { values.append(.none); continue }
                if parameter.hasDefault { break }
                throw invalid("missing input '\(key)' for parameter '\(parameter.name)' of type \(parameter.type)")
            }
            values.append(try build(key, parameter.type, table, order))
        }
        let extra = table.keys.filter { key in
            guard key.hasPrefix("arg"), let index = Int(key.dropFirst(3).prefix { $0 != "." }) else { return true }
            return index >= parameters.count
        }
        if let first = extra.sorted().first { throw invalid("input '\(first)' matches no parameter (the method takes \(parameters.count))") }
        return values
    }

    private static func has(_ key: String, in table: [String: NumPyArray.Value]) -> Bool {
        table[key] != nil || table.keys.contains { $0.hasPrefix(key + ".") }
    }

    /// The value at `key`; `order` is the archive's key order (dict entries keep it).
    private static func build(_ key: String, _ type: ScriptType, _ table: [String: NumPyArray.Value], _ order: [String]) throws -> ScriptValue {
        switch type {
        case .optional(let inner):
            return has(key, in: table) ? try build(key, inner, table, order) : .none
        case .list(let element):
            var items: [ScriptValue] = []
            while has("\(key).\(items.count)", in: table) { items.append(try build("\(key).\(items.count)", element, table, order)) }
            if items.isEmpty, case .tensor(let t)? = table[key], element != .tensor, t.rank == 1 {
                return .list(try (0..<t.shape[0]).map { try scalarValue(t.select(dim: 0, index: $0), element, key: key) }, elementType: element.description)
            }
            return .list(items, elementType: element.description)
        case .tuple(let types):
            return .tuple(try types.enumerated().map { try build("\(key).\($0.offset)", $0.element, table, order) })
        case .dict(let keyType, let valueType):
            let prefix = key + "."
            var seen: [String] = []
            for k in order where k.hasPrefix(prefix) {
                let first = String(k.dropFirst(prefix.count).prefix { $0 != "." })
                if !seen.contains(first) { seen.append(first) }
            }
            let dict = ScriptDict(keys: [], values: [], typeAnnotation: type.description)
            for name in seen {
                let dictKey: ScriptValue
                switch keyType {
                case .int:
                    guard let i = Int64(name) else { throw invalid("'\(prefix)\(name)': dict key is not an int") }
                    dictKey = .int(i)
                case .string: dictKey = .string(name)
                default: throw invalid("'\(key)': dicts with \(keyType) keys cannot be given in an .npz")
                }
                dict.set(dictKey, try build(prefix + name, valueType, table, order))
            }
            return .dict(dict)
        default:
            guard let leaf = table[key] else { throw invalid("missing input '\(key)' of type \(type)") }
            switch leaf {
            case .string(let s):
                guard type == .string || type == .any else { throw invalid("input '\(key)' is a string but \(type) is expected") }
                return .string(s)
            case .tensor(let t):
                if type == .tensor || (type == .any && t.rank > 0) { return .tensor(t) }
                return try scalarValue(t, type, key: key)
            }
        }
    }

    private static func scalarValue(_ t: Tensor, _ type: ScriptType, key: String) throws -> ScriptValue {
        guard t.elementCount == 1 else { throw invalid("input '\(key)' has shape \(t.shape) but \(type) is expected") }
        let value = try TensorScalars.item(t)
        switch (type, value) {
        case (.int, .int), (.float, .double), (.bool, .bool), (.any, _), (.number, .int), (.number, .double): return value
        case (.float, .int(let i)): return .double(Double(i))
        case (.tensor, _): return .tensor(t)
        default: throw invalid("input '\(key)' holds \(t.dtype) but \(type) is expected")
        }
    }

    /// One `--input` spec: `x.npy`, `int:3`, `float:2.5`, `bool:true`, `str:text`, `none`, `json:[1, 2]`.
    package static func argument(spec: String, type: ScriptType) throws -> ScriptValue {
        if spec == "none" { return .none }
        if spec.hasPrefix("int:") {
            guard let value = Int64(spec.dropFirst(4)) else { throw ArgumentTreeUsageError(message: "'\(spec)' is not an int (int:3)") }
            return .int(value)
        }
        if spec.hasPrefix("float:") {
            let text = String(spec.dropFirst(6))
            guard let value = Double(text) ?? ["inf": Double.infinity, "-inf": -.infinity, "nan": .nan][text] else { throw ArgumentTreeUsageError(message: "'\(spec)' is not a float (float:2.5, float:nan, float:inf)") }
            return .double(value)
        }
        if spec.hasPrefix("bool:") {
            switch spec.dropFirst(5).lowercased() {
            case "true", "1": return .bool(true)
            case "false", "0": return .bool(false)
            default: throw ArgumentTreeUsageError(message: "'\(spec)' is not a bool (bool:true or bool:false)")
            }
        }
        if spec.hasPrefix("str:") { return .string(String(spec.dropFirst(4))) }
        if spec.hasPrefix("json:") {
            let json: JSONText
            do {
                json = try JSONText.parse(String(spec.dropFirst(5)))
            } catch let error as JSONSyntaxError {
                throw ArgumentTreeUsageError(message: "'\(spec)' is not valid JSON: \(error.message)")
            }
            return try fromJSON(json, type, at: spec)
        }
        if spec.hasSuffix(".npz") {
            throw ArgumentTreeUsageError(message: "'\(spec)' is an .npz archive: --input takes one argument; pass the archive with --inputs")
        }
        if spec.hasSuffix(".npy") {
            let bytes = try readFile(spec)
            switch try NumPyArray.decode(bytes, name: spec) {
            case .tensor(let t):
                if type == .tensor || type.unwrapped == .tensor || type == .any { return .tensor(t) }
                return try scalarValue(t, type.unwrapped, key: spec)
            case .string(let s): return .string(s)
            }
        }
        throw ArgumentTreeUsageError(message: "cannot read input spec '\(spec)' (expected a .npy path, int:, float:, bool:, str:, none or json:)")
    }

    private static func fromJSON(_ json: JSONText, _ type: ScriptType, at spec: String) throws -> ScriptValue {
        switch (type, json) {
        case (.optional, .null): return .none
        case (.optional(let inner), _): return try fromJSON(json, inner, at: spec)
        case (.int, .number(let d)):
            guard d == d.rounded(), let i = Int64(exactly: d) else { throw invalid("\(spec): \(d) is not an int") }
            return .int(i)
        case (.int, .integer(let i)): return .int(i)
        case (.float, .number(let d)): return .double(d)
        case (.float, .integer(let i)): return .double(Double(i))
        case (.bool, .bool(let b)): return .bool(b)
        case (.string, .string(let s)): return .string(s)
        case (.list(let element), .array(let items)):
            return .list(try items.map { try fromJSON($0, element, at: spec) }, elementType: element.description)
        case (.tuple(let types), .array(let items)) where types.count == items.count:
            return .tuple(try zip(items, types).map { try fromJSON($0, $1, at: spec) })
        case (.dict(let keyType, let valueType), .object(let members)):
            let dict = ScriptDict(keys: [], values: [], typeAnnotation: type.description)
            for (name, value) in members {
                let key: ScriptValue = switch keyType {
                case .int: .int(try Int64(name).unwrapOr(invalid("\(spec): dict key '\(name)' is not an int")))
                case .float: .double(try Double(name).unwrapOr(invalid("\(spec): dict key '\(name)' is not a float")))
                default: .string(name)
                }
                dict.set(key, try fromJSON(value, valueType, at: spec))
            }
            return .dict(dict)
        case (.tensor, _):
            do {
                return .tensor(try TensorLiteral.make(try tensorElements(json, at: spec), dtype: nil))
            } catch let error as OperatorError {
                throw invalid("\(spec): \(error.message)")
            }
        case (.any, _), (.number, _):
            switch json {
            case .integer(let i): return .int(i)
            case .number(let d): return .double(d)
            case .bool(let b): return .bool(b)
            case .string(let s): return .string(s)
            case .null: return .none
            default: break
            }
        default: break
        }
        throw invalid("\(spec): JSON value does not fit the parameter type \(type)")
    }

    /// JSON given for a Tensor parameter as the nested values `torch.tensor` takes.
    private static func tensorElements(_ json: JSONText, at spec: String) throws -> ScriptValue {
        switch json {
        case .integer(let i): return .int(i)
        case .number(let d): return .double(d)
        case .bool(let b): return .bool(b)
        case .array(let items): return .list(try items.map { try tensorElements($0, at: spec) }, elementType: nil)
        default: throw invalid("\(spec): tensor elements must be numbers or booleans")
        }
    }

    static func invalid(_ message: String) -> FlintError {
        FlintError(kind: .invalidInput, file: nil, record: nil, message: message)
    }

    /// A whole file's bytes (inputs, label lists). Throws ``FlintError`` `.invalidInput` when it cannot be opened.
    package static func readFile(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw invalid("cannot open '\(path)'") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return bytes
    }

    /// The items of a JSON array as text (strings as they are, anything else as JSON writes it), or nil when
    /// `text` is not a JSON array (`flint run --labels` files).
    package static func jsonArrayItems(_ text: String) -> [String]? {
        guard case .array(let items)? = try? JSONText.parse(text) else { return nil }
        return items.map { item in
            if case .string(let s) = item { return s }
            return "\(item)"
        }
    }

    // MARK: Encoding

    /// A result flattened from root `out`. None leaves are omitted; class objects give their attributes.
    package static func flatten(_ value: ScriptValue, key: String = "out") throws -> [(key: String, value: NumPyArray.Value)] {
        switch value {
        case .none: return []
        case .tensor(let t): return [(key, .tensor(t))]
        case .int(let i): return [(key, .tensor(try Scalar.int(i).tensor(.int64)))]
        case .double(let d): return [(key, .tensor(try Scalar.double(d).tensor(.float64)))]
        case .bool(let b): return [(key, .tensor(try Scalar.bool(b).tensor(.bool)))]
        case .string(let s): return [(key, .string(s))]
        case .device(let d): return [(key, .string(d.description))]
        case .complex(let re, let im):
            // A complex number is a 0-dim complex128 array, as numpy saves Python's complex.
            let parts = (try Scalar.double(re).tensor(.float64), try Scalar.double(im).tensor(.float64))
            return [(key, .tensor(try Tensor.complex(real: parts.0, imaginary: parts.1)))]
        case .list(let list): return try list.elements.enumerated().flatMap { try flatten($0.element, key: "\(key).\($0.offset)") }
        case .tuple(let items): return try items.enumerated().flatMap { try flatten($0.element, key: "\(key).\($0.offset)") }
        case .dict(let dict):
            return try zip(dict.keys, dict.values).flatMap { try flatten($1, key: "\(key).\($0.pythonString(quoted: false))") }
        case .object(let object):
            return try zip(object.type.attributes, object.slots).flatMap { try flatten($1, key: "\(key).\($0.name)") }
        case .enumValue(let member): return try flatten(member.value, key: key)
        }
    }
}

/// An `--input` spec of unknown form (a usage error, exit status 2).
package struct ArgumentTreeUsageError: Error, CustomStringConvertible {
    package let message: String
    package var description: String { message }
}

extension ScriptType {
    fileprivate var unwrapped: ScriptType {
        if case .optional(let inner) = self { return inner }
        return self
    }
}

extension Optional {
    fileprivate func unwrapOr(_ error: @autoclosure () -> some Error) throws -> Wrapped {
        guard let self else { throw error() }
        return self
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
