/* Self-test of flint_conv_direct.h (depthwise conv2d, max / avg / adaptive avg pooling) against naive
 * references, for every variant the CPU can run (scalar, avx2, avx512 / neon).
 *   test_depthwise          full sweep
 *   test_depthwise quick    fewer random shapes (for -O0 builds)
 * Exits 1 on any failure. */
#include "flint_conv_direct.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_fail = 0;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            if (g_fail < 30) {                                                                     \
                printf("FAIL %s:%d: ", __FILE__, __LINE__);                                        \
                printf(__VA_ARGS__);                                                               \
                printf("\n");                                                                      \
            }                                                                                      \
            g_fail++;                                                                              \
        }                                                                                          \
    } while (0)

static uint64_t g_rng = 0x243F6A8885A308D3ull;
static uint32_t rnd_u32(void) {
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (uint32_t)(g_rng >> 16);
}
static int64_t rnd_int(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd_u32() % (uint32_t)(hi - lo + 1)); }
static float rnd_f(void) { return (float)(rnd_u32() >> 8) / 8388608.0f - 1.0f; }
static void fill_rand(float *p, int64_t n) {
    for (int64_t i = 0; i < n; ++i) p[i] = rnd_f();
}

static const char *g_isas[] = {"scalar", "avx2", "avx512", "neon"};
#define CANARY (-7777.0f)

/* Written from the spec (ATen's pooling_output_shape), independently of the library. */
static int64_t ref_out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, int ceil_mode) {
    int64_t num = in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
    int64_t o = (int64_t)floor((double)num / (double)s) + 1;
    if (ceil_mode && (o - 1) * s >= in + p) o--;
    return o;
}

/* ----------------------------------------------------------------------- depthwise */

static void ref_depthwise(const flint_dwconv2d_desc *p, const float *in, const float *w, const float *b, float *out,
                          float *mag, int64_t N, int64_t OH, int64_t OW) {
    const int64_t C = p->channels, M = p->multiplier;
    for (int64_t n = 0; n < N; ++n)
        for (int64_t oc = 0; oc < C * M; ++oc)
            for (int64_t oh = 0; oh < OH; ++oh)
                for (int64_t ow = 0; ow < OW; ++ow) {
                    double acc = b ? b[oc] : 0.0, m = fabs(acc);
                    for (int64_t i = 0; i < p->kernel_h; ++i)
                        for (int64_t j = 0; j < p->kernel_w; ++j) {
                            int64_t ih = oh * p->stride_h - p->pad_h + i * p->dilation_h;
                            int64_t iw = ow * p->stride_w - p->pad_w + j * p->dilation_w;
                            if (ih < 0 || ih >= p->in_h || iw < 0 || iw >= p->in_w) continue;
                            double t = (double)w[(oc * p->kernel_h + i) * p->kernel_w + j] *
                                       in[((n * C + oc / M) * p->in_h + ih) * p->in_w + iw];
                            acc += t;
                            m += fabs(t);
                        }
                    if (p->activation == FLINT_ACTIVATION_RELU) acc = acc < 0 ? 0 : acc;
                    if (p->activation == FLINT_ACTIVATION_CLAMP)
                        acc = acc < p->clamp_min ? p->clamp_min : acc > p->clamp_max ? p->clamp_max : acc;
                    int64_t o = ((n * C * M + oc) * OH + oh) * OW + ow;
                    out[o] = (float)acc;
                    mag[o] = (float)m;
                }
}

