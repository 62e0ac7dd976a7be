/// Where an operator with an `into:` form writes its result.
///
/// Operators that take `into output: Tensor?` write their result into `output` when one is given (an
/// execution plan's arena slot) and return it, instead of allocating: the form "writes into a given buffer"
/// of issue #10's operator facets. The caller promises that `output` overlaps none of the operands.
extension Tensor {
    /// `output` after checking that it can hold the result (contiguous, this shape and dtype), or a new
    /// uninitialised tensor when none is given.
    static func destination(_ output: Tensor?, shape: [Int], dtype: DType, operation: String) throws -> Tensor {
        guard let output else { return Tensor(uninitialized: shape, dtype: dtype) }
        guard output.dtype == dtype, output.shape == shape, output.isContiguous, output.quantizer == nil else {
            throw TensorError(
                "\(operation): the given output is \(output.dtype)\(output.shape)\(output.isContiguous ? "" : " (not contiguous)"), the result \(dtype)\(shape)")
        }
        return output
    }
}
