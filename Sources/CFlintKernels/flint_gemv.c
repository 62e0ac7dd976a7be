#include "flint_internal.h"

#include <stdlib.h>

/* Matrix-vector products (m == 1 or n == 1). They are bound by the bandwidth of streaming the matrix
 * once, so they split the outputs between threads as soon as the matrix is a few hundred KiB. */

/* Multiply-adds (= matrix elements streamed) below which an extra thread does not pay. */
int64_t flint__gemv_macs_per_thread = (int64_t)1 << 17;

enum { GEMV_DOT = 0, GEMV_AXPY = 1, GEMV_PACKED = 2 };

typedef struct gemv_ctx {
    const flint_gemm_kernel *K;
    int kind;
    int64_t outputs, k;
    const float *w; /* matrix, or packed data for GEMV_PACKED */
    int64_t ldw;
    const float *x;
    int64_t incx;
    int64_t kc;     /* GEMV_PACKED: k blocking of the packed data */
    float *y;       /* accumulators for all outputs (contiguous) */
    float *c;       /* output vector: element t at c[t * ldc] */
    int64_t ldc;
    int column;     /* 1: outputs are the rows of a column of C (n == 1); 0: a row of C (m == 1) */
    flint_tile_epi epi;
    int64_t align;  /* chunk boundaries are multiples of this */
    int64_t chunks;
} gemv_ctx;

static inline int64_t min64(int64_t x, int64_t y) { return x < y ? x : y; }

static void gemv_range(const gemv_ctx *g, int64_t t0, int64_t t1) {
    const flint_gemm_kernel *K = g->K;
    float *y = g->y + t0;
    const int64_t len = t1 - t0;
    switch (g->kind) {
    case GEMV_DOT:
        K->gemv_dot(len, g->k, g->w + t0 * g->ldw, g->ldw, g->x, y);
        break;
    case GEMV_AXPY:
        K->gemv_axpy(len, g->k, g->w + t0, g->ldw, g->x, g->incx, y);
        break;
    default: {
        /* t0 is a multiple of NR; y has room up to the padded end of the last panel. */
        const int NR = K->nr;
        const int64_t panels = (len + NR - 1) / NR;
        const int64_t n_pad = (g->outputs + NR - 1) / NR * NR;
        for (int64_t pc = 0; pc < g->k; pc += g->kc) {
            const int64_t kcur = min64(g->kc, g->k - pc);
            K->gemv_packed(kcur, panels, g->x + pc, g->w + pc * n_pad + t0 * kcur, NR, y, pc > 0);
        }
        break;
    }
    }
    if (g->column) {
        flint_tile_epi e = flint__epi_at(&g->epi, t0, 0, 1, 1);
        flint__epilogue_tile(y, 1, g->c + t0 * g->ldc, g->ldc, len, 1, &e);
    } else {
        flint_tile_epi e = flint__epi_at(&g->epi, 0, t0, 1, 1);
        flint__epilogue_tile(y, 0, g->c + t0, 0, 1, len, &e);
    }
}

static void gemv_thread(void *ctx, int64_t begin, int64_t end, int thread_index) {
    (void)thread_index;
    const gemv_ctx *g = (const gemv_ctx *)ctx;
    const int64_t units = (g->outputs + g->align - 1) / g->align;
    for (int64_t t = begin; t < end; ++t) {
        const int64_t t0 = units * t / g->chunks * g->align;
        const int64_t t1 = min64(g->outputs, units * (t + 1) / g->chunks * g->align);
        if (t0 < t1) gemv_range(g, t0, t1);
    }
}

static void gemv_run(flint_pool *pool, gemv_ctx *g) {
    const int threads = flint_pool_threads(pool);
    int64_t nt = 1;
    if (threads > 1) {
        const double want = (double)g->outputs * (double)g->k / (double)flint__gemv_macs_per_thread;
        nt = want >= threads ? threads : (int64_t)want;
        const int64_t units = (g->outputs + g->align - 1) / g->align;
        if (nt > units) nt = units;
        if (nt < 1) nt = 1;
    }
    g->chunks = nt;
    if (nt == 1)
        gemv_range(g, 0, g->outputs);
    else
        flint_parallel_for(pool, nt, 1, gemv_thread, g);
}

/* A contiguous copy of x (k elements at stride incx), or x itself when already contiguous. */
static const float *contiguous(const float *x, int64_t incx, int64_t k) {
    if (incx == 1) return x;
    float *buf = (float *)flint__scratch(2, (size_t)k * sizeof(float));
    if (!buf) abort();
    for (int64_t p = 0; p < k; ++p) buf[p] = x[p * incx];
    return buf;
}

int flint__gemv(flint_pool *pool, const flint_gemm_kernel *K, int64_t m, int64_t n, int64_t k, const float *a,
                int64_t rsa, int64_t csa, const float *b, int64_t rsb, int64_t csb, float *c, int64_t ldc,
                const flint_tile_epi *epi) {
    gemv_ctx g;
    g.K = K;
    g.k = k;
    g.kc = 0;
    g.epi = *epi;
    g.ldc = ldc;
    g.c = c;
    if (m == 1) {
        /* One output row: y[j] = sum_p a[p] * B[p][j]. */
        g.outputs = n;
        g.column = 0;
        if (csb == 1 || n == 1) {
            g.kind = GEMV_AXPY;
            g.w = b;
            g.ldw = rsb;
            g.x = a;
            g.incx = csa;
            g.align = 16;
        } else if (rsb == 1) {
            g.kind = GEMV_DOT;
            g.w = b;
            g.ldw = csb;
            g.x = contiguous(a, csa, k);
            g.incx = 1;
            g.align = 4;
        } else {
            return 0;
        }
    } else {
        /* One output column: y[i] = sum_p A[i][p] * b[p]. */
        g.outputs = m;
        g.column = 1;
        if (csa == 1) {
            g.kind = GEMV_DOT;
            g.w = a;
            g.ldw = rsa;
            g.x = contiguous(b, rsb, k);
            g.incx = 1;
            g.align = 4;
        } else if (rsa == 1) {
            g.kind = GEMV_AXPY;
            g.w = a;
            g.ldw = csa;
            g.x = b;
            g.incx = rsb;
            g.align = 16;
        } else {
            return 0;
        }
    }
    g.y = (float *)flint__scratch(3, (size_t)g.outputs * sizeof(float));
    if (!g.y) abort();
    gemv_run(pool, &g);
    return 1;
}

void flint__gemv_packed_b(flint_pool *pool, const flint_gemm_kernel *K, int64_t n, int64_t k, int64_t kc,
                          const float *a, int64_t csa, const float *packed, float *c, const flint_tile_epi *epi) {
    gemv_ctx g;
    g.K = K;
    g.kind = GEMV_PACKED;
    g.outputs = n;
    g.k = k;
    g.w = packed;
    g.ldw = 0;
    g.x = contiguous(a, csa, k);
    g.incx = 1;
    g.kc = kc;
    g.c = c;
    g.ldc = 1;
    g.column = 0;
    g.epi = *epi;
    g.align = K->nr;
    const int64_t n_pad = (n + K->nr - 1) / K->nr * K->nr;
    g.y = (float *)flint__scratch(3, (size_t)n_pad * sizeof(float));
    if (!g.y) abort();
    gemv_run(pool, &g);
}
