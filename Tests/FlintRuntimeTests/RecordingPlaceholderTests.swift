@testable import FlintGraph
import FlintOperators
import FlintTensor
import FlintValues
import Testing

/// A recording run may stand zeros in for a costly operator's result (its shape function says the shape),
/// but only for values that vary with the inputs, and only when the recorder allows it.
@Suite struct RecordingPlaceholderTests {
    static let registry = OperatorRegistry.standard

    static func linear() throws -> OperatorBody {
        TraceRecorder.recording(
            try #require(registry.body(named: "aten::linear")), operation: "aten::linear", writer: registry.writer(named: "aten::linear"),
            resultShape: registry.shapeFunction(named: "aten::linear"))
    }

    static let input = try! Tensor(shape: [2, 3], scalars: [Float(1), 2, 3, 4, 5, 6])
    static let weight = try! Tensor(shape: [4, 3], scalars: (0..<12).map { Float($0) - 5 })

    @Test func aValueThatVariesIsAPlaceholder() throws {
        let recorder = TraceRecorder(arguments: [.tensor(Self.input)], allowingPlaceholders: true)
        let linear = try Self.linear()
        let result = try recorder.watching { try linear(Arguments([.tensor(Self.input), .tensor(Self.weight), .none])) }
        let tensor = try #require(result.tensor)
        #expect(tensor.shape == [2, 4])
        #expect(try tensor.scalars(as: Float.self).allSatisfy { $0 == 0 })
        #expect(recorder.placeholderCount == 1)
        let graph = try #require(recorder.finish(result: result))
        #expect(graph.nodes.map(\.op) == ["aten::linear"], "the call is recorded all the same")
    }

    @Test func constantsAndRecordersThatForbidThemAreComputed() throws {
        let linear = try Self.linear()
        let expected = try Self.input.linear(weight: Self.weight, bias: nil).scalars(as: Float.self)
        // The input is not an argument of the method: a constant of the code, which the graph may fold.
        let fixed = TraceRecorder(arguments: [], allowingPlaceholders: true)
        let folded = try fixed.watching { try linear(Arguments([.tensor(Self.input), .tensor(Self.weight), .none])) }
        #expect(try #require(folded.tensor).scalars(as: Float.self) == expected)
        #expect(fixed.placeholderCount == 0)
        let strict = TraceRecorder(arguments: [.tensor(Self.input)])
        let computed = try strict.watching { try linear(Arguments([.tensor(Self.input), .tensor(Self.weight), .none])) }
        #expect(try #require(computed.tensor).scalars(as: Float.self) == expected)
        #expect(strict.placeholderCount == 0)
    }

    @Test func argumentsTheBodyRefusesAreLeftToIt() throws {
        let recorder = TraceRecorder(arguments: [.tensor(Self.input)], allowingPlaceholders: true)
        let linear = try Self.linear()
        let wrong = try Tensor(shape: [4, 2], scalars: (0..<8).map(Float.init))
        #expect(throws: (any Error).self) { try recorder.watching { try linear(Arguments([.tensor(Self.input), .tensor(wrong), .none])) } }
        #expect(recorder.placeholderCount == 0)
    }

    static func recorded(_ name: String) throws -> OperatorBody {
        TraceRecorder.recording(
            try #require(registry.body(named: name)), operation: name, writer: registry.writer(named: name), resultShape: registry.shapeFunction(named: name))
    }

    /// Elementwise operators after a placeholder are placeholders too: out of place, zeros of the broadcast
    /// shape; in place, the target itself, left as it is. Every call is recorded all the same.
    @Test func elementwiseOperatorsOnAPlaceholderAreSkipped() throws {
        let recorder = TraceRecorder(arguments: [.tensor(Self.input)], allowingPlaceholders: true)
        let (linear, add, relu) = (try Self.linear(), try Self.recorded("aten::add.Tensor"), try Self.recorded("aten::relu_"))
        let row = try Tensor(shape: [4], scalars: [Float(1), 2, 3, 4])
        let result = try recorder.watching { () throws -> ScriptValue in
            let product = try linear(Arguments([.tensor(Self.input), .tensor(Self.weight), .none]))
            let sum = try add(Arguments([product, .tensor(row), .int(1)]))
            #expect(try #require(sum.tensor).shape == [2, 4])
            #expect(try #require(sum.tensor).scalars(as: Float.self).allSatisfy { $0 == 0 }, "not computed")
            let activated = try relu(Arguments([sum]))
            #expect(try #require(activated.tensor).storage === sum.tensor?.storage, "in place: the target itself")
            return activated
        }
        #expect(recorder.placeholderCount == 3)
        let graph = try #require(recorder.finish(result: result))
        #expect(graph.nodes.map(\.op) == ["aten::linear", "aten::add.Tensor", "aten::relu_"])
    }

    /// A batch norm in training updates its running statistics, so it always runs; in inference a placeholder
    /// input gives a placeholder.
    @Test func onlyAnInferenceBatchNormIsSkipped() throws {
        let norm = try Self.recorded("aten::batch_norm")
        let x = try Tensor(shape: [2, 3, 2, 2], scalars: (0..<24).map { Float($0) })
        let (mean, variance) = (Tensor.zeros([3]), Tensor.ones([3]))
        func call(training: Bool) throws -> (Tensor, Int) {
            let recorder = TraceRecorder(arguments: [.tensor(x)], allowingPlaceholders: true)
            let result = try recorder.watching {
                try norm(Arguments([.tensor(x), .none, .none, .tensor(mean), .tensor(variance), .bool(training), .double(0.1), .double(1e-5), .bool(false)]))
            }
            return (try #require(result.tensor), recorder.placeholderCount)
        }
        let (inference, skipped) = try call(training: false)
        #expect(skipped == 1 && inference.shape == [2, 3, 2, 2])
        let (training, computed) = try call(training: true)
        #expect(try computed == 0 && training.scalars(as: Float.self).contains { $0 != 0 })
    }
}
