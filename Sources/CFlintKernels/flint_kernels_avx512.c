#include "flint_internal.h"

#if defined(FLINT_X86)

#include <immintrin.h>

/* AVX-512 kernel set. The micro-kernel keeps an MR x (16 * NV) tile in zmm registers; the tile shape is
 * a compile-time choice below (see Tools/kernel-bench for the measurements behind it). Packing reuses
 * the AVX2 packers (8 x 8 transposes), whose output format only depends on MR and NR.
 *
 * This file makes the 12 x 32 set (`flint__kernel_avx512`, measured best on Zen 5);
 * flint_kernels_avx512_8x48.c includes it again with an 8 x 48 tile (`flint__kernel_avx512_8x48`, measured
 * best on Intel Xeon). flint_isa.c picks one by the CPU's vendor. */

#ifndef FLINT_AVX512_KERNEL
#define FLINT_AVX512_KERNEL flint__kernel_avx512
#define FLINT_AVX512_KERNEL_ID FLINT_KERNEL_AVX512
#define FLINT_AVX512_KERNEL_NAME "avx512"
#endif

#ifndef FLINT_AVX512_MR
#define FLINT_AVX512_MR 12
#endif
#ifndef FLINT_AVX512_NV
#define FLINT_AVX512_NV 2
#endif
#ifndef FLINT_AVX512_KC
#define FLINT_AVX512_KC 256
#endif
#ifndef FLINT_AVX512_MC
#define FLINT_AVX512_MC 192
#endif

#define MR FLINT_AVX512_MR
#define NV FLINT_AVX512_NV
#define NR (16 * NV)
/* How far ahead ukernel_body fetches its operands: rows of a B read in place, floats of the packed A. */
#define B_PREFETCH_ROWS 4
#define A_PREFETCH_FLOATS 256

#define UNROLL_MR _Pragma("GCC unroll 16")
#define UNROLL_NV _Pragma("GCC unroll 4")

void flint__pack_a_avx2(int64_t rows, int64_t kc, const float *a, int64_t rs, int64_t cs, int mr, float *out);
void flint__pack_b_avx2(int64_t kc, int64_t cols, const float *b, int64_t rs, int64_t cs, int nr, float *out);

/* The micro-kernel body. `nv` (vectors of 16 columns computed), `rows` (rows of A computed: MR, or fewer
 * for a partial tile, which then skips the zero padding of its panel), `mr` (rows stored) and `last` (mask
 * of the columns stored from the last vector) are constants after inlining into the entry points below,
 * so the loops unroll fully and the tile stays in registers. Rows of A past `mr` are zero padding. */
