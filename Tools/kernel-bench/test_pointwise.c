/* Self-test of flint_pointwise.h: every variant the CPU can run (scalar, avx2, avx512 / neon) against
 * double-precision libm references.
 *   test_pointwise          full sweep (every 61st float bit pattern + edge values + random data)
 *   test_pointwise quick    every 997th bit pattern (for -O0 builds)
 *   test_pointwise all      every float bit pattern (slow: about a minute per function and variant)
 * Prints the max error in ulps per function and variant; exits 1 on any failure. */
#include "flint_pointwise.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_fail = 0;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            if (g_fail < 40) {                                                                     \
                printf("FAIL %s:%d: ", __FILE__, __LINE__);                                        \
                printf(__VA_ARGS__);                                                               \
                printf("\n");                                                                      \
            }                                                                                      \
            g_fail++;                                                                              \
        }                                                                                          \
    } while (0)

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd_u32(void) {
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (uint32_t)(g_rng >> 16);
}
static float rnd_uniform(float lo, float hi) { return lo + (hi - lo) * (float)(rnd_u32() >> 8) / 16777216.0f; }
static float bits2f(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* ----------------------------------------------------------------------- references (double) */

static double ref_sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)); }
static double ref_exp(double x) { return exp(x); }
static double ref_log(double x) { return log(x); }
static double ref_tanh(double x) { return tanh(x); }
static double ref_erf(double x) { return erf(x); }
/* gelu(+inf) is NaN, as torch computes it (0.5 * inf * (1 + erf(inf / sqrt 2)) through its vector kernel). */
static double ref_gelu(double x) { return isinf(x) && x > 0 ? NAN : 0.5 * x * erfc(-x / sqrt(2.0)); }
/* The argument 2 sqrt(2/pi) (x + 0.044715 x^3) is rounded to float as the kernels (and torch) do; its
 * rounding error is amplified by |u| in the tail, which is the formula's conditioning, not the kernel's. */
static double ref_gelu_tanh(double x) {
    const float xf = (float)x, u = xf * fmaf(xf * xf, 0.0713548162726f, 1.5957691216057308f);
    return x * ref_sigmoid((double)u);
}
static double ref_silu(double x) { return x * ref_sigmoid(x); }
static double ref_relu(double x) { return x < 0 ? 0.0 : x; }
static double clamp06(double v) { return v < 0 ? 0 : v > 6 ? 6 : v; }
/* x + 3 and x * c are rounded to float, as in torch (so x > FLT_MAX / 6 gives inf). */
static double ref_hardswish(double x) { return (double)(float)(x * clamp06((float)(x + 3.0))) / 6.0; }
static double ref_hardsigmoid(double x) { return clamp06((float)(x + 3.0)) / 6.0; }
static float g_beta = 1.0f, g_thr = 20.0f;
static double ref_softplus(double x) {
    const double z = x * (double)g_beta;
    if ((float)x * g_beta > g_thr) return x;
    return (fmax(z, 0.0) + log1p(exp(-fabs(z)))) / (double)g_beta;
}
static void softplus_wrap(const float *x, float *y, int64_t n) { flint_softplus_f32(x, y, n, g_beta, g_thr); }

/* Distance from float y to the exact value r in units of the float ulp at r; 0 when both are NaN or
 * equal infinities, 1e9 on a NaN / inf mismatch. */
static double ulp_err(float y, double r) {
    if (isnan(r) || isnan(y)) return (isnan(r) && isnan(y)) ? 0.0 : 1e9;
    if (isinf(r) || isinf(y)) {
        if ((double)y == r) return 0.0;
        if (isinf(r) && fabs((double)y) == FLT_MAX) return 1.0; /* rounding at the overflow edge */
        if (isinf(y) && fabs(r) >= FLT_MAX) return 0.5;
        return 1e9;
    }
    double a = fabs(r);
    if (a > FLT_MAX) a = FLT_MAX;
    int e;
    frexp(a, &e); /* a = m 2^e, m in [0.5, 1) */
    double ulp = ldexp(1.0, (e - 1 < -126 ? -126 : e - 1) - 23);
    return fabs((double)y - r) / ulp;
}

