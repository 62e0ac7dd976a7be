import Flint

/// What `flint inspect` prints, as text or JSON (fields documented in docs/cli.md).
struct InspectReport {
    let model: String
    let module: Module
    let stateDict: [(name: String, tensor: Tensor)]
    let summary: WeightSummary
    let survey: Result<OperatorSurvey, FlintError>
    let schemas: Result<[FunctionSchema], FlintError>

    // MARK: Text

    /// Summary line, signatures with a ready-to-run command, then the module tree.
    func text() -> String {
        var out: String
        if let export = module.exportedProgramInfo {
            out = "\(model): torch.export program (.pt2), schema version \(export.schemaVersion)"
                + (export.torchVersion.map { ", written by torch \($0)" } ?? "") + ", \(export.dialect) dialect"
            out += "\n" + summaryLine() + "\n"
            out += "inputs: " + export.inputs.joined(separator: ", ") + "\n"
            if !export.rangeConstraints.isEmpty { out += "dimension ranges: " + export.rangeConstraints.joined(separator: ", ") + "\n" }
        } else {
            out = "\(model): TorchScript archive, file format version \(module.fileFormatVersion)"
            if module.hasLiteInterpreterBytecode { out += " (with lite-interpreter bytecode, .ptl)" }
            out += "\n" + summaryLine() + "\n"
        }
        if !module.extraFileNames.isEmpty { out += "extra files: \(module.extraFileNames.joined(separator: ", "))\n" }
        out += "\n"
        switch schemas {
        case .success(let schemas):
            out += "methods:\n"
            for schema in schemas { out += "  \(schema)\n" }
            if let entry = schemas.first(where: { $0.name == "forward" }) ?? schemas.first {
                out += "\nrun it:\n" + runExample(entry)
            }
        case .failure(let error):
            out += "methods: \(module.methods.joined(separator: ", ")) (signatures unavailable: \(error.message.split(separator: "\n").first ?? ""))\n"
        }
        out += "\nmodules:\n"
        Self.walk(module, path: "") { path, child in
            let depth = path.isEmpty ? 0 : path.split(separator: ".").count
            let indent = String(repeating: "  ", count: depth + 1)
            let label = path.isEmpty ? "(root)" : String(path.split(separator: ".").last!)
            out += "\(indent)\(label): \(child.typeName)"
            if !child.methods.isEmpty { out += "  methods: \(child.methods.joined(separator: ", "))" }
            out += "\n"
            for (name, tensor) in child.ownParameters() { out += tensorLine(indent, name, "parameter", tensor) }
            for (name, tensor) in child.ownBuffers() { out += tensorLine(indent, name, "buffer", tensor) }
            for (name, packed) in child.ownPackedWeights() { out += packedLines(indent, name, packed) }
        }
        return out
    }

    /// `_packed_params  Conv2dPackedParamsBase  qint8 [64, 3, 7, 7] per-channel axis 0, scales 0.0011…0.0093, zero points 0`
    /// and a bias line.
    private func packedLines(_ indent: String, _ name: String, _ packed: PackedWeights) -> String {
        var line = "\(indent)    \(name.padding(to: 24)) \(packed.className) weight \(packed.weight.dtype.name) \(packed.weight.shape)"
        if let quantizer = packed.weight.quantizer { line += " " + Self.describe(quantizer) }
        line += "\n"
        if let bias = packed.bias { line += "\(indent)    \(String(repeating: " ", count: 24)) \(packed.className) bias \(bias.dtype.name) \(bias.shape)\n" }
        return line
    }

    /// `per-tensor scale 0.0123, zero point 64` or `per-channel axis 0, scales 0.0011…0.0093, zero points 0…3`.
    static func describe(_ quantizer: Quantizer) -> String {
        switch quantizer.scheme {
        case .perTensorAffine(let scale, let zeroPoint):
            return "per-tensor scale \(formatScale(scale)), zero point \(zeroPoint)"
        case .perChannelAffine(let scales, let zeroPoints, let axis):
            let scaleRange = "\(formatScale(scales.min() ?? 0))…\(formatScale(scales.max() ?? 0))"
            let (low, high) = (zeroPoints.min() ?? 0, zeroPoints.max() ?? 0)
            return "per-channel axis \(axis), scales \(scaleRange), zero points \(low == high ? "\(low)" : "\(low)…\(high)")"
        }
    }

