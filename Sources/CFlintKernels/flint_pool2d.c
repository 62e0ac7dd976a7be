/* 2-d max / average / adaptive average pooling, NCHW float32 (flint_conv_direct.h), with ATen's CPU
 * semantics (aten/src/ATen/native/cpu/MaxPoolKernel.cpp, AvgPoolKernel.cpp, AdaptiveAvgPoolKernel.cpp):
 * windows clipped to the input, NaN wins in max, flat in-plane indices, ATen's divisors.
 *
 * Max pooling without indices and average pooling with stride_w 1 or 2 copy each input row into a
 * padded scratch row (-inf or 0 around it) and run the vector row kernels of flint_depthwise_simd.c;
 * everything else (indices, other strides, the scalar variant, huge windows) runs the direct loops. */
#include "flint_conv_direct.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flint_internal.h"

typedef void (*pool_max_row_fn)(float *out, int64_t ow_n, const float *const *rows, int kh, int kw, int s,
                                int64_t d);
typedef void (*pool_avg_row_fn)(float *out, int64_t ow_n, const float *const *rows, int kh, int kw, int s,
                                const float *div);

int flint__cd_isa(void); /* flint_depthwise.c: 0 scalar, 1 avx2, 2 avx512, 3 neon */

#if defined(__x86_64__)
float flint__sum_avx2(const float *x, int64_t n);
float flint__sum_avx512(const float *x, int64_t n);
void flint__maxpool_row_avx2(float *, int64_t, const float *const *, int, int, int, int64_t);
void flint__maxpool_row_avx512(float *, int64_t, const float *const *, int, int, int, int64_t);
void flint__avgpool_row_avx2(float *, int64_t, const float *const *, int, int, int, const float *);
void flint__avgpool_row_avx512(float *, int64_t, const float *const *, int, int, int, const float *);
#elif defined(__aarch64__)
float flint__sum_neon(const float *x, int64_t n);
void flint__maxpool_row_neon(float *, int64_t, const float *const *, int, int, int, int64_t);
void flint__avgpool_row_neon(float *, int64_t, const float *const *, int, int, int, const float *);
#endif

static pool_max_row_fn pool_max_row(void) {
    switch (flint__cd_isa()) {
#if defined(__x86_64__)
    case 1:
        return flint__maxpool_row_avx2;
    case 2:
        return flint__maxpool_row_avx512;
#elif defined(__aarch64__)
    case 3:
        return flint__maxpool_row_neon;
#endif
    default:
        return NULL;
    }
}

static pool_avg_row_fn pool_avg_row(void) {
    switch (flint__cd_isa()) {
#if defined(__x86_64__)
    case 1:
        return flint__avgpool_row_avx2;
    case 2:
        return flint__avgpool_row_avx512;
#elif defined(__aarch64__)
    case 3:
        return flint__avgpool_row_neon;
#endif
    default:
        return NULL;
    }
}

typedef float (*pool_sum_fn)(const float *x, int64_t n);

static pool_sum_fn pool_sum(void) {
    switch (flint__cd_isa()) {
#if defined(__x86_64__)
    case 1:
        return flint__sum_avx2;
    case 2:
        return flint__sum_avx512;
#elif defined(__aarch64__)
    case 3:
        return flint__sum_neon;
#endif
    default:
        return NULL;
    }
}

/* First index >= 0 of the sequence start, start + step, ... (ATen: while (i0 < 0) i0 += step). */
static inline int64_t pool_first_nonneg(int64_t start, int64_t step) {
    return start >= 0 ? start : start + ((-start + step - 1) / step) * step;
}

/* ------------------------------------------------------------------ padded-row ring */

#define POOL_MAX_KH 64
#define POOL_STACK_FLOATS 4096

typedef struct pool_ring {
    float *buf, *fill_row;
    int64_t bw, nslot, pad_w, copy_n;
    int64_t tags[POOL_MAX_KH];
} pool_ring;

/* Sets up a ring of nslot padded rows (+ one all-fill row) in `stack` or the thread's scratch slot 11; returns 0
 * if it cannot (then the caller runs the direct loops). */