FLINT_TARGET_AVX512 static inline __attribute__((always_inline)) void
ukernel_body(int64_t kc, const float *pa, const float *pb, const int64_t ldb, float *c, int64_t ldc,
             const flint_tile_epi *e, const int nv, const int rows, const int64_t mr, const __mmask16 last,
             const int full, const int masked_b) {
    __m512 acc[MR][NV];
    UNROLL_MR for (int i = 0; i < rows; ++i) {
        UNROLL_NV for (int v = 0; v < nv; ++v) acc[i][v] = _mm512_setzero_ps();
    }
    if (full) {
        UNROLL_MR for (int i = 0; i < MR; ++i) {
            UNROLL_NV for (int v = 0; v < nv; ++v) _mm_prefetch((const char *)(c + i * ldc + 16 * v), _MM_HINT_T0);
        }
        /* The residual's lines, fetched while the tile is computed (rows a plane apart, out of the
         * prefetchers' reach; +8-12% on a 1x1 convolution with its residual at 56x56). */
        if ((e->flags & FLINT_EPI_RESIDUAL) && e->res != c) {
            UNROLL_MR for (int i = 0; i < MR; ++i) {
                UNROLL_NV for (int v = 0; v < nv; ++v) _mm_prefetch((const char *)(e->res + i * e->ldr + 16 * v), _MM_HINT_T0);
            }
        }
    }
    for (int64_t p = 0; p < kc; ++p) {
        __m512 b[NV];
        /* The packed A panel ahead: in a product of few columns (a late layer's 7x7 positions) each weight is
         * used for one tile only and comes from memory, page after page, where the prefetchers stop at page
         * edges (+14-24% at 49 columns with the weights out of cache, none lost elsewhere; tenth session). */
        _mm_prefetch((const char *)(pa + A_PREFETCH_FLOATS), _MM_HINT_T0);
        /* B read in place (a 1x1 convolution's input): its rows lie a plane apart, a stride the hardware's
         * prefetchers do not follow, so each row's lines are fetched a few rows ahead (+5-7% on such
         * products, Intel Xeon; BENCHMARKS.md, tenth session). A packed panel's own rows are sequential and need
         * none (the next panel's are fetched below). */
        if (ldb != NR) {
            UNROLL_NV for (int v = 0; v < nv; ++v)
                _mm_prefetch((const char *)(pb + B_PREFETCH_ROWS * ldb + 16 * v), _MM_HINT_T0);
        }
        /* A packed B panel is read in order, but the next panel (the same row of it: one panel follows another)
         * is fetched into L2 while this one is multiplied, for products of few rows whose weights come from
         * memory (a batch-32 linear layer: +18-32% with its weight out of cache, +6-8% in cache). */
        else {
            UNROLL_NV for (int v = 0; v < nv; ++v)
                _mm_prefetch((const char *)(pb + kc * NR + 16 * v), _MM_HINT_T1);
        }
        UNROLL_NV for (int v = 0; v < nv; ++v)
            b[v] = masked_b && v == nv - 1 ? _mm512_maskz_loadu_ps(last, pb + 16 * v) : _mm512_loadu_ps(pb + 16 * v);
        UNROLL_MR for (int i = 0; i < rows; ++i) {
            const __m512 av = _mm512_set1_ps(pa[i]);
            UNROLL_NV for (int v = 0; v < nv; ++v) acc[i][v] = _mm512_fmadd_ps(av, b[v], acc[i][v]);
        }
        pa += MR;
        pb += ldb;
    }
    const float beta = e->beta;
    const int flags = e->flags, act = e->act;
    const __m512 vbeta = _mm512_set1_ps(beta);
    const __m512 vlo = _mm512_set1_ps(e->lo), vhi = _mm512_set1_ps(e->hi);
    __m512 bc[NV];
    UNROLL_NV for (int v = 0; v < nv; ++v) {
        const __mmask16 mk = v == nv - 1 ? last : (__mmask16)0xFFFF;
        bc[v] = (flags & FLINT_EPI_BIAS_COL) ? _mm512_maskz_loadu_ps(mk, e->bias + 16 * v) : _mm512_setzero_ps();
    }
    UNROLL_MR for (int i = 0; i < rows; ++i) {
        if (i >= mr) break;
        float *cr = c + i * ldc;
        const __m512 br = (flags & FLINT_EPI_BIAS_ROW) ? _mm512_set1_ps(e->bias[i]) : _mm512_setzero_ps();
        UNROLL_NV for (int v = 0; v < nv; ++v) {
            const __mmask16 mk = v == nv - 1 ? last : (__mmask16)0xFFFF;
            __m512 x = acc[i][v];
            if (beta != 0.0f) x = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(mk, cr + 16 * v), x);
            if (flags) {
                x = _mm512_add_ps(x, _mm512_add_ps(br, bc[v]));
                if (flags & FLINT_EPI_RESIDUAL)
                    x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mk, e->res + i * e->ldr + 16 * v));
            }
            if (act) x = _mm512_min_ps(vhi, _mm512_max_ps(vlo, x));
            _mm512_mask_storeu_ps(cr + 16 * v, mk, x);
        }
    }
}

