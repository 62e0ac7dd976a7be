/* Elementwise and data-movement kernels for quantized tensors (flint_quantized.h). */
#include "flint_quantized.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flint_qgemm.h"

/* ------------------------------------------------------------------ quantization */

#define QUANTIZE_BODY(T)                                                                           \
    for (int64_t i = 0; i < n; ++i) {                                                              \
        float s = x[i] * inverse_scale;                                                            \
        s = s <= 2147483520.0f ? s : 2147483520.0f;                                                \
        float q = nearbyintf(s) + zero_point;                                                      \
        q = q > low ? q : low;                                                                     \
        q = q < high ? q : high;                                                                   \
        ((T *)out)[i] = (T)(int32_t)q;                                                             \
    }

#define QUANTIZE_ALL                                                                               \
    switch (kind) {                                                                                \
    case FLINT_QUANT_UINT8: QUANTIZE_BODY(uint8_t) break;                                          \
    case FLINT_QUANT_INT8: QUANTIZE_BODY(int8_t) break;                                            \
    default: QUANTIZE_BODY(int32_t) break;                                                         \
    }

static void quantize_portable(const float *x, int64_t n, float inverse_scale, float zero_point, float low, float high,
                              void *out, int kind) {
    QUANTIZE_ALL
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f,avx512bw,avx512vl"))) static void
quantize_avx512(const float *x, int64_t n, float inverse_scale, float zero_point, float low, float high, void *out,
                int kind) {
    QUANTIZE_ALL
}

__attribute__((target("avx512f"))) static void minmax_avx512(const float *x, int64_t n, float *minimum,
                                                              float *maximum) {
    __m512 lo = _mm512_set1_ps(INFINITY), hi = _mm512_set1_ps(-INFINITY);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 v = _mm512_loadu_ps(x + i);
        lo = _mm512_min_ps(v, lo); /* v < lo ? v : lo: a NaN v keeps lo */
        hi = _mm512_max_ps(v, hi);
    }
    if (i < n) {
        const __mmask16 mask = (__mmask16)((1u << (n - i)) - 1);
        const __m512 v = _mm512_maskz_loadu_ps(mask, x + i);
        lo = _mm512_mask_min_ps(lo, mask, v, lo);
        hi = _mm512_mask_max_ps(hi, mask, v, hi);
    }
    float lows[16], highs[16];
    _mm512_storeu_ps(lows, lo);
    _mm512_storeu_ps(highs, hi);
    float a = INFINITY, b = -INFINITY;
    for (int j = 0; j < 16; ++j) {
        a = lows[j] < a ? lows[j] : a;
        b = highs[j] > b ? highs[j] : b;
    }
    *minimum = a;
    *maximum = b;
}
#endif

static int use_avx512(void) {
#if defined(__x86_64__)
    return strcmp(flint_qgemm_isa(), "avx512vnni") == 0;
#else
    return 0;
#endif
}

void flint_quantize_f32(const float *x, int64_t n, float inverse_scale, float zero_point, float low, float high,
                        void *out, int kind) {
#if defined(__x86_64__)
    if (use_avx512()) {
        quantize_avx512(x, n, inverse_scale, zero_point, low, high, out, kind);
        return;
    }
#endif
    quantize_portable(x, n, inverse_scale, zero_point, low, high, out, kind);
}

void flint_minmax_f32(const float *x, int64_t n, float *minimum, float *maximum) {
#if defined(__x86_64__)
    if (use_avx512()) {
        minmax_avx512(x, n, minimum, maximum);
        return;
    }
#endif
    float a = INFINITY, b = -INFINITY;
    for (int64_t i = 0; i < n; ++i) {
        a = x[i] < a ? x[i] : a;
        b = x[i] > b ? x[i] : b;
    }
    *minimum = a;
    *maximum = b;
}

/* ------------------------------------------------------------------ max pooling, channels-last */

