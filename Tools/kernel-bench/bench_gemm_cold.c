/* The GEMM as a model runs it: resnet50's convolution products (weights packed at load as A, the input read
 * in place as B), with the bias, ReLU and the residual the model fuses, and each call on the next of `copies`
 * sets of operands, so that weights and activations come from memory as they do in a whole model rather
 * than from the cache of the previous call (bench_gemm measures the warm case).
 *   bench_gemm_cold [threads] [copies]      (defaults 1 and 48: 48 sets of the largest shape take about 480 MiB)
 * Prints GFLOP/s, the median of 15 timed batches of calls. */
#define _GNU_SOURCE
#include "CFlintKernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static float *filled(size_t n) {
    float *p = NULL;
    if (posix_memalign((void **)&p, 64, n * sizeof(float) + 64)) abort();
    for (size_t i = 0; i < n; i++) p[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    return p;
}

static int by_value(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    /* m (output channels) x n (positions) x k (input channels x kernel), and whether a residual is fused. */
    static const long shapes[][4] = {
        {256, 3136, 64, 1},  {64, 3136, 256, 0},  {512, 784, 128, 1}, {128, 784, 512, 0}, {1024, 196, 256, 1},
        {256, 196, 1024, 0}, {2048, 49, 512, 1},  {512, 49, 2048, 0}, {512, 49, 4608, 0},
    };
    const int threads = argc > 1 ? atoi(argv[1]) : 1;
    const int copies = argc > 2 ? atoi(argv[2]) : 48;
    if (threads < 1 || copies < 1) {
        fprintf(stderr, "usage: bench_gemm_cold [threads >= 1] [copies >= 1]\n");
        return 2;
    }
    flint_pool *pool = threads > 1 ? flint_pool_create(threads) : NULL;
    printf("kernels %s, %d thread(s), %d operand sets\n", flint_kernels_isa(), threads, copies);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const long m = shapes[s][0], n = shapes[s][1], k = shapes[s][2], fused_residual = shapes[s][3];
        float **b = calloc(copies, sizeof *b), **c = calloc(copies, sizeof *c), **r = calloc(copies, sizeof *r);
        void **pa = calloc(copies, sizeof *pa);
        float *bias = filled(m);
        for (int i = 0; i < copies; i++) {
            float *a = filled(m * k);
            pa[i] = malloc(flint_sgemm_pack_a_size(m, k));
            flint_sgemm_pack_a(m, k, a, k, 1, pa[i]);
            free(a);
            b[i] = filled(k * n);
            c[i] = filled(m * n);
            r[i] = fused_residual ? filled(m * n) : NULL;
        }
        double t[15];
        int next = 0;
        for (int round = 0; round < 15; round++) {
            int calls = 0;
            const double start = now();
            double elapsed;
            do {
                flint_gemm_epilogue e;
                memset(&e, 0, sizeof e);
                e.bias_kind = FLINT_BIAS_PER_ROW;
                e.bias = bias;
                e.residual = r[next];
                e.residual_row_stride = n;
                e.activation = FLINT_ACTIVATION_RELU;
                flint_sgemm_packed_a(pool, m, n, k, pa[next], b[next], n, 1, c[next], n, &e);
                next = (next + 1) % copies;
                calls++;
                elapsed = now() - start;
            } while (elapsed < 0.03);
            t[round] = elapsed / calls;
        }
        qsort(t, 15, sizeof t[0], by_value);
        printf("%5ld x %5ld x %5ld %-10s %7.1f GFLOP/s  (%.1f us a call)\n", m, n, k, fused_residual ? "+residual" : "",
               2.0 * m * n * k / t[7] / 1e9, t[7] * 1e6);
        for (int i = 0; i < copies; i++) {
            free(b[i]);
            free(c[i]);
            free(r[i]);
            free(pa[i]);
        }
        free(b);
        free(c);
        free(r);
        free(pa);
        free(bias);
    }
    if (pool) flint_pool_destroy(pool);
    return 0;
}
