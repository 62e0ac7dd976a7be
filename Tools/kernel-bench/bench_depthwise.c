/* Benchmark of flint_conv_direct.h: depthwise convolutions and pooling per variant against a naive
 * bounds-checked loop; time, GB/s (input + output bytes) and GFLOP/s (2 * taps per output). Best of
 * --runs samples (each >= ~2 ms). "2T" splits the channels over two pthreads, as a caller's pool
 * would (the kernels create no threads).
 *   bench_depthwise [--runs N] [--isa scalar|avx2|avx512|neon] */
#define _POSIX_C_SOURCE 199309L
#include "flint_conv_direct.h"

#include <pthread.h>
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

typedef struct job {
    int kind; /* 0 naive depthwise, 1 depthwise, 2 max pool, 3 avg pool, 4 adaptive avg */
    flint_dwconv2d_desc dw;
    flint_pool2d_desc pool;
    const float *in, *w, *b;
    float *out;
    int64_t c0, c1, oh, ow;
} job;

static void naive_depthwise(const flint_dwconv2d_desc *p, const float *in, const float *w, const float *b, float *out,
                            int64_t OH, int64_t OW) {
    for (int64_t oc = 0; oc < p->channels * p->multiplier; ++oc)
        for (int64_t oh = 0; oh < OH; ++oh)
            for (int64_t ow = 0; ow < OW; ++ow) {
                float acc = b[oc];
                for (int64_t i = 0; i < p->kernel_h; ++i)
                    for (int64_t j = 0; j < p->kernel_w; ++j) {
                        int64_t ih = oh * p->stride_h - p->pad_h + i * p->dilation_h;
                        int64_t iw = ow * p->stride_w - p->pad_w + j * p->dilation_w;
                        if (ih >= 0 && ih < p->in_h && iw >= 0 && iw < p->in_w)
                            acc += w[(oc * p->kernel_h + i) * p->kernel_w + j] *
                                   in[((oc / p->multiplier) * p->in_h + ih) * p->in_w + iw];
                    }
                out[(oc * OH + oh) * OW + ow] = acc;
            }
}

static void run_job(job *j) {
    switch (j->kind) {
    case 0:
        naive_depthwise(&j->dw, j->in, j->w, j->b, j->out, j->oh, j->ow);
        break;
    case 1:
        flint_depthwise_conv2d_f32(&j->dw, j->in, j->w, j->b, j->out, 0, j->c0, j->c1);
        break;
    case 2:
        flint_max_pool2d_f32(&j->pool, j->in, j->out, NULL, 0, j->c0, j->c1);
        break;
    case 3:
        flint_avg_pool2d_f32(&j->pool, j->in, j->out, 0, j->c0, j->c1);
        break;
    default:
        flint_adaptive_avg_pool2d_f32(j->in, j->out, j->pool.channels, j->pool.in_h, j->pool.in_w, 1, 1, 0, j->c0,
                                      j->c1);
    }
}

static void *thread_main(void *arg) {
    run_job(arg);
    return NULL;
}

/* Best seconds per call; threads == 2 splits [c0, c1) in halves over two pthreads per call. */
static double best_time(job *j, int threads) {
    job parts[2] = {*j, *j};
    const int64_t mid = (j->c0 + j->c1) / 2;
    parts[0].c1 = mid;
    parts[1].c0 = mid;
    int reps = 1;
    double best = 1e30;
    for (int s = -1; s < g_runs; ++s) {
        double t0 = now_s();
        for (int r = 0; r < reps; ++r) {
            if (threads == 1) {
                run_job(j);
            } else {
                pthread_t t;
                pthread_create(&t, NULL, thread_main, &parts[1]);
                run_job(&parts[0]);
                pthread_join(t, NULL);
            }
        }
        double dt = now_s() - t0;
        if (s < 0) { /* calibration */
            while (dt * reps < 2e-3 && reps < (1 << 16)) reps *= 2;
            continue;
        }
        if (dt / reps < best) best = dt / reps;
    }
    return best;
}

