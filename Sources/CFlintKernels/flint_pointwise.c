/* Pointwise math and fused row ops (flint_pointwise.h): run-time variant selection, the portable
 * scalar variant (libm) and the public entry points. The vector variants live in
 * flint_pointwise_simd.c. */
#include "flint_pointwise.h"
#include "flint_internal.h"

#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef void (*pw_unary_fn)(const float *x, float *y, int64_t n);
typedef void (*pw_softplus_fn)(const float *x, float *y, int64_t n, float beta, float threshold);
typedef void (*pw_softmax_row_fn)(const float *x, float *y, int64_t cols, int logsm);
typedef void (*pw_layer_norm_row_fn)(const float *x, float *y, int64_t cols, const float *w, const float *b,
                                     float eps, float *mean_out, float *rstd_out);

/* The unary kernels every variant provides, in table order. */
#define PW_UNARY_OPS(X)                                                                            \
    X(exp) X(log) X(tanh) X(sigmoid) X(erf) X(gelu) X(gelu_tanh) X(silu) X(relu) X(hardswish)       \
    X(hardsigmoid)

/* The unary kernels a GEMM epilogue applies to rows of its output (flint__activation_rows). */
#define PW_ROWS_OPS(X) X(silu) X(sigmoid) X(hardswish) X(gelu) X(gelu_tanh)

enum {
#define PW_ENUM(op) PW_OP_##op,
    PW_UNARY_OPS(PW_ENUM)
#undef PW_ENUM
    PW_NUM_UNARY
};

enum {
#define PW_ROWS_ENUM(op) PW_ROWS_##op,
    PW_ROWS_OPS(PW_ROWS_ENUM)
#undef PW_ROWS_ENUM
    PW_NUM_ROWS
};

typedef struct pw_table {
    const char *name;
    pw_unary_fn unary[PW_NUM_UNARY];
    flint__rows_fn rows[PW_NUM_ROWS];
    pw_softplus_fn softplus;
    pw_softmax_row_fn softmax_row;
    pw_layer_norm_row_fn layer_norm_row;
} pw_table;

