import FlintScript
import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// List and dict builtins. Lists and dicts are shared references: mutating operators change the
    /// caller's object. Bodies dispatch on the value's kind, so one body serves every element-type overload.
    mutating func defineContainerOperators() {
        everyOverload(of: "aten::len") { c in
            switch c[0] {
            case .list(let list): return .int(Int64(list.elements.count))
            case .dict(let dict): return .int(Int64(dict.keys.count))
            case .string(let s): return .int(Int64(s.utf8.count))
            case .tensor(let t):
                guard t.rank > 0 else { throw OperatorError("len() of a 0-d tensor") }
                return .int(Int64(t.shape[0]))
            case .tuple(let items): return .int(Int64(items.count))
            default: throw OperatorError("len() of \(c[0].kindName)")
            }
        }
        if let length = self["aten::len.t"] { define("aten::len.Tensor", length) }
        define("aten::append.t") { c in
            let list = try c.list(0)
            list.elements.append(c[1])
            return .list(list)
        }
        everyOverload(of: "aten::extend") { c in
            let list = try c.list(0)
            list.elements += c[1].sequence ?? []
            return .none
        }
        define("aten::add_.t") { c in
            let list = try c.list(0)
            list.elements += c[1].sequence ?? []
            return .list(list)
        }
        define("aten::add.t") { c in
            let a = try c.list(0)
            return .list(a.elements + (try c.list(1).elements), elementType: a.elementType)
        }
        define("aten::mul.left_t") { c in
            let list = try c.list(0)
            return .list(Self.repeated(list.elements, try c.int(1, "n")), elementType: list.elementType)
        }
        define("aten::mul.right_") { c in
            let list = try c.list(1)
            return .list(Self.repeated(list.elements, try c.int(0, "n")), elementType: list.elementType)
        }
        define("aten::mul_.t") { c in
            let list = try c.list(0)
            list.elements = Self.repeated(list.elements, try c.int(1, "n"))
            return .list(list)
        }
        define("aten::insert.t") { c in
            let list = try c.list(0)
            let count = list.elements.count
            var index = try c.int(1, "idx")
            if index < 0 { index = max(0, index + count) }
            list.elements.insert(c[2], at: min(index, count))
            return .none
        }
        define("aten::pop.t") { c in
            let list = try c.list(0)
            guard !list.elements.isEmpty else { throw OperatorError("pop from empty list") }
            let index = try Self.normalize(c.int(1, "idx"), count: list.elements.count, what: "pop index out of range")
            return list.elements.remove(at: index)
        }
        everyOverload(of: "aten::remove") { c in
            let list = try c.list(0)
            guard let i = try list.elements.firstIndex(where: { try ScriptValue.compare($0, c[1], equalityOnly: true, operation: "remove") == .equal }) else {
                throw OperatorError("list.remove(x): x not in list")
            }
            list.elements.remove(at: i)
            return .none
        }
        everyOverload(of: "aten::count") { c in
            if case .string = c[0] { return try StringBuiltins.count(c) }
            let list = try c.list(0)
            return .int(Int64(try list.elements.count(where: { try ScriptValue.compare($0, c[1], equalityOnly: true, operation: "count") == .equal })))
        }
        everyOverload(of: "aten::clear") { c in
            switch c[0] {
            case .list(let list): list.elements.removeAll()
            case .dict(let dict): dict.keys.removeAll(); dict.values.removeAll()
            default: throw OperatorError("clear() on \(c[0].kindName)")
            }
            return .none
        }
        everyOverload(of: "aten::reverse") { c in
            let list = try c.list(0)
            list.elements.reverse()
            return .none
        }
        everyOverload(of: "aten::copy") { c in
            switch c[0] {
            case .list(let list): return .list(list.elements, elementType: list.elementType)
            case .dict(let dict): return .dict(ScriptDict(keys: dict.keys, values: dict.values, typeAnnotation: dict.typeAnnotation))
            default: throw OperatorError("copy() on \(c[0].kindName)")
            }
        }
        define("aten::list.t") { c in
            let list = try c.list(0)
            return .list(list.elements, elementType: list.elementType)
        }
        // Tensor lists compare as TorchScript's do: each comparison is a one-element tensor's truth value
        // (`a.lt(b)`, `a.eq(b)`), so tensors of several elements are refused, as libtorch refuses them.
        define("aten::sorted.Tensor") { c in
            let list = try c.list(0)
            return .list(try Self.sortedTensors(list.elements, descending: false), elementType: list.elementType)
        }
        define("aten::sort.Tensor") { c in
            let list = try c.list(0)
            list.elements = try Self.sortedTensors(list.elements, descending: c.bool(1, "reverse", default: false))
            return .none
        }
        define("aten::count.Tensor") { c in
            let target = try c.tensor(1, "el")
            return .int(Int64(try c.list(0).elements.reduce(0) { count, element in count + (try Self.tensorMatches(element, target) ? 1 : 0) }))
        }
        define("aten::eq.Tensor_list") { c in
            let (a, b) = (try c.list(0).elements, try c.list(1).elements)
            guard a.count == b.count else { return .bool(false) }
            for (x, y) in zip(a, b) {
                guard case .tensor(let s) = x, case .tensor(let t) = y else { return .bool(false) }
                if s.isSameView(as: t) { continue }
                if try !Self.tensorTruth(Tensor.compare(Equal(), .tensor(s), .tensor(t), operation: "eq")) { return .bool(false) }
            }
            return .bool(true)
        }
        // any() of a str list: whether some string is non-empty.
        define("aten::any.str") { c in
            .bool(try c.list(0).elements.contains { if case .string(let s) = $0 { !s.isEmpty } else { false } })
        }
        everyOverload(of: "aten::sort") { c in
            let list = try c.list(0)
            list.elements = try Self.sorted(list.elements, descending: c.bool(1, "reverse", default: false))
            return .none
        }
        everyOverload(of: "aten::sorted") { c in
            let list = try c.list(0)
            return .list(try Self.sorted(list.elements, descending: false), elementType: list.elementType)
        }
        everyOverload(of: "aten::__contains__") { c in
            switch c[0] {
            case .dict(let dict): return .bool(dict.index(of: c[1]) != nil)
            case .string(let s): return .bool(try StringBuiltins.find(Array(s.utf8), Array(c.string(1, "key").utf8)) != nil)
            default:
                let list = try c.list(0)
                return .bool(try list.elements.contains { try ScriptValue.compare($0, c[1], equalityOnly: true, operation: "in") == .equal })
            }
        }
        everyOverload(of: "aten::__getitem__") { c in
            switch c[0] {
            case .list(let list):
                return list.elements[try Self.normalize(c.int(1, "idx"), count: list.elements.count, what: "list index out of range")]
            case .dict(let dict):
                guard let i = dict.index(of: c[1]) else { throw OperatorError("KeyError: \(c[1].pythonString(quoted: false))") }
                return dict.values[i]
            case .string(let s):
                let bytes = Array(s.utf8)
                let i = try Self.normalize(c.int(1, "index"), count: bytes.count, what: "string index out of range")
                return .string(String(decoding: [bytes[i]], as: UTF8.self))
            default: throw OperatorError("__getitem__ on \(c[0].kindName)")
            }
        }
        everyOverload(of: "aten::_set_item") { c in
            switch c[0] {
            case .list(let list):
                list.elements[try Self.normalize(c.int(1, "idx"), count: list.elements.count, what: "list assignment index out of range")] = c[2]
                return .list(list)
            case .dict(let dict):
                dict.set(c[1], c[2])
                return .none
            default: throw OperatorError("item assignment on \(c[0].kindName)")
            }
        }
        everyOverload(of: "aten::Delete") { c in
            switch c[0] {
            case .list(let list):
                list.elements.remove(at: try Self.normalize(c.int(1, "idx"), count: list.elements.count, what: "list assignment index out of range"))
            case .dict(let dict):
                guard dict.remove(c[1]) != nil else { throw OperatorError("KeyError: \(c[1].pythonString(quoted: true))") }
            default: throw OperatorError("del on \(c[0].kindName)")
            }
            return .none
        }
        define("aten::slice.t") { c in
            let list = try c.list(0)
            let indices = PythonSlice.indices(count: list.elements.count, start: try c.optionalInt(1, "start"), end: try c.optionalInt(2, "end"), step: try c.int(3, "step"))
            guard let indices else { throw OperatorError("slice step cannot be zero") }
            return .list(indices.map { list.elements[$0] }, elementType: list.elementType)
        }
        everyOverload(of: "aten::index", where: { $0.overload.hasPrefix("list") }) { c in
            let list = try c.list(0)
            guard let i = try list.elements.firstIndex(where: { try ScriptValue.compare($0, c[1], equalityOnly: true, operation: "index") == .equal }) else {
                throw OperatorError("'\(c[1].pythonString(quoted: false))' is not in list")
            }
            return .int(Int64(i))
        }
        for name in ["prim::max", "prim::min"] {
            let isMax = name == "prim::max"
            for schema in TorchSchemaTable.nonTensorOverloads(of: name) where schema.arguments.first?.type.isList ?? false {
                define(schema.qualifiedName) { c in
                    if schema.arguments.count == 2 {
                        let order = try ScriptValue.compare(c[0], c[1], equalityOnly: false, operation: name)
                        return (order == .greater) == isMax ? c[0] : c[1]
                    }
                    let list = try c.list(0)
                    guard var best = list.elements.first else { throw OperatorError("\(isMax ? "max" : "min")() arg is an empty sequence") }
                    for element in list.elements.dropFirst() {
                        let order = try ScriptValue.compare(element, best, equalityOnly: false, operation: name)
                        if order == .unordered { if case .double(let d) = element, d.isNaN { best = element } }
                        if isMax ? order == .greater : order == .less { best = element }
                    }
                    return best
                }
            }
        }
        everyOverload(of: "aten::sum", where: { $0.arguments.count == 1 }) { c in
            let list = try c.list(0)
            var intTotal: Int64 = 0
            var floatTotal = 0.0
            var isFloat = false
            for element in list.elements {
                switch try Number(element, "sum") {
                case .int(let i): intTotal = intTotal &+ i; floatTotal += Double(i)
                case .double(let d): isFloat = true; floatTotal += d
                }
            }
            return isFloat ? .double(floatTotal) : .int(intTotal)
        }
        everyOverload(of: "aten::any", where: { $0.overload != "str" }) { c in
            .bool(try c.list(0).elements.contains { try Number($0, "any").double != 0 })
        }
        everyOverload(of: "aten::all") { c in
            .bool(try c.list(0).elements.allSatisfy { try Number($0, "all").double != 0 })
        }
        defineDictOperators()
    }

    private mutating func defineDictOperators() {
        everyOverload(of: "aten::keys") { c in .list(try c.dict(0).keys, elementType: nil) }
        everyOverload(of: "aten::values") { c in .list(try c.dict(0).values, elementType: nil) }
        everyOverload(of: "aten::items") { c in
            let dict = try c.dict(0)
            return .list(zip(dict.keys, dict.values).map { .tuple([$0, $1]) }, elementType: nil)
        }
        everyOverload(of: "aten::get") { c in
            let dict = try c.dict(0)
            return dict.index(of: c[1]).map { dict.values[$0] } ?? c[2]
        }
        everyOverload(of: "aten::setdefault") { c in
            let dict = try c.dict(0)
            if let i = dict.index(of: c[1]) { return dict.values[i] }
            dict.set(c[1], c[2])
            return c[2]
        }
        everyOverload(of: "aten::pop", where: { $0.overload.hasPrefix("Dict") }) { c in
            let dict = try c.dict(0)
            if let value = dict.remove(c[1]) { return value }
            guard c.values.count > 2 else { throw OperatorError("KeyError: \(c[1].pythonString(quoted: true))") }
            return c[2]
        }
        everyOverload(of: "aten::popitem") { c in
            let dict = try c.dict(0)
            guard let key = dict.keys.last else { throw OperatorError("KeyError: popitem(): dictionary is empty") }
            let value = dict.remove(key)!
            return .tuple([key, value])
        }
        everyOverload(of: "aten::update") { c in
            let (dict, other) = (try c.dict(0), try c.dict(1))
            for (k, v) in zip(other.keys, other.values) { dict.set(k, v) }
            return .none
        }
        let makeDict: OperatorBody = { c in
            let result = ScriptDict(keys: [], values: [], typeAnnotation: nil)
            switch c[0] {
            case .dict(let other):
                for (k, v) in zip(other.keys, other.values) { result.set(k, v) }
            case .list(let pairs):
                for pair in pairs.elements {
                    guard case .tuple(let kv) = pair, kv.count == 2 else { throw OperatorError("dict() expects (key, value) pairs") }
                    result.set(kv[0], kv[1])
                }
            default: break
            }
            return .dict(result)
        }
        // Every overload, `dict() -> Dict(str, Tensor)` included.
        for schema in TorchSchemaTable.overloads(of: "aten::dict") { define(schema.qualifiedName, makeDict) }
        // Tensor-keyed dicts (keys matched by identity, as TorchScript hashes a tensor key) run the int-keyed bodies.
        let tensorKeyed: [(String, String)] = [
            ("Delete.Dict_Tensor", "Delete.Dict_int"), ("__contains__.Tensor", "__contains__.int"), ("__getitem__.Dict_Tensor", "__getitem__.Dict_int"),
            ("_set_item.Tensor", "_set_item.int"), ("clear.Tensor", "clear.int"), ("copy.Dict_Tensor", "copy.Dict_int"), ("get.Tensor", "get.int"),
            ("get.default_Tensor", "get.default_int"), ("items.Tensor", "items.int"), ("keys.Tensor", "keys.int"), ("len.Dict_Tensor", "len.Dict_int"),
            ("pop.Dict_Tensor", "pop.Dict_int"), ("pop.Dict_default_Tensor", "pop.Dict_default_int"), ("popitem.Tensor", "popitem.int"),
            ("setdefault.Tensor", "setdefault.int"), ("update.Tensor", "update.int"), ("values.Tensor", "values.int"),
        ]
        for (name, counterpart) in tensorKeyed where self["aten::" + name] == nil {
            guard let body = self["aten::" + counterpart] else { preconditionFailure("aten::\(counterpart) is not declared") }
            define("aten::" + name, body)
        }
    }

    /// Declares one body for every non-tensor overload of `name` (optionally filtered).
    mutating func everyOverload(of name: String, where include: (OperatorSchema) -> Bool = { _ in true }, _ body: @escaping OperatorBody) {
        for schema in TorchSchemaTable.nonTensorOverloads(of: name) where include(schema) && self[schema.qualifiedName] == nil {
            define(schema.qualifiedName, body)
        }
    }

    static func repeated(_ elements: [ScriptValue], _ n: Int) -> [ScriptValue] {
        Array([[ScriptValue]](repeating: elements, count: max(0, n)).joined())
    }

    /// A Python index into a sequence of `count` elements, negative from the end.
    static func normalize(_ index: Int, count: Int, what: String) throws -> Int {
        let i = index < 0 ? index + count : index
        guard i >= 0 && i < count else { throw OperatorError(what) }
        return i
    }

    /// A one-element tensor's truth value (`bool(t)`); more elements are ambiguous, as in Python.
    static func tensorTruth(_ t: Tensor) throws -> Bool {
        guard t.elementCount == 1 else {
            throw OperatorError(t.elementCount == 0 ? "Boolean value of Tensor with no values is ambiguous" : "Boolean value of Tensor with more than one value is ambiguous")
        }
        return try t.item() != 0
    }

    /// Tensors ordered by `a.lt(b)` (`b.lt(a)` descending), equal ones in their order.
    /// Whether a list element is a tensor `==` to `target` (a one-element result), as TorchScript's `count`, `index`
    /// and `remove` of tensor lists compare.
    static func tensorMatches(_ element: ScriptValue, _ target: Tensor) throws -> Bool {
        guard case .tensor(let t) = element else { return false }
        return try tensorTruth(Tensor.compare(Equal(), .tensor(t), .tensor(target), operation: "eq"))
    }

    static func sortedTensors(_ elements: [ScriptValue], descending: Bool) throws -> [ScriptValue] {
        try stableSorted(elements) { a, b in
            guard case .tensor(let x) = a, case .tensor(let y) = b else { return nil }
            let (first, second) = descending ? (y, x) : (x, y)
            if try tensorTruth(Tensor.compare(Less(), .tensor(first), .tensor(second), operation: "lt")) { return true }
            if try tensorTruth(Tensor.compare(Less(), .tensor(second), .tensor(first), operation: "lt")) { return false }
            return nil
        }
    }

    static func sorted(_ elements: [ScriptValue], descending: Bool) throws -> [ScriptValue] {
        try stableSorted(elements) { a, b in
            let order = try ScriptValue.compare(a, b, equalityOnly: false, operation: "sort")
            if order == .equal || order == .unordered { return nil }
            return descending ? order == .greater : order == .less
        }
    }

    /// `elements` sorted by `precedes` (nil: neither goes first, so they keep their order); the first error it
    /// throws is rethrown once the sort is done.
    private static func stableSorted(_ elements: [ScriptValue], by precedes: (ScriptValue, ScriptValue) throws -> Bool?) throws -> [ScriptValue] {
        var failure: Error?
        let result = elements.enumerated().sorted { a, b in
            guard failure == nil else { return a.offset < b.offset }
            do {
                return try precedes(a.element, b.element) ?? (a.offset < b.offset)
            } catch {
                failure = error
                return false
            }
        }.map(\.element)
        if let failure { throw failure }
        return result
    }
}