static int pool_ring_init(pool_ring *r, float *stack, int64_t nslot, int64_t ow_n, int64_t s, int64_t kw, int64_t d,
                          int64_t pad_w, int64_t in_w, float fill) {
    if (nslot > POOL_MAX_KH) return 0;
    r->bw = ((ow_n + 15) / 16) * 16 * s + (kw - 1) * d + 2 * 16 + 1;
    const int64_t need = (nslot + 1) * r->bw;
    r->buf = need <= POOL_STACK_FLOATS ? stack : (float *)flint__scratch(11, (size_t)need * sizeof(float));
    if (!r->buf) return 0;
    for (int64_t i = 0; i < need; ++i) r->buf[i] = fill;
    r->fill_row = r->buf + nslot * r->bw;
    r->nslot = nslot;
    r->pad_w = pad_w;
    r->copy_n = pad_w >= r->bw ? 0 : (in_w < r->bw - pad_w ? in_w : r->bw - pad_w);
    return 1;
}

static void pool_ring_reset(pool_ring *r) {
    for (int64_t i = 0; i < r->nslot; ++i) r->tags[i] = -1;
}

static const float *pool_ring_row(pool_ring *r, const float *plane, int64_t ih, int64_t in_h, int64_t in_w) {
    if (ih < 0 || ih >= in_h) return r->fill_row;
    const int64_t s = ih % r->nslot;
    float *slot = r->buf + s * r->bw;
    if (r->tags[s] != ih) {
        if (r->copy_n > 0) memcpy(slot + r->pad_w, plane + ih * in_w, (size_t)r->copy_n * sizeof(float));
        r->tags[s] = ih;
    }
    return slot;
}


/* ------------------------------------------------------------------ max pooling */

static void max_plane_direct(const flint_pool2d_desc *p, const float *in, float *out, int64_t *ind, int64_t oh_n,
                             int64_t ow_n) {
    const int64_t H = p->in_h, W = p->in_w, DH = p->dilation_h, DW = p->dilation_w;
    for (int64_t oh = 0; oh < oh_n; ++oh) {
        const int64_t h0 = oh * p->stride_h - p->pad_h;
        const int64_t h1 = h0 + (p->kernel_h - 1) * DH + 1 < H ? h0 + (p->kernel_h - 1) * DH + 1 : H;
        const int64_t ih0 = pool_first_nonneg(h0, DH);
        for (int64_t ow = 0; ow < ow_n; ++ow) {
            const int64_t w0 = ow * p->stride_w - p->pad_w;
            const int64_t w1 = w0 + (p->kernel_w - 1) * DW + 1 < W ? w0 + (p->kernel_w - 1) * DW + 1 : W;
            const int64_t iw0 = pool_first_nonneg(w0, DW);
            int64_t maxindex = ih0 * W + iw0;
            float maxval = -INFINITY;
            for (int64_t ih = ih0; ih < h1; ih += DH)
                for (int64_t iw = iw0; iw < w1; iw += DW) {
                    const float v = in[ih * W + iw];
                    if (v > maxval || isnan(v)) {
                        maxval = v;
                        maxindex = ih * W + iw;
                    }
                }
            out[oh * ow_n + ow] = maxval;
            if (ind) ind[oh * ow_n + ow] = maxindex;
        }
    }
}