typedef void (*unary_fn)(const float *, float *, int64_t);
typedef struct op_desc {
    const char *name;
    unary_fn fn;
    double (*ref)(double);
    double max_ulp; /* allowed, SIMD variants */
    double atol;    /* errors below this absolute value are not counted (cancellation near zeros) */
    double avx512_abs; /* > 0: the AVX-512 variant is libtorch's formula, held instead to this error, absolute
                        * below 1 and relative above */
} op_desc;

static const op_desc g_ops[] = {
    {"exp", flint_exp_f32, ref_exp, 2, 0},
    {"log", flint_log_f32, ref_log, 2, 0},
    {"tanh", flint_tanh_f32, ref_tanh, 2, 0},
    {"sigmoid", flint_sigmoid_f32, ref_sigmoid, 2.5, 0},
    {"erf", flint_erf_f32, ref_erf, 2, 0},
    {"gelu", flint_gelu_f32, ref_gelu, 8, 1e-37, 1.2e-6}, /* AVX-512: oneDNN's polynomials, as libtorch */
    {"gelu_tanh", flint_gelu_tanh_f32, ref_gelu_tanh, 3.5, 1e-37},
    {"silu", flint_silu_f32, ref_silu, 3.5, 1e-37},
    {"relu", flint_relu_f32, ref_relu, 0, 0},
    {"hardswish", flint_hardswish_f32, ref_hardswish, 1, 0},
    {"hardsigmoid", flint_hardsigmoid_f32, ref_hardsigmoid, 1, 0},
    {"softplus", softplus_wrap, ref_softplus, 4, 0},
};
#define NOPS (sizeof(g_ops) / sizeof(g_ops[0]))

static const float g_edges[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, FLT_MIN, -FLT_MIN, 1e-45f,
                                -1e-45f, 1e-40f, -1e-40f, FLT_MAX, -FLT_MAX, 1.0f, -1.0f, 0.625f,
                                -0.625f, 88.72283f, 88.72284f, 88.7228394f, 89.0f, -87.33654f,
                                -103.97208f, -103.97209f, -104.0f, -150.0f, 3.0f, -3.0f, 6.0f, 0.999999f,
                                1.000001f, 4.0f, 3.9f, 10.5f, -10.5f, -14.0f, -15.0f, 20.0f, 20.000002f,
                                1e10f, -1e10f, 0.5f, 9.01f};
#define NEDGES (sizeof(g_edges) / sizeof(g_edges[0]))

/* Max error of op over inputs x[0..n) for the current variant (in ulp, or absolute where `absolute`); *worst gets
 * the worst input. */
static double measure(const op_desc *op, const float *x, const double *ref, float *y, int64_t n, float *worst,
                      int absolute) {
    op->fn(x, y, n);
    double mx = 0;
    for (int64_t i = 0; i < n; ++i) {
        if (op->atol > 0 && fabs((double)y[i] - ref[i]) <= op->atol) continue;
        /* libtorch's formula computes x * (1 + erf) first, which overflows for |x| > FLT_MAX / 2 as it does there */
        if (absolute && fabsf(x[i]) > FLT_MAX / 2) continue;
        double e = absolute ? (isnan(ref[i]) != isnan(y[i]) ? 1e9
                               : isnan(ref[i])               ? 0
                                                             : fabs((double)y[i] - ref[i]) / fmax(1.0, fabs(ref[i])))
                            : ulp_err(y[i], ref[i]);
        if (e > mx) {
            mx = e;
            *worst = x[i];
        }
    }
    return mx;
}

static const char *g_isas[] = {"scalar", "avx2", "avx512", "neon"};
#define NISAS 4

/* Inputs of the sweep, produced in chunks: every stride-th float bit pattern, the edge values, and
 * random data in interesting ranges. Returns the number written to x (0 when done). */
static int64_t next_inputs(uint64_t *cursor, uint32_t stride, float *x, int64_t cap) {
    int64_t k = 0;
    const uint64_t nbits = 0x100000000ull, nrand = 400000;
    while (k < cap) {
        uint64_t c = *cursor;
        if (c < nbits) {
            x[k++] = bits2f((uint32_t)c);
            *cursor = c + stride < nbits ? c + stride : nbits;
        } else if (c < nbits + NEDGES) {
            x[k++] = g_edges[c - nbits];
            *cursor = c + 1;
        } else if (c < nbits + NEDGES + nrand) {
            const uint64_t r = c - nbits - NEDGES;
            x[k++] = r < 100000 ? rnd_uniform(-1.5f, 1.5f)
                     : r < 200000 ? rnd_uniform(-12.0f, 12.0f)
                     : r < 300000 ? rnd_uniform(-105.0f, 90.0f)
                                  : rnd_uniform(0.0f, 3.0f);
            *cursor = c + 1;
        } else {
            break;
        }
    }
    return k;
}

