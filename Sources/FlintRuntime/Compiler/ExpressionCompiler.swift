import FlintLoader
import FlintOperators
import FlintScript
import FlintValues

extension FunctionCompiler {
    mutating func compileExpression(_ expression: Expression, expected: ScriptType? = nil) throws -> Typed {
        let location = expression.location
        switch expression.kind {
        case .integer(let i): return .constant(.int(i), .int)
        case .float(let d): return .constant(.double(d), .float)
        case .bool(let b): return .constant(.bool(b), .bool)
        case .none: return .constant(.none, .none)
        case .string(let bytes): return .constant(.string(String(decoding: bytes, as: UTF8.self)), .string)
        case .imaginary(let value): return .constant(.complex(real: 0, imaginary: value), .complex)
        case .ellipsis: throw fail("`...` is only supported in tensor subscripts", location)
        case .name(let name):
            if let variable = variables[name] {
                if let constant = constantValues[name] { return .constant(constant, variable.type) }
                let slot = variable.slot
                return Typed(evaluate: { $0.slots[slot] }, type: variable.type)
            }
            switch name {
            case "inf": return .constant(.double(.infinity), .float)
            case "nan": return .constant(.double(.nan), .float)
            case "True": return .constant(.bool(true), .bool)
            case "False": return .constant(.bool(false), .bool)
            case "None": return .constant(.none, .none)
            default: throw fail("undefined name '\(name)'", location)
            }
        case .attribute(let base, let name):
            return try compileAttribute(base, name, at: location)
        case .call(let callee, let arguments, let keywords):
            return try compileCallExpression(callee, arguments, keywords, expected: expected, at: location)
        case .subscript(let base, let indices):
            return try compileSubscript(base, indices, at: location)
        case .slice:
            throw fail("a slice is only valid inside a subscript", location)
        case .unary(let op, let operand):
            if op == "-", let literal = ConstantExpression.value(of: expression) {
                return .constant(literal, literal.numericValue.map { _ in if case .int = literal { ScriptType.int } else { .float } } ?? .any)
            }
            let value = try compileExpression(operand)
            switch op {
            case "not": return try compileCall("aten::__not__", arguments: [try asBool(value, at: location)], keywords: [], at: location)
            case "-": return try compileCall("aten::neg", arguments: [value], keywords: [], at: location)
            case "+": return value
            case "~": return try compileCall(value.type == .tensor ? "aten::bitwise_not" : "aten::__invert__", arguments: [value], keywords: [], at: location)
            default: throw fail("unsupported unary operator \(op)", location)
            }
        case .binary(let op, let lhs, let rhs):
            return try compileBinary(op, lhs, rhs, at: location)
        case .ternary(let condition, let then, let otherwise):
            let test = try compileCondition(condition)
            let (a, b) = (try compileExpression(then, expected: expected), try compileExpression(otherwise, expected: expected))
            if case .bool(let known)? = test.constant { return known ? a : b }
            let (t, x, y) = (test.evaluate, a.evaluate, b.evaluate)
            return Typed(evaluate: { frame in
                if case .bool(true) = try t(frame) { return try x(frame) }
                return try y(frame)
            }, type: Self.join(a.type, b.type))
        case .tuple(let items):
            let expectedItems: [ScriptType]? = if case .tuple(let types)? = expected, types.count == items.count { types } else { nil }
            let compiled = try items.enumerated().map { try compileExpression($0.element, expected: expectedItems?[$0.offset]) }
            let evaluates = compiled.map(\.evaluate)
            if compiled.allSatisfy({ $0.constant != nil }) {
                return .constant(.tuple(compiled.map { $0.constant! }), .tuple(compiled.map(\.type)))
            }
            return Typed(evaluate: { frame in .tuple(try evaluates.map { try $0(frame) }) }, type: .tuple(compiled.map(\.type)))
        case .list(let items):
            let expectedElement = expected?.elementType ?? expected?.unwrappedOptional.elementType
            let compiled = try items.map { try compileExpression($0, expected: expectedElement) }
            let elementType = expectedElement ?? compiled.map(\.type).reduce(nil as ScriptType?) { partial, next in partial.map { Self.join($0, next) } ?? next } ?? .tensor
            let evaluates = compiled.map(\.evaluate)
            let annotation = elementType.description
            // A literal of constants is known at compile time (for folding pure calls such as `x in [...]`);
            // each evaluation still makes a new list, since lists are mutable.
            let constant: ScriptValue? = compiled.allSatisfy({ $0.constant != nil })
                ? .list(compiled.map { $0.constant! }, elementType: annotation) : nil
            return Typed(evaluate: { frame in .list(try evaluates.map { try $0(frame) }, elementType: annotation) }, type: .list(elementType),
                         constant: constant)
        case .dict(let pairs):
            var (keyType, valueType): (ScriptType, ScriptType) = (.string, .tensor)
            if case .dict(let k, let v)? = expected?.unwrappedOptional { (keyType, valueType) = (k, v) }
            let compiled = try pairs.map { (try compileExpression($0.0, expected: keyType), try compileExpression($0.1, expected: valueType)) }
            if expected == nil, let first = compiled.first { (keyType, valueType) = (first.0.type, first.1.type) }
            let annotation = "Dict[\(keyType), \(valueType)]"
            let evaluates = compiled.map { ($0.0.evaluate, $0.1.evaluate) }
            return Typed(evaluate: { frame in
                let dict = ScriptDict(keys: [], values: [], typeAnnotation: annotation)
                for (k, v) in evaluates { dict.set(try k(frame), try v(frame)) }
                return .dict(dict)
            }, type: .dict(keyType, valueType))
        case .starred:
            throw fail("starred expressions are not supported", location)
        case .listComprehension(let element, let target, let iterable):
            let sequence = try compileExpression(iterable)
            let store = try compileStore(target, type: sequence.type.elementType ?? .any)
            let body = try compileExpression(element)
            let (source, produce) = (sequence.evaluate, body.evaluate)
            let annotation = body.type.description
            let trace = traceFrame(location)
            return Typed(evaluate: { frame in
                guard let elements = try source(frame).sequence else {
                    throw ScriptError(kind: .operatorFailed(operation: "comprehension"), message: "value is not iterable", frames: [trace])
                }
                var out: [ScriptValue] = []
                for element in elements {
                    try store(frame, element)
                    out.append(try produce(frame))
                }
                return .list(out, elementType: annotation)
            }, type: .list(body.type))
        }
    }

