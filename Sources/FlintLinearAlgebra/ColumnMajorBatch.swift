import FlintTensor

/// A batch of matrices in LAPACK's layout: `count` column-major `rows`×`columns` matrices one after another, for
/// the leading (batch) dimensions `batchShape`. Reading a `[*, rows, columns]` tensor and writing one back are
/// the only conversions between a tensor and LAPACK.
struct ColumnMajorBatch<T: LapackScalar> {
    let batchShape: [Int]
    let rows: Int
    let columns: Int
    var elements: [T]

    /// The number of matrices.
    var count: Int { batchShape.reduce(1, *) }
    /// Elements per matrix.
    var matrixSize: Int { rows * columns }
    /// The leading dimension LAPACK is given (at least 1, as it requires).
    var leadingDimension: Int32 { Int32(Swift.max(1, rows)) }

    /// The matrices of `tensor`, `[*, rows, columns]` holding `T`.
    init(_ tensor: Tensor) throws {
        guard tensor.rank >= 2, tensor.dtype == T.dtype else { throw TensorError("expected a batch of \(T.dtype.scalarTypeName) matrices") }
        batchShape = Array(tensor.shape.dropLast(2))
        (rows, columns) = (tensor.shape[tensor.rank - 2], tensor.shape[tensor.rank - 1])
        // LAPACK's sizes are 32-bit.
        guard rows <= Int(Int32.max), columns <= Int(Int32.max) else {
            throw TensorError("matrices of \(rows) by \(columns) exceed LAPACK's 32-bit sizes")
        }
        elements = try tensor.transpose(tensor.rank - 2, tensor.rank - 1).contiguous().scalars(as: T.self)
    }

    /// `count` matrices of zeros.
    init(batchShape: [Int], rows: Int, columns: Int) {
        (self.batchShape, self.rows, self.columns) = (batchShape, rows, columns)
        elements = [T](repeating: 0, count: batchShape.reduce(1, *) * rows * columns)
    }

    /// `count` identity matrices (ones on the main diagonal of non-square ones too).
    static func identity(batchShape: [Int], rows: Int, columns: Int) -> ColumnMajorBatch {
        var batch = ColumnMajorBatch(batchShape: batchShape, rows: rows, columns: columns)
        for b in 0..<batch.count {
            for i in 0..<Swift.min(rows, columns) { batch[b, i, i] = 1 }
        }
        return batch
    }

    /// Element (row, column) of matrix `b`.
    subscript(b: Int, row: Int, column: Int) -> T {
        get { elements[b * matrixSize + column * rows + row] }
        set { elements[b * matrixSize + column * rows + row] = newValue }
    }

    /// The batch as a contiguous `[*, rows, columns]` tensor.
    func tensor() throws -> Tensor {
        let transposed = try Tensor(shape: batchShape + [columns, rows], scalars: elements)
        return try transposed.transpose(batchShape.count, batchShape.count + 1).contiguous()
    }

    /// Runs `body` on each matrix in turn with its index and first element.
    mutating func forEachMatrix(_ body: (Int, UnsafeMutablePointer<T>) throws -> Void) rethrows {
        let (size, matrices) = (matrixSize, count)
        try elements.withUnsafeMutableBufferPointer { buffer in
            for b in 0..<matrices { try body(b, buffer.baseAddress! + b * size) }
        }
    }

    /// Each matrix transposed.
    func transposed() -> ColumnMajorBatch {
        var result = ColumnMajorBatch(batchShape: batchShape, rows: columns, columns: rows)
        for b in 0..<count {
            for j in 0..<columns { for i in 0..<rows { result[b, j, i] = self[b, i, j] } }
        }
        return result
    }
}

/// An operation generic over LAPACK's element types; ``runLapack(_:on:operation:)`` picks the type.
protocol LapackOperation {
    associatedtype Result
    func run<T: LapackScalar>(_ type: T.Type) throws -> Result
}

/// Runs `operation` with the element type of `dtype`: float32 and float64 (LAPACK's s and d routines) through
/// ``DType/dispatchFloating(_:operation:)``. Where ATen checks dtypes before its kernel (`kernel` nil), other
/// dtypes get its messages for `name` (the user-facing operator, `linalg.inv`): the floating-point check, then the
/// low-precision one. Where it leaves that to the kernel's dispatch, they get the dispatch's message naming
/// `kernel` (`"lu_cpu" not implemented for 'Half'`).
func runLapack<Operation: LapackOperation>(_ operation: Operation, on dtype: DType, name: String, kernel: String? = nil) throws -> Operation.Result {
    if let kernel {
        guard dtype == .float32 || dtype == .float64 else { throw TensorError("\"\(kernel)\" not implemented for '\(dtype.scalarTypeName)'") }
    } else {
        try LinalgCheck.fullPrecision(dtype, name)
    }
    return try dtype.dispatchFloating(LapackTypeSelection(operation: operation), operation: name)
}

private struct LapackTypeSelection<Operation: LapackOperation>: FloatingDTypeVisitor {
    let operation: Operation
    func visit<T: FloatingElement>(_ type: T.Type) throws -> Operation.Result {
        guard let lapackType = T.self as? any LapackScalar.Type else { throw TensorError("\(T.dtype.scalarTypeName) has no LAPACK routines") }
        return try run(lapackType)
    }
    private func run<L: LapackScalar>(_ type: L.Type) throws -> Operation.Result { try operation.run(type) }
}
