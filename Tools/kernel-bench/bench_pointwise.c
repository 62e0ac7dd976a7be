/* Benchmark of flint_pointwise.h: elements/ns of the unary kernels per variant against a plain libm
 * loop, and GB/s of softmax / layer_norm rows. Single thread; each number is the best of --runs
 * samples (each sample repeats the call for >= ~2 ms).
 *   bench_pointwise [--runs N] [--isa scalar|avx2|avx512|neon] */
#define _POSIX_C_SOURCE 199309L
#include "flint_pointwise.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int g_runs = 9;
static volatile float g_sink;

typedef void (*bench_fn)(void *ctx);

/* Best seconds per call of fn(ctx). */
static double best_time(bench_fn fn, void *ctx) {
    fn(ctx);
    int reps = 1;
    for (;;) { /* calibrate to >= 2 ms per sample */
        double t0 = now_s();
        for (int r = 0; r < reps; ++r) fn(ctx);
        double dt = now_s() - t0;
        if (dt >= 2e-3 || reps >= (1 << 20)) break;
        reps *= 2;
    }
    double best = 1e30;
    for (int s = 0; s < g_runs; ++s) {
        double t0 = now_s();
        for (int r = 0; r < reps; ++r) fn(ctx);
        double dt = (now_s() - t0) / reps;
        if (dt < best) best = dt;
    }
    return best;
}

typedef struct unary_ctx {
    void (*f)(const float *, float *, int64_t);
    const float *x;
    float *y;
    int64_t n;
} unary_ctx;
static void run_unary(void *c) {
    unary_ctx *u = c;
    u->f(u->x, u->y, u->n);
    g_sink = u->y[u->n / 2];
}

