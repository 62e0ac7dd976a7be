/* Depthwise convolution driver (flint_conv_direct.h), the run-time variant choice shared with the
 * pooling kernels (flint_pool2d.c), and the scalar path. The vector per-channel loops are in
 * flint_depthwise_simd.c.
 *
 * Per output channel, each input row the kernel needs is copied once into a zero-padded scratch row
 * (a ring of rows covering the input rows of up to four consecutive output rows, plus one row of zeros
 * for rows above/below the input), so the row kernels run over whole vectors without bounds checks.
 * Consecutive output channels that read the same input channel (multiplier > 1) reuse the copied rows.
 * Without scratch memory (or for kernels taller than 64 rows) a bounds-checked direct loop runs. */
#include "flint_conv_direct.h"
#include "flint_internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef void (*cd_dw_row_fn)(float *out, int64_t ow_n, const float *const *rows, const float *w, int kh, int kw,
                             int s, int64_t d, float bias, float lo, float hi);
/* Vector drivers in flint_depthwise_simd.c (contract there). */
typedef void (*cd_dw_channels_fn)(const flint_dwconv2d_desc *p, const float *in_b, const float *weight,
                                  const float *bias, float *out_b, int64_t oc_begin, int64_t oc_end, float *buf,
                                  int64_t bw, int64_t nslot, int64_t *tags, float lo, float hi);
#define CD_DECLARE_CHANNELS(isa)                                                                   \
    void flint__dw_channels_##isa(const flint_dwconv2d_desc *p, const float *in_b, const float *weight,  \
                                  const float *bias, float *out_b, int64_t oc_begin, int64_t oc_end,   \
                                  float *buf, int64_t bw, int64_t nslot, int64_t *tags, float lo, float hi);
typedef void (*cd_dw_small_fn)(const flint_dwconv2d_desc *p, const float *in_b, const float *weight, const float *bias,
                               float *out_b, int64_t oc_begin, int64_t oc_end, float *buf, int64_t plane_floats, float lo,
                               float hi);
#define CD_DECLARE_SMALL(isa)                                                                                  \
    void flint__dw_small_##isa(const flint_dwconv2d_desc *p, const float *in_b, const float *weight,             \
                               const float *bias, float *out_b, int64_t oc_begin, int64_t oc_end, float *buf,    \
                               int64_t plane_floats, float lo, float hi);
#if defined(__x86_64__)
CD_DECLARE_CHANNELS(avx2)
CD_DECLARE_CHANNELS(avx512)
CD_DECLARE_SMALL(avx2)
CD_DECLARE_SMALL(avx512)
#elif defined(__aarch64__)
CD_DECLARE_CHANNELS(neon)
CD_DECLARE_SMALL(neon)
#endif

/* ------------------------------------------------------------------ variant choice */

/* 0 scalar, 1 avx2, 2 avx512, 3 neon; -1 not chosen yet. Also read by flint_pool2d.c. */
static _Atomic int cd_isa_current = -1;
static const char *const cd_isa_names[] = {"scalar", "avx2", "avx512", "neon"};

static int cd_isa_supported(int isa) {
    switch (isa) {
    case 0:
        return 1;
#if defined(__x86_64__)
    case 1:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case 2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
               __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
#elif defined(__aarch64__)
    case 3:
        return 1;
#endif
    default:
        return 0;
    }
}

static int cd_isa_by_name(const char *name) {
    for (int i = 0; i < 4; ++i)
        if (strcmp(name, cd_isa_names[i]) == 0) return i;
    return -1;
}

static int cd_isa_auto(void) {
    const char *env = getenv("FLINT_KERNELS_ISA");
    if (env && *env && strcmp(env, "auto") != 0) {
        int i = cd_isa_by_name(env);
        if (i >= 0 && cd_isa_supported(i)) return i;
    }
    static const int order[] = {2, 1, 3};
    for (int i = 0; i < 3; ++i)
        if (cd_isa_supported(order[i])) return order[i];
    return 0;
}

int flint__cd_isa(void) {
    int isa = atomic_load_explicit(&cd_isa_current, memory_order_relaxed);
    if (isa < 0) {
        isa = cd_isa_auto();
        atomic_store_explicit(&cd_isa_current, isa, memory_order_relaxed);
    }
    return isa;
}

