import ArgumentParser
import Flint
import FlintNumPy
import FlintValues

/// `flint run MODEL [--method NAME] [--input SPEC]... [--inputs IN.npz] [--output OUT.npz] [--threads N]`.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one method of a TorchScript archive and print or save its result.",
        discussion: """
            Exit status 0 on success; 1 with a TorchScript traceback on stderr when the model raises or the \
            inputs don't fit the method's signature; 2 for usage errors.
            """)

    @OptionGroup var invocation: ModelInvocation

    @Option(name: .long, help: "Write the result to this .npz, flattened from key 'out' (out, out.0, out.1.boxes, ...).")
    var output: String?

    func run() throws {
        let (method, arguments) = try invocation.prepare()
        let result: ScriptValue
        do {
            result = try method(arguments)
        } catch let error as FlintError {
            throw CommandFailure(message: error.message)
        }
        if let output {
            do {
                try NumPyWriter.writeArchive(path: output, arrays: try ArgumentTree.flatten(result))
            } catch let error as NumPyError {
                throw CommandFailure(message: error.description)
            } catch let error as FlintError {
                throw CommandFailure(message: error.message)
            }
        } else {
            print(ArgumentTree.display(result))
        }
    }
}