    mutating func asBool(_ value: Typed, at location: SourceLocation) throws -> Typed {
        value.type == .tensor ? try convert(value, to: "aten::Bool", at: location) : value
    }

    mutating func compileBinary(_ op: String, _ lhs: Expression, _ rhs: Expression, at location: SourceLocation) throws -> Typed {
        switch op {
        case "and", "or":
            let (a, b) = (try asBool(try compileExpression(lhs), at: location), try asBool(try compileExpression(rhs), at: location))
            let (x, y) = (a.evaluate, b.evaluate)
            let isAnd = op == "and"
            if case .bool(let first)? = a.constant { return first != isAnd ? .constant(.bool(first), .bool) : b }
            return Typed(evaluate: { frame in
                guard case .bool(let first) = try x(frame) else { throw ScriptError(kind: .operatorFailed(operation: op), message: "operand is not a bool") }
                if first != isAnd { return .bool(first) }
                return try y(frame)
            }, type: .bool)
        case "is", "is not":
            return try compileCall(op == "is" ? "aten::__is__" : "aten::__isnot__", arguments: [try compileExpression(lhs), try compileExpression(rhs)], keywords: [], at: location)
        case "in", "not in":
            let contains = try compileCall("aten::__contains__", arguments: [try compileExpression(rhs), try compileExpression(lhs)], keywords: [], at: location)
            return op == "in" ? contains : try compileCall("aten::__not__", arguments: [contains], keywords: [], at: location)
        default:
            guard var name = Self.binaryOperators[op] else { throw fail("unsupported operator \(op)", location) }
            let (a, b) = (try compileExpression(lhs), try compileExpression(rhs))
            if name == "aten::floordiv" && (a.type == .tensor || b.type == .tensor) { name = "aten::floor_divide" }
            if a.type == .tensor || b.type == .tensor {
                switch name {
                case "aten::__and__": name = "aten::bitwise_and"
                case "aten::__or__": name = "aten::bitwise_or"
                case "aten::__xor__": name = "aten::bitwise_xor"
                default: break
                }
            }
            // `number op Tensor` is spelled with the tensor first where ATen has no reversed overload.
            if b.type == .tensor && a.type != .tensor {
                switch name {
                case "aten::add", "aten::mul", "aten::eq", "aten::ne", "aten::bitwise_and", "aten::bitwise_or", "aten::bitwise_xor":
                    return try compileCall(name, arguments: [b, a], keywords: [], at: location)
                case "aten::sub":
                    return try compileCall("aten::rsub", arguments: [b, a], keywords: [], at: location)
                case "aten::lt", "aten::le", "aten::gt", "aten::ge":
                    let mirrored = ["aten::lt": "aten::gt", "aten::le": "aten::ge", "aten::gt": "aten::lt", "aten::ge": "aten::le"][name]!
                    return try compileCall(mirrored, arguments: [b, a], keywords: [], at: location)
                default: break
                }
            }
            return try compileCall(name, arguments: [a, b], keywords: [], at: location)
        }
    }