    /// A scale with four significant digits (`0.001234`, `1.234e-05`), in Swift's shortest form.
    private static func formatScale(_ value: Double) -> String {
        guard value > 0, value.isFinite else { return "\(value)" }
        var magnitude = 1.0
        while value * magnitude < 1000 { magnitude *= 10 }
        while value * magnitude >= 10000 { magnitude /= 10 }
        return "\(Float((value * magnitude).rounded() / magnitude))"
    }

    /// `ResNet · 11.7M parameters · 44.6 MiB in 102 tensors · 47 operators, all supported`.
    func summaryLine() -> String {
        var parts = [module.typeName]
        parts.append("\(formatCount(summary.parameterElements)) parameters")
        parts.append("\(formatBytes(summary.storageBytes)) of weights in \(summary.tensorCount) tensors")
        let packed = module.packedWeights()
        if !packed.isEmpty {
            let bytes = packed.reduce(0) { $0 + $1.weights.weight.elementCount * $1.weights.weight.dtype.itemSize }
            parts.append("\(packed.count) packed quantized weights (\(formatBytes(bytes)))")
        }
        switch survey {
        case .success(let survey):
            let missing = survey.missing.count
            parts.append("\(survey.uses.count) operators" + (missing == 0 ? ", all supported" : ", \(missing) missing (flint inspect --ops lists them)"))
        case .failure(let error):
            parts.append("operators unknown (\(error.message.split(separator: "\n").first ?? ""))")
        }
        return parts.joined(separator: " · ")
    }

    /// A `flint run` command line for a method, with an input placeholder per required argument and a line
    /// per argument saying what to pass.
    private func runExample(_ schema: FunctionSchema) -> String {
        var command = "  flint run \(model)"
        if schema.name != "forward" { command += " --method \(schema.name)" }
        var notes: [String] = []
        for argument in schema.arguments {
            let spec = Self.exampleSpec(name: argument.name, type: argument.type)
            if let defaultValue = argument.defaultValue {
                notes.append("    \(argument.name): \(argument.type), optional (default \(defaultValue)); pass --input \(spec) to set it")
            } else {
                command += " --input \(spec)"
                notes.append("    \(argument.name): \(argument.type) → --input \(spec)")
            }
        }
        return command + "\n" + notes.map { $0 + "\n" }.joined()
            + "    (or all arguments in one .npz: --inputs in.npz with keys arg0, arg1, ...)\n"
    }

    /// A plausible `--input` spec for a declared type.
    static func exampleSpec(name: String, type: String) -> String {
        var type = type
        if type.hasPrefix("Optional[") && type.hasSuffix("]") { type = String(type.dropFirst(9).dropLast()) }
        switch type {
        case "Tensor": return "\(name).npy"
        case "int": return "int:1"
        case "float": return "float:1.0"
        case "bool": return "bool:true"
        case "str": return "str:text"
        case _ where type.hasPrefix("List[int]") || type.hasPrefix("Tuple[int"): return "json:[1,2]"
        case _ where type.hasPrefix("List[float]"): return "json:[1.0,2.0]"
        case _ where type.hasPrefix("List[str]"): return "json:[\"a\",\"b\"]"
        case _ where type.hasPrefix("List[Tensor]"): return "json:[[1.0,2.0],[3.0,4.0]]"
        case _ where type.hasPrefix("Dict[str"): return "json:{\"key\":1}"
        default: return "json:..."
        }
    }

    private func tensorLine(_ indent: String, _ name: String, _ role: String, _ tensor: Tensor) -> String {
        let name = name.padding(to: 24)
        let role = role.padding(to: 10)
        let dtype = tensor.dtype.name.padding(to: 9)
        let layout = tensor.isContiguous ? "" : "  strides \(tensor.strides) offset \(tensor.storageOffset)"
        return "\(indent)    \(name) \(role) \(dtype) \(tensor.shape)\(layout)\n"
    }

    /// Only the operator table (`--ops`).
    func operatorTable(_ survey: OperatorSurvey) -> String {
        var out = "operators (\(survey.uses.count), \(survey.missing.count) missing):\n"
        for use in survey.uses {
            out += "  \(use.supported ? "supported" : "MISSING  ")  \(use.schema)  [\(use.callSites) call site\(use.callSites == 1 ? "" : "s")]\n"
        }
        return out
    }

    // MARK: JSON

