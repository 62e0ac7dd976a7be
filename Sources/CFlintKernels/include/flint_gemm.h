#ifndef FLINT_GEMM_H
#define FLINT_GEMM_H

#include <stddef.h>
#include <stdint.h>

#include "flint_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Where a GEMM bias is broadcast from.
typedef enum flint_bias_kind {
    /// No bias.
    FLINT_BIAS_NONE = 0,
    /// `bias[i]` is added to every element of output row i (`bias` has m elements).
    FLINT_BIAS_PER_ROW = 1,
    /// `bias[j]` is added to every element of output column j (`bias` has n elements).
    FLINT_BIAS_PER_COL = 2
} flint_bias_kind;

/// The activation applied last, to every output element.
typedef enum flint_activation {
    FLINT_ACTIVATION_NONE = 0,
    /// max(x, 0); NaN stays NaN.
    FLINT_ACTIVATION_RELU = 1,
    /// min(max(x, clamp_min), clamp_max); NaN stays NaN. ReLU6 is clamp(0, 6).
    FLINT_ACTIVATION_CLAMP = 2,
    /// The functions of flint_pointwise.h, applied by the same vector kernel as the separate call
    /// (flint_silu_f32 and so on), so a fused and an unfused output are bit-identical. Kernels apply them
    /// to each block of output they finish while it is still in cache, not in a later pass over memory.
    FLINT_ACTIVATION_SILU = 3,
    FLINT_ACTIVATION_SIGMOID = 4,
    FLINT_ACTIVATION_HARDSWISH = 5,
    /// GELU with the exact erf (flint_gelu_f32).
    FLINT_ACTIVATION_GELU = 6,
    /// GELU with the tanh approximation (flint_gelu_tanh_f32).
    FLINT_ACTIVATION_GELU_TANH = 7
} flint_activation;

/// What is done with each output element while it is written:
///
///     C[i][j] = act(sum_p A[i][p] * B[p][j] + beta * C[i][j] + bias + residual[i][j])
///
/// `beta == 0` means C is not read at all (it may hold NaN or garbage); any other value scales it.
/// `bias` is read according to `bias_kind` (ignored for FLINT_BIAS_NONE).
/// `residual`, if not NULL, is an m x n matrix with row stride `residual_row_stride` elements and
/// column stride 1. It must either be exactly C (same pointer and row stride as C) or not overlap C.
/// `clamp_min` / `clamp_max` are used by FLINT_ACTIVATION_CLAMP only.
/// A NULL epilogue pointer means beta 0, no bias, no residual, no activation.
typedef struct flint_gemm_epilogue {
    float beta;
    flint_bias_kind bias_kind;
    const float *bias;
    const float *residual;
    int64_t residual_row_stride;
    flint_activation activation;
    float clamp_min;
    float clamp_max;
} flint_gemm_epilogue;

/// Single-precision GEMM with a fused epilogue: C[m x n] = epilogue(A[m x k] * B[k x n]).
///
/// Element (i, p) of A is `a[i * a_row_stride + p * a_col_stride]`, element (p, j) of B is
/// `b[p * b_row_stride + j * b_col_stride]`; strides are in elements and may be any value (a transposed
/// view just swaps them; a step-2 slice doubles one), so views need no copy. Contiguous rows
/// (column stride 1) or contiguous columns (row stride 1) are the fast layouts. Element (i, j) of C is
/// `c[i * c_row_stride + j]`. k == 0 gives C = epilogue(0). m == 0 or n == 0 does nothing.
///
/// Aliasing: C must not overlap A, B or the bias; the residual follows the rule in flint_gemm_epilogue.
/// Threads: runs on `pool` (NULL = the calling thread only) when the product is large enough to profit
/// (about 1 M multiply-adds per thread; 128 K for matrix-vector products).
/// Reentrant: any number of threads may call this at once, also on the same pool (see flint_parallel_for).
/// Results do not depend on the number of threads. Products with at most 8 rows (or columns) whose large
/// operand has contiguous columns (or rows) -- GEMV, and e.g. a small batch through a PyTorch Linear
/// weight viewed transposed -- stream that operand once instead of packing it.
/// Memory: each calling thread and each pool worker keeps its packing buffers (up to ~5 MiB) for reuse;
/// they are freed when the thread exits.
void flint_sgemm(flint_pool *pool, int64_t m, int64_t n, int64_t k,
                 const float *a, int64_t a_row_stride, int64_t a_col_stride,
                 const float *b, int64_t b_row_stride, int64_t b_col_stride,
                 float *c, int64_t c_row_stride,
                 const flint_gemm_epilogue *epilogue);

