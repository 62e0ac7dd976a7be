#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// Operators that mark or ask about the running process rather than compute: `torch.autograd.profiler.
    /// record_function` ranges (`profiler::_record_function_enter_new` / `_exit`, the legacy tensor-handle forms, and
    /// the end callbacks on a future), `debug_mode_ops::annotate`, `has_torch_function` and `_get_cpu_capability`.
    ///
    /// A `record_function` range is timed into ``OperatorProfiler`` (`flint bench --profile` lists it as
    /// `record_function: <name>`) when profiling is on, and costs nothing otherwise. A method traced into a graph
    /// runs without its ranges.
    mutating func defineRuntimeEnvironmentOperators() {
        define("profiler::_record_function_enter_new") { c in
            .object(TorchBindClass.recordFunction.object(holding: RecordFunctionRange(name: try c.string(0, "name"))))
        }
        define("profiler::_record_function_exit._RecordFunction") { c in
            try Self.recordFunctionRange(c[0]).end()
            return .none
        }
        // The legacy forms hand the range out as a tensor: a 0-dimensional int64 handle into the open ranges.
        define("profiler::_record_function_enter") { c in
            .tensor(Tensor(scalar: Int64(RecordFunctionRange.open(name: try c.string(0, "name")))))
        }
        define("profiler::_record_function_exit") { c in
            try RecordFunctionRange.close(handle: Self.recordFunctionHandle(c.tensor(0, "handle")))
            return .none
        }
        // Futures are their values here (nothing runs asynchronously): the range ends now, and the future is returned.
        define("profiler::_call_end_callbacks_on_jit_fut._RecordFunction") { c in
            try Self.recordFunctionRange(c[0]).end()
            return c[1]
        }
        define("profiler::_call_end_callbacks_on_jit_fut") { c in
            try RecordFunctionRange.close(handle: Self.recordFunctionHandle(c.tensor(0, "x")))
            return c[1]
        }
        // DebugMode's annotations only mark its log; without it they do nothing.
        define("debug_mode_ops::annotate") { c in _ = try c.string(0, "tag"); return .none }
        // TorchScript has no __torch_function__ overrides.
        define("aten::has_torch_function") { _ in .bool(false) }
        define("aten::_get_cpu_capability") { _ in .string(KernelISA.atenCapability) }
    }

    private static func recordFunctionHandle(_ tensor: Tensor) throws -> Int {
        guard tensor.elementCount == 1, let handle = Int(exactly: try tensor.item()) else {
            throw OperatorError("expected a record_function handle (a one-element integer tensor), got a tensor of shape \(tensor.shape)")
        }
        return handle
    }

    private static func recordFunctionRange(_ value: ScriptValue) throws -> RecordFunctionRange {
        guard let range = value.object?.native as? RecordFunctionRange else {
            throw OperatorError("expected a torch.classes.profiler._RecordFunction, got \(value.kindName)")
        }
        return range
    }
}

/// One `record_function` range: its name and, when ``OperatorProfiler`` is on, when it began.
final class RecordFunctionRange: @unchecked Sendable {
    let name: String
    private let start: Double?
    private var ended = false
    /// The legacy forms' open ranges, by handle; a model that never closes its ranges keeps at most this many.
    private static let openLimit = 4096
    private static let lock = Lock()
    nonisolated(unsafe) private static var openByHandle: [Int: RecordFunctionRange] = [:]
    nonisolated(unsafe) private static var nextHandle = 1

    init(name: String) {
        self.name = name
        start = OperatorProfiler.isEnabled ? OperatorProfiler.now() : nil
    }

    /// Ends the range (once; a second end does nothing, as libtorch's).
    func end() {
        guard Self.lock.withLock({ () -> Bool in
            defer { ended = true }
            return !ended
        }) else { return }
        if let start { OperatorProfiler.record(OperatorProfiler.rangePrefix + name, seconds: OperatorProfiler.now() - start) }
    }

    /// Opens a range the legacy operators refer to by a number.
    static func open(name: String) -> Int {
        let range = RecordFunctionRange(name: name)
        return lock.withLock {
            defer { nextHandle += 1 }
            if openByHandle.count >= openLimit, let oldest = openByHandle.keys.min() { openByHandle[oldest] = nil }
            openByHandle[nextHandle] = range
            return nextHandle
        }
    }

    static func close(handle: Int) throws {
        guard let range = lock.withLock({ openByHandle.removeValue(forKey: handle) }) else {
            throw OperatorError("record_function handle \(handle) is not an open range")
        }
        range.end()
    }
}