#define MAX_POOL_BODY(T)                                                                                      \
    for (int64_t row = row_begin; row < row_end; ++row) {                                                     \
        const int64_t image = row / out_h, oy = row % out_h;                                                  \
        const T *base = (const T *)input + image * d->in_h * d->in_w * channels;                              \
        for (int64_t ox = 0; ox < out_w; ++ox) {                                                              \
            T *target = (T *)output + (row * out_w + ox) * channels;                                          \
            int first = 1;                                                                                    \
            for (int64_t ky = 0; ky < d->kernel_h; ++ky) {                                                    \
                const int64_t iy = oy * d->stride_h - d->pad_h + ky * d->dilation_h;                          \
                if (iy < 0 || iy >= d->in_h) continue;                                                        \
                for (int64_t kx = 0; kx < d->kernel_w; ++kx) {                                                \
                    const int64_t ix = ox * d->stride_w - d->pad_w + kx * d->dilation_w;                      \
                    if (ix < 0 || ix >= d->in_w) continue;                                                    \
                    const T *pixel = base + (iy * d->in_w + ix) * channels;                                   \
                    if (first) {                                                                              \
                        memcpy(target, pixel, (size_t)channels * sizeof(T));                                  \
                        first = 0;                                                                            \
                    } else {                                                                                  \
                        for (int64_t c = 0; c < channels; ++c) target[c] = pixel[c] > target[c] ? pixel[c] : target[c]; \
                    }                                                                                         \
                }                                                                                             \
            }                                                                                                 \
            if (first) memset(target, 0, (size_t)channels * sizeof(T));                                       \
        }                                                                                                     \
    }

void flint_max_pool2d_q8_nhwc(const flint_pool2d_desc *d, const uint8_t *input, uint8_t *output, int64_t row_begin,
                              int64_t row_end, int is_signed) {
    const int64_t channels = d->channels;
    const int64_t out_h = flint_conv_out_size(d->in_h, d->kernel_h, d->stride_h, d->pad_h, d->dilation_h, d->ceil_mode);
    const int64_t out_w = flint_conv_out_size(d->in_w, d->kernel_w, d->stride_w, d->pad_w, d->dilation_w, d->ceil_mode);
    if (is_signed) {
        MAX_POOL_BODY(int8_t)
    } else {
        MAX_POOL_BODY(uint8_t)
    }
}

/* ------------------------------------------------------------------ patch gather, channels-last */

/* memcpy of a short run as at most two overlapping fixed-size moves (the runs of a first convolution are a few
 * bytes, where a library call costs more than the copy). */
static inline void copy_run(uint8_t *d, const uint8_t *s, int64_t n) {
    if (n > 32) {
        memcpy(d, s, (size_t)n);
    } else if (n >= 16) {
        uint8_t head[16], tail[16];
        memcpy(head, s, 16);
        memcpy(tail, s + n - 16, 16);
        memcpy(d, head, 16);
        memcpy(d + n - 16, tail, 16);
    } else if (n >= 8) {
        uint64_t head, tail;
        memcpy(&head, s, 8);
        memcpy(&tail, s + n - 8, 8);
        memcpy(d, &head, 8);
        memcpy(d + n - 8, &tail, 8);
    } else if (n >= 4) {
        uint32_t head, tail;
        memcpy(&head, s, 4);
        memcpy(&tail, s + n - 4, 4);
        memcpy(d, &head, 4);
        memcpy(d + n - 4, &tail, 4);
    } else {
        for (int64_t i = 0; i < n; ++i) d[i] = s[i];
    }
}

void flint_nchw_to_nhwc_u8(int64_t channels, int64_t plane, const uint8_t *input, uint8_t *output) {
    enum { BLOCK = 64 };
    for (int64_t p0 = 0; p0 < plane; p0 += BLOCK) {
        const int64_t p1 = p0 + BLOCK < plane ? p0 + BLOCK : plane;
        for (int64_t c = 0; c < channels; ++c) {
            const uint8_t *source = input + c * plane;
            for (int64_t p = p0; p < p1; ++p) output[p * channels + c] = source[p];
        }
    }
}

