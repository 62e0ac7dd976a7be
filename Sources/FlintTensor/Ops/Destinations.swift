/// Where an operator with an `into:` form writes its result.
///
/// Operators that take `into output: Tensor?` write their result into `output` when one is given (an
/// execution plan's arena slot) and return it, instead of allocating: the form "writes into a given buffer"
/// of issue #10's operator facets. The caller promises that `output` overlaps none of the operands (except
/// where an operator says otherwise: a convolution's or linear layer's fused residual may be `output` itself).
extension Tensor {
    /// `output` after checking that it can hold the result (contiguous, this shape and dtype), or a new
    /// uninitialised tensor when none is given.
    package static func destination(_ output: Tensor?, shape: [Int], dtype: DType, operation: String) throws -> Tensor {
        guard let output else { return Tensor(uninitialized: shape, dtype: dtype) }
        guard output.dtype == dtype, output.shape == shape, output.isContiguous, output.quantizer == nil else {
            throw TensorError(
                "\(operation): the given output is \(output.dtype)\(output.shape)\(output.isContiguous ? "" : " (not contiguous)"), the result \(dtype)\(shape)")
        }
        return output
    }

    /// As ``destination(_:shape:dtype:operation:)`` for a result of `rank` dimensions of sizes `size(0)`,
    /// `size(1)`, ...: a given output is compared in place, and the shape array is made only for a new tensor
    /// (or the error), so writing into a plan's arena allocates nothing.
    static func destination(_ output: Tensor?, rank: Int, size: (Int) -> Int, dtype: DType, operation: String) throws -> Tensor {
        if let output, output.dtype == dtype, output.rank == rank, (0..<rank).allSatisfy({ output.shape[$0] == size($0) }), output.isContiguous,
            output.quantizer == nil
        {
            return output
        }
        return try destination(output, shape: (0..<rank).map(size), dtype: dtype, operation: operation)
    }

    /// As ``destination(_:shape:dtype:operation:)`` for a convolution's result `[images, channels,
    /// *outputSpatial]`: the shape array is made only when a new tensor is (a given output is compared
    /// without it), so writing into a plan's arena allocates nothing.
    static func destination(
        _ output: Tensor?, geometry: ConvolutionGeometry, images: Int, channels: Int, dtype: DType, operation: String
    ) throws -> Tensor {
        guard let output, output.dtype == dtype, geometry.isOutputShape(output.shape, images: images, channels: channels), output.isContiguous,
            output.quantizer == nil
        else {
            return try destination(output, shape: geometry.outputShape(images: images, channels: channels), dtype: dtype, operation: operation)
        }
        return output
    }
}