FLINT_TARGET_AVX512 static void ukernel_avx512(int64_t kc, const float *pa, const float *pb, float *c,
                                               int64_t ldc, const flint_tile_epi *e) {
    ukernel_body(kc, pa, pb, NR, c, ldc, e, NV, MR, MR, (__mmask16)0xFFFF, 1, 0);
}

FLINT_TARGET_AVX512 static void ukernel_direct_avx512(int64_t kc, const float *pa, const float *b, int64_t ldb,
                                                      float *c, int64_t ldc, const flint_tile_epi *e) {
    ukernel_body(kc, pa, b, ldb, c, ldc, e, NV, MR, MR, (__mmask16)0xFFFF, 1, 0);
}

/* A partial tile of `nv` column vectors: rows computed in steps of 4 (a tile of 16 output channels is
 * 12 + 4 rows, and the 4-row tile should not pay for 12). */
#define EDGE_ROWS(nv)                                                                                       \
    do {                                                                                                    \
        if (mr <= 4 && MR > 4)                                                                              \
            ukernel_body(kc, pa, pb, ldb, c, ldc, e, nv, MR > 4 ? 4 : MR, mr, last, 0, masked_b);           \
        else if (mr <= 8 && MR > 8)                                                                         \
            ukernel_body(kc, pa, pb, ldb, c, ldc, e, nv, MR > 8 ? 8 : MR, mr, last, 0, masked_b);           \
        else                                                                                                \
            ukernel_body(kc, pa, pb, ldb, c, ldc, e, nv, MR, mr, last, 0, masked_b);                        \
    } while (0)

/* Partial tiles: only the vectors that hold valid columns are computed (B read with row stride ldb; with
 * `masked_b` the last vector's columns past nr are not read, for B in place rather than a zero-padded panel). */
FLINT_TARGET_AVX512 static inline __attribute__((always_inline)) void
ukernel_edge_body(int64_t kc, const float *pa, const float *pb, const int64_t ldb, float *c, int64_t ldc, int64_t mr,
                  int64_t nr, const flint_tile_epi *e, const int masked_b) {
    const int nv = (int)((nr + 15) / 16);
    const __mmask16 last = (__mmask16)(0xFFFFu >> (16 * nv - nr));
    switch (nv) {
    case 1:
        EDGE_ROWS(1);
        break;
#if NV >= 2
    case 2:
        EDGE_ROWS(2);
        break;
#endif
#if NV >= 3
    case 3:
        EDGE_ROWS(3);
        break;
#endif
#if NV >= 4
    case 4:
        EDGE_ROWS(4);
        break;
#endif
    default:
        break;
    }
}

FLINT_TARGET_AVX512 static void ukernel_edge_avx512(int64_t kc, const float *pa, const float *pb, float *c,
                                                    int64_t ldc, int64_t mr, int64_t nr,
                                                    const flint_tile_epi *e) {
    ukernel_edge_body(kc, pa, pb, NR, c, ldc, mr, nr, e, 0);
}

FLINT_TARGET_AVX512 static void ukernel_edge_direct_avx512(int64_t kc, const float *pa, const float *b, int64_t ldb,
                                                           float *c, int64_t ldc, int64_t mr, int64_t nr,
                                                           const flint_tile_epi *e) {
    ukernel_edge_body(kc, pa, b, ldb, c, ldc, mr, nr, e, 1);
}

/* Columns [0, n) of B against `count` consecutive row panels of A from `pa` (n and count constants after
 * inlining, so the n * count sums stay in registers), the raw sums into `acc` (panel t's row i, column j at
 * acc[(t * MR + i) * n + j]). */