static void test_accuracy(uint32_t stride) {
    const int64_t cap = 1 << 20;
    float *x = malloc((size_t)cap * sizeof(float)), *y = malloc((size_t)cap * sizeof(float));
    double *ref = malloc((size_t)cap * sizeof(double));
    printf("accuracy: float bit patterns with stride %u, edge values, 400000 random (max error in ulp, worst input)\n",
           stride);
    printf("  %-12s", "function");
    for (int v = 0; v < NISAS; ++v)
        if (flint_pointwise_force_isa(g_isas[v])) printf(" %28s", g_isas[v]);
    printf("\n");
    /* ops 0..NOPS-1, then softplus with three other (beta, threshold) pairs */
    const float betas[] = {1.0f, 2.0f, 0.5f, -1.0f}, thrs[] = {20.0f, 5.0f, 20.0f, 1e30f};
    for (size_t o = 0; o < NOPS + 3; ++o) {
        const op_desc *op = &g_ops[o < NOPS ? o : NOPS - 1];
        const int extra = o >= NOPS;
        g_beta = betas[extra ? o - NOPS + 1 : 0];
        g_thr = thrs[extra ? o - NOPS + 1 : 0];
        double err[NISAS] = {0};
        float worst[NISAS] = {0};
        uint64_t cursor = 0;
        g_rng = 0x9E3779B97F4A7C15ull;
        for (int64_t n; (n = next_inputs(&cursor, stride, x, cap)) > 0;) {
            for (int64_t i = 0; i < n; ++i) ref[i] = op->ref((double)x[i]);
            for (int v = 0; v < NISAS; ++v) {
                if (!flint_pointwise_force_isa(g_isas[v])) continue;
                float w = 0;
                const double e = measure(op, x, ref, y, n, &w, op->avx512_abs > 0 && strcmp(g_isas[v], "avx512") == 0);
                if (e > err[v]) {
                    err[v] = e;
                    worst[v] = w;
                }
            }
        }
        if (!extra) printf("  %-12s", op->name);
        for (int v = 0; v < NISAS; ++v) {
            if (!flint_pointwise_force_isa(g_isas[v])) continue;
            if (!extra) printf(op->avx512_abs > 0 && strcmp(g_isas[v], "avx512") == 0 ? "   %9.2g (x=%-14.8g)" : "   %9.3f (x=%-14.8g)",
                               err[v], (double)worst[v]);
            /* the scalar variant is libm (glibc: <= 2 ulp for these); allow 4 for other libms */
            double lim = op->max_ulp == 0 ? 0 : v == 0 && op->max_ulp < 4 ? 4 : op->max_ulp;
            if (op->avx512_abs > 0 && strcmp(g_isas[v], "avx512") == 0) lim = op->avx512_abs;
            CHECK(err[v] <= lim + 1e-12, "%s(beta=%g, thr=%g)[%s]: error %.3g at x=%.9g (limit %.3g)", op->name,
                  (double)g_beta, (double)g_thr, g_isas[v], err[v], (double)worst[v], lim);
        }
        if (!extra) printf("\n");
    }
    g_beta = 1.0f;
    g_thr = 20.0f;
    free(x);
    free(y);
    free(ref);
}

