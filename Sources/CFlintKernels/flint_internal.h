#ifndef FLINT_INTERNAL_H
#define FLINT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "flint_gemm.h"

/* Everything here is private to the CFlintKernels target. Symbols with external linkage use the
 * `flint__` prefix (double underscore) so they never clash with the public `flint_` API. */

#if defined(__x86_64__) || defined(__i386__)
#define FLINT_X86 1
#define FLINT_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define FLINT_TARGET_AVX512 __attribute__((target("avx2,fma,avx512f,avx512vl,avx512bw,avx512dq")))
#endif

/* Bits of flint_tile_epi.flags. */
enum {
    FLINT_EPI_BIAS_ROW = 1,
    FLINT_EPI_BIAS_COL = 2,
    FLINT_EPI_RESIDUAL = 4
};

/* A pointwise function of flint_pointwise.h applied in place to `rows` rows of `cols` floats, row stride ldc. */
typedef void (*flint__rows_fn)(float *c, int64_t ldc, int64_t rows, int64_t cols);

/* One of the function activations (FLINT_ACTIVATION_SILU and after) over rows, with the vector kernel of
 * this CPU that flint_silu_f32 and the others use; NULL for none, relu and clamp (flint_pointwise.c). */
flint__rows_fn flint__activation_rows(int activation);

/* What a micro-kernel does when it stores a tile (already specialised to that tile):
 *   v = acc + beta * C (C not read when beta == 0) + bias + residual;  C = act(v)
 * then, for a function activation, C = fn(C) over the finished tile (flint__epilogue_function: the
 * driver calls it once per tile while the tile is in L1; micro-kernels only clamp). 
 * `bias` points at the tile's first row entry (per row) or first column entry (per column);
 * `res` points at the residual element of the tile's (0, 0). */
typedef struct flint_tile_epi {
    float beta;
    int flags;
    int act;
    float lo, hi;
    const float *bias;
    const float *res;
    int64_t ldr;
    flint__rows_fn fn; /* function activation, or NULL */
} flint_tile_epi;

/* Micro-kernel: acc[MR x NR] = sum over kc of pa (MR-interleaved) x pb (NR-interleaved), stored to the
 * full MR x NR tile at c (row stride ldc) through the epilogue. */
typedef void (*flint_ukernel_fn)(int64_t kc, const float *pa, const float *pb, float *c, int64_t ldc,
                                 const flint_tile_epi *e);

/* Micro-kernel for a partial tile: only rows [0, mr) and columns [0, nr) of C are touched. */
typedef void (*flint_ukernel_edge_fn)(int64_t kc, const float *pa, const float *pb, float *c, int64_t ldc,
                                      int64_t mr, int64_t nr, const flint_tile_epi *e);

/* Micro-kernel for the last few columns of a panel of B (cols <= FLINT_COLUMNS_MAX): columns [0, cols) of B
 * (`pb`, row stride ldb) against `tiles` (at most FLINT_COLUMNS_TILES) consecutive MR-row panels of A (`pa`,
 * MR * kc floats each), the raw sums into acc[(t * MR + i) * cols + j] for tile t, row i (all MR), column j;
 * the caller applies the epilogue. It multiplies a column of A's panel (one vector of MR rows) by each B value,
 * so a product whose width leaves a column or a few past the last 16-column vector (a 7x7 plane has 49
 * positions) does not pay for a whole vector per row for them. Each sum adds its k terms in order, as the
 * full-tile kernels do, so (with beta 0 or 1) a column's values do not depend on which kernel computed it. */
typedef void (*flint_ukernel_columns_fn)(int64_t kc, const float *pa, int64_t tiles, const float *pb, int64_t ldb,
                                         int64_t cols, float *acc);
#define FLINT_COLUMNS_MAX 4
#define FLINT_COLUMNS_TILES 8

/* Micro-kernels reading B where it lies (row-major, row stride ldb, columns contiguous) instead of from a
 * packed panel: a full MR x NR tile, and a partial one (rows [0, mr), columns [0, nr), never reading past
 * column nr). */
typedef void (*flint_ukernel_direct_fn)(int64_t kc, const float *pa, const float *b, int64_t ldb, float *c,
                                        int64_t ldc, const flint_tile_epi *e);
typedef void (*flint_ukernel_edge_direct_fn)(int64_t kc, const float *pa, const float *b, int64_t ldb, float *c,
                                             int64_t ldc, int64_t mr, int64_t nr, const flint_tile_epi *e);

/* Packs rows [0, rows) x cols [0, kc) of A into MR-row panels: out[panel][p][i], zero-padded to MR. */
typedef void (*flint_pack_a_fn)(int64_t rows, int64_t kc, const float *a, int64_t rs, int64_t cs, int mr,
                                float *out);
/* Packs rows [0, kc) x cols [0, cols) of B into NR-column panels: out[panel][p][j], zero-padded to NR. */
typedef void (*flint_pack_b_fn)(int64_t kc, int64_t cols, const float *b, int64_t rs, int64_t cs, int nr,
                                float *out);