FLINT_TARGET_AVX512 static inline __attribute__((always_inline)) void
columns_group(int64_t kc, const float *pa, const float *pb, int64_t ldb, float *acc, const int n, const int count) {
    const __mmask16 rows = (__mmask16)((1u << MR) - 1u);
    __m512 sum[FLINT_COLUMNS_TILES][FLINT_COLUMNS_MAX];
    _Pragma("GCC unroll 8") for (int t = 0; t < count; ++t) {
        _Pragma("GCC unroll 4") for (int j = 0; j < n; ++j) sum[t][j] = _mm512_setzero_ps();
    }
    for (int64_t p = 0; p < kc; ++p) {
        __m512 b[FLINT_COLUMNS_MAX];
        _Pragma("GCC unroll 4") for (int j = 0; j < n; ++j) b[j] = _mm512_set1_ps(pb[p * ldb + j]);
        _Pragma("GCC unroll 8") for (int t = 0; t < count; ++t) {
            const __m512 a = _mm512_maskz_loadu_ps(rows, pa + t * MR * kc + p * MR);
            _Pragma("GCC unroll 4") for (int j = 0; j < n; ++j) sum[t][j] = _mm512_fmadd_ps(a, b[j], sum[t][j]);
        }
    }
    _Pragma("GCC unroll 8") for (int t = 0; t < count; ++t) {
        _Alignas(64) float lanes[FLINT_COLUMNS_MAX][16];
        _Pragma("GCC unroll 4") for (int j = 0; j < n; ++j) _mm512_store_ps(lanes[j], sum[t][j]);
        float *out = acc + t * MR * n;
        for (int i = 0; i < MR; ++i)
            for (int j = 0; j < n; ++j) out[i * n + j] = lanes[j][i];
    }
}

/* The last `cols` (1 to FLINT_COLUMNS_MAX) columns of `tiles` (1 to FLINT_COLUMNS_TILES) consecutive row
 * panels of A (`pa`, MR x kc floats each): a vector over a panel's MR rows per column, the raw sums into `acc`
 * (panel t's row i, column j at acc[(t * MR + i) * cols + j]). One panel at a time would leave a single chain
 * of dependent multiply-adds per column (a 7x7 layer's 49th column cost a third of its 48-column tile); panels
 * taken 8, 4, 2 or 1 at a time (4 at most for 4 columns: 16 sums, with the A vector and 4 B values, in the 32
 * registers) keep up to 16 chains in flight. Each sum still adds its k terms in order, as the full tile does,
 * so with beta 0 or 1 a column comes out the same whichever kernel computes it (results do not depend on how
 * threads cut the columns). */
FLINT_TARGET_AVX512 static void ukernel_columns_avx512(int64_t kc, const float *pa, int64_t tiles, const float *pb,
                                                       int64_t ldb, int64_t cols, float *acc) {
    for (int64_t t = 0; t < tiles;) {
        const int64_t left = tiles - t, most = cols == 4 ? 4 : 8;
        const int count = left >= 8 && most >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
        const float *panels = pa + t * MR * kc;
        float *out = acc + t * MR * cols;
        switch (cols * 16 + count) {
#define COLUMNS_CASE(n, count)                                                                              \
    case n * 16 + count:                                                                                    \
        columns_group(kc, panels, pb, ldb, out, n, count);                                                  \
        break;
#define COLUMNS_CASES(n) COLUMNS_CASE(n, 1) COLUMNS_CASE(n, 2) COLUMNS_CASE(n, 4) COLUMNS_CASE(n, 8)
            COLUMNS_CASES(1)
            COLUMNS_CASES(2)
            COLUMNS_CASES(3)
            COLUMNS_CASE(4, 1)
            COLUMNS_CASE(4, 2)
            COLUMNS_CASE(4, 4)
#undef COLUMNS_CASES
#undef COLUMNS_CASE
        default:
            return;
        }
        t += count;
    }
}

/* ---- GEMV ------------------------------------------------------------------------------------- */

