import FlintTensor
import Testing

/// Float32 LSTM and GRU layers, which run a whole sequence per direction in one fused kernel
/// (`flint_lstm_f32`, `flint_gru_f32`: the recurrent product and the cell update per step, hidden units split
/// between threads), against the same layers in float64, which take the step-by-step path: hidden sizes that
/// are and are not multiples of the kernel's 16-unit blocks, batches above its 4-row dot groups, both
/// directions, two layers, batch-first input, and no biases.
@Suite struct FusedRecurrentTests {
    struct Case: CustomStringConvertible {
        var cell = RecurrentCell.lstm
        var steps = 7
        var batch = 1
        var inputSize = 12
        var hidden = 16
        var layers = 1
        var bidirectional = false
        var batchFirst = false
        var biases = true

        var description: String {
            "\(cell) seq \(steps) batch \(batch) in \(inputSize) hidden \(hidden) layers \(layers) bidirectional \(bidirectional) batchFirst \(batchFirst) biases \(biases)"
        }
    }

    static func values(_ shape: [Int], seed: UInt64, scale: Float = 1) throws -> Tensor {
        try Tensor(shape: shape, scalars: SeededValues.uniform(shape.reduce(1, *), seed: seed, scale: scale))
    }

    /// Output, h_n and c_n of the layer in `dtype`.
    static func run(_ c: Case, as dtype: DType) throws -> [Tensor] {
        let directions = c.bidirectional ? 2 : 1
        var weights: [RecurrentWeights] = []
        var seed: UInt64 = 10
        // Weights ~ U(-1/√hidden, 1/√hidden), as nn.LSTM initialises them.
        let scale = 1 / Float(c.hidden).squareRoot()
        let gates = c.cell == .lstm ? 4 : 3
        for layer in 0..<c.layers {
            let inputSize = layer == 0 ? c.inputSize : c.hidden * directions
            for _ in 0..<directions {
                seed += 4
                weights.append(RecurrentWeights(
                    inputWeight: try values([gates * c.hidden, inputSize], seed: seed, scale: scale).to(dtype),
                    hiddenWeight: try values([gates * c.hidden, c.hidden], seed: seed + 1, scale: scale).to(dtype),
                    inputBias: c.biases ? try values([gates * c.hidden], seed: seed + 2, scale: scale).to(dtype) : nil,
                    hiddenBias: c.biases ? try values([gates * c.hidden], seed: seed + 3, scale: scale).to(dtype) : nil,
                    projection: nil))
            }
        }
        let inputShape = c.batchFirst ? [c.batch, c.steps, c.inputSize] : [c.steps, c.batch, c.inputSize]
        let input = try values(inputShape, seed: 1).to(dtype)
        let h0 = try values([c.layers * directions, c.batch, c.hidden], seed: 2).to(dtype)
        let c0 = try values([c.layers * directions, c.batch, c.hidden], seed: 3).to(dtype)
        let (output, states) = try input.recurrent(
            c.cell, hidden: c.cell == .lstm ? [h0, c0] : [h0], weights: weights, layers: c.layers, bidirectional: c.bidirectional, batchFirst: c.batchFirst)
        return [output] + states
    }

    @Test(arguments: [
        Case(),
        Case(batch: 5, hidden: 40),
        Case(steps: 5, batch: 3, hidden: 8, layers: 2, bidirectional: true),
        Case(steps: 4, batch: 2, hidden: 20, batchFirst: true, biases: false),
        Case(steps: 6, inputSize: 32, hidden: 256),
        Case(steps: 3, batch: 6, inputSize: 24, hidden: 128, layers: 2, bidirectional: true, batchFirst: true),
        Case(cell: .gru),
        Case(cell: .gru, batch: 5, hidden: 40, biases: false),
        Case(cell: .gru, steps: 5, batch: 3, hidden: 24, layers: 2, bidirectional: true, batchFirst: true),
        Case(cell: .gru, steps: 6, inputSize: 32, hidden: 256),
    ])
    func matchesTheFloat64Layer(_ c: Case) throws {
        let fused = try Self.run(c, as: .float32)
        let reference = try Self.run(c, as: .float64)
        #expect(fused.count == reference.count)
        for (name, (a, b)) in zip(["output", "h_n", "c_n"], zip(fused, reference)) {
            #expect(a.shape == b.shape, "\(c): \(name) shape")
            let worst = zip(try a.to(.float64).scalars(as: Double.self), try b.scalars(as: Double.self)).map { abs($0 - $1) }.max() ?? 0
            // Gates are sums of ~(input + hidden) products of unit-scale values: float32 keeps them to ~1e-6.
            #expect(worst <= 1e-5, "\(c): \(name) differs from float64 by \(worst)")
        }
        #expect(Set(try fused[0].scalars(as: Float.self)).count > fused[0].elementCount / 2, "\(c): the output is not degenerate")
    }
}
