import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Sums, means, extrema, variances, softmax and cumulative reductions.
    mutating func defineReductionsOperators() {
        // Reductions
        tensorOp("aten::sum") { try $0.tensor(0, "self").sum(dtype: $0.optionalDType(1, "dtype")) }
        tensorOp("aten::sum.dim_IntList") { try $0.tensor(0, "self").sum(dims: $0.optionalInts(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false), dtype: $0.optionalDType(3, "dtype")) }
        tensorOp("aten::mean") { try $0.tensor(0, "self").mean(dtype: $0.optionalDType(1, "dtype")) }
        tensorOp("aten::mean.dim") { try $0.tensor(0, "self").mean(dims: $0.optionalInts(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false), dtype: $0.optionalDType(3, "dtype")) }
        tensorOp("aten::amax") { try $0.tensor(0, "self").amax(dims: $0.ints(1, "dim", default: []), keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::amin") { try $0.tensor(0, "self").amin(dims: $0.ints(1, "dim", default: []), keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::max") { try $0.tensor(0, "self").amax() }
        tensorOp("aten::min") { try $0.tensor(0, "self").amin() }
        define("aten::max.dim") { c in
            let r = try c.tensor(0, "self").max(dim: c.int(1, "dim"), keepDim: c.bool(2, "keepdim", default: false))
            return .tuple([.tensor(r.values), .tensor(r.indices)])
        }
        define("aten::min.dim") { c in
            let r = try c.tensor(0, "self").min(dim: c.int(1, "dim"), keepDim: c.bool(2, "keepdim", default: false))
            return .tuple([.tensor(r.values), .tensor(r.indices)])
        }
        tensorOp("aten::argmax") { try $0.tensor(0, "self").argmax(dim: $0.optionalInt(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::argmin") { try $0.tensor(0, "self").argmin(dim: $0.optionalInt(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::var.correction") { c in
            try c.tensor(0, "self").variance(dims: c.optionalInts(1, "dim"), correction: c.optionalDouble(2, "correction") ?? 1, keepDim: c.bool(3, "keepdim", default: false))
        }
        tensorOp("aten::std.correction") { c in
            try c.tensor(0, "self").standardDeviation(dims: c.optionalInts(1, "dim"), correction: c.optionalDouble(2, "correction") ?? 1, keepDim: c.bool(3, "keepdim", default: false))
        }
        tensorOp("aten::var.dim") { c in
            try c.tensor(0, "self").variance(dims: c.optionalInts(1, "dim"), correction: c.bool(2, "unbiased", default: true) ? 1 : 0, keepDim: c.bool(3, "keepdim", default: false))
        }
        tensorOp("aten::std.dim") { c in
            try c.tensor(0, "self").standardDeviation(dims: c.optionalInts(1, "dim"), correction: c.bool(2, "unbiased", default: true) ? 1 : 0, keepDim: c.bool(3, "keepdim", default: false))
        }
        tensorOp("aten::var") { try $0.tensor(0, "self").variance(correction: $0.bool(1, "unbiased", default: true) ? 1 : 0) }
        tensorOp("aten::std") { try $0.tensor(0, "self").standardDeviation(correction: $0.bool(1, "unbiased", default: true) ? 1 : 0) }
        tensorOp("aten::softmax.int") { try $0.tensor(0, "self").softmax(dim: $0.int(1, "dim"), dtype: $0.optionalDType(2, "dtype")) }
        tensorOp("aten::log_softmax.int") { try $0.tensor(0, "self").logSoftmax(dim: $0.int(1, "dim"), dtype: $0.optionalDType(2, "dtype")) }
        tensorOp("aten::_softmax") { c in
            guard try !c.bool(2, "half_to_float", default: false) else { throw TensorError("softmax with half to float conversion is not supported on CPU") }
            return try c.tensor(0, "self").softmax(dim: c.int(1, "dim"))
        }
        tensorOp("aten::_log_softmax") { c in
            guard try !c.bool(2, "half_to_float", default: false) else { throw TensorError("softmax with half to float conversion is not supported on CPU") }
            return try c.tensor(0, "self").logSoftmax(dim: c.int(1, "dim"))
        }
        tensorOp("aten::cumsum") { try $0.tensor(0, "self").cumsum(dim: $0.int(1, "dim"), dtype: $0.optionalDType(2, "dtype")) }
        tensorOp("aten::logsumexp") { try $0.tensor(0, "self").logsumexp(dims: $0.ints(1, "dim"), keepDim: $0.bool(2, "keepdim", default: false)) }
        tensorOp("aten::logcumsumexp") { try $0.tensor(0, "self").logcumsumexp(dim: $0.int(1, "dim")) }
        define("aten::cummax") { c in
            let r = try c.tensor(0, "self").cummax(dim: c.int(1, "dim"))
            return .tuple([.tensor(r.values), .tensor(r.indices)])
        }
        define("aten::cummin") { c in
            let r = try c.tensor(0, "self").cummin(dim: c.int(1, "dim"))
            return .tuple([.tensor(r.values), .tensor(r.indices)])
        }
        // nansum / nanmean: NaNs count as zero in the sum; nanmean divides by the number of non-NaN elements.
        tensorOp("aten::nansum") { c in
            try Self.zeroingNaN(c.tensor(0, "self")).sum(dims: c.optionalInts(1, "dim"), keepDim: c.bool(2, "keepdim", default: false), dtype: c.optionalDType(3, "dtype"))
        }
        tensorOp("aten::nanmean") { c in
            let x = try c.tensor(0, "self")
            guard x.dtype.isFloatingPoint else {
                throw OperatorError("nanmean(): expected input to have floating point or complex dtype but got \(x.dtype.scalarTypeName)")
            }
            let (dims, keepDim) = (try c.optionalInts(1, "dim"), try c.bool(2, "keepdim", default: false))
            let counted = try x.isNaN().logicalNot().sum(dims: dims, keepDim: keepDim)
            return try Self.zeroingNaN(x).sum(dims: dims, keepDim: keepDim, dtype: c.optionalDType(3, "dtype")).div(counted)
        }
        // std_mean / var_mean: the two reductions of one call, as a tuple.
        for (name, deviation) in [("std_mean", true), ("var_mean", false)] {
            @Sendable func pair(_ x: Tensor, _ dims: [Int]?, _ correction: Double, _ keepDim: Bool) throws -> ScriptValue {
                let spread = deviation
                    ? try x.standardDeviation(dims: dims, correction: correction, keepDim: keepDim)
                    : try x.variance(dims: dims, correction: correction, keepDim: keepDim)
                return .tuple([.tensor(spread), .tensor(try x.mean(dims: dims, keepDim: keepDim))])
            }
            define("aten::\(name)") { c in try pair(c.tensor(0, "self"), nil, c.bool(1, "unbiased", default: true) ? 1 : 0, false) }
            define("aten::\(name).dim") { c in
                try pair(c.tensor(0, "self"), c.optionalInts(1, "dim"), c.bool(2, "unbiased", default: true) ? 1 : 0, c.bool(3, "keepdim", default: false))
            }
            define("aten::\(name).correction") { c in
                try pair(c.tensor(0, "self"), c.optionalInts(1, "dim"), c.optionalScalar(2, "correction")?.doubleValue ?? 1, c.bool(3, "keepdim", default: false))
            }
        }
        tensorOp("aten::trace") { c in
            let x = try c.tensor(0, "self")
            guard x.rank == 2 else { throw OperatorError("trace: expected a matrix, but got tensor with dim \(x.rank)") }
            guard x.dtype != .bool else { throw OperatorError("\"trace\" not implemented for 'Bool'") }
            return try x.diagonal(0, 1).sum()
        }

    }

    /// `x` with NaNs replaced by zero (floating dtypes; other dtypes as they are).
    static func zeroingNaN(_ x: Tensor) throws -> Tensor {
        x.dtype.isFloatingPoint ? try x.maskedFill(x.isNaN(), value: .int(0)) : x
    }
}
