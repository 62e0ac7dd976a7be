import Flint
import FlintNumPy
import FlintTestSupport
import FlintValues
import Foundation
import Testing

/// torch.export programs (`.pt2`, issue #13): every fixture of Tests/Fixtures/export
/// (Tools/fixtures/make_export_fixtures.py) runs its calls in order on one loaded module and gives the
/// exported program's own results; inputs outside what the program was exported for are refused with the
/// reason; the module API describes the program.
@Suite struct ExportedProgramTests {
    static let directory = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/export")
    static func path(_ name: String) -> String { directory.appendingPathComponent("\(name).pt2").path }

    static let runnable = [
        "cnn_dynamic", "cnn_core_aten", "attention", "nested_inputs", "buffer_update", "control_flow_cond", "shape_cond", "while_loop",
        "script_comprehension_if",
        "script_set_comprehension", "script_set_type", "script_modulelist_index", "script_nontensor_attribute",
    ]

    /// The arrays of call `index` (`c0.arg1.0` → `arg1.0`, `c0.out.logits` → `out.logits`).
    static func call(_ arrays: [(key: String, value: NumPyArray.Value)], _ index: Int, _ root: String) -> [(key: String, value: NumPyArray.Value)] {
        let prefix = "c\(index)."
        return arrays.filter { $0.key.hasPrefix(prefix + root) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) }
    }

    @Test(arguments: runnable)
    func everyCallGivesTheExportedProgramsResult(_ name: String) throws {
        let module = try Flint.load(Self.path(name))
        let method = try #require(module.compiledModel).method("forward")
        let arrays = try NumPyArray.readArchive(path: Self.directory.appendingPathComponent("\(name).calls.npz").path)
        var index = 0
        while !Self.call(arrays, index, "arg").isEmpty {
            let arguments = try ArgumentTree.arguments(from: Self.call(arrays, index, "arg"), parameters: method.parameters)
            let result = try method(arguments)
            let actual = Dictionary(uniqueKeysWithValues: try ArgumentTree.flatten(result).map { ($0.key, $0.value) })
            let expected = Self.call(arrays, index, "out")
            #expect(Set(actual.keys) == Set(expected.map(\.key)), "\(name) call \(index): result tree \(actual.keys.sorted())")
            for (key, value) in expected {
                guard case .tensor(let want) = value, case .tensor(let got)? = actual[key] else { continue }
                #expect(got.shape == want.shape && got.dtype == want.dtype, "\(name) call \(index) \(key): \(got.dtype)\(got.shape) vs \(want.dtype)\(want.shape)")
                let x = try want.to(.float64).scalars(as: Double.self)
                let y = try got.to(.float64).scalars(as: Double.self)
                let worst = zip(x, y).map { abs($0 - $1) - (1e-5 + 1e-5 * abs($0)) }.max() ?? 0
                #expect(worst <= 0, "\(name) call \(index) \(key) differs from torch by \(worst) beyond the tolerance")
            }
            index += 1
        }
        #expect(index >= 1, "\(name): the fixture has calls")
    }

    /// Models torch.jit.script rejects (the fixture generator checks that it still does and records its
    /// message) run in Flint once exported.
    @Test(arguments: ["script_comprehension_if", "script_set_comprehension", "script_set_type", "script_modulelist_index", "script_nontensor_attribute"])
    func modelsScriptingRejectsRunOnceExported(_ name: String) throws {
        let manifest = try String(contentsOf: Self.directory.appendingPathComponent("\(name).json"), encoding: .utf8)
        #expect(manifest.contains("\"scripting_error\""), "\(name): torch.jit.script's error is recorded")
        let module = try Flint.load(Self.path(name))
        let arrays = try NumPyArray.readArchive(path: Self.directory.appendingPathComponent("\(name).calls.npz").path)
        guard case .tensor(let x)? = arrays.first(where: { $0.key == "c0.arg0" })?.value,
            case .tensor(let want)? = arrays.first(where: { $0.key == "c0.out" })?.value
        else { Issue.record("\(name): fixture arrays"); return }
        let got = try module.forward([.tensor(x)]).toTensor()
        #expect(got.shape == want.shape)
    }

    @Test func theGraphLayerFoldsAndFusesAnExportedProgram() throws {
        let method = try #require(try Flint.load(Self.path("cnn_dynamic")).compiledModel).method("forward")
        let graph = try method.graphText([.tensor(Tensor.ones([3, 3, 10, 10]))], optimized: true)
        #expect(!graph.contains("aten::batch_norm") && graph.components(separatedBy: "flint::convolution").count == 3, "\(graph)")
    }

    /// After run_decompositions() the same layers are spelled in core ATen (`convolution`,
    /// `_native_batch_norm_legit_no_training`, `permute` + `addmm`): they fold and fuse all the same.
    @Test func coreATenProgramsFoldAndFuseToo() throws {
        let method = try #require(try Flint.load(Self.path("cnn_core_aten")).compiledModel).method("forward")
        let graph = try method.graphText([.tensor(Tensor.ones([2, 3, 10, 10]))], optimized: true)
        #expect(!graph.contains("_native_batch_norm_legit_no_training") && graph.components(separatedBy: "flint::convolution").count == 3, "\(graph)")
        #expect(graph.contains("aten::linear(") && graph.contains("# from addmm") && !graph.contains("aten::addmm") && !graph.contains("aten::permute"), "\(graph)")
    }

    @Test func inputsOutsideWhatTheProgramWasExportedForAreRefused() throws {
        let module = try Flint.load(Self.path("cnn_dynamic"))
        func refusal(_ input: IValue) -> String {
            do {
                _ = try module.forward([input])
                return "(accepted)"
            } catch let error as FlintError {
                #expect(error.kind == .invalidInput)
                return error.message
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal(.tensor(Tensor.ones([9, 3, 10, 10]))).contains("dimension 0 is 9, outside the range the program was exported for (s"))
        #expect(refusal(.tensor(Tensor(zeros: [2, 3, 10, 10], dtype: .float64))).contains("is float64, but the program was exported for float32"))
        #expect(refusal(.tensor(Tensor.ones([2, 3, 12, 10]))).contains("dimension 2 is 12, but the program was exported with it fixed at 10"))
        #expect(refusal(.int(3)).contains("must be a tensor"))
        let nested = try Flint.load(Self.path("nested_inputs"))
        do {
            _ = try nested.forward([.tensor(Tensor.ones([3, 4])), .tuple([.tensor(Tensor.ones([4, 5]))]), .tensor(Tensor.ones([]))])
            Issue.record("a one-element pair was accepted")
        } catch let error as FlintError {
            #expect(error.message.contains("argument 'pair' must have 2 element(s)"), "\(error.message)")
        }
    }

    @Test func aFailingOperatorNamesTheNodeAndTheUsersPythonLine() throws {
        let module = try Flint.load(Self.path("attention"))
        let tokens = try Tensor(shape: [2, 4], scalars: [Int64](repeating: 60, count: 8))  // the vocabulary has 50 entries
        do {
            _ = try module.forward([.tensor(tokens)])
            Issue.record("an out-of-range token was accepted")
        } catch let error as FlintError {
            #expect(error.kind == .scriptError)
            #expect(error.message.contains("aten::embedding") && error.message.contains("node 'embedding'"), "\(error.message)")
            let line = try #require(error.sourceLocation)
            #expect(line.file.hasSuffix("make_export_fixtures.py") && line.code == "x = self.embed(tokens)", "\(line)")
        }
    }

    /// A branch on tensor data is taken per call in the interpreter; a branch fixed by the input shape is
    /// recorded inline into the plan of that shape.
    @Test func controlFlowOnDataIsInterpretedAndOnShapesIsPlanned() throws {
        let onData = try #require(try Flint.load(Self.path("control_flow_cond")).compiledModel).method("forward")
        #expect(try onData.graphText([.tensor(Tensor.ones([4]))], optimized: true).contains("runs in the interpreter: torch.cond's predicate reads tensor data"))
        let onShape = try #require(try Flint.load(Self.path("shape_cond")).compiledModel).method("forward")
        let big = try onShape.graphText([.tensor(Tensor.ones([4, 3]))], optimized: true)
        let small = try onShape.graphText([.tensor(Tensor.ones([2, 3]))], optimized: true)
        #expect(big.contains("aten::relu") && !big.contains("sigmoid") && small.contains("aten::sigmoid") && !small.contains("relu"), "\(big)\n\(small)")
    }

    /// aten::resize_ is an operator Flint does not implement (its tensors cannot change shape in place) (if it ever
    /// does, pick another for this test).
    @Test func aMissingOperatorIsRefusedAtLoadWithItsSchema() throws {
        do {
            _ = try Flint.load(Self.path("missing_operator"))
            Issue.record("a program needing resize_ was accepted")
        } catch let error as FlintError {
            #expect(error.kind == .unsupported)
            #expect(error.message.contains("aten::resize_(Tensor(a!) self, SymInt[] size"), "\(error.message)")
        }
    }

    @Test func theModuleAPIDescribesTheProgram() throws {
        let module = try Flint.load(Self.path("cnn_dynamic"))
        #expect(module.typeName == "__main__.SmallCNN")
        #expect(module.methods == ["forward"])
        #expect(module.namedChildren().map(\.name) == ["stem", "block", "fc"])
        let stem = try #require(module.submodule("stem.conv"))
        #expect(stem.typeName == "torch.nn.modules.conv.Conv2d" && stem.ownParameters().map(\.name) == ["weight"])
        #expect(stem.identity == module.submodule("stem.conv")?.identity)
        let state = try module.stateDict()
        #expect(state.first?.name == "stem.conv.weight" && state.first?.tensor.shape == [8, 3, 3, 3])
        #expect(state.contains { $0.name == "block.bn.running_var" })
        let schema = try module.methodSchema("forward")
        #expect(schema.arguments.map(\.name) == ["x"] && schema.arguments.first?.type == "Tensor")
        let nested = try Flint.load(Self.path("nested_inputs")).methodSchema("forward")
        #expect(nested.description == "forward(self, x: Tensor, pair: Tuple[Tensor, Tensor], scale: Tensor) -> Tuple[Tensor, Tuple[Tensor, Tensor]]")
    }

    @Test func aBufferTheProgramUpdatesKeepsItsValueAcrossCalls() throws {
        let module = try Flint.load(Self.path("buffer_update"))
        for call in 1...3 {
            let out = try module.forward([.tensor(Tensor.ones([3]))]).toTensor()
            #expect(try out.scalars(as: Float.self) == [Float](repeating: Float(call), count: 3))
        }
    }
}
