import FlintLoader
import FlintRuntime
import FlintTensor
import FlintTestSupport
import FlintValues
import Foundation
import Testing

/// Archives whose printed code was damaged or written by hand: compiling and running them must end in a
/// clear error, never a crash.
@Suite struct HostileCodeTests {
    private func fixture(_ name: String) -> String { Fixtures.archivesDirectory.appendingPathComponent(name).path }

    private func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("flint-hostile-\(name)-\(getpid()).pt").path
    }

    /// Loads, compiles and runs `forward` on a small tensor; returns the error, if any.
    @discardableResult
    private func exercise(_ path: String) -> (any Error)? {
        do {
            let program = try Program(model: try ScriptModel(path: path))
            _ = try program.run(method: "forward", arguments: [.tensor(Tensor.zeros([1, 3, 8, 8], dtype: .float32))])
            return nil
        } catch {
            return error
        }
    }

    @Test func recursionIsRefusedAtLoad() throws {
        var writer = try TestZipWriter(copying: fixture("exported_methods_scripted.pt"))
        let index = try #require(writer.records.firstIndex { $0.name.hasSuffix("/code/__torch__.py") })
        let text = String(decoding: writer.records[index].contents, as: UTF8.self)
        writer.records[index].contents = Array(text.replacingOccurrences(of: "_2 = torch.mul(x, 2.)", with: "_2 = (self).helper(x, )").utf8)
        let path = temporaryPath("recursive")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writer.write(to: path)
        let error = try #require(exercise(path))
        #expect("\(error)".contains("recursively"))
    }

    /// A forked closure that assigns a name of the method's: the name is the closure's own local (Python's scoping), so
    /// the method's variable keeps its value.
    @Test func forkedClosureAssignsItsOwnLocals() throws {
        let fixture = Fixtures.archivesDirectory.deletingLastPathComponent().appendingPathComponent("language/fork_wait.pt").path
        var writer = try TestZipWriter(copying: fixture)
        let index = try #require(writer.records.firstIndex { $0.name.hasSuffix("/control_flow.py") })
        var text = String(decoding: writer.records[index].contents, as: UTF8.self)
        let closure = "      return _0(x, k, )"
        let tail = "total = torch.add(torch.wait(futures[0]), 10)"
        try #require(text.contains(closure) && text.contains(tail))
        text = text.replacingOccurrences(of: closure, with: "      k = 100\n" + closure)
        text = text.replacingOccurrences(of: tail, with: "total = torch.add(torch.wait(futures[0]), k)")
        writer.records[index].contents = Array(text.utf8)
        let path = temporaryPath("fork-locals")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writer.write(to: path)
        let program = try Program(model: try ScriptModel(path: path))
        let x = try Tensor(shape: [2, 3], scalars: [0.0, 1, 2, 3, 4, 5] as [Float])
        let result = try program.run(method: "forward", arguments: [.tensor(x), .int(2)])
        guard case .tuple(let items) = result, case .tensor(let total)? = items.first else { Issue.record("unexpected result \(result)"); return }
        // The closure scales by its own k (100); the method adds its k (n + 1 = 3).
        #expect(try total.to(.float64).contiguous().scalars(as: Double.self) == [3, 103, 203, 303, 403, 503])
    }

    @Test(arguments: ["small_cnn_scripted.pt", "containers_scripted.pt", "enum_and_namedtuple_scripted.pt", "exported_methods_scripted.pt", "setstate_scripted.pt"])
    func mutatedCodeNeverCrashes(_ name: String) throws {
        var random = SeededGenerator(seed: 11)
        let path = temporaryPath("mutated-\(name)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let base = try TestZipWriter(copying: fixture(name))
        let codeRecords = base.records.indices.filter { base.records[$0].name.contains("/code/") && base.records[$0].name.hasSuffix(".py") }
        // FLINT_MUTATION_ROUNDS raises the count for longer local runs.
        let rounds = Int(ProcessInfo.processInfo.environment["FLINT_MUTATION_ROUNDS"] ?? "") ?? 300
        for round in 0..<rounds {
            var writer = base
            let index = codeRecords[Int(random.next() % UInt64(codeRecords.count))]
            var bytes = writer.records[index].contents
            guard !bytes.isEmpty else { continue }
            let position = Int(random.next() % UInt64(bytes.count))
            switch round % 4 {
            case 0:
                let alphabet = Array("()[]:,.=+-*/ \n_0xaAself1\"'".utf8)
                bytes[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
            case 1: bytes.removeSubrange(position..<min(bytes.count, position + Int(random.next() % 12) + 1))
            case 2: bytes.insert(contentsOf: bytes[position..<min(bytes.count, position + 20)], at: position)
            default:
                // Swap two identifiers' worth of text: keeps the code parsable more often.
                let other = Int(random.next() % UInt64(bytes.count))
                let length = min(8, bytes.count - max(position, other))
                if length > 0 {
                    let a = Array(bytes[position..<(position + length)])
                    bytes.replaceSubrange(position..<(position + length), with: bytes[other..<(other + length)])
                    bytes.replaceSubrange(other..<(other + length), with: a)
                }
            }
            writer.records[index].contents = bytes
            try writer.write(to: path)
            exercise(path)
        }
    }
}
