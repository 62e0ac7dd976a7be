import Foundation
import FlintLoader
import FlintRuntime
import FlintTensor
import FlintTestSupport
import FlintZip
import Testing

/// Every committed fixture (and any in `FLINT_EXTRA_FIXTURES`) loads with exactly what PyTorch read back.
@Suite struct FixtureConformanceTests {
    static let fixtures = (try? Fixtures.torchScriptArchives()) ?? []

    @Test func fixturesArePresent() {
        #expect(Self.fixtures.count >= 15)
    }

    /// Fixtures whose state only exists after TorchScript code runs at load (`__setstate__`); they match
    /// once the interpreter runs it (issue #4), and then this list must shrink.
    static let needsInterpreter: Set<String> = ["setstate_scripted.pt"]

    @Test(arguments: fixtures.map(\.model.lastPathComponent))
    func stateDictMatchesPyTorch(_ name: String) throws {
        let (url, expected) = Self.fixtures.first { $0.model.lastPathComponent == name }!
        let model = try ScriptModel(path: url.path)
        #expect(model.fileFormatVersion == expected.version)
        #expect(model.root.type.methods == expected.methods)
        // Objects with `__setstate__` get their state from running the archive's code, as in libtorch.
        if Self.needsInterpreter.contains(name) { _ = try Program(model: model) }
        try compareState(model, expected)
    }

    private func compareState(_ model: ScriptModel, _ expected: ExpectedArchive) throws {
        let state = try model.root.stateDict()
        let expectedTensors = expected.tensors ?? []
        #expect(state.map(\.name) == expectedTensors.map(\.name))
        for (entry, want) in zip(state, expectedTensors) {
            #expect(entry.tensor.shape == want.shape, "\(want.name)")
            #expect(entry.tensor.dtype.name == want.dtype, "\(want.name)")
            #expect(entry.tensor.strides == want.strides, "\(want.name)")
            #expect(entry.tensor.storageOffset == want.storage_offset, "\(want.name)")
            let bytes = entry.tensor.contiguousBytes()
            #expect(bytes.count == want.nbytes, "\(want.name)")
            #expect(bytes.withUnsafeBytes { CRC32.checksum($0) } == want.crc32, "bit-exact contents of \(want.name)")
        }
    }

    @Test(arguments: fixtures.filter { $0.expected.attributes != nil }.map(\.model.lastPathComponent))
    func rootAttributesMatchPyTorch(_ name: String) throws {
        let (url, expected) = Self.fixtures.first { $0.model.lastPathComponent == name }!
        let model = try ScriptModel(path: url.path)
        if Self.needsInterpreter.contains(name) { _ = try Program(model: model) }
        for (attribute, repr) in expected.attributes ?? [:] {
            let value = try #require(model.root.attribute(attribute), "attribute \(attribute)")
            #expect(value.pythonRepr == repr, "attribute \(attribute)")
        }
    }

    @Test func weightsAreMappedNotCopied() throws {
        let url = Fixtures.archivesDirectory.appendingPathComponent("mobilenet_v3_small_traced.pt")
        let model = try ScriptModel(path: url.path)
        let file = model.archive.zip.file
        let range = UInt(bitPattern: file.base)..<(UInt(bitPattern: file.base) + UInt(file.count))
        for entry in try model.root.stateDict() where entry.tensor.storage.byteCount > 0 {
            #expect(entry.tensor.storage.isBorrowed)
            #expect(range.contains(UInt(bitPattern: entry.tensor.storage.base)), "\(entry.name) lies in the mapping")
            #expect(UInt(bitPattern: entry.tensor.storage.base) % 64 == 0, "\(entry.name) is 64-byte aligned")
        }
    }

    @Test func viewsShareOneStorage() throws {
        let model = try ScriptModel(path: Fixtures.archivesDirectory.appendingPathComponent("views_scripted.pt").path)
        let state = try model.root.stateDict()
        let storages = Set(state.map { ObjectIdentifier($0.tensor.storage) })
        #expect(state.count >= 4)
        #expect(storages.count == 1, "every view aliases the parameter's storage")
        #expect(state.contains { $0.tensor.strides.contains(0) }, "expanded view keeps its zero stride")
        #expect(state.contains { !$0.tensor.isContiguous })
    }