extension Arguments {
    package func list(_ index: Int) throws -> ScriptList {
        guard case .list(let list) = self[index] else { throw OperatorError("argument \(index + 1) must be a list, not \(self[index].kindName)") }
        return list
    }

    package func dict(_ index: Int) throws -> ScriptDict {
        guard case .dict(let dict) = self[index] else { throw OperatorError("argument \(index + 1) must be a dict, not \(self[index].kindName)") }
        return dict
    }
}

/// Python's slice arithmetic (`slice.indices`), shared by list, string and tuple slicing.
package enum PythonSlice {
    /// The indices `sequence[start:end:step]` selects from `count` elements; nil for a zero step.
    package static func indices(count: Int, start: Int?, end: Int?, step: Int) -> [Int]? {
        guard step != 0 else { return nil }
        func clamp(_ value: Int?, _ fallback: Int, low: Int, high: Int) -> Int {
            guard var v = value else { return fallback }
            if v < 0 { v += count }
            return min(max(v, low), high)
        }
        if step > 0 {
            let s = clamp(start, 0, low: 0, high: count)
            let e = clamp(end, count, low: 0, high: count)
            return s < e ? Array(stride(from: s, to: e, by: step)) : []
        }
        let s = clamp(start, count - 1, low: -1, high: count - 1)
        let e = clamp(end, -1, low: -1, high: count - 1)
        return s > e ? Array(stride(from: s, to: e, by: step)) : []
    }
}
