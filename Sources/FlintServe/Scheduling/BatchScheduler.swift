/// Dynamic batching settings from `config.pbtxt`'s `dynamic_batching` block.
package struct BatchingPolicy: Sendable, Equatable {
    package var maxBatchSize: Int
    /// Batch sizes to dispatch at as soon as they can be formed, ascending.
    package var preferredBatchSizes: [Int]
    /// How long the oldest queued request may wait for others to join it.
    package var maxQueueDelay: Duration
}

/// One request waiting for a model instance: its inputs (ordered by position), how many batch rows it
/// brings (nil for a model that does not batch), and what must match for it to share a forward call.
package struct ScheduledJob: Sendable {
    package var inputs: [WireTensor]
    package var rows: Int?
    package var arrival: ContinuousClock.Instant

    /// Requests merge only when every input has the same datatype and the same non-batch dimensions.
    package var mergeKey: [MergeKeyPart] {
        inputs.map { MergeKeyPart(datatype: $0.datatype, innerShape: Array($0.shape.dropFirst())) }
    }

    package struct MergeKeyPart: Hashable, Sendable {
        var datatype: WireDataType
        var innerShape: [Int]
    }
}

/// Runs a group of jobs on one model instance and returns one result per job, in order.
package typealias BatchExecutor = @Sendable (_ instance: Int, _ jobs: [ScheduledJob]) async -> [Result<[WireTensor], any Error>]

/// The per-model queue in front of the model's instances.
///
/// - Bounded: at most `queueLimit` requests wait; beyond that `submit` throws `unavailable` at once, so
///   memory cannot grow with load.
/// - Bounded concurrency: one forward call per instance at a time.
/// - With a ``BatchingPolicy``, a free instance takes the oldest request and every later one that can
///   merge with it (same datatypes and non-batch shape), up to `max_batch_size` rows; it dispatches at
///   once when that fills the batch or reaches a preferred size, and otherwise waits until the oldest
///   request has waited `max_queue_delay`. Requests that cannot merge wait for their own batch.
/// - ``drain()`` dispatches everything queued without waiting out delays, then refuses new work.
package actor BatchScheduler {
    private struct Pending {
        let job: ScheduledJob
        let continuation: CheckedContinuation<[WireTensor], any Error>
    }

    private let modelName: String
    private let policy: BatchingPolicy?
    private let queueLimit: Int
    private let execute: BatchExecutor
    private let onDispatch: @Sendable (_ batchRows: Int, _ queueTimes: [Duration]) -> Void
    private var queue: [Pending] = []
    private var idleInstances: [Int]
    private let instanceCount: Int
    private var wakeUpAt: ContinuousClock.Instant?
    private var draining = false
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []

    package init(
        modelName: String, instances: Int, policy: BatchingPolicy?, queueLimit: Int,
        onDispatch: @escaping @Sendable (_ batchRows: Int, _ queueTimes: [Duration]) -> Void = { _, _ in },
        execute: @escaping BatchExecutor
    ) {
        self.modelName = modelName
        self.policy = policy
        self.queueLimit = max(queueLimit, 1)
        self.execute = execute
        self.onDispatch = onDispatch
        self.instanceCount = max(instances, 1)
        self.idleInstances = Array((0..<max(instances, 1)).reversed())
    }

    /// Queues a job and waits for its own outputs. Throws `unavailable` when the queue is full or the
    /// scheduler has drained, and whatever the model threw for the batch the job ran in.
    package func submit(_ job: ScheduledJob) async throws -> [WireTensor] {
        if draining {
            throw ServeError.unavailable("model '\(modelName)' is shutting down and takes no new requests")
        }
        if queue.count >= queueLimit {
            throw ServeError.unavailable("model '\(modelName)' has \(queue.count) requests queued, its limit; retry later")
        }
        return try await withCheckedThrowingContinuation { continuation in
            queue.append(Pending(job: job, continuation: continuation))
            dispatch()
        }
    }

    /// Requests waiting for an instance.
    package var queuedCount: Int { queue.count }

    /// Stops taking new requests, runs every queued one at once (no batching delay), and returns when all
    /// have been answered.
    package func drain() async {
        draining = true
        dispatch()
        if queue.isEmpty && idleInstances.count == instanceCount { return }
        await withCheckedContinuation { drainWaiters.append($0) }
    }

    private func dispatch() {
        while !idleInstances.isEmpty, !queue.isEmpty {
            let now = ContinuousClock.now
            guard let picked = pickBatch(now: now) else {
                scheduleWakeUp()
                return
            }
            let instance = idleInstances.removeLast()
            var taken: [Pending] = []
            for index in picked.reversed() { taken.append(queue.remove(at: index)) }
            taken.reverse()
            onDispatch(taken.reduce(0) { $0 + ($1.job.rows ?? 1) }, taken.map { now - $0.job.arrival })
            Task { await self.run(taken, on: instance) }
        }
    }

    private func run(_ batch: [Pending], on instance: Int) async {
        let results = await execute(instance, batch.map(\.job))
        for (pending, result) in zip(batch, results) { pending.continuation.resume(with: result) }
        if results.count < batch.count {
            for pending in batch[results.count...] {
                pending.continuation.resume(throwing: ServeError(.internal, "model '\(modelName)' returned no result for a request"))
            }
        }
        idleInstances.append(instance)
        dispatch()
        if queue.isEmpty && idleInstances.count == instanceCount && !drainWaiters.isEmpty {
            let waiters = drainWaiters
            drainWaiters = []
            for waiter in waiters { waiter.resume() }
        }
    }

    /// Indices (ascending) of the queued requests to run next, or nil to wait for more.
    private func pickBatch(now: ContinuousClock.Instant) -> [Int]? {
        let oldest = queue[0].job
        guard let policy, let firstRows = oldest.rows else { return [0] }
        let key = oldest.mergeKey
        var picked = [0]
        var prefixRows = [firstRows]
        var rows = firstRows
        for index in queue.indices.dropFirst() where rows < policy.maxBatchSize {
            let job = queue[index].job
            guard let jobRows = job.rows, rows + jobRows <= policy.maxBatchSize, job.mergeKey == key else { continue }
            picked.append(index)
            rows += jobRows
            prefixRows.append(rows)
        }
        if rows >= policy.maxBatchSize { return picked }
        if let preferred = policy.preferredBatchSizes.last(where: { prefixRows.contains($0) }) {
            let count = prefixRows.firstIndex(of: preferred)! + 1
            return Array(picked.prefix(count))
        }
        if draining || policy.maxQueueDelay <= .zero || now >= oldest.arrival + policy.maxQueueDelay { return picked }
        return nil
    }

    private func scheduleWakeUp() {
        guard let policy, let oldest = queue.first?.job else { return }
        let deadline = oldest.arrival + policy.maxQueueDelay
        if let wakeUpAt, wakeUpAt <= deadline { return }
        wakeUpAt = deadline
        Task {
            try? await Task.sleep(until: deadline, clock: .continuous)
            self.wake(for: deadline)
        }
    }

    private func wake(for deadline: ContinuousClock.Instant) {
        if wakeUpAt == deadline { wakeUpAt = nil }
        dispatch()
    }
}
