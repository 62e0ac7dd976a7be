import CFlintKernels
/// Recurrent layers as ATen computes them (`aten/src/ATen/native/RNN.cpp`): multi-layer, optionally
/// bidirectional LSTM (with projections), GRU and Elman RNN over padded (not packed) sequences.
public enum RecurrentCell: Sendable {
    /// Long short-term memory (`nn.LSTM`): four gates, a cell state, an optional projection.
    case lstm
    /// Gated recurrent unit (`nn.GRU`): three gates.
    case gru
    /// Elman RNN with tanh (`nn.RNN`, `nonlinearity='tanh'`).
    case rnnTanh
    /// Elman RNN with ReLU (`nn.RNN`, `nonlinearity='relu'`).
    case rnnRelu

    /// Gate blocks stacked in the weight matrices.
    var gateCount: Int {
        switch self {
        case .lstm: 4
        case .gru: 3
        case .rnnTanh, .rnnRelu: 1
        }
    }
}

/// One layer-direction's weights: `weight_ih`, `weight_hh`, optional biases and (LSTM) projection.
public struct RecurrentWeights: Sendable {
    /// `weight_ih`: the input-to-hidden weights, gate blocks stacked along dimension 0.
    public let inputWeight: Tensor
    /// `weight_hh`: the hidden-to-hidden weights, gate blocks stacked along dimension 0.
    public let hiddenWeight: Tensor
    /// `bias_ih`, when the layer has biases.
    public let inputBias: Tensor?
    /// `bias_hh`, when the layer has biases.
    public let hiddenBias: Tensor?
    /// `weight_hr`: an LSTM's projection of the hidden state, when it has one.
    public let projection: Tensor?
    /// For a dynamically quantized layer: the packed projections that replace the float weights (which are
    /// then the unpacked weights, for shapes only).
    public let dynamic: DynamicRecurrentWeights?
    /// `weight_ih` packed once for the GEMM (by a caller that runs the layer many times), for the input
    /// projection of every step at once.
    public var packedInputWeight: PackedLinearWeight?

    /// Groups one layer-direction's weights.
    public init(inputWeight: Tensor, hiddenWeight: Tensor, inputBias: Tensor?, hiddenBias: Tensor?, projection: Tensor?) {
        self.inputWeight = inputWeight
        self.hiddenWeight = hiddenWeight
        self.inputBias = inputBias
        self.hiddenBias = hiddenBias
        self.projection = projection
        dynamic = nil
    }

    /// A dynamically quantized layer-direction.
    public init(dynamic: DynamicRecurrentWeights) {
        inputWeight = dynamic.input.weight
        hiddenWeight = dynamic.hidden.weight
        inputBias = nil
        hiddenBias = nil
        projection = nil
        self.dynamic = dynamic
    }

    /// `x · weight_ihᵀ + bias_ih` (or the dynamic projection).
    func projectInput(_ x: Tensor) throws -> Tensor {
        if let dynamic { return try dynamic.projectInput(x) }
        return try x.linear(weight: inputWeight, bias: inputBias, packed: packedInputWeight)
    }

    /// `h · weight_hhᵀ + bias_hh` (or the dynamic projection).
    func projectHidden(_ h: Tensor) throws -> Tensor {
        if let dynamic { return try dynamic.projectHidden(h) }
        return try h.linear(weight: hiddenWeight, bias: hiddenBias)
    }

    /// Splits ATen's flat parameter list (`_flat_weights`) into per layer-direction weights, in order
    /// layer 0 forward, layer 0 reverse, layer 1 forward...
    public static func split(_ flat: [Tensor], layers: Int, directions: Int, hasBiases: Bool) throws -> [RecurrentWeights] {
        let groups = layers * directions
        guard groups > 0, flat.count % groups == 0 else {
            throw TensorError("recurrent layer: \(flat.count) weights do not divide into \(layers) layers × \(directions) directions")
        }
        let per = flat.count / groups
        let expected = hasBiases ? [4, 5] : [2, 3]
        guard expected.contains(per) else { throw TensorError("recurrent layer: \(per) weights per layer and direction is not a known layout") }
        return (0..<groups).map { g in
            let w = Array(flat[(g * per)..<((g + 1) * per)])
            return RecurrentWeights(
                inputWeight: w[0], hiddenWeight: w[1], inputBias: hasBiases ? w[2] : nil, hiddenBias: hasBiases ? w[3] : nil,
                projection: per == expected[1] ? w[per - 1] : nil)
        }
    }
}

