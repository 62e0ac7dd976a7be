import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// `aten::lstm`, `aten::gru`, `aten::rnn_tanh`, `aten::rnn_relu` over padded input (what `nn.LSTM` and
    /// friends call), and their single-step `*_cell` forms.
    mutating func defineRecurrentOperators() {
        for (name, cell) in [("lstm", RecurrentCell.lstm), ("gru", .gru), ("rnn_tanh", .rnnTanh), ("rnn_relu", .rnnRelu)] {
            // (input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
            define("aten::\(name).input") { c in try Self.recurrentLayer(c, cell: cell, name: name, packedInputWeights: nil) }
        }
        define("aten::lstm_cell") { c in
            let states = try c.tensors(1, "hx")
            guard states.count == 2 else { throw TensorError("lstm_cell expects two hidden states") }
            try Tensor.checkRecurrentCell(input: c.tensor(0, "input"), hidden: states, inputWeight: c.tensor(2, "w_ih"), hiddenWeight: c.tensor(3, "w_hh"))
            let input = try c.tensor(0, "input").unsqueeze(0)
            let hx = try states.map { try $0.unsqueeze(0) }
            let weights = RecurrentWeights(
                inputWeight: try c.tensor(2, "w_ih"), hiddenWeight: try c.tensor(3, "w_hh"), inputBias: try c.optionalTensor(4, "b_ih"),
                hiddenBias: try c.optionalTensor(5, "b_hh"), projection: nil)
            let (_, final) = try input.recurrent(.lstm, hidden: hx, weights: [weights], layers: 1, bidirectional: false, batchFirst: false)
            return .tuple(try final.map { .tensor(try $0.squeeze(0)) })
        }
        for (name, cell) in [("gru_cell", RecurrentCell.gru), ("rnn_tanh_cell", .rnnTanh), ("rnn_relu_cell", .rnnRelu)] {
            define("aten::\(name)") { c in
                try Tensor.checkRecurrentCell(input: c.tensor(0, "input"), hidden: [c.tensor(1, "hx")], inputWeight: c.tensor(2, "w_ih"), hiddenWeight: c.tensor(3, "w_hh"))
                let input = try c.tensor(0, "input").unsqueeze(0)
                let hx = try c.tensor(1, "hx").unsqueeze(0)
                let weights = RecurrentWeights(
                    inputWeight: try c.tensor(2, "w_ih"), hiddenWeight: try c.tensor(3, "w_hh"), inputBias: try c.optionalTensor(4, "b_ih"),
                    hiddenBias: try c.optionalTensor(5, "b_hh"), projection: nil)
                let (_, states) = try input.recurrent(cell, hidden: [hx], weights: [weights], layers: 1, bidirectional: false, batchFirst: false)
                return .tensor(try states[0].squeeze(0))
            }
        }
    }
}

extension OperatorDefinitions {
    /// Packed sequences (`nn.utils.rnn.pack_padded_sequence` / `pad_packed_sequence`) and the recurrent
    /// layers over them (`aten::lstm.data` and friends). Packed data holds, step by step, the rows of the
    /// sequences still running at that step (`batch_sizes[t]` of them, longest sequences first).
    mutating func definePackedSequenceOperators() {
        define("aten::_pack_padded_sequence") { c in
            var input = try c.tensor(0, "input")
            if try c.bool(2, "batch_first") { input = try input.transpose(0, 1) }
            let lengths = try c.tensor(1, "lengths").to(.int64).scalars(as: Int64.self).map(Int.init)
            guard input.rank >= 2 else { throw OperatorError("_pack_padded_sequence expects an input of at least 2 dimensions, got \(input.shape)") }
            guard !lengths.isEmpty, lengths.allSatisfy({ $0 > 0 }), zip(lengths, lengths.dropFirst()).allSatisfy({ $0 >= $1 }),
                lengths[0] <= input.shape[0], lengths.count == input.shape[1]
            else { throw OperatorError("`lengths` array must be sorted in decreasing order, positive, and fit the input's \(input.shape[0]) steps") }
            var rows: [Tensor] = []
            var batchSizes: [Int64] = []
            for t in 0..<lengths[0] {
                let running = lengths.filter { $0 > t }.count
                batchSizes.append(Int64(running))
                rows.append(try input.select(dim: 0, index: t).narrow(dim: 0, start: 0, length: running))
            }
            return .tuple([.tensor(try Tensor.cat(rows, dim: 0)), .tensor(try Tensor(shape: [batchSizes.count], scalars: batchSizes))])
        }
        define("aten::_pad_packed_sequence") { c in
            let data = try c.tensor(0, "data")
            let batchSizes = try c.tensor(1, "batch_sizes").to(.int64).scalars(as: Int64.self).map(Int.init)
            let padding = try c.scalar(3, "padding_value")
            let steps = Swift.max(batchSizes.count, try c.int(4, "total_length"))
            let batch = batchSizes.first ?? 0
            guard batchSizes.allSatisfy({ $0 >= 0 && $0 <= batch }), data.rank >= 1, batchSizes.reduce(0, +) <= data.shape[0] else {
                throw OperatorError("_pad_packed_sequence: batch_sizes \(batchSizes) do not describe a packed sequence of \(data.rank >= 1 ? data.shape[0] : 0) rows")
            }
            let output = Tensor.zeros([steps, batch] + Array(data.shape.dropFirst()), dtype: data.dtype)
            try output.copy(from: padding.tensor(data.dtype))
            var position = 0
            var lengths = [Int64](repeating: 0, count: batch)
            for (t, running) in batchSizes.enumerated() {
                try output.select(dim: 0, index: t).narrow(dim: 0, start: 0, length: running)
                    .copy(from: data.narrow(dim: 0, start: position, length: running))
                for b in 0..<running { lengths[b] += 1 }
                position += running
            }
            let padded = try c.bool(2, "batch_first") ? try output.transpose(0, 1).contiguous() : output
            return .tuple([.tensor(padded), .tensor(try Tensor(shape: [batch], scalars: lengths))])
        }
        for (name, cell) in [("lstm", RecurrentCell.lstm), ("gru", .gru), ("rnn_tanh", .rnnTanh), ("rnn_relu", .rnnRelu)] {
            // (data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional)
            define("aten::\(name).data") { c in
                let data = try c.tensor(0, "data")
                let batchSizes = try c.tensor(1, "batch_sizes").to(.int64).scalars(as: Int64.self).map(Int.init)
                let (hidden, weights, layers, bidirectional) = try Self.recurrentArguments(c, from: 2, cell: cell, name: name)
                return try Self.packedRecurrent(
                    cell, data: data, batchSizes: batchSizes, hidden: hidden, weights: weights, layers: layers, bidirectional: bidirectional)
            }
        }
        define("aten::cpu") { c in .tensor(try c.tensor(0, "self")) }
    }
}

