import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Sorted search (`searchsorted`, `bucketize`), membership (`isin`) and closeness (`isclose`).
    mutating func defineSearchOperators() {
        define("aten::searchsorted.Tensor") { c in
            .tensor(try Self.searchSorted(c, values: c.tensor(1, "self")))
        }
        define("aten::searchsorted.Scalar") { c in
            .tensor(try Self.searchSorted(c, values: Self.scalarTensor(c.scalar(1, "self"))))
        }
        tensorOp("aten::bucketize.Tensor") { c in
            try Self.bucketize(c.tensor(0, "self"), boundaries: c.tensor(1, "boundaries"), c)
        }
        tensorOp("aten::bucketize.Scalar") { c in
            try Self.bucketize(Self.scalarTensor(c.scalar(0, "self")), boundaries: c.tensor(1, "boundaries"), c)
        }
        tensorOp("aten::isin.Tensor_Tensor") { c in
            try c.tensor(0, "elements").isIn(c.tensor(1, "test_elements"), invert: c.bool(3, "invert", default: false))
        }
        tensorOp("aten::isin.Tensor_Scalar") { c in
            try c.tensor(0, "elements").isIn(Self.scalarTensor(c.scalar(1, "test_element")), invert: c.bool(3, "invert", default: false))
        }
        tensorOp("aten::isin.Scalar_Tensor") { c in
            try Self.scalarTensor(c.scalar(0, "element")).isIn(c.tensor(1, "test_elements"), invert: c.bool(3, "invert", default: false))
        }
        tensorOp("aten::isclose") { c in
            try c.tensor(0, "self").isClose(
                c.tensor(1, "other"), rtol: c.double(2, "rtol", default: 1e-5), atol: c.double(3, "atol", default: 1e-8),
                equalNaN: c.bool(4, "equal_nan", default: false))
        }
    }

    /// A Python scalar as a 0-d tensor of its own kind (int64, float64 or bool).
    private static func scalarTensor(_ value: Scalar) throws -> Tensor {
        switch value {
        case .bool: try value.tensor(.bool)
        case .int: try value.tensor(.int64)
        case .double: try value.tensor(.float64)
        }
    }

    /// `searchsorted(sorted_sequence, values, *, out_int32, right, side, sorter)`.
    private static func searchSorted(_ c: Arguments, values: Tensor) throws -> Tensor {
        var right = try c.bool(3, "right", default: false)
        if let side = try c.optionalString(4, "side") {
            guard side == "left" || side == "right" else {
                throw OperatorError("torch.searchsorted(): side can only be 'left' or 'right' but got \(side)")
            }
            if right && side == "left" {
                throw OperatorError("torch.searchsorted(): side and right can't be set to opposites, got side of left while right was True")
            }
            right = side == "right"
        }
        return try c.tensor(0, "sorted_sequence").searchSorted(
            values, outInt32: c.bool(2, "out_int32", default: false), right: right, sorter: c.optionalTensor(5, "sorter"))
    }

    /// `bucketize(values, boundaries, *, out_int32, right)`: searchsorted over 1-D boundaries.
    private static func bucketize(_ values: Tensor, boundaries: Tensor, _ c: Arguments) throws -> Tensor {
        guard boundaries.rank == 1 else { throw OperatorError("boundaries tensor must be 1 dimension, but got dim(\(boundaries.rank))") }
        return try boundaries.searchSorted(values, outInt32: c.bool(2, "out_int32", default: false), right: c.bool(3, "right", default: false))
    }
}