extension Tensor {
    /// ATen's checks on a single-step `*_cell` call (`check_rnn_cell_forward_input` and
    /// `check_rnn_cell_forward_hidden` in RNN.cpp): `input` `[batch, input_size]` must match `inputWeight`'s
    /// dimension 1, and each of `hidden` (`hidden0`, `hidden1`...) must be `[batch, hidden_size]` with
    /// hidden_size `hiddenWeight`'s dimension 1.
    public static func checkRecurrentCell(input: Tensor, hidden: [Tensor], inputWeight: Tensor, hiddenWeight: Tensor) throws {
        let inputSize = inputWeight.shape[try inputWeight.wrapDimension(1)]
        guard input.rank == 2 else { throw TensorError("Expected 2D input (batch x feature), but got \(input.rank)D input") }
        guard input.shape[1] == inputSize else {
            throw TensorError("input has inconsistent input_size: got \(input.shape[1]) expected \(inputSize)")
        }
        let hiddenSize = hiddenWeight.shape[try hiddenWeight.wrapDimension(1)]
        for (label, hx) in hidden.enumerated() {
            guard hx.rank == 2 else { throw TensorError("Expected 2D hidden\(label) (batch x hidden_size), but got \(hx.rank)D tensor") }
            guard hx.shape[0] == input.shape[0] else {
                throw TensorError("Input batch size \(input.shape[0]) doesn't match hidden\(label) batch size \(hx.shape[0])")
            }
            guard hx.shape[1] == hiddenSize else {
                throw TensorError("hidden\(label) has inconsistent hidden_size: got \(hx.shape[1]), expected \(hiddenSize)")
            }
        }
    }

    /// Runs a recurrent network over `self` (`[seq, batch, features]`, or `[batch, seq, features]` when
    /// `batchFirst`). `hidden` holds the initial states: `[h0]`, or `[h0, c0]` for an LSTM, each
    /// `[layers × directions, batch, size]`. Returns the last layer's outputs for every step and the final
    /// states (same layout as `hidden`).
    public func recurrent(
        _ cell: RecurrentCell, hidden: [Tensor], weights: [RecurrentWeights], layers: Int, bidirectional: Bool, batchFirst: Bool
    ) throws -> (output: Tensor, states: [Tensor]) {
        guard rank == 3 else { throw TensorError("recurrent layer: expected a 3-D input, got \(rank)-D") }
        guard hidden.count == (cell == .lstm ? 2 : 1) else { throw TensorError("recurrent layer: wrong number of initial states") }
        let directions = bidirectional ? 2 : 1
        guard weights.count == layers * directions else { throw TensorError("recurrent layer: expected \(layers * directions) weight groups") }
        var layerInput = batchFirst ? try transpose(0, 1) : self
        var finalH: [Tensor] = []
        var finalC: [Tensor] = []
        for layer in 0..<layers {
            var outputs: [Tensor] = []
            for direction in 0..<directions {
                let index = layer * directions + direction
                let h0 = try hidden[0].select(dim: 0, index: index)
                let c0 = cell == .lstm ? try hidden[1].select(dim: 0, index: index) : nil
                let (output, h, c) = try Tensor.runDirection(
                    cell, input: layerInput, h0: h0, c0: c0, weights: weights[index], reverse: direction == 1)
                outputs.append(output)
                finalH.append(h)
                if let c { finalC.append(c) }
            }
            layerInput = outputs.count == 1 ? outputs[0] : try Tensor.cat(outputs, dim: 2)
        }
        let output = batchFirst ? try layerInput.transpose(0, 1).contiguous() : layerInput
        var states = [try Tensor.stack(finalH, dim: 0)]
        if cell == .lstm { states.append(try Tensor.stack(finalC, dim: 0)) }
        return (output, states)
    }