extension OperatorDefinitions {
    /// A recurrent network over packed `data` (`batch_sizes[t]` rows at step t): each sequence runs on its own,
    /// over its own length, and the outputs go back to packed order. Returns `(output, final states...)`.
    static func packedRecurrent(
        _ cell: RecurrentCell, data: Tensor, batchSizes: [Int], hidden: [Tensor], weights: [RecurrentWeights], layers: Int, bidirectional: Bool
    ) throws -> ScriptValue {
        let batch = batchSizes.first ?? 0
        let lengths = (0..<batch).map { b in batchSizes.filter { $0 > b }.count }
        var starts: [Int] = []
        var position = 0
        for running in batchSizes {
            starts.append(position)
            position += running
        }
        var outputs: [Tensor?] = Array(repeating: nil, count: data.shape[0])
        var finals: [[Tensor]] = []
        for b in 0..<batch {
            let steps = try (0..<lengths[b]).map { t in try data.narrow(dim: 0, start: starts[t] + b, length: 1) }
            let sequence = try Tensor.stack(steps, dim: 0)  // [length, 1, features]
            let h = try hidden.map { try $0.narrow(dim: 1, start: b, length: 1) }
            let (output, states) = try sequence.recurrent(cell, hidden: h, weights: weights, layers: layers, bidirectional: bidirectional, batchFirst: false)
            for t in 0..<lengths[b] { outputs[starts[t] + b] = try output.select(dim: 0, index: t) }
            finals.append(states)
        }
        let packed = try Tensor.cat(outputs.map { $0! }, dim: 0)
        let states = try (0..<hidden.count).map { i in try Tensor.cat(finals.map { $0[i] }, dim: 1) }
        return .tuple([.tensor(packed)] + states.map { .tensor($0) })
    }

    /// `aten::lstm.input` and friends over a padded sequence: (input, hx, params, has_biases, num_layers,
    /// dropout, train, bidirectional, batch_first). `packedInputWeights`, one per layer and direction, are the
    /// `weight_ih`s packed once (the graph layer's plans pass them).
    package static func recurrentLayer(
        _ c: Arguments, cell: RecurrentCell, name: String, packedInputWeights: [PackedLinearWeight]?
    ) throws -> ScriptValue {
        let input = try c.tensor(0, "input")
        let (hidden, split, layers, bidirectional) = try Self.recurrentArguments(c, from: 1, cell: cell, name: name)
        var weights = split
        if let packedInputWeights, packedInputWeights.count == weights.count {
            for index in weights.indices { weights[index].packedInputWeight = packedInputWeights[index] }
        }
        let (output, states) = try input.recurrent(
            cell, hidden: hidden, weights: weights, layers: layers, bidirectional: bidirectional, batchFirst: c.bool(8, "batch_first"))
        return .tuple([.tensor(output)] + states.map { .tensor($0) })
    }

    /// The arguments the padded (`.input`) and packed (`.data`) recurrent overloads share, in the order
    /// `hx, params, has_biases, num_layers, dropout, train, bidirectional` starting at position `first`.
    static func recurrentArguments(
        _ c: Arguments, from first: Int, cell: RecurrentCell, name: String
    ) throws -> (hidden: [Tensor], weights: [RecurrentWeights], layers: Int, bidirectional: Bool) {
        let hidden = cell == .lstm ? try c.tensors(first, "hx") : [try c.tensor(first, "hx")]
        let layers = try c.int(first + 3, "num_layers")
        let bidirectional = try c.bool(first + 6, "bidirectional")
        if try c.bool(first + 5, "train") && c.double(first + 4, "dropout") > 0 {
            throw OperatorError("\(name) with dropout in training mode is not supported (call model.eval() before saving)")
        }
        let weights = try RecurrentWeights.split(
            c.tensors(first + 1, "params"), layers: layers, directions: bidirectional ? 2 : 1, hasBiases: c.bool(first + 2, "has_biases"))
        return (hidden, weights, layers, bidirectional)
    }
}