static int check_depthwise(const flint_dwconv2d_desc *p, int64_t N, int has_bias, const char *isa) {
    const int64_t C = p->channels, M = p->multiplier, H = p->in_h, W = p->in_w;
    const int64_t OH = ref_out_size(H, p->kernel_h, p->stride_h, p->pad_h, p->dilation_h, 0);
    const int64_t OW = ref_out_size(W, p->kernel_w, p->stride_w, p->pad_w, p->dilation_w, 0);
    if (OH <= 0 || OW <= 0) return 0;
    const int64_t nin = N * C * H * W, nw = C * M * p->kernel_h * p->kernel_w, nout = N * C * M * OH * OW;
    float *in = malloc((size_t)nin * 4), *w = malloc((size_t)nw * 4), *b = malloc((size_t)(C * M) * 4);
    float *out = malloc((size_t)nout * 4), *ref = malloc((size_t)nout * 4), *mag = malloc((size_t)nout * 4);
    fill_rand(in, nin);
    fill_rand(w, nw);
    fill_rand(b, C * M);
    ref_depthwise(p, in, w, has_bias ? b : NULL, ref, mag, N, OH, OW);
    for (int64_t i = 0; i < nout; ++i) out[i] = CANARY;
    for (int64_t n = 0; n < N; ++n) { /* split the channels at a random point, as a thread pool would */
        int64_t cut = rnd_int(0, C * M);
        flint_depthwise_conv2d_f32(p, in, w, has_bias ? b : NULL, out, n, 0, cut);
        flint_depthwise_conv2d_f32(p, in, w, has_bias ? b : NULL, out, n, cut, C * M);
    }
    int bad = 0;
    int64_t first = -1;
    for (int64_t i = 0; i < nout; ++i) {
        if (!(fabsf(out[i] - ref[i]) <= 1e-5f * (mag[i] + 1.0f))) {
            if (first < 0) first = i;
            bad++;
        }
    }
    CHECK(bad == 0,
          "depthwise[%s] N=%lld C=%lld M=%lld %lldx%lld k=%lldx%lld s=%lld,%lld p=%lld,%lld d=%lld,%lld act=%d "
          "bias=%d: %d bad (first %lld: %g vs %g)",
          isa, (long long)N, (long long)C, (long long)M, (long long)H, (long long)W, (long long)p->kernel_h,
          (long long)p->kernel_w, (long long)p->stride_h, (long long)p->stride_w, (long long)p->pad_h,
          (long long)p->pad_w, (long long)p->dilation_h, (long long)p->dilation_w, (int)p->activation, has_bias, bad,
          (long long)first, first >= 0 ? (double)out[first] : 0.0, first >= 0 ? (double)ref[first] : 0.0);
    free(in);
    free(w);
    free(b);
    free(out);
    free(ref);
    free(mag);
    return bad;
}

static void test_depthwise(int iters) {
    for (int v = 0; v < 4; ++v) {
        if (!flint_conv_direct_force_isa(g_isas[v])) continue;
        /* fixed shapes: fast paths, 1x1 spatial, MobileNet-like layers */
        const int64_t fixed[][8] = {
            /* C, M, H, W, k, s, p, d */
            {144, 1, 56, 56, 3, 1, 1, 1}, {32, 1, 112, 112, 3, 2, 1, 1}, {16, 1, 17, 23, 5, 1, 2, 1},
            {16, 1, 17, 23, 5, 2, 2, 1},  {8, 2, 9, 9, 3, 1, 1, 1},      {3, 1, 1, 1, 3, 1, 1, 1},
            {3, 2, 1, 1, 1, 1, 0, 1},     {4, 1, 1, 7, 3, 1, 1, 1},      {4, 1, 7, 1, 3, 2, 1, 1},
            {5, 3, 13, 31, 3, 1, 2, 2},   {5, 1, 33, 65, 7, 2, 3, 1},    {2, 1, 8, 8, 3, 3, 1, 1},
            {2, 1, 3, 5000, 5, 1, 6, 3},  {2, 1, 70, 9, 65, 1, 32, 1},  {2, 1, 40, 40, 3, 1, 0, 9},
            {6, 2, 37, 41, 3, 2, 0, 1},   {3, 1, 20, 57, 3, 2, 1, 1},    {4, 1, 9, 130, 3, 2, 2, 1},
            {3, 1, 21, 67, 5, 2, 2, 1},   {2, 2, 11, 36, 5, 2, 0, 1},
        };
        for (size_t f = 0; f < sizeof(fixed) / sizeof(fixed[0]); ++f) {
            flint_dwconv2d_desc p = {0};
            p.channels = fixed[f][0];
            p.multiplier = fixed[f][1];
            p.in_h = fixed[f][2];
            p.in_w = fixed[f][3];
            p.kernel_h = fixed[f][4];
            p.kernel_w = f == 13 ? 1 : fixed[f][4];
            p.stride_h = p.stride_w = fixed[f][5];
            p.pad_h = fixed[f][6];
            p.pad_w = f == 13 ? 0 : fixed[f][6];
            p.dilation_h = p.dilation_w = fixed[f][7];
            p.activation = (flint_activation)(f % 3);
            p.clamp_min = 0.0f;
            p.clamp_max = 6.0f;
            check_depthwise(&p, 1, (int)(f % 2), g_isas[v]);
        }
        /* random shapes */
        for (int it = 0; it < iters; ++it) {
            flint_dwconv2d_desc p = {0};
            p.channels = rnd_int(1, 6);
            p.multiplier = rnd_int(1, 3);
            p.in_h = rnd_int(1, 20);
            p.in_w = rnd_int(1, 40);
            p.kernel_h = rnd_int(1, 6);
            p.kernel_w = rnd_u32() % 3 ? p.kernel_h : rnd_int(1, 6);
            p.stride_h = rnd_int(1, 3);
            p.stride_w = rnd_u32() % 3 ? p.stride_h : rnd_int(1, 3);
            p.pad_h = rnd_int(0, p.kernel_h);
            p.pad_w = rnd_int(0, p.kernel_w);
            p.dilation_h = rnd_u32() % 3 ? 1 : rnd_int(1, 3);
            p.dilation_w = rnd_u32() % 3 ? 1 : rnd_int(1, 3);
            p.activation = (flint_activation)(rnd_u32() % 3);
            p.clamp_min = -0.3f;
            p.clamp_max = 0.4f;
            check_depthwise(&p, rnd_int(1, 2), (int)(rnd_u32() % 2), g_isas[v]);
        }
        /* NaN propagates through the clamp */
        flint_dwconv2d_desc p = {2, 1, 6, 20, 3, 3, 1, 1, 1, 1, 1, 1, FLINT_ACTIVATION_CLAMP, 0.0f, 6.0f};
        float in[2 * 6 * 20], w[18], out[2 * 6 * 20];
        fill_rand(in, 240);
        fill_rand(w, 18);
        in[3 * 20 + 10] = NAN;
        flint_depthwise_conv2d_f32(&p, in, w, NULL, out, 0, 0, 2);
        CHECK(isnan(out[2 * 20 + 9]) && isnan(out[4 * 20 + 11]) && !isnan(out[0]) && !isnan(out[120 + 60 + 10]),
              "depthwise[%s]: NaN propagation", g_isas[v]);
    }
}