int flint_conv_direct_force_isa(const char *name) {
    int isa = (name == NULL || strcmp(name, "auto") == 0) ? cd_isa_auto() : cd_isa_by_name(name);
    if (isa < 0 || !cd_isa_supported(isa)) return 0;
    atomic_store_explicit(&cd_isa_current, isa, memory_order_relaxed);
    return 1;
}

const char *flint_conv_direct_isa(void) { return cd_isa_names[flint__cd_isa()]; }

/* ------------------------------------------------------------------ shared helpers */

int64_t flint_conv_out_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation,
                            int ceil_mode) {
    if (stride < 1) return 0;
    int64_t num = in + 2 * pad - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0);
    int64_t q = num / stride;
    if (num % stride != 0 && num < 0) q -= 1; /* floor division */
    int64_t out = q + 1;
    if (ceil_mode && out > 0 && (out - 1) * stride >= in + pad) out -= 1;
    return out;
}

/* ------------------------------------------------------------------ scalar kernels */

static inline float cd_clamp(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

static void dw_row_scalar(float *out, int64_t ow_n, const float *const *rows, const float *w, int kh, int kw, int s,
                          int64_t d, float bias, float lo, float hi) {
    for (int64_t ow = 0; ow < ow_n; ++ow) {
        float acc = bias;
        for (int i = 0; i < kh; ++i) {
            const float *r = rows[i] + ow * s;
            for (int j = 0; j < kw; ++j) acc += w[i * kw + j] * r[j * d];
        }
        out[ow] = cd_clamp(acc, lo, hi);
    }
}

/* Bounds-checked direct loop for one output plane: the fallback when no scratch row is available. */
static void dw_plane_direct(const flint_dwconv2d_desc *p, const float *in, const float *w, float bias, float lo,
                            float hi, float *out, int64_t oh_n, int64_t ow_n) {
    for (int64_t oh = 0; oh < oh_n; ++oh)
        for (int64_t ow = 0; ow < ow_n; ++ow) {
            float acc = bias;
            for (int64_t i = 0; i < p->kernel_h; ++i) {
                const int64_t ih = oh * p->stride_h - p->pad_h + i * p->dilation_h;
                if (ih < 0 || ih >= p->in_h) continue;
                for (int64_t j = 0; j < p->kernel_w; ++j) {
                    const int64_t iw = ow * p->stride_w - p->pad_w + j * p->dilation_w;
                    if (iw >= 0 && iw < p->in_w) acc += w[i * p->kernel_w + j] * in[ih * p->in_w + iw];
                }
            }
            out[oh * ow_n + ow] = cd_clamp(acc, lo, hi);
        }
}

/* The vector kernels of an instruction set (NULLs for the scalar one). */
typedef struct cd_dw_kernels {
    cd_dw_channels_fn channels;
    cd_dw_small_fn small;
} cd_dw_kernels;

static cd_dw_kernels dw_kernels_for(int isa) {
    switch (isa) {
#if defined(__x86_64__)
    case 1:
        return (cd_dw_kernels){flint__dw_channels_avx2, flint__dw_small_avx2};
    case 2:
        return (cd_dw_kernels){flint__dw_channels_avx512, flint__dw_small_avx512};
#elif defined(__aarch64__)
    case 3:
        return (cd_dw_kernels){flint__dw_channels_neon, flint__dw_small_neon};
#endif
    default:
        return (cd_dw_kernels){NULL, NULL};
    }
}

/* ------------------------------------------------------------------ driver */

#define CD_MAX_KH 64
#define CD_STACK_FLOATS 4096
#define CD_STACK_TAGS 128

static void dw_direct(const flint_dwconv2d_desc *p, const float *in_b, const float *weight, const float *bias,
                      float *out_b, int64_t oc_begin, int64_t oc_end, float lo, float hi, int64_t OH, int64_t OW) {
    const int64_t HW = p->in_h * p->in_w, K = p->kernel_h * p->kernel_w;
    for (int64_t oc = oc_begin; oc < oc_end; ++oc)
        dw_plane_direct(p, in_b + (oc / p->multiplier) * HW, weight + oc * K, bias ? bias[oc] : 0.0f, lo, hi,
                        out_b + oc * OH * OW, OH, OW);
}

/* Output channels [oc_begin, oc_end) of image n, with the bias and the clamp activation (lo, hi). */
static void dw_channels(const flint_dwconv2d_desc *p, const float *input, const float *weight, const float *bias,
                        float *output, int64_t n, int64_t oc_begin, int64_t oc_end, float lo, float hi) {
    const int64_t C = p->channels, M = p->multiplier, H = p->in_h, W = p->in_w;
    const int64_t KH = p->kernel_h, KW = p->kernel_w, SH = p->stride_h, SW = p->stride_w;
    const int64_t PH = p->pad_h, PW = p->pad_w, DH = p->dilation_h, DW = p->dilation_w;
    const int64_t OH = flint_conv_out_size(H, KH, SH, PH, DH, 0), OW = flint_conv_out_size(W, KW, SW, PW, DW, 0);
    const float *in_b = input + n * C * H * W;
    float *out_b = output + n * C * M * OH * OW;
    if (KH > CD_MAX_KH) {
        dw_direct(p, in_b, weight, bias, out_b, oc_begin, oc_end, lo, hi, OH, OW);
        return;
    }
    /* Small planes (the same stride both ways; at most 32 output columns at stride 1, 16 at stride 2): the flat
     * whole-plane kernel (dw_small in flint_depthwise_simd.c), 1.2-2.3x the row kernels' speed on a late layer's
     * 7x7 to 28x28 planes. Its scratch: the padded plane (and, at stride 2 with more taps than 3x3, its four
     * phases) with room for the reads of the last vectors, then the flat result. */
    const int small_plane = SH == SW && ((SW == 1 && OW <= 32) || (SW == 2 && OW <= 16)) && KH * KW <= 64;
    const cd_dw_small_fn small = small_plane ? dw_kernels_for(flint__cd_isa()).small : NULL;
    if (small) {
        /* plane: the floats before the flat result, zeroed once here: the padded plane with room for the last
         * vector's reads or, phased, the padded plane then its four phases, the last with room for the last
         * vector's reads (q_end, a multiple of 16, covers every vector width). */
        const int64_t P = W + 2 * PW, HP = H + 2 * PH, P2 = (P + 1) / 2;
        const int phased = flint__dw_small_phased(SW, KH * KW);
        const int64_t q_n = phased ? (OH - 1) * P2 + OW : (OH - 1) * P + OW, q_end = (q_n + 15) / 16 * 16;
        int64_t plane;
        if (!phased) { /* stride 2 reads 32 floats for the last vector */
            plane = SW * (q_n + 32) + (KH - 1) * DH * P + (KW - 1) * DW + 48;
            if (plane < P * HP) plane = P * HP;
        } else {
            const int64_t phase = flint__dw_s2_phase_floats(P, HP);
            int64_t last = q_end + ((KH - 1) * DH >> 1) * P2 + ((KW - 1) * DW >> 1);
            if (last < phase) last = phase;
            plane = flint__dw_s2_padded_floats(P, HP) + 3 * phase + last;
        }
        plane = (plane + 15) / 16 * 16;
        const int64_t need = plane + (phased ? q_end : q_n) + 48;
        _Alignas(64) float stack_plane[CD_STACK_FLOATS];
        float *buf = need <= CD_STACK_FLOATS ? stack_plane : (float *)flint__scratch(9, (size_t)((need + 15) / 16 * 16) * sizeof(float));
        if (buf) {
            memset(buf, 0, (size_t)plane * sizeof(float));
            small(p, in_b, weight, bias, out_b, oc_begin, oc_end, buf, plane, lo, hi);
            return;
        }
    }
    /* scratch: a ring of padded input rows + a zero row + a junk output row; the width covers
     * whole-vector reads (up to 16 lanes, stride 2) past the last output */
    const cd_dw_channels_fn vec = (SW == 1 || SW == 2) ? dw_kernels_for(flint__cd_isa()).channels : NULL;
    int64_t nslot = (KH - 1) * DH + 1;
    if (vec) {
        const int64_t span = (KH - 1) * DH + 3 * SH + 1;
        for (nslot = 1; nslot < span; nslot *= 2) {
        }
    }
    /* rows start 64-byte aligned (bw a multiple of 16 floats) so the vector kernels can load aligned */
    const int64_t bw = (((OW + 15) / 16) * 16 * SW + (KW - 1) * DW + 2 * 16 + 16) / 16 * 16;
    const int64_t need = (nslot + 2) * bw;
    _Alignas(64) float stack_buf[CD_STACK_FLOATS];
    int64_t stack_tags[CD_STACK_TAGS];
    float *buf = need <= CD_STACK_FLOATS ? stack_buf : (float *)flint__scratch(9, (size_t)need * sizeof(float));
    int64_t *tags = nslot <= CD_STACK_TAGS ? stack_tags : (int64_t *)flint__scratch(10, (size_t)nslot * sizeof(int64_t));
    if (!buf || !tags) {
        dw_direct(p, in_b, weight, bias, out_b, oc_begin, oc_end, lo, hi, OH, OW);
    } else {
        memset(buf, 0, (size_t)need * sizeof(float));
        if (vec) {
            vec(p, in_b, weight, bias, out_b, oc_begin, oc_end, buf, bw, nslot, tags, lo, hi);
        } else { /* scalar rows over the same padded-row ring */
            const float *zero_row = buf + nslot * bw;
            const int64_t copy_n = PW >= bw ? 0 : (W < bw - PW ? W : bw - PW);
            const float *rows[CD_MAX_KH];
            int64_t cur_ic = -1;
            for (int64_t oc = oc_begin; oc < oc_end; ++oc) {
                const int64_t ic = oc / M;
                if (ic != cur_ic) {
                    for (int64_t s = 0; s < nslot; ++s) tags[s] = -1;
                    cur_ic = ic;
                }
                const float *plane = in_b + ic * H * W;
                float *out = out_b + oc * OH * OW;
                for (int64_t oh = 0; oh < OH; ++oh) {
                    for (int64_t i = 0; i < KH; ++i) {
                        const int64_t ih = oh * SH - PH + i * DH, s = ih % nslot;
                        if (ih < 0 || ih >= H) {
                            rows[i] = zero_row;
                            continue;
                        }
                        if (tags[s] != ih) {
                            if (copy_n > 0) memcpy(buf + s * bw + PW, plane + ih * W, (size_t)copy_n * sizeof(float));
                            tags[s] = ih;
                        }
                        rows[i] = buf + s * bw;
                    }
                    dw_row_scalar(out + oh * OW, OW, rows, weight + oc * KH * KW, (int)KH, (int)KW, (int)SW, DW,
                                  bias ? bias[oc] : 0.0f, lo, hi);
                }
            }
        }
    }
}

/* Output floats a chunk of channels covers before its function activation runs (64 KB: still in L2). */
#define CD_ACTIVATION_CHUNK_FLOATS 16384

void flint_depthwise_conv2d_f32(const flint_dwconv2d_desc *p, const float *input, const float *weight,
                                const float *bias, float *output, int64_t n, int64_t oc_begin, int64_t oc_end) {
    const int64_t OH = flint_conv_out_size(p->in_h, p->kernel_h, p->stride_h, p->pad_h, p->dilation_h, 0);
    const int64_t OW = flint_conv_out_size(p->in_w, p->kernel_w, p->stride_w, p->pad_w, p->dilation_w, 0);
    if (OH <= 0 || OW <= 0 || oc_begin >= oc_end || p->kernel_h <= 0 || p->kernel_w <= 0 || p->multiplier <= 0) return;
    float lo = -__builtin_inff(), hi = __builtin_inff();
    if (p->activation == FLINT_ACTIVATION_RELU) lo = 0.0f;
    if (p->activation == FLINT_ACTIVATION_CLAMP) {
        lo = p->clamp_min;
        hi = p->clamp_max;
    }
    const flint__rows_fn fn = flint__activation_rows((int)p->activation);
    if (!fn) {
        dw_channels(p, input, weight, bias, output, n, oc_begin, oc_end, lo, hi);
        return;
    }
    /* A function activation (SiLU, ...) runs over each chunk of channels right after the chunk is computed. */
    const int64_t plane = OH * OW, step = plane >= CD_ACTIVATION_CHUNK_FLOATS ? 1 : CD_ACTIVATION_CHUNK_FLOATS / plane;
    float *out_b = output + n * p->channels * p->multiplier * plane;
    for (int64_t c0 = oc_begin; c0 < oc_end; c0 += step) {
        const int64_t c1 = c0 + step < oc_end ? c0 + step : oc_end;
        dw_channels(p, input, weight, bias, output, n, c0, c1, lo, hi);
        fn(out_b + c0 * plane, 0, 1, (c1 - c0) * plane);
    }
}