void flint_max_pool2d_f32(const flint_pool2d_desc *p, const float *input, float *output, int64_t *indices, int64_t n,
                          int64_t c_begin, int64_t c_end) {
    const int64_t C = p->channels, H = p->in_h, W = p->in_w;
    const int64_t OH = flint_conv_out_size(H, p->kernel_h, p->stride_h, p->pad_h, p->dilation_h, p->ceil_mode);
    const int64_t OW = flint_conv_out_size(W, p->kernel_w, p->stride_w, p->pad_w, p->dilation_w, p->ceil_mode);
    if (OH <= 0 || OW <= 0 || c_begin >= c_end || p->kernel_h <= 0 || p->kernel_w <= 0) return;
    const float *in_b = input + n * C * H * W;
    float *out_b = output + n * C * OH * OW;
    int64_t *ind_b = indices ? indices + n * C * OH * OW : NULL;
    const pool_max_row_fn row = pool_max_row();
    float stack[POOL_STACK_FLOATS];
    pool_ring ring;
    const int64_t nslot = (p->kernel_h - 1) * p->dilation_h + 1;
    if (ind_b || !row || (p->stride_w != 1 && p->stride_w != 2) || p->kernel_h > POOL_MAX_KH ||
        !pool_ring_init(&ring, stack, nslot, OW, p->stride_w, p->kernel_w, p->dilation_w, p->pad_w, W,
                        -INFINITY)) {
        for (int64_t c = c_begin; c < c_end; ++c)
            max_plane_direct(p, in_b + c * H * W, out_b + c * OH * OW, ind_b ? ind_b + c * OH * OW : NULL, OH, OW);
        return;
    }
    const float *rows[POOL_MAX_KH];
    for (int64_t c = c_begin; c < c_end; ++c) {
        const float *plane = in_b + c * H * W;
        pool_ring_reset(&ring);
        for (int64_t oh = 0; oh < OH; ++oh) {
            for (int64_t i = 0; i < p->kernel_h; ++i)
                rows[i] = pool_ring_row(&ring, plane, oh * p->stride_h - p->pad_h + i * p->dilation_h, H, W);
            row(out_b + (c * OH + oh) * OW, OW, rows, (int)p->kernel_h, (int)p->kernel_w, (int)p->stride_w,
                p->dilation_w);
        }
    }
}

/* ------------------------------------------------------------------ average pooling */

/* ATen's divisor for the window starting at (h0, w0) (before clipping). */
static int64_t avg_divisor(const flint_pool2d_desc *p, int64_t h0, int64_t w0) {
    if (p->divisor_override > 0) return p->divisor_override;
    int64_t h1 = h0 + p->kernel_h < p->in_h + p->pad_h ? h0 + p->kernel_h : p->in_h + p->pad_h;
    int64_t w1 = w0 + p->kernel_w < p->in_w + p->pad_w ? w0 + p->kernel_w : p->in_w + p->pad_w;
    if (p->count_include_pad) return (h1 - h0) * (w1 - w0);
    h0 = h0 < 0 ? 0 : h0;
    w0 = w0 < 0 ? 0 : w0;
    h1 = h1 < p->in_h ? h1 : p->in_h;
    w1 = w1 < p->in_w ? w1 : p->in_w;
    return (h1 - h0) * (w1 - w0);
}

static void avg_plane_direct(const flint_pool2d_desc *p, const float *in, float *out, int64_t oh_n, int64_t ow_n) {
    const int64_t H = p->in_h, W = p->in_w;
    for (int64_t oh = 0; oh < oh_n; ++oh)
        for (int64_t ow = 0; ow < ow_n; ++ow) {
            const int64_t h0 = oh * p->stride_h - p->pad_h, w0 = ow * p->stride_w - p->pad_w;
            int64_t h1 = h0 + p->kernel_h < H ? h0 + p->kernel_h : H;
            int64_t w1 = w0 + p->kernel_w < W ? w0 + p->kernel_w : W;
            const int64_t hs = h0 < 0 ? 0 : h0, ws = w0 < 0 ? 0 : w0;
            float sum = 0.0f;
            if (hs >= h1 || ws >= w1) {
                out[oh * ow_n + ow] = 0.0f;
                continue;
            }
            for (int64_t ih = hs; ih < h1; ++ih)
                for (int64_t iw = ws; iw < w1; ++iw) sum += in[ih * W + iw];
            out[oh * ow_n + ow] = sum / (float)avg_divisor(p, h0, w0);
        }
}

