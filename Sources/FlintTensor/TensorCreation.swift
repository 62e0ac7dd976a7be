/// Creating tensors from Swift values and reading their elements.
extension Tensor {
    /// A contiguous tensor holding `scalars` in row-major order. Throws when the count does not match `shape`.
    public init<T: TensorElement>(shape: [Int], scalars: [T]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw TensorError("negative size in shape \(shape)") }
        guard shape.reduce(1, *) == scalars.count else {
            throw TensorError("shape \(shape) needs \(shape.reduce(1, *)) elements but \(scalars.count) were given")
        }
        self.init(zeros: shape, dtype: T.dtype)
        scalars.withUnsafeBytes { storage.base.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    /// A 0-dim tensor holding `value`.
    public init<T: TensorElement>(scalar value: T) {
        self.init(zeros: [], dtype: T.dtype)
        storage.base.storeBytes(of: value, as: T.self)
    }

    /// A tensor of the given shape filled with `value` converted to `dtype`.
    public static func full(_ shape: [Int], value: Double, dtype: DType = .float32) throws -> Tensor {
        try checkAllocatable(shape, dtype: dtype)
        let result = Tensor(zeros: shape, dtype: dtype)
        if dtype.isComplex {
            try result.realPart().copy(from: full([], value: value, dtype: dtype.complexComponent))
            return result
        }
        try dtype.dispatch(Fill(tensor: result, value: value))
        return result
    }

    /// A tensor of ones. Sizes below zero count as zero (``full(_:value:dtype:)`` rejects them instead).
    public static func ones(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        let sizes = shape.map { Swift.max($0, 0) }
        // Every computable dtype can hold 1; non-computable ones stay zero.
        return (try? full(sizes, value: 1, dtype: dtype)) ?? Tensor(zeros: sizes, dtype: dtype)
    }

    /// A tensor of zeros. Sizes below zero count as zero (``full(_:value:dtype:)`` rejects them instead).
    public static func zeros(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        Tensor(zeros: shape.map { Swift.max($0, 0) }, dtype: dtype)
    }

    /// Throws ATen's error for a negative size.
    public static func checkShape(_ shape: [Int]) throws {
        if let bad = shape.first(where: { $0 < 0 }) {
            throw TensorError("Trying to create tensor with negative dimension \(bad): \(shape)")
        }
    }

    /// Throws ATen's errors for a shape no tensor can have: a negative size, or more bytes than a process can
    /// allocate (2⁴⁰ here), before anything is allocated: for factories whose sizes come from the user.
    public static func checkAllocatable(_ shape: [Int], dtype: DType) throws {
        try checkShape(shape)
        var bytes = dtype.itemSize
        for size in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: size)
            guard !overflow, product <= 1 << 40 else {
                throw TensorError("DefaultCPUAllocator: not enough memory: you tried to allocate a tensor of shape \(shape) of \(dtype.name)")
            }
            bytes = product
        }
    }

    /// The elements in row-major order. Throws when `T` is not the tensor's element type.
    public func scalars<T: TensorElement>(as type: T.Type) throws -> [T] {
        guard T.dtype == dtype else { throw TensorError("tensor holds \(dtype), not \(T.dtype)") }
        if isContiguous {
            return Array(UnsafeBufferPointer(start: UnsafePointer(baseAddress.assumingMemoryBound(to: T.self)), count: elementCount))
        }
        let bytes = contiguousBytes()
        return bytes.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
    }

    /// The single element of a one-element tensor, converted to `Double`.
    public func item() throws -> Double {
        guard elementCount == 1 else {
            throw TensorError("a tensor with \(elementCount) elements cannot be converted to a scalar")
        }
        return try dtype.dispatch(ReadScalar(address: baseAddress))
    }
}

private struct Fill: DTypeVisitor {
    let tensor: Tensor
    let value: Double
    func visit<T: TensorElement>(_ type: T.Type) throws {
        let element = T(castingDouble: value)
        tensor.baseAddress.bindMemory(to: T.self, capacity: tensor.elementCount)
            .update(repeating: element, count: tensor.elementCount)
    }
}

private struct ReadScalar: DTypeVisitor {
    let address: UnsafeMutableRawPointer
    func visit<T: TensorElement>(_ type: T.Type) throws -> Double {
        address.load(as: T.self).doubleValue
    }
}