/* Special values that must come out exactly. */
static void test_specials(void) {
    struct {
        unary_fn fn;
        const char *name;
        float x, want;
    } cases[] = {
        {flint_exp_f32, "exp", -INFINITY, 0.0f},       {flint_exp_f32, "exp", INFINITY, INFINITY},
        {flint_exp_f32, "exp", NAN, NAN},              {flint_exp_f32, "exp", 0.0f, 1.0f},
        {flint_exp_f32, "exp", 89.0f, INFINITY},       {flint_exp_f32, "exp", -104.0f, 0.0f},
        {flint_exp_f32, "exp", -1e-45f, 1.0f},         {flint_log_f32, "log", 0.0f, -INFINITY},
        {flint_log_f32, "log", -0.0f, -INFINITY},      {flint_log_f32, "log", -1.0f, NAN},
        {flint_log_f32, "log", INFINITY, INFINITY},    {flint_log_f32, "log", -INFINITY, NAN},
        {flint_log_f32, "log", NAN, NAN},              {flint_log_f32, "log", 1.0f, 0.0f},
        {flint_tanh_f32, "tanh", INFINITY, 1.0f},      {flint_tanh_f32, "tanh", -INFINITY, -1.0f},
        {flint_tanh_f32, "tanh", NAN, NAN},            {flint_tanh_f32, "tanh", -0.0f, -0.0f},
        {flint_tanh_f32, "tanh", 1e-40f, 1e-40f},      {flint_sigmoid_f32, "sigmoid", -INFINITY, 0.0f},
        {flint_sigmoid_f32, "sigmoid", INFINITY, 1.0f}, {flint_sigmoid_f32, "sigmoid", NAN, NAN},
        {flint_sigmoid_f32, "sigmoid", 0.0f, 0.5f},    {flint_erf_f32, "erf", INFINITY, 1.0f},
        {flint_erf_f32, "erf", -INFINITY, -1.0f},      {flint_erf_f32, "erf", NAN, NAN},
        {flint_erf_f32, "erf", -0.0f, -0.0f},          {flint_gelu_f32, "gelu", -INFINITY, NAN},
        {flint_gelu_f32, "gelu", INFINITY, NAN},       {flint_gelu_f32, "gelu", NAN, NAN},
        {flint_gelu_tanh_f32, "gelu_tanh", -INFINITY, NAN}, {flint_gelu_tanh_f32, "gelu_tanh", INFINITY, INFINITY},
        {flint_silu_f32, "silu", -INFINITY, NAN},      {flint_silu_f32, "silu", INFINITY, INFINITY},
        {flint_relu_f32, "relu", NAN, NAN},            {flint_relu_f32, "relu", -INFINITY, 0.0f},
        {flint_hardswish_f32, "hardswish", NAN, NAN},  {flint_hardswish_f32, "hardswish", -INFINITY, NAN},
        {flint_hardswish_f32, "hardswish", INFINITY, INFINITY}, {flint_hardsigmoid_f32, "hardsigmoid", NAN, NAN},
        {flint_hardsigmoid_f32, "hardsigmoid", -INFINITY, 0.0f}, {softplus_wrap, "softplus", -INFINITY, 0.0f},
        {softplus_wrap, "softplus", INFINITY, INFINITY}, {softplus_wrap, "softplus", NAN, NAN},
    };
    for (int v = 0; v < NISAS; ++v) {
        if (!flint_pointwise_force_isa(g_isas[v])) continue;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
            float in[3] = {cases[i].x, cases[i].x, cases[i].x}, out[3];
            cases[i].fn(in, out, 3);
            for (int j = 0; j < 3; ++j) {
                int ok = isnan(cases[i].want) ? isnan(out[j])
                                              : (out[j] == cases[i].want && signbit(out[j]) == signbit(cases[i].want));
                CHECK(ok, "%s[%s](%g) = %g, want %g", cases[i].name, g_isas[v], (double)cases[i].x, (double)out[j],
                      (double)cases[i].want);
            }
        }
    }
}

/* Every size 0..40 and one large odd size: results equal the long-array result bit for bit, nothing
 * past n is written, and y == x works. */
static void test_sizes(void) {
    const int64_t big = 1000003;
    float *x = malloc((big + 64) * sizeof(float)), *full = malloc((big + 64) * sizeof(float));
    float *y = malloc((big + 64) * sizeof(float)), *z = malloc((big + 64) * sizeof(float));
    for (int64_t i = 0; i < big; ++i) x[i] = rnd_uniform(-20.0f, 20.0f);
    for (int v = 0; v < NISAS; ++v) {
        if (!flint_pointwise_force_isa(g_isas[v])) continue;
        for (size_t o = 0; o < NOPS; ++o) {
            const op_desc *op = &g_ops[o];
            op->fn(x, full, big);
            for (int64_t n = 0; n <= 41; ++n) {
                int64_t nn = n == 41 ? big : n;
                int64_t off = n % 7; /* unaligned starts */
                for (int64_t i = 0; i < nn + 16; ++i) y[i] = -12345.0f;
                op->fn(x + off, y, nn);
                int bad = 0;
                for (int64_t i = 0; i < nn; ++i) {
                    float want;
                    op->fn(x + off + i, &want, 1);
                    if (memcmp(&want, &y[i], 4) != 0 && !(isnan(want) && isnan(y[i]))) bad++;
                    if (i + off < big && memcmp(&full[i + off], &y[i], 4) != 0) bad++;
                }
                for (int64_t i = nn; i < nn + 16; ++i) bad += y[i] != -12345.0f;
                memcpy(z, x + off, (size_t)nn * sizeof(float));
                op->fn(z, z, nn);
                bad += memcmp(z, y, (size_t)nn * sizeof(float)) != 0;
                CHECK(bad == 0, "%s[%s] n=%lld: %d mismatches (tail / overrun / in-place)", op->name, g_isas[v],
                      (long long)nn, bad);
            }
        }
    }
    free(x);
    free(full);
    free(y);
    free(z);
}

