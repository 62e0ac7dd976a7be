// Self-test of CFlintKernels: SGEMM against a naive double-precision triple loop over many shapes,
// layouts, epilogues, paths (plain, packed A, packed B, GEMV), thread counts and every kernel set this
// CPU has; plus the thread pool. Build (as SwiftPM compiles the target):
//   cc -std=c11 -O2 -pthread Sources/CFlintKernels/*.c Tools/kernel-bench/test_gemm.c
//      -ISources/CFlintKernels/include -lm -o test_gemm
// Exit status 0 when everything passes. `test_gemm quick` runs a reduced shape sweep.

#if !defined(__APPLE__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include "CFlintKernels.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Internal knobs of the library (flint_internal.h): thread thresholds in multiply-adds per thread. */
extern int64_t flint__gemm_macs_per_thread;
extern int64_t flint__gemv_macs_per_thread;

static _Thread_local uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}
static float frand(void) { return (float)((double)rnd() / 4294967296.0 * 2.0 - 1.0); }

static long failures = 0, checks = 0;

/* ---- matrices with arbitrary strides ---------------------------------------------------------- */

enum { L_ROW, L_COL, L_ROW_PAD, L_COL_PAD, L_STEP2_ROW, L_STEP2_COL, L_FLIP_ROWS, L_FLIP_COLS, L_COUNT };
static const char *layout_name[L_COUNT] = {"row", "col", "rowpad", "colpad", "step2row", "step2col",
                                           "fliprows", "flipcols"};

typedef struct mat {
    float *buf;  /* allocation */
    float *base; /* element (0, 0) */
    int64_t rows, cols, rs, cs;
} mat;

static mat mat_make(int64_t rows, int64_t cols, int layout) {
    mat x;
    x.rows = rows;
    x.cols = cols;
    switch (layout) {
    case L_ROW: x.rs = cols; x.cs = 1; break;
    case L_COL: x.rs = 1; x.cs = rows; break;
    case L_ROW_PAD: x.rs = cols + 3; x.cs = 1; break;
    case L_COL_PAD: x.rs = 1; x.cs = rows + 5; break;
    case L_STEP2_ROW: x.rs = 2 * cols + 1; x.cs = 2; break; /* a [:, ::2] slice of a wider matrix */
    case L_STEP2_COL: x.rs = 2; x.cs = 2 * rows + 3; break; /* the same, transposed */
    case L_FLIP_ROWS: x.rs = -cols; x.cs = 1; break;        /* rows in reverse order (negative stride) */
    default: x.rs = 1; x.cs = -rows; break;                 /* columns in reverse order */
    }
    if (x.rs == 0) x.rs = 1;
    if (x.cs == 0) x.cs = 1;
    const int64_t ri = rows > 0 ? rows - 1 : 0, ci = cols > 0 ? cols - 1 : 0;
    const int64_t lo = (x.rs < 0 ? ri * x.rs : 0) + (x.cs < 0 ? ci * x.cs : 0);
    const int64_t hi = (x.rs > 0 ? ri * x.rs : 0) + (x.cs > 0 ? ci * x.cs : 0);
    const size_t n = (size_t)(hi - lo + 1);
    x.buf = (float *)malloc(n * sizeof(float));
    x.base = x.buf - lo;
    for (size_t i = 0; i < n; ++i) x.buf[i] = NAN; /* gaps must never be read */
    for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) x.base[i * x.rs + j * x.cs] = frand();
    return x;
}

static inline float mat_at(const mat *x, int64_t i, int64_t j) { return x->base[i * x->rs + j * x->cs]; }

/* ---- one checked product ----------------------------------------------------------------------- */

enum { P_PLAIN, P_PACKED_B, P_PACKED_A, P_COUNT };
static const char *path_name[P_COUNT] = {"plain", "packedB", "packedA"};

typedef struct config {
    int64_t m, n, k;
    int la, lb;
    float beta;
    int bias;     /* flint_bias_kind */
    int residual; /* 0 none, 1 separate, 2 aliased with C */
    int act;      /* flint_activation */
    int path;
    flint_pool *pool;
    const char *isa;
} config;

