#include "flint_conv_narrow.h"

#include <string.h>

#include "flint_internal.h"

#if defined(FLINT_X86)
#include <immintrin.h>
#endif

/* Direct convolution over few input channels (see flint_conv_narrow.h). Per image, two parallel steps:
 *   1. the input, zero-padded and split by column phase (stride 2: the even and the odd columns apart), into
 *      xs[c][y][phase][j] = padded[c][y][j * stride + phase], so that for any tap the inputs of 16 consecutive
 *      output columns are 16 consecutive floats;
 *   2. per (output row, block of 16 output channels): for each run of 16 output columns, 16 accumulators (one
 *      per channel), each tap one vector load times 16 broadcast weights; then the GEMM micro-kernel's epilogue
 *      (bias, residual, clamp) as they are stored, and a function activation over the finished rows.
 * Taps are summed in the GEMM's order (channel, kernel row, kernel column), one multiply-add chain per output
 * from zero, so every output has the GEMM path's bits. The weights, repacked as [block][tap][16 channels]
 * (zero past the last channel), and xs live in the calling thread's scratch (slot 12). */

enum { NARROW_CHANNELS = 16, NARROW_MAX_CHANNELS = 4, NARROW_MAX_TAPS = 160 };

static inline int64_t min64(int64_t x, int64_t y) { return x < y ? x : y; }

int flint_conv2d_narrow_supported(const flint_conv2d_narrow_desc *d) {
#if defined(FLINT_X86)
    if (!flint__is_avx512(flint__kernel()->id)) return 0;
    if (d->images < 1 || d->in_channels < 1 || d->out_channels < 1 || d->kernel_h < 1 || d->kernel_w < 1) return 0;
    if ((d->stride != 1 && d->stride != 2) || d->pad_h < 0 || d->pad_w < 0) return 0;
    /* Within one k-block of the GEMM (kc), whose single pass of sums from zero these bits repeat. */
    const int64_t taps = d->in_channels * d->kernel_h * d->kernel_w;
    if (d->in_channels > NARROW_MAX_CHANNELS || taps > NARROW_MAX_TAPS || taps > flint__kernel()->kc) return 0;
    const int64_t out_h = (d->in_h + 2 * d->pad_h - d->kernel_h) / d->stride + 1;
    const int64_t out_w = (d->in_w + 2 * d->pad_w - d->kernel_w) / d->stride + 1;
    return d->in_h + 2 * d->pad_h >= d->kernel_h && d->in_w + 2 * d->pad_w >= d->kernel_w && out_h >= 1 && out_w >= 16;
#else
    (void)d;
    return 0;
#endif
}

#if defined(FLINT_X86)
typedef struct narrow_call {
    const flint_conv2d_narrow_desc *d;
    const float *input;  /* this image */
    float *output;       /* this image */
    const float *residual; /* this image's, or NULL */
    int64_t residual_stride; /* between output channels */
    const float *bias;   /* NULL for none */
    const float *weights;  /* [block][tap][16] */
    const int64_t *offset; /* per tap: where its input lies in xs, for output row 0 and column 0 */
    float *xs;
    int64_t out_h, out_w, padded_h, phase_w, taps, blocks;
    int flags; /* FLINT_EPI_BIAS_ROW, FLINT_EPI_RESIDUAL */
    int act;
    float lo, hi;
    flint__rows_fn fn;
} narrow_call;

