import CFlintKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The intra-op thread pool kernels run on: persistent workers that spin briefly before parking, so
/// back-to-back small operations never pay a thread wake-up. Defaults to one thread per core;
/// ``ThreadPool/setThreadCount(_:)`` (or the `FLINT_NUM_THREADS` environment variable) changes it.
public final class ThreadPool: @unchecked Sendable {
    let raw: OpaquePointer?
    /// Threads a parallel loop may use, the caller included.
    public let threadCount: Int

    private init(threads: Int) {
        raw = flint_pool_create(Int32(threads))
        threadCount = raw.map { Int(flint_pool_threads($0)) } ?? 1
    }

    deinit {
        flint_pool_destroy(raw)
    }

    nonisolated(unsafe) private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        return lock
    }()
    nonisolated(unsafe) private static var current: ThreadPool?

    /// The pool operations use now.
    public static var shared: ThreadPool {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if let current { return current }
        let fromEnvironment = getenv("FLINT_NUM_THREADS").flatMap { Int(String(cString: $0)) }
        let pool = ThreadPool(threads: fromEnvironment ?? Int(flint_pool_default_threads()))
        current = pool
        return pool
    }

    /// Replaces the shared pool with one of `count` threads (the caller included; at least 1). Operations
    /// already running finish on the old pool.
    public static func setThreadCount(_ count: Int) {
        let pool = ThreadPool(threads: Swift.max(1, count))
        pthread_mutex_lock(lock)
        current = pool
        pthread_mutex_unlock(lock)
    }

    /// Runs `body(range, threadIndex)` over `0..<count` split into at most ``threadCount`` chunks of at
    /// least `minimumPerThread` iterations; the first chunk runs on the calling thread.
    public func parallelFor(_ count: Int, minimumPerThread: Int, _ body: (Range<Int>, Int) -> Void) {
        guard count > 0 else { return }
        if threadCount == 1 || count < 2 * Swift.max(minimumPerThread, 1) {
            body(0..<count, 0)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            // Held in a struct field, the closure keeps its own representation (no reabstraction thunk, which
            // would be allocated on every call).
            var job = ParallelJob(body: escapable)
            withUnsafeMutablePointer(to: &job) { pointer in
                flint_parallel_for(raw, Int64(count), Int64(minimumPerThread), { context, begin, end, thread in
                    context!.assumingMemoryBound(to: ParallelJob.self).pointee.body(Int(begin)..<Int(end), Int(thread))
                }, pointer)
            }
        }
    }
}

/// One parallel loop's body, as the C pool's callback finds it through its context pointer.
private struct ParallelJob {
    let body: (Range<Int>, Int) -> Void
}