/* Plain libm loops: what a straightforward C/Swift loop gets (-O2, no -ffast-math). */
static void libm_exp(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = expf(x[i]);
}
static void libm_log(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = logf(x[i]);
}
static void libm_tanh(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = tanhf(x[i]);
}
static void libm_sigmoid(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + expf(-x[i]));
}
static void libm_erf(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = erff(x[i]);
}
static void libm_gelu(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678f));
}
static void libm_gelu_tanh(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        const float v = x[i];
        y[i] = 0.5f * v * (1.0f + tanhf(0.7978845608f * (v + 0.044715f * v * v * v)));
    }
}
static void libm_silu(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] / (1.0f + expf(-x[i]));
}
static void libm_relu(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

typedef struct rows_ctx {
    const float *x, *w, *b;
    float *y, *mean, *rstd;
    int64_t rows, cols;
    int mode; /* 0 softmax, 1 log_softmax, 2 layer_norm */
} rows_ctx;
static void run_rows(void *c) {
    rows_ctx *r = c;
    if (r->mode < 2)
        flint_softmax_rows(r->x, r->y, r->rows, r->cols, r->cols, r->cols, r->mode);
    else
        flint_layer_norm_rows(r->x, r->y, r->rows, r->cols, r->cols, r->cols, r->w, r->b, 1e-5f, r->mean, r->rstd);
    g_sink = r->y[0];
}

int main(int argc, char **argv) {
    const char *isa = NULL;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) g_runs = atoi(argv[++i]);
        if (strcmp(argv[i], "--isa") == 0 && i + 1 < argc) isa = argv[++i];
    }
    const char *isas[] = {"scalar", "avx2", "avx512", "neon"};
    const int64_t sizes[] = {16384, 4 << 20}; /* 64 KiB in + out (L2), 16 MiB (DRAM/L3) */
    const int64_t nmax = 4 << 20;
    float *x = malloc(nmax * sizeof(float)), *xp = malloc(nmax * sizeof(float)), *y = malloc(nmax * sizeof(float));
    srand(1);
    for (int64_t i = 0; i < nmax; ++i) {
        x[i] = 8.0f * ((float)rand() / (float)RAND_MAX) - 4.0f; /* [-4, 4] */
        xp[i] = 0.01f + 10.0f * ((float)rand() / (float)RAND_MAX);
    }
    struct {
        const char *name;
        void (*f)(const float *, float *, int64_t);
        void (*base)(const float *, float *, int64_t);
        int positive;
    } ops[] = {
        {"exp", flint_exp_f32, libm_exp, 0},         {"log", flint_log_f32, libm_log, 1},
        {"tanh", flint_tanh_f32, libm_tanh, 0},      {"sigmoid", flint_sigmoid_f32, libm_sigmoid, 0},
        {"erf", flint_erf_f32, libm_erf, 0},         {"gelu", flint_gelu_f32, libm_gelu, 0},
        {"gelu_tanh", flint_gelu_tanh_f32, libm_gelu_tanh, 0}, {"silu", flint_silu_f32, libm_silu, 0},
        {"relu", flint_relu_f32, libm_relu, 0},
    };
    const int nops = (int)(sizeof(ops) / sizeof(ops[0]));
    printf("unary kernels, elements/ns (single thread, best of %d); columns: libm loop, then each variant\n", g_runs);
    for (int si = 0; si < 2; ++si) {
        const int64_t n = sizes[si];
        printf("n = %lld (%s)\n  %-10s %9s", (long long)n, si == 0 ? "in cache" : "16 MiB in+out", "op", "libm");
        for (int v = 0; v < 4; ++v)
            if ((!isa || strcmp(isa, isas[v]) == 0) && flint_pointwise_force_isa(isas[v])) printf(" %9s", isas[v]);
        printf("\n");
        for (int o = 0; o < nops; ++o) {
            unary_ctx c = {ops[o].base, ops[o].positive ? xp : x, y, n};
            printf("  %-10s %9.3f", ops[o].name, (double)n / best_time(run_unary, &c) * 1e-9);
            for (int v = 0; v < 4; ++v) {
                if ((isa && strcmp(isa, isas[v]) != 0) || !flint_pointwise_force_isa(isas[v])) continue;
                c.f = ops[o].f;
                printf(" %9.3f", (double)n / best_time(run_unary, &c) * 1e-9);
            }
            printf("\n");
        }
    }
    /* row ops: bytes = rows * cols * 4 read + written once (what a fused kernel must move) */
    const int64_t R = 128;
    float *w = malloc(1024 * sizeof(float)), *b = malloc(1024 * sizeof(float)), mean[128], rstd[128];
    for (int i = 0; i < 1024; ++i) {
        w[i] = 1.0f + 0.001f * (float)i;
        b[i] = 0.01f * (float)i;
    }
    struct {
        const char *name;
        int64_t cols;
        int mode;
    } rops[] = {{"softmax 128x1024", 1024, 0}, {"log_softmax 128x1024", 1024, 1}, {"layer_norm 128x768", 768, 2}};
    printf("row ops, GB/s (read + write of the tensor) and us per call\n  %-22s", "op");
    for (int v = 0; v < 4; ++v)
        if ((!isa || strcmp(isa, isas[v]) == 0) && flint_pointwise_force_isa(isas[v])) printf(" %18s", isas[v]);
    printf("\n");
    for (int o = 0; o < 3; ++o) {
        printf("  %-22s", rops[o].name);
        for (int v = 0; v < 4; ++v) {
            if ((isa && strcmp(isa, isas[v]) != 0) || !flint_pointwise_force_isa(isas[v])) continue;
            rows_ctx c = {x, w, b, y, mean, rstd, R, rops[o].cols, rops[o].mode};
            double t = best_time(run_rows, &c);
            printf("  %7.2f (%6.2f us)", 2.0 * 4.0 * (double)(R * rops[o].cols) / t * 1e-9, t * 1e6);
        }
        printf("\n");
    }
    flint_pointwise_force_isa("auto");
    free(x);
    free(xp);
    free(y);
    free(w);
    free(b);
    return 0;
}
