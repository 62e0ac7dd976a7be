/* Scaled dot-product attention with libtorch's arithmetic (flint_attention.h): ATen's cpu_flash_attention,
 * float by float (contraction off: flint_exact_fp.h). */
#include "flint_attention.h"
#include "flint_internal.h"
#include "flint_pointwise.h"

#include <math.h>
#include <string.h>

#include "flint_exact_fp.h"

/* The contraction length up to which libtorch's BLAS sums a product in one sequence (MKL's blocking as
 * measured with torch 2.15 on an AMD EPYC Zen 4: see flint_attention.h). */
enum { ATTN_BLAS_K_BLOCK = 192, ATTN_KV_SPLIT = 512, ATTN_TILE_ROWS = 4, ATTN_TILE_COLUMNS = 32 };

static int64_t attn_query_split(int64_t queries) {
    const int64_t split = queries >= 768 ? 256 : queries >= 192 ? 64 : 32;
    return split > queries ? queries : split;
}

static int64_t attn_key_split(int64_t keys) { return keys < ATTN_KV_SPLIT ? keys : ATTN_KV_SPLIT; }

size_t flint_flash_attention_scratch(int64_t queries, int64_t keys, int64_t head_size) {
    const int64_t qs = attn_query_split(queries), ks = attn_key_split(keys);
    const int64_t widest = ks > head_size ? ks : head_size;
    /* kᵀ, scores, max, sum, dst, a row of accumulators */
    return (size_t)(head_size * keys + qs * ks + 2 * qs + qs * head_size + widest);
}

/* The end of the block of the contraction 0 ..< k that starts at `start`, as libtorch's BLAS cuts it: one block
 * up to ATTN_BLAS_K_BLOCK, two halves (and a last odd element alone) up to twice that, blocks of
 * ATTN_BLAS_K_BLOCK beyond. */
static inline int64_t attn_block_end(int64_t k, int64_t start) {
    if (k <= ATTN_BLAS_K_BLOCK) return k;
    if (k <= 2 * ATTN_BLAS_K_BLOCK) {
        const int64_t half = k / 2;
        return start < half ? half : start < 2 * half ? 2 * half : k;
    }
    return k - start > ATTN_BLAS_K_BLOCK ? start + ATTN_BLAS_K_BLOCK : k;
}

/* One block of the contraction, start ..< end, for a tile of ATTN_TILE_ROWS x ATTN_TILE_COLUMNS outputs (which
 * the compiler keeps in vector registers): t[r][j] = sum_p a[r][p] * b[p][j] by fused multiply-adds in p order
 * from zero. */
static inline __attribute__((always_inline)) void attn_tile(int64_t start, int64_t end, const float *a, int64_t lda,
                                                            const float *b, int64_t ldb,
                                                            float t[ATTN_TILE_ROWS][ATTN_TILE_COLUMNS]) {
    float c[ATTN_TILE_ROWS][ATTN_TILE_COLUMNS];
    for (int r = 0; r < ATTN_TILE_ROWS; ++r)
        for (int j = 0; j < ATTN_TILE_COLUMNS; ++j) c[r][j] = 0.0f;
    for (int64_t p = start; p < end; ++p) {
        const float *bp = b + p * ldb;
        for (int r = 0; r < ATTN_TILE_ROWS; ++r) {
            const float av = a[r * lda + p];
            for (int j = 0; j < ATTN_TILE_COLUMNS; ++j) c[r][j] = fmaf(av, bp[j], c[r][j]);
        }
    }
    for (int r = 0; r < ATTN_TILE_ROWS; ++r)
        for (int j = 0; j < ATTN_TILE_COLUMNS; ++j) t[r][j] = c[r][j];
}

/* c[i][j] = (accumulate ? c[i][j] : 0) + sum_p a[i][p] * b[p][j] for i < rows, j < cols, in libtorch's BLAS
 * order: each block of the contraction summed from zero by fused multiply-adds, the block sums added to c in
 * order. a: row stride lda, b: row stride ldb (both contiguous along their rows), c: row stride ldc; `acc`
 * holds cols floats (one row of the edges that do not fill a tile). */