/* Dot-product GEMM for a few rows of x: y[i * ldyx + j * ldyw] = sum_p x[i * ldx + p] * w[j * ldw + p]
 * for i < nx (1 <= nx <= FLINT_DOT_MAX_NX) and j < n; rows of x and w are contiguous. It streams w once,
 * so it is the GEMV kernel (nx == 1) and the kernel for products with very few rows or columns. */
typedef void (*flint_gemm_dot_fn)(int64_t n, int64_t k, const float *w, int64_t ldw, int nx, const float *x,
                                  int64_t ldx, float *y, int64_t ldyx, int64_t ldyw);
#define FLINT_DOT_MAX_NX 4
/* y[j] = sum_p x[p * incx] * w[p * ldw + j] for j < n (rows of w contiguous, y contiguous). */
typedef void (*flint_gemv_axpy_fn)(int64_t n, int64_t k, const float *w, int64_t ldw, const float *x,
                                   int64_t incx, float *y);
/* y[panel * nr + j] (+)= sum_p x[p] * pb[panel][p][j] for `panels` NR-panels of one kc block. */
typedef void (*flint_gemv_packed_fn)(int64_t kc, int64_t panels, const float *x, const float *pb, int nr,
                                     float *y, int accumulate);

typedef struct flint_gemm_kernel {
    const char *name;
    int id;
    int mr, nr;
    int64_t kc, mc, nc;
    flint_ukernel_fn ukernel;
    flint_ukernel_edge_fn ukernel_edge; /* NULL: partial tiles go through a buffer */
    flint_pack_a_fn pack_a;
    flint_pack_b_fn pack_b;
    flint_gemm_dot_fn gemm_dot;
    flint_gemv_axpy_fn gemv_axpy;
    flint_gemv_packed_fn gemv_packed;
    flint_ukernel_columns_fn ukernel_columns; /* NULL: partial tiles compute whole vectors of columns */
    flint_ukernel_direct_fn ukernel_direct;           /* NULL: B is always packed */
    flint_ukernel_edge_direct_fn ukernel_edge_direct;
} flint_gemm_kernel;

enum { FLINT_KERNEL_SCALAR = 0, FLINT_KERNEL_AVX2 = 1, FLINT_KERNEL_AVX512 = 2, FLINT_KERNEL_NEON = 3, FLINT_KERNEL_AVX512_8X48 = 4 };

/* Whether kernel set `id` runs AVX-512 (either of its tiles): the other AVX-512 kernels may be used with it. */
static inline int flint__is_avx512(int id) { return id == FLINT_KERNEL_AVX512 || id == FLINT_KERNEL_AVX512_8X48; }
#define FLINT_MAX_MR 16
#define FLINT_MAX_NR 64

/* Floats of slack after every packed buffer: packers may store whole vectors past a panel's end. */
#define FLINT_PACK_SLACK 64

/* The epilogue of the whole product (bias and residual pointers at element (0, 0)). */
static inline flint_tile_epi flint__epi_normalize(const flint_gemm_epilogue *ep) {
    flint_tile_epi e;
    e.beta = 0.0f;
    e.flags = 0;
    e.act = 0;
    e.lo = 0.0f;
    e.hi = 0.0f;
    e.bias = 0;
    e.res = 0;
    e.ldr = 0;
    e.fn = 0;
    if (!ep) return e;
    e.beta = ep->beta;
    if (ep->bias && ep->bias_kind == FLINT_BIAS_PER_ROW) e.flags |= FLINT_EPI_BIAS_ROW;
    if (ep->bias && ep->bias_kind == FLINT_BIAS_PER_COL) e.flags |= FLINT_EPI_BIAS_COL;
    if (e.flags) e.bias = ep->bias;
    if (ep->residual) {
        e.flags |= FLINT_EPI_RESIDUAL;
        e.res = ep->residual;
        e.ldr = ep->residual_row_stride;
    }
    if (ep->activation == FLINT_ACTIVATION_RELU) {
        e.act = 1;
        e.lo = 0.0f;
        e.hi = __builtin_inff();
    } else if (ep->activation == FLINT_ACTIVATION_CLAMP) {
        e.act = 1;
        e.lo = ep->clamp_min;
        e.hi = ep->clamp_max;
    } else {
        e.fn = flint__activation_rows((int)ep->activation);
    }
    return e;
}

/* The epilogue of the tile at (row, col); `first` / `last` say whether this pass over C is the first
 * or last k-block (bias, residual and beta apply once, at the first; the activation at the last). */
static inline flint_tile_epi flint__epi_at(const flint_tile_epi *base, int64_t row, int64_t col, int first,
                                           int last) {
    flint_tile_epi e = *base;
    if (!first) {
        e.beta = 1.0f;
        e.flags = 0;
    }
    if (!last) {
        e.act = 0;
        e.fn = 0;
    }
    if (e.flags & FLINT_EPI_BIAS_ROW) e.bias += row;
    if (e.flags & FLINT_EPI_BIAS_COL) e.bias += col;
    if (e.flags & FLINT_EPI_RESIDUAL) e.res += row * e.ldr + col;
    return e;
}

