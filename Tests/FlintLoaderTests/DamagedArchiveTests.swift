import Foundation
import FlintLoader
import FlintTensor
import FlintTestSupport
import FlintZip
import Testing

/// Damaged and hostile archives give a `LoadError` naming what is wrong: never a crash, a hang or an
/// allocation far beyond the file's size.
@Suite struct DamagedArchiveTests {
    static let smallFixtures = ["small_cnn_scripted.pt", "lstm_traced.pt", "containers_scripted.pt", "views_scripted.pt",
                                "dtypes_scripted.pt", "enum_and_namedtuple_scripted.pt", "setstate_scripted.pt"]

    private func fixture(_ name: String) -> String { Fixtures.archivesDirectory.appendingPathComponent(name).path }

    private func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("flint-\(getpid())-\(name)").path
    }

    /// Loads and, if that works, touches everything a user could reach; returns the error if any.
    @discardableResult
    private func exercise(_ path: String) -> LoadError? {
        do {
            let model = try ScriptModel(path: path)
            for entry in try model.root.stateDict() { _ = entry.tensor.contiguousBytes().count }
            _ = model.root.slots.map(\.pythonRepr)
            for record in model.archive.recordNames where record.hasPrefix("code/") && record.hasSuffix(".py") {
                _ = try? model.sourceRanges(ofRecord: record)
            }
            return nil
        } catch let error as LoadError {
            #expect(!error.description.isEmpty)
            return error
        } catch {
            Issue.record("unexpected error type \(type(of: error)): \(error)")
            return nil
        }
    }

    @Test(arguments: smallFixtures)
    func truncatedAnywhere(_ name: String) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture(name)))
        let path = temporaryPath("truncated-" + name)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var cuts = Set(stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)))
        cuts.formUnion((max(0, bytes.count - 200)..<bytes.count))
        for cut in cuts.sorted() {
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: path))
            #expect(exercise(path) != nil, "truncated at \(cut) of \(bytes.count) bytes still loaded")
        }
    }

    @Test(arguments: smallFixtures)
    func flippedBytesInTheFile(_ name: String) throws {
        let original = try Data(contentsOf: URL(fileURLWithPath: fixture(name)))
        let path = temporaryPath("flipped-" + name)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var random = SeededGenerator(seed: 42)
        for _ in 0..<300 {
            var bytes = original
            let position = Int(random.next() % UInt64(bytes.count))
            bytes[position] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            try bytes.write(to: URL(fileURLWithPath: path))
            exercise(path)
        }
    }

    /// Mutates one record and re-packs the archive with correct checksums, so the damage reaches the
    /// pickle, code or tensor readers instead of being caught by the CRC.
    @Test(arguments: ["data.pkl", "constants.pkl", "code/__torch__.py", "version"])
    func mutatedRecordsBehindValidChecksums(_ record: String) throws {
        var random = SeededGenerator(seed: 7)
        let path = temporaryPath("mutated-\(record.replacingOccurrences(of: "/", with: "_"))")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for name in ["small_cnn_scripted.pt", "containers_scripted.pt", "enum_and_namedtuple_scripted.pt", "lstm_scripted.pt"] {
            let base = try TestZipWriter(copying: fixture(name))
            guard let index = base.records.firstIndex(where: { $0.name.hasSuffix("/" + record) }) else { continue }
            for round in 0..<250 {
                var writer = base
                var bytes = writer.records[index].contents
                guard !bytes.isEmpty else { continue }
                let position = Int(random.next() % UInt64(bytes.count))
                switch round % 4 {
                case 0: bytes[position] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                case 1: bytes.removeSubrange(position..<min(bytes.count, position + Int(random.next() % 16) + 1))
                case 2: bytes.insert(contentsOf: bytes[position..<min(bytes.count, position + 24)], at: position)
                default: bytes[position] = [0x80, 0x8A, 0x8B, 0x58, 0x71, 0x72, 0x68, 0x6A, 0x28, 0x2E, 0x62, 0x52][Int(random.next() % 12)]
                }
                writer.records[index].contents = bytes
                try writer.write(to: path)
                exercise(path)
            }
        }
    }

    @Test func tensorRecordShorterThanItsStorage() throws {
        var writer = try TestZipWriter(copying: fixture("small_cnn_scripted.pt"))
        let index = try #require(writer.records.firstIndex { $0.name.hasSuffix("/data/0") })
        writer.records[index].contents.removeLast(5)
        let path = temporaryPath("short-tensor.pt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writer.write(to: path)
        let error = try #require(exercise(path))
        #expect(error.kind == .corrupt)
        #expect(error.record == "data/0")
        #expect(error.message.contains("holds"))
    }

    @Test func missingRecords() throws {
        for record in ["data.pkl", "constants.pkl", "code/__torch__.py", "data/0"] {
            var writer = try TestZipWriter(copying: fixture("small_cnn_scripted.pt"))
            writer.records.removeAll { $0.name.hasSuffix("/" + record) }
            let path = temporaryPath("missing.pt")
            defer { try? FileManager.default.removeItem(atPath: path) }
            try writer.write(to: path)
            let error = try #require(exercise(path), "without \(record)")
            #expect(error.description.contains(record) || error.kind == .notTorchScript, "\(error)")
        }
    }

    @Test func zipBombIsRefusedBeforeAllocating() throws {
        var writer = try TestZipWriter(copying: fixture("small_cnn_scripted.pt"))
        let index = try #require(writer.records.firstIndex { $0.name.hasSuffix("/code/__torch__.py") })
        writer.records[index].contents = [UInt8](repeating: 0x20, count: 1 << 20)
        writer.records[index].deflate = true
        writer.records[index].declaredSize = 1 << 40
        let path = temporaryPath("bomb.pt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writer.write(to: path)
        let error = try #require(exercise(path))
        #expect(error.record == "code/__torch__.py")
        #expect(error.message.contains("1099511627776"))
    }

    @Test func deeplyNestedListsAreRefused() throws {
        // Bottom-up nesting: ]]]...]aaa...a
        var bottomUp: [UInt8] = [0x80, 0x02] + [UInt8](repeating: 0x5D, count: 100_000) + [UInt8](repeating: 0x61, count: 99_999) + [0x2E]
        try expectRejectedDataPickle(&bottomUp, containing: "deep")
        // Top-down nesting through the memo, which defeats depth tracking while unpickling.
        var topDown: [UInt8] = [0x80, 0x02, 0x5D] + longPut(0)
        let count: UInt32 = 100_000
        for k in 1...count { topDown += [0x5D] + longPut(k) + [0x30] }
        for k in 1...count { topDown += longGet(k - 1) + longGet(k) + [0x61, 0x30] }
        topDown += [0x2E]
        try expectRejectedDataPickle(&topDown, containing: "deep")
    }

    @Test func deepObjectChainsAndCyclesAreRefused() throws {
        // SmallCNN objects each holding the next in their `conv` slot, built top-down through the memo.
        func chain(length: UInt32, closeCycle: Bool) -> [UInt8] {
            var p: [UInt8] = [0x80, 0x02, 0x63] + Array("__torch__\nSmallCNN\n".utf8) + longPut(1_000_000) + [0x30]
            for k in 0...length { p += longGet(1_000_000) + [0x29, 0x81] + longPut(k) + [0x30] }
            p += longGet(0)
            for k in 1...length { p += link(from: k - 1, to: k) }
            if closeCycle { p += link(from: length, to: 0) }
            return p + [0x2E]
        }
        func link(from: UInt32, to: UInt32) -> [UInt8] {
            longGet(from) + [0x7D, 0x58] + le32(4) + Array("conv".utf8) + longGet(to) + [0x73, 0x62, 0x30]
        }
        var deep = chain(length: 200_000, closeCycle: false)
        try expectRejectedDataPickle(&deep, containing: "deep")
        var cycle = chain(length: 3, closeCycle: true)
        try expectRejectedDataPickle(&cycle, containing: "cycle")
    }

    @Test func unknownGlobalsAreNeverCalled() throws {
        var pickle: [UInt8] = [0x80, 0x02, 0x63] + Array("os\nsystem\n".utf8) + [0x58] + le32(4) + Array("true".utf8) + [0x85, 0x52, 0x2E]
        try expectRejectedDataPickle(&pickle, containing: "os.system")
    }

    @Test func sharedTuplesCannotExplode() throws {
        // t0 = (1, 1); t(k) = (t(k-1), t(k-1)): 2^60 leaves if unfolded.
        var pickle: [UInt8] = [0x80, 0x02, 0x4B, 0x01, 0x4B, 0x01, 0x86] + longPut(0)
        for k in 1...60 { pickle += [0x30] + longGet(UInt32(k - 1)) + longGet(UInt32(k - 1)) + [0x86] + longPut(UInt32(k)) }
        pickle += [0x2E]
        try expectRejectedDataPickle(&pickle, containing: "unfold")
    }

    private func expectRejectedDataPickle(_ pickle: inout [UInt8], containing text: String) throws {
        var writer = try TestZipWriter(copying: fixture("small_cnn_scripted.pt"))
        let index = try #require(writer.records.firstIndex { $0.name.hasSuffix("/data.pkl") })
        writer.records[index].contents = pickle
        // A name of its own: the tests of this suite run in parallel and several write a hostile archive.
        let path = temporaryPath("hostile-\(UUID().uuidString).pt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writer.write(to: path)
        let error = try #require(exercise(path))
        #expect(error.record == "data.pkl")
        #expect(error.message.contains(text), "\(error)")
    }

    @Test func archiveBeyondFourGiBThroughZip64() throws {
        let source = fixture("small_cnn_scripted.pt")
        var writer = try TestZipWriter(copying: source)
        let top = writer.records[0].name.split(separator: "/")[0]
        writer.records.insert(.init(name: "\(top)/extra/padding", contents: [], sparseLeadingBytes: (1 << 32) + 4096), at: 0)
        let path = temporaryPath("zip64.pt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writer.write(to: path)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect(size > 1 << 32)
        let big = try ScriptModel(path: path)
        let original = try ScriptModel(path: source)
        let entry = try #require(big.archive.zip.entry(named: "\(top)/data.pkl"))
        #expect(entry.localHeaderOffset > 1 << 32)
        let expected = try original.root.stateDict()
        let actual = try big.root.stateDict()
        #expect(actual.map(\.name) == expected.map(\.name))
        for (a, e) in zip(actual, expected) { #expect(a.tensor.contiguousBytes() == e.tensor.contiguousBytes()) }
    }
}

private func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }
private func longPut(_ k: UInt32) -> [UInt8] { [0x72] + le32(k) }
private func longGet(_ k: UInt32) -> [UInt8] { [0x6A] + le32(k) }
