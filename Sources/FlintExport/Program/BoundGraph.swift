import FlintGraph
import FlintLoader
import FlintOperators
import FlintScript
import FlintValues

/// Where an operator argument comes from when a node runs: a slot (a tensor or symbolic size another node
/// or a placeholder defined), a literal, or a list of those.
indirect enum ArgumentSource: Sendable {
    case slot(Int)
    case literal(ScriptValue)
    case list([ArgumentSource], elementType: String)

    func value(_ slots: [ScriptValue]) -> ScriptValue {
        switch self {
        case .slot(let index): slots[index]
        case .literal(let value): value
        case .list(let items, let type): .list(items.map { $0.value(slots) }, elementType: type)
        }
    }

    var slots: [Int] {
        switch self {
        case .slot(let index): [index]
        case .literal: []
        case .list(let items, _): items.flatMap(\.slots)
        }
    }
}

/// Where a node's result goes: a slot, the elements of a returned list, or nowhere.
indirect enum OutputTarget: Sendable {
    case slot(Int)
    case list([OutputTarget])
    case ignored

    func store(_ value: ScriptValue, into slots: inout [ScriptValue]) {
        switch self {
        case .slot(let index): slots[index] = value
        case .list(let targets):
            let elements: [ScriptValue]
            switch value {
            case .list(let list): elements = list.elements
            case .tuple(let items): elements = items
            default: return
            }
            for (target, element) in zip(targets, elements) { target.store(element, into: &slots) }
        case .ignored: break
        }
    }
}

/// One call of the program's graph, bound to its implementation.
struct BoundNode: Sendable {
    /// The node's name in the program (`conv2d_1`).
    let name: String
    /// The operator's qualified name (`aten::conv2d`), or the Python function's (`_operator.mul`).
    let operation: String
    let body: OperatorBody
    let arguments: [ArgumentSource]
    let outputs: [OutputTarget]
    /// The user's Python line this node was traced from, when the program recorded it.
    let sourceLine: ExportError.SourceLine?
}

/// Binds a serialized graph's nodes to Flint's operator registry, naming every value with a slot.
struct GraphBinder {
    let registry: OperatorRegistry
    let record: String
    private(set) var slotOf: [String: Int] = [:]
    /// Targets Flint has no implementation for: the qualified name (or Python function) and what to show.
    var missing: [(name: String, detail: String)] = []

    init(registry: OperatorRegistry, record: String) {
        self.registry = registry
        self.record = record
    }

    var slotCount: Int { slotOf.count }

    /// A new slot for a value the graph defines.
    mutating func define(_ name: String) throws -> Int {
        guard slotOf[name] == nil else { throw LoadError(.corrupt, "value '\(name)' is defined twice", record: record) }
        let index = slotOf.count
        slotOf[name] = index
        return index
    }

    func slot(_ name: String, in node: String) throws -> Int {
        guard let index = slotOf[name] else {
            throw LoadError(.corrupt, "node '\(node)' reads '\(name)' before anything defines it", record: record)
        }
        return index
    }

    /// The name an `Argument` defines or reads (`as_tensor`, `as_sym_int.as_name`, ...), if it is one.
    static func definedName(_ argument: JSONText) -> String? {
        for key in ["as_tensor", "as_sym_int", "as_sym_float", "as_sym_bool", "as_custom_obj"] {
            if let value = argument[key] { return value["name"]?.string ?? value["as_name"]?.string }
        }
        return nil
    }