static int close_enough(float got, double want, double rtol, double atol) {
    if (isnan(want) || isnan(got)) return isnan(want) && isnan(got);
    if (isinf(want)) return (double)got == want;
    return fabs((double)got - want) <= atol + rtol * fabs(want);
}

static void ref_softmax_row(const float *x, double *out, int64_t cols, int logsm) {
    double mx = -INFINITY;
    int nan = 0;
    for (int64_t j = 0; j < cols; ++j) {
        if (isnan(x[j])) nan = 1;
        if (x[j] > mx) mx = x[j];
    }
    double s = 0;
    for (int64_t j = 0; j < cols; ++j) s += exp((double)x[j] - mx);
    for (int64_t j = 0; j < cols; ++j)
        out[j] = nan || isinf(mx) ? NAN : logsm ? ((double)x[j] - mx) - log(s) : exp((double)x[j] - mx) / s;
}

static void test_softmax(void) {
    const int64_t colss[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 40, 63, 100, 1000, 1024, 1031};
    float *x = malloc(4 * 1100 * sizeof(float) * 2), *y = malloc(4 * 1100 * sizeof(float) * 2);
    double *ref = malloc(1100 * sizeof(double));
    for (int v = 0; v < NISAS; ++v) {
        if (!flint_pointwise_force_isa(g_isas[v])) continue;
        for (size_t c = 0; c < sizeof(colss) / sizeof(colss[0]); ++c) {
            for (int logsm = 0; logsm < 2; ++logsm) {
                for (int inplace = 0; inplace < 2; ++inplace) {
                    const int64_t cols = colss[c], rows = 4, xs = cols + 5, ys = inplace ? xs : cols + 3;
                    for (int64_t i = 0; i < rows * xs; ++i) x[i] = rnd_uniform(-30.0f, 30.0f);
                    if (cols >= 3) { /* row 1: some -inf; row 2: a NaN; row 3: all -inf or a +inf */
                        x[xs + 1] = -INFINITY;
                        x[2 * xs + cols / 2] = NAN;
                        if (c % 2)
                            for (int64_t j = 0; j < cols; ++j) x[3 * xs + j] = -INFINITY;
                        else
                            x[3 * xs + cols - 1] = INFINITY;
                    }
                    float *out = inplace ? x : y;
                    float *xcopy = malloc((size_t)(rows * xs) * sizeof(float));
                    memcpy(xcopy, x, (size_t)(rows * xs) * sizeof(float));
                    flint_softmax_rows(x, out, rows, cols, xs, ys, logsm);
                    for (int64_t r = 0; r < rows; ++r) {
                        ref_softmax_row(xcopy + r * xs, ref, cols, logsm);
                        int bad = 0;
                        for (int64_t j = 0; j < cols; ++j)
                            bad += !close_enough(out[r * ys + j], ref[j], 2e-6, logsm ? 2e-6 : 1e-9);
                        CHECK(bad == 0, "%s[%s] cols=%lld row %lld inplace=%d: %d mismatches",
                              logsm ? "log_softmax" : "softmax", g_isas[v], (long long)cols, (long long)r, inplace,
                              bad);
                    }
                    free(xcopy);
                }
            }
        }
    }
    free(x);
    free(y);
    free(ref);
}

