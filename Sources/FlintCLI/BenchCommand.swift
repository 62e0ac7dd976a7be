import ArgumentParser
import Flint

/// `flint bench MODEL [--method NAME] [--input SPEC]... [--inputs IN.npz] [--warmup N] [--iters N] [--threads N] [--json]`.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time a method of a TorchScript archive: load once, warm up, then time each iteration.")

    @OptionGroup var invocation: ModelInvocation

    @Option(name: .long, help: "Untimed iterations before timing.")
    var warmup = 5

    @Option(name: .long, help: "Timed iterations.")
    var iters = 50

    @Flag(name: .long, help: "Print one JSON object on the last line of stdout.")
    var json = false

    @Flag(name: .long, help: "Also report the time spent in each operator over the timed iterations (adds a little overhead).")
    var profile = false

    func validate() throws {
        if warmup < 0 { throw ValidationError("--warmup must not be negative") }
        if iters < 1 { throw ValidationError("--iters must be at least 1") }
    }

    func run() throws {
        if profile { OperatorTiming.enable() }
        let loadStart = monotonicSeconds()
        let call = try invocation.prepare(for: Self.self)
        let loadMilliseconds = (monotonicSeconds() - loadStart) * 1000
        var times: [Double] = []
        // Room for every time up front: the timed loop allocates nothing of its own (allocation counts per inference).
        times.reserveCapacity(iters)
        // The first call's time: it also records, optimises and plans the method for these inputs.
        var firstCallMilliseconds = 0.0
        do {
            defer { Progress.shared.finish() }
            for i in 0..<warmup {
                if i == 0 || i % 16 == 0 { Progress.shared.update("warm-up \(i + 1)/\(warmup)", restart: i == 0) }
                let start = monotonicSeconds()
                try call.runDiscardingResult()
                if i == 0 { firstCallMilliseconds = (monotonicSeconds() - start) * 1000 }
            }
            OperatorTiming.reset()
            var lastStatus = -1.0
            for i in 0..<iters {
                // The status text (a median over the times so far) is refreshed at most five times a second.
                if i == 0 || monotonicSeconds() - lastStatus > 0.2 {
                    Progress.shared.update("iteration \(i + 1)/\(iters)" + (times.isEmpty ? "" : ", median \(fixed(Self.median(times), 3)) ms"), restart: i == 0)
                    lastStatus = monotonicSeconds()
                }
                let start = monotonicSeconds()
                try call.runDiscardingResult()
                times.append((monotonicSeconds() - start) * 1000)
                if warmup == 0 && i == 0 { firstCallMilliseconds = times[0] }
            }
        } catch let error as FlintError {
            throw CommandFailure(message: error.message)
        }
        let sorted = times.sorted()
        func percentile(_ p: Double) -> Double {
            let rank = p * Double(sorted.count - 1)
            let low = Int(rank.rounded(.down))
            let high = min(low + 1, sorted.count - 1)
            return sorted[low] + (sorted[high] - sorted[low]) * (rank - Double(low))
        }
        let threads = ThreadPool.shared.threadCount
        let figures: [(String, Double)] = [
            ("median_ms", percentile(0.5)), ("p90_ms", percentile(0.9)), ("min_ms", sorted[0]), ("max_ms", sorted[sorted.count - 1]),
            ("mean_ms", times.reduce(0, +) / Double(times.count)), ("load_ms", loadMilliseconds), ("first_call_ms", firstCallMilliseconds),
            ("peak_rss_mb", peakResidentMegabytes()),
        ]
        if profile {
            let entries = OperatorTiming.report()
            // Shares of the operators' time: a record_function range encloses operators already counted.
            let total = entries.filter { !OperatorTiming.isRange($0.operation) }.reduce(0) { $0 + $1.seconds }
            print("operator time over \(iters) iterations (per iteration):")
            for entry in entries.prefix(25) {
                let perIteration = entry.seconds * 1000 / Double(iters)
                let share = total > 0 ? entry.seconds / total * 100 : 0
                print("  " + pad(fixed(perIteration, 3), 8) + " ms " + pad(fixed(share, 1), 5) + "%  " + pad(String(entry.calls / iters), 6) + " calls  " + entry.operation)
            }
        }
        if json {
            var members: [(String, JSON)] = [("model", .string(invocation.model)), ("method", .string(invocation.method))]
            members += figures.map { ($0.0, .double(($0.1 * 1000).rounded() / 1000)) }
            members += [("iters", .int(iters)), ("warmup", .int(warmup)), ("threads", .int(threads))]
            print(JSON.object(members).serialized)
        } else {
            print("model    \(invocation.model)")
            print("method   \(invocation.method)   threads \(threads)   warmup \(warmup)   iters \(iters)")
            for (name, value) in figures {
                print(name.padding(12) + formatted(value))
            }
        }
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    private func formatted(_ value: Double) -> String {
        let scaled = (value * 1000).rounded() / 1000
        return String(scaled)
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(1, width - count)) }
}
