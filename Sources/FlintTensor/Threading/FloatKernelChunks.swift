/// `kernel(source + first, target + first, count)` over chunks `first ..< first + count` of contiguous float32
/// buffers of one length (`source == target` works in place): the parallel body of every vector kernel of
/// the `(input, output, count)` form. Holding the kernel, it allocates nothing per call.
struct FloatKernelChunks: ParallelLoopBody {
    let kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void
    let source: UnsafePointer<Float>
    let target: UnsafeMutablePointer<Float>

    init(kernel: @escaping (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void, source: UnsafePointer<Float>, target: UnsafeMutablePointer<Float>) {
        (self.kernel, self.source, self.target) = (kernel, source, target)
    }

    init(kernel: @escaping (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void, source: UnsafeMutablePointer<Float>, target: UnsafeMutablePointer<Float>) {
        self.init(kernel: kernel, source: UnsafePointer(source), target: target)
    }

    func run(_ range: Range<Int>, thread: Int) {
        kernel(source + range.lowerBound, target + range.lowerBound, Int64(range.count))
    }
}
