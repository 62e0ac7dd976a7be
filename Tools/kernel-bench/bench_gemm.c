// SGEMM benchmark of CFlintKernels. Build exactly as SwiftPM compiles the target (no -m flags):
//   cc -std=c11 -O2 -pthread Sources/CFlintKernels/*.c Tools/kernel-bench/bench_gemm.c
//      -ISources/CFlintKernels/include -lm -o bench_gemm
// Usage: bench_gemm [--isa scalar|avx2|avx512|avx512-12x32|avx512-8x48] [--runs N] [--no-naive] [--only NAME] [--thresholds]
// Prints GFLOP/s (2*m*n*k / time): median and best of N runs (default 9), one and two threads, beside
// the naive triple loop. GEMV rows also give GB/s of weights streamed, cold (caches flushed before every
// call, pool workers awake) and warm.
// --thresholds times small square GEMMs and GEMVs on one and on two threads (threading forced on), to
// place the library's thresholds for going parallel.

#if !defined(__APPLE__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include "CFlintKernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Internal knobs of the library (flint_internal.h): thread thresholds in multiply-adds per thread. */
extern int64_t flint__gemm_macs_per_thread;
extern int64_t flint__gemv_macs_per_thread;

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static float *alloc_rand(size_t n) {
    float *p = NULL;
    if (posix_memalign((void **)&p, 64, n * sizeof(float) + 64) != 0) abort();
    for (size_t i = 0; i < n; ++i) p[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    return p;
}

/* A buffer larger than the L3 cache, written to evict everything else. */
static char *flush_buf;
static const size_t flush_bytes = 96u << 20;
static void flush_caches(void) {
    for (size_t i = 0; i < flush_bytes; i += 64) flush_buf[i]++;
}

typedef struct shape {
    const char *name;
    int64_t m, n, k;
    int64_t rsa, csa, rsb, csb; /* 0 = row-major default */
    int packed;                 /* 0 none, 1 packed B, 2 packed A */
    int cold;                   /* flush caches before every call */
} shape;

typedef struct op {
    const shape *s;
    float *a, *b, *c;
    void *packed;
    flint_pool *pool;
} op;

static void run_op(const op *o) {
    const shape *s = o->s;
    if (s->packed == 1)
        flint_sgemm_packed_b(o->pool, s->m, s->n, s->k, o->a, s->rsa, s->csa, o->packed, o->c, s->n, NULL);
    else if (s->packed == 2)
        flint_sgemm_packed_a(o->pool, s->m, s->n, s->k, o->packed, o->b, s->rsb, s->csb, o->c, s->n, NULL);
    else
        flint_sgemm(o->pool, s->m, s->n, s->k, o->a, s->rsa, s->csa, o->b, s->rsb, s->csb, o->c, s->n, NULL);
}

static void naive(const shape *s, const float *a, const float *b, float *c) {
    for (int64_t i = 0; i < s->m; ++i)
        for (int64_t j = 0; j < s->n; ++j) {
            float acc = 0;
            for (int64_t p = 0; p < s->k; ++p) acc += a[i * s->rsa + p * s->csa] * b[p * s->rsb + j * s->csb];
            c[i * s->n + j] = acc;
        }
}

/* Median and best seconds per call over `runs` runs, each run long enough to time well. */
static void time_it(const op *o, int runs, int is_naive, double *median, double *best) {
    double t[64];
    if (runs > 64) runs = 64;
    const shape *s = o->s;
    int reps = 1;
    if (!s->cold) {
        double t0 = now();
        if (is_naive) naive(s, o->a, o->b, o->c); else run_op(o);
        double one = now() - t0;
        reps = one > 0.02 ? 1 : (int)(0.02 / (one + 1e-9)) + 1;
        if (reps > 100000) reps = 100000;
    }
    for (int r = 0; r < runs; ++r) {
        double sum = 0;
        for (int i = 0; i < reps; ++i) {
            if (s->cold) {
                /* Flushing takes milliseconds, long enough for the workers to go to sleep: wake them and
                 * give them time to come up, so that the number is about cold caches, not wake-ups. */
                flush_caches();
                flint_pool_wake(o->pool);
                const double t1 = now();
                while (now() - t1 < 150e-6) {
                }
            }
            double t0 = now();
            if (is_naive) naive(s, o->a, o->b, o->c); else run_op(o);
            sum += now() - t0;
        }
        t[r] = sum / reps;
    }
    qsort(t, (size_t)runs, sizeof(double), cmp_double);
    *median = t[runs / 2];
    *best = t[0];
}

static void thresholds(int runs) {
    flint_pool *pool2 = flint_pool_create(2);
    const int64_t gemm_default = flint__gemm_macs_per_thread, gemv_default = flint__gemv_macs_per_thread;
    flint__gemm_macs_per_thread = 1;
    flint__gemv_macs_per_thread = 1;
    printf("threading thresholds (2 threads forced; library defaults: GEMM %lld, GEMV %lld MACs per thread)\n",
           (long long)gemm_default, (long long)gemv_default);
    printf("%-22s %10s %10s %10s %8s\n", "shape", "MACs", "1T us", "2T us", "2T/1T");
    static const int64_t sq[] = {32, 48, 64, 80, 96, 128, 160, 192, 256};
    static const int64_t gv[] = {64, 128, 192, 256, 384, 512, 768, 1024};
    for (int kind = 0; kind < 2; ++kind) {
        const int count = kind == 0 ? 9 : 8;
        for (int i = 0; i < count; ++i) {
            shape s;
            memset(&s, 0, sizeof(s));
            const int64_t d = kind == 0 ? sq[i] : gv[i];
            s.name = "";
            s.m = kind == 0 ? d : 1;
            s.n = d;
            s.k = d;
            s.rsa = s.k;
            s.csa = 1;
            if (kind == 0) {
                s.rsb = s.n;
                s.csb = 1;
            } else {
                s.rsb = 1;
                s.csb = s.k;
            }
            op o;
            o.s = &s;
            o.a = alloc_rand((size_t)(s.m * s.k));
            o.b = alloc_rand((size_t)(s.k * s.n));
            o.c = alloc_rand((size_t)(s.m * s.n));
            o.packed = NULL;
            double m1, b1, m2, b2;
            o.pool = NULL;
            time_it(&o, runs, 0, &m1, &b1);
            o.pool = pool2;
            time_it(&o, runs, 0, &m2, &b2);
            char name[64];
            snprintf(name, sizeof name, "%s %lldx%lldx%lld", kind == 0 ? "mm" : "gemv W^T", (long long)s.m,
                     (long long)s.k, (long long)s.n);
            printf("%-22s %10lld %10.2f %10.2f %7.2fx\n", name, (long long)(s.m * s.n * s.k), m1 * 1e6, m2 * 1e6,
                   m1 / m2);
            free(o.a);
            free(o.b);
            free(o.c);
        }
    }
    flint__gemm_macs_per_thread = gemm_default;
    flint__gemv_macs_per_thread = gemv_default;
    flint_pool_destroy(pool2);
}

int main(int argc, char **argv) {
    int runs = 9, do_naive = 1, do_thresholds = 0;
    const char *only = NULL;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--isa") && i + 1 < argc) {
            if (flint_kernels_force_isa(argv[++i]) != 0) {
                fprintf(stderr, "kernel set %s not available\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--thresholds")) {
            do_thresholds = 1;
        } else if (!strcmp(argv[i], "--no-naive")) {
            do_naive = 0;
        } else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
            only = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--isa NAME] [--runs N] [--no-naive] [--only NAME] [--thresholds]\n", argv[0]);
            return 2;
        }
    }
    if (runs < 1) runs = 1;
    if (do_thresholds) {
        thresholds(runs);
        return 0;
    }
    flush_buf = (char *)calloc(flush_bytes, 1);
    /* Row-major operands unless strides are given; B of the GEMV is a PyTorch Linear weight [3072, 768]
     * viewed transposed (row stride 1, column stride 768). */
    static const shape shapes[] = {
        {"mm 512x512x512", 512, 512, 512, 0, 0, 0, 0, 0, 0},
        {"mm 128x1024x1024", 128, 1024, 1024, 0, 0, 0, 0, 0, 0},
        {"mm 256x256x256", 256, 256, 256, 0, 0, 0, 0, 0, 0},
        {"mm 128x1024x1024 B^T", 128, 1024, 1024, 1024, 1, 1, 1024, 0, 0},
        {"conv1x1 256->1024 14x14", 1024, 196, 256, 0, 0, 0, 0, 0, 0},
        {"conv1x1 packed A", 1024, 196, 256, 0, 0, 0, 0, 2, 0},
        {"linear m=4 768->3072 W^T", 4, 3072, 768, 768, 1, 1, 768, 0, 0},
        {"linear m=6 768->3072 W^T", 6, 3072, 768, 768, 1, 1, 768, 0, 0},
        {"linear m=8 768->3072 W^T", 8, 3072, 768, 768, 1, 1, 768, 0, 0},
        {"linear m=8 cold", 8, 3072, 768, 768, 1, 1, 768, 0, 1},
        {"linear m=16 768->3072 W^T", 16, 3072, 768, 768, 1, 1, 768, 0, 0},
        {"linear m=64 768->3072 W^T", 64, 3072, 768, 768, 1, 1, 768, 0, 0},
        {"linear m=64 packed B", 64, 3072, 768, 768, 1, 1, 768, 1, 0},
        {"gemv 1x768x3072 W^T warm", 1, 3072, 768, 768, 1, 1, 768, 0, 0},
        {"gemv 1x768x3072 W^T cold", 1, 3072, 768, 768, 1, 1, 768, 0, 1},
        {"gemv 1x768x3072 packed cold", 1, 3072, 768, 768, 1, 1, 768, 1, 1},
        {"gemv 1x768x3072 B rowmaj cold", 1, 3072, 768, 0, 0, 0, 0, 0, 1},
        {"gemv 3072x768x1 A rowmaj cold", 3072, 1, 768, 0, 0, 0, 0, 0, 1},
    };
    flint_pool *pool2 = flint_pool_create(2);
    printf("kernels: %s   runs: %d (median / best)   threads available: %d\n", flint_kernels_isa(), runs,
           flint_pool_default_threads());
    printf("%-30s %17s %17s %7s %10s %9s\n", "shape (m x k x n)", "1T GFLOP/s", "2T GFLOP/s", "2T/1T",
           "naive", "1T ms");
    for (size_t si = 0; si < sizeof(shapes) / sizeof(shapes[0]); ++si) {
        shape s = shapes[si];
        if (only && !strstr(s.name, only)) continue;
        if (s.rsa == 0 && s.csa == 0) s.rsa = s.k, s.csa = 1;
        if (s.rsb == 0 && s.csb == 0) s.rsb = s.n, s.csb = 1;
        op o;
        o.s = &s;
        o.a = alloc_rand((size_t)(s.m * s.k));
        o.b = alloc_rand((size_t)(s.k * s.n));
        o.c = alloc_rand((size_t)(s.m * s.n));
        o.packed = NULL;
        if (s.packed == 1) {
            o.packed = malloc(flint_sgemm_pack_b_size(s.k, s.n));
            flint_sgemm_pack_b(s.k, s.n, o.b, s.rsb, s.csb, o.packed);
        } else if (s.packed == 2) {
            o.packed = malloc(flint_sgemm_pack_a_size(s.m, s.k));
            flint_sgemm_pack_a(s.m, s.k, o.a, s.rsa, s.csa, o.packed);
        }
        const double flops = 2.0 * (double)s.m * (double)s.n * (double)s.k;
        double med1, best1, med2, best2, medn = 0, bestn = 0;
        o.pool = NULL;
        time_it(&o, runs, 0, &med1, &best1);
        o.pool = pool2;
        time_it(&o, runs, 0, &med2, &best2);
        char nv[32] = "-";
        if (do_naive && !s.packed && !s.cold) {
            time_it(&o, runs < 3 ? runs : 3, 1, &medn, &bestn);
            snprintf(nv, sizeof nv, "%.2f", flops / medn * 1e-9);
        }
        printf("%-30s %8.1f /%7.1f %8.1f /%7.1f %6.2fx %10s %9.4f\n", s.name, flops / med1 * 1e-9,
               flops / best1 * 1e-9, flops / med2 * 1e-9, flops / best2 * 1e-9, med1 / med2, nv, med1 * 1e3);
        if (s.m == 1 || s.n == 1) {
            const double bytes = (double)s.m * (double)s.n * (double)s.k * 4.0;
            printf("%-30s %8.1f /%7.1f %8.1f /%7.1f   GB/s of weights; bound at 25 GB/s: %.3f ms\n", "",
                   bytes / med1 * 1e-9, bytes / best1 * 1e-9, bytes / med2 * 1e-9, bytes / best2 * 1e-9,
                   bytes / 25e9 * 1e3);
        }
        free(o.a);
        free(o.b);
        free(o.c);
        free(o.packed);
    }
    flint_pool_destroy(pool2);
    free(flush_buf);
    return 0;
}
