import Foundation
import Testing

/// The shippable binary (Tools/release/build-static.sh; `.ci/run` builds it and points FLINT_STATIC_BINARY at
/// it): no shared-library dependencies beyond libc, libm and libz, at most 48 MB (the size grew from 19.5 MB when
/// `flint serve` brought SwiftNIO, gRPC and BoringSSL, and by 1.4 MB with LAPACK and its Fortran runtime), and it
/// runs a model.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["FLINT_STATIC_BINARY"] != nil))
struct StaticBinaryTests {
    static let binary = ProcessInfo.processInfo.environment["FLINT_STATIC_BINARY"] ?? ""

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func dependsOnlyOnLibcLibmAndLibz() throws {
        let dynamic = try Self.run("/usr/bin/readelf", ["-d", Self.binary])
        #expect(dynamic.status == 0)
        let needed = dynamic.stdout.split(separator: "\n").filter { $0.contains("(NEEDED)") }.compactMap { line -> String? in
            guard let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else { return nil }
            return String(line[line.index(after: open)..<close])
        }
        let allowed = ["libc.so", "libm.so", "libz.so", "ld-linux"]
        for library in needed {
            #expect(allowed.contains { library.hasPrefix($0) }, "the binary needs \(library)")
        }
    }

    @Test func isAtMost48MB() throws {
        let size = try #require(try FileManager.default.attributesOfItem(atPath: Self.binary)[.size] as? Int)
        #expect(size <= 48 * 1024 * 1024, "\(size) bytes")
    }

    @Test func runsAModel() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let fixtures = root.appendingPathComponent("Tests/Fixtures/cli")
        let result = try Self.run(Self.binary, [
            "run", fixtures.appendingPathComponent("classifier.pt").path,
            "--inputs", fixtures.appendingPathComponent("classifier.inputs.npz").path, "--topk", "1",
        ])
        #expect(result.status == 0)
        #expect(result.stdout.contains("probability"))
        #expect(try Self.run(Self.binary, ["--version"]).stdout.hasPrefix("flint "))
    }
}