    // MARK: Attributes

    mutating func compileAttribute(_ base: Expression, _ name: String, at location: SourceLocation) throws -> Typed {
        if let dotted = Self.dottedName(base) {
            if dotted == "CONSTANTS", name.hasPrefix("c"), let index = Int(name.dropFirst()) {
                guard index < program.model.constants.count else { throw fail("CONSTANTS.\(name) is not in the constant table", location) }
                var value = program.model.constants[index]
                // A 0-dim constant is marked: add/sub/mul/div take it as a number, as libtorch's canonicalisation does.
                if case .tensor(let t) = value, t.rank == 0 { value = .tensor(t.asWrappedNumber()) }
                return Typed(evaluate: { _ in value }, type: Self.staticType(of: value))
            }
            if variables[dotted.split(separator: ".").first.map(String.init) ?? ""] == nil {
                if let value = BuiltinNames.constant(module: dotted, name: name) { return .constant(value, Self.staticType(of: value)) }
                // `__torch__.torch.nn.functional.relu`: a free function, named to be called later.
                if dotted.hasPrefix("__torch__"), program.classType(dotted + "." + name) == nil,
                    try program.freeFunction(qualifiedName: dotted + "." + name) != nil
                {
                    return Typed(evaluate: { _ in .none }, type: .other(Self.functionTypePrefix + dotted + "." + name))
                }
                // `__torch__.Color.RED`: a member of an enum class.
                if dotted.hasPrefix("__torch__"), let type = program.classType(dotted), type.outline.kind == .enumeration {
                    guard let member = type.outline.constants.first(where: { $0.name == name }),
                        let value = try? ConstantExpression.parse(member.valueText)
                    else { throw fail("enum \(dotted) has no member \(name)", location) }
                    let enumValue = ScriptValue.enumValue(ScriptEnumValue(type: type, name: name, value: value))
                    return .constant(enumValue, .object(dotted))
                }
            }
        }
        let object = try compileExpression(base)
        let evaluate = object.evaluate
        let trace = traceFrame(location)
        switch object.type {
        case .object(let className):
            guard let type = program.classType(className) else { throw fail("unknown class \(className)", location) }
            if type.outline.kind == .namedTuple {
                guard let index = type.attributes.firstIndex(where: { $0.name == name }) else { throw fail("\(className) has no field \(name)", location) }
                let fieldType = program.attributeType(name, of: type) ?? .any
                return Typed(evaluate: { frame in
                    guard let items = try evaluate(frame).sequence, index < items.count else {
                        throw ScriptError(kind: .operatorFailed(operation: "getattr"), message: "value is not a \(className)", frames: [trace])
                    }
                    return items[index]
                }, type: fieldType)
            }
            if type.outline.kind == .enumeration {
                return try compileCall(name == "name" ? "prim::EnumName" : "prim::EnumValue", arguments: [object], keywords: [], at: location)
            }
            if let constant = type.outline.constants.first(where: { $0.name == name }) {
                guard let value = try? ConstantExpression.parse(constant.valueText) else {
                    throw fail("cannot read constant \(className).\(name)", location)
                }
                return .constant(value, constant.type.flatMap { try? ScriptType(parsing: $0) } ?? Self.staticType(of: value))
            }
            let attributeType = program.attributeType(name, of: type)
            guard let attributeType else { throw fail("\(className) has no attribute '\(name)'", location) }
            let isConcrete = type.outline.kind == .module || type.outline.kind == .plain
            let staticSlot = isConcrete ? type.slotIndex(of: name) : nil
            return Typed(evaluate: { frame in
                guard case .object(let o) = try evaluate(frame) else {
                    throw ScriptError(kind: .operatorFailed(operation: "getattr"), message: "'NoneType' object has no attribute '\(name)'", frames: [trace])
                }
                if let slot = staticSlot, o.type === type { return o.slots[slot] }
                guard let slot = o.type.slotIndex(of: name) else {
                    throw ScriptError(kind: .operatorFailed(operation: "getattr"), message: "\(o.type.qualifiedName) has no attribute '\(name)'", frames: [trace])
                }
                return o.slots[slot]
            }, type: attributeType)
        case .tensor:
            guard let operatorName = BuiltinNames.tensorAttributes[name] else { throw fail("Tensor has no attribute '\(name)' in TorchScript", location) }
            return try compileCall(operatorName, arguments: [object], keywords: [], at: location)
        default:
            if case .device = object.type, name == "type" || name == "index" {
                return Typed(evaluate: { frame in
                    guard case .device(let d) = try evaluate(frame) else { return .none }
                    return name == "type" ? .string(d.type) : d.index.map { .int(Int64($0)) } ?? .none
                }, type: name == "type" ? .string : .optional(.int))
            }
            throw fail("cannot read attribute '\(name)' of a value of type \(object.type)", location)
        }
    }

