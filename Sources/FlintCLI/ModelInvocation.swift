import ArgumentParser
import Flint
import FlintNumPy
import FlintValues

/// The options `run` and `bench` share: which model and method, its inputs, and the thread count.
struct ModelInvocation: ParsableArguments {
    @Argument(help: "Path to a .pt archive written by torch.jit.save.")
    var model: String

    @Option(name: .long, help: "The method to run: forward, an exported method, or a submodule's method by dotted path (encoder.forward).")
    var method = "forward"

    @Option(name: .customLong("input"), help: "A positional argument: x.npy, int:3, float:2.5, bool:true, str:text, none, or json:[[1,2],[3]] (repeatable, in order).")
    var inputs: [String] = []

    @Option(name: .customLong("inputs"), help: "The arguments as a flattened .npz tree (arg0, arg1.0, arg2.key, ...).")
    var inputArchive: String?

    @Option(name: .long, help: "Worker threads for the kernels (default: FLINT_NUM_THREADS or the machine's cores).")
    var threads: Int?

    func validate() throws {
        if !inputs.isEmpty && inputArchive != nil { throw ValidationError("give the arguments either with --input or with --inputs, not both") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// Loads and compiles the model, resolves the method and decodes the inputs.
    func prepare() throws -> (method: CompiledModel.Method, arguments: [ScriptValue]) {
        if let threads { ThreadPool.setThreadCount(threads) }
        do {
            guard let compiled = try load(model).compiledModel else { throw CommandFailure(message: "\(model): not compiled") }
            let method = try compiled.method(self.method)
            let parameters = method.parameters
            var arguments: [ScriptValue] = []
            if let inputArchive {
                let arrays: [(key: String, value: NumPyArray.Value)]
                do {
                    arrays = try NumPyArray.readArchive(path: inputArchive)
                } catch let error as NumPyError {
                    throw CommandFailure(message: error.description)
                }
                arguments = try ArgumentTree.arguments(from: arrays, parameters: parameters)
            } else {
                guard inputs.count <= parameters.count else {
                    throw CommandFailure(message: "\(self.method) takes \(parameters.count) argument(s) but \(inputs.count) were given")
                }
                for (spec, parameter) in zip(inputs, parameters) {
                    do {
                        arguments.append(try ArgumentTree.argument(spec: spec, type: parameter.type))
                    } catch let error as ArgumentTreeUsageError {
                        throw ValidationError(error.message)
                    } catch let error as NumPyError {
                        throw CommandFailure(message: error.description)
                    }
                }
            }
            return (method, arguments)
        } catch let error as FlintError {
            throw CommandFailure(message: error.description)
        }
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
