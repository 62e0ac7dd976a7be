#if !defined(__APPLE__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include "flint_pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How it works. One call at a time owns the pool (`busy`). The owner writes the loop's parameters, then
 * publishes a job word = generation << 32 | chunk count << 16 | next unclaimed chunk. Every participant
 * (the caller included) claims chunks by compare-and-swap on that word, so a worker that is late (asleep,
 * descheduled) simply finds no chunk left and the caller has run it instead: a loop never waits for a
 * wake-up, only for chunks that are actually running. The caller returns when `done` reaches the chunk
 * count. A successful claim proves the generation is still current, so the parameters read after it
 * belong to that loop. Idle workers spin ~50 us on the job word, then sleep on a condition variable. */

#define FLINT_CACHE_LINE 128
#define FLINT_SPIN_NS 50000
#define FLINT_MAX_CHUNKS 0xFFFF

struct flint_pool {
    _Alignas(FLINT_CACHE_LINE) _Atomic uint64_t job;
    _Alignas(FLINT_CACHE_LINE) atomic_long done;
    _Alignas(FLINT_CACHE_LINE) atomic_int busy;
    atomic_int sleepers;
    atomic_int shutdown;
    atomic_uint pokes;
    flint_parallel_body body;
    void *ctx;
    int64_t count;
    uint32_t generation;
    int threads;
    int started;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    pthread_t *workers;
    struct worker_arg *args;
};

typedef struct worker_arg {
    flint_pool *pool;
    int index;
} worker_arg;