static void describe(const config *c) {
    fprintf(stderr, "  isa=%s threads=%d m=%lld n=%lld k=%lld A=%s B=%s beta=%g bias=%d residual=%d act=%d path=%s\n",
            c->isa, flint_pool_threads(c->pool), (long long)c->m, (long long)c->n, (long long)c->k,
            layout_name[c->la], layout_name[c->lb], c->beta, c->bias, c->residual, c->act, path_name[c->path]);
}

static int run_case(const config *cf) {
    const int64_t m = cf->m, n = cf->n, k = cf->k;
    mat A = mat_make(m, k, cf->la), B = mat_make(k, n, cf->lb);
    const int64_t ldc = n + 2, ldr = n + 1;
    const size_t csize = (size_t)(m * ldc + 2);
    float *C = (float *)malloc(csize * sizeof(float));
    float *C0 = (float *)malloc(csize * sizeof(float));
    for (size_t i = 0; i < csize; ++i) C[i] = frand();
    if (cf->beta == 0.0f && cf->residual != 2)
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) C[i * ldc + j] = NAN; /* beta 0: C must not be read */
    memcpy(C0, C, csize * sizeof(float));
    float *bias = (float *)malloc((size_t)(m > n ? m : n) * sizeof(float) + 4);
    for (int64_t i = 0; i < (m > n ? m : n); ++i) bias[i] = frand();
    float *R = NULL;
    if (cf->residual == 1) {
        R = (float *)malloc((size_t)(m * ldr + 1) * sizeof(float));
        for (int64_t i = 0; i < m * ldr + 1; ++i) R[i] = frand();
    }
    flint_gemm_epilogue ep;
    memset(&ep, 0, sizeof(ep));
    ep.beta = cf->beta;
    ep.bias_kind = (flint_bias_kind)cf->bias;
    ep.bias = cf->bias ? bias : NULL;
    ep.residual = cf->residual == 1 ? R : cf->residual == 2 ? C : NULL;
    ep.residual_row_stride = cf->residual == 1 ? ldr : ldc;
    ep.activation = (flint_activation)cf->act;
    ep.clamp_min = -0.5f;
    ep.clamp_max = 0.7f;

    if (cf->path == P_PLAIN) {
        flint_sgemm(cf->pool, m, n, k, A.base, A.rs, A.cs, B.base, B.rs, B.cs, C, ldc, &ep);
    } else if (cf->path == P_PACKED_B) {
        size_t bytes = flint_sgemm_pack_b_size(k, n);
        void *pb = NULL;
        if (posix_memalign(&pb, 64, bytes) != 0) abort();
        flint_sgemm_pack_b(k, n, B.base, B.rs, B.cs, pb);
        flint_sgemm_packed_b(cf->pool, m, n, k, A.base, A.rs, A.cs, pb, C, ldc, &ep);
        free(pb);
    } else {
        size_t bytes = flint_sgemm_pack_a_size(m, k);
        void *pa = NULL;
        if (posix_memalign(&pa, 64, bytes) != 0) abort();
        flint_sgemm_pack_a(m, k, A.base, A.rs, A.cs, pa);
        flint_sgemm_packed_a(cf->pool, m, n, k, pa, B.base, B.rs, B.cs, C, ldc, &ep);
        free(pa);
    }

    int bad = 0;
    double worst = 0;
    for (int64_t i = 0; i < m && bad < 3; ++i) {
        for (int64_t j = 0; j < n; ++j) {
            double s = 0, scale = 0;
            for (int64_t p = 0; p < k; ++p) {
                double t = (double)mat_at(&A, i, p) * (double)mat_at(&B, p, j);
                s += t;
                scale += fabs(t);
            }
            const double c0 = C0[i * ldc + j];
            if (cf->beta != 0.0f) {
                s += (double)cf->beta * c0;
                scale += fabs((double)cf->beta * c0);
            }
            if (cf->bias == FLINT_BIAS_PER_ROW) s += bias[i], scale += fabs(bias[i]);
            if (cf->bias == FLINT_BIAS_PER_COL) s += bias[j], scale += fabs(bias[j]);
            if (cf->residual) {
                double r = cf->residual == 1 ? R[i * ldr + j] : c0;
                s += r;
                scale += fabs(r);
            }
            if (cf->act == FLINT_ACTIVATION_RELU) s = s < 0 ? 0 : s;
            if (cf->act == FLINT_ACTIVATION_CLAMP) s = s < -0.5 ? -0.5 : s > 0.7 ? 0.7 : s;
            const double got = C[i * ldc + j];
            const double tol = 1e-6 * (double)(k + 4) * (scale + 1e-20);
            const double err = fabs(got - s);
            if (!(err <= tol)) {
                if (bad == 0) {
                    fprintf(stderr, "MISMATCH at (%lld,%lld): got %.8g want %.8g (tol %.3g)\n", (long long)i,
                            (long long)j, got, s, tol);
                    describe(cf);
                }
                ++bad;
                break;
            }
            if (scale > 0 && err / scale > worst) worst = err / scale;
        }
        for (int64_t j = n; j < ldc; ++j) {
            const float before = C0[i * ldc + j], after = C[i * ldc + j];
            if (memcmp(&before, &after, sizeof(float)) != 0) {
                if (bad == 0) {
                    fprintf(stderr, "WROTE OUTSIDE C at row %lld col %lld\n", (long long)i, (long long)j);
                    describe(cf);
                }
                ++bad;
                break;
            }
        }
    }
    ++checks;
    if (bad) ++failures;
    free(A.buf);
    free(B.buf);
    free(C);
    free(C0);
    free(bias);
    free(R);
    return bad == 0;
}

