import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// `max_unpool2d` / `max_unpool3d`: each value written at its flat index into a zero plane (volume) of the
    /// output size, per batch and channel, as ATen's forward does (a later duplicate index wins).
    mutating func defineUnpoolingOperators() {
        tensorOp("aten::max_unpool2d") { c in
            try Self.maxUnpool(c.tensor(0, "self"), indices: c.tensor(1, "indices"), outputSize: c.ints(2, "output_size"), spatial: 2)
        }
        tensorOp("aten::max_unpool3d") { c in
            let stride = try c.ints(3, "stride")
            guard stride.count == 3 else { throw OperatorError("There should be exactly three elements (depth, height, width) in stride, but got: \(stride.count) elements.") }
            guard stride.allSatisfy({ $0 > 0 }) else { throw OperatorError("strides should be greater than zero, but got stride: \(stride)") }
            return try Self.maxUnpool(c.tensor(0, "self"), indices: c.tensor(1, "indices"), outputSize: c.ints(2, "output_size"), spatial: 3)
        }
    }

    private static func maxUnpool(_ input: Tensor, indices: Tensor, outputSize: [Int], spatial: Int) throws -> Tensor {
        guard indices.dtype == .int64 else { throw OperatorError("elements in indices should be type int64 but got: \(indices.dtype.scalarTypeName)") }
        guard outputSize.count == spatial else {
            throw OperatorError(spatial == 2
                ? "There should be exactly two elements (height, width) in output_size, but got \(outputSize.count) elements."
                : "There should be exactly three elements (depth, height, width) in output_size, but got: \(outputSize.count) elements.")
        }
        guard input.rank == spatial + 1 || input.rank == spatial + 2 else {
            throw OperatorError("Input to max_unpooling\(spatial)d should be a \(spatial + 1)d or \(spatial + 2)d Tensor, but got a tensor with \(input.rank) dimensions.")
        }
        guard indices.shape == input.shape else {
            throw OperatorError("Expected shape of indices to be same as that of the input tensor (\(input.shape)) but got indices tensor with shape: \(indices.shape)")
        }
        let planeSize = outputSize.reduce(1, *)
        let leading = Array(input.shape.prefix(input.rank - spatial))
        let planes = leading.reduce(1, *)
        let perPlane = input.shape.suffix(spatial).reduce(1, *)
        let values = try input.to(.float64).contiguous().scalars(as: Double.self)
        let positions = try indices.contiguous().scalars(as: Int64.self)
        var output = [Double](repeating: 0, count: planes * planeSize)
        for plane in 0..<planes {
            for i in 0..<perPlane {
                let index = positions[plane * perPlane + i]
                guard index >= 0 && index < planeSize else {
                    throw OperatorError("Found an invalid max index: \(index) (output volumes are of size \(outputSize.map(String.init).joined(separator: "x")))")
                }
                output[plane * planeSize + Int(index)] = values[plane * perPlane + i]
            }
        }
        return try Tensor(shape: leading + outputSize, scalars: output).to(input.dtype)
    }
}
