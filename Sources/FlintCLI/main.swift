import ArgumentParser

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Exit statuses: 0 success, 1 the model or its input was rejected (message on stderr), 2 usage error.
do {
    var command = try FlintCommand.parseAsRoot()
    if let service = command as? LongRunningCommand {
        try await service.serve()
    } else {
        try command.run()
    }
} catch let failure as CommandFailure {
    Progress.shared.finish()
    FileHandleOutput.standardError.write("error: \(failure.message)\n")
    exit(1)
} catch let usage as UsageError {
    Progress.shared.finish()
    let name = usage.command.configuration.commandName ?? ""
    FileHandleOutput.standardError.write(
        "Error: \(usage.message)\nUsage: " + FlintCommand.usageString(for: usage.command) + "\n  See 'flint \(name) --help' for more information.\n")
    exit(2)
} catch {
    let code = FlintCommand.exitCode(for: error)
    if code == .success {
        print(FlintCommand.fullMessage(for: error))
        exit(0)
    }
    FileHandleOutput.standardError.write(FlintCommand.fullMessage(for: error) + "\n")
    exit(code == .validationFailure ? 2 : code.rawValue)
}