    mutating func bind(node json: JSONText) throws -> BoundNode? {
        guard let target = json["target"]?.string else { throw LoadError(.corrupt, "a node has no target", record: record) }
        let name = json["name"]?.string ?? target
        let inputs = json["inputs"]?.array ?? []
        if Self.higherOrderTargets.contains(target) {
            let (body, arguments) = try bindHigherOrder(target, name: name, inputs: inputs)
            let outputs = try (json["outputs"]?.array ?? []).map { try outputTarget($0, node: name) }
            return BoundNode(name: name, operation: target, body: body, arguments: arguments, outputs: outputs,
                             sourceLine: Self.userLine(json["metadata"]?["stack_trace"]?.string))
        }
        let resolved = try resolve(target, node: name)
        let outputs = try (json["outputs"]?.array ?? []).map { try outputTarget($0, node: name) }
        guard let resolved else { return nil }
        var (operation, body) = (resolved.0, resolved.1)
        var arguments: [ArgumentSource] = []
        if let resolvedSchema = resolved.2 {
            var byName: [String: JSONText] = [:]
            for input in inputs {
                guard let key = input["name"]?.string, let argument = input["arg"] else { throw LoadError(.corrupt, "node '\(name)' has a malformed input", record: record) }
                byName[key] = argument
            }
            var schema = resolvedSchema
            // Python numbers passed for a Tensor parameter (`x.add_(1)` records `add_.Tensor` with `other` an int)
            // are wrapped numbers in ATen: bind the overload taking a Scalar there, which has their semantics.
            let numberForTensor = schema.arguments.contains { parameter in
                parameter.type == .named("Tensor") && byName[parameter.name].map { $0["as_int"] != nil || $0["as_float"] != nil || $0["as_bool"] != nil } == true
            }
            if numberForTensor, let scalarForm = scalarOverload(of: schema, numbers: byName) {
                schema = scalarForm.schema
                body = scalarForm.body
                operation = schema.qualifiedName
            }
            for parameter in schema.arguments {
                if let argument = byName.removeValue(forKey: parameter.name) {
                    arguments.append(try source(argument, node: name))
                } else if let text = parameter.defaultValue, let value = SchemaDefault.value(text, type: parameter.type) {
                    arguments.append(.literal(value))
                } else if case .optional = parameter.type {
                    arguments.append(.literal(.none))
                } else {
                    throw LoadError(.corrupt, "node '\(name)' (\(operation)) does not give the argument '\(parameter.name)'", record: record)
                }
            }
            if let extra = byName.keys.sorted().first {
                throw LoadError(.unsupported, "node '\(name)' passes '\(extra)' to \(operation), which torch \(TorchSchemaTable.torchVersion)'s schema does not have", record: record)
            }
        } else {
            arguments = try inputs.map { input in
                guard let argument = input["arg"] else { throw LoadError(.corrupt, "node '\(name)' has a malformed input", record: record) }
                return try source(argument, node: name)
            }
        }
        return BoundNode(name: name, operation: operation, body: body, arguments: arguments, outputs: outputs,
                         sourceLine: Self.userLine(json["metadata"]?["stack_trace"]?.string))
    }

    /// The overload of `schema`'s operator that takes a Scalar where `schema` takes a Tensor that the node
    /// passes a number for (`add_.Scalar` for `add_.Tensor`), all other parameters alike, if Flint has it.
    private func scalarOverload(of schema: OperatorSchema, numbers: [String: JSONText]) -> (schema: OperatorSchema, body: OperatorBody)? {
        let isNumber = { (name: String) in numbers[name].map { $0["as_int"] != nil || $0["as_float"] != nil || $0["as_bool"] != nil } == true }
        for candidate in registry.overloads(of: schema.name) where candidate.qualifiedName != schema.qualifiedName {
            guard candidate.arguments.count == schema.arguments.count,
                zip(candidate.arguments, schema.arguments).allSatisfy({ other, this in
                    other.name == this.name
                        && (other.type == this.type || (this.type == .named("Tensor") && other.type == .named("Scalar") && isNumber(this.name)))
                }),
                let implementation = registry.body(for: candidate)
            else { continue }
            return (candidate, TraceRecorder.recording(
                implementation, operation: candidate.qualifiedName, resultShape: registry.shapeFunction(named: candidate.qualifiedName)))
        }
        return nil
    }

