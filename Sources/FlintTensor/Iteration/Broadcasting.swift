/// NumPy/ATen broadcasting of shapes.
extension Tensor {
    /// The shape `a` and `b` broadcast to: aligned from the right, each pair equal or one of them 1.
    public static func broadcastShape(_ a: [Int], _ b: [Int]) throws -> [Int] {
        let rank = Swift.max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard x == y || x == 1 || y == 1 else {
                throw TensorError("The size of tensor a (\(x)) must match the size of tensor b (\(y)) at non-singleton dimension \(i)")
            }
            result[i] = x == 1 ? y : x
        }
        return result
    }

    /// The shape all `shapes` broadcast to.
    public static func broadcastShape(_ shapes: [[Int]]) throws -> [Int] {
        try shapes.reduce([]) { try broadcastShape($0, $1) }
    }

    /// Whether shapes `a` and `b` broadcast to exactly `shape`: a given output's shape, checked in place
    /// (``broadcastShape(_:_:)`` builds a new array).
    static func broadcast(_ a: [Int], _ b: [Int], isExactly shape: [Int]) -> Bool {
        guard a.count <= shape.count, b.count <= shape.count, a.count == shape.count || b.count == shape.count else { return false }
        for dim in shape.indices {
            let x = dim < shape.count - a.count ? 1 : a[dim - (shape.count - a.count)]
            let y = dim < shape.count - b.count ? 1 : b[dim - (shape.count - b.count)]
            guard x == y || x == 1 || y == 1, shape[dim] == (x == 1 ? y : x) else { return false }
        }
        return true
    }
}