FLINT_TARGET_AVX512 static void gemv_dot_avx512(int64_t n, int64_t k, const float *w, int64_t ldw,
                                                const float *x, float *y, int64_t incy) {
    const int64_t kv = k & ~(int64_t)15;
    const __mmask16 tail = (__mmask16)((1u << (k - kv)) - 1u);
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) {
        const float *w0 = w + j * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
        __m512 a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        __m512 d0 = _mm512_setzero_ps(), d1 = _mm512_setzero_ps();
        __m512 d2 = _mm512_setzero_ps(), d3 = _mm512_setzero_ps();
        int64_t p = 0;
        for (; p + 32 <= k; p += 32) {
            const __m512 x0 = _mm512_loadu_ps(x + p), x1 = _mm512_loadu_ps(x + p + 16);
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + p), x0, a0);
            a1 = _mm512_fmadd_ps(_mm512_loadu_ps(w1 + p), x0, a1);
            a2 = _mm512_fmadd_ps(_mm512_loadu_ps(w2 + p), x0, a2);
            a3 = _mm512_fmadd_ps(_mm512_loadu_ps(w3 + p), x0, a3);
            d0 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + p + 16), x1, d0);
            d1 = _mm512_fmadd_ps(_mm512_loadu_ps(w1 + p + 16), x1, d1);
            d2 = _mm512_fmadd_ps(_mm512_loadu_ps(w2 + p + 16), x1, d2);
            d3 = _mm512_fmadd_ps(_mm512_loadu_ps(w3 + p + 16), x1, d3);
        }
        for (; p < kv; p += 16) {
            const __m512 x0 = _mm512_loadu_ps(x + p);
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + p), x0, a0);
            a1 = _mm512_fmadd_ps(_mm512_loadu_ps(w1 + p), x0, a1);
            a2 = _mm512_fmadd_ps(_mm512_loadu_ps(w2 + p), x0, a2);
            a3 = _mm512_fmadd_ps(_mm512_loadu_ps(w3 + p), x0, a3);
        }
        if (tail) {
            const __m512 x0 = _mm512_maskz_loadu_ps(tail, x + p);
            d0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w0 + p), x0, d0);
            d1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w1 + p), x0, d1);
            d2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w2 + p), x0, d2);
            d3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w3 + p), x0, d3);
        }
        y[j * incy] = _mm512_reduce_add_ps(_mm512_add_ps(a0, d0));
        y[(j + 1) * incy] = _mm512_reduce_add_ps(_mm512_add_ps(a1, d1));
        y[(j + 2) * incy] = _mm512_reduce_add_ps(_mm512_add_ps(a2, d2));
        y[(j + 3) * incy] = _mm512_reduce_add_ps(_mm512_add_ps(a3, d3));
    }
    for (; j < n; ++j) {
        const float *w0 = w + j * ldw;
        __m512 a0 = _mm512_setzero_ps();
        int64_t p = 0;
        for (; p < kv; p += 16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + p), _mm512_loadu_ps(x + p), a0);
        if (tail)
            a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w0 + p), _mm512_maskz_loadu_ps(tail, x + p), a0);
        y[j * incy] = _mm512_reduce_add_ps(a0);
    }
}

/* NW rows of w against NX rows of x: NW * NX accumulators. NW and NX are constants after inlining. */
FLINT_TARGET_AVX512 static inline __attribute__((always_inline)) void
dot_block_avx512(int64_t k, const float *w, int64_t ldw, const int nw, const float *x, int64_t ldx, const int nx,
                 float *y, int64_t ldyx, int64_t ldyw) {
    __m512 acc[4][FLINT_DOT_MAX_NX];
    UNROLL_NV for (int r = 0; r < nw; ++r) {
        UNROLL_NV for (int i = 0; i < nx; ++i) acc[r][i] = _mm512_setzero_ps();
    }
    const int64_t kv = k & ~(int64_t)15;
    for (int64_t p = 0; p < kv; p += 16) {
        __m512 xv[FLINT_DOT_MAX_NX];
        UNROLL_NV for (int i = 0; i < nx; ++i) xv[i] = _mm512_loadu_ps(x + i * ldx + p);
        UNROLL_NV for (int r = 0; r < nw; ++r) {
            const __m512 wv = _mm512_loadu_ps(w + r * ldw + p);
            UNROLL_NV for (int i = 0; i < nx; ++i) acc[r][i] = _mm512_fmadd_ps(wv, xv[i], acc[r][i]);
        }
    }
    if (kv < k) {
        const __mmask16 tail = (__mmask16)((1u << (k - kv)) - 1u);
        __m512 xv[FLINT_DOT_MAX_NX];
        UNROLL_NV for (int i = 0; i < nx; ++i) xv[i] = _mm512_maskz_loadu_ps(tail, x + i * ldx + kv);
        UNROLL_NV for (int r = 0; r < nw; ++r) {
            const __m512 wv = _mm512_maskz_loadu_ps(tail, w + r * ldw + kv);
            UNROLL_NV for (int i = 0; i < nx; ++i) acc[r][i] = _mm512_fmadd_ps(wv, xv[i], acc[r][i]);
        }
    }
    UNROLL_NV for (int r = 0; r < nw; ++r) {
        UNROLL_NV for (int i = 0; i < nx; ++i) y[i * ldyx + r * ldyw] = _mm512_reduce_add_ps(acc[r][i]);
    }
}

