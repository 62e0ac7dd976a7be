import FlintGraph
import FlintLoader
import FlintOperators
import FlintScript
import FlintTensor
import FlintValues

/// A `torch.export` program read from a `.pt2` archive, bound to Flint's operators and ready to run.
///
/// Loading parses the serialized `ExportedProgram` (schema version 8), maps its weights and constants (no
/// copy), binds every node to its implementation (an archive needing operators Flint lacks is refused
/// with all of them listed) and reads the calling convention (argument names, pytree specs, dimension
/// constraints). ``forward(_:)`` takes and returns the same value trees the Python program does, and runs
/// through the graph layer (one optimised plan per input signature), like TorchScript methods.
package final class ExportedProgram: @unchecked Sendable {
    package let archive: ExportArchive
    /// The program's name in `models/` (`model`).
    package let modelName: String
    /// `major.minor` of the serialized schema.
    package let schemaVersion: String
    /// The torch release that wrote it, when recorded.
    package let torchVersion: String?
    /// The IR dialect the program's verifiers name (`TRAINING`, `ATEN`).
    package let dialect: String
    package let parameters: [(name: String, tensor: Tensor)]
    package let buffers: [(name: String, tensor: Tensor)]
    package let tensorConstants: [(name: String, tensor: Tensor)]
    package let rangeConstraints: [DimensionRange]
    /// Every operator the nodes call, by qualified name (Python arithmetic on sizes by function name), with
    /// the number of nodes calling it, its schema text and whether Flint implements it.
    package let operatorUses: [(name: String, schema: String, count: Int, implemented: Bool)]

    let convention: CallingConvention
    let userInputs: [UserInput]
    let outputs: [ProgramOutput]
    /// The graph's nodes, bound, with the slots each is the last reader of.
    let sequence: NodeSequence
    let initialSlots: [ScriptValue]
    /// Whether running writes the program's own state (buffer or input mutations): such programs run in
    /// the interpreter, one call at a time.
    let mutatesState: Bool
    let stateLock = Lock()
    let executor = GraphExecutor()
    let identityLock = Lock()
    var identityTokens: [String: IdentityToken] = [:]
    /// The graph's value names by slot (for messages and printing).
    let slotNames: [String]
    /// What the program needs that Flint lacks (empty unless loaded for inspection only).
    package let missingOperators: [String]
    /// The class of each submodule the program was traced through, by dotted path (`""` is the root), from
    /// the nodes' `nn_module_stack`.
    package let moduleTypes: [String: String]

    /// Reads the program at `path`. Throws ``LoadError`` for unreadable, foreign or damaged archives and
    /// ``ExportError`` (`.unsupported`) listing every operator the program needs that Flint lacks, unless
    /// `inspectionOnly` (then ``operatorUses`` lists them and ``forward(_:)`` refuses to run).
    package init(path: String, registry: OperatorRegistry = .standard, inspectionOnly: Bool = false) throws {
        archive = try ExportArchive(path: path)
        let names = archive.modelNames
        guard let name = names.contains("model") ? "model" : names.first else {
            throw LoadError(.corrupt, "the archive holds no program (models/*.json)")
        }
        modelName = name
        let record = "models/\(name).json"
        let root = try archive.json(record)
        guard let module = root["graph_module"], let graph = module["graph"], let signature = module["signature"] else {
            throw LoadError(.corrupt, "the program has no graph_module.graph or signature", record: record)
        }
        let version = root["schema_version"]
        schemaVersion = "\(version?["major"]?.integer ?? 0).\(version?["minor"]?.integer ?? 0)"
        torchVersion = root["torch_version"]?.string
        dialect = (root["verifiers"]?.array?.compactMap(\.string).first) ?? root["dialect"]?.string ?? "ATEN"
        rangeConstraints = (root["range_constraints"]?.members ?? []).map { symbol, range in
            DimensionRange(symbol: symbol, min: range["min_val"]?.integer.map { Int($0) }, max: range["max_val"]?.integer.map { Int($0) })
        }
        guard let callGraph = module["module_call_graph"]?.array, let rootEntry = callGraph.first(where: { $0["fqn"]?.string == "" }) ?? callGraph.first else {
            throw LoadError(.corrupt, "the program has no module_call_graph", record: record)
        }
        convention = try CallingConvention(rootEntry, record: record)

        let state = try ProgramState(archive: archive, model: name)
        var binder = GraphBinder(registry: registry, record: record)
        let tensorMetas = graph["tensor_values"]?.members ?? []
        var metaByName: [String: JSONText] = [:]
        for (key, value) in tensorMetas { metaByName[key] = value }

        // Placeholders: the caller's inputs and the program's state, in the graph's order.
        var userInputs: [UserInput] = []
        var stateSlots: [(Int, Tensor)] = []
        var parameters: [(String, Tensor)] = []
        var buffers: [(String, Tensor)] = []
        var constants: [(String, Tensor)] = []
        for spec in signature["input_specs"]?.array ?? [] {
            guard let (kind, body) = spec.members?.first else { throw LoadError(.corrupt, "an input spec is empty", record: record) }
            switch kind {
            case "user_input":
                guard let argument = body["arg"], let (argumentKind, value) = argument.members?.first else {
                    throw LoadError(.corrupt, "a user input spec has no argument", record: record)
                }
                if let placeholder = GraphBinder.definedName(argument) {
                    let slot = try binder.define(placeholder)
                    let expectation: UserInput.Expectation
                    switch argumentKind {
                    case "as_tensor": expectation = .tensor(try metaByName[placeholder].map { try TensorMeta(json: $0, record: record) })
                    case "as_sym_int": expectation = .symbolic(.int)
                    case "as_sym_float": expectation = .symbolic(.float)
                    case "as_sym_bool": expectation = .symbolic(.bool)
                    default: throw LoadError(.unsupported, "user input '\(placeholder)' is a \(argumentKind), which Flint does not take", record: record)
                    }
                    userInputs.append(UserInput(name: placeholder, slot: slot, expectation: expectation))
                } else {
                    userInputs.append(UserInput(name: "input \(userInputs.count)", slot: nil, expectation: .constant(try GraphBinder.scalar(value, as: argumentKind))))
                }
            case "constant_input":
                guard let placeholder = body["name"]?.string, let (valueKind, value) = body["value"]?.members?.first else {
                    throw LoadError(.corrupt, "a constant input spec is malformed", record: record)
                }
                userInputs.append(UserInput(name: placeholder, slot: try binder.define(placeholder), expectation: .constant(try GraphBinder.scalar(value, as: valueKind))))
            case "parameter", "buffer", "tensor_constant":
                guard let placeholder = body["arg"]?["name"]?.string,
                    let fqn = body["parameter_name"]?.string ?? body["buffer_name"]?.string ?? body["tensor_constant_name"]?.string
                else { throw LoadError(.corrupt, "a \(kind) input spec is malformed", record: record) }
                let tensor = try state.tensor(fqn, kind: kind)
                stateSlots.append((try binder.define(placeholder), tensor))
                switch kind {
                case "parameter": parameters.append((fqn, tensor))
                case "buffer": buffers.append((fqn, tensor))
                default: constants.append((fqn, tensor))
                }
            case "token":
                guard let placeholder = body["arg"]?["name"]?.string else { throw LoadError(.corrupt, "a token input spec is malformed", record: record) }
                stateSlots.append((try binder.define(placeholder), Tensor(zeros: [0])))
            default:
                let what = kind == "custom_obj" ? "a custom object (\(body["arg"]?["class_fqn"]?.string ?? "TorchBind class"))" : "an input of kind '\(kind)'"
                throw LoadError(.unsupported, "the program takes \(what), which Flint does not run", record: record)
            }
        }
        guard userInputs.count == convention.argumentSpecs.reduce(0, { $0 + $1.leafCount }) else {
            throw LoadError(.corrupt, "the program has \(userInputs.count) user inputs but its in_spec flattens to "
                + "\(convention.argumentSpecs.reduce(0) { $0 + $1.leafCount })", record: record)
        }

        // Nodes, then outputs.
        var nodes: [BoundNode] = []
        var uses: [String: (schema: String, count: Int, implemented: Bool)] = [:]
        for node in graph["nodes"]?.array ?? [] {
            if let bound = try binder.bind(node: node) {
                nodes.append(bound)
                uses[bound.operation, default: (TorchSchemaTable.textByQualifiedName[bound.operation] ?? bound.operation, 0, true)].count += 1
            }
        }
        for (name, detail) in binder.missing { uses[name, default: (detail, 0, false)].count += 1 }
        let missing = Set(binder.missing.map(\.detail)).sorted()
        missingOperators = missing
        if !missing.isEmpty && !inspectionOnly {
            throw ExportError(.unsupported, "the program calls \(missing.count) operator(s) Flint does not implement:\n  " + missing.joined(separator: "\n  "), record: record)
        }
        var outputs: [ProgramOutput] = []
        var mutates = false
        for spec in signature["output_specs"]?.array ?? [] {
            guard let (kind, body) = spec.members?.first, let argument = body["arg"] else {
                throw LoadError(.corrupt, "an output spec is malformed", record: record)
            }
            let source: ArgumentSource
            if argument["name"] != nil, argument.members?.count == 1, let name = argument["name"]?.string {
                source = .slot(try binder.slot(name, in: "output"))
            } else {
                source = try binder.source(argument, node: "output")
            }
            let outputKind: OutputKind
            switch kind {
            case "user_output": outputKind = .userOutput
            case "buffer_mutation": outputKind = .bufferMutation(body["buffer_name"]?.string ?? ""); mutates = true
            case "user_input_mutation": outputKind = .userInputMutation(body["user_input_name"]?.string ?? ""); mutates = true
            case "parameter_mutation": outputKind = .parameterMutation(body["parameter_name"]?.string ?? ""); mutates = true
            case "loss_output": outputKind = .lossOutput
            case "token": outputKind = .token
            default: outputKind = .gradient
            }
            outputs.append(ProgramOutput(kind: outputKind, source: source))
        }
        // In-place operators on the program's state also mutate it (the training IR keeps `add_` on a buffer).
        let stateSlotSet = Set(stateSlots.map(\.0))
        if nodes.contains(where: { node in
            node.operation.split(separator: "::").last.map { $0.prefix { $0 != "." }.hasSuffix("_") } == true
                && node.arguments.first.map { Set($0.slots).isDisjoint(with: stateSlotSet) == false } == true
        }) {
            mutates = true
        }

        var slots = [ScriptValue](repeating: .none, count: binder.slotCount)
        for (slot, tensor) in stateSlots { slots[slot] = .tensor(tensor) }
        initialSlots = slots
        var slotNames = [String](repeating: "", count: binder.slotCount)
        for (name, slot) in binder.slotOf { slotNames[slot] = name }
        self.slotNames = slotNames
        self.userInputs = userInputs
        self.outputs = outputs
        self.parameters = parameters
        self.buffers = buffers
        self.tensorConstants = constants
        mutatesState = mutates
        operatorUses = uses.sorted { $0.key < $1.key }.map { ($0.key, $0.value.schema, $0.value.count, $0.value.implemented) }
        moduleTypes = Self.moduleTypes(graph["nodes"]?.array ?? [])
        sequence = NodeSequence(nodes: nodes, outputs: outputs.map(\.source), keep: stateSlotSet, slotCount: binder.slotCount)
    }

    /// Submodule classes from the nodes' `nn_module_stack` metadata (`L__self__conv,conv,torch.nn.modules.conv.Conv2d;...`).
    private static func moduleTypes(_ nodes: [JSONText]) -> [String: String] {
        var types: [String: String] = [:]
        for node in nodes {
            guard let stack = node["metadata"]?["nn_module_stack"]?.string else { continue }
            for entry in stack.split(separator: ";") {
                let fields = entry.split(separator: ",", omittingEmptySubsequences: false)
                guard fields.count >= 3 else { continue }
                let path = String(fields[fields.count - 2])
                guard !path.hasPrefix("_empty_nn_module_stack") else { continue }
                if types[path] == nil { types[path] = String(fields[fields.count - 1]) }
            }
        }
        return types
    }

    /// The names of `forward`'s arguments, positional then keyword.
    package var argumentNames: [String] { convention.argumentNames }

    /// `forward`'s arguments with their TorchScript types (tensors, ints, tuples, lists and dicts of them).
    package var argumentTypes: [(name: String, type: ScriptType)] {
        var leafTypes = userInputs.map(\.scriptType)[...]
        return zip(convention.argumentNames, convention.argumentSpecs).map { name, spec in (name, spec.scriptType(&leafTypes)) }
    }

    /// `forward`'s result type.
    package var returnType: ScriptType {
        var leafTypes = outputs.filter { if case .userOutput = $0.kind { true } else { false } }.map { _ in ScriptType.tensor }[...]
        return convention.outputSpec.scriptType(&leafTypes)
    }

    /// The user inputs' expected tensor types (`x: float32[s77, 3, 10, 10]`), for `inspect`.
    package var inputDescriptions: [String] {
        userInputs.map { input in
            switch input.expectation {
            case .tensor(let meta?): "\(input.name): \(meta.description)"
            case .tensor(nil): "\(input.name): Tensor"
            case .symbolic(let type): "\(input.name): \(type) (symbolic)"
            case .constant(let value): "\(input.name) = \(value.pythonString(quoted: true)) (specialised)"
            }
        }
    }
}

extension ExportedProgram {
    /// One object per submodule path, so that every `Module` for the same path has the same identity.
    package func moduleIdentity(_ path: String) -> ObjectIdentifier {
        identityLock.withLock {
            if let token = identityTokens[path] { return ObjectIdentifier(token) }
            let token = IdentityToken()
            identityTokens[path] = token
            return ObjectIdentifier(token)
        }
    }
}

final class IdentityToken {}