/* ---- sweeps ------------------------------------------------------------------------------------ */

static const int64_t dims[] = {0, 1, 2, 3, 5, 7, 8, 15, 16, 17, 31, 33, 64, 65, 100};
#define NDIMS ((int)(sizeof(dims) / sizeof(dims[0])))

static void random_epilogue(config *c) {
    static const float betas[] = {0.0f, 1.0f, 0.5f};
    c->beta = betas[rnd() % 3];
    c->bias = (int)(rnd() % 3);
    c->residual = (int)(rnd() % 3);
    c->act = (int)(rnd() % 3);
}

static void sweep_small(flint_pool *pool, const char *isa, int quick) {
    config c;
    memset(&c, 0, sizeof(c));
    c.pool = pool;
    c.isa = isa;
    for (int a = 0; a < NDIMS; ++a)
        for (int b = 0; b < NDIMS; ++b)
            for (int d = 0; d < NDIMS; ++d) {
                if (quick && (rnd() % 4) != 0) continue;
                c.m = dims[a];
                c.n = dims[b];
                c.k = dims[d];
                c.la = (int)(rnd() % L_COUNT);
                c.lb = (int)(rnd() % L_COUNT);
                c.path = (int)(rnd() % P_COUNT);
                random_epilogue(&c);
                run_case(&c);
            }
}

/* Every epilogue combination on a few shapes (single tile, multi-k-block, GEMV row and column). */
static void sweep_epilogues(flint_pool *pool, const char *isa) {
    static const int64_t shapes[][3] = {{17, 33, 65}, {100, 65, 300}, {1, 100, 300}, {100, 1, 300}, {13, 40, 1}};
    static const float betas[] = {0.0f, 1.0f};
    config c;
    memset(&c, 0, sizeof(c));
    c.pool = pool;
    c.isa = isa;
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); ++s)
        for (int be = 0; be < 2; ++be)
            for (int bias = 0; bias < 3; ++bias)
                for (int res = 0; res < 3; ++res)
                    for (int act = 0; act < 3; ++act)
                        for (int path = 0; path < P_COUNT; ++path) {
                            c.m = shapes[s][0];
                            c.n = shapes[s][1];
                            c.k = shapes[s][2];
                            c.beta = betas[be];
                            c.bias = bias;
                            c.residual = res;
                            c.act = act;
                            c.path = path;
                            c.la = (int)(rnd() % L_COUNT);
                            c.lb = (int)(rnd() % L_COUNT);
                            run_case(&c);
                        }
}