    private static func runDirection(
        _ cell: RecurrentCell, input: Tensor, h0: Tensor, c0: Tensor?, weights: RecurrentWeights, reverse: Bool
    ) throws -> (Tensor, Tensor, Tensor?) {
        if cell == .lstm, let c0,
            let fused = try lstmSequenceFloat(input: input, h0: h0, c0: c0, weights: weights, reverse: reverse)
        {
            return (fused.output, fused.h, fused.c)
        }
        if cell == .gru, let fused = try gruSequenceFloat(input: input, h0: h0, weights: weights, reverse: reverse) {
            return (fused.output, fused.h, nil)
        }
        let steps = input.shape[0]
        // Input projections of every step at once: [seq, batch, gates × hidden].
        let projected = try weights.projectInput(input)
        var h = h0
        var c = c0
        var outputs = [Tensor](repeating: h0, count: steps)
        let hiddenSize = weights.hiddenWeight.shape[0] / cell.gateCount
        for t in reverse ? Array((0..<steps).reversed()) : Array(0..<steps) {
            let x = try projected.select(dim: 0, index: t)
            let recurrentPart = try weights.projectHidden(h)
            switch cell {
            case .lstm where x.dtype == .float32 && c!.dtype == .float32:
                // One pass over the gates: i, f, g, o → c' = f·c + i·g, h' = o·tanh(c').
                let (newH, newC) = try Tensor.lstmCellFloat(inputPart: x, recurrentPart: recurrentPart, c: c!, hiddenSize: hiddenSize)
                c = newC
                h = try weights.projection.map { try newH.linear(weight: $0, bias: nil) } ?? newH
            case .lstm:
                let gates = try x.add(recurrentPart)
                let i = try gates.narrow(dim: 1, start: 0, length: hiddenSize).sigmoid()
                let f = try gates.narrow(dim: 1, start: hiddenSize, length: hiddenSize).sigmoid()
                let g = try gates.narrow(dim: 1, start: 2 * hiddenSize, length: hiddenSize).tanh()
                let o = try gates.narrow(dim: 1, start: 3 * hiddenSize, length: hiddenSize).sigmoid()
                let newC = try f.mul(c!).add(i.mul(g))
                var newH = try o.mul(newC.tanh())
                if let projection = weights.projection { newH = try newH.linear(weight: projection, bias: nil) }
                c = newC
                h = newH
            case .gru:
                let r = try x.narrow(dim: 1, start: 0, length: hiddenSize).add(recurrentPart.narrow(dim: 1, start: 0, length: hiddenSize)).gateActivation(.sigmoid)
                let z = try x.narrow(dim: 1, start: hiddenSize, length: hiddenSize)
                    .add(recurrentPart.narrow(dim: 1, start: hiddenSize, length: hiddenSize)).gateActivation(.sigmoid)
                let n = try x.narrow(dim: 1, start: 2 * hiddenSize, length: hiddenSize)
                    .add(r.mul(recurrentPart.narrow(dim: 1, start: 2 * hiddenSize, length: hiddenSize))).gateActivation(.tanh)
                // h' = (1 - z) * n + z * h = n + z * (h - n)
                h = try n.add(z.mul(h.sub(n)))
            case .rnnTanh:
                h = try x.add(recurrentPart).tanh()
            case .rnnRelu:
                h = try x.add(recurrentPart).relu()
            }
            outputs[t] = h
        }
        return (try Tensor.stack(outputs, dim: 0), h, c)
    }
}