    /// The implementation of a node's target, or nil (with the target noted as missing).
    private mutating func resolve(_ target: String, node: String) throws -> (String, OperatorBody, OperatorSchema?)? {
        if let body = SymbolicOperators.body(target) { return (target, body, nil) }
        guard target.hasPrefix("torch.ops.") else {
            missing.append((target, "\(target) (a Python function; Flint runs ATen operators and arithmetic on sizes)"))
            return nil
        }
        let parts = target.dropFirst("torch.ops.".count).split(separator: ".").map(String.init)
        if parts.first == "higher_order" {
            missing.append((target, "\(target) (a higher-order operator; Flint runs cond, while_loop and wrap_with_set_grad_enabled)"))
            return nil
        }
        guard parts.count == 3 else { throw LoadError(.corrupt, "node '\(node)' has the malformed target '\(target)'", record: record) }
        let operatorName = "\(parts[0])::\(parts[1])"
        let overload = parts[2] == "default" ? "" : parts[2]
        guard let schema = registry.overloads(of: operatorName).first(where: { $0.overload == overload }) else {
            let qualified = operatorName + (overload.isEmpty ? "" : "." + overload)
            missing.append((qualified, "\(qualified) (not in torch \(TorchSchemaTable.torchVersion)'s schema table)"))
            return nil
        }
        guard let implementation = registry.body(for: schema) else {
            missing.append((schema.qualifiedName, TorchSchemaTable.textByQualifiedName[schema.qualifiedName] ?? schema.qualifiedName))
            return nil
        }
        return (schema.qualifiedName, TraceRecorder.recording(
            implementation, operation: schema.qualifiedName, resultShape: registry.shapeFunction(named: schema.qualifiedName)), schema)
    }

    private mutating func outputTarget(_ json: JSONText, node: String) throws -> OutputTarget {
        if let items = json["as_tensors"]?.array {
            return .list(try items.map { item in
                guard let name = item["name"]?.string else { throw LoadError(.corrupt, "node '\(node)' has a malformed output", record: record) }
                return .slot(try define(name))
            })
        }
        if let items = json["as_optional_tensors"]?.array {
            return .list(try items.map { item in
                guard let name = item["as_tensor"]?["name"]?.string else { return .ignored }
                return .slot(try define(name))
            })
        }
        if let name = Self.definedName(json) { return .slot(try define(name)) }
        return .ignored
    }

    /// Where an `Argument` of torch.export's schema comes from.
    func source(_ json: JSONText, node: String) throws -> ArgumentSource {
        guard let (key, value) = json.members?.first else { throw LoadError(.corrupt, "node '\(node)' has an empty argument", record: record) }
        func ints(_ items: [JSONText]?) throws -> [ScriptValue] {
            try (items ?? []).map { guard let i = $0.integer else { throw malformed(key) }; return .int(i) }
        }
        func malformed(_ what: String) -> LoadError { LoadError(.corrupt, "node '\(node)' has a malformed \(what) argument", record: record) }
        func symbolic(_ item: JSONText, literalKey: String) throws -> ArgumentSource {
            if let name = item["as_name"]?.string { return .slot(try slot(name, in: node)) }
            guard let literal = item[literalKey] else { throw malformed(key) }
            return .literal(try Self.scalar(literal, as: literalKey))
        }
        func collapsed(_ items: [ArgumentSource], _ type: String) -> ArgumentSource {
            let literals = items.compactMap { if case .literal(let v) = $0 { v } else { nil } }
            return literals.count == items.count ? .literal(.list(literals, elementType: type)) : .list(items, elementType: type)
        }
        switch key {
        case "as_none": return .literal(.none)
        case "as_tensor":
            guard let name = value["name"]?.string else { throw malformed(key) }
            return .slot(try slot(name, in: node))
        case "as_tensors":
            return .list(try (value.array ?? []).map { item in
                guard let name = item["name"]?.string else { throw malformed(key) }
                return .slot(try slot(name, in: node))
            }, elementType: "Tensor")
        case "as_optional_tensor":
            if let name = value["as_tensor"]?["name"]?.string { return .slot(try slot(name, in: node)) }
            return .literal(.none)
        case "as_optional_tensors":
            return .list(try (value.array ?? []).map { item in
                if let name = item["as_tensor"]?["name"]?.string { return .slot(try slot(name, in: node)) }
                return .literal(.none)
            }, elementType: "Optional[Tensor]")
        case "as_int", "as_float", "as_bool", "as_string": return .literal(try Self.scalar(value, as: key))
        case "as_ints": return .literal(.list(try ints(value.array), elementType: "int"))
        case "as_floats": return .literal(.list((value.array ?? []).map { .double($0.exportFloat ?? .nan) }, elementType: "float"))
        case "as_bools": return .literal(.list((value.array ?? []).map { .bool($0.bool ?? false) }, elementType: "bool"))
        case "as_strings": return .literal(.list((value.array ?? []).map { .string($0.string ?? "") }, elementType: "str"))
        case "as_int_lists":
            return .literal(.list(try (value.array ?? []).map { .list(try ints($0.array), elementType: "int") }, elementType: "List[int]"))
        case "as_float_lists":
            return .literal(.list((value.array ?? []).map { .list(($0.array ?? []).map { .double($0.exportFloat ?? .nan) }, elementType: "float") }, elementType: "List[float]"))
        case "as_sym_int": return try symbolic(value, literalKey: "as_int")
        case "as_sym_float": return try symbolic(value, literalKey: "as_float")
        case "as_sym_bool": return try symbolic(value, literalKey: "as_bool")
        case "as_sym_ints": return collapsed(try (value.array ?? []).map { try symbolic($0, literalKey: "as_int") }, "int")
        case "as_sym_floats": return collapsed(try (value.array ?? []).map { try symbolic($0, literalKey: "as_float") }, "float")
        case "as_sym_bools": return collapsed(try (value.array ?? []).map { try symbolic($0, literalKey: "as_bool") }, "bool")
        case "as_scalar_type":
            guard let code = value.integer, let dtype = ExportEnums.dtype(code) else { throw malformed("dtype") }
            return .literal(.int(Int64(dtype.rawValue)))
        case "as_memory_format":
            guard let code = value.integer, let format = ExportEnums.memoryFormat(code) else { throw malformed("memory format") }
            return .literal(.int(format))
        case "as_layout":
            guard let code = value.integer, let layout = ExportEnums.layout(code) else {
                throw LoadError(.unsupported, "node '\(node)' asks for a non-strided layout", record: record)
            }
            return .literal(.int(layout))
        case "as_device":
            let type = value["type"]?.string ?? "cpu"
            let text = value["index"]?.integer.map { "\(type):\($0)" } ?? type
            guard let device = Device(text) else { throw malformed("device") }
            return .literal(.device(device))
        case "as_complex":
            return .literal(.complex(real: value["real"]?.exportFloat ?? 0, imaginary: value["imag"]?.exportFloat ?? 0))
        default:
            throw LoadError(.unsupported, "node '\(node)' passes an argument of kind '\(key)', which Flint does not run (custom objects, subgraphs and operator references are not supported)", record: record)
        }
    }