/* Step 1: rows [r0, r1) of xs, row r being (channel r / padded_h, padded row r % padded_h). */
FLINT_TARGET_AVX512 static void narrow_split(void *ctx, int64_t r0, int64_t r1, int thread_index) {
    (void)thread_index;
    const narrow_call *g = (const narrow_call *)ctx;
    const flint_conv2d_narrow_desc *d = g->d;
    const int64_t s = d->stride, w = d->in_w, pw = g->phase_w;
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odds = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    for (int64_t r = r0; r < r1; ++r) {
        const int64_t c = r / g->padded_h, y = r % g->padded_h, iy = y - d->pad_h;
        float *row = g->xs + r * s * pw;
        if (iy < 0 || iy >= d->in_h) {
            memset(row, 0, (size_t)(s * pw) * sizeof(float));
            continue;
        }
        const float *src = g->input + (c * d->in_h + iy) * w;
        for (int64_t phase = 0; phase < s; ++phase) {
            float *dst = row + phase * pw;
            /* dst[j] = src[j * s + phase - pad_w], zero outside [0, w); j in [j0, j1) lies inside. */
            const int64_t shift = phase - d->pad_w;
            const int64_t j0 = min64(pw, shift >= 0 ? 0 : (-shift + s - 1) / s);
            const int64_t j1 = w - shift > 0 ? min64(pw, (w - shift + s - 1) / s) : j0;
            int64_t j = 0;
            for (; j < j0; ++j) dst[j] = 0.0f;
            if (s == 1) {
                for (; j + 16 <= j1; j += 16) _mm512_storeu_ps(dst + j, _mm512_loadu_ps(src + j + shift));
            } else {
                /* 16 outputs read inputs 2j + shift .. 2j + shift + 30: from p = src + 2j + shift - r (r the
                 * phase of shift, 0 or 1), elements r, r + 2, ..., r + 30, and no other (masked loads). */
                const int64_t r = ((shift % 2) + 2) % 2;
                const __m512i pick = r == 0 ? evens : odds;
                const __mmask16 low = r == 0 ? (__mmask16)0xffff : (__mmask16)0xfffe;
                const __mmask16 high = r == 0 ? (__mmask16)0x7fff : (__mmask16)0xffff;
                for (; j + 16 <= j1; j += 16) {
                    const float *p = src + 2 * j + shift - r;
                    const __m512 a = _mm512_maskz_loadu_ps(low, p), b = _mm512_maskz_loadu_ps(high, p + 16);
                    _mm512_storeu_ps(dst + j, _mm512_permutex2var_ps(a, pick, b));
                }
            }
            for (; j < j1; ++j) dst[j] = src[j * s + shift];
            for (; j < pw; ++j) dst[j] = 0.0f;
        }
    }
}

/* Step 2: items [i0, i1), item i being output row i / blocks, channel block i % blocks. */
FLINT_TARGET_AVX512 static void narrow_rows(void *ctx, int64_t i0, int64_t i1, int thread_index) {
    (void)thread_index;
    const narrow_call *g = (const narrow_call *)ctx;
    const int64_t out_w = g->out_w, plane = g->out_h * out_w, taps = g->taps, s = g->d->stride;
    const __m512 vlo = _mm512_set1_ps(g->lo), vhi = _mm512_set1_ps(g->hi);
    for (int64_t item = i0; item < i1; ++item) {
        const int64_t oy = item / g->blocks, block = item % g->blocks, first = block * NARROW_CHANNELS;
        const int64_t count = min64(NARROW_CHANNELS, g->d->out_channels - first);
        const float *w = g->weights + block * taps * NARROW_CHANNELS;
        const float *x = g->xs + oy * s * s * g->phase_w; /* padded input row oy * s, phase 0 */
        float *out = g->output + first * plane + oy * out_w;
        for (int64_t ox = 0; ox < out_w; ox += 16) {
            const __mmask16 lanes = out_w - ox >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (out_w - ox)) - 1u);
            __m512 acc[NARROW_CHANNELS];
            _Pragma("GCC unroll 16") for (int j = 0; j < NARROW_CHANNELS; ++j) acc[j] = _mm512_setzero_ps();
            for (int64_t t = 0; t < taps; ++t) {
                const __m512 v = _mm512_loadu_ps(x + g->offset[t] + ox);
                const float *wt = w + t * NARROW_CHANNELS;
                _Pragma("GCC unroll 16") for (int j = 0; j < NARROW_CHANNELS; ++j)
                    acc[j] = _mm512_fmadd_ps(_mm512_set1_ps(wt[j]), v, acc[j]);
            }
            /* The micro-kernel's epilogue, in its order: + (bias + 0), + residual, clamp. */
            _Pragma("GCC unroll 16") for (int j = 0; j < NARROW_CHANNELS; ++j) {
                if (j >= count) break;
                __m512 v = acc[j];
                if (g->flags) {
                    const __m512 b = (g->flags & FLINT_EPI_BIAS_ROW) ? _mm512_set1_ps(g->bias[first + j]) : _mm512_setzero_ps();
                    v = _mm512_add_ps(v, _mm512_add_ps(b, _mm512_setzero_ps()));
                    if (g->flags & FLINT_EPI_RESIDUAL)
                        v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(lanes, g->residual + (first + j) * g->residual_stride + oy * out_w + ox));
                }
                if (g->act) v = _mm512_min_ps(vhi, _mm512_max_ps(vlo, v));
                _mm512_mask_storeu_ps(out + j * plane + ox, lanes, v);
            }
        }
        if (g->fn) g->fn(out, plane, count, out_w);
    }
}
#endif