/* The function activation of a finished block of C (rows x cols, row stride ldc), if the epilogue has one. */
static inline void flint__epilogue_function(const flint_tile_epi *e, float *c, int64_t ldc, int64_t rows, int64_t cols) {
    if (e->fn) e->fn(c, ldc, rows, cols);
}

/* Thin products (m or n at most FLINT_THIN_MAX, GEMV included) whose big operand has a layout they
 * stream well; returns 0 (doing nothing) for any other product. Up to 8 rows, two passes of the dot
 * kernel over a weight matrix still beat packing it (measured on 768 x 3072, in and out of cache). */
#define FLINT_THIN_MAX 8
int flint__gemm_thin(flint_pool *pool, const flint_gemm_kernel *K, int64_t m, int64_t n, int64_t k,
                     const float *a, int64_t rsa, int64_t csa, const float *b, int64_t rsb, int64_t csb, float *c,
                     int64_t ldc, const flint_tile_epi *epi);
/* m == 1 against packed B: y[0, n) over the NR-panels of the packed data (kc-blocked). */
void flint__gemv_packed_b(flint_pool *pool, const flint_gemm_kernel *K, int64_t n, int64_t k, int64_t kc,
                          const float *a, int64_t csa, const float *packed, float *c, const flint_tile_epi *epi);

/* Thread thresholds in multiply-adds per extra thread (tests lower them). */
extern int64_t flint__gemm_macs_per_thread;
extern int64_t flint__gemv_macs_per_thread;

/* The kernel set in use (selected once, lazily). */
const flint_gemm_kernel *flint__kernel(void);
/* The kernel set with this id, or NULL if it is not available on this CPU. */
const flint_gemm_kernel *flint__kernel_by_id(int id);

/* A per-thread, 64-byte aligned scratch buffer of at least `bytes` bytes; slot 0..12 are independent
 * (0, 1: the GEMM's packing; 2, 3: thin products; 4: flint_sgemm_pack_b_begin_scratch; 5, 6: Winograd's
 * transformed input and products; 7: the LSTM's gates; 8: a large im2col plan; 9, 10: the depthwise
 * convolution's rows and row tags, the average pool's divisors (10); 11: the pooling row ring; 12: the
 * narrow convolution's weights and split input).
 * Kernels use it instead of malloc so that a steady run of inferences allocates nothing.
 * Valid until the next call with the same slot on the same thread. NULL on allocation failure. */
void *flint__scratch(int slot, size_t bytes);

/* Depthwise convolution of a small plane at stride 2 with more taps than 3x3 (dw_small in flint_depthwise_simd.c,
 * sized by its driver in flint_depthwise.c; with 3x3 the split costs what it saves): the zero-padded plane of P
 * columns and HP rows is followed by its four phases (even/odd rows x even/odd columns, each (P + 1) / 2 columns
 * by (HP + 1) / 2 rows). These are the floats the padded plane takes (with slack for the even/odd reads of its
 * last row and a whole vector written past it) and the floats between one phase and the next (with slack for a
 * whole vector written past its last row). */
static inline int flint__dw_small_phased(int64_t stride, int64_t taps) { return stride == 2 && taps > 9; }
static inline int64_t flint__dw_s2_padded_floats(int64_t P, int64_t HP) { return (P * HP + 33 + 15) / 16 * 16; }
static inline int64_t flint__dw_s2_phase_floats(int64_t P, int64_t HP) {
    return (((P + 1) / 2) * ((HP + 1) / 2) + 15) / 16 * 16 + 16; /* + whole-vector stores past the last row */
}

/* Applies the epilogue to an mr x nr tile: acc (row stride lda) -> c (row stride ldc). */
void flint__epilogue_tile(const float *acc, int64_t lda, float *c, int64_t ldc, int64_t mr, int64_t nr,
                          const flint_tile_epi *e);

/* Portable kernels, also the building blocks other kernel sets fall back on. */
void flint__pack_a_generic(int64_t rows, int64_t kc, const float *a, int64_t rs, int64_t cs, int mr,
                           float *out);
void flint__pack_b_generic(int64_t kc, int64_t cols, const float *b, int64_t rs, int64_t cs, int nr,
                           float *out);
void flint__gemm_dot_generic(int64_t n, int64_t k, const float *w, int64_t ldw, int nx, const float *x,
                             int64_t ldx, float *y, int64_t ldyx, int64_t ldyw);
void flint__gemv_axpy_generic(int64_t n, int64_t k, const float *w, int64_t ldw, const float *x,
                              int64_t incx, float *y);
void flint__gemv_packed_generic(int64_t kc, int64_t panels, const float *x, const float *pb, int nr,
                                float *y, int accumulate);

extern const flint_gemm_kernel flint__kernel_scalar;
#if defined(FLINT_X86)
extern const flint_gemm_kernel flint__kernel_avx2;
extern const flint_gemm_kernel flint__kernel_avx512;
extern const flint_gemm_kernel flint__kernel_avx512_8x48;
#endif
#if defined(__aarch64__)
extern const flint_gemm_kernel flint__kernel_neon;
#endif

#endif
