#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlintOperators
import FlintTensor
import FlintValues
import Testing

/// The variadic `prim::` operators that libtorch's graph passes insert (and its interpreter runs), the legacy
/// `record_function` handle operators, and the environment queries: none of them can be written in Python and
/// traced, so their results here are the ones libtorch's implementations (`register_prim_ops_fulljit.cpp`,
/// `batch_mm.cpp`) compute by their definitions.
@Suite struct GraphNodeOperatorTests {
    let registry = OperatorRegistry.standard

    func call(_ name: String, _ values: [ScriptValue]) throws -> ScriptValue {
        guard let body = registry.body(named: name) else {
            Issue.record("\(name) is not implemented")
            return .none
        }
        return try body(Arguments(values))
    }

    func bool(_ value: ScriptValue) -> Bool? { if case .bool(let b) = value { b } else { nil } }
    func int(_ value: ScriptValue) -> Int64? { if case .int(let i) = value { i } else { nil } }
    func isNone(_ value: ScriptValue) -> Bool { if case .none = value { true } else { false } }

    func ints(_ values: [Int64]) -> ScriptValue { .list(values.map { .int($0) }, elementType: "int") }

    func floats(_ value: ScriptValue) throws -> [Double] {
        guard case .tensor(let t) = value else { return [] }
        return try t.to(.float64).contiguous().scalars(as: Double.self)
    }

    @Test func broadcastSizesBroadcastsEveryShape() throws {
        let result = try call("prim::BroadcastSizes", [ints([3, 1]), ints([4]), ints([2, 1, 1])])
        guard case .list(let list) = result else { Issue.record("not a list"); return }
        #expect(list.elements.compactMap(int) == [2, 3, 4])
        #expect(throws: (any Error).self) { try call("prim::BroadcastSizes", [ints([3]), ints([4])]) }
    }

    @Test func autogradChecksLookAtDefinedGradients() throws {
        let t = ScriptValue.tensor(Tensor(zeros: [1]))
        #expect(bool(try call("prim::AutogradAnyNonZero", [.none, t])) == true)
        #expect(bool(try call("prim::AutogradAnyNonZero", [.none, .list([.none], elementType: "Optional[Tensor]")])) == false)
        #expect(bool(try call("prim::AutogradAllZero", [.none, .none])) == true)
        #expect(bool(try call("prim::AutogradAllZero", [.none, t])) == false)
        #expect(bool(try call("prim::AutogradAllNonZero", [t, t])) == true)
        #expect(bool(try call("prim::AutogradAllNonZero", [t, .none])) == false)
        #expect(int(try call("prim::BailoutTemplate", [])) == 1)
    }

    @Test func variadicConcatenationStackAndProductTree() throws {
        let a = try Tensor(shape: [2, 2], scalars: [1.0, 2, 3, 4] as [Double])
        let b = try Tensor(shape: [2, 2], scalars: [5.0, 6, 7, 8] as [Double])
        let concatenated = try call("prim::VarConcat", [.tensor(a), .tensor(b), .int(1)])
        #expect(try floats(concatenated) == [1, 2, 5, 6, 3, 4, 7, 8])
        let stacked = try call("prim::VarStack", [.tensor(a), .tensor(b), .int(0)])
        #expect(stacked.tensor?.shape == [2, 2, 2])
        // a·b + b·a
        let tree = try call("prim::MMTreeReduce", [.tensor(a), .tensor(b), .tensor(b), .tensor(a)])
        let expected: [Double] = [42, 56, 74, 96]  // [[19, 22], [43, 50]] + [[23, 34], [31, 46]]
        #expect(try floats(tree) == expected)
    }

    @Test func legacyRecordFunctionHandlesOpenAndClose() throws {
        let handle = try call("profiler::_record_function_enter", [.string("block"), .none])
        #expect(handle.tensor?.dtype == .int64)
        #expect(isNone(try call("profiler::_record_function_exit", [handle])))
        // A handle closes once.
        #expect(throws: (any Error).self) { try call("profiler::_record_function_exit", [handle]) }
        let range = try call("profiler::_record_function_enter_new", [.string("block"), .none])
        #expect(int(try call("profiler::_call_end_callbacks_on_jit_fut._RecordFunction", [range, .int(7)])) == 7)
    }

    @Test func environmentQueries() throws {
        #expect(bool(try call("aten::has_torch_function", [.tensor(Tensor(zeros: [1]))])) == false)
        guard case .string(let capability) = try call("aten::_get_cpu_capability", []) else { Issue.record("not a string"); return }
        #expect(["DEFAULT", "AVX2", "AVX512"].contains(capability))
        let dual = try call("aten::_unpack_dual", [.tensor(Tensor(zeros: [2])), .int(0)])
        guard case .tuple(let parts) = dual else { Issue.record("not a tuple"); return }
        #expect(parts.count == 2 && parts[0].tensor?.shape == [2] && isNone(parts[1]))
    }

    /// `torch.from_file` reads the file's raw elements (what numpy's `tofile` writes), and refuses a short file with
    /// libtorch's message.
    @Test func fromFileReadsRawElements() throws {
        let path = "/tmp/flint-from-file-\(getpid()).bin"
        var values: [Float] = [0, 1.5, -2, 3]
        guard let file = fopen(path, "wb") else { Issue.record("cannot write \(path)"); return }
        _ = fwrite(&values, MemoryLayout<Float>.size, values.count, file)
        fclose(file)
        defer { unlink(path) }
        let read = try call("aten::from_file", [.string(path), .none, .int(3), .int(Int64(DType.float32.scalarTypeCode))])
        #expect(try floats(read) == [0, 1.5, -2])
        #expect(throws: (any Error).self) { try call("aten::from_file", [.string(path), .none, .int(5), .none]) }
        #expect(throws: (any Error).self) { try call("aten::from_file", [.string(path + ".missing"), .none, .int(1), .none]) }
    }
}