    func json(includeOperators: Bool) -> String {
        var modules: [JSON] = []
        Self.walk(module, path: "") { path, child in
            modules.append(.object([
                ("name", .string(path)), ("type", .string(child.typeName)),
                ("methods", .array(child.methods.map(JSON.string))),
            ]))
        }
        let tensors: [JSON] = stateDict.map { entry in
            .object([
                ("name", .string(entry.name)),
                ("shape", .array(entry.tensor.shape.map { .int($0) })),
                ("dtype", .string(entry.tensor.dtype.name)),
                ("strides", .array(entry.tensor.strides.map { .int($0) })),
                ("storage_offset", .int(entry.tensor.storageOffset)),
            ])
        }
        let packed: [JSON] = module.packedWeights().map { name, weights in
            var fields: [(String, JSON)] = [
                ("name", .string(name)), ("class", .string(weights.className)),
                ("dtype", .string(weights.weight.dtype.name)), ("shape", .array(weights.weight.shape.map { .int($0) })),
                ("bias_shape", weights.bias.map { .array($0.shape.map { .int($0) }) } ?? .null),
            ]
            switch weights.weight.quantizer?.scheme {
            case .perTensorAffine(let scale, let zeroPoint)?:
                fields += [("qscheme", .string("per_tensor_affine")), ("scale", .double(scale)), ("zero_point", .int(Int(zeroPoint)))]
            case .perChannelAffine(let scales, let zeroPoints, let axis)?:
                fields += [
                    ("qscheme", .string("per_channel_affine")), ("axis", .int(axis)), ("scales", .array(scales.map { .double($0) })),
                    ("zero_points", .array(zeroPoints.map { .int(Int($0)) })),
                ]
            case nil:
                fields.append(("qscheme", .null))
            }
            return .object(fields)
        }
        var members: [(String, JSON)] = [
            ("file", .string(model)),
            ("version", .int(module.fileFormatVersion)),
            ("type", .string(module.typeName)),
            ("methods", .array(module.methods.map(JSON.string))),
            ("tensors", .array(tensors)),
            ("modules", .array(modules)),
            ("weights_bytes", .int(summary.storageBytes)),
            ("tensor_elements", .int(summary.elements)),
            ("extra_files", .array(module.extraFileNames.map(JSON.string))),
            ("parameter_elements", .int(summary.parameterElements)),
            ("quantized_weights", .array(packed)),
        ]
        if let export = module.exportedProgramInfo {
            members.append(("export", .object([
                ("schema_version", .string(export.schemaVersion)),
                ("torch_version", export.torchVersion.map(JSON.string) ?? .null),
                ("dialect", .string(export.dialect)),
                ("inputs", .array(export.inputs.map(JSON.string))),
                ("range_constraints", .array(export.rangeConstraints.map(JSON.string))),
            ])))
        }
        switch schemas {
        case .success(let schemas): members.append(("signatures", .array(schemas.map(Self.json))))
        case .failure: members.append(("signatures", .null))
        }
        switch survey {
        case .success(let survey):
            members.append(("operator_count", .int(survey.uses.count)))
            members.append(("missing_operator_count", .int(survey.missing.count)))
            if includeOperators {
                members.append(("operators", .array(survey.uses.map { use in
                    .object([("name", .string(use.name)), ("schema", .string(use.schema)), ("supported", .bool(use.supported)),
                             ("call_sites", .int(use.callSites))])
                })))
            }
        case .failure:
            members.append(("operator_count", .null))
            members.append(("missing_operator_count", .null))
        }
        return JSON.object(members).serialized
    }

    private static func json(_ schema: FunctionSchema) -> JSON {
        .object([
            ("name", .string(schema.name)),
            ("arguments", .array(schema.arguments.map { argument in
                .object([("name", .string(argument.name)), ("type", .string(argument.type)),
                         ("default", argument.defaultValue.map(JSON.string) ?? .null)])
            })),
            ("returns", .string(schema.returnType)),
            ("signature", .string(schema.description)),
        ])
    }

    // MARK: Module tree

    /// Visits `module` and its submodules depth-first with their dotted paths, as `named_modules()` does
    /// (a submodule reachable twice is listed under its first path only).
    static func walk(_ module: Module, path: String, _ visit: (String, Module) -> Void) {
        var seen = Set<ObjectIdentifier>()
        var pending: [(String, Module)] = [(path, module)]
        var budget = 1 << 20
        while let (currentPath, current) = pending.popLast(), budget > 0 {
            budget -= 1
            visit(currentPath, current)
            for (name, child) in current.namedChildren().reversed() {
                let childPath = currentPath.isEmpty ? name : currentPath + "." + name
                if seen.insert(child.identity).inserted { pending.append((childPath, child)) }
            }
        }
    }
}