/// Bytes needed by `flint_sgemm_pack_b` for a k x n matrix: enough for every kernel set this CPU can
/// run, so the value may be computed once and reused whatever `flint_kernels_force_isa` selects later.
size_t flint_sgemm_pack_b_size(int64_t k, int64_t n);

/// Packs the k x n matrix B (element (p, j) at `b[p * b_row_stride + j * b_col_stride]`) once into
/// `packed`, which must hold `flint_sgemm_pack_b_size(k, n)` bytes and be 4-byte aligned (64-byte aligned is
/// best). The packed form is private to this process (it depends on the CPU's kernels) and is immutable
/// after packing, so any number of threads may read it at once. Thread-safe.
void flint_sgemm_pack_b(int64_t k, int64_t n, const float *b, int64_t b_row_stride, int64_t b_col_stride,
                        void *packed);

/// As `flint_sgemm` with B given as a buffer from `flint_sgemm_pack_b` for the same k and n.
void flint_sgemm_packed_b(flint_pool *pool, int64_t m, int64_t n, int64_t k,
                          const float *a, int64_t a_row_stride, int64_t a_col_stride,
                          const void *packed_b,
                          float *c, int64_t c_row_stride,
                          const flint_gemm_epilogue *epilogue);

/// Bytes needed by `flint_sgemm_pack_a` for an m x k matrix (same rules as flint_sgemm_pack_b_size).
size_t flint_sgemm_pack_a_size(int64_t m, int64_t k);

/// Packs the m x k matrix A (element (i, p) at `a[i * a_row_stride + p * a_col_stride]`) once into
/// `packed` (`flint_sgemm_pack_a_size(m, k)` bytes, 4-byte aligned, 64 best). Useful when the constant
/// operand is on the left, e.g. convolution weights [Cout, Cin*kh*kw] times an im2col matrix.
/// Same rules as flint_sgemm_pack_b.
void flint_sgemm_pack_a(int64_t m, int64_t k, const float *a, int64_t a_row_stride, int64_t a_col_stride,
                        void *packed);

/// The row block `flint_sgemm_pack_a_rows` packs in: its `row_begin` must be a multiple of this.
int64_t flint_sgemm_pack_a_row_block(void);

/// Packs rows [row_begin, row_begin + row_count) of an m x k matrix A into `packed` as `flint_sgemm_pack_a`
/// would place them; `a` points at row `row_begin` (element (i, p) of the block at `a[i * a_row_stride +
/// p * a_col_stride]`). `row_begin` is a multiple of `flint_sgemm_pack_a_row_block()`; calls that together
/// cover rows 0..<m once each leave `packed` as one `flint_sgemm_pack_a` call would. For making A in blocks
/// that stay in cache, without a whole-matrix temporary.
void flint_sgemm_pack_a_rows(int64_t m, int64_t k, int64_t row_begin, int64_t row_count, const float *a,
                             int64_t a_row_stride, int64_t a_col_stride, void *packed);

/// y[r * y_row_stride + i] = (float)((double)x[r * x_row_stride + i] * scale[r]) for r < rows, i < cols: rows
/// scaled by float64 factors, each product rounded once (a batch norm folded into a weight, per output channel).
void flint_scale_rows(int64_t rows, int64_t cols, const float *x, int64_t x_row_stride, const double *scale, float *y,
                      int64_t y_row_stride);