void flint_im2col_u8_nhwc(const flint_im2col2d_desc *d, const uint8_t *input, int64_t pixel_stride, uint8_t pad,
                          int64_t pixel_begin, int64_t pixel_count, uint8_t *patches) {
    const int64_t channels = d->channels;
    const int64_t run = d->kernel_w * channels; /* one kernel row of a patch */
    const int64_t depth = d->kernel_h * run;
    /* One kernel row is one contiguous stretch of the input when taps are adjacent pixels of packed channels. */
    const int contiguous = d->dilation_w == 1 && pixel_stride == channels;
    uint8_t *target = patches;
    for (int64_t p = pixel_begin; p < pixel_begin + pixel_count; ++p, target += depth) {
        const int64_t oy = p / d->out_w, ox = p % d->out_w;
        {
            for (int64_t ky = 0; ky < d->kernel_h; ++ky) {
                uint8_t *segment = target + ky * run;
                const int64_t iy = oy * d->stride_h - d->pad_h + ky * d->dilation_h;
                if (iy < 0 || iy >= d->in_h) {
                    memset(segment, pad, (size_t)run);
                    continue;
                }
                const uint8_t *line = input + iy * d->in_w * pixel_stride;
                const int64_t x0 = ox * d->stride_w - d->pad_w;
                if (contiguous) {
                    /* Taps [first, last) lie inside the row; the rest are padding. */
                    int64_t first = x0 < 0 ? -x0 : 0;
                    int64_t last = d->in_w - x0 < d->kernel_w ? d->in_w - x0 : d->kernel_w;
                    if (first > d->kernel_w) first = d->kernel_w;
                    if (last < first) last = first;
                    if (first > 0) memset(segment, pad, (size_t)(first * channels));
                    if (last > first)
                        copy_run(segment + first * channels, line + (x0 + first) * channels, (last - first) * channels);
                    if (last < d->kernel_w) memset(segment + last * channels, pad, (size_t)((d->kernel_w - last) * channels));
                    continue;
                }
                for (int64_t kx = 0; kx < d->kernel_w; ++kx) {
                    const int64_t ix = x0 + kx * d->dilation_w;
                    if (ix < 0 || ix >= d->in_w)
                        memset(segment + kx * channels, pad, (size_t)channels);
                    else
                        copy_run(segment + kx * channels, line + ix * pixel_stride, channels);
                }
            }
        }
    }
}

/* ------------------------------------------------------------------ depthwise convolution, channels-last */

/* Requantizes one output pixel's accumulators. */
#define DEPTHWISE_STORE                                                                                        \
    uint8_t *target = output + (oy * d->out_w + ox) * channels;                                                \
    for (int64_t c = 0; c < channels; ++c) {                                                                   \
        float v = ((float)acc[c] + offset[c]) * multiplier[c];                                                 \
        float q = nearbyintf(v) + zero_point;                                                                  \
        q = q < low ? low : (q > 255.0f ? 255.0f : q);                                                         \
        target[c] = (uint8_t)q;                                                                                \
    }

/* The input pixel under tap (ky, kx) of output (oy, ox), or NULL in the padding. */
#define DEPTHWISE_PIXEL(ky, kx)                                                                                \
    const int64_t iy = oy * d->stride_h - d->pad_h + (ky) * d->dilation_h;                                     \
    const int64_t ix = ox * d->stride_w - d->pad_w + (kx) * d->dilation_w;                                     \
    const uint8_t *pixel = iy < 0 || iy >= d->in_h || ix < 0 || ix >= d->in_w ? NULL                           \
                                                                               : input + (iy * d->in_w + ix) * channels;

