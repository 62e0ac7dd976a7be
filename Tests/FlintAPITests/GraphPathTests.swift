import Flint
import FlintNumPy
import FlintTestSupport
import FlintValues
import Foundation
import Testing

/// The graph layer (issue #10) on models whose calls in sequence exercise it: later calls of a signature run
/// from its optimised plan, a new shape re-plans, methods that write their own state or branch on data stay
/// correct, and the passes do what they claim (Tests/Fixtures/graph, Tools/fixtures/make_graph_fixtures.py).
@Suite struct GraphPathTests {
    static let directory = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/graph")

    /// Runs every call of a fixture in order on one loaded module and compares each with libtorch's output.
    static func runCalls(_ name: String) throws -> CompiledModel.Method {
        let module = try Flint.load(directory.appendingPathComponent("\(name).pt").path)
        let method = try #require(module.compiledModel).method("forward")
        let arrays = Dictionary(uniqueKeysWithValues: try NumPyArray.readArchive(path: directory.appendingPathComponent("\(name).calls.npz").path)
            .map { ($0.key, $0.value) })
        var call = 0
        while case .tensor(let input)? = arrays["in\(call)"], case .tensor(let expected)? = arrays["out\(call)"] {
            let result = try method([.tensor(input)])
            let actual = try #require(result.tensor, "call \(call)")
            #expect(actual.shape == expected.shape, "\(name) call \(call)")
            let x = try expected.to(.float64).scalars(as: Double.self)
            let y = try actual.to(.float64).scalars(as: Double.self)
            let worst = zip(x, y).map { abs($0 - $1) - (1e-5 + 1e-5 * abs($0)) }.max() ?? 0
            #expect(worst <= 0, "\(name) call \(call) differs from libtorch by \(worst) beyond the tolerance")
            call += 1
        }
        #expect(call >= 3, "\(name): the fixture has its calls")
        return method
    }

    @Test func residualBlockIsFoldedFusedAndReplannedForANewShape() throws {
        let method = try Self.runCalls("residual_block")
        let arrays = try NumPyArray.readArchive(path: Self.directory.appendingPathComponent("residual_block.calls.npz").path)
        guard case .tensor(let first) = arrays.first(where: { $0.key == "in0" })!.value else { return }
        let graph = try method.graphText([.tensor(first)], optimized: true)
        #expect(!graph.contains("aten::batch_norm"), "batch norms folded:\n\(graph)")
        #expect(graph.contains("flint::convolution") && graph.contains("+ residual, relu"), "residual and ReLU fused:\n\(graph)")
        #expect(graph.components(separatedBy: "\n").filter { $0.contains(" = ") }.count == 2, "two fused convolutions:\n\(graph)")
    }

    /// The convolutions' weights (their batch norms folded into the packed forms, which `DerivedConstants` shares
    /// between the plans too) are one copy for every plan.
    @Test func plansForDifferentShapesShareTheirFoldedWeights() throws {
        let module = try Flint.load(Self.directory.appendingPathComponent("residual_block.pt").path)
        let method = try #require(module.compiledModel).method("forward")
        let one = try #require(try method.planConstants([.tensor(Tensor.ones([1, 8, 10, 10]))]))
        let two = try #require(try method.planConstants([.tensor(Tensor.ones([2, 8, 6, 6]))]))
        let folded = one.filter { $0.rank == 4 }
        #expect(folded.count == 2, "two folded convolution weights")
        for weight in folded {
            #expect(two.contains { $0.storage === weight.storage }, "the batch-2 plan holds its own copy of a \(weight.shape) weight")
        }
    }

    @Test func linearEpiloguesAreFused() throws {
        let method = try Self.runCalls("mlp_relu")
        let graph = try method.graphText([.tensor(Tensor.ones([4, 16]))], optimized: true)
        #expect(graph.contains("flint::linear") && graph.contains("relu") && graph.contains("clamp(0.0, 6.0)"), "\(graph)")
    }

    @Test func encoderLayersRunWithPackedWeights() throws {
        let method = try Self.runCalls("encoder")
        let rows12 = try method.graphText([.tensor(Tensor.ones([1, 12, 32]))], optimized: true)
        #expect(rows12.components(separatedBy: "flint::transformer_encoder_layer").count == 5, "four layers packed:\n\(rows12)")
        let rows4 = try method.graphText([.tensor(Tensor.ones([1, 4, 32]))], optimized: true)
        #expect(!rows4.contains("flint::transformer_encoder_layer"), "4 rows keep the unpacked weights:\n\(rows4)")
    }

    @Test func multiHeadAttentionRunsWithPackedWeights() throws {
        let method = try Self.runCalls("attention")
        let rows12 = try method.graphText([.tensor(Tensor.ones([1, 12, 32]))], optimized: true)
        #expect(rows12.contains("flint::multi_head_attention"), "projections packed:\n\(rows12)")
        let rows4 = try method.graphText([.tensor(Tensor.ones([1, 4, 32]))], optimized: true)
        #expect(!rows4.contains("flint::multi_head_attention"), "4 rows keep the unpacked weights:\n\(rows4)")
    }