extension Tensor {
    /// The LSTM cell's pointwise part in float32: gates = inputPart + recurrentPart (`[batch, 4·hidden]`,
    /// blocks i, f, g, o), then c' = σ(f)·c + σ(i)·tanh(g) and h' = σ(o)·tanh(c'), each operation rounded as in
    /// ATen's cell (its sigmoid kernel over each gate's row, MKL's tanh), so a dynamically quantized LSTM, whose
    /// every step quantizes h, follows libtorch's.
    static func lstmCellFloat(inputPart: Tensor, recurrentPart: Tensor, c: Tensor, hiddenSize: Int) throws -> (h: Tensor, c: Tensor) {
        let (x, r, state) = (try inputPart.contiguous(), try recurrentPart.contiguous(), try c.contiguous())
        let batch = x.shape[0]
        let newC = Tensor(zeros: [batch, hiddenSize], dtype: .float32)
        let newH = Tensor(zeros: [batch, hiddenSize], dtype: .float32)
        let px = UnsafePointer(x.baseAddress.assumingMemoryBound(to: Float.self))
        let pr = UnsafePointer(r.baseAddress.assumingMemoryBound(to: Float.self))
        let pc = UnsafePointer(state.baseAddress.assumingMemoryBound(to: Float.self))
        let oc = newC.baseAddress.assumingMemoryBound(to: Float.self)
        let oh = newH.baseAddress.assumingMemoryBound(to: Float.self)
        let width = 4 * hiddenSize
        let gates = UnsafeMutablePointer<Float>.allocate(capacity: width + hiddenSize)
        defer { gates.deallocate() }
        let squashed = gates + width
        let lanes = KernelISA.atenVectorLanes
        for b in 0..<batch {
            let row = b * width
            for j in 0..<width { gates[j] = px[row + j] + pr[row + j] }
            // σ on i, f and o, tanh on g: one run of the iteration per gate row, as ATen's in-place calls on its chunks.
            flint_sigmoid_libtorch_f32(gates, gates, Int64(hiddenSize), lanes)
            flint_sigmoid_libtorch_f32(gates + hiddenSize, gates + hiddenSize, Int64(hiddenSize), lanes)
            flint_sigmoid_libtorch_f32(gates + 3 * hiddenSize, gates + 3 * hiddenSize, Int64(hiddenSize), lanes)
            flint_tanh_libtorch_f32(gates + 2 * hiddenSize, gates + 2 * hiddenSize, Int64(hiddenSize))
            let cellRow = oc + b * hiddenSize
            for j in 0..<hiddenSize {
                cellRow[j] = gates[hiddenSize + j] * pc[b * hiddenSize + j] + gates[j] * gates[2 * hiddenSize + j]
            }
            flint_tanh_libtorch_f32(cellRow, squashed, Int64(hiddenSize))
            for j in 0..<hiddenSize { oh[b * hiddenSize + j] = gates[3 * hiddenSize + j] * squashed[j] }
        }
        return (newH, newC)
    }


    enum GateActivation { case sigmoid, tanh }

    /// σ or tanh of a float32 `[batch, hidden]` gate as ATen's recurrent cells compute it (in place on a chunk of
    /// the gates, so one run per row; see `lstmCellFloat(inputPart:recurrentPart:c:hiddenSize:)`); other dtypes
    /// and ranks through the ordinary kernels.
    func gateActivation(_ activation: GateActivation) throws -> Tensor {
        guard dtype == .float32, rank == 2 else { return try activation == .sigmoid ? sigmoid() : tanh() }
        let source = try contiguous()
        let result = Tensor(uninitialized: shape, dtype: .float32)
        let (rows, columns) = (shape[0], shape[1])
        let x = UnsafePointer(source.baseAddress.assumingMemoryBound(to: Float.self))
        let y = result.baseAddress.assumingMemoryBound(to: Float.self)
        for row in 0..<rows {
            switch activation {
            case .sigmoid: flint_sigmoid_libtorch_f32(x + row * columns, y + row * columns, Int64(columns), KernelISA.atenVectorLanes)
            case .tanh: flint_tanh_libtorch_f32(x + row * columns, y + row * columns, Int64(columns))
            }
        }
        return result
    }
}


#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