#define DEPTHWISE_BODY                                                                                         \
    const int64_t channels = d->channels, taps_count = d->kernel_h * d->kernel_w;                              \
    int32_t *acc = malloc((size_t)channels * (2 * sizeof(int32_t) + 1 + (size_t)taps_count * sizeof(int16_t))); \
    if (!acc) abort();                                                                                         \
    int32_t *tap_sums = acc + channels;                                                                        \
    int16_t *narrow_taps = (int16_t *)(tap_sums + channels); /* int8 weights: the products fit 16 bits */      \
    uint8_t *padding = (uint8_t *)(narrow_taps + taps_count * channels);                                       \
    memset(padding, (int)(uint8_t)activation_zero_point, (size_t)channels);                                    \
    if (saturate_pairs) {                                                                                      \
        for (int64_t c = 0; c < channels; ++c) tap_sums[c] = 0;                                                \
        for (int64_t t = 0; t < taps_count; ++t)                                                               \
            for (int64_t c = 0; c < channels; ++c) {                                                           \
                tap_sums[c] += taps[t * channels + c];                                                         \
                narrow_taps[t * channels + c] = (int16_t)taps[t * channels + c];                               \
            }                                                                                                  \
    }                                                                                                          \
    for (int64_t oy = oy_begin; oy < oy_end; ++oy) {                                                           \
        for (int64_t ox = 0; ox < d->out_w; ++ox) {                                                            \
            for (int64_t c = 0; c < channels; ++c) acc[c] = 0;                                                 \
            if (saturate_pairs) {                                                                              \
                /* fbgemm's depthwise kernel: raw activations (the zero point in the padding) times the        \
                 * weights, taps paired in row-major order, each pair summed in 16 bits with saturation          \
                 * (vpmaddubsw), then the zero point's share taken off. */                                     \
                for (int64_t t = 0; t < taps_count; t += 2) {                                                  \
                    DEPTHWISE_PIXEL(t / d->kernel_w, t % d->kernel_w)                                          \
                    const uint8_t *x0 = pixel ? pixel : padding;                                               \
                    const int16_t *w0 = narrow_taps + t * channels;                                            \
                    if (t + 1 == taps_count) {                                                                 \
                        for (int64_t c = 0; c < channels; ++c) acc[c] += (int32_t)x0[c] * w0[c];               \
                        break;                                                                                 \
                    }                                                                                          \
                    const uint8_t *x1;                                                                         \
                    {                                                                                          \
                        DEPTHWISE_PIXEL((t + 1) / d->kernel_w, (t + 1) % d->kernel_w)                          \
                        x1 = pixel ? pixel : padding;                                                          \
                    }                                                                                          \
                    const int16_t *w1 = w0 + channels;                                                         \
                    for (int64_t c = 0; c < channels; ++c) {                                                   \
                        /* each product is exact in 16 bits; their sum saturates (vpaddsw) */                  \
                        const int16_t p0 = (int16_t)(x0[c] * w0[c]), p1 = (int16_t)(x1[c] * w1[c]);            \
                        int32_t p = (int32_t)p0 + p1;                                                          \
                        p = p > 32767 ? 32767 : (p < -32768 ? -32768 : p);                                     \
                        acc[c] += p;                                                                           \
                    }                                                                                          \
                }                                                                                              \
                for (int64_t c = 0; c < channels; ++c) acc[c] -= activation_zero_point * tap_sums[c];          \
            } else {                                                                                           \
                for (int64_t t = 0; t < taps_count; ++t) {                                                     \
                    DEPTHWISE_PIXEL(t / d->kernel_w, t % d->kernel_w)                                          \
                    if (!pixel) continue; /* the zero point: adds nothing */                                   \
                    const int32_t *tap = taps + t * channels;                                                  \
                    for (int64_t c = 0; c < channels; ++c)                                                     \
                        acc[c] += ((int32_t)pixel[c] - activation_zero_point) * tap[c];                        \
                }                                                                                              \
            }                                                                                                  \
            DEPTHWISE_STORE                                                                                    \
        }                                                                                                      \
    }                                                                                                          \
    free(acc);

static void qdepthwise_portable(const flint_im2col2d_desc *d, const uint8_t *input, int32_t activation_zero_point,
                                const int32_t *taps, int saturate_pairs, const float *offset, const float *multiplier,
                                float zero_point, float low, uint8_t *output, int64_t oy_begin, int64_t oy_end) {
    DEPTHWISE_BODY
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw,avx512vl"))) static void
qdepthwise_avx512(const flint_im2col2d_desc *d, const uint8_t *input, int32_t activation_zero_point,
                  const int32_t *taps, int saturate_pairs, const float *offset, const float *multiplier,
                  float zero_point, float low, uint8_t *output, int64_t oy_begin, int64_t oy_end) {
    DEPTHWISE_BODY
}
#endif

void flint_qdepthwise_u8_nhwc(const flint_im2col2d_desc *d, const uint8_t *input, int32_t activation_zero_point,
                              const int32_t *taps, int saturate_pairs, const float *offset, const float *multiplier,
                              float zero_point, float low, uint8_t *output, int64_t oy_begin, int64_t oy_end) {
#if defined(__x86_64__)
    if (use_avx512()) {
        qdepthwise_avx512(d, input, activation_zero_point, taps, saturate_pairs, offset, multiplier, zero_point, low,
                          output, oy_begin, oy_end);
        return;
    }
#endif
    qdepthwise_portable(d, input, activation_zero_point, taps, saturate_pairs, offset, multiplier, zero_point, low,
                        output, oy_begin, oy_end);
}