/* ----------------------------------------------------------------------- pooling */

/* ATen's rule, restated: scan the window row-major; take v if v > max or v is NaN; the index starts at
 * the first non-negative (row, col) of the dilated window. */
static void ref_max_pool(const flint_pool2d_desc *p, const float *in, float *out, int64_t *ind, int64_t OH,
                         int64_t OW) {
    for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
            int64_t fh = oh * p->stride_h - p->pad_h, fw = ow * p->stride_w - p->pad_w;
            while (fh < 0) fh += p->dilation_h;
            while (fw < 0) fw += p->dilation_w;
            float m = -INFINITY;
            int64_t mi = fh * p->in_w + fw;
            for (int64_t i = 0; i < p->kernel_h; ++i)
                for (int64_t j = 0; j < p->kernel_w; ++j) {
                    int64_t ih = oh * p->stride_h - p->pad_h + i * p->dilation_h;
                    int64_t iw = ow * p->stride_w - p->pad_w + j * p->dilation_w;
                    if (ih < 0 || ih >= p->in_h || iw < 0 || iw >= p->in_w) continue;
                    float v = in[ih * p->in_w + iw];
                    if (v > m || isnan(v)) {
                        m = v;
                        mi = ih * p->in_w + iw;
                    }
                }
            out[oh * OW + ow] = m;
            ind[oh * OW + ow] = mi;
        }
}

static void ref_avg_pool(const flint_pool2d_desc *p, const float *in, float *out, int64_t OH, int64_t OW) {
    for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
            double s = 0;
            int64_t valid = 0, padded = 0;
            for (int64_t i = 0; i < p->kernel_h; ++i)
                for (int64_t j = 0; j < p->kernel_w; ++j) {
                    int64_t ih = oh * p->stride_h - p->pad_h + i, iw = ow * p->stride_w - p->pad_w + j;
                    if (ih < p->in_h + p->pad_h && iw < p->in_w + p->pad_w) padded++;
                    if (ih < 0 || ih >= p->in_h || iw < 0 || iw >= p->in_w) continue;
                    s += in[ih * p->in_w + iw];
                    valid++;
                }
            int64_t div = p->divisor_override > 0 ? p->divisor_override : p->count_include_pad ? padded : valid;
            out[oh * OW + ow] = valid == 0 ? 0.0f : (float)(s / (double)div);
        }
}

