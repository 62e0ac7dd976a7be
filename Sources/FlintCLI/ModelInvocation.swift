import ArgumentParser
import Flint

/// The options `run` and `bench` share: which model and method, its inputs, and the thread count.
struct ModelInvocation: ParsableArguments {
    @Argument(help: "Path to a TorchScript archive (.pt, torch.jit.save) or a torch.export program (.pt2, torch.export.save).")
    var model: String

    @Option(name: .long, help: "The method to run: forward, an exported method, or a submodule's method by dotted path (encoder.forward).")
    var method = "forward"

    @Option(name: .customLong("input"), help: "A positional argument: x.npy, int:3, float:2.5, bool:true, str:text, none, or json:[[1,2],[3]] (repeatable, in order).")
    var inputs: [String] = []

    @Option(name: .customLong("inputs"), help: "The arguments as a flattened .npz tree (arg0, arg1.0, arg2.key, ...).")
    var inputArchive: String?

    @Option(name: .long, help: "Worker threads for the kernels (default: FLINT_NUM_THREADS or the machine's cores).")
    var threads: Int?

    @Flag(name: .long, help: "No status line on stderr (it is shown only on a terminal, for steps over a second).")
    var quiet = false

    func validate() throws {
        if !inputs.isEmpty && inputArchive != nil { throw ValidationError("give the arguments either with --input or with --inputs, not both") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let inputArchive, inputArchive.lowercased().hasSuffix(".npy") {
            throw ValidationError("--inputs takes an .npz archive of all the arguments; for one array use --input \(inputArchive)")
        }
        for spec in inputs where spec.lowercased().hasSuffix(".npz") {
            throw ValidationError("--input takes one argument (x.npy, int:3, ...); for an .npz archive of the arguments use --inputs \(spec)")
        }
    }

    /// Loads and compiles the model, resolves the method and decodes the inputs.
    func prepare(for command: ParsableCommand.Type) throws -> MethodCall {
        Progress.shared.enable(quiet: quiet)
        if let threads {
            let cores = KernelISA.defaultThreadCount
            if threads > cores {
                FileHandleOutput.standardError.write(
                    "warning: --threads \(threads) is more than the \(cores) core\(cores == 1 ? "" : "s") of this machine; kernels will run slower, not faster\n")
            }
            ThreadPool.setThreadCount(threads)
        }
        defer { Progress.shared.finish() }
        do {
            Progress.shared.update("loading \(model)")
            let module = try loadForInspection(model)
            Progress.shared.update("compiling \(model)")
            let compiled: CompiledModel
            do {
                compiled = try module.compile()
            } catch var error as FlintError {
                error.file = model
                throw error
            }
            let method = try compiled.method(self.method)
            if let inputArchive {
                Progress.shared.update("reading \(inputArchive)")
                let arrays = Self.renamingPositionalArrays(try loadNPZ(inputArchive), archive: inputArchive)
                do {
                    return try MethodCall(method, arrays: arrays)
                } catch let error as FlintError where error.message.hasPrefix("missing input") {
                    let keys = arrays.map(\.key)
                    throw CommandFailure(message: error.message + " (\(inputArchive) has " + (keys.isEmpty ? "no arrays" : "keys: " + keys.joined(separator: ", ")) + ")")
                }
            }
            do {
                return try MethodCall(method, specs: inputs)
            } catch let error as ArgumentTreeUsageError {
                throw UsageError(message: error.message, command: command)
            }
        } catch let error as FlintError {
            throw CommandFailure(message: error.description)
        }
    }

    /// `np.savez(f, x, y)` names its arrays `arr_0`, `arr_1`: with no `argN` key present, they are taken as
    /// the positional arguments, with a note.
    private static func renamingPositionalArrays(_ arrays: [(key: String, value: IValue)], archive: String)
        -> [(key: String, value: IValue)]
    {
        guard !arrays.isEmpty, !arrays.contains(where: { $0.key.hasPrefix("arg") }),
            arrays.allSatisfy({ $0.key.hasPrefix("arr_") && Int($0.key.dropFirst(4)) != nil })
        else { return arrays }
        let renamed = arrays.map { (key: "arg" + $0.key.dropFirst(4), value: $0.value) }
        FileHandleOutput.standardError.write(
            "note: \(archive) has unnamed arrays (\(arrays.map(\.key).joined(separator: ", "))) as np.savez(f, x) writes them; "
                + "using them as \(renamed.map(\.key).joined(separator: ", ")) (name them arg0, arg1, ... to silence this)\n")
        return renamed
    }
}

/// Monotonic time in seconds.
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}

/// The process's peak resident set size in MiB.
func peakResidentMegabytes() -> Double {
    var usage = rusage()
    #if canImport(Glibc)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    #if canImport(Darwin)
    return Double(usage.ru_maxrss) / 1_048_576
    #else
    return Double(usage.ru_maxrss) / 1024
    #endif
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