int main(int argc, char **argv) {
    const char *isa = NULL;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) g_runs = atoi(argv[++i]);
        if (strcmp(argv[i], "--isa") == 0 && i + 1 < argc) isa = argv[++i];
    }
    const char *isas[] = {"scalar", "avx2", "avx512", "neon"};
    const struct {
        const char *name;
        int kind;
        int64_t C, H, k, s, p;
    } cases[] = {
        {"dw3x3 s1 144x56x56", 1, 144, 56, 3, 1, 1},      {"dw3x3 s2 32x112x112", 1, 32, 112, 3, 2, 1},
        {"dw5x5 s1 240x14x14", 1, 240, 14, 5, 1, 2},      {"dw5x5 s2 96x28x28", 1, 96, 28, 5, 2, 2},
        {"maxpool 3x3 s2 64x112x112", 2, 64, 112, 3, 2, 1}, {"avgpool 2x2 s2 256x56x56", 3, 256, 56, 2, 2, 0},
        {"adaptive avg 1280x7x7->1", 4, 1280, 7, 7, 7, 0},
    };
    const int64_t maxin = 64 * 112 * 112 * 2;
    float *in = malloc(maxin * sizeof(float)), *out = malloc(maxin * sizeof(float));
    float *w = malloc(240 * 25 * sizeof(float)), *b = malloc(240 * sizeof(float));
    for (int64_t i = 0; i < maxin; ++i) in[i] = (float)(i % 17) * 0.1f - 0.8f;
    for (int i = 0; i < 240 * 25; ++i) w[i] = (float)(i % 7) * 0.05f - 0.15f;
    for (int i = 0; i < 240; ++i) b[i] = 0.01f * (float)i;
    printf("single thread unless noted; best of %d. GB/s = (input + output bytes) / time\n", g_runs);
    printf("  %-26s %-7s %10s %8s %9s\n", "case", "variant", "us", "GB/s", "GFLOP/s");
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); ++c) {
        job j = {0};
        j.kind = cases[c].kind;
        j.in = in;
        j.w = w;
        j.b = b;
        j.out = out;
        j.c0 = 0;
        j.c1 = cases[c].C;
        const int64_t C = cases[c].C, H = cases[c].H, k = cases[c].k, s = cases[c].s, p = cases[c].p;
        const int64_t O = cases[c].kind == 4 ? 1 : flint_conv_out_size(H, k, s, p, 1, 0);
        j.oh = j.ow = O;
        flint_dwconv2d_desc d = {C, 1, H, H, k, k, s, s, p, p, 1, 1, FLINT_ACTIVATION_NONE, 0.0f, 0.0f};
        flint_pool2d_desc pd = {C, H, H, k, k, s, s, p, p, 1, 1, 0, 1, 0};
        j.dw = d;
        j.pool = pd;
        const double bytes = 4.0 * (double)(C * H * H + C * O * O);
        const double flops = cases[c].kind == 1 ? 2.0 * (double)(k * k * C * O * O) : 0.0;
        for (int v = -1; v < 4; ++v) {
            if (v >= 0 && ((isa && strcmp(isa, isas[v]) != 0) || !flint_conv_direct_force_isa(isas[v]))) continue;
            if (v < 0 && cases[c].kind != 1) continue;
            job jj = j;
            if (v < 0) jj.kind = 0;
            for (int threads = 1; threads <= (v == 2 || (v == 1 && isa) ? 2 : 1); ++threads) {
                double t = best_time(&jj, threads);
                printf("  %-26s %-7s %10.1f %8.1f %9.1f\n", cases[c].name,
                       v < 0 ? "naive" : (threads == 2 ? "2T" : isas[v]), t * 1e6, bytes / t * 1e-9,
                       flops / t * 1e-9);
            }
        }
    }
    flint_conv_direct_force_isa("auto");
    free(in);
    free(out);
    free(w);
    free(b);
    return 0;
}