static inline __attribute__((always_inline)) void attn_gemm(int64_t rows, int64_t cols, int64_t k, const float *a,
                                                            int64_t lda, const float *b, int64_t ldb, float *c,
                                                            int64_t ldc, int accumulate, float *acc) {
    const int64_t full_rows = rows / ATTN_TILE_ROWS * ATTN_TILE_ROWS, full_cols = cols / ATTN_TILE_COLUMNS * ATTN_TILE_COLUMNS;
    for (int64_t start = 0, end; start < k; start = end) {
        end = attn_block_end(k, start);
        const int add = start > 0 || accumulate;
        for (int64_t i0 = 0; i0 < full_rows; i0 += ATTN_TILE_ROWS)
            for (int64_t j0 = 0; j0 < full_cols; j0 += ATTN_TILE_COLUMNS) {
                float t[ATTN_TILE_ROWS][ATTN_TILE_COLUMNS];
                attn_tile(start, end, a + i0 * lda, lda, b + j0, ldb, t);
                for (int r = 0; r < ATTN_TILE_ROWS; ++r) {
                    float *ci = c + (i0 + r) * ldc + j0;
                    if (add)
                        for (int j = 0; j < ATTN_TILE_COLUMNS; ++j) ci[j] = ci[j] + t[r][j];
                    else
                        for (int j = 0; j < ATTN_TILE_COLUMNS; ++j) ci[j] = t[r][j];
                }
            }
        /* the edges: the last rows (all columns), and the last columns of the full rows */
        for (int64_t i = 0; i < rows; ++i) {
            const int64_t j_from = i < full_rows ? full_cols : 0, width = cols - j_from;
            if (width <= 0) continue;
            for (int64_t j = 0; j < width; ++j) acc[j] = 0.0f;
            for (int64_t p = start; p < end; ++p) {
                const float av = a[i * lda + p];
                const float *bp = b + p * ldb + j_from;
                for (int64_t j = 0; j < width; ++j) acc[j] = fmaf(av, bp[j], acc[j]);
            }
            float *ci = c + i * ldc + j_from;
            if (add)
                for (int64_t j = 0; j < width; ++j) ci[j] = ci[j] + acc[j];
            else
                for (int64_t j = 0; j < width; ++j) ci[j] = acc[j];
        }
    }
}

/* MKL's small-matrix kernels, as measured with torch 2.15 on an AMD EPYC (Zen 4) by revealing each output's
 * summation tree (inputs of ±2^40 and ones): for the scores q kᵀ when the query block has fewer than 4 rows or
 * there are fewer than 12 keys, and for the product with v when the block has fewer than 4 rows. They multiply
 * and add separately (no fused multiply-add) and keep several partial sums per output. The score trees below
 * hold for head sizes that are multiples of 8 from 16 (others keep attn_gemm's order for the scores); the
 * product with v follows attn_gemm_small_rows for every head size measured (8 to 64). */
enum { ATTN_SMALL_QUERY_ROWS = 4, ATTN_SMALL_KEYS = 12 };

/* acc[(p - from) % lanes] += a[p] * b[p] for p in from ..< to, a product and an addition each. */
static inline __attribute__((always_inline)) void attn_lane_sums(const float *a, const float *b, int64_t from,
                                                                 int64_t to, int lanes, float *acc) {
    int64_t p = from;
    if (lanes == 8)
        for (; p + 8 <= to; p += 8)
            for (int l = 0; l < 8; ++l) acc[l] = acc[l] + a[p + l] * b[p + l];
    else
        for (; p + 4 <= to; p += 4)
            for (int l = 0; l < 4; ++l) acc[l] = acc[l] + a[p + l] * b[p + l];
    for (; p < to; ++p) acc[(p - from) % lanes] = acc[(p - from) % lanes] + a[p] * b[p];
}

/* The two reductions the kernels end with: four partial sums as (0 + 2) + (1 + 3); eight by halving. */
static inline float attn_reduce4(const float *acc) { return (acc[0] + acc[2]) + (acc[1] + acc[3]); }
static inline float attn_reduce8(const float *acc) {
    return ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
}

