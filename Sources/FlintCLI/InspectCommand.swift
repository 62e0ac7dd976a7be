import ArgumentParser
import Flint
import FlintRuntime

/// `flint inspect MODEL [--json]`: the module hierarchy, tensors, methods and format version.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a TorchScript archive's modules, parameters, buffers and methods.")

    @Argument(help: "Path to a .pt archive written by torch.jit.save.")
    var model: String

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    @Flag(name: .long, help: "List every operator the model's code calls, with its schema and whether Flint supports it; exit 1 if any is missing.")
    var ops = false

    func run() throws {
        let module: Module
        do {
            module = try loadForInspection(model)
        } catch let error as FlintError {
            throw CommandFailure(message: error.description)
        }
        // Objects with `__setstate__` get their state by running TorchScript: compile the archive to run them.
        // (An archive whose code Flint cannot compile is still inspected, without that state.)
        var awaiting = module.classesAwaitingSetState
        var compileFailure = ""
        if !awaiting.isEmpty {
            do {
                _ = try module.compile()
                awaiting = module.classesAwaitingSetState
            } catch let error as FlintError {
                compileFailure = " (" + (error.message.split(separator: "\n").first.map(String.init) ?? "") + ")"
            }
        }
        let stateDict: [(name: String, tensor: Tensor)]
        do {
            stateDict = try module.stateDict()
        } catch let error as FlintError {
            throw CommandFailure(message: error.description)
        }
        let summary = WeightSummary(stateDict.map(\.tensor))
        if !awaiting.isEmpty {
            FileHandleOutput.standardError.write(
                "note: \(awaiting.count) object(s) define __setstate__ (\(Set(awaiting).sorted().joined(separator: ", "))); "
                    + "their state could not be set by running the archive's code\(compileFailure), so it is not shown\n")
        }
        let survey: OperatorSurvey?
        do {
            survey = ops ? try module.operatorSurvey() : nil
        } catch let error as FlintError {
            throw CommandFailure(message: error.description)
        }
        if json {
            print(jsonReport(module, stateDict: stateDict, summary: summary, survey: survey))
        } else {
            print(textReport(module, summary: summary), terminator: "")
            if let survey { print(operatorReport(survey), terminator: "") }
        }
        if let missing = survey?.missing, !missing.isEmpty {
            throw CommandFailure(message: "Flint does not implement \(missing.count) operator(s) this model uses:\n"
                + missing.map { "  \($0.schema)" }.joined(separator: "\n"))
        }
    }

    private func operatorReport(_ survey: OperatorSurvey) -> String {
        var out = "\noperators (\(survey.uses.count), \(survey.missing.count) missing):\n"
        for use in survey.uses {
            out += "  \(use.supported ? "supported" : "MISSING  ")  \(use.schema)  [\(use.callSites) call site\(use.callSites == 1 ? "" : "s")]\n"
        }
        return out
    }

    private func jsonReport(_ module: Module, stateDict: [(name: String, tensor: Tensor)], summary: WeightSummary, survey: OperatorSurvey?) -> String {
        var modules: [JSON] = []
        walk(module, path: "") { path, child in
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
        let report = JSON.object([
            ("file", .string(model)),
            ("version", .int(module.fileFormatVersion)),
            ("type", .string(module.typeName)),
            ("methods", .array(module.methods.map(JSON.string))),
            ("tensors", .array(tensors)),
            ("modules", .array(modules)),
            ("weights_bytes", .int(summary.storageBytes)),
            ("tensor_elements", .int(summary.elements)),
            ("extra_files", .array(module.extraFileNames.map(JSON.string))),
        ] + (survey.map { survey in
            [("operators", JSON.array(survey.uses.map { use in
                .object([("name", .string(use.name)), ("schema", .string(use.schema)), ("supported", .bool(use.supported)),
                         ("call_sites", .int(use.callSites))])
            }))]
        } ?? []))
        return report.serialized
    }

    private func textReport(_ module: Module, summary: WeightSummary) -> String {
        var out = "\(model): TorchScript archive, file format version \(module.fileFormatVersion)\n"
        out += "weights: \(summary.tensorCount) tensors, \(summary.elements) elements, "
        out += "\(formatBytes(summary.storageBytes)) in \(summary.storageCount) storages\n"
        if !module.extraFileNames.isEmpty { out += "extra files: \(module.extraFileNames.joined(separator: ", "))\n" }
        out += "\n"
        walk(module, path: "") { path, child in
            let depth = path.isEmpty ? 0 : path.split(separator: ".").count
            let indent = String(repeating: "  ", count: depth)
            let label = path.isEmpty ? "(root)" : String(path.split(separator: ".").last!)
            out += "\(indent)\(label): \(child.typeName)"
            if !child.methods.isEmpty { out += "  methods: \(child.methods.joined(separator: ", "))" }
            out += "\n"
            for (name, tensor) in child.ownParameters() { out += tensorLine(indent, name, "parameter", tensor) }
            for (name, tensor) in child.ownBuffers() { out += tensorLine(indent, name, "buffer", tensor) }
        }
        return out
    }

    private func tensorLine(_ indent: String, _ name: String, _ role: String, _ tensor: Tensor) -> String {
        let name = name.padding(to: 24)
        let role = role.padding(to: 10)
        let dtype = tensor.dtype.name.padding(to: 9)
        let layout = tensor.isContiguous ? "" : "  strides \(tensor.strides) offset \(tensor.storageOffset)"
        return "\(indent)    \(name) \(role) \(dtype) \(tensor.shape)\(layout)\n"
    }

    /// Visits `module` and its submodules depth-first with their dotted paths, as `named_modules()` does
    /// (a submodule reachable twice is listed under its first path only).
    private func walk(_ module: Module, path: String, _ visit: (String, Module) -> Void) {
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

/// Totals over a set of tensors; storages shared by several tensors count once.
struct WeightSummary {
    var tensorCount = 0
    var elements = 0
    var storageBytes = 0
    var storageCount = 0

    init(_ tensors: [Tensor]) {
        var storages = Set<ObjectIdentifier>()
        for tensor in tensors {
            tensorCount += 1
            elements += tensor.elementCount
            if storages.insert(ObjectIdentifier(tensor.storage)).inserted {
                storageBytes += tensor.storage.byteCount
                storageCount += 1
            }
        }
    }
}

func formatBytes(_ count: Int) -> String {
    if count < 1024 { return "\(count) B" }
    let units = ["KiB", "MiB", "GiB", "TiB"]
    var value = Double(count) / 1024
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    let rounded = (value * 10).rounded() / 10
    return "\(rounded) \(units[unit])"
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
