/* One row of layer norm with libtorch's arithmetic (flint_layer_norm_rows in flint_pointwise.h).
 *
 * ATen's CPU kernel (LayerNormKernelImplInternal over RowwiseMoments) runs its AVX2 build on x86 CPUs,
 * AVX-512 ones included (the kernel is not registered for AVX-512), so its statistics come from 8 float
 * lanes. This file computes the same float operations in the same order, so the mean, rstd and output
 * are bit-identical to libtorch's:
 *
 *   - the row's first 8 * floor(N / 8) elements are read as vectors of 8 lanes, in chunks of 16 vectors;
 *     each chunk runs Welford's update per lane (delta = x - m1; m1 = fma(1/(j+1), delta, m1);
 *     m2 = fma(delta, x - m1, m2)), and chunks are merged pairwise on a cascade stack (AddMomentsVec:
 *     c = m0_add / n; m1 += c*delta; m2 = fma(delta*m0, c*delta, m2 + m2_add));
 *   - the last N mod 8 elements run scalar Welford (m1 += delta / m0; m2 += delta * (x - m1));
 *   - the 8 lanes are then merged into the scalar in lane order (AddMoments, whose `m1 += c * delta`
 *     and `m2_add + delta*delta*c*m0` the compiler of libtorch contracts into fused multiply-adds);
 *   - var = m2 / N, rstd = 1 / sqrt(var + eps), y = fma((x + (-mean)) * rstd, weight, bias), or without a
 *     weight y = fma(x + (-mean), rstd, bias) (bias 0 when absent).
 *
 * Floating-point contraction is off in this file (flint_exact_fp.h): every fused multiply-add is an explicit
 * fmaf. The x86 clone is compiled for AVX2+FMA so the lane loops become vector instructions; the portable one
 * gives the same bits wherever fmaf is exact (everywhere C99 is honoured). */
#include "flint_internal.h"

#include <math.h>
#include <stdint.h>

#include "flint_exact_fp.h"

enum { LN_LANES = 8, LN_CHUNK = 16, LN_MAX_DEPTH = 64 };

typedef struct ln_moments {
    int64_t count;
    float m1[LN_LANES];
    float m2[LN_LANES];
} ln_moments;

/* AddMomentsVec: fold `add` (count m0_add) into `into`. */
static inline __attribute__((always_inline)) void ln_merge(const ln_moments *add, ln_moments *into) {
    const int64_t n = into->count + add->count;
    const float c = n == 0 ? 0.0f : (float)add->count / (float)n;
    const float m0 = (float)into->count;
    for (int l = 0; l < LN_LANES; ++l) {
        const float delta = add->m1[l] - into->m1[l];
        const float m2_sum = into->m2[l] + add->m2[l];
        const float c_delta = c * delta;
        const float m0_delta = delta * m0;
        into->m1[l] = into->m1[l] + c_delta;
        into->m2[l] = fmaf(m0_delta, c_delta, m2_sum);
    }
    into->count = n;
}

static inline __attribute__((always_inline)) void ln_clear(ln_moments *m) {
    m->count = 0;
    for (int l = 0; l < LN_LANES; ++l) m->m1[l] = m->m2[l] = 0.0f;
}

/* ceil(log2(x)), and 1 for x <= 2 (ATen's utils::CeilLog2). */
static inline int64_t ln_ceil_log2(int64_t x) { return x <= 2 ? 1 : 64 - __builtin_clzll((uint64_t)(x - 1)); }

/* RowwiseMoments: the mean and the biased variance of x[0 ..< cols]. */
static inline __attribute__((always_inline)) void ln_row_moments(const float *x, int64_t cols, float *mean, float *var) {
    const int64_t vectors = cols / LN_LANES;
    const int64_t chunks = (vectors + LN_CHUNK - 1) / LN_CHUNK;
    const int64_t depth = ln_ceil_log2(chunks);
    ln_moments stack[LN_MAX_DEPTH];
    for (int64_t d = 0; d < depth; ++d) ln_clear(&stack[d]);
    float reciprocal[LN_CHUNK];
    for (int j = 0; j < LN_CHUNK; ++j) reciprocal[j] = 1.0f / (float)(j + 1);
    for (int64_t i = 0; i < chunks; ++i) {
        const float *chunk = x + i * LN_CHUNK * LN_LANES;
        ln_moments local;
        ln_clear(&local);
        local.count = vectors - i * LN_CHUNK < LN_CHUNK ? vectors - i * LN_CHUNK : LN_CHUNK;
        for (int64_t j = 0; j < local.count; ++j) {
            const float *v = chunk + j * LN_LANES;
            for (int l = 0; l < LN_LANES; ++l) {
                const float delta = v[l] - local.m1[l];
                local.m1[l] = fmaf(reciprocal[j], delta, local.m1[l]);
                local.m2[l] = fmaf(delta, v[l] - local.m1[l], local.m2[l]);
            }
        }
        ln_merge(&local, &stack[0]);
        int64_t mask = i + 1;
        for (int64_t d = 1; d < depth && (mask & 1) == 0; ++d) {
            ln_merge(&stack[d - 1], &stack[d]);
            ln_clear(&stack[d - 1]);
            mask >>= 1;
        }
    }
    for (int64_t d = 1; d < depth; ++d) ln_merge(&stack[d], &stack[0]);
    int64_t m0 = 0;
    float m1 = 0.0f, m2 = 0.0f;
    for (int64_t i = vectors * LN_LANES; i < cols; ++i) {
        const float delta = x[i] - m1;
        ++m0;
        m1 += delta / (float)m0;
        m2 += delta * (x[i] - m1);
    }
    for (int l = 0; l < LN_LANES; ++l) {
        const int64_t n = m0 + vectors;
        const float c = n == 0 ? 0.0f : (float)vectors / (float)n;
        const float delta = stack[0].m1[l] - m1;
        m1 = fmaf(c, delta, m1);
        m2 = m2 + fmaf(delta * delta * c, (float)m0, stack[0].m2[l]);
        m0 = n;
    }
    *mean = m1;
    *var = m2 / (float)cols;
}

static inline __attribute__((always_inline)) void ln_row(const float *x, float *y, int64_t cols, const float *w,
                                                          const float *b, float eps, float *mean_out, float *rstd_out) {
    float mean, var;
    ln_row_moments(x, cols, &mean, &var);
    const float rstd = 1.0f / sqrtf(var + eps);
    if (mean_out) *mean_out = mean;
    if (rstd_out) *rstd_out = rstd;
    const float shift = -mean;
    if (w) {
        for (int64_t j = 0; j < cols; ++j) y[j] = fmaf((x[j] + shift) * rstd, w[j], b ? b[j] : 0.0f);
    } else {
        /* ATen's scalar loop multiplies by a weight of 1, which its compiler drops, fusing the scaling instead */
        for (int64_t j = 0; j < cols; ++j) y[j] = fmaf(x[j] + shift, rstd, b ? b[j] : 0.0f);
    }
}

void flint__layer_norm_row_portable(const float *x, float *y, int64_t cols, const float *w, const float *b, float eps,
                                    float *mean_out, float *rstd_out) {
    ln_row(x, y, cols, w, b, eps, mean_out, rstd_out);
}

#if defined(FLINT_X86)
FLINT_TARGET_AVX2 void flint__layer_norm_row_avx2(const float *x, float *y, int64_t cols, const float *w, const float *b,
                                                  float eps, float *mean_out, float *rstd_out) {
    ln_row(x, y, cols, w, b, eps, mean_out, rstd_out);
}
#endif