/* Big shapes: all layouts of A and B, every path; blocks over kc, mc and nc. */
static void sweep_big(flint_pool *pool, const char *isa) {
    static const int64_t shapes[][3] = {{300, 257, 513}, {7, 4200, 20}, {1, 3072, 768}, {3072, 1, 768},
                                        {1, 1000, 1}, {2, 517, 600}, {7, 3000, 200}, {3000, 6, 300}};
    config c;
    memset(&c, 0, sizeof(c));
    c.pool = pool;
    c.isa = isa;
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); ++s)
        for (int la = 0; la < L_COUNT; ++la)
            for (int lb = 0; lb < L_COUNT; ++lb) {
                if (s == 0 && la != lb && (la + lb) % 3 != 0) continue; /* keep the largest one brief */
                c.m = shapes[s][0];
                c.n = shapes[s][1];
                c.k = shapes[s][2];
                c.la = la;
                c.lb = lb;
                c.path = (la + 2 * lb) % P_COUNT;
                random_epilogue(&c);
                run_case(&c);
            }
}

/* NaN propagation through the activations (PyTorch keeps NaN through relu / clamp). */
static void test_nan(void) {
    float a[4] = {NAN, 1, 1, 1}, b[4] = {1, 1, 1, 1}, c[4];
    for (int act = 1; act <= 2; ++act) {
        flint_gemm_epilogue ep;
        memset(&ep, 0, sizeof(ep));
        ep.activation = (flint_activation)act;
        ep.clamp_min = 0;
        ep.clamp_max = 6;
        flint_sgemm(NULL, 2, 2, 2, a, 2, 1, b, 2, 1, c, 2, &ep);
        ++checks;
        if (!isnan(c[0]) || !isnan(c[1]) || c[2] != 2.0f || c[3] != 2.0f) {
            fprintf(stderr, "NaN handling wrong for activation %d: %g %g %g %g\n", act, c[0], c[1], c[2], c[3]);
            ++failures;
        }
    }
}

/* A column's values do not depend on the width of the product it is computed in: with 49 columns the last
 * goes to the column kernel, with 64 to the full-width kernels, and both add the k terms in the same order
 * (so a convolution cut into tiles differently for another thread count gives the same bits). */
static void test_column_order(const char *isa, flint_pool *pool, int64_t m) {
    const int64_t k = 300, widths[] = {49, 50, 51, 52, 64};
    float *a = (float *)malloc(sizeof(float) * m * k), *b = (float *)malloc(sizeof(float) * k * 64);
    float *c = (float *)malloc(sizeof(float) * m * 64), *wide = (float *)malloc(sizeof(float) * m * 64);
    for (int64_t i = 0; i < m * k; ++i) a[i] = frand();
    for (int64_t i = 0; i < k * 64; ++i) b[i] = frand();
    void *packed = malloc(flint_sgemm_pack_a_size(m, k));
    flint_sgemm_pack_a(m, k, a, k, 1, packed);
    flint_sgemm_packed_a(NULL, m, 64, k, packed, b, 64, 1, wide, 64, NULL);
    for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); ++w) {
        const int64_t n = widths[w];
        flint_sgemm_packed_a(pool, m, n, k, packed, b, 64, 1, c, n, NULL);
        ++checks;
        for (int64_t i = 0; i < m; ++i) {
            if (memcmp(c + i * n, wide + i * 64, sizeof(float) * (size_t)n) != 0) {
                fprintf(stderr, "%s: row %lld of a %lld x %lld product (%d threads) differs from the 64-column product's\n", isa,
                        (long long)i, (long long)m, (long long)n, flint_pool_threads(pool));
                ++failures;
                break;
            }
        }
    }
    free(a);
    free(b);
    free(c);
    free(wide);
    free(packed);
}