/// As `flint_sgemm_pack_a` for the contiguous-row matrix A (`a[i * a_row_stride + p]`) with row i scaled by
/// `row_scale[i]`, each element rounded as `(float)((double)a * row_scale[i])`, without making that matrix:
/// row blocks are scaled into a cache-sized scratch and packed from there. `row_scale` NULL: unscaled.
/// Returns 0, or -1 when scratch memory is unavailable (`packed` then holds no usable form).
int flint_sgemm_pack_a_scaled(int64_t m, int64_t k, const float *a, int64_t a_row_stride, const double *row_scale,
                              void *packed);

/// As `flint_sgemm` with A given as a buffer from `flint_sgemm_pack_a` for the same m and k.
void flint_sgemm_packed_a(flint_pool *pool, int64_t m, int64_t n, int64_t k,
                          const void *packed_a,
                          const float *b, int64_t b_row_stride, int64_t b_col_stride,
                          float *c, int64_t c_row_stride,
                          const flint_gemm_epilogue *epilogue);

/// Where the packed form of a k x n matrix B keeps its elements, for writers that produce B's rows
/// themselves (a convolution's patch gather) straight into packed form instead of packing a copy.
/// Element (p, j) lives at
///
///     data + (p / kc) * kc * n_pad + (j / nr) * nr * kcur + (p % kc) * nr + j % nr
///
/// with kcur = min(kc, k - (p / kc) * kc): blocks of kc rows, each a row of nr-column panels.
typedef struct flint_packed_b_layout {
    const void *packed; ///< the whole buffer, header included: what `flint_sgemm_packed_ab` takes
    float *data;
    int64_t k, n;
    int64_t nr;    ///< columns per panel
    int64_t kc;    ///< rows per block
    int64_t n_pad; ///< n rounded up to nr
} flint_packed_b_layout;

/// Starts a packed k x n B in `packed` (`flint_sgemm_pack_b_size(k, n)` bytes, 4-byte aligned) for the
/// kernel set in use: writes its header, zeroes the padding columns n ..< n_pad, and returns where every
/// element goes. The caller then writes each element (p, j), p < k, j < n, exactly as if
/// `flint_sgemm_pack_b` had packed it; the buffer is then a valid `packed_b` for this k and n.
flint_packed_b_layout flint_sgemm_pack_b_begin(int64_t k, int64_t n, void *packed);

/// As `flint_sgemm_pack_b_begin`, in a buffer that belongs to the calling thread and is reused by its later
/// calls: valid until the same thread calls this again, freed when the thread exits. Lets a thread fill
/// and multiply one packed operand after another without allocating (and page-faulting) each time.
flint_packed_b_layout flint_sgemm_pack_b_begin_scratch(int64_t k, int64_t n);

/// As `flint_sgemm` with both operands pre-packed, A by `flint_sgemm_pack_a` and B by
/// `flint_sgemm_pack_b` or `flint_sgemm_pack_b_begin`, for the same m, n, k and the same kernel set.
void flint_sgemm_packed_ab(flint_pool *pool, int64_t m, int64_t n, int64_t k,
                           const void *packed_a, const void *packed_b,
                           float *c, int64_t c_row_stride,
                           const flint_gemm_epilogue *epilogue);

/// The name of the kernel set in use: "avx512", "avx2", "neon" or "scalar".
const char *flint_kernels_isa(void);

/// For tests and benchmarks: forces a kernel set ("scalar", "avx2", "avx512", "neon"; "avx512" is the tile
/// chosen for this CPU, "avx512-12x32" and "avx512-8x48" name one), or restores
/// automatic selection with NULL or "auto". Returns 0 on success, -1 if that set is not compiled in or
/// the CPU lacks it (the selection is then unchanged). Automatic selection can also be overridden at
/// start-up with the environment variable FLINT_KERNELS_ISA. Not to be called while GEMMs run on other
/// threads. Buffers packed earlier stay valid: they remember the kernel set that packed them.
int flint_kernels_force_isa(const char *name);

#ifdef __cplusplus
}
#endif

#endif
