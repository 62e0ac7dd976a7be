import Flint

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Times `Flint.load` to a ready object tree (root module, every submodule, the full state dict), and
/// measures how much resident memory loading adds before and after the weights are touched.
///
/// Usage: load-benchmark MODEL.pt [ITERATIONS]
/// Prints one JSON line: {"model", "iterations", "min_ms", "median_ms", "max_ms", "weights_mb",
/// "rss_growth_load_mb", "rss_growth_touched_mb"}.
let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: load-benchmark MODEL.pt [ITERATIONS]")
    exit(2)
}
let path = arguments[1]
let iterations = arguments.count > 2 ? Int(arguments[2]) ?? 50 : 50

func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) * 1e3 + Double(spec.tv_nsec) / 1e6
}

func residentMB() -> Double {
    #if os(Linux)
    let fd = open("/proc/self/statm", O_RDONLY)
    guard fd >= 0 else { return 0 }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 256)
    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard count > 0 else { return 0 }
    let fields = String(decoding: buffer[..<count], as: UTF8.self).split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return Double(pages * Int(sysconf(Int32(_SC_PAGESIZE)))) / 1_048_576
    #else
    return 0
    #endif
}

func loadReady() throws -> (Module, [(name: String, tensor: Tensor)]) {
    let module = try load(path)
    return (module, try module.stateDict())
}

do {
    _ = try loadReady()  // warm the page cache and the code paths
    var times: [Double] = []
    for _ in 0..<iterations {
        let start = now()
        let ready = try loadReady()
        times.append(now() - start)
        withExtendedLifetime(ready) {}
    }
    times.sort()

    let before = residentMB()
    let (module, state) = try loadReady()
    let afterLoad = residentMB()
    var checksum: UInt64 = 0
    var weightBytes = 0
    var seen = Set<ObjectIdentifier>()
    for (_, tensor) in state where seen.insert(ObjectIdentifier(tensor.storage)).inserted {
        let bytes = UnsafeRawBufferPointer(start: tensor.storage.base, count: tensor.storage.byteCount)
        weightBytes += bytes.count
        var index = 0
        while index < bytes.count {
            checksum &+= UInt64(bytes[index])
            index += 4096
        }
    }
    let afterTouch = residentMB()
    withExtendedLifetime(module) {}
    func fixed(_ value: Double) -> String { String(Double(Int(value * 1000)) / 1000) }
    print(
        "{\"model\": \"\(path)\", \"iterations\": \(iterations), \"min_ms\": \(fixed(times.first!)), "
            + "\"median_ms\": \(fixed(times[times.count / 2])), \"max_ms\": \(fixed(times.last!)), "
            + "\"weights_mb\": \(fixed(Double(weightBytes) / 1_048_576)), "
            + "\"rss_growth_load_mb\": \(fixed(afterLoad - before)), \"rss_growth_touched_mb\": \(fixed(afterTouch - before)), "
            + "\"checksum\": \(checksum)}")
} catch {
    print("error: \(error)")
    exit(1)
}