/* One score of a single-row query block (MKL's matrix-vector kernel). Keys come in groups of 4, each summing
 * its first four products in one partial sum, then four partial sums over the rest. The last keys (the count
 * modulo 4) alternate between eight partial sums and four, over all but the first and last four products;
 * the last four are added to the reduced sum one by one. */
static inline __attribute__((always_inline)) float attn_score_one_row(const float *q, const float *k, int64_t d,
                                                                      int group_of_four, int eight_sums) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int64_t p = 0; p < 4; ++p) acc[0] = acc[0] + q[p] * k[p];
    if (group_of_four) {
        attn_lane_sums(q, k, 4, d, 4, acc);
        return attn_reduce4(acc);
    }
    attn_lane_sums(q, k, 4, d - 4, eight_sums ? 8 : 4, acc);
    float sum = eight_sums ? attn_reduce8(acc) : attn_reduce4(acc);
    for (int64_t p = d - 4; p < d; ++p) sum = sum + q[p] * k[p];
    return sum;
}

/* scores[i][j] = q_i · k_j for a query block with fewer than 4 rows or fewer than 12 keys, in MKL's order:
 * keys in groups of 4 sum over four partial sums (p mod 4), the last keys (the count modulo 4) over eight
 * (p mod 8); a single row takes attn_score_one_row's order, and so does a single key, with the rows in its
 * place (MKL's matrix-vector kernel either way). */
static inline __attribute__((always_inline)) void attn_scores_small(int64_t rows, int64_t cols, int64_t d,
                                                                    const float *q, int64_t qs, const float *k,
                                                                    int64_t ks, float *scores) {
    const int64_t grouped = cols / 4 * 4;
    for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) {
            const float *qi = q + i * qs, *kj = k + j * ks;
            float value;
            if (rows == 1) {
                value = attn_score_one_row(qi, kj, d, j < grouped, (j - grouped) % 2 == 0);
            } else if (cols == 1) {
                const int64_t grouped_rows = rows / 4 * 4;
                value = attn_score_one_row(qi, kj, d, i < grouped_rows, (i - grouped_rows) % 2 == 0);
            } else {
                float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
                attn_lane_sums(qi, kj, 0, d, j < grouped ? 4 : 8, acc);
                value = j < grouped ? attn_reduce4(acc) : attn_reduce8(acc);
            }
            scores[i * cols + j] = value;
        }
}

/* c[i][j] = (accumulate ? c[i][j] : 0) + sum_p a[i][p] * b[p][j] for a block of fewer than 4 rows, in MKL's
 * order, a product and an addition each: one sequence over the whole contraction, continuing from c, for the
 * outputs at 16-byte aligned addresses and after them. The outputs before the first such address (libtorch's
 * c lies `c_misalignment` floats past one; c's rows are ldc floats apart) sum a contraction of 8 or more in
 * steps of 8: four products onto the running sum, then the next four summed apart and added to it; the last
 * (k mod 8) products go onto the running sum. */
static inline __attribute__((always_inline)) void attn_gemm_small_rows(int64_t rows, int64_t cols, int64_t k,
                                                                       const float *a, int64_t lda, const float *b,
                                                                       int64_t ldb, float *c, int64_t ldc,
                                                                       int accumulate, int64_t c_misalignment,
                                                                       float *acc) {
    for (int64_t i = 0; i < rows; ++i) {
        float *ci = c + i * ldc;
        const float *ai = a + i * lda;
        for (int64_t j = 0; j < cols; ++j) acc[j] = accumulate ? ci[j] : 0.0f;
        for (int64_t p = 0; p < k; ++p) {
            const float av = ai[p];
            const float *bp = b + p * ldb;
            for (int64_t j = 0; j < cols; ++j) acc[j] = acc[j] + av * bp[j];
        }
        const int64_t unaligned = (4 - (c_misalignment + i * ldc) % 4) % 4;
        const int64_t peeled = k >= 8 ? (unaligned < cols ? unaligned : cols) : 0;
        for (int64_t j = 0; j < peeled; ++j) {
            float sum = accumulate ? ci[j] : 0.0f;
            int64_t p = 0;
            for (; p + 8 <= k; p += 8) {
                for (int64_t t = p; t < p + 4; ++t) sum = sum + ai[t] * b[t * ldb + j];
                float apart = 0.0f;
                for (int64_t t = p + 4; t < p + 8; ++t) apart = apart + ai[t] * b[t * ldb + j];
                sum = sum + apart;
            }
            for (; p < k; ++p) sum = sum + ai[p] * b[p * ldb + j];
            acc[j] = sum;
        }
        for (int64_t j = 0; j < cols; ++j) ci[j] = acc[j];
    }
}