    // MARK: Subscripts

    mutating func compileSubscript(_ base: Expression, _ indices: [Expression], at location: SourceLocation) throws -> Typed {
        let container = try compileExpression(base)
        if container.type == .tensor { return try compileTensorSubscript(container, indices, at: location) }
        guard indices.count == 1 else { throw fail("multi-dimensional subscript of \(container.type)", location) }
        let index = indices[0]
        if case .slice(let start, let end, let step) = index.kind {
            let parts = try [start, end, step].map { try $0.map { try compileExpression($0) } ?? .constant(.none, .none) }
            if case .tuple(let types) = container.type {
                guard parts.allSatisfy({ $0.constant != nil }) else { throw fail("tuple slices need constant bounds", location) }
                let bounds = parts.map { p -> Int? in if case .int(let i)? = p.constant { Int(i) } else { nil } }
                guard let picked = PythonSlice.indices(count: types.count, start: bounds[0], end: bounds[1], step: bounds[2] ?? 1) else {
                    throw fail("slice step cannot be zero", location)
                }
                let evaluate = container.evaluate
                return Typed(evaluate: { frame in
                    let items = try evaluate(frame).sequence ?? []
                    return .tuple(picked.map { items[$0] })
                }, type: .tuple(picked.map { types[$0] }))
            }
            let step = step == nil ? Typed.constant(.int(1), .int) : parts[2]
            let name = container.type == .string ? "aten::slice.str" : "aten::slice.t"
            return try compileResolvedCall(name, [container, parts[0], parts[1], step], at: location, type: container.type)
        }
        let key = try compileExpression(index)
        if case .tuple(let types) = container.type {
            guard case .int(let i)? = key.constant else { throw fail("tuple indices must be constants", location) }
            let position = Int(i) < 0 ? Int(i) + types.count : Int(i)
            guard types.indices.contains(position) else { throw fail("tuple index \(i) out of range", location) }
            let evaluate = container.evaluate
            let trace = traceFrame(location)
            return Typed(evaluate: { frame in
                guard let items = try evaluate(frame).sequence, position < items.count else {
                    throw ScriptError(kind: .operatorFailed(operation: "TupleIndex"), message: "tuple index out of range", frames: [trace])
                }
                return items[position]
            }, type: types[position])
        }
        if case .object(let className) = container.type, let type = program.classType(className), type.outline.kind == .namedTuple {
            guard case .int(let i)? = key.constant else { throw fail("NamedTuple indices must be constants", location) }
            let evaluate = container.evaluate
            let fieldType = type.attributes.indices.contains(Int(i)) ? program.attributeType(type.attributes[Int(i)].name, of: type) ?? .any : .any
            return Typed(evaluate: { frame in (try evaluate(frame).sequence ?? [])[Int(i)] }, type: fieldType)
        }
        return try compileCall("aten::__getitem__", arguments: [container, key], keywords: [], at: location)
    }

