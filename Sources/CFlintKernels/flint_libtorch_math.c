/* Elementwise functions with libtorch's arithmetic (flint_pointwise.h): ATen's sigmoid kernel and the tanh that
 * libtorch's MKL gives. Floating-point contraction is off (flint_exact_fp.h); fused multiply-adds are explicit. */
#include "flint_pointwise.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "flint_exact_fp.h"

/* Sleef's expf (xexpf, 1-ulp), which ATen's Vectorized<float>::exp calls: n = rint(x / ln 2), the reduced
 * argument by a two-part ln 2, a degree-6 polynomial, then 2^n applied in two halves; 0 below -104, inf above 100. */
static inline float sleef_expf(float d) {
    /* Sleef's masks give these; returned first so that the conversion below stays in int32's range. */
    if (d != d) return d;
    if (d < -104.0f) return 0.0f;
    if (d > 100.0f) return INFINITY;
    const int32_t q = (int32_t)rintf(d * 1.442695040888963407359924681001892137f);
    const float qf = (float)q;
    float s = fmaf(qf, -0.693145751953125f, d);
    s = fmaf(qf, -1.428606765330187045e-06f, s);
    float u = 0.000198527617612853646278381f;
    u = fmaf(u, s, 0.00139304355252534151077271f);
    u = fmaf(u, s, 0.00833336077630519866943359f);
    u = fmaf(u, s, 0.0416664853692054748535156f);
    u = fmaf(u, s, 0.166666671633720397949219f);
    u = fmaf(u, s, 0.5f);
    u = 1.0f + fmaf(s * s, u, s);
    const int32_t half = q >> 1;
    uint32_t a = (uint32_t)(half + 127) << 23, b = (uint32_t)(q - half + 127) << 23;
    float pa, pb;
    memcpy(&pa, &a, sizeof pa);
    memcpy(&pb, &b, sizeof pb);
    return (u * pa) * pb;
}

void flint_sigmoid_libtorch_f32(const float *x, float *y, int64_t n, int vector_lanes) {
    /* ATen's sigmoid_kernel (cpu_kernel_vec): two vectors at a time as 1 / ((0 - x).exp() + 1), the rest as
     * 1 / (1 + std::exp(-x)). */
    const int64_t run = 2 * (int64_t)(vector_lanes == 16 ? 16 : 8);
    const int64_t whole = n / run * run;
    for (int64_t i = 0; i < whole; ++i) y[i] = 1.0f / (sleef_expf(0.0f - x[i]) + 1.0f);
    for (int64_t i = whole; i < n; ++i) y[i] = 1.0f / (1.0f + expf(-x[i]));
}

void flint_tanh_libtorch_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = (float)tanh((double)x[i]);
}
