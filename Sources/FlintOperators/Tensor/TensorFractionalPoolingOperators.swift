import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// `fractional_max_pool2d` / `fractional_max_pool3d` given their samples (`_random_samples`, one number in [0, 1)
    /// per plane and spatial dimension): ATen's pooling regions, computed in the element type as ATen computes
    /// them, and the maximum of each with its flat index in the plane (NaN wins, the first maximum is kept).
    mutating func defineFractionalPoolingOperators() {
        for spatial in [2, 3] {
            define("aten::fractional_max_pool\(spatial)d") { c in
                let (output, indices) = try Self.fractionalMaxPool(c, spatial: spatial)
                return .tuple([.tensor(output), .tensor(indices)])
            }
        }
    }

    private static func fractionalMaxPool(_ c: Arguments, spatial: Int) throws -> (Tensor, Tensor) {
        let name = "fractional_max_pool\(spatial)d"
        let input = try c.tensor(0, "self")
        let pool = try Tensor.expandParameter(c.ints(1, "kernel_size"), spatial, "kernel_size")
        let outputSize = try Tensor.expandParameter(c.ints(2, "output_size"), spatial, "output_size")
        let samples = try c.tensor(3, "random_samples")
        guard input.rank == spatial + 1 || input.rank == spatial + 2, input.shape.dropFirst(input.rank - spatial).allSatisfy({ $0 > 0 }) else {
            throw OperatorError("\(name)(): Expected \(spatial + 1)D or \(spatial + 2)D tensor, but got: \(input.shape)")
        }
        guard input.dtype.isFloatingPoint else { throw OperatorError("\"\(name)_out_frame\" not implemented for '\(input.dtype.scalarTypeName)'") }
        let batched = input.rank == spatial + 2
        let x = batched ? input : try input.unsqueeze(0)
        let (batch, planes) = (x.shape[0], x.shape[1])
        let extents = Array(x.shape.suffix(spatial))
        let labels = spatial == 2 ? ["height", "width"] : ["time", "height", "width"]
        // ATen's 3-D check is strict where its 2-D one is not.
        for d in 0..<spatial where pool[d] <= 0 || outputSize[d] <= 0 || pool[d] > extents[d] || outputSize[d] > extents[d]
            || outputSize[d] + pool[d] - 1 + (spatial == 3 ? 1 : 0) > extents[d] {
            throw OperatorError("\(name)\(spatial == 3 ? "_out" : "")(): pool \(labels[d]) \(pool[d]) too large relative to input \(labels[d]) \(extents[d])")
        }
        guard samples.rank == 3, samples.shape[0] == batch, samples.shape[1] == planes, samples.shape[2] == spatial else {
            throw OperatorError("Expect _random_samples.size(2) equals to \(spatial); got \(samples.rank == 3 ? samples.shape[2] : samples.rank).")
        }
        let single = input.dtype != .float64
        let u = try samples.to(.float64).contiguous().scalars(as: Double.self)
        // ATen reads past the input for samples outside [0, 1); they come from torch.rand.
        guard u.allSatisfy({ $0 >= 0 && $0 < 1 }) else { throw OperatorError("\(name)(): _random_samples must lie in [0, 1)") }
        let values = try x.to(.float64).contiguous().scalars(as: Double.self)
        let planeSize = extents.reduce(1, *)
        let outputPlane = outputSize.reduce(1, *)
        var indices = [Int64](repeating: 0, count: batch * planes * outputPlane)
        var maxima = [Double](repeating: 0, count: indices.count)
        // Strides inside a plane, innermost last.
        var strides = [Int](repeating: 1, count: spatial)
        for d in (0..<(spatial - 1)).reversed() { strides[d] = strides[d + 1] * extents[d + 1] }
        for plane in 0..<(batch * planes) {
            // The samples of 2-D pooling are (width, height); of 3-D pooling (time, height, width).
            let starts: [[Int]] = (0..<spatial).map { d in
                let sampleIndex = spatial == 2 ? 1 - d : d
                return intervals(u[plane * spatial + sampleIndex], input: extents[d], output: outputSize[d], pool: pool[d], single: single)
            }
            var position = [Int](repeating: 0, count: spatial)
            for o in 0..<outputPlane {
                var rest = o
                for d in (0..<spatial).reversed() { position[d] = rest % outputSize[d]; rest /= outputSize[d] }
                let origin = (0..<spatial).map { starts[$0][position[$0]] }
                var best = -Double.infinity
                var bestIndex = (0..<spatial).reduce(0) { $0 + origin[$1] * strides[$1] }
                var offset = [Int](repeating: 0, count: spatial)
                let windowCount = pool.reduce(1, *)
                for w in 0..<windowCount {
                    var r = w
                    for d in (0..<spatial).reversed() { offset[d] = r % pool[d]; r /= pool[d] }
                    let index = (0..<spatial).reduce(0) { $0 + (origin[$1] + offset[$1]) * strides[$1] }
                    let value = values[plane * planeSize + index]
                    // A NaN always takes over (the last one wins), as ATen compares.
                    if value > best || value.isNaN {
                        best = value
                        bestIndex = index
                    }
                }
                maxima[plane * outputPlane + o] = best
                indices[plane * outputPlane + o] = Int64(bestIndex)
            }
        }
        let shape = (batched ? [batch] : []) + [planes] + outputSize
        return (try Tensor(shape: shape, scalars: maxima).to(input.dtype), try Tensor(shape: shape, scalars: indices))
    }

    /// ATen's `generate_intervals`: each region's start, from one sample, in the element type's precision.
    private static func intervals(_ sample: Double, input: Int, output: Int, pool: Int, single: Bool) -> [Int] {
        var sequence = [Int](repeating: 0, count: output)
        if output > 1 {
            if single {
                let (u, alpha) = (Float(sample), Float(input - pool) / Float(output - 1))
                for i in 0..<(output - 1) { sequence[i] = Int((Float(i) + u) * alpha) - Int(u * alpha) }
            } else {
                let alpha = Double(input - pool) / Double(output - 1)
                for i in 0..<(output - 1) { sequence[i] = Int((Double(i) + sample) * alpha) - Int(sample * alpha) }
            }
        }
        if output > 0 { sequence[output - 1] = input - pool }
        return sequence
    }
}