#define DOT_ROWS_AVX512(NW, NX)                                                                         \
    do {                                                                                                \
        int64_t j = 0;                                                                                  \
        for (; j + (NW) <= n; j += (NW))                                                                \
            dot_block_avx512(k, w + j * ldw, ldw, (NW), x, ldx, (NX), y + j * ldyw, ldyx, ldyw);        \
        for (; j < n; ++j)                                                                              \
            dot_block_avx512(k, w + j * ldw, ldw, 1, x, ldx, (NX), y + j * ldyw, ldyx, ldyw);           \
    } while (0)

FLINT_TARGET_AVX512 static void gemm_dot_avx512(int64_t n, int64_t k, const float *w, int64_t ldw, int nx,
                                                const float *x, int64_t ldx, float *y, int64_t ldyx,
                                                int64_t ldyw) {
    switch (nx) {
    case 1:
        gemv_dot_avx512(n, k, w, ldw, x, y, ldyw);
        break;
    case 2:
        DOT_ROWS_AVX512(4, 2);
        break;
    case 3:
        DOT_ROWS_AVX512(4, 3);
        break;
    default:
        DOT_ROWS_AVX512(4, 4);
        break;
    }
}

FLINT_TARGET_AVX512 static void gemv_axpy_avx512(int64_t n, int64_t k, const float *w, int64_t ldw,
                                                 const float *x, int64_t incx, float *y) {
    const int64_t block = 4096;
    for (int64_t j0 = 0; j0 < n; j0 += block) {
        const int64_t nb = n - j0 < block ? n - j0 : block;
        const int64_t nv = nb & ~(int64_t)15;
        const __mmask16 tail = (__mmask16)((1u << (nb - nv)) - 1u);
        float *yb = y + j0;
        for (int64_t j = 0; j < nb; ++j) yb[j] = 0.0f;
        int64_t p = 0;
        for (; p + 4 <= k; p += 4) {
            const float *w0 = w + p * ldw + j0, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
            const __m512 x0 = _mm512_set1_ps(x[p * incx]), x1 = _mm512_set1_ps(x[(p + 1) * incx]);
            const __m512 x2 = _mm512_set1_ps(x[(p + 2) * incx]), x3 = _mm512_set1_ps(x[(p + 3) * incx]);
            int64_t j = 0;
            for (; j < nv; j += 16) {
                __m512 v = _mm512_loadu_ps(yb + j);
                v = _mm512_fmadd_ps(x0, _mm512_loadu_ps(w0 + j), v);
                v = _mm512_fmadd_ps(x1, _mm512_loadu_ps(w1 + j), v);
                v = _mm512_fmadd_ps(x2, _mm512_loadu_ps(w2 + j), v);
                v = _mm512_fmadd_ps(x3, _mm512_loadu_ps(w3 + j), v);
                _mm512_storeu_ps(yb + j, v);
            }
            if (tail) {
                __m512 v = _mm512_maskz_loadu_ps(tail, yb + j);
                v = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(tail, w0 + j), v);
                v = _mm512_fmadd_ps(x1, _mm512_maskz_loadu_ps(tail, w1 + j), v);
                v = _mm512_fmadd_ps(x2, _mm512_maskz_loadu_ps(tail, w2 + j), v);
                v = _mm512_fmadd_ps(x3, _mm512_maskz_loadu_ps(tail, w3 + j), v);
                _mm512_mask_storeu_ps(yb + j, tail, v);
            }
        }
        for (; p < k; ++p) {
            const float *w0 = w + p * ldw + j0;
            const __m512 x0 = _mm512_set1_ps(x[p * incx]);
            int64_t j = 0;
            for (; j < nv; j += 16)
                _mm512_storeu_ps(yb + j, _mm512_fmadd_ps(x0, _mm512_loadu_ps(w0 + j), _mm512_loadu_ps(yb + j)));
            if (tail)
                _mm512_mask_storeu_ps(yb + j, tail,
                                      _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(tail, w0 + j),
                                                      _mm512_maskz_loadu_ps(tail, yb + j)));
        }
    }
}

