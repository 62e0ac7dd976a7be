import FlintTensor
import FlintValues

/// Constants the passes derive from a method's constants (batch-norm-folded weights and biases, packed
/// convolution and linear weights), made once and shared by every plan of the method's executor. Without it each input
/// shape's plan held its own copy: a server that meets batch sizes 1 to 8 held eight copies of every
/// folded weight.
///
/// Entries are keyed by the identity of the tensors they were derived from (storage object, offset, shape,
/// strides, dtype) and keep those tensors alive, so a key's storage can never be freed and its address
/// reused by another tensor while the entry exists. Thread-safe.
package final class DerivedConstants: @unchecked Sendable {
    private let lock = Lock()
    private var folds: [[TensorIdentity]: Fold] = [:]
    private var packs: [PackKey: (sources: [Tensor], packed: AnyObject)] = [:]

    private struct Fold {
        let sources: [Tensor]
        let weight: Tensor
        let bias: Tensor
    }

    private struct PackKey: Hashable {
        enum Form: Hashable {
            case convolution(groups: Int, winograd: Bool)
            case linear
        }

        let weight: TensorIdentity
        let form: Form
        /// What scales the weight's output channels on the way (a folded batch norm's sources), or empty.
        var scaledBy: [TensorIdentity] = []
    }

    package init() {}

    /// The folded (weight, bias) for these source tensors (and their `extra` parameters, e.g. epsilon),
    /// made by `make` the first time.
    func folded(from sources: [Tensor?], extra: [Double], make: () throws -> (Tensor, Tensor)) rethrows -> (Tensor, Tensor) {
        let key = sources.map { $0.map(TensorIdentity.init) ?? .absent } + extra.map(TensorIdentity.number)
        if let known = lock.withLock({ folds[key] }) { return (known.weight, known.bias) }
        let (weight, bias) = try make()
        return lock.withLock {
            if let raced = folds[key] { return (raced.weight, raced.bias) }
            folds[key] = Fold(sources: sources.compactMap { $0 }, weight: weight, bias: bias)
            return (weight, bias)
        }
    }

    /// The packed form of a convolution weight (with its Winograd form or not), made by `make` the first time.
    /// `scaledBy`: what its output channels are scaled by on the way (a folded batch norm's source tensors and
    /// epsilon, as for ``folded(from:extra:make:)``), or empty.
    func packed(
        _ weight: Tensor, groups: Int, winograd: Bool, scaledBy: (sources: [Tensor?], extra: [Double]) = ([], []),
        make: () throws -> PackedConvolutionWeights
    ) rethrows -> PackedConvolutionWeights {
        var key = PackKey(weight: TensorIdentity(weight), form: .convolution(groups: groups, winograd: winograd))
        key.scaledBy = scaledBy.sources.map { $0.map(TensorIdentity.init) ?? .absent } + scaledBy.extra.map(TensorIdentity.number)
        return try packedForm(key, of: weight, holding: scaledBy.sources.compactMap { $0 }, make: make)
    }

    /// The packed form of a linear layer's weight, made by `make` the first time.
    func packedLinear(_ weight: Tensor, make: () throws -> PackedLinearWeight) rethrows -> PackedLinearWeight {
        try packedForm(PackKey(weight: TensorIdentity(weight), form: .linear), of: weight, make: make)
    }

    /// `holding`: further tensors the key names, kept alive with the entry.
    private func packedForm<Packed: AnyObject>(_ key: PackKey, of weight: Tensor, holding: [Tensor] = [], make: () throws -> Packed) rethrows -> Packed {
        if let known = lock.withLock({ packs[key]?.packed as? Packed }) { return known }
        let packed = try make()
        return lock.withLock {
            if let raced = packs[key]?.packed as? Packed { return raced }
            packs[key] = ([weight] + holding, packed)
            return packed
        }
    }
}

/// Which tensor a constant is: the same storage object viewed the same way.
private enum TensorIdentity: Hashable {
    case view(storage: ObjectIdentifier, offset: Int, shape: [Int], strides: [Int], dtype: DType)
    case number(Double)
    case absent

    init(_ tensor: Tensor) {
        self = .view(
            storage: ObjectIdentifier(tensor.storage), offset: tensor.storageOffset, shape: tensor.shape, strides: tensor.strides,
            dtype: tensor.dtype)
    }
}

extension Graph {
    /// `weight` packed for the GEMM as a linear layer's, through the graph's derived constants when it has them
    /// (so every plan of the method shares one copy).
    func packedLinearWeight(_ weight: Tensor) throws -> PackedLinearWeight {
        let make = { try PackedLinearWeight(weight) }
        return try derivedConstants.map { try $0.packedLinear(weight, make: make) } ?? make()
    }

    /// Whether a product over `rows` rows is worth a packed weight: up to 8 rows, the thin-product kernels
    /// streaming the unpacked weight once are faster than any packed form.
    static func packingPays(rows: Int) -> Bool { rows > 8 }

    /// The rows of the products a value of this type feeds as a layer's input: all its elements over the last
    /// dimension's (nil when that is empty or the type unknown).
    func productRows(of value: ValueID) -> Int? {
        guard let shape = types[value]?.shape, let features = shape.last, features > 0 else { return nil }
        return shape.reduce(1, *) / features
    }
}
