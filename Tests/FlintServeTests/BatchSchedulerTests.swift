@testable import FlintServe
import Foundation
import Synchronization
import Testing

/// The dynamic batcher in-process, with an executor that records the batches it is given.
@Suite struct BatchSchedulerTests {
    final class Recorder: Sendable {
        let batches = Mutex<[[Int]]>([])
        var all: [[Int]] { batches.withLock { $0 } }
    }

    /// A job of `rows` rows of `width` FP32 values, each value its tag (so a result names its request).
    static func job(tag: Int, rows: Int = 1, width: Int = 2) -> ScheduledJob {
        let values = [Float](repeating: Float(tag), count: rows * width)
        let tensor = WireTensor(name: "INPUT__0", datatype: .fp32, shape: [rows, width], bytes: values.withUnsafeBytes { Array($0) })
        return ScheduledJob(inputs: [tensor], rows: rows, arrival: .now)
    }

    /// Echoes inputs back: merges them as the server does, then splits the "outputs" (the merged input).
    static func echo(_ recorder: Recorder, delay: Duration = .zero) -> BatchExecutor {
        { _, jobs in
            recorder.batches.withLock { $0.append(jobs.map { Int(floats($0.inputs[0].bytes).first ?? -1) }) }
            if delay > .zero { try? await Task.sleep(for: delay) }
            do {
                let merged = try BatchAssembly.arguments(for: jobs)
                let tensor = try merged[0].toTensor()
                return try BatchAssembly.split([tensor], names: ["OUTPUT__0"], among: jobs, model: "echo").map { .success($0) }
            } catch {
                return jobs.map { _ in .failure(error) }
            }
        }
    }

    @Test func concurrentRequestsMergeUpToMaxBatchAndEachGetsItsOwnRows() async throws {
        let recorder = Recorder()
        let policy = BatchingPolicy(maxBatchSize: 4, preferredBatchSizes: [], maxQueueDelay: .milliseconds(50))
        let scheduler = BatchScheduler(modelName: "echo", instances: 1, policy: policy, queueLimit: 100, execute: Self.echo(recorder))
        let results = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for tag in 1...8 {
                group.addTask { (tag, floats(try await scheduler.submit(Self.job(tag: tag, rows: tag % 2 + 1))[0].bytes)) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for tag in 1...8 { #expect(results[tag] == [Float](repeating: Float(tag), count: (tag % 2 + 1) * 2), "request \(tag)") }
        let batches = recorder.all
        #expect(batches.count < 8, "\(batches)")
        #expect(batches.flatMap { $0 }.sorted() == Array(1...8))
    }

    @Test func differentInnerShapesAreNeverMerged() async throws {
        let recorder = Recorder()
        let policy = BatchingPolicy(maxBatchSize: 8, preferredBatchSizes: [], maxQueueDelay: .milliseconds(30))
        let scheduler = BatchScheduler(modelName: "echo", instances: 1, policy: policy, queueLimit: 100, execute: Self.echo(recorder))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for tag in 1...6 {
                group.addTask {
                    let width = tag % 2 == 0 ? 2 : 3
                    let output = try await scheduler.submit(Self.job(tag: tag, width: width))
                    #expect(output[0].shape == [1, width])
                }
            }
            try await group.waitForAll()
        }
        for batch in recorder.all {
            #expect(Set(batch.map { $0 % 2 }).count == 1, "mixed widths in \(batch)")
        }
    }

    @Test func aFullQueueRefusesAtOnceWithUnavailable() async throws {
        let recorder = Recorder()
        let scheduler = BatchScheduler(modelName: "echo", instances: 1, policy: nil, queueLimit: 2, execute: Self.echo(recorder, delay: .milliseconds(200)))
        let outcomes = await withTaskGroup(of: String.self) { group in
            for tag in 1...6 {
                group.addTask {
                    do {
                        _ = try await scheduler.submit(Self.job(tag: tag))
                        return "ok"
                    } catch let error as ServeError {
                        return error.kind == .unavailable ? "unavailable" : "other"
                    } catch { return "other" }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "ok" }.count == 3)
        #expect(outcomes.filter { $0 == "unavailable" }.count == 3)
    }

    @Test func drainAnswersQueuedRequestsWithoutWaitingOutTheDelayThenRefuses() async throws {
        let recorder = Recorder()
        let policy = BatchingPolicy(maxBatchSize: 8, preferredBatchSizes: [], maxQueueDelay: .seconds(600))
        let scheduler = BatchScheduler(modelName: "echo", instances: 1, policy: policy, queueLimit: 100, execute: Self.echo(recorder))
        let pending = Task { try await scheduler.submit(Self.job(tag: 5)) }
        try await Task.sleep(for: .milliseconds(50))
        let start = ContinuousClock.now
        await scheduler.drain()
        // Far less than the 600 s delay (the margin absorbs a test process whose cooperative pool other suites block).
        #expect(ContinuousClock.now - start < .seconds(300))
        #expect(floats(try await pending.value[0].bytes) == [5, 5])
        await #expect(throws: ServeError.self) { try await scheduler.submit(Self.job(tag: 6)) }
    }

    @Test func preferredBatchSizeDispatchesWithoutWaiting() async throws {
        let recorder = Recorder()
        let policy = BatchingPolicy(maxBatchSize: 8, preferredBatchSizes: [2], maxQueueDelay: .seconds(600))
        let scheduler = BatchScheduler(modelName: "echo", instances: 1, policy: policy, queueLimit: 100, execute: Self.echo(recorder))
        let start = ContinuousClock.now
        async let first = scheduler.submit(Self.job(tag: 1))
        async let second = scheduler.submit(Self.job(tag: 2))
        _ = try await (first, second)
        // Far less than the 600 s delay (the margin absorbs a test process whose cooperative pool other suites block).
        #expect(ContinuousClock.now - start < .seconds(300))
        #expect(recorder.all.map { $0.sorted() } == [[1, 2]])
    }
}