static void check_pool(const flint_pool2d_desc *p, int avg, int want_ind, int nan_inputs, const char *isa) {
    const int64_t H = p->in_h, W = p->in_w, C = p->channels;
    const int64_t OH = ref_out_size(H, p->kernel_h, p->stride_h, p->pad_h, avg ? 1 : p->dilation_h, p->ceil_mode);
    const int64_t OW = ref_out_size(W, p->kernel_w, p->stride_w, p->pad_w, avg ? 1 : p->dilation_w, p->ceil_mode);
    CHECK(flint_conv_out_size(H, p->kernel_h, p->stride_h, p->pad_h, avg ? 1 : p->dilation_h, p->ceil_mode) == OH,
          "out size");
    if (OH <= 0 || OW <= 0) return;
    float *in = malloc((size_t)(C * H * W) * 4), *out = malloc((size_t)(C * OH * OW) * 4);
    float *ref = malloc((size_t)(OH * OW) * 4);
    int64_t *ind = malloc((size_t)(C * OH * OW) * 8), *rind = malloc((size_t)(OH * OW) * 8);
    for (int64_t i = 0; i < C * H * W; ++i) /* coarse values so ties happen */
        in[i] = nan_inputs && rnd_u32() % 9 == 0 ? NAN : (rnd_u32() % 7 == 0 ? -INFINITY : (float)rnd_int(-4, 4));
    for (int64_t i = 0; i < C * OH * OW; ++i) out[i] = CANARY;
    const int64_t cut = rnd_int(0, C);
    if (avg) {
        flint_avg_pool2d_f32(p, in, out, 0, 0, cut);
        flint_avg_pool2d_f32(p, in, out, 0, cut, C);
    } else {
        flint_max_pool2d_f32(p, in, out, want_ind ? ind : NULL, 0, 0, cut);
        flint_max_pool2d_f32(p, in, out, want_ind ? ind : NULL, 0, cut, C);
    }
    int bad = 0;
    for (int64_t c = 0; c < C; ++c) {
        if (avg)
            ref_avg_pool(p, in + c * H * W, ref, OH, OW);
        else
            ref_max_pool(p, in + c * H * W, ref, rind, OH, OW);
        for (int64_t i = 0; i < OH * OW; ++i) {
            float g = out[c * OH * OW + i], r = ref[i];
            int ok = isnan(r) ? isnan(g) : (avg ? fabsf(g - r) <= 1e-6f * (1 + fabsf(r)) || g == r : g == r);
            if (!avg && want_ind) ok = ok && ind[c * OH * OW + i] == rind[i];
            bad += !ok;
        }
    }
    CHECK(bad == 0, "%s_pool[%s] C=%lld %lldx%lld k=%lldx%lld s=%lld,%lld p=%lld,%lld d=%lld,%lld ceil=%d incl=%d "
                    "div=%lld ind=%d nan=%d: %d bad",
          avg ? "avg" : "max", isa, (long long)C, (long long)H, (long long)W, (long long)p->kernel_h,
          (long long)p->kernel_w, (long long)p->stride_h, (long long)p->stride_w, (long long)p->pad_h,
          (long long)p->pad_w, (long long)p->dilation_h, (long long)p->dilation_w, p->ceil_mode,
          p->count_include_pad, (long long)p->divisor_override, want_ind, nan_inputs, bad);
    free(in);
    free(out);
    free(ref);
    free(ind);
    free(rind);
}