    /// A scalar `Argument`/`ConstantValue` member as a runtime value.
    static func scalar(_ json: JSONText, as key: String) throws -> ScriptValue {
        switch key {
        case "as_int": if let i = json.integer { return .int(i) }
        case "as_float": if let d = json.exportFloat { return .double(d) }
        case "as_bool": if let b = json.bool { return .bool(b) }
        case "as_string": if let s = json.string { return .string(s) }
        case "as_none": return .none
        default: break
        }
        throw LoadError(.corrupt, "a \(key) value is malformed")
    }

    /// The user's line in a node's `stack_trace` (`File "model.py", line 12, in forward\n    code`): the
    /// outermost frame outside torch's own package.
    static func userLine(_ trace: String?) -> ExportError.SourceLine? {
        guard let trace else { return nil }
        let lines = trace.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var frames: [ExportError.SourceLine] = []
        for (index, line) in lines.enumerated() {
            let text = line.drop { $0 == " " }
            guard text.hasPrefix("File \""), let close = text.dropFirst(6).firstIndex(of: "\"") else { continue }
            let file = String(text[text.index(text.startIndex, offsetBy: 6)..<close])
            let rest = String(text[close...])
            let marker = ", line "
            guard let markerStart = rest.indices.first(where: { rest[$0...].hasPrefix(marker) }) else { continue }
            let number = Int(rest[rest.index(markerStart, offsetBy: marker.count)...].prefix { $0.isNumber }) ?? 0
            let code = index + 1 < lines.count && !lines[index + 1].drop(while: { $0 == " " }).hasPrefix("File \"")
                ? String(lines[index + 1].drop { $0 == " " }) : ""
            frames.append(.init(file: file, line: number, code: code))
        }
        let isTorch = { (file: String) in file.contains("-packages/torch/") || file.hasPrefix("torch/") }
        return frames.first { !isTorch($0.file) } ?? frames.first
    }
}

extension JSONText {
    /// A float as torch.export writes it: a number, or the strings `Infinity`, `-Infinity` and `NaN`.
    var exportFloat: Double? {
        switch string {
        case "Infinity"?: .infinity
        case "-Infinity"?: -.infinity
        case "NaN"?: .nan
        default: number
        }
    }
}
