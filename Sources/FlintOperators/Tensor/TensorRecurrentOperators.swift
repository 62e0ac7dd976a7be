import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// `aten::lstm`, `aten::gru`, `aten::rnn_tanh`, `aten::rnn_relu` over padded input (what `nn.LSTM` and
    /// friends call), and their single-step `*_cell` forms.
    mutating func defineRecurrentOperators() {
        for (name, cell) in [("lstm", RecurrentCell.lstm), ("gru", .gru), ("rnn_tanh", .rnnTanh), ("rnn_relu", .rnnRelu)] {
            // (input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
            define("aten::\(name).input") { c in
                let input = try c.tensor(0, "input")
                let hidden = cell == .lstm ? try c.tensors(1, "hx") : [try c.tensor(1, "hx")]
                let layers = try c.int(4, "num_layers")
                let bidirectional = try c.bool(7, "bidirectional")
                if try c.bool(6, "train") && c.double(5, "dropout") > 0 {
                    throw OperatorError("\(name) with dropout in training mode is not supported (call model.eval() before saving)")
                }
                let weights = try RecurrentWeights.split(
                    c.tensors(2, "params"), layers: layers, directions: bidirectional ? 2 : 1, hasBiases: c.bool(3, "has_biases"))
                let (output, states) = try input.recurrent(
                    cell, hidden: hidden, weights: weights, layers: layers, bidirectional: bidirectional, batchFirst: c.bool(8, "batch_first"))
                return .tuple([.tensor(output)] + states.map { .tensor($0) })
            }
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