static inline uint32_t job_gen(uint64_t w) { return (uint32_t)(w >> 32); }
static inline uint32_t job_chunks(uint64_t w) { return (uint32_t)(w >> 16) & 0xFFFFu; }
static inline uint32_t job_next(uint64_t w) { return (uint32_t)w & 0xFFFFu; }

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause");
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Claims and runs chunks of the current job until none is left. Returns the generation it saw. */
static uint32_t run_chunks(flint_pool *pool, int thread_index) {
    uint64_t w = atomic_load_explicit(&pool->job, memory_order_acquire);
    while (job_next(w) < job_chunks(w)) {
        if (!atomic_compare_exchange_weak_explicit(&pool->job, &w, w + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        const int64_t c = job_next(w), chunks = job_chunks(w), count = pool->count;
        const int64_t base = count / chunks, extra = count % chunks;
        const int64_t begin = c * base + (c < extra ? c : extra);
        const int64_t end = begin + base + (c < extra ? 1 : 0);
        pool->body(pool->ctx, begin, end, thread_index);
        atomic_fetch_add_explicit(&pool->done, 1, memory_order_release);
        w = atomic_load_explicit(&pool->job, memory_order_acquire);
    }
    return job_gen(w);
}

static void *worker_main(void *varg) {
    const worker_arg *arg = (const worker_arg *)varg;
    flint_pool *pool = arg->pool;
    uint32_t seen = 0;
    unsigned poked = 0;
    for (;;) {
        if (atomic_load_explicit(&pool->shutdown, memory_order_acquire)) break;
        uint64_t w = atomic_load_explicit(&pool->job, memory_order_acquire);
        if (job_gen(w) != seen) {
            seen = run_chunks(pool, arg->index);
            continue;
        }
        const uint64_t start = now_ns();
        for (unsigned spins = 1; job_gen(w) == seen; ++spins) {
            cpu_relax();
            w = atomic_load_explicit(&pool->job, memory_order_acquire);
            if ((spins & 63) == 0 && now_ns() - start > FLINT_SPIN_NS) break;
        }
        if (job_gen(w) != seen) continue;
        pthread_mutex_lock(&pool->mutex);
        atomic_fetch_add(&pool->sleepers, 1);
        poked = atomic_load(&pool->pokes);
        while (job_gen(atomic_load(&pool->job)) == seen && !atomic_load(&pool->shutdown) &&
               atomic_load(&pool->pokes) == poked)
            pthread_cond_wait(&pool->cond, &pool->mutex);
        atomic_fetch_sub(&pool->sleepers, 1);
        pthread_mutex_unlock(&pool->mutex);
    }
    return NULL;
}

/* Publishes a job word. The seq_cst store and `sleepers` load pair with the sleeper's seq_cst increment
 * and job load under the mutex: either we see it asleep and broadcast, or it sees the new job. */
static void publish(flint_pool *pool, uint64_t w) {
    atomic_store(&pool->job, w);
    if (atomic_load(&pool->sleepers) > 0) {
        pthread_mutex_lock(&pool->mutex);
        pthread_cond_broadcast(&pool->cond);
        pthread_mutex_unlock(&pool->mutex);
    }
}

void flint_pool_wake(flint_pool *pool) {
    if (!pool || pool->threads <= 1 || atomic_load(&pool->sleepers) == 0) return;
    pthread_mutex_lock(&pool->mutex);
    atomic_fetch_add(&pool->pokes, 1);
    pthread_cond_broadcast(&pool->cond);
    pthread_mutex_unlock(&pool->mutex);
}

int flint_pool_default_threads(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) return 1;
    if (n > 1024) return 1024;
    return (int)n;
}

flint_pool *flint_pool_create(int threads) {
    if (threads <= 0) threads = flint_pool_default_threads();
    if (threads > FLINT_MAX_CHUNKS) threads = FLINT_MAX_CHUNKS;
    void *mem = NULL;
    if (posix_memalign(&mem, FLINT_CACHE_LINE, sizeof(flint_pool)) != 0) return NULL;
    flint_pool *pool = (flint_pool *)mem;
    memset(pool, 0, sizeof(*pool));
    atomic_init(&pool->job, 0);
    atomic_init(&pool->done, 0);
    atomic_init(&pool->busy, 0);
    atomic_init(&pool->sleepers, 0);
    atomic_init(&pool->shutdown, 0);
    atomic_init(&pool->pokes, 0);
    pool->threads = threads;
    pthread_mutex_init(&pool->mutex, NULL);
    pthread_cond_init(&pool->cond, NULL);
    if (threads == 1) return pool;
    pool->workers = (pthread_t *)calloc((size_t)threads, sizeof(pthread_t));
    pool->args = (worker_arg *)calloc((size_t)threads, sizeof(worker_arg));
    if (!pool->workers || !pool->args) {
        flint_pool_destroy(pool);
        return NULL;
    }
    for (int i = 0; i < threads - 1; ++i) {
        pool->args[i].pool = pool;
        pool->args[i].index = i + 1;
        if (pthread_create(&pool->workers[i], NULL, worker_main, &pool->args[i]) != 0) break;
        pool->started++;
    }
    if (pool->started != threads - 1) {
        flint_pool_destroy(pool);
        return NULL;
    }
    return pool;
}

void flint_pool_destroy(flint_pool *pool) {
    if (!pool) return;
    atomic_store(&pool->shutdown, 1);
    pool->generation++;
    publish(pool, (uint64_t)pool->generation << 32);
    for (int i = 0; i < pool->started; ++i) pthread_join(pool->workers[i], NULL);
    pthread_mutex_destroy(&pool->mutex);
    pthread_cond_destroy(&pool->cond);
    free(pool->workers);
    free(pool->args);
    free(pool);
}

int flint_pool_threads(const flint_pool *pool) { return pool ? pool->threads : 1; }

void flint_parallel_for(flint_pool *pool, int64_t count, int64_t min_per_thread,
                        flint_parallel_body body, void *ctx) {
    if (count <= 0) return;
    if (min_per_thread < 1) min_per_thread = 1;
    int64_t chunks = count / min_per_thread;
    if (!pool || chunks <= 1 || pool->threads <= 1) {
        body(ctx, 0, count, 0);
        return;
    }
    if (chunks > pool->threads) chunks = pool->threads;
    int expected = 0;
    if (!atomic_compare_exchange_strong_explicit(&pool->busy, &expected, 1, memory_order_acquire,
                                                 memory_order_relaxed)) {
        body(ctx, 0, count, 0);
        return;
    }
    pool->body = body;
    pool->ctx = ctx;
    pool->count = count;
    atomic_store_explicit(&pool->done, 0, memory_order_relaxed);
    pool->generation++;
    if (pool->generation == 0) pool->generation = 1;
    publish(pool, (uint64_t)pool->generation << 32 | (uint64_t)chunks << 16);
    run_chunks(pool, 0);
    if (atomic_load_explicit(&pool->done, memory_order_acquire) != chunks) {
        const uint64_t start = now_ns();
        for (unsigned spins = 1; atomic_load_explicit(&pool->done, memory_order_acquire) != chunks; ++spins) {
            cpu_relax();
            if ((spins & 255) == 0 && now_ns() - start > FLINT_SPIN_NS) sched_yield();
        }
    }
    atomic_store_explicit(&pool->busy, 0, memory_order_release);
}
