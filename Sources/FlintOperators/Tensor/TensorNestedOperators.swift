import FlintTensor
import FlintValues

extension OperatorDefinitions {
    mutating func defineNestedTensorOperators() {
        define("aten::_nested_tensor_from_mask_left_aligned") { c in
            let mask = try c.tensor(1, "mask").to(.bool)
            guard mask.rank == 2 else { throw OperatorError("Padding mask should be 2D") }
            let values = try mask.to(.uint8).scalars(as: UInt8.self)
            let width = mask.shape[1]
            for row in 0..<mask.shape[0] {
                let slice = values[(row * width)..<((row + 1) * width)]
                if let firstFalse = slice.firstIndex(of: 0), slice[firstFalse...].contains(1) { return .bool(false) }
            }
            return .bool(true)
        }
        define("aten::_nested_tensor_from_mask") { c in
            let t = try c.tensor(0, "t")
            let valid = try c.tensor(1, "mask").to(.bool)
            guard t.rank == 3, valid.shape == Array(t.shape.prefix(2)) else {
                throw OperatorError("_nested_tensor_from_mask: expected a [batch, sequence, features] tensor and a [batch, sequence] mask")
            }
            // Padded form, the padding zeroed; the value carries its real positions (see `Tensor.nested`).
            return .tensor(try Tensor.where(valid.unsqueeze(2), .tensor(t), .scalar(.int(0))).nested(validPositions: valid))
        }
        define("prim::is_nested") { c in .bool(try c.tensor(0, "a").nestedValidPositions != nil) }
        define(["aten::to_padded_tensor", "aten::nested_to_padded_tensor"]) { c in
            let t = try c.tensor(0, "self")
            guard let valid = t.nestedValidPositions else { throw OperatorError("to_padded_tensor: expected a nested tensor") }
            var result = try Tensor.where(valid.unsqueeze(2), .tensor(t), .scalar(.double(c.double(1, "padding"))))
            if let size = try c.optionalInts(2, "output_size"), size != result.shape {
                guard size.count == result.rank, zip(size, result.shape).allSatisfy({ $0 >= $1 }) else {
                    throw OperatorError("to_padded_tensor: output_size \(size) is smaller than the nested tensor \(result.shape)")
                }
                let padded = Tensor.zeros(size, dtype: result.dtype)
                try padded.copy(from: Scalar.double(c.double(1, "padding")).tensor(result.dtype))
                var view = padded
                for (d, extent) in result.shape.enumerated() { view = try view.narrow(dim: d, start: 0, length: extent) }
                try view.copy(from: result)
                result = padded
            }
            return .tensor(result)
        }
    }
}