static void test_pooling(int iters) {
    /* output sizes with ceil_mode, checked against torch 2.x by hand */
    CHECK(flint_conv_out_size(4, 2, 3, 1, 1, 1) == 2, "ceil: last window would start in the right padding");
    CHECK(flint_conv_out_size(5, 2, 2, 0, 1, 1) == 3, "ceil 5/2");
    CHECK(flint_conv_out_size(5, 2, 2, 0, 1, 0) == 2, "floor 5/2");
    CHECK(flint_conv_out_size(112, 3, 2, 1, 1, 0) == 56, "resnet maxpool");
    CHECK(flint_conv_out_size(1, 3, 1, 0, 1, 0) == -1, "kernel larger than input");
    for (int v = 0; v < 4; ++v) {
        if (!flint_conv_direct_force_isa(g_isas[v])) continue;
        const int64_t fixed[][6] = {{112, 112, 3, 2, 1, 0}, {56, 56, 2, 2, 0, 0}, {7, 7, 3, 1, 1, 1},
                                    {8, 9, 3, 2, 1, 1},     {5, 5, 2, 2, 0, 1},   {1, 1, 1, 1, 0, 0},
                                    {4, 4, 2, 3, 1, 1},     {13, 40, 4, 2, 2, 1}, {2, 1000, 3, 2, 1, 1}};
        for (size_t f = 0; f < sizeof(fixed) / sizeof(fixed[0]); ++f)
            for (int mode = 0; mode < 8; ++mode) {
                flint_pool2d_desc p = {0};
                p.channels = 3;
                p.in_h = fixed[f][0];
                p.in_w = fixed[f][1];
                p.kernel_h = p.kernel_w = fixed[f][2];
                p.stride_h = p.stride_w = fixed[f][3];
                p.pad_h = p.pad_w = fixed[f][4];
                p.dilation_h = p.dilation_w = 1;
                p.ceil_mode = (int)fixed[f][5];
                p.count_include_pad = mode & 1;
                p.divisor_override = mode == 6 ? 5 : 0;
                check_pool(&p, mode >= 4, mode & 1, (mode & 2) != 0, g_isas[v]);
            }
        for (int it = 0; it < iters; ++it) {
            flint_pool2d_desc p = {0};
            p.channels = rnd_int(1, 4);
            p.in_h = rnd_int(1, 16);
            p.in_w = rnd_int(1, 40);
            p.kernel_h = rnd_int(1, 5);
            p.kernel_w = rnd_u32() % 2 ? p.kernel_h : rnd_int(1, 5);
            p.stride_h = rnd_int(1, 3);
            p.stride_w = rnd_u32() % 2 ? p.stride_h : rnd_int(1, 3);
            p.pad_h = rnd_int(0, p.kernel_h / 2);
            p.pad_w = rnd_int(0, p.kernel_w / 2);
            const int avg = rnd_u32() % 2;
            p.dilation_h = avg || rnd_u32() % 2 ? 1 : rnd_int(1, 3);
            p.dilation_w = avg || rnd_u32() % 2 ? 1 : rnd_int(1, 3);
            p.ceil_mode = (int)(rnd_u32() % 2);
            p.count_include_pad = (int)(rnd_u32() % 2);
            p.divisor_override = rnd_u32() % 5 == 0 ? rnd_int(1, 9) : 0;
            check_pool(&p, avg, (int)(rnd_u32() % 2), (int)(rnd_u32() % 4 == 0), g_isas[v]);
        }
    }
}

static void test_adaptive(void) {
    const int64_t shapes[][4] = {{7, 7, 1, 1}, {10, 10, 3, 3}, {5, 7, 2, 3}, {1, 1, 4, 4},
                                 {14, 14, 7, 7}, {9, 5, 9, 5}, {9, 6, 4, 1}, {33, 70, 1, 1}};
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); ++s) {
        const int64_t H = shapes[s][0], W = shapes[s][1], OH = shapes[s][2], OW = shapes[s][3], C = 3, N = 2;
        float *in = malloc((size_t)(N * C * H * W) * 4), *out = malloc((size_t)(N * C * OH * OW) * 4);
        fill_rand(in, N * C * H * W);
        for (int64_t n = 0; n < N; ++n) flint_adaptive_avg_pool2d_f32(in, out, C, H, W, OH, OW, n, 0, C);
        int bad = 0;
        for (int64_t nc = 0; nc < N * C; ++nc)
            for (int64_t oh = 0; oh < OH; ++oh)
                for (int64_t ow = 0; ow < OW; ++ow) {
                    int64_t h0 = (int64_t)floor((double)(oh * H) / OH), h1 = (int64_t)ceil((double)((oh + 1) * H) / OH);
                    int64_t w0 = (int64_t)floor((double)(ow * W) / OW), w1 = (int64_t)ceil((double)((ow + 1) * W) / OW);
                    double sum = 0;
                    for (int64_t ih = h0; ih < h1; ++ih)
                        for (int64_t iw = w0; iw < w1; ++iw) sum += in[(nc * H + ih) * W + iw];
                    double want = sum / (double)((h1 - h0) * (w1 - w0));
                    bad += !(fabs(out[(nc * OH + oh) * OW + ow] - want) <= 1e-6 * (1 + fabs(want)));
                }
        CHECK(bad == 0, "adaptive_avg_pool %lldx%lld -> %lldx%lld: %d bad", (long long)H, (long long)W, (long long)OH,
              (long long)OW, bad);
        free(in);
        free(out);
    }
}

int main(int argc, char **argv) {
    const int quick = argc > 1 && strcmp(argv[1], "quick") == 0;
    printf("flint conv_direct self-test (%s); auto variant: %s\n", quick ? "quick" : "full", flint_conv_direct_isa());
    test_depthwise(quick ? 60 : 600);
    test_pooling(quick ? 100 : 1500);
    for (int v = 0; v < 4; ++v)
        if (flint_conv_direct_force_isa(g_isas[v])) test_adaptive();
    flint_conv_direct_force_isa("auto");
    if (g_fail) {
        printf("FAILED: %d checks\n", g_fail);
        return 1;
    }
    printf("all depthwise / pooling tests passed\n");
    return 0;
}