/* Definitions in flint_pointwise_simd.c (one per pass). */
#define PW_DECLARE_VARIANT(isa)                                                                    \
    PW_UNARY_OPS(PW_DECLARE_UNARY_##isa)                                                           \
    PW_ROWS_OPS(PW_DECLARE_ROWS_##isa)                                                             \
    void flint__pw_softplus_##isa(const float *x, float *y, int64_t n, float beta, float threshold); \
    void flint__pw_softmax_row_##isa(const float *x, float *y, int64_t cols, int logsm);
#define PW_TABLE(isa)                                                                              \
    {#isa,                                                                                         \
     {PW_UNARY_OPS(PW_TABLE_ENTRY_##isa)},                                                         \
     {PW_ROWS_OPS(PW_ROWS_ENTRY_##isa)},                                                           \
     flint__pw_softplus_##isa,                                                                     \
     flint__pw_softmax_row_##isa,                                                                  \
     PW_LAYER_NORM_##isa}

/* Layer norm rows have one arithmetic everywhere, libtorch's (flint_layer_norm.c); x86 runs it compiled for AVX2. */
void flint__layer_norm_row_portable(const float *x, float *y, int64_t cols, const float *w, const float *b, float eps,
                                    float *mean_out, float *rstd_out);
#define PW_LAYER_NORM_scalar flint__layer_norm_row_portable
#define PW_LAYER_NORM_neon flint__layer_norm_row_portable
#if defined(__x86_64__)
void flint__layer_norm_row_avx2(const float *x, float *y, int64_t cols, const float *w, const float *b, float eps,
                                float *mean_out, float *rstd_out);
#define PW_LAYER_NORM_avx2 flint__layer_norm_row_avx2
#define PW_LAYER_NORM_avx512 flint__layer_norm_row_avx2
#endif

#if defined(__x86_64__)
#define PW_DECLARE_UNARY_avx2(op) void flint__pw_##op##_avx2(const float *x, float *y, int64_t n);
#define PW_DECLARE_UNARY_avx512(op) void flint__pw_##op##_avx512(const float *x, float *y, int64_t n);
#define PW_TABLE_ENTRY_avx2(op) flint__pw_##op##_avx2,
#define PW_TABLE_ENTRY_avx512(op) flint__pw_##op##_avx512,
#define PW_DECLARE_ROWS_avx2(op) void flint__pw_rows_##op##_avx2(float *c, int64_t ldc, int64_t rows, int64_t cols);
#define PW_DECLARE_ROWS_avx512(op) void flint__pw_rows_##op##_avx512(float *c, int64_t ldc, int64_t rows, int64_t cols);
#define PW_ROWS_ENTRY_avx2(op) flint__pw_rows_##op##_avx2,
#define PW_ROWS_ENTRY_avx512(op) flint__pw_rows_##op##_avx512,
PW_DECLARE_VARIANT(avx2)
PW_DECLARE_VARIANT(avx512)
static const pw_table pw_table_avx2 = PW_TABLE(avx2);
static const pw_table pw_table_avx512 = PW_TABLE(avx512);
#elif defined(__aarch64__)
#define PW_DECLARE_UNARY_neon(op) void flint__pw_##op##_neon(const float *x, float *y, int64_t n);
#define PW_TABLE_ENTRY_neon(op) flint__pw_##op##_neon,
#define PW_DECLARE_ROWS_neon(op) void flint__pw_rows_##op##_neon(float *c, int64_t ldc, int64_t rows, int64_t cols);
#define PW_ROWS_ENTRY_neon(op) flint__pw_rows_##op##_neon,
PW_DECLARE_VARIANT(neon)
static const pw_table pw_table_neon = PW_TABLE(neon);
#endif

/* ------------------------------------------------------------------ scalar variant (libm) */

static float pw_sigmoid1(float x) {
    float e = expf(-fabsf(x));
    return (x >= 0.0f ? 1.0f : e) / (1.0f + e);
}

static float pw_clamp06(float v) { /* min(max(v, 0), 6) with NaN propagating */
    if (v < 0.0f) return 0.0f;
    if (v > 6.0f) return 6.0f;
    return v;
}

#define PW_SCALAR(op, expr)                                                                        \
    static void pw_##op##_scalar(const float *x, float *y, int64_t n) {                            \
        for (int64_t i = 0; i < n; ++i) {                                                          \
            const float v = x[i];                                                                  \
            y[i] = (expr);                                                                         \
        }                                                                                          \
    }
PW_SCALAR(exp, expf(v))
PW_SCALAR(log, logf(v))
PW_SCALAR(tanh, tanhf(v))
PW_SCALAR(sigmoid, pw_sigmoid1(v))
PW_SCALAR(erf, erff(v))
PW_SCALAR(gelu, v < INFINITY ? (float)(0.5 * v * erfc(v * -0.70710678118654752)) : NAN)
PW_SCALAR(gelu_tanh, v * pw_sigmoid1(v * fmaf(v * v, 0.0713548162726f, 1.5957691216057308f)))
PW_SCALAR(silu, v * pw_sigmoid1(v))
PW_SCALAR(relu, v < 0.0f ? 0.0f : v)
PW_SCALAR(hardswish, v * pw_clamp06(v + 3.0f) / 6.0f)
PW_SCALAR(hardsigmoid, pw_clamp06(v + 3.0f) / 6.0f)
#undef PW_SCALAR

static void pw_softplus_scalar(const float *x, float *y, int64_t n, float beta, float threshold) {
    for (int64_t i = 0; i < n; ++i) {
        const float v = x[i], z = v * beta;
        y[i] = z > threshold ? v : ((z > 0.0f ? z : 0.0f) + log1pf(expf(-fabsf(z)))) / beta;
    }
}

static void pw_softmax_row_scalar(const float *x, float *y, int64_t cols, int logsm) {
    float mx = -INFINITY;
    for (int64_t j = 0; j < cols; ++j)
        if (x[j] > mx) mx = x[j]; /* a NaN reaches the sum and makes the row NaN */
    double sum = 0.0;
    for (int64_t j = 0; j < cols; ++j) {
        const float e = expf(x[j] - mx);
        if (!logsm) y[j] = e;
        sum += e;
    }
    if (!logsm) {
        const float inv = (float)(1.0 / sum);
        for (int64_t j = 0; j < cols; ++j) y[j] *= inv;
    } else {
        const float ls = (float)log(sum);
        for (int64_t j = 0; j < cols; ++j) y[j] = (x[j] - mx) - ls;
    }
}

#define PW_ROWS_SCALAR(op)                                                                         \
    static void pw_rows_##op##_scalar(float *c, int64_t ldc, int64_t rows, int64_t cols) {         \
        if (ldc == cols || rows == 1) {                                                            \
            pw_##op##_scalar(c, c, rows * cols);                                                   \
            return;                                                                                \
        }                                                                                          \
        for (int64_t r = 0; r < rows; ++r) pw_##op##_scalar(c + r * ldc, c + r * ldc, cols);       \
    }
PW_ROWS_OPS(PW_ROWS_SCALAR)
#undef PW_ROWS_SCALAR

#define PW_TABLE_ENTRY_scalar(op) pw_##op##_scalar,
#define PW_ROWS_ENTRY_scalar(op) pw_rows_##op##_scalar,
static const pw_table pw_table_scalar = {
    "scalar", {PW_UNARY_OPS(PW_TABLE_ENTRY_scalar)}, {PW_ROWS_OPS(PW_ROWS_ENTRY_scalar)}, pw_softplus_scalar,
    pw_softmax_row_scalar, PW_LAYER_NORM_scalar};

/* ------------------------------------------------------------------ selection */

static _Atomic(const pw_table *) pw_current;

static const pw_table *pw_table_named(const char *name) {
    if (strcmp(name, "scalar") == 0) return &pw_table_scalar;
#if defined(__x86_64__)
    __builtin_cpu_init();
    const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (strcmp(name, "avx2") == 0) return avx2 ? &pw_table_avx2 : NULL;
    if (strcmp(name, "avx512") == 0)
        return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                       __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")
                   ? &pw_table_avx512
                   : NULL;
#elif defined(__aarch64__)
    if (strcmp(name, "neon") == 0) return &pw_table_neon;
#endif
    return NULL;
}

static const pw_table *pw_table_auto(void) {
    const char *env = getenv("FLINT_KERNELS_ISA");
    if (env && *env && strcmp(env, "auto") != 0) {
        const pw_table *t = pw_table_named(env);
        if (t) return t;
    }
    static const char *const order[] = {"avx512", "avx2", "neon"};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); ++i) {
        const pw_table *t = pw_table_named(order[i]);
        if (t) return t;
    }
    return &pw_table_scalar;
}

static const pw_table *pw_get(void) {
    const pw_table *t = atomic_load_explicit(&pw_current, memory_order_acquire);
    if (!t) {
        t = pw_table_auto(); /* racing first calls pick the same table */
        atomic_store_explicit(&pw_current, t, memory_order_release);
    }
    return t;
}

int flint_pointwise_force_isa(const char *name) {
    const pw_table *t = (name == NULL || strcmp(name, "auto") == 0) ? pw_table_auto() : pw_table_named(name);
    if (!t) return 0;
    atomic_store_explicit(&pw_current, t, memory_order_release);
    return 1;
}

const char *flint_pointwise_isa(void) { return pw_get()->name; }

flint__rows_fn flint__activation_rows(int activation) {
    const pw_table *t = pw_get();
    switch (activation) {
    case FLINT_ACTIVATION_SILU: return t->rows[PW_ROWS_silu];
    case FLINT_ACTIVATION_SIGMOID: return t->rows[PW_ROWS_sigmoid];
    case FLINT_ACTIVATION_HARDSWISH: return t->rows[PW_ROWS_hardswish];
    case FLINT_ACTIVATION_GELU: return t->rows[PW_ROWS_gelu];
    case FLINT_ACTIVATION_GELU_TANH: return t->rows[PW_ROWS_gelu_tanh];
    default: return NULL;
    }
}

/* ------------------------------------------------------------------ public entry points */

#define PW_PUBLIC(op)                                                                              \
    void flint_##op##_f32(const float *x, float *y, int64_t n) {                                   \
        if (n > 0) pw_get()->unary[PW_OP_##op](x, y, n);                                           \
    }
PW_UNARY_OPS(PW_PUBLIC)
#undef PW_PUBLIC

void flint_softplus_f32(const float *x, float *y, int64_t n, float beta, float threshold) {
    if (n > 0) pw_get()->softplus(x, y, n, beta, threshold);
}

void flint_softmax_rows(const float *x, float *y, int64_t rows, int64_t cols, int64_t x_row_stride,
                        int64_t y_row_stride, int log) {
    if (rows <= 0 || cols <= 0) return;
    const pw_softmax_row_fn f = pw_get()->softmax_row;
    for (int64_t r = 0; r < rows; ++r) f(x + r * x_row_stride, y + r * y_row_stride, cols, log);
}

void flint_layer_norm_rows(const float *x, float *y, int64_t rows, int64_t cols, int64_t x_row_stride,
                           int64_t y_row_stride, const float *weight, const float *bias, float eps,
                           float *mean_out, float *rstd_out) {
    if (rows <= 0) return;
    if (cols <= 0) {
        for (int64_t r = 0; r < rows; ++r) {
            if (mean_out) mean_out[r] = 0.0f;
            if (rstd_out) rstd_out[r] = 1.0f / sqrtf(eps);
        }
        return;
    }
    const pw_layer_norm_row_fn f = pw_get()->layer_norm_row;
    for (int64_t r = 0; r < rows; ++r)
        f(x + r * x_row_stride, y + r * y_row_stride, cols, weight, bias, eps, mean_out ? mean_out + r : NULL,
          rstd_out ? rstd_out + r : NULL);
}

void flint_residual_clamp_f32(float *y, const float *residual, int64_t n, float lo, float hi) {
    /* Written branch-free so the compiler vectorizes it; comparisons with NaN are false, so NaN stays. */
    if (residual) {
        for (int64_t i = 0; i < n; i++) {
            float v = y[i] + residual[i];
            v = v < lo ? lo : v;
            y[i] = v > hi ? hi : v;
        }
    } else {
        for (int64_t i = 0; i < n; i++) {
            float v = y[i];
            v = v < lo ? lo : v;
            y[i] = v > hi ? hi : v;
        }
    }
}

#define FLINT_BINARY_LOOPS(EXPR)                                                  \
    if (sa == 1 && sb == 1) {                                                     \
        for (int64_t i = 0; i < n; i++) { float x = a[i], z = b[i]; y[i] = EXPR; } \
    } else if (sa == 1) {                                                         \
        const float z = b[0];                                                     \
        for (int64_t i = 0; i < n; i++) { float x = a[i]; y[i] = EXPR; }          \
    } else if (sb == 1) {                                                         \
        const float x = a[0];                                                     \
        for (int64_t i = 0; i < n; i++) { float z = b[i]; y[i] = EXPR; }          \
    } else {                                                                      \
        const float x = a[0], z = b[0];                                           \
        const float v = EXPR;                                                     \
        for (int64_t i = 0; i < n; i++) y[i] = v;                                 \
    }

void flint_binary_f32(int op, const float *a, int64_t sa, const float *b, int64_t sb, float *y, int64_t n) {
    switch (op) {
    case 0: FLINT_BINARY_LOOPS(x + z) break;
    case 1: FLINT_BINARY_LOOPS(x - z) break;
    case 2: FLINT_BINARY_LOOPS(x * z) break;
    default: FLINT_BINARY_LOOPS(x / z) break;
    }
}
