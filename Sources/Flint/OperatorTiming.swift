import FlintOperators
import FlintRuntime

/// The operator survey `flint inspect --ops` prints (every operator a model calls, with support).
package typealias OperatorSurvey = FlintRuntime.OperatorSurvey

/// Time per operator (and per plan step) for `flint bench --profile`.
package enum OperatorTiming {
    /// Turns timing on for programs compiled and plans run from now on.
    package static func enable() { OperatorProfiler.enable() }
    /// Forgets what was recorded (after warm-up).
    package static func reset() { OperatorProfiler.reset() }
    /// Totals per operator, longest first. `record_function` ranges are entries too (``isRange(_:)``).
    package static func report() -> [(operation: String, calls: Int, seconds: Double)] { OperatorProfiler.report() }
    /// Whether an entry is a `record_function` range (`record_function: encoder`), whose time includes the operators
    /// it encloses.
    package static func isRange(_ operation: String) -> Bool { operation.hasPrefix(OperatorProfiler.rangePrefix) }
}