    @Test func extraFilesAreReadable() throws {
        let (url, expected) = Self.fixtures.first { $0.model.lastPathComponent == "extra_files_scripted.pt" }!
        let model = try ScriptModel(path: url.path)
        let files = Dictionary(uniqueKeysWithValues: try model.archive.extraFiles().map { ($0.name, String(decoding: $0.contents, as: UTF8.self)) })
        #expect(files == expected.extra_files)
    }

    @Test func setStateObjectsKeepTheirPickledState() throws {
        let model = try ScriptModel(path: Fixtures.archivesDirectory.appendingPathComponent("setstate_scripted.pt").path)
        #expect(model.root.type.hasSetState)
        guard case .tuple(let state)? = model.root.pendingState else {
            Issue.record("expected the tuple __getstate__ returned")
            return
        }
        #expect(!state.isEmpty)
    }

    @Test func constantsTableHoldsTracedTensorsAndNonASCIIStrings() throws {
        let traced = try ScriptModel(path: Fixtures.archivesDirectory.appendingPathComponent("constants_traced.pt").path)
        #expect(traced.constants.compactMap(\.tensor).map(\.dtype.name).sorted() == ["float32", "float64", "int64"])
        let strings = try ScriptModel(path: Fixtures.archivesDirectory.appendingPathComponent("string_constant_scripted.pt").path)
        #expect(strings.constants.contains { if case .string(let s) = $0 { s.unicodeScalars.contains { $0.value > 127 } } else { false } })
    }

    @Test func debugRecordsPointAtTheUsersPythonSource() throws {
        let model = try ScriptModel(path: Fixtures.archivesDirectory.appendingPathComponent("small_cnn_scripted.pt").path)
        let record = model.root.type.sourceRecord
        let code = Array(try model.sourceText(ofRecord: record).utf8)
        let table = try #require(try model.sourceRanges(ofRecord: record))
        #expect(!table.entries.isEmpty)
        #expect(table.entries.allSatisfy { $0.codeOffset >= 0 && $0.codeOffset <= code.count })
        let located = table.entries.compactMap { table.location(of: $0) }.filter { $0.filename != nil }
        #expect(located.allSatisfy { $0.filename!.hasSuffix("make_archive_fixtures.py") && $0.line > 1 })
        let convLine = try #require(located.first { $0.lineText.contains("self.pool(self.relu(self.bn(self.conv(x))))") })
        let featuresLine = try #require(located.first { $0.lineText.contains("x = self.features(x)") })
        #expect(featuresLine.line == convLine.line + 1)
    }

    @Test func hooksAreNotMethods() throws {
        let model = try ScriptModel(path: Fixtures.archivesDirectory.appendingPathComponent("hooks_scripted.pt").path)
        #expect(model.root.type.methods == ["forward"])
        #expect(!model.root.type.outline.forwardHooks.isEmpty || !model.root.type.outline.forwardPreHooks.isEmpty)
    }
}

/// Files that are not TorchScript archives get a one-line error saying what they are.
@Suite struct NotTorchScriptTests {
    static let negatives = ((try? Fixtures.all(includeExtra: false)) ?? []).filter { $0.expected.kind == "not-torchscript" }

    @Test(arguments: negatives.map(\.model.lastPathComponent))
    func errorSaysWhatTheFileIs(_ name: String) throws {
        let (url, expected) = Self.negatives.first { $0.model.lastPathComponent == name }!
        do {
            _ = try ScriptModel(path: url.path)
            Issue.record("\(name) loaded")
        } catch let error as LoadError {
            #expect(error.kind == .notTorchScript)
            #expect(error.description.lowercased().contains(expected.error_contains ?? "?"), "\(error)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func missingFileIsAnIOError() {
        #expect(throws: LoadError.self) { try ScriptModel(path: "/nonexistent/model.pt") }
    }
}