/* ---- thread pool ------------------------------------------------------------------------------- */

typedef struct cover_ctx {
    atomic_int *hits;
    atomic_long sum;
    atomic_int max_thread;
    flint_pool *pool;
    int nested;
} cover_ctx;

static void cover_body(void *vctx, int64_t begin, int64_t end, int tid) {
    cover_ctx *c = (cover_ctx *)vctx;
    for (int64_t i = begin; i < end; ++i) atomic_fetch_add(&c->hits[i], 1);
    atomic_fetch_add(&c->sum, (long)(end - begin));
    int prev = atomic_load(&c->max_thread);
    while (tid > prev && !atomic_compare_exchange_weak(&c->max_thread, &prev, tid)) {
    }
    if (c->nested) {
        cover_ctx inner;
        atomic_int hits[8];
        for (int i = 0; i < 8; ++i) atomic_init(&hits[i], 0);
        inner.hits = hits;
        atomic_init(&inner.sum, 0);
        atomic_init(&inner.max_thread, 0);
        inner.pool = c->pool;
        inner.nested = 0;
        flint_parallel_for(c->pool, 8, 1, cover_body, &inner);
        if (atomic_load(&inner.sum) != 8) abort();
    }
}

/* `calls` loops of random small sizes; every index must be visited exactly once per loop. */
static int pool_loops(flint_pool *pool, int calls, int nested) {
    atomic_int hits[128];
    for (int call = 0; call < calls; ++call) {
        const int64_t count = 1 + (int64_t)(rnd() % 128);
        const int64_t minpt = 1 + (int64_t)(rnd() % 8);
        for (int i = 0; i < 128; ++i) atomic_init(&hits[i], 0);
        cover_ctx c;
        c.hits = hits;
        atomic_init(&c.sum, 0);
        atomic_init(&c.max_thread, 0);
        c.pool = pool;
        c.nested = nested;
        flint_parallel_for(pool, count, minpt, cover_body, &c);
        for (int64_t i = 0; i < count; ++i)
            if (atomic_load(&hits[i]) != 1) return 0;
        if (atomic_load(&c.max_thread) >= flint_pool_threads(pool)) return 0;
        /* With count < 2 * min_per_thread the loop must stay on the caller. */
        if (count < 2 * minpt && atomic_load(&c.max_thread) != 0) return 0;
    }
    return 1;
}

typedef struct caller_arg {
    flint_pool *pool;
    int ok;
    int gemm;
} caller_arg;

static void *caller_main(void *p) {
    caller_arg *a = (caller_arg *)p;
    a->ok = pool_loops(a->pool, 20000, 0);
    if (a->gemm) {
        /* Concurrent GEMMs on one pool: scratch buffers are per thread. */
        const int64_t m = 150, n = 130, k = 140;
        float *A = (float *)malloc(sizeof(float) * m * k), *B = (float *)malloc(sizeof(float) * k * n);
        float *C = (float *)malloc(sizeof(float) * m * n), *R = (float *)malloc(sizeof(float) * m * n);
        for (int64_t i = 0; i < m * k; ++i) A[i] = (float)((i * 7) % 13) - 6.0f;
        for (int64_t i = 0; i < k * n; ++i) B[i] = (float)((i * 5) % 11) - 5.0f;
        flint_sgemm(NULL, m, n, k, A, k, 1, B, n, 1, R, n, NULL);
        for (int it = 0; it < 200 && a->ok; ++it) {
            flint_sgemm(a->pool, m, n, k, A, k, 1, B, n, 1, C, n, NULL);
            if (memcmp(C, R, sizeof(float) * m * n) != 0) a->ok = 0;
        }
        free(A);
        free(B);
        free(C);
        free(R);
    }
    return NULL;
}