    @Test func recurrentLayersRunWithPackedInputWeights() throws {
        let method = try Self.runCalls("recurrent")
        let rows12 = try method.graphText([.tensor(Tensor.ones([1, 12, 8]))], optimized: true)
        #expect(rows12.contains("flint::lstm") && rows12.contains("flint::gru"), "weight_ih packed:\n\(rows12)")
        let rows4 = try method.graphText([.tensor(Tensor.ones([1, 4, 8]))], optimized: true)
        #expect(!rows4.contains("flint::lstm") && !rows4.contains("flint::gru"), "4 rows keep the unpacked weights:\n\(rows4)")
    }

    /// BERT's attention-mask prologue and pooler in small: the mask's cast, its indexing by index tensors and
    /// its `&` with a constant write into the plan's buffers like every other step, and `to` the dtype a tensor
    /// has is that tensor (an in-place add through it shows in the original, as in libtorch), while `to`
    /// another dtype is a new one.
    @Test func attentionMaskProloguesRunFromThePlan() throws {
        let method = try Self.runCalls("mask_prologue")
        let graph = try method.graphText([.tensor(Tensor.ones([2, 6, 8]))], optimized: true)
        #expect(!graph.contains("interpreter"), "\(graph)")
        #expect(graph.contains("aten::index.Tensor") && graph.contains("aten::__and__.Tensor"), "\(graph)")
        #expect(graph.components(separatedBy: "= aten::to.").count - 1 == 4, "the cast to float32 of a float32 tensor is gone:\n\(graph)")
        #expect(graph.contains("# arena: 6 of 27 steps"), "\(graph)")
    }

    /// A method that appends to a list (an operator that writes into its list argument, whose lists the plan
    /// builds anew on every call) runs from its plan with libtorch's results on every call.
    @Test func listAppendsRunFromThePlan() throws {
        let method = try Self.runCalls("list_append")
        let graph = try method.graphText([.tensor(Tensor.ones([3, 4]))], optimized: true)
        #expect(graph.contains("aten::append.t") && !graph.contains("interpreter"), "\(graph)")
    }

    /// Residual blocks in a row: the closing convolution of each block but the last writes its result over its
    /// residual (the previous block's result, which it reads last), at batch 1 and at batch 4 (whose 1x1 products
    /// fold the images together and add the residual as the product moves to each image), with libtorch's
    /// results; the last block's depthwise convolution reads its residual as its input too, and does not.
    @Test func convolutionsWriteOverTheResidualTheyReadLast() throws {
        let method = try Self.runCalls("residual_chain")
        for shape in [[1, 8, 10, 10], [4, 8, 6, 6]] {
            let graph = try method.graphText([.tensor(Self.inputs(shape, seed: 1))], optimized: true)
            #expect(graph.components(separatedBy: "+ residual").count - 1 == 4, "\(shape):\n\(graph)")
            #expect(graph.contains("# in place: 3 steps write over the residual they read last"), "\(shape):\n\(graph)")
        }
    }

    @Test func methodsThatWriteTheirOwnStateAreNotFrozen() throws {
        for name in ["mutates_parameter", "counts_calls"] {
            let method = try Self.runCalls(name)
            let graph = try method.graphText([.tensor(Tensor.ones([3, 4]))], optimized: true)
            #expect(graph.contains("runs in the interpreter"), "\(name):\n\(graph)")
        }
    }

    /// A batch norm saved in training mode moves its running statistics once per call, as libtorch does (the
    /// fixture's output carries them), and the method stays interpreted (module state changes in place).
    @Test func aTrainingBatchNormMovesItsStatisticsOncePerCall() throws {
        let method = try Self.runCalls("training_bn")
        let graph = try method.graphText([.tensor(Tensor.ones([2, 3, 5, 5]))], optimized: true)
        #expect(graph.contains("runs in the interpreter") && graph.contains("running statistics"), "\(graph)")
    }

    @Test func shapeDependentBranchesReplanPerShape() throws {
        let method = try Self.runCalls("shape_branch")
        #expect(try method.graphText([.tensor(Tensor.ones([3, 4]))], optimized: true).contains("aten::relu"))
        #expect(try method.graphText([.tensor(Tensor.ones([2, 4]))], optimized: true).contains("aten::sigmoid"))
    }

    @Test func dataDependentBranchesStayInterpreted() throws {
        let method = try Self.runCalls("data_branch")
        let graph = try method.graphText([.tensor(Tensor.ones([2, 2]))], optimized: true)
        #expect(graph.contains("runs in the interpreter") && graph.contains("reads tensor data"), "\(graph)")
    }
    /// The recording run stands zeros in for the convolution's and the linear layer's results; the branch on the
    /// result's sum then ends the recording, and every call, the first included, is computed from real values
    /// (zeros would take the other branch).
    @Test func aRecordingThatFailsIsRecomputedFromRealValues() throws {
        let method = try Self.runCalls("conv_data_branch")
        let graph = try method.graphText([.tensor(Tensor.ones([1, 3, 6, 6]))], optimized: true)
        #expect(graph.contains("runs in the interpreter") && graph.contains("reads tensor data"), "\(graph)")
    }

