#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

import FlintValues

/// Time spent in each operator, for `flint bench --profile`. Off unless ``enable()`` was called before
/// the program was compiled (compiled calls check a flag fixed at compile time, so the cost when off is
/// nothing).
package enum OperatorProfiler {
    nonisolated(unsafe) package static var isEnabled = false
    private static let lock = Lock()
    nonisolated(unsafe) private static var totals: [String: (calls: Int, seconds: Double)] = [:]

    /// Whether entries are split by the tensor arguments' shapes (`FLINT_PROFILE_SHAPES=1`).
    package static let withShapes = getenv("FLINT_PROFILE_SHAPES") != nil

    /// The prefix of a `record_function` range's entry (`record_function: encoder`).
    package static let rangePrefix = "record_function: "

    /// Turns profiling on for programs compiled from now on.
    package static func enable() { isEnabled = true }

    /// Forgets what was recorded (e.g. after warm-up).
    package static func reset() { lock.withLock { totals = [:] } }

    package static func record(_ operation: String, seconds: Double) {
        lock.withLock {
            let current = totals[operation] ?? (0, 0)
            totals[operation] = (current.calls + 1, current.seconds + seconds)
        }
    }

    /// Operators by total time, largest first.
    package static func report() -> [(operation: String, calls: Int, seconds: Double)] {
        lock.withLock { totals.map { ($0.key, $0.value.calls, $0.value.seconds) } }.sorted { $0.seconds > $1.seconds }
    }

    package static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
