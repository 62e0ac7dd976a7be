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

#define FLINT_CACHE_LINE 128
#define FLINT_SPIN_NS 50000

/* One worker's mailbox. The caller fills the job fields and then bumps `seq`; the worker runs the job
 * and decrements the pool's `pending`. A worker's fields are only rewritten after it finished its
 * previous job, because the owning call waits for `pending == 0` before it returns. */
typedef struct flint_worker {
    _Alignas(FLINT_CACHE_LINE) atomic_ulong seq;
    atomic_int sleeping;
    int index;
    flint_parallel_body body;
    void *ctx;
    int64_t begin, end;
    struct flint_pool *pool;
    pthread_t thread;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
} flint_worker;

struct flint_pool {
    _Alignas(FLINT_CACHE_LINE) atomic_int pending;
    _Alignas(FLINT_CACHE_LINE) atomic_int busy;
    atomic_int shutdown;
    int threads;
    int started;
    flint_worker *workers;
};

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

static void *worker_main(void *arg) {
    flint_worker *w = (flint_worker *)arg;
    flint_pool *pool = w->pool;
    unsigned long seen = 0;
    for (;;) {
        unsigned long s = atomic_load_explicit(&w->seq, memory_order_acquire);
        if (s == seen) {
            uint64_t start = now_ns();
            for (unsigned spins = 1;; ++spins) {
                cpu_relax();
                s = atomic_load_explicit(&w->seq, memory_order_acquire);
                if (s != seen) break;
                if ((spins & 63) == 0 && now_ns() - start > FLINT_SPIN_NS) break;
            }
        }
        if (s == seen) {
            pthread_mutex_lock(&w->mutex);
            atomic_store(&w->sleeping, 1);
            while ((s = atomic_load(&w->seq)) == seen) pthread_cond_wait(&w->cond, &w->mutex);
            atomic_store(&w->sleeping, 0);
            pthread_mutex_unlock(&w->mutex);
        }
        seen = s;
        if (atomic_load_explicit(&pool->shutdown, memory_order_acquire)) break;
        w->body(w->ctx, w->begin, w->end, w->index);
        atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_acq_rel);
    }
    return NULL;
}

/* Publishes the worker's filled-in job. seq_cst store + load pair with the worker's seq_cst
 * `sleeping` store + `seq` load, so either we see it asleep and signal under its mutex, or it sees
 * the new seq before waiting. */
static void wake(flint_worker *w) {
    atomic_fetch_add(&w->seq, 1);
    if (atomic_load(&w->sleeping)) {
        pthread_mutex_lock(&w->mutex);
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->mutex);
    }
}

int flint_pool_default_threads(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) return 1;
    if (n > 1024) return 1024;
    return (int)n;
}

flint_pool *flint_pool_create(int threads) {
    if (threads <= 0) threads = flint_pool_default_threads();
    void *pmem = NULL;
    if (posix_memalign(&pmem, FLINT_CACHE_LINE, sizeof(flint_pool)) != 0) return NULL;
    flint_pool *pool = (flint_pool *)pmem;
    memset(pool, 0, sizeof(*pool));
    atomic_init(&pool->pending, 0);
    atomic_init(&pool->busy, 0);
    atomic_init(&pool->shutdown, 0);
    pool->threads = threads;
    if (threads == 1) return pool;
    void *mem = NULL;
    if (posix_memalign(&mem, FLINT_CACHE_LINE, sizeof(flint_worker) * (size_t)(threads - 1)) != 0) {
        free(pool);
        return NULL;
    }
    pool->workers = (flint_worker *)mem;
    for (int i = 0; i < threads - 1; ++i) {
        flint_worker *w = &pool->workers[i];
        atomic_init(&w->seq, 0);
        atomic_init(&w->sleeping, 0);
        w->index = i + 1;
        w->body = NULL;
        w->ctx = NULL;
        w->begin = w->end = 0;
        w->pool = pool;
        pthread_mutex_init(&w->mutex, NULL);
        pthread_cond_init(&w->cond, NULL);
    }
    for (int i = 0; i < threads - 1; ++i) {
        if (pthread_create(&pool->workers[i].thread, NULL, worker_main, &pool->workers[i]) != 0) break;
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
    for (int i = 0; i < pool->started; ++i) wake(&pool->workers[i]);
    for (int i = 0; i < pool->started; ++i) pthread_join(pool->workers[i].thread, NULL);
    for (int i = 0; i < pool->threads - 1 && pool->workers; ++i) {
        pthread_mutex_destroy(&pool->workers[i].mutex);
        pthread_cond_destroy(&pool->workers[i].cond);
    }
    free(pool->workers);
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
    int64_t base = count / chunks, extra = count % chunks;
    atomic_store_explicit(&pool->pending, (int)(chunks - 1), memory_order_relaxed);
    int64_t begin0_end = base + (extra > 0 ? 1 : 0);
    int64_t pos = begin0_end;
    for (int64_t c = 1; c < chunks; ++c) {
        int64_t len = base + (c < extra ? 1 : 0);
        flint_worker *w = &pool->workers[c - 1];
        w->body = body;
        w->ctx = ctx;
        w->begin = pos;
        w->end = pos + len;
        pos += len;
        wake(w);
    }
    body(ctx, 0, begin0_end, 0);
    if (atomic_load_explicit(&pool->pending, memory_order_acquire) != 0) {
        uint64_t start = now_ns();
        for (unsigned spins = 1; atomic_load_explicit(&pool->pending, memory_order_acquire) != 0; ++spins) {
            cpu_relax();
            if ((spins & 255) == 0 && now_ns() - start > FLINT_SPIN_NS) sched_yield();
        }
    }
    atomic_store_explicit(&pool->busy, 0, memory_order_release);
}
