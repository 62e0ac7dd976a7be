import ArgumentParser
import Flint

/// `flint run MODEL [--method NAME] [--input SPEC]... [--inputs IN.npz] [--output OUT.npz|OUT.npy] [--full]
/// [--topk K [--labels FILE]] [--threads N] [--quiet]`.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one method of a TorchScript archive and print or save its result.",
        discussion: """
            Results print as Python's print() shows them, tensors over 1000 elements summarised with '...' \
            (--full prints every element). Exit status 0 on success; 1 with a TorchScript traceback on stderr \
            when the model raises or the inputs don't fit the method's signature; 2 for usage errors.
            """)

    @OptionGroup var invocation: ModelInvocation

    @Option(name: .long, help: "Write the result to a file instead of printing it: OUT.npz holds the whole result flattened from key 'out' (out, out.0, out.1.boxes, ...); OUT.npy holds a single tensor or number.")
    var output: String?

    @Flag(name: .long, help: "Print every element of large tensors instead of summarising them.")
    var full = false

    @Option(name: .long, help: "Print the top K classes of a classifier's output ([classes] or [batch, classes]) with softmax probabilities.")
    var topk: Int?

    @Option(name: .long, help: "With --topk: a file of class names, one per line (or a JSON array).")
    var labels: String?

    func validate() throws {
        if let output {
            let lowered = output.lowercased()
            guard lowered.hasSuffix(".npz") || lowered.hasSuffix(".npy") else {
                throw ValidationError("--output must name an .npz file (the whole result) or an .npy file (a single tensor): '\(output)'")
            }
        }
        if let topk, topk < 1 { throw ValidationError("--topk must be at least 1") }
        if labels != nil && topk == nil { throw ValidationError("--labels goes with --topk K") }
    }

    func run() throws {
        let call = try invocation.prepare(for: Self.self)
        let writesSingleArray = output?.lowercased().hasSuffix(".npy") == true
        if writesSingleArray, call.method.returnsContainer {
            throw UsageError(message: "\(invocation.method) returns \(call.method.returnType): write it to an .npz file, not '\(output!)'", command: Self.self)
        }
        let labelNames = try labels.map(TopClasses.readLabels)
        let result: MethodResult
        do {
            Progress.shared.update("running \(invocation.method)")
            defer { Progress.shared.finish() }
            result = try call()
        } catch let error as FlintError {
            throw CommandFailure(message: error.message)
        }
        if let output {
            try write(result, to: output, single: writesSingleArray)
        } else if let topk {
            print(try TopClasses(k: topk, labels: labelNames).text(result), terminator: "")
        } else {
            print(result.printed(full ? .full : PythonTensorFormat()))
        }
    }

    private func write(_ result: MethodResult, to path: String, single: Bool) throws {
        let arrays: [(key: String, value: IValue)]
        do {
            arrays = try result.flattened()
            if single {
                guard arrays.count == 1 else {
                    throw CommandFailure(message: "the result holds \(arrays.count) arrays (\(arrays.map(\.key).joined(separator: ", "))): write it to an .npz file, not '\(path)'")
                }
                try saveNPY(arrays[0].value, to: path)
            } else {
                try saveNPZ(arrays, to: path)
            }
        } catch let error as FlintError {
            throw CommandFailure(message: error.message)
        }
        let described = arrays.map { key, value -> String in
            switch value {
            case .tensor(let t): return "\(single ? "" : key + " ")\(t.dtype == .bfloat16 ? "float32" : t.dtype.name) \(t.shape)"
            case .string(let s): return "\(single ? "" : key + " ")str (\(s.count) characters)"
            default: return "\(single ? "" : key + " ")\(value.kindName)"
            }
        }
        print("wrote \(path): " + (described.isEmpty ? "no arrays (the result is None)" : described.joined(separator: ", ")))
    }
}