void flint_avg_pool2d_f32(const flint_pool2d_desc *p, const float *input, float *output, int64_t n, int64_t c_begin,
                          int64_t c_end) {
    const int64_t C = p->channels, H = p->in_h, W = p->in_w;
    const int64_t OH = flint_conv_out_size(H, p->kernel_h, p->stride_h, p->pad_h, 1, p->ceil_mode);
    const int64_t OW = flint_conv_out_size(W, p->kernel_w, p->stride_w, p->pad_w, 1, p->ceil_mode);
    if (OH <= 0 || OW <= 0 || c_begin >= c_end || p->kernel_h <= 0 || p->kernel_w <= 0) return;
    const float *in_b = input + n * C * H * W;
    float *out_b = output + n * C * OH * OW;
    const pool_avg_row_fn row = pool_avg_row();
    float stack[POOL_STACK_FLOATS];
    pool_ring ring;
    /* the divisors of a whole output plane, taken only once the ring is set up */
    float *div = NULL;
    if (row && (p->stride_w == 1 || p->stride_w == 2) && p->kernel_h <= POOL_MAX_KH &&
        pool_ring_init(&ring, stack, p->kernel_h, OW, p->stride_w, p->kernel_w, 1, p->pad_w, W, 0.0f))
        div = (float *)flint__scratch(10, (size_t)(OH * (OW + 16)) * sizeof(float));
    if (!div) {
        for (int64_t c = c_begin; c < c_end; ++c) avg_plane_direct(p, in_b + c * H * W, out_b + c * OH * OW, OH, OW);
        return;
    }
    /* divisors of every output position (1 for empty windows, whose zero sum gives ATen's 0) */
    for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW + 16; ++ow) {
            const int64_t dv = ow < OW ? avg_divisor(p, oh * p->stride_h - p->pad_h, ow * p->stride_w - p->pad_w) : 1;
            div[oh * (OW + 16) + ow] = dv == 0 ? 1.0f : (float)dv;
        }
    const float *rows[POOL_MAX_KH];
    for (int64_t c = c_begin; c < c_end; ++c) {
        const float *plane = in_b + c * H * W;
        pool_ring_reset(&ring);
        for (int64_t oh = 0; oh < OH; ++oh) {
            for (int64_t i = 0; i < p->kernel_h; ++i)
                rows[i] = pool_ring_row(&ring, plane, oh * p->stride_h - p->pad_h + i, H, W);
            row(out_b + (c * OH + oh) * OW, OW, rows, (int)p->kernel_h, (int)p->kernel_w, (int)p->stride_w,
                div + oh * (OW + 16));
        }
    }
}

/* ------------------------------------------------------------------ adaptive average pooling
 * Sums use partial sums (ATen sums sequentially, so results differ from it in rounding only). */

void flint_adaptive_avg_pool2d_f32(const float *input, float *output, int64_t channels, int64_t in_h, int64_t in_w,
                                   int64_t out_h, int64_t out_w, int64_t n, int64_t c_begin, int64_t c_end) {
    if (out_h <= 0 || out_w <= 0 || c_begin >= c_end) return;
    const pool_sum_fn sum = out_w == 1 ? pool_sum() : NULL;
    for (int64_t c = c_begin; c < c_end; ++c) {
        const float *in = input + (n * channels + c) * in_h * in_w;
        float *out = output + (n * channels + c) * out_h * out_w;
        for (int64_t oh = 0; oh < out_h; ++oh) {
            const int64_t h0 = (oh * in_h) / out_h, h1 = ((oh + 1) * in_h + out_h - 1) / out_h;
            if (sum) { /* whole rows h0 ..< h1: one contiguous run (global average pooling) */
                out[oh] = sum(in + h0 * in_w, (h1 - h0) * in_w) / (float)(h1 - h0) / (float)in_w;
                continue;
            }
            for (int64_t ow = 0; ow < out_w; ++ow) {
                const int64_t w0 = (ow * in_w) / out_w, w1 = ((ow + 1) * in_w + out_w - 1) / out_w;
                /* four partial sums per row: ATen sums sequentially, this differs only in rounding */
                float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
                for (int64_t ih = h0; ih < h1; ++ih) {
                    const float *r = in + ih * in_w;
                    int64_t iw = w0;
                    for (; iw + 4 <= w1; iw += 4) {
                        s0 += r[iw];
                        s1 += r[iw + 1];
                        s2 += r[iw + 2];
                        s3 += r[iw + 3];
                    }
                    for (; iw < w1; ++iw) s0 += r[iw];
                }
                out[oh * out_w + ow] = ((s0 + s1) + (s2 + s3)) / (float)(h1 - h0) / (float)(w1 - w0);
            }
        }
    }
}