    /// `x[0]`, `x[1:3]`, `x[:, None]`, `x[..., 0]`, `x[mask]`: select/slice/unsqueeze per index, then one
    /// `index` for tensor indices, as TorchScript's emitter lowers them.
    mutating func compileTensorSubscript(_ tensor: Typed, _ indices: [Expression], at location: SourceLocation) throws -> Typed {
        var current = tensor
        var dim = 0
        var tensorIndices: [(Int, Typed)] = []
        for (position, index) in indices.enumerated() {
            switch index.kind {
            case .ellipsis:
                // Dimensions after the ellipsis are counted from the end.
                dim = -indices[(position + 1)...].filter { if case .none = $0.kind { false } else { true } }.count
            case .none:
                current = try compileResolvedCall("aten::unsqueeze", [current, .constant(.int(Int64(dim)), .int)], at: location, type: .tensor)
                dim += 1
            case .slice(let start, let end, let step):
                let parts = try [start, end, step].map { try $0.map { try compileExpression($0) } }
                current = try compileResolvedCall(
                    "aten::slice.Tensor",
                    [current, .constant(.int(Int64(dim)), .int), parts[0] ?? .constant(.none, .none), parts[1] ?? .constant(.none, .none),
                     parts[2] ?? .constant(.int(1), .int)], at: location, type: .tensor)
                dim += 1
            default:
                let value = try compileExpression(index)
                if value.type == .int {
                    current = try compileResolvedCall("aten::select.int", [current, .constant(.int(Int64(dim)), .int), value], at: location, type: .tensor)
                    if dim < 0 { dim += 1 }
                } else {
                    tensorIndices.append((dim, value))
                    dim += 1
                }
            }
        }
        guard !tensorIndices.isEmpty else { return current }
        guard tensorIndices.allSatisfy({ $0.0 >= 0 }) else { throw fail("tensor indices after `...` are not supported", location) }
        let count = (tensorIndices.map(\.0).max() ?? 0) + 1
        let slots = tensorIndices
        let list = Typed(evaluate: { frame in
            var items = [ScriptValue](repeating: .none, count: count)
            for (d, value) in slots { items[d] = try value.evaluate(frame) }
            return .list(items, elementType: "Optional[Tensor]")
        }, type: .list(.optional(.tensor)))
        return try compileResolvedCall("aten::index.Tensor", [current, list], at: location, type: .tensor)
    }

    static func dottedName(_ expression: Expression) -> String? {
        switch expression.kind {
        case .name(let name): name
        case .attribute(let base, let name): dottedName(base).map { "\($0).\(name)" }
        default: nil
        }
    }

    /// The static type a known value has.
    static func staticType(of value: ScriptValue) -> ScriptType {
        switch value {
        case .none: .none
        case .bool: .bool
        case .int: .int
        case .double: .float
        case .complex: .complex
        case .string: .string
        case .tensor: .tensor
        case .device: .device
        case .list(let list): .list(list.elementType.flatMap { try? ScriptType(parsing: $0) } ?? list.elements.first.map(staticType(of:)) ?? .any)
        case .dict(let dict):
            if let annotation = dict.typeAnnotation, let type = try? ScriptType(parsing: annotation) { type } else { .dict(.any, .any) }
        case .tuple(let items): .tuple(items.map(staticType(of:)))
        case .object(let object): .object(object.type.qualifiedName)
        case .enumValue(let member): .object(member.type.qualifiedName)
        }
    }
}

extension ScriptType {
    var unwrappedOptional: ScriptType {
        if case .optional(let inner) = self { return inner }
        return self
    }
}