static void test_pool(void) {
    int ok = 1;
    ok &= flint_pool_default_threads() >= 1;
    ok &= pool_loops(NULL, 100, 0);
    flint_pool *p1 = flint_pool_create(1);
    ok &= p1 && flint_pool_threads(p1) == 1 && pool_loops(p1, 1000, 0);
    flint_pool_destroy(p1);
    for (int t = 2; t <= 4 && ok; ++t) {
        flint_pool *p = flint_pool_create(t);
        ok &= p && flint_pool_threads(p) == t;
        ok &= pool_loops(p, 100000, 0); /* many tiny loops */
        ok &= pool_loops(p, 2000, 1);   /* nested calls run inline */
        for (int i = 0; i < 20 && ok; ++i) { /* loops after the workers went to sleep, with and without a wake hint */
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
            if (i % 2) flint_pool_wake(p);
            ok &= pool_loops(p, 5, 0);
        }
        flint_pool_destroy(p);
    }
    for (int i = 0; i < 50 && ok; ++i) { /* create / destroy churn, with and without use */
        flint_pool *p = flint_pool_create(2 + i % 3);
        if (i % 2) ok &= pool_loops(p, 3, 0);
        flint_pool_destroy(p);
    }
    flint_pool *p = flint_pool_create(2);
    for (int g = 0; g < 2 && ok; ++g) { /* two OS threads calling into the same pool at once */
        pthread_t th[2];
        caller_arg args[2] = {{p, 0, g}, {p, 0, g}};
        for (int i = 0; i < 2; ++i) pthread_create(&th[i], NULL, caller_main, &args[i]);
        for (int i = 0; i < 2; ++i) pthread_join(th[i], NULL);
        ok &= args[0].ok && args[1].ok;
    }
    flint_pool_destroy(p);
    ++checks;
    if (!ok) {
        fprintf(stderr, "thread pool test FAILED\n");
        ++failures;
    }
    printf("pool: %s\n", ok ? "ok" : "FAILED");
}

/* ---- main -------------------------------------------------------------------------------------- */

int main(int argc, char **argv) {
    const int quick = argc > 1 && strcmp(argv[1], "quick") == 0;
    test_pool();
    flint_pool *pools[4] = {NULL, NULL, flint_pool_create(2), flint_pool_create(3)};
    const char *isas[] = {"scalar", "avx2", "avx512-12x32", "avx512-8x48", "neon"};
    const int64_t gemm_default = flint__gemm_macs_per_thread, gemv_default = flint__gemv_macs_per_thread;
    for (size_t i = 0; i < sizeof(isas) / sizeof(isas[0]); ++i) {
        if (flint_kernels_force_isa(isas[i]) != 0) {
            printf("%-12s not available on this machine, skipped\n", isas[i]);
            continue;
        }
        const long f0 = failures, c0 = checks;
        for (int threads = 1; threads <= 3; ++threads) {
            flint_pool *pool = pools[threads];
            /* Threaded runs also force threading on small shapes, to test the partitioning. */
            flint__gemm_macs_per_thread = threads == 1 ? gemm_default : 1;
            flint__gemv_macs_per_thread = threads == 1 ? gemv_default : 1;
            sweep_small(pool, isas[i], quick || threads > 1);
            sweep_epilogues(pool, isas[i]);
            sweep_big(pool, isas[i]);
        }
        flint__gemm_macs_per_thread = gemm_default;
        flint__gemv_macs_per_thread = gemv_default;
        test_nan();
        /* 40 rows: one group of row panels; 150: several groups, a partial last panel; threaded: the rows and
         * columns cut between threads (thresholds forced down). */
        test_column_order(isas[i], NULL, 40);
        test_column_order(isas[i], NULL, 150);
        flint__gemm_macs_per_thread = 1;
        test_column_order(isas[i], pools[3], 150);
        flint__gemm_macs_per_thread = gemm_default;
        printf("%-12s %6ld products checked, %ld failed\n", isas[i], checks - c0, failures - f0);
    }
    flint_kernels_force_isa(NULL);
    flint_pool_destroy(pools[2]);
    flint_pool_destroy(pools[3]);
    printf("%s: %ld checks, %ld failures (auto-selected kernels: %s)\n", failures ? "FAIL" : "PASS", checks,
           failures, flint_kernels_isa());
    return failures ? 1 : 0;
}
