import Flint
import FlintTestSupport
import Foundation
import Testing

/// `loadNPY`, `loadNPZ`, `saveNPY` and `saveNPZ`: NumPy's files through the public API alone.
@Suite struct NumPyFileTests {
    static let language = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/language")

    private func scratch(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("flint-numpy-\(getpid())-\(name)").path
    }

    @Test func anArchiveRoundTripsInOrderWithItsDtypesAndStrings() throws {
        let path = scratch("round.npz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let floats = try Tensor(shape: [2, 3], scalars: [Float(1.5), -2, 3, 4, 5, 6.25])
        let longs = try Tensor(shape: [4], scalars: [Int64(7), -8, 9, 1 << 40])
        try saveNPZ([(key: "out.1", value: .tensor(floats)), (key: "out.0", value: .tensor(longs)), (key: "name", value: "résumé")], to: path)
        let read = try loadNPZ(path)
        #expect(read.map(\.key) == ["out.1", "out.0", "name"])
        let first = try read[0].value.toTensor()
        #expect(first.dtype == .float32 && first.shape == [2, 3])
        #expect(try first.contiguous().scalars(as: Float.self) == [1.5, -2, 3, 4, 5, 6.25])
        let second = try read[1].value.toTensor()
        #expect(second.dtype == .int64)
        #expect(try second.contiguous().scalars(as: Int64.self) == [7, -8, 9, 1 << 40])
        #expect(try read[2].value.toString() == "résumé")
    }

    @Test func oneArrayRoundTripsThroughAnNpyFile() throws {
        let path = scratch("one.npy")
        defer { try? FileManager.default.removeItem(atPath: path) }
        // A transposed view is written in its logical order.
        let tensor = try Tensor(shape: [2, 3], scalars: [Float(1), 2, 3, 4, 5, 6]).transpose(0, 1)
        try saveNPY(.tensor(tensor), to: path)
        let read = try loadNPY(path).toTensor()
        #expect(read.shape == [3, 2])
        #expect(try read.contiguous().scalars(as: Float.self) == [1, 4, 2, 5, 3, 6])
    }

    @Test func filesNumPyWroteAreReadAndWrittenBackByteForByte() throws {
        let fixture = Self.language.appendingPathComponent("model_mlp_traced.arg0.npy").path
        let array = try loadNPY(fixture).toTensor()
        #expect(array.dtype == .float32 && array.shape == [2, 8])
        // Version 1.0, the header padded to a 64-byte boundary: what numpy.save wrote.
        let path = scratch("copy.npy")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try saveNPY(.tensor(array), to: path)
        #expect(FileManager.default.contents(atPath: path) == FileManager.default.contents(atPath: fixture))
        let calls = try loadNPZ(Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/graph/list_append.calls.npz").path)
        #expect(!calls.isEmpty)
        #expect(calls.allSatisfy { $0.value.isTensor })
    }

    @Test func whatNumPyCannotHoldIsRefusedWithItsKind() throws {
        let path = scratch("refused.npz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            try saveNPZ([(key: "out.0", value: .int(3))], to: path)
            Issue.record("an int was written as an array")
        } catch let error as FlintError {
            #expect(error.kind == .invalidValue)
            #expect(error.message.contains("out.0") && error.message.contains("int"))
        }
        do {
            try saveNPY(.tensor(Tensor(zeros: [2], dtype: .complex32)), to: path)
            Issue.record("a complex32 tensor was written")
        } catch let error as FlintError {
            #expect(error.kind == .unsupported)
        }
        do {
            _ = try loadNPZ(scratch("missing.npz"))
            Issue.record("a missing archive was read")
        } catch let error as FlintError {
            #expect(error.kind == .io)
        }
        do {
            _ = try loadNPY(Self.language.appendingPathComponent("model_mlp_traced.pt").path)
            Issue.record("a TorchScript archive was read as an array")
        } catch let error as FlintError {
            #expect(error.kind == .invalidInput)
        }
    }
}