int flint_conv2d_narrow(flint_pool *pool, const flint_conv2d_narrow_desc *d, const float *weight, const float *input,
                        float *output, const flint_gemm_epilogue *epilogue) {
#if defined(FLINT_X86)
    if (!flint_conv2d_narrow_supported(d)) return -1;
    if (epilogue && (epilogue->beta != 0.0f || (epilogue->bias && epilogue->bias_kind == FLINT_BIAS_PER_COL))) return -1;
    const flint_tile_epi e = flint__epi_normalize(epilogue);
    narrow_call g;
    memset(&g, 0, sizeof(g));
    g.d = d;
    const int64_t s = d->stride, c_count = d->in_channels, kh = d->kernel_h, kw = d->kernel_w;
    g.out_h = (d->in_h + 2 * d->pad_h - kh) / s + 1;
    g.out_w = (d->in_w + 2 * d->pad_w - kw) / s + 1;
    g.padded_h = d->in_h + 2 * d->pad_h;
    /* Room for whole 16-column runs past the last output and the widest tap's shift. */
    g.phase_w = ((g.out_w + 15) / 16 * 16 + (kw - 1) / s + 1 + 15) / 16 * 16;
    g.taps = c_count * kh * kw;
    g.blocks = (d->out_channels + NARROW_CHANNELS - 1) / NARROW_CHANNELS;
    g.flags = e.flags;
    g.bias = e.bias;
    g.residual_stride = e.ldr;
    g.act = e.act;
    g.lo = e.lo;
    g.hi = e.hi;
    g.fn = e.fn;
    const size_t weight_floats = (size_t)(g.blocks * g.taps * NARROW_CHANNELS);
    const size_t xs_floats = (size_t)(c_count * g.padded_h * s * g.phase_w);
    const size_t offset_bytes = (size_t)g.taps * sizeof(int64_t);
    char *scratch = (char *)flint__scratch(12, (weight_floats + xs_floats) * sizeof(float) + offset_bytes + 64);
    if (!scratch) return -1;
    float *weights = (float *)scratch;
    g.xs = weights + weight_floats;
    int64_t *offset = (int64_t *)(g.xs + xs_floats);
    for (int64_t b = 0; b < g.blocks; ++b) {
        for (int64_t t = 0; t < g.taps; ++t) {
            for (int64_t j = 0; j < NARROW_CHANNELS; ++j) {
                const int64_t o = b * NARROW_CHANNELS + j;
                weights[(b * g.taps + t) * NARROW_CHANNELS + j] = o < d->out_channels ? weight[o * g.taps + t] : 0.0f;
            }
        }
    }
    for (int64_t c = 0, t = 0; c < c_count; ++c) {
        for (int64_t ky = 0; ky < kh; ++ky) {
            for (int64_t kx = 0; kx < kw; ++kx, ++t) offset[t] = ((c * g.padded_h + ky) * s + kx % s) * g.phase_w + kx / s;
        }
    }
    g.weights = weights;
    g.offset = offset;
    const int64_t out_plane = g.out_h * g.out_w;
    for (int64_t n = 0; n < d->images; ++n) {
        g.input = input + n * c_count * d->in_h * d->in_w;
        g.output = output + n * d->out_channels * out_plane;
        g.residual = (e.flags & FLINT_EPI_RESIDUAL) ? e.res + n * d->residual_image_stride : NULL;
        flint_parallel_for(pool, c_count * g.padded_h, 8, narrow_split, &g);
        flint_parallel_for(pool, g.out_h * g.blocks, 1, narrow_rows, &g);
    }
    return 0;
#else
    (void)pool;
    (void)d;
    (void)weight;
    (void)input;
    (void)output;
    (void)epilogue;
    return -1;
#endif
}