static inline float attn_bits_to_float(uint32_t bits) {
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* ATen's Vectorized<float>::exp_u20, one lane. */
static inline __attribute__((always_inline)) float attn_exp_u20(float x) {
    const float ln_min = attn_bits_to_float(0xc2aeac50u), ln_max = attn_bits_to_float(0x42b17218u);
    const float log2e = attn_bits_to_float(0x3fb8aa3bu), ln2 = attn_bits_to_float(0x3f317218u);
    const int underflow = x < ln_min;
    float s = x < ln_max ? x : ln_max; /* min_ps / max_ps: a NaN x becomes the bound, as in ATen */
    s = s > ln_min ? s : ln_min;
    const float fx = floorf(fmaf(s, log2e, 0.5f));
    const float r = fmaf(-fx, ln2, s);
    float p = fmaf(r, 0.00828929059f, 0.0418978221f);
    p = fmaf(r, p, 0.166676521f);
    p = fmaf(r, p, 0.499991506f);
    p = fmaf(r, p, 0.999999701f);
    p = fmaf(r, p, 1.0f);
    const int32_t n = (int32_t)(fx - 1.0f);
    const float two_n = underflow ? 0.0f : attn_bits_to_float((uint32_t)(n + 127) << 23);
    return (p * two_n) * 2.0f;
}

/* The largest of row[0 ..< cols], NaN if any is NaN (ATen's vec::maximum); -inf for an empty row. */
static inline __attribute__((always_inline)) float attn_max(const float *row, int64_t cols) {
    float lane[16];
    for (int l = 0; l < 16; ++l) lane[l] = -INFINITY;
    int64_t j = 0;
    for (; j + 16 <= cols; j += 16)
        for (int l = 0; l < 16; ++l) {
            const float v = row[j + l];
            lane[l] = (v > lane[l] || v != v) ? v : lane[l];
        }
    float max = -INFINITY;
    for (; j < cols; ++j) max = (row[j] > max || row[j] != row[j]) ? row[j] : max;
    for (int l = 0; l < 16; ++l) max = (lane[l] > max || lane[l] != lane[l]) ? lane[l] : max;
    return max;
}

/* row[j] = exp(row[j] - max) for j < cols; returns their sum as ATen's _exp_reduce_sum_fusion_kernel adds it:
 * per vector lane over the whole vectors, the lanes folded by halves (lane i with lane i ^ d, d = lanes/2 ... 1),
 * then the remaining elements one by one with the libm exponential. */
static inline __attribute__((always_inline)) float attn_exp_sum(float *row, int64_t cols, float max, int lanes) {
    float acc[16] = {0};
    const int64_t whole = cols / lanes * lanes;
    for (int64_t j = 0; j < whole; j += lanes)
        for (int l = 0; l < lanes; ++l) {
            const float e = attn_exp_u20(row[j + l] - max);
            row[j + l] = e;
            acc[l] = acc[l] + e;
        }
    for (int d = lanes / 2; d >= 1; d /= 2) {
        float folded[16];
        for (int l = 0; l < lanes; ++l) folded[l] = acc[l] + acc[l ^ d];
        for (int l = 0; l < lanes; ++l) acc[l] = folded[l];
    }
    float sum = acc[0];
    for (int64_t j = whole; j < cols; ++j) {
        const float e = (float)exp((double)(row[j] - max));
        sum += e;
        row[j] = e;
    }
    return sum;
}

static inline __attribute__((always_inline)) void attn_head(const float *q, int64_t qs, const float *k, int64_t ks,
                                                            const float *v, int64_t vs, float *out, int64_t os,
                                                            int64_t queries, int64_t keys, int64_t d, float scale,
                                                            const flint_attention_mask *mask, int causal,
                                                            int64_t first_item, int64_t items_per_thread,
                                                            float *scratch, int lanes) {
    const int64_t q_split = attn_query_split(queries), kv_split = attn_key_split(keys);
    /* libtorch's per-thread buffer: scores, max, sum, then the block's unnormalised output (dst) */
    const int64_t aten_buffer = q_split * kv_split + 2 * q_split + q_split * d;
    float *kt = scratch;                 /* d x keys: kᵀ */
    float *scores = kt + d * keys;       /* query block x key block */
    float *row_max = scores + q_split * kv_split, *row_sum = row_max + q_split;
    float *dst = row_sum + q_split;      /* query block x d */
    float *acc = dst + q_split * d;      /* max(key block, d) */
    const int mask_kind = mask ? mask->kind : 0;
    /* kᵀ serves the large blocks' scores; when every block's scores take MKL's small-block order, none need it */
    const int small_score_trees_known = d % 8 == 0 && d >= 16;
    if (!(small_score_trees_known && (q_split < ATTN_SMALL_QUERY_ROWS || kv_split < ATTN_SMALL_KEYS)))
        for (int64_t j0 = 0; j0 < keys; j0 += 16) {
            const int64_t width = keys - j0 < 16 ? keys - j0 : 16;
            for (int64_t p = 0; p < d; ++p)
                for (int64_t j = 0; j < width; ++j) kt[p * keys + j0 + j] = k[(j0 + j) * ks + p];
        }
    for (int64_t m = 0; m < queries; m += q_split) {
        const int64_t rows = queries - m < q_split ? queries - m : q_split;
        for (int64_t r = 0; r < rows; ++r) {
            row_max[r] = -INFINITY;
            row_sum[r] = 0.0f;
        }
        const int64_t num_keys = causal ? (m + rows < keys ? m + rows : keys) : keys;
        /* where libtorch's dst lies relative to 16 bytes: its thread's buffer, and the scores, max and sum */
        const int64_t aten_thread = (first_item + m / q_split) / items_per_thread;
        const int64_t dst_misalignment = (aten_thread * aten_buffer + q_split * kv_split + 2 * q_split) % 4;
        for (int64_t n = 0; n < num_keys; n += kv_split) {
            const int64_t cols = keys - n < kv_split ? keys - n : kv_split;
            if (small_score_trees_known && (rows < ATTN_SMALL_QUERY_ROWS || cols < ATTN_SMALL_KEYS))
                attn_scores_small(rows, cols, d, q + m * qs, qs, k + n * ks, ks, scores);
            else
                attn_gemm(rows, cols, d, q + m * qs, qs, kt + n, keys, scores, cols, 0, acc);
            if (causal && num_keys - n <= kv_split)
                for (int64_t r = 0; r < rows; ++r)
                    for (int64_t j = m + r - n + 1; j < cols; ++j) scores[r * cols + j] = -INFINITY;
            for (int64_t r = 0; r < rows; ++r) {
                float *row = scores + r * cols;
                float block_max;
                if (mask_kind) {
                    const int64_t at = (m + r) * mask->row_stride + n * mask->column_stride;
                    for (int64_t j = 0; j < cols; ++j) {
                        const int64_t e = at + j * mask->column_stride;
                        const float add = mask_kind == 1 ? ((const float *)mask->data)[e]
                                                         : (((const uint8_t *)mask->data)[e] ? 0.0f : -INFINITY);
                        row[j] = fmaf(row[j], scale, add);
                    }
                } else {
                    for (int64_t j = 0; j < cols; ++j) row[j] = row[j] * scale;
                }
                block_max = attn_max(row, cols);
                const float max = row_max[r] > block_max ? row_max[r] : block_max;
                if (max == -INFINITY) {
                    for (int64_t j = 0; j < cols; ++j) row[j] = 0.0f;
                    continue;
                }
                const float sum = attn_exp_sum(row, cols, max, lanes);
                const float rescale = expf(row_max[r] - max);
                row_sum[r] = fmaf(rescale, row_sum[r], sum);
                row_max[r] = max;
                if (n > 0)
                    for (int64_t p = 0; p < d; ++p) dst[r * d + p] = dst[r * d + p] * rescale;
            }
            if (rows < ATTN_SMALL_QUERY_ROWS)
                attn_gemm_small_rows(rows, d, cols, scores, cols, v + n * vs, vs, dst, d, n > 0, dst_misalignment, acc);
            else
                attn_gemm(rows, d, cols, scores, cols, v + n * vs, vs, dst, d, n > 0, acc);
        }
        for (int64_t r = 0; r < rows; ++r) {
            const float reciprocal = 1.0f / (row_sum[r] == 0.0f ? 1.0f : row_sum[r]);
            for (int64_t p = 0; p < d; ++p) out[(m + r) * os + p] = dst[r * d + p] * reciprocal;
        }
    }
}

/* One clone of attn_head per instruction set, each with the vector width ATen sums over as a constant. */
#define ATTN_HEAD_CLONE(name, target)                                                                              \
    target static void name(const float *q, int64_t qs, const float *k, int64_t ks, const float *v, int64_t vs,    \
                            float *out, int64_t os, int64_t queries, int64_t keys, int64_t d, float scale,           \
                            const flint_attention_mask *mask, int causal, int64_t first_item,                        \
                            int64_t items_per_thread, float *scratch, int lanes) {                                   \
        if (lanes == 16)                                                                                           \
            attn_head(q, qs, k, ks, v, vs, out, os, queries, keys, d, scale, mask, causal, first_item,              \
                      items_per_thread, scratch, 16);                                                              \
        else                                                                                                       \
            attn_head(q, qs, k, ks, v, vs, out, os, queries, keys, d, scale, mask, causal, first_item,              \
                      items_per_thread, scratch, 8);                                                               \
    }
ATTN_HEAD_CLONE(attn_head_portable, )
#if defined(FLINT_X86)
ATTN_HEAD_CLONE(attn_head_avx512, FLINT_TARGET_AVX512)
ATTN_HEAD_CLONE(attn_head_avx2, FLINT_TARGET_AVX2)
#endif

void flint_flash_attention_f32(const float *q, int64_t q_row_stride, const float *k, int64_t k_row_stride,
                               const float *v, int64_t v_row_stride, float *out, int64_t out_row_stride,
                               int64_t queries, int64_t keys, int64_t head_size, float scale,
                               const flint_attention_mask *mask, int causal, int vector_lanes,
                               flint_attention_placement placement, float *scratch) {
    if (queries <= 0 || head_size <= 0) return;
    if (keys <= 0) {
        for (int64_t i = 0; i < queries; ++i)
            for (int64_t p = 0; p < head_size; ++p) out[i * out_row_stride + p] = 0.0f;
        return;
    }
    const int lanes = vector_lanes == 16 ? 16 : 8;
    /* ATen's parallel_for over (head, query block) items: min(threads, items) threads, ceil(items / that) each */
    const int64_t q_split = attn_query_split(queries), blocks = (queries + q_split - 1) / q_split;
    const int64_t items = (placement.head_count > 0 ? placement.head_count : 1) * blocks;
    const int64_t threads = placement.threads < 1 ? 1 : placement.threads < items ? placement.threads : items;
    const int64_t first_item = placement.head_index * blocks, per_thread = (items + threads - 1) / threads;
    /* The instruction set only changes the speed (contraction is off): the pointwise kernels' choice. */
#if defined(FLINT_X86)
    const char *isa = flint_pointwise_isa();
    if (strcmp(isa, "avx512") == 0) {
        attn_head_avx512(q, q_row_stride, k, k_row_stride, v, v_row_stride, out, out_row_stride, queries, keys,
                         head_size, scale, mask, causal, first_item, per_thread, scratch, lanes);
        return;
    }
    if (strcmp(isa, "avx2") == 0) {
        attn_head_avx2(q, q_row_stride, k, k_row_stride, v, v_row_stride, out, out_row_stride, queries, keys,
                       head_size, scale, mask, causal, first_item, per_thread, scratch, lanes);
        return;
    }
#endif
    attn_head_portable(q, q_row_stride, k, k_row_stride, v, v_row_stride, out, out_row_stride, queries, keys,
                       head_size, scale, mask, causal, first_item, per_thread, scratch, lanes);
}
