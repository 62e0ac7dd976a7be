#ifndef FLINT_POOL_H
#define FLINT_POOL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A persistent intra-op thread pool. Opaque; create with `flint_pool_create`.
typedef struct flint_pool flint_pool;

/// The body of a parallel loop: processes iterations [begin, end).
/// `thread_index` is in [0, flint_pool_threads(pool)) and names the thread running the chunk: 0 is the
/// calling thread, 1... the workers. Within one `flint_parallel_for` call, chunks running at the same time
/// have different indices (one thread may run several chunks, one after another). It is NOT unique across
/// concurrent calls (a call that runs inline uses 0), so it must not index state shared between calls.
typedef void (*flint_parallel_body)(void *ctx, int64_t begin, int64_t end, int thread_index);

/// The number of online CPUs (at least 1).
int flint_pool_default_threads(void);

/// Creates a pool that runs loops on `threads` threads including the caller: it starts
/// `threads - 1` workers. `threads <= 0` means `flint_pool_default_threads()`; 1 gives a pool
/// with no workers that runs everything inline. Workers spin for about 50 µs after each loop
/// (so back-to-back small loops do not pay a wake-up) and then sleep on a condition variable.
/// Returns NULL if memory or threads cannot be obtained.
flint_pool *flint_pool_create(int threads);

/// A hint that loops are coming: wakes sleeping workers so that they spin (about 50 µs) instead of
/// paying a wake-up (tens of µs) at the next loop. Cheap when they are awake. Call it e.g. at the start
/// of a model's forward pass. Thread-safe; NULL is ignored.
void flint_pool_wake(flint_pool *pool);

/// Stops and joins the workers and frees the pool. NULL is ignored. No `flint_parallel_for` on
/// this pool may be running or start during or after the call.
void flint_pool_destroy(flint_pool *pool);

/// The number of threads a loop may use, including the caller (1 for a NULL pool).
int flint_pool_threads(const flint_pool *pool);

/// Runs `body` over [0, count): splits the range into `c` contiguous chunks of near-equal size, where
/// `c = min(flint_pool_threads(pool), count / max(min_per_thread, 1))` (at least 1), and returns when all
/// chunks are done (with their writes visible to the caller). The calling thread and the workers claim
/// chunks as they get to them, and the caller runs whatever nobody else has claimed, so a worker that is
/// asleep is never waited for (at worst it wakes, claims a chunk late and the loop ends later).
/// `c == 1` runs inline as `body(ctx, 0, count, 0)` with no synchronisation. `count <= 0` does nothing.
/// A NULL pool runs `body(ctx, 0, count, 0)`.
///
/// Thread safety: any number of OS threads may call this on the same pool at once. One call at a time
/// owns the workers; a call that finds them owned (another thread's loop, or a nested call from inside a
/// body) runs its whole range inline on its own thread as `body(ctx, 0, count, 0)`. So nested use never
/// deadlocks, and concurrent callers never wait for each other.
void flint_parallel_for(flint_pool *pool, int64_t count, int64_t min_per_thread,
                        flint_parallel_body body, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
