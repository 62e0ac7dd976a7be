/// How a quantized tensor's stored integers map to real numbers: `real = (q - zeroPoint) * scale`, with one
/// scale and zero point for the whole tensor or one per index along `axis` (ATen's `PerTensorAffineQuantizer`
/// and `PerChannelAffineQuantizer`).
///
/// A quantized tensor is an ordinary ``Tensor`` whose dtype is `qint8`, `quint8` or `qint32` and whose
/// ``Tensor/quantizer`` is set; its storage holds the integers (`int8`, `uint8`, `int32`).
public final class Quantizer: Sendable, CustomStringConvertible {
    /// The affine mapping's parameters.
    public enum Scheme: Sendable, Equatable {
        /// One scale and zero point for every element (`torch.per_tensor_affine`).
        case perTensorAffine(scale: Double, zeroPoint: Int64)
        /// One scale and zero point per index of dimension `axis` (`torch.per_channel_affine`).
        case perChannelAffine(scales: [Double], zeroPoints: [Int64], axis: Int)
    }

    /// The parameters.
    public let scheme: Scheme

    /// A quantizer with these parameters.
    public init(_ scheme: Scheme) { self.scheme = scheme }

    /// A per-tensor affine quantizer.
    public convenience init(scale: Double, zeroPoint: Int64) {
        self.init(.perTensorAffine(scale: scale, zeroPoint: zeroPoint))
    }

    /// PyTorch's name for the scheme: `torch.per_tensor_affine` or `torch.per_channel_affine`.
    public var schemeName: String {
        switch scheme {
        case .perTensorAffine: "torch.per_tensor_affine"
        case .perChannelAffine: "torch.per_channel_affine"
        }
    }

    /// `scale=0.05, zero_point=64` or `per-channel along axis 0 (64 scales)`.
    public var description: String {
        switch scheme {
        case .perTensorAffine(let scale, let zeroPoint): "scale=\(scale), zero_point=\(zeroPoint)"
        case .perChannelAffine(let scales, _, let axis): "per-channel along axis \(axis) (\(scales.count) scales)"
        }
    }

    /// The scale and zero point of channel `index` (the tensor's for a per-tensor quantizer).
    public func parameters(channel index: Int) -> (scale: Double, zeroPoint: Int64) {
        switch scheme {
        case .perTensorAffine(let scale, let zeroPoint): (scale, zeroPoint)
        case .perChannelAffine(let scales, let zeroPoints, _): (scales[index], zeroPoints[index])
        }
    }

    /// The per-tensor scale and zero point; throws for a per-channel quantizer, naming `operation`.
    public func perTensorParameters(_ operation: String) throws -> (scale: Double, zeroPoint: Int64) {
        guard case .perTensorAffine(let scale, let zeroPoint) = scheme else {
            throw TensorError("\(operation) expects a per-tensor quantized tensor, got one quantized per channel")
        }
        return (scale, zeroPoint)
    }

    /// Checks the parameters against a tensor of `dtype` and `shape`.
    func check(dtype: DType, shape: [Int]) throws {
        guard let range = dtype.quantizedRange else {
            throw TensorError("a quantizer is attached to a tensor of dtype \(dtype), which is not a quantized dtype")
        }
        switch scheme {
        case .perTensorAffine(let scale, let zeroPoint):
            guard scale > 0, scale.isFinite else { throw TensorError("quantizer scale must be positive and finite, got \(scale)") }
            guard range.contains(zeroPoint) else {
                throw TensorError("zero point \(zeroPoint) lies outside the range of \(dtype) (\(range.lowerBound)...\(range.upperBound))")
            }
        case .perChannelAffine(let scales, let zeroPoints, let axis):
            guard axis >= 0, axis < shape.count else {
                throw TensorError("per-channel quantization axis \(axis) is out of range for a tensor of \(shape.count) dimensions")
            }
            guard scales.count == shape[axis], zeroPoints.count == shape[axis] else {
                throw TensorError(
                    "per-channel quantization has \(scales.count) scales and \(zeroPoints.count) zero points for \(shape[axis]) channels")
            }
            guard scales.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw TensorError("per-channel quantization scales must be positive and finite") }
            guard zeroPoints.allSatisfy(range.contains) else { throw TensorError("a per-channel zero point lies outside the range of \(dtype)") }
        }
    }

    /// The quantizer of a view whose dimension `i` is this tensor's dimension `order[i]` (permutations and
    /// squeezes); nil when a per-channel axis is dropped.
    func permuted(_ order: [Int]) -> Quantizer? {
        guard case .perChannelAffine(let scales, let zeroPoints, let axis) = scheme else { return self }
        guard let newAxis = order.firstIndex(of: axis) else { return nil }
        return newAxis == axis ? self : Quantizer(.perChannelAffine(scales: scales, zeroPoints: zeroPoints, axis: newAxis))
    }
}

extension DType {
    /// Whether the dtype is a quantized integer type that Flint computes with (`qint8`, `quint8`, `qint32`).
    public var isQuantized: Bool { quantizedRange != nil }

    /// The integers a quantized dtype stores; nil for other dtypes.
    public var quantizedRange: ClosedRange<Int64>? {
        switch self {
        case .qint8: -128...127
        case .quint8: 0...255
        case .qint32: Int64(Int32.min)...Int64(Int32.max)
        default: nil
        }
    }

    /// The plain integer dtype holding a quantized dtype's values (`quint8` → `uint8`); nil for other dtypes.
    public var quantizedStorageType: DType? {
        switch self {
        case .qint8: .int8
        case .quint8: .uint8
        case .qint32: .int32
        default: nil
        }
    }
}

extension Tensor {
    /// The quantizer a shape-changing view keeps: a per-tensor quantizer survives any view; a per-channel one
    /// only survives permutations (``permute(_:)``, ``transpose(_:_:)``), so other views of it are left without
    /// one and refuse to compute.
    var viewQuantizer: Quantizer? {
        guard let quantizer, case .perTensorAffine = quantizer.scheme else { return nil }
        return quantizer
    }

    /// Whether this is a quantized tensor.
    public var isQuantized: Bool { quantizer != nil }

    /// The quantizer; throws for a plain tensor, naming `operation`.
    public func requireQuantizer(_ operation: String) throws -> Quantizer {
        guard let quantizer else {
            if dtype.isQuantized {
                throw TensorError("\(operation): this \(dtype) tensor lost its per-channel quantization parameters through a view")
            }
            throw TensorError("\(operation) expects a quantized tensor, got dtype \(dtype)")
        }
        return quantizer
    }

    /// The stored integers as a plain tensor (`int_repr()`), sharing this tensor's storage.
    public var integerRepresentation: Tensor {
        guard let plain = dtype.quantizedStorageType else { return self }
        return Tensor(unchecked: storage, dtype: plain, shape: shape, strides: strides, storageOffset: storageOffset)
    }

    /// This plain integer tensor's storage viewed as quantized `dtype` with `quantizer`.
    public func reinterpretedAsQuantized(_ dtype: DType, _ quantizer: Quantizer) throws -> Tensor {
        guard dtype.quantizedStorageType == self.dtype else {
            throw TensorError("a \(self.dtype) tensor cannot hold \(dtype) values")
        }
        try quantizer.check(dtype: dtype, shape: shape)
        return Tensor(unchecked: storage, dtype: dtype, shape: shape, strides: strides, storageOffset: storageOffset, quantizer: quantizer)
    }
}
