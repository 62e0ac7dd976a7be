#include "flint_internal.h"

#include <stdlib.h>

/* Thin products: GEMV (m == 1 or n == 1) and products with a few rows or columns against a matrix that
 * has contiguous rows in the right direction. They stream the big operand once (no packing), so they are
 * bound by its bandwidth, and split its rows or columns between threads once it is a few hundred KiB.
 *
 * The big operand is W (rows w[j * ldw + p], p < k); the small one X (nx rows, x[i * ldx + p]). Results
 * go to a C-shaped buffer y (row stride n), then through the epilogue into C, per thread chunk. */

/* Multiply-adds (= matrix elements streamed) below which an extra thread does not pay. */
int64_t flint__gemv_macs_per_thread = (int64_t)1 << 17;

/* Thin products with more than one row use the dot kernels only when k is at least this (below it the
 * horizontal sums cost more than the packing they save). */
#define THIN_MIN_K 32

enum { THIN_DOT = 0, THIN_AXPY = 1, THIN_PACKED = 2 };

typedef struct thin_ctx {
    const flint_gemm_kernel *K;
    int kind;
    int64_t m, n, k;
    int64_t outputs;   /* rows of W = the dimension split between threads */
    int along_rows;    /* 1: W's rows are C's rows (index i); 0: C's columns (index j) */
    const float *w;    /* W, or the packed data for THIN_PACKED */
    int64_t ldw;
    const float *x;
    int64_t ldx, incx; /* THIN_DOT: row stride of X; THIN_AXPY: stride of the vector x */
    int64_t nx;        /* THIN_DOT: rows of X */
    int64_t kc;        /* THIN_PACKED: k blocking of the packed data */
    float *y;          /* m x n, row stride n */
    float *c;
    int64_t ldc;
    flint_tile_epi epi;
    int64_t align;     /* chunk boundaries are multiples of this */
    int64_t chunks;
} thin_ctx;

static inline int64_t min64(int64_t x, int64_t y) { return x < y ? x : y; }

static void thin_range(const thin_ctx *g, int64_t t0, int64_t t1) {
    const flint_gemm_kernel *K = g->K;
    const int64_t len = t1 - t0;
    /* Strides of y along X's rows and along W's rows. */
    const int64_t ldyx = g->along_rows ? 1 : g->n, ldyw = g->along_rows ? g->n : 1;
    switch (g->kind) {
    case THIN_DOT: {
        /* More than FLINT_DOT_MAX_NX rows of X take several passes; W goes by blocks of ~256 KiB so
         * that the later passes read it from L2, not from memory. */
        const int64_t block = g->nx <= FLINT_DOT_MAX_NX ? len : ((65536 / (g->k + 1)) | 3) + 1;
        for (int64_t j0 = t0; j0 < t1; j0 += block) {
            const int64_t jn = min64(block, t1 - j0);
            for (int64_t i0 = 0; i0 < g->nx; i0 += FLINT_DOT_MAX_NX) {
                const int nx = (int)min64(FLINT_DOT_MAX_NX, g->nx - i0);
                K->gemm_dot(jn, g->k, g->w + j0 * g->ldw, g->ldw, nx, g->x + i0 * g->ldx, g->ldx,
                            g->y + i0 * ldyx + j0 * ldyw, ldyx, ldyw);
            }
        }
        break;
    }
    case THIN_AXPY:
        K->gemv_axpy(len, g->k, g->w + t0, g->ldw, g->x, g->incx, g->y + t0);
        break;
    default: {
        /* t0 is a multiple of NR; y has room up to the padded end of the last panel. */
        const int NR = K->nr;
        const int64_t panels = (len + NR - 1) / NR;
        const int64_t n_pad = (g->outputs + NR - 1) / NR * NR;
        for (int64_t pc = 0; pc < g->k; pc += g->kc) {
            const int64_t kcur = min64(g->kc, g->k - pc);
            K->gemv_packed(kcur, panels, g->x + pc, g->w + pc * n_pad + t0 * kcur, NR, g->y + t0, pc > 0);
        }
        break;
    }
    }
    if (g->along_rows) {
        flint_tile_epi e = flint__epi_at(&g->epi, t0, 0, 1, 1);
        flint__epilogue_tile(g->y + t0 * g->n, g->n, g->c + t0 * g->ldc, g->ldc, len, g->n, &e);
        flint__epilogue_function(&e, g->c + t0 * g->ldc, g->ldc, len, g->n);
    } else {
        flint_tile_epi e = flint__epi_at(&g->epi, 0, t0, 1, 1);
        flint__epilogue_tile(g->y + t0, g->n, g->c + t0, g->ldc, g->m, len, &e);
        flint__epilogue_function(&e, g->c + t0, g->ldc, g->m, len);
    }
}

static void thin_thread(void *ctx, int64_t begin, int64_t end, int thread_index) {
    (void)thread_index;
    const thin_ctx *g = (const thin_ctx *)ctx;
    const int64_t units = (g->outputs + g->align - 1) / g->align;
    for (int64_t t = begin; t < end; ++t) {
        const int64_t t0 = units * t / g->chunks * g->align;
        const int64_t t1 = min64(g->outputs, units * (t + 1) / g->chunks * g->align);
        if (t0 < t1) thin_range(g, t0, t1);
    }
}

