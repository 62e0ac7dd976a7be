import Flint
import FlintTestSupport
import Foundation
import Testing

/// The library as an application uses it: only `import Flint` and its public API.
@Suite struct PublicAPITests {
    static let language = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/language")
    static let api = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/api")

    @Test func theLibtorchTutorialProgramPrintsWhatLibtorchPrints() throws {
        for name in ["plain_outputs", "plain_outputs_scripted", "large_outputs", "tiny_outputs", "mixed_outputs", "int64_outputs"] {
            let module = try Flint.load(Self.api.appendingPathComponent("\(name).pt").path)
            var inputs: [IValue] = []
            inputs.append(.tensor(Tensor.ones([1, 3, 224, 224])))
            let output = try module.forward(inputs).toTensor()
            let printed = "ok\n" + output.slice(dim: 1, start: 0, end: 5).description + "\n"
            let expected = try String(contentsOf: Self.api.appendingPathComponent("\(name).expected.txt"), encoding: .utf8)
            #expect(printed == expected, "\(name)")
        }
    }

    @Test func valuesRoundTripThroughMethods() throws {
        let nested = try Flint.load(Self.language.appendingPathComponent("list_nested.pt").path)
        let result = try nested.forward([[[1, 2], [3, 4, 5]]])
        #expect(result.kindName != "None")
        let module = try Flint.load(Self.language.appendingPathComponent("method_exported.pt").path)
        #expect(module.methods.contains("describe"))
        #expect(try module.run(method: "describe", ["mod"]).toString() == "mod: scale=3")
        let stats = try module.run(method: "stats", [[4.0, 1.0, 7.0]]).toTuple()
        #expect(try stats[0].toDouble() == 1.0)
        #expect(try stats[1].toDouble() == 4.0)
        #expect(throws: FlintError.self) { try stats[0].toInt() }
        #expect(throws: FlintError.self) { try module.run(method: "no_such_method", []) }
    }

    @Test func aRaisingModelReportsTheUsersLine() throws {
        let module = try Flint.load(Self.language.appendingPathComponent("err_raise_value_error.pt").path)
        do {
            _ = try module.forward([-1])
            Issue.record("expected the model to raise")
        } catch let error as FlintError {
            #expect(error.kind == .scriptError)
            #expect(error.sourceLocation?.code == "raise ValueError(\"negative value not allowed\")")
            #expect(error.message.contains("builtins.ValueError: negative value not allowed"))
        }
    }

    @Test func inputsThatDoNotFitThrow() throws {
        let module = try Flint.load(Self.language.appendingPathComponent("model_cnn_traced.pt").path)
        #expect(throws: FlintError.self) { try module.forward([]) }
        #expect(throws: FlintError.self) { try module.forward([.int(3)]) }
        #expect(throws: FlintError.self) { try module(.tensor(Tensor.ones([2]))) }
    }

    @Test func concurrentForwardCallsEachGetTheirOwnResult() async throws {
        let module = try Flint.load(Self.language.appendingPathComponent("model_cnn_traced.pt").path)
        let inputs = try (0..<16).map { try Tensor.rand([1, 3, 8, 8], seed: UInt64($0)) }
        let expected = try inputs.map { try module.forward([.tensor($0)]).toTensor().scalars(as: Float.self) }
        try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for round in 0..<8 {
                for (i, input) in inputs.enumerated() {
                    group.addTask {
                        _ = round
                        return (i, try module.forward([.tensor(input)]).toTensor().scalars(as: Float.self))
                    }
                }
            }
            var count = 0
            for try await (i, values) in group {
                #expect(values == expected[i], "call \(i)")
                count += 1
            }
            #expect(count == 128)
        }
    }

    @Test func tensorsFromAndToSwift() throws {
        let x = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6] as [Float])
        #expect(try x[1].scalars(as: Float.self) == [4, 5, 6])
        #expect(try x[0..<1].shape == [1, 3])
        #expect(x.slice(dim: 1, start: 1, end: 100).shape == [2, 2])
        #expect(x.slice(dim: 5, start: 0, end: 1).elementCount == 0)
        let sum = try x.withUnsafeBufferPointer(as: Float.self) { $0.reduce(0, +) }
        #expect(sum == 21)
        #expect(throws: (any Error).self) { try x.withUnsafeBufferPointer(as: Int64.self) { $0.count } }
        #expect(try Tensor.rand([4], seed: 7).scalars(as: Float.self) == Tensor.rand([4], seed: 7).scalars(as: Float.self))
        let normal = try Tensor.randn([10_000], seed: 1).scalars(as: Float.self)
        let mean = normal.reduce(0, +) / Float(normal.count)
        #expect(abs(mean) < 0.05)
        final class Owner { var bytes: [Float] = [1, 2, 3, 4] }
        let owner = Owner()
        let borrowed = try owner.bytes.withUnsafeMutableBytes { raw in
            try Tensor(shape: [2, 2], dtype: .float32, borrowing: raw.baseAddress!, owner: owner)
        }
        #expect(try borrowed.scalars(as: Float.self) == [1, 2, 3, 4])
    }

    @Test func submodulesAndParameters() throws {
        let module = try Flint.load(Self.language.appendingPathComponent("model_cnn_traced.pt").path)
        let parameters = try module.namedParameters()
        #expect(!parameters.isEmpty)
        #expect(parameters.map(\.name) == (try module.stateDict()).map(\.name).filter { name in parameters.contains { $0.name == name } })
        for (name, child) in module.namedChildren() {
            #expect(module.submodule(name)?.identity == child.identity)
        }
    }
}

/// Method schemas and the call-boundary type check, from Swift (issues #12 and #14).
@Suite struct MethodSchemaTests {
    static let signature = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/cli/signature.pt").path

    @Test func schemasDescribeHowToCallEachMethod() throws {
        let module = try Flint.load(Self.signature)
        let forward = try module.methodSchema("forward")
        #expect(forward.description == "forward(self, x: Tensor, n: int = 2, scale: float = 0.5, mode: str = \"sum\") -> Tuple[Tensor, Tensor]")
        #expect(forward.arguments.map(\.name) == ["x", "n", "scale", "mode"])
        #expect(forward.arguments[1].defaultValue == "2")
        #expect(forward.arguments[0].defaultValue == nil)
        #expect(try module.methodSchemas().map(\.name) == ["forward", "describe"])
    }

    @Test func wronglyTypedArgumentsAreRefused() throws {
        let module = try Flint.load(Self.signature)
        do {
            _ = try module.forward([.tensor(Tensor.ones([2])), .double(2.5)])
            Issue.record("a float for an int parameter was accepted")
        } catch let error as FlintError {
            #expect(error.kind == .invalidInput)
            #expect(error.message.contains("Expected a value of type 'int' for argument 'n' but instead found type 'float'."))
        }
        // An int where a float is declared is converted, as torch.jit does.
        let result = try module.forward([.tensor(Tensor.ones([2])), .int(1), .int(2)])
        #expect(try result.toTuple()[0].toTensor().item() == 4.0)
    }
}
