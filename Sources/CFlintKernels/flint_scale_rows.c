/* Rows of a float32 matrix scaled by float64 factors, each product rounded once to float: how a folded
 * batch norm's per-output-channel factors reach a weight's packed forms (flint_gemm.c, flint_winograd.c)
 * without the scaled weight being made first. One pass, vectorised on x86 with AVX2 where the GEMM kernels
 * are (the file is compiled without -m flags; the AVX2 loop carries its own target attribute). */
#include "flint_internal.h"

#if defined(FLINT_X86)
#include <immintrin.h>

__attribute__((target("avx2"))) static void scale_row_avx2(int64_t n, const float *x, double s, float *y) {
    const __m256d factor = _mm256_set1_pd(s);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        const __m128 low = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), factor));
        const __m128 high = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), factor));
        _mm256_storeu_ps(y + i, _mm256_set_m128(high, low));
    }
    for (; i < n; ++i) y[i] = (float)((double)x[i] * s);
}
#endif

void flint_scale_rows(int64_t rows, int64_t cols, const float *x, int64_t x_row_stride, const double *scale, float *y,
                       int64_t y_row_stride) {
#if defined(FLINT_X86)
    if (flint__kernel()->id != FLINT_KERNEL_SCALAR) {
        for (int64_t r = 0; r < rows; ++r) scale_row_avx2(cols, x + r * x_row_stride, scale[r], y + r * y_row_stride);
        return;
    }
#endif
    for (int64_t r = 0; r < rows; ++r) {
        const float *in = x + r * x_row_stride;
        float *out = y + r * y_row_stride;
        const double s = scale[r];
        for (int64_t i = 0; i < cols; ++i) out[i] = (float)((double)in[i] * s);
    }
}