static void test_layer_norm(void) {
    const int64_t colss[] = {1, 2, 5, 8, 16, 17, 33, 64, 100, 768, 1027};
    float *x = malloc(3 * 1100 * sizeof(float)), *y = malloc(3 * 1100 * sizeof(float));
    float *w = malloc(1100 * sizeof(float)), *b = malloc(1100 * sizeof(float));
    for (int v = 0; v < NISAS; ++v) {
        if (!flint_pointwise_force_isa(g_isas[v])) continue;
        for (size_t c = 0; c < sizeof(colss) / sizeof(colss[0]); ++c) {
            for (int mode = 0; mode < 8; ++mode) {
                const int64_t cols = colss[c], rows = 3, xs = cols + 2, ys = (mode & 4) ? xs : cols;
                const float offset = (mode & 3) == 3 ? 1000.0f : 0.0f; /* large mean, small spread */
                for (int64_t i = 0; i < rows * xs; ++i) x[i] = offset + rnd_uniform(-2.0f, 2.0f);
                for (int64_t j = 0; j < cols; ++j) {
                    w[j] = rnd_uniform(0.5f, 1.5f);
                    b[j] = rnd_uniform(-1.0f, 1.0f);
                }
                const float *wp = (mode & 1) ? w : NULL, *bp = (mode & 2) ? b : NULL;
                float *xcopy = malloc((size_t)(rows * xs) * sizeof(float));
                memcpy(xcopy, x, (size_t)(rows * xs) * sizeof(float));
                float *out = (mode & 4) ? x : y;
                float mean[3], rstd[3];
                const float eps = 1e-5f;
                flint_layer_norm_rows(x, out, rows, cols, xs, ys, wp, bp, eps, mean, rstd);
                for (int64_t r = 0; r < rows; ++r) {
                    const float *xr = xcopy + r * xs;
                    double m = 0, s = 0;
                    for (int64_t j = 0; j < cols; ++j) m += xr[j];
                    m /= (double)cols;
                    for (int64_t j = 0; j < cols; ++j) s += ((double)xr[j] - m) * ((double)xr[j] - m);
                    const double rs = 1.0 / sqrt(s / (double)cols + eps);
                    /* the statistics are ATen's float Welford sums (libtorch's results): with a large mean, each
                     * update rounds at ulp(1000) / 2, which moves the deviations by that much against their size,
                     * 1 / rstd */
                    const double rstd_rtol = offset > 0 ? 1e-5 + 2.0 * 6.1e-5 * rs : 1e-5;
                    int bad = !close_enough(mean[r], m, 1e-6, 1e-6) + !close_enough(rstd[r], rs, rstd_rtol, 1e-6);
                    for (int64_t j = 0; j < cols; ++j) {
                        double want = ((double)xr[j] - m) * rs * (wp ? wp[j] : 1.0) + (bp ? bp[j] : 0.0);
                        /* with a large mean, the float rounding of x and of the mean (ulp(1000) / 2 each) is
                         * amplified by rstd: inherent to float32 input, ATen has it too */
                        bad += !close_enough(out[r * ys + j], want, 1e-5, offset > 0 ? 2.0 * 6.1e-5 * rs * 1.5 : 2e-6);
                    }
                    CHECK(bad == 0, "layer_norm[%s] cols=%lld mode=%d row %lld: %d mismatches (mean %.9g vs %.9g, rstd %.9g vs %.9g)", g_isas[v],
                          (long long)cols, mode, (long long)r, bad, (double)mean[r], m, (double)rstd[r], rs);
                }
                free(xcopy);
            }
        }
        float nanrow[5] = {1, 2, NAN, 4, 5}, o[5], mn, rs;
        flint_layer_norm_rows(nanrow, o, 1, 5, 5, 5, NULL, NULL, 1e-5f, &mn, &rs);
        CHECK(isnan(o[0]) && isnan(o[4]) && isnan(mn), "layer_norm[%s]: NaN row", g_isas[v]);
    }
    free(x);
    free(y);
    free(w);
    free(b);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "full";
    const uint32_t stride = strcmp(mode, "quick") == 0 ? 997u : strcmp(mode, "all") == 0 ? 1u : 61u;
    printf("flint pointwise self-test (%s); auto variant: %s\n", mode, flint_pointwise_isa());
    test_specials();
    test_sizes();
    test_softmax();
    test_layer_norm();
    test_accuracy(stride);
    flint_pointwise_force_isa("auto");
    if (g_fail) {
        printf("FAILED: %d checks\n", g_fail);
        return 1;
    }
    printf("all pointwise tests passed\n");
    return 0;
}
