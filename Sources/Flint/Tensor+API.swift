/// The tensor operations a program using Flint needs most, spelled as libtorch's C++ API spells them,
/// plus Swift-style access to elements.
extension Tensor {
    /// `tensor.slice(dim, start, end, step)` as libtorch's C++ API: elements `start..<end` (clamped to the
    /// dimension's size, negative values counting from the end) every `step` along `dim`; a view, no copy.
    ///
    /// Never traps: a `dim` outside the tensor's rank or a `step` below 1 gives an empty tensor (the
    /// `Int?`-taking overload throws instead).
    public func slice(dim: Int, start: Int, end: Int, step: Int = 1) -> Tensor {
        (try? slice(dim: dim, start: Optional(start), end: Optional(end), step: step)) ?? Tensor.zeros([0], dtype: dtype)
    }

    /// Element `index` along the first dimension (negative counts from the end): `try t[0]`.
    public subscript(index: Int) -> Tensor {
        get throws { try select(dim: 0, index: index) }
    }

    /// A range along the first dimension: `try t[1..<3]`.
    public subscript(range: Range<Int>) -> Tensor {
        get throws { try slice(dim: 0, start: Optional(range.lowerBound), end: Optional(range.upperBound), step: 1) }
    }

    /// Uniform samples in [0, 1) (`torch::rand`), from `generator`. Floating dtypes only.
    public static func rand(_ shape: [Int], dtype: DType = .float32, using generator: inout some RandomNumberGenerator) throws -> Tensor {
        let count = try checkedCount(shape)
        let values = (0..<count).map { _ in Double.random(in: 0..<1, using: &generator) }
        return try Tensor(shape: shape, scalars: values).to(dtype)
    }

    /// Uniform samples in [0, 1); the same `seed` gives the same tensor (Flint's generator, not libtorch's).
    public static func rand(_ shape: [Int], dtype: DType = .float32, seed: UInt64) throws -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return try rand(shape, dtype: dtype, using: &generator)
    }

    /// Standard normal samples (`torch::randn`), from `generator` (Box–Muller).
    public static func randn(_ shape: [Int], dtype: DType = .float32, using generator: inout some RandomNumberGenerator) throws -> Tensor {
        let count = try checkedCount(shape)
        var values: [Double] = []
        values.reserveCapacity(count)
        while values.count < count {
            let u = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            let v = Double.random(in: 0..<1, using: &generator)
            let (a, b) = boxMuller(u, v)
            values.append(a)
            if values.count < count { values.append(b) }
        }
        return try Tensor(shape: shape, scalars: values).to(dtype)
    }

    /// Standard normal samples; the same `seed` gives the same tensor.
    public static func randn(_ shape: [Int], dtype: DType = .float32, seed: UInt64) throws -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return try randn(shape, dtype: dtype, using: &generator)
    }

    /// A tensor of `value` (`torch::full`); throws for a negative size.
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32) throws -> Tensor {
        try full(shape, value: value, dtype: dtype)
    }

    /// A contiguous tensor holding a copy of `buffer`'s elements in row-major order.
    public init<T: TensorElement>(shape: [Int], copying buffer: UnsafeBufferPointer<T>) throws {
        try self.init(shape: shape, scalars: Array(buffer))
    }

    /// A tensor over memory you own, without copying: `owner` is retained for as long as the tensor (or any
    /// view of it) lives and must keep `base` valid and unchanged by others while Flint reads it.
    public init(shape: [Int], dtype: DType, borrowing base: UnsafeMutableRawPointer, owner: AnyObject) throws {
        let count = try Tensor.checkedCount(shape)
        let storage = Storage(borrowing: base, byteCount: count * dtype.itemSize, owner: owner)
        try self.init(storage: storage, dtype: dtype, shape: shape, strides: Tensor.contiguousStrides(for: shape), storageOffset: 0)
    }

    /// Calls `body` with the elements in row-major order: the tensor's own memory when it is contiguous,
    /// else a contiguous copy. Throws when `T` is not the tensor's element type.
    public func withUnsafeBufferPointer<T: TensorElement, R>(as type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R) throws -> R {
        guard T.dtype == dtype else { throw TensorError("tensor holds \(dtype), not \(T.dtype)") }
        let source = isContiguous ? self : try contiguous()
        let pointer = source.baseAddress.bindMemory(to: T.self, capacity: source.elementCount)
        return try body(UnsafeBufferPointer(start: pointer, count: source.elementCount))
    }

    private static func checkedCount(_ shape: [Int]) throws -> Int {
        try checkShape(shape)
        var count = 1
        for size in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, product <= 1 << 40 else { throw TensorError("shape \(shape) has too many elements") }
            count = product
        }
        return count
    }
}

/// Two independent standard normal samples from two uniform ones (`u` in (0, 1)).
private func boxMuller(_ u: Double, _ v: Double) -> (Double, Double) {
    let radius = (-2 * log(u)).squareRoot()
    return (radius * cos(2 * .pi * v), radius * sin(2 * .pi * v))
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
