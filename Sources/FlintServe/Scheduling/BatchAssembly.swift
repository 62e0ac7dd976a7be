import Flint

/// Turning queued requests into one forward call's arguments and the call's results back into each
/// request's own outputs.
package enum BatchAssembly {
    /// The forward arguments for `jobs`: each request's tensors as they are for one job; for several,
    /// each input's rows concatenated along the batch dimension (requests share datatype and inner shape).
    package static func arguments(for jobs: [ScheduledJob]) throws -> [IValue] {
        guard let first = jobs.first else { return [] }
        return try first.inputs.indices.map { position in
            let parts = jobs.map { $0.inputs[position] }
            let rows = parts.reduce(0) { $0 + ($1.shape.first ?? 1) }
            let shape = jobs.count == 1 ? first.inputs[position].shape : [rows] + first.inputs[position].shape.dropFirst()
            let tensor = Tensor(zeros: shape, dtype: first.inputs[position].datatype.dtype)
            var offset = 0
            for part in parts {
                part.bytes.withUnsafeBytes { source in
                    guard let base = source.baseAddress, source.count > 0 else { return }
                    (tensor.baseAddress + offset).copyMemory(from: base, byteCount: source.count)
                }
                offset += part.bytes.count
            }
            guard offset == shape.reduce(1, *) * first.inputs[position].datatype.itemSize else {
                throw ServeError.invalidArgument("input '\(first.inputs[position].name)': data does not fill shape \(shape)")
            }
            return .tensor(tensor)
        }
    }

    /// The tensors a forward call returned: a tensor, or a tuple or list of tensors. Anything else is a
    /// model this server cannot answer for (Triton's libtorch backend has the same rule).
    package static func outputTensors(of result: IValue, model: String) throws -> [Tensor] {
        switch result {
        case .tensor(let tensor): return [tensor]
        case .tuple(let elements), .list(let elements):
            return try elements.enumerated().map { index, element in
                guard case .tensor(let tensor) = element else {
                    throw ServeError(.internal, "model '\(model)' returned \(element.kindName) as output \(index); served models must return tensors")
                }
                return tensor
            }
        default:
            throw ServeError(.internal, "model '\(model)' returned \(result.kindName); served models must return a tensor or a tuple of tensors")
        }
    }

    /// Each job's share of the outputs: whole tensors for one job, else consecutive row ranges of each
    /// output (which must keep the batch dimension the inputs had).
    package static func split(_ outputs: [Tensor], names: [String], among jobs: [ScheduledJob], model: String) throws -> [[WireTensor]] {
        let wire: [(WireTensor, rowBytes: Int)] = try outputs.enumerated().map { index, tensor in
            let name = index < names.count ? names[index] : "OUTPUT__\(index)"
            guard let datatype = WireDataType(tensor.dtype) else {
                throw ServeError(.internal, "model '\(model)' output '\(name)' has dtype \(tensor.dtype.name), which the protocol cannot carry")
            }
            let bytes = tensor.contiguousBytes()
            let rows = tensor.shape.first ?? 1
            return (WireTensor(name: name, datatype: datatype, shape: tensor.shape, bytes: bytes), rows > 0 ? bytes.count / rows : 0)
        }
        if jobs.count == 1 { return [wire.map(\.0)] }
        let totalRows = jobs.reduce(0) { $0 + ($1.rows ?? 1) }
        for (tensor, _) in wire where tensor.shape.first != totalRows {
            throw ServeError(.internal,
                "model '\(model)' output '\(tensor.name)' has shape \(tensor.shape) for a batch of \(totalRows); a model with max_batch_size > 0 must keep the batch dimension first")
        }
        var start = 0
        return jobs.map { job in
            let rows = job.rows ?? 1
            defer { start += rows }
            return wire.map { tensor, rowBytes in
                var part = tensor
                part.shape[0] = rows
                part.bytes = Array(tensor.bytes[(start * rowBytes)..<((start + rows) * rowBytes)])
                return part
            }
        }
    }
}