/* Streams NR-wide packed panels, four at a time (four sequential streams keep more DRAM requests in
 * flight than one); a remainder of fewer panels goes one by one. */
FLINT_TARGET_AVX512 static inline __attribute__((always_inline)) void
gemv_panels_avx512(int64_t kc, const float *x, const float *pb, float *y, int accumulate, const int np) {
    __m512 s[4][NV];
    UNROLL_NV for (int u = 0; u < np; ++u) {
        UNROLL_NV for (int v = 0; v < NV; ++v) s[u][v] = _mm512_setzero_ps();
    }
    for (int64_t p = 0; p < kc; ++p) {
        const __m512 xv = _mm512_set1_ps(x[p]);
        UNROLL_NV for (int u = 0; u < np; ++u) {
            UNROLL_NV for (int v = 0; v < NV; ++v)
                s[u][v] = _mm512_fmadd_ps(xv, _mm512_loadu_ps(pb + u * NR * kc + p * NR + 16 * v), s[u][v]);
        }
    }
    UNROLL_NV for (int u = 0; u < np; ++u) {
        UNROLL_NV for (int v = 0; v < NV; ++v) {
            __m512 r = s[u][v];
            if (accumulate) r = _mm512_add_ps(r, _mm512_loadu_ps(y + u * NR + 16 * v));
            _mm512_storeu_ps(y + u * NR + 16 * v, r);
        }
    }
}

FLINT_TARGET_AVX512 static void gemv_packed_avx512(int64_t kc, int64_t panels, const float *x,
                                                   const float *pb, int nr, float *y, int accumulate) {
    if (nr != NR) {
        flint__gemv_packed_generic(kc, panels, x, pb, nr, y, accumulate);
        return;
    }
    int64_t q = 0;
    for (; q + 4 <= panels; q += 4) gemv_panels_avx512(kc, x, pb + q * NR * kc, y + q * NR, accumulate, 4);
    for (; q < panels; ++q) gemv_panels_avx512(kc, x, pb + q * NR * kc, y + q * NR, accumulate, 1);
}

const flint_gemm_kernel FLINT_AVX512_KERNEL = {
    FLINT_AVX512_KERNEL_NAME, FLINT_AVX512_KERNEL_ID, MR, NR, FLINT_AVX512_KC, FLINT_AVX512_MC / MR * MR, 4096 - 4096 % NR,
    ukernel_avx512, ukernel_edge_avx512, flint__pack_a_avx2, flint__pack_b_avx2, gemm_dot_avx512, gemv_axpy_avx512,
    gemv_packed_avx512, ukernel_columns_avx512, ukernel_direct_avx512, ukernel_edge_direct_avx512,
};

#else
typedef int flint_kernels_avx512_unused;
#endif
