import ArgumentParser
import Flint

/// `flint inspect MODEL [--json] [--ops]`: how to call the model (method signatures), a one-line summary,
/// then the module hierarchy with parameters and buffers; `--ops` prints only the operator table.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show how to call a model's methods (TorchScript or torch.export), and its modules, parameters and buffers.",
        discussion: "The JSON fields are documented in docs/cli.md.")

    @Argument(help: "Path to a TorchScript archive (.pt, torch.jit.save) or a torch.export program (.pt2, torch.export.save).")
    var model: String

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    @Flag(name: .long, help: "Print only the operators the model's code calls, with their schemas and whether Flint supports them; exit 1 if any is missing.")
    var ops = false

    @Flag(name: .long, help: "No status line on stderr.")
    var quiet = false

    @Flag(name: .long, help: "Print the graph a method runs as for the given inputs (graphs are built per input shape): as recorded, or with --optimized as the optimiser left it.")
    var graph = false

    @Flag(name: .long, help: "With --graph: the graph after the optimiser's passes.")
    var optimized = false

    @Option(name: .long, help: "With --graph: the method (default forward).")
    var method = "forward"

    @Option(name: .customLong("input"), help: "With --graph: a positional argument, as for flint run (repeatable).")
    var inputs: [String] = []

    @Option(name: .customLong("inputs"), help: "With --graph: the arguments as an .npz tree, as for flint run.")
    var inputArchive: String?

    func validate() throws {
        if graph && inputs.isEmpty && inputArchive == nil {
            throw ValidationError("--graph needs the method's inputs (--input or --inputs): a graph is built for one input signature")
        }
        if !graph && (optimized || !inputs.isEmpty || inputArchive != nil || method != "forward") {
            throw ValidationError("--optimized, --method, --input and --inputs go with --graph")
        }
    }

    func run() throws {
        if graph { return try printGraph() }
        Progress.shared.enable(quiet: quiet)
        Progress.shared.update("loading \(model)")
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
            Progress.shared.update("compiling \(model)")
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
        let summary = WeightSummary(stateDict.map(\.tensor), parameterElements: Self.parameterElements(module))
        if !awaiting.isEmpty {
            FileHandleOutput.standardError.write(
                "note: \(awaiting.count) object(s) define __setstate__ (\(Set(awaiting).sorted().joined(separator: ", "))); "
                    + "their state could not be set by running the archive's code\(compileFailure), so it is not shown\n")
        }
        Progress.shared.update("surveying operators")
        let survey: Result<OperatorSurvey, FlintError>
        do {
            survey = .success(try module.operatorSurvey())
        } catch let error as FlintError {
            if ops { throw CommandFailure(message: error.description) }
            survey = .failure(error)
        }
        let schemas: Result<[FunctionSchema], FlintError>
        do {
            schemas = .success(try module.methodSchemas())
        } catch let error as FlintError {
            schemas = .failure(error)
        }
        Progress.shared.finish()
        let report = InspectReport(model: model, module: module, stateDict: stateDict, summary: summary, survey: survey, schemas: schemas)
        if json {
            print(report.json(includeOperators: ops))
        } else if ops, case .success(let survey) = survey {
            print(report.operatorTable(survey), terminator: "")
        } else {
            print(report.text(), terminator: "")
        }
        if ops, case .success(let survey) = survey, !survey.missing.isEmpty {
            throw CommandFailure(message: "Flint does not implement \(survey.missing.count) operator(s) this model uses:\n"
                + survey.missing.map { "  \($0.schema)" }.joined(separator: "\n"))
        }
    }

    private func printGraph() throws {
        var arguments = [model, "--method", method] + inputs.flatMap { ["--input", $0] }
        if let inputArchive { arguments += ["--inputs", inputArchive] }
        if quiet { arguments.append("--quiet") }
        let invocation = try ModelInvocation.parse(arguments)
        let call = try invocation.prepare(for: Self.self)
        do {
            print(try call.graphText(optimized: optimized), terminator: "")
        } catch let error as FlintError {
            throw CommandFailure(message: error.message)
        }
    }

    /// Elements of every parameter (not buffer) in the module tree, each module counted once.
    private static func parameterElements(_ root: Module) -> Int {
        var total = 0
        InspectReport.walk(root, path: "") { _, module in
            total += module.ownParameters().reduce(0) { $0 + $1.tensor.elementCount }
        }
        return total
    }
}

/// Totals over a set of tensors; storages shared by several tensors count once.
struct WeightSummary {
    var tensorCount = 0
    var elements = 0
    var storageBytes = 0
    var storageCount = 0
    /// Elements of parameters alone (buffers such as batch-norm statistics excluded).
    var parameterElements = 0

    init(_ tensors: [Tensor], parameterElements: Int) {
        self.parameterElements = parameterElements
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

/// `11.7M`, `25.6K`, `812`: a count as people read parameter totals.
func formatCount(_ count: Int) -> String {
    if count >= 1_000_000_000 { return fixed(Double(count) / 1e9, 1) + "B" }
    if count >= 1_000_000 { return fixed(Double(count) / 1e6, 1) + "M" }
    if count >= 10_000 { return fixed(Double(count) / 1e3, 1) + "K" }
    return String(count)
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