    /// A method that writes its own attribute from a value the recording run stood a placeholder in for: the
    /// recording is abandoned before the write, and every call writes the attribute once, from real values
    /// (libtorch's outputs for the calls in order, the state carried from one to the next).
    @Test func aRecordingWithPlaceholdersStopsBeforeAnAttributeWrite() throws {
        let method = try Self.runCalls("stateful_linear")
        let graph = try method.graphText([.tensor(Tensor.ones([1, 4]))], optimized: true)
        #expect(graph.contains("runs in the interpreter") && graph.contains("writes attribute"), "\(graph)")
    }

    /// Values made from a seed, of a given shape (distinct inputs of one signature).
    static func inputs(_ shape: [Int], seed: Int) throws -> Tensor {
        let count = shape.reduce(1, *)
        return try Tensor(shape: shape, scalars: (0..<count).map { Float(sin(Double($0 * 7 + seed * 13 + 1))) })
    }

    /// Intermediates live in the plan's arena, reused by every call of the signature; a call's result is its
    /// own, so a later call leaves it as it was.
    @Test func resultsOfEarlierCallsSurviveLaterCalls() throws {
        let module = try Flint.load(Self.directory.appendingPathComponent("residual_block.pt").path)
        let method = try #require(module.compiledModel).method("forward")
        let shape = [1, 8, 10, 10]
        let first = try #require(try method([.tensor(Self.inputs(shape, seed: 1))]).tensor)
        let firstValues = try first.scalars(as: Float.self)
        for seed in 2...4 {
            let later = try #require(try method([.tensor(Self.inputs(shape, seed: seed))]).tensor)
            #expect(later.storage !== first.storage)
            #expect(try later.scalars(as: Float.self) != firstValues)
        }
        #expect(try first.scalars(as: Float.self) == firstValues, "a later call overwrote an earlier result")
        let graph = try method.graphText([.tensor(Self.inputs(shape, seed: 1))], optimized: true)
        #expect(graph.contains("# arena: 1 of 2 steps write into 1 shared buffers"), "the first convolution writes into the arena:\n\(graph)")
    }

    /// The step that makes the result writes into a buffer of its own, which the next call writes again once
    /// the caller has let the last result go (a steady call allocates nothing for it), and never while the
    /// caller holds it.
    @Test func aResultTheCallerLetGoIsWrittenAgain() throws {
        let module = try Flint.load(Self.directory.appendingPathComponent("residual_block.pt").path)
        let method = try #require(module.compiledModel).method("forward")
        let shape = [1, 8, 10, 10]
        let graph = try method.graphText([.tensor(Self.inputs(shape, seed: 1))], optimized: true)
        #expect(graph.contains("# results: 1 steps write into buffers of their own"), "\(graph)")
        weak var released: Storage?
        var expected: [Float] = []
        do {
            let first = try #require(try method([.tensor(Self.inputs(shape, seed: 2))]).tensor)
            released = first.storage
            expected = try first.scalars(as: Float.self)
        }
        #expect(released != nil, "the plan keeps the result's buffer for the next call")
        let second = try #require(try method([.tensor(Self.inputs(shape, seed: 3))]).tensor)
        #expect(second.storage === released, "the next call writes the buffer the caller let go")
        #expect(try second.scalars(as: Float.self) != expected)
        let third = try #require(try method([.tensor(Self.inputs(shape, seed: 2))]).tensor)
        #expect(third.storage !== second.storage, "a result the caller holds is never written again")
        #expect(try third.scalars(as: Float.self) == expected)
    }

    /// Calls on several threads at once each borrow their own arena: every result equals the same input's
    /// result computed alone.
    @Test func concurrentCallsUseTheirOwnArenas() throws {
        let module = try Flint.load(Self.directory.appendingPathComponent("residual_block.pt").path)
        let method = try #require(module.compiledModel).method("forward")
        let shape = [1, 8, 10, 10]
        let inputs = try (0..<6).map { try Self.inputs(shape, seed: $0) }
        let alone = try inputs.map { try #require(try method([.tensor($0)]).tensor).scalars(as: Float.self) }
        let lock = NSLock()
        nonisolated(unsafe) var mismatches = 0
        DispatchQueue.concurrentPerform(iterations: 48) { iteration in
            let index = iteration % inputs.count
            let values = try? method([.tensor(inputs[index])]).tensor?.scalars(as: Float.self)
            if values != alone[index] { lock.withLock { mismatches += 1 } }
        }
        #expect(mismatches == 0, "concurrent calls disagreed with calls made alone")
    }
}
