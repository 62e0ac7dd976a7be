import ArgumentParser
import Flint

/// The `flint` command line.
struct FlintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flint",
        abstract: "Run PyTorch TorchScript archives without libtorch.",
        discussion: "Shell completions: flint --generate-completion-script bash|zsh|fish. Manual page: docs/man/flint.1.",
        version: versionText,
        subcommands: [InspectCommand.self, RunCommand.self, BenchCommand.self, ServeCommand.self])

    /// `flint --version`: Flint's version, what it reads, and the kernels chosen for this machine.
    static var versionText: String {
        let threads = KernelISA.defaultThreadCount
        return """
            flint \(FlintVersion.flint)
            operator schemas: torch \(FlintVersion.torchSchemas)
            archives: TorchScript (torch.jit.save), file format versions up to \(FlintVersion.newestArchiveVersion); torch.export programs (.pt2, torch.export.save)
            kernels: \(FlintVersion.kernelISA), \(threads) thread\(threads == 1 ? "" : "s") by default
            """
    }
}

/// A failure to report on stderr with exit status 1.
struct CommandFailure: Error {
    let message: String
}

/// A usage mistake found after parsing (a malformed `--input` spec...): reported with the subcommand's
/// usage, exit status 2.
struct UsageError: Error {
    let message: String
    let command: ParsableCommand.Type
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered writes to a standard stream.
struct FileHandleOutput {
    let descriptor: Int32
    static let standardError = FileHandleOutput(descriptor: 2)

    func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { systemWrite(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { return }
            offset += written
        }
    }
}

/// `write(2)`, named apart from the method above.
private func systemWrite(_ fd: Int32, _ pointer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    write(fd, pointer, count)
}
