/// Nested tensors, as far as `nn.TransformerEncoder`'s inference fast path uses them: a batch of sequences
/// with a padding mask is "converted to nested", run through fused encoder layers, and converted back to a
/// padded tensor. Flint keeps such a tensor in its padded form, and the value carries, beside it, which
/// positions are real: the fused layers then mask the padded keys, and `to_padded_tensor` writes the padding
/// value where positions are not real, which is what libtorch's nested path computes.
@usableFromInline
final class NestedPositions: Sendable {
    /// `[batch, sequence]` bool, true at real positions.
    let valid: Tensor

    init(valid: Tensor) { self.valid = valid }
}

extension Tensor {
    /// This tensor (`[batch, sequence, features]`, padded) as a nested tensor whose real positions are the
    /// true elements of `valid` (`[batch, sequence]` bool). The mark travels with this value only: a view or
    /// an operation's result is an ordinary tensor.
    public func nested(validPositions valid: Tensor) -> Tensor {
        Tensor(
            unchecked: storage, dtype: dtype, shape: shape, strides: strides, storageOffset: storageOffset, quantizer: quantizer,
            nestedPositions: NestedPositions(valid: valid))
    }

    /// The real positions of a nested tensor (``nested(validPositions:)``), or nil for an ordinary tensor.
    public var nestedValidPositions: Tensor? { nestedPositions?.valid }
}
