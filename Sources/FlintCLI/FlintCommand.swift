import ArgumentParser

/// The `flint` command line.
struct FlintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flint",
        abstract: "Run PyTorch TorchScript archives without libtorch.",
        subcommands: [InspectCommand.self, RunCommand.self, BenchCommand.self])
}

/// A failure to report on stderr with exit status 1.
struct CommandFailure: Error {
    let message: String
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
