/// A strided view of a ``Storage``: element type, shape, strides (in elements) and offset (in elements).
///
/// Views share their storage: `Tensor` is a value type, but copying it copies the view, not the data.
public struct Tensor: @unchecked Sendable {
    /// The storage the tensor views, shared with every other view of it.
    public let storage: Storage
    /// The element type.
    public let dtype: DType
    /// The size of each dimension (empty for a 0-dim tensor).
    public let shape: [Int]
    /// Element strides, one per dimension.
    public let strides: [Int]
    /// Offset of element `[0, ..., 0]` from the storage's start, in elements.
    public let storageOffset: Int
    /// How the stored integers map to real numbers, for a quantized dtype (`qint8`, `quint8`, `qint32`);
    /// nil for every other tensor. Views keep it.
    public let quantizer: Quantizer?
    /// The real positions of a nested tensor kept in padded form (see ``nested(validPositions:)``); nil for
    /// every other tensor. Views and results of operations do not keep it.
    let nestedPositions: NestedPositions?
    /// Whether this 0-dim tensor is a traced model's constant (`CONSTANTS.cN`), which libtorch's graph
    /// canonicalisation passes to `add`, `sub`, `mul` and `div` as the Python number it was (so
    /// `int_tensor * CONSTANTS.c0` holding 0.5 is float32, not float64). Views and results do not keep it.
    public let isWrappedNumber: Bool

    /// Creates a view after checking that every element it addresses lies inside `storage`.
    /// Throws ``TensorError`` for negative sizes or strides, overflow, or an out-of-bounds view.
    public init(storage: Storage, dtype: DType, shape: [Int], strides: [Int], storageOffset: Int, quantizer: Quantizer? = nil) throws {
        guard shape.count == strides.count else {
            throw TensorError("view has \(shape.count) sizes but \(strides.count) strides")
        }
        guard storageOffset >= 0 else { throw TensorError("negative storage offset \(storageOffset)") }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw TensorError("negative size in shape \(shape)") }
        guard strides.allSatisfy({ $0 >= 0 }) else { throw TensorError("negative stride in \(strides)") }
        let capacity = storage.byteCount / dtype.itemSize
        if !shape.contains(0) {
            // The bytes the view reaches, as ATen computes them (overflow and bounds refused with its messages).
            var last = storageOffset
            var overflow = false
            for (size, stride) in zip(shape, strides) {
                let (span, overflow1) = (size - 1).multipliedReportingOverflow(by: stride)
                let (sum, overflow2) = last.addingReportingOverflow(span)
                overflow = overflow || overflow1 || overflow2
                last = sum
            }
            let (elements, overflow3) = last.addingReportingOverflow(1)
            let (required, overflow4) = elements.multipliedReportingOverflow(by: dtype.itemSize)
            guard !(overflow || overflow3 || overflow4) else {
                throw TensorError("Storage size calculation overflowed with sizes=\(shape) and strides=\(strides)")
            }
            guard last < capacity else {
                throw TensorError(
                    "setStorage: sizes \(shape), strides \(strides), storage offset \(storageOffset), and itemsize \(dtype.itemSize) requiring a storage size of \(required) are out of bounds for storage of size \(storage.byteCount)")
            }
        }
        if let quantizer { try quantizer.check(dtype: dtype, shape: shape) }
        self.init(unchecked: storage, dtype: dtype, shape: shape, strides: strides, storageOffset: storageOffset, quantizer: quantizer)
    }

    /// A view the caller has already proven to lie within `storage`.
    @usableFromInline
    init(
        unchecked storage: Storage, dtype: DType, shape: [Int], strides: [Int], storageOffset: Int, quantizer: Quantizer? = nil,
        nestedPositions: NestedPositions? = nil, wrappedNumber: Bool = false
    ) {
        self.storage = storage
        self.dtype = dtype
        self.shape = shape
        self.strides = strides
        self.storageOffset = storageOffset
        self.quantizer = quantizer
        self.nestedPositions = nestedPositions
        isWrappedNumber = wrappedNumber
    }

    /// This 0-dim tensor marked as a wrapped number (see ``isWrappedNumber``); other tensors unchanged.
    public func asWrappedNumber() -> Tensor {
        guard rank == 0, quantizer == nil else { return self }
        return Tensor(unchecked: storage, dtype: dtype, shape: shape, strides: strides, storageOffset: storageOffset, wrappedNumber: true)
    }

    /// A new contiguous tensor of zeros.
    public init(zeros shape: [Int], dtype: DType = .float32) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative size in \(shape)")
        let count = shape.reduce(1, *)
        self.init(
            unchecked: Storage(byteCount: count * dtype.itemSize), dtype: dtype, shape: shape,
            strides: Tensor.contiguousStrides(for: shape), storageOffset: 0)
    }

    /// A new contiguous tensor whose elements are not initialised; the caller writes every one.
    init(uninitialized shape: [Int], dtype: DType) {
        let count = shape.reduce(1, *)
        self.init(
            unchecked: Storage(uninitializedByteCount: count * dtype.itemSize), dtype: dtype, shape: shape,
            strides: Tensor.contiguousStrides(for: shape), storageOffset: 0)
    }

    /// Row-major strides for `shape`.
    public static func contiguousStrides(for shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for dim in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[dim] = running
            running *= Swift.max(shape[dim], 1)
        }
        return strides
    }

    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// Number of elements (1 for a 0-dim tensor).
    public var elementCount: Int { shape.reduce(1, *) }

    /// Whether the elements are laid out densely in row-major order (ATen's rule: size-1 dimensions may
    /// have any stride, and an empty tensor is contiguous).
    public var isContiguous: Bool {
        if shape.contains(0) { return true }
        // Indexed from the last dimension: `zip(...).reversed()` would allocate an array on every call.
        var expected = 1
        var dim = shape.count - 1
        while dim >= 0 {
            let size = shape[dim]
            if size != 1 {
                if strides[dim] != expected { return false }
                expected *= size
            }
            dim -= 1
        }
        return true
    }

    /// Address of element `[0, ..., 0]`.
    @inlinable
    public var baseAddress: UnsafeMutableRawPointer { storage.base + storageOffset * dtype.itemSize }

    /// The elements' raw bytes gathered in row-major order (a copy), as PyTorch's `contiguous()` lays them out.
    public func contiguousBytes() -> [UInt8] {
        let itemSize = dtype.itemSize
        let count = elementCount
        guard count > 0 else { return [] }
        if isContiguous {
            return Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(baseAddress), count: count * itemSize))
        }
        var result = [UInt8](repeating: 0, count: count * itemSize)
        result.withUnsafeMutableBytes { out in
            let source = UnsafeRawPointer(storage.base)
            var index = [Int](repeating: 0, count: rank)
            var element = storageOffset
            for position in 0..<count {
                (out.baseAddress! + position * itemSize).copyMemory(from: source + element * itemSize, byteCount: itemSize)
                var dim = rank - 1
                while dim >= 0 {
                    index[dim] += 1
                    element += strides[dim]
                    if index[dim] < shape[dim] { break }
                    element -= strides[dim] * shape[dim]
                    index[dim] = 0
                    dim -= 1
                }
            }
        }
        return result
    }
}

/// A tensor operation rejected its arguments.
public struct TensorError: Error, CustomStringConvertible, Sendable {
    /// What was wrong, in ATen's wording where Flint mirrors an ATen check.
    public let message: String
    /// An error carrying `message`.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