static void thin_run(flint_pool *pool, thin_ctx *g) {
    const int threads = flint_pool_threads(pool);
    int64_t nt = 1;
    if (threads > 1) {
        const double want = (double)g->m * (double)g->n * (double)g->k / (double)flint__gemv_macs_per_thread;
        nt = want >= threads ? threads : (int64_t)want;
        const int64_t units = (g->outputs + g->align - 1) / g->align;
        if (nt > units) nt = units;
        if (nt < 1) nt = 1;
    }
    g->chunks = nt;
    if (nt == 1)
        thin_range(g, 0, g->outputs);
    else
        flint_parallel_for(pool, nt, 1, thin_thread, g);
}

/* `rows` vectors of length k (element p of vector i at x[i * inc_i + p * inc_p]) with contiguous rows:
 * x itself when inc_p == 1, else a copy in scratch slot 2. */
static const float *contiguous_rows(const float *x, int64_t rows, int64_t k, int64_t inc_i, int64_t inc_p,
                                    int64_t *ld) {
    if (inc_p == 1) {
        *ld = inc_i;
        return x;
    }
    float *buf = (float *)flint__scratch(2, (size_t)(rows * k) * sizeof(float));
    if (!buf) abort();
    for (int64_t i = 0; i < rows; ++i)
        for (int64_t p = 0; p < k; ++p) buf[i * k + p] = x[i * inc_i + p * inc_p];
    *ld = k;
    return buf;
}

static float *output_buffer(int64_t elements) {
    float *y = (float *)flint__scratch(3, (size_t)elements * sizeof(float));
    if (!y) abort();
    return y;
}

int flint__gemm_thin(flint_pool *pool, const flint_gemm_kernel *K, int64_t m, int64_t n, int64_t k,
                     const float *a, int64_t rsa, int64_t csa, const float *b, int64_t rsb, int64_t csb, float *c,
                     int64_t ldc, const flint_tile_epi *epi) {
    thin_ctx g;
    g.K = K;
    g.m = m;
    g.n = n;
    g.k = k;
    g.kc = 0;
    g.c = c;
    g.ldc = ldc;
    g.epi = *epi;
    g.nx = 1;
    g.ldx = 0;
    g.incx = 1;
    if (m == 1 && (csb == 1 || n == 1)) {
        /* y = a B, streaming B's contiguous rows. */
        g.kind = THIN_AXPY;
        g.outputs = n;
        g.along_rows = 0;
        g.w = b;
        g.ldw = rsb;
        g.x = a;
        g.incx = csa;
        g.align = 16;
    } else if (n == 1 && rsa == 1) {
        /* y = A b, streaming A's contiguous columns. */
        g.kind = THIN_AXPY;
        g.outputs = m;
        g.along_rows = 1;
        g.w = a;
        g.ldw = csa;
        g.x = b;
        g.incx = rsb;
        g.align = 16;
    } else if (m <= FLINT_THIN_MAX && rsb == 1 && (m == 1 || k >= THIN_MIN_K)) {
        /* C[i][j] = A[i][:] . B[:][j] with B's columns contiguous (e.g. a Linear weight). */
        g.kind = THIN_DOT;
        g.outputs = n;
        g.along_rows = 0;
        g.w = b;
        g.ldw = csb;
        g.nx = m;
        g.x = contiguous_rows(a, m, k, rsa, csa, &g.ldx);
        g.align = 4;
    } else if (n <= FLINT_THIN_MAX && csa == 1 && (n == 1 || k >= THIN_MIN_K)) {
        /* C[i][j] = A[i][:] . B[:][j] with A's rows contiguous. */
        g.kind = THIN_DOT;
        g.outputs = m;
        g.along_rows = 1;
        g.w = a;
        g.ldw = rsa;
        g.nx = n;
        g.x = contiguous_rows(b, n, k, csb, rsb, &g.ldx);
        g.align = 4;
    } else {
        return 0;
    }
    g.y = output_buffer(m * n);
    thin_run(pool, &g);
    return 1;
}

void flint__gemv_packed_b(flint_pool *pool, const flint_gemm_kernel *K, int64_t n, int64_t k, int64_t kc,
                          const float *a, int64_t csa, const float *packed, float *c, const flint_tile_epi *epi) {
    thin_ctx g;
    g.K = K;
    g.kind = THIN_PACKED;
    g.m = 1;
    g.n = n;
    g.k = k;
    g.outputs = n;
    g.along_rows = 0;
    g.w = packed;
    g.ldw = 0;
    g.x = contiguous_rows(a, 1, k, 0, csa, &g.ldx);
    g.nx = 1;
    g.incx = 1;
    g.kc = kc;
    g.c = c;
    g.ldc = 0;
    g.epi = *epi;
    g.align = K->nr;
    g.y = output_buffer((n + K->nr - 1) / K->nr * K->nr);
    thin_run(pool, &g);
}
