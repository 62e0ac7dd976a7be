import Flint

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Times Flint's kernels on the shapes of issue #3 beside a naive baseline, one JSON line per case:
/// {"case", "threads", "flint_ms", "naive_ms", "gflops"}. Compare with `python3 Benchmarks/kernels_torch.py`.
///
/// Usage: kernel-benchmark [THREADS] [REPEATS]
let threads = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 1 : 1
let repeats = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 9 : 9
ThreadPool.setThreadCount(threads)

func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) * 1e3 + Double(spec.tv_nsec) / 1e6
}

/// Median milliseconds of `body` over `repeats` runs after one warm-up.
func time(_ body: () throws -> Void) rethrows -> Double {
    try body()
    var samples: [Double] = []
    for _ in 0..<repeats {
        let start = now()
        try body()
        samples.append(now() - start)
    }
    samples.sort()
    return samples[samples.count / 2]
}

func random(_ shape: [Int]) throws -> Tensor {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    let values = (0..<shape.reduce(1, *)).map { _ -> Float in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(Int64(state >> 40) - (1 << 23)) / Float(1 << 23)
    }
    return try Tensor(shape: shape, scalars: values)
}

/// The plain triple loop, as a baseline.
func naiveMatmul(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for p in 0..<k {
            let x = a[i * k + p]
            for j in 0..<n { c[i * n + j] += x * b[p * n + j] }
        }
    }
    return c
}

func report(_ name: String, flops: Double, flint: Double, naive: Double?) {
    let naiveText = naive.map { String(format3($0)) } ?? "null"
    print("{\"case\": \"\(name)\", \"threads\": \(threads), \"flint_ms\": \(format3(flint)), \"naive_ms\": \(naiveText), \"gflops\": \(format3(flops / flint / 1e6))}")
}

func format3(_ value: Double) -> String { String(Double(Int(value * 1000)) / 1000) }

do {
    for (m, k, n, name) in [(512, 512, 512, "mm 512x512x512"), (128, 1024, 1024, "mm 128x1024x1024"), (256, 256, 256, "mm 256x256x256")] {
        let a = try random([m, k])
        let b = try random([k, n])
        let flint = try time { _ = try a.mm(b) }
        let av = try a.scalars(as: Float.self)
        let bv = try b.scalars(as: Float.self)
        let naive = m * n * k <= 1 << 27 ? time { _ = naiveMatmul(av, bv, m: m, k: k, n: n) } : nil
        report(name, flops: 2 * Double(m * n * k), flint: flint, naive: naive)
    }
    // Batch-1 linear layer: x[1, 768] · W[3072, 768]ᵀ, W as PyTorch stores it.
    let x = try random([1, 768])
    let w = try random([3072, 768])
    let gemv = try time { _ = try x.linear(weight: w, bias: nil) }
    let xv = try x.scalars(as: Float.self)
    let wt = try w.t().contiguous().scalars(as: Float.self)
    report("linear 1x768 -> 3072", flops: 2 * 768 * 3072, flint: gemv, naive: time { _ = naiveMatmul(xv, wt, m: 1, k: 768, n: 3072) })

    let convCases: [(String, [Int], [Int], Int, Int)] = [
        ("conv 3x3 64->64 56x56", [1, 64, 56, 56], [64, 64, 3, 3], 1, 1),
        ("conv 1x1 256->1024 14x14", [1, 256, 14, 14], [1024, 256, 1, 1], 0, 1),
        ("depthwise 3x3 144 56x56", [1, 144, 56, 56], [144, 1, 3, 3], 1, 144),
    ]
    for (name, inputShape, weightShape, padding, groups) in convCases {
        let input = try random(inputShape)
        let weight = try random(weightShape)
        let flint = try time { _ = try input.convolution(weight: weight, bias: nil, stride: [1], padding: [padding], dilation: [1], groups: groups) }
        let outputs = inputShape[2] * inputShape[3] * weightShape[0]
        let flops = 2 * Double(outputs * weightShape[1] * weightShape[2] * weightShape[3])
        report(name, flops: flops, flint: flint, naive: nil)
    }
} catch {
    print("error: \(error)")
    exit(1)
}

// Pool sanity: a compute-bound loop split over the pool.
do {
    let pool = ThreadPool.shared
    let n = 1 << 22
    let out = UnsafeMutablePointer<Double>.allocate(capacity: 8)
    let ms = time {
        pool.parallelFor(2, minimumPerThread: 1) { range, thread in
            var acc = 0.0
            for r in range { for i in 0..<(n / 2) { acc += Double(i &* (r + 1)).squareRoot() } }
            out[thread] = acc
        }
    }
    print("{\"case\": \"pool busy loop\", \"threads\": \(threads), \"pool_threads\": \(pool.threadCount), \"flint_ms\": \(format3(ms))}")
}
