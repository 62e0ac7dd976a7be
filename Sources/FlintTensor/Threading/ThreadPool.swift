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

    /// Runs `body.run(range, thread:)` over `0..<count` split into at most ``threadCount`` chunks of at least
    /// `minimumPerThread` iterations; the first chunk runs on the calling thread. Allocates nothing: the body
    /// stays on the caller's stack and the workers reach it through a pointer.
    public func parallelFor<Body: ParallelLoopBody>(_ count: Int, minimumPerThread: Int, _ body: Body) {
        guard count > 0 else { return }
        if threadCount == 1 || count < 2 * Swift.max(minimumPerThread, 1) {
            body.run(0..<count, thread: 0)
            return
        }
        withUnsafePointer(to: body) { pointer in
            // The body's type travels as an existential metatype (two words), so the C callback, which cannot be
            // generic, opens it and calls the body's own `run`.
            var job = ParallelJob(body: UnsafeRawPointer(pointer), type: Body.self)
            withUnsafeMutablePointer(to: &job) { job in
                flint_parallel_for(raw, Int64(count), Int64(minimumPerThread), { context, begin, end, thread in
                    let job = context!.assumingMemoryBound(to: ParallelJob.self)
                    runChunk(job.pointee.type, job.pointee.body, Int(begin)..<Int(end), Int(thread))
                }, job)
            }
        }
    }

    /// Runs `body(range, threadIndex)` over `0..<count` as ``parallelFor(_:minimumPerThread:_:)-(_,_,Body)``
    /// does. Handing a closure to other threads costs one small heap allocation per call that uses more than
    /// one thread (Swift boxes it to check it did not escape); a kernel on a model's steady path passes a
    /// ``ParallelLoopBody`` struct instead.
    public func parallelFor(_ count: Int, minimumPerThread: Int, _ body: (Range<Int>, Int) -> Void) {
        guard count > 0 else { return }
        if threadCount == 1 || count < 2 * Swift.max(minimumPerThread, 1) {
            body(0..<count, 0)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            parallelFor(count, minimumPerThread: minimumPerThread, ClosureLoopBody(body: escapable))
        }
    }
}

/// A parallel loop's body as a value: ``ThreadPool/parallelFor(_:minimumPerThread:_:)-(_,_,Body)`` calls
/// `run(_:thread:)` once per chunk, on the calling thread and on workers at the same time, each with its own
/// range of iterations and thread index (`0 ..< threadCount`, 0 on the calling thread). A struct holding the
/// loop's pointers and sizes runs with no heap allocation.
public protocol ParallelLoopBody {
    func run(_ range: Range<Int>, thread: Int)
}

private struct ClosureLoopBody: ParallelLoopBody {
    let body: (Range<Int>, Int) -> Void
    func run(_ range: Range<Int>, thread: Int) { body(range, thread) }
}

/// One parallel loop, as the C pool's callback finds it through its context pointer.
private struct ParallelJob {
    let body: UnsafeRawPointer
    let type: any ParallelLoopBody.Type
}

/// Calls the body at `body` (a `Body`) for one chunk; `type` is opened to `Body`.
private func runChunk<Body: ParallelLoopBody>(_ type: Body.Type, _ body: UnsafeRawPointer, _ range: Range<Int>, _ thread: Int) {
    body.assumingMemoryBound(to: Body.self).pointee.run(range, thread: thread)
}
