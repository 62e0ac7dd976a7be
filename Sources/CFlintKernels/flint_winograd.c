#include "flint_winograd.h"

#include <stdlib.h>
#include <string.h>

#include "flint_internal.h"

/* Winograd F(2x2, 3x3) (see flint_winograd.h). The tile rows of all images are numbered in one sequence
 * (image n's tile row ty is row n * tile_rows + ty), and a call works through that sequence in bands, so a
 * band may span several small images; each band runs in three parallel steps over the thread pool:
 *   1. per input channel: the 4x4 input block of every tile, transformed, into V[16][C][tiles];
 *   2. per (element, column chunk): M[e] = U[e] x V[e], one single-threaded packed GEMM each;
 *   3. per output channel: M's 16 values of every tile transformed back into its 2x2 outputs, with the
 *      bias, residual and activation applied on the way out.
 * The transforms run over whole rows of tiles with unit- or two-element strides, which the compiler
 * vectorises. A band's V and M live in the calling thread's scratch (slots 5 and 6). */

enum {
    WG_MAX_TILE_COLS = 512,            /* out_w <= 1024: the row buffers below stay on the stack */
    /* V + M of one band. V is written, then read by the products that write M, then M is read: in bands of at
     * most 4 MiB (a 64-channel 56x56 layer: two bands of 3.2 MB, within the two cores' L2 of the Xeon of
     * BENCHMARKS.md, 2 MiB each, rather than one of 6.4 MB in L3) resnet18 ran 3-4% faster than with 8 MiB. */
    WG_BAND_BYTES = 4 * 1024 * 1024
};

static inline int64_t min64(int64_t x, int64_t y) { return x < y ? x : y; }

/* What an input row in the zero padding reads: at least as long as any image row a tile row covers. */
static const float wg_zero_row[2 * WG_MAX_TILE_COLS + 2];

static size_t panel_bytes(int64_t out_channels, int64_t in_channels) {
    return (flint_sgemm_pack_a_size(out_channels, in_channels) + 63) & ~(size_t)63;
}

int flint_winograd3x3_supported(const flint_winograd3x3_desc *d) {
    if (d->in_channels <= 0 || d->out_channels <= 0 || d->pad_h < 0 || d->pad_w < 0 || d->pad_h > 2 || d->pad_w > 2)
        return 0;
    const int64_t out_h = d->in_h + 2 * d->pad_h - 2, out_w = d->in_w + 2 * d->pad_w - 2;
    return out_h >= 1 && out_w >= 1 && (out_w + 1) / 2 <= WG_MAX_TILE_COLS;
}

size_t flint_winograd3x3_weights_size(int64_t out_channels, int64_t in_channels) {
    return 16 * panel_bytes(out_channels, in_channels);
}

/* The 16 transformed planes u[e][o][c] (e = 4i + j, each plane rows x c_count) of `rows` output channels of
 * 3x3 weights w[o][c][3][3]: t = G g (4x3), then U = t G^T (4x4), G = [[1,0,0],[1/2,1/2,1/2],[1/2,-1/2,1/2],[0,0,1]]. */
static void transform_weights(const float *restrict w, int64_t rows, int64_t c_count, float *restrict u) {
    const int64_t plane = rows * c_count;
    for (int64_t o = 0; o < rows; ++o) {
        for (int64_t c = 0; c < c_count; ++c) {
            const float *g = w + (o * c_count + c) * 9;
            float t[4][3];
            for (int j = 0; j < 3; ++j) {
                t[0][j] = g[j];
                t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
                t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
                t[3][j] = g[6 + j];
            }
            for (int i = 0; i < 4; ++i) {
                const float row[4] = {t[i][0], 0.5f * (t[i][0] + t[i][1] + t[i][2]), 0.5f * (t[i][0] - t[i][1] + t[i][2]), t[i][2]};
                for (int j = 0; j < 4; ++j) u[(i * 4 + j) * plane + o * c_count + c] = row[j];
            }
        }
    }
}

int flint_winograd3x3_pack_weights(int64_t out_channels, int64_t in_channels, const float *weight, void *packed) {
    return flint_winograd3x3_pack_scaled_weights(out_channels, in_channels, weight, NULL, packed);
}

int flint_winograd3x3_pack_scaled_weights(int64_t out_channels, int64_t in_channels, const float *weight,
                                          const double *out_scale, void *packed) {
    const int64_t o_count = out_channels, c_count = in_channels;
    const size_t bytes = panel_bytes(o_count, c_count);
    if (o_count <= 0) {
        for (int e = 0; e < 16; ++e) flint_sgemm_pack_a(0, c_count, weight, c_count, 1, (char *)packed + (size_t)e * bytes);
        return 0;
    }
    /* Output channels go in blocks whose 16 transformed planes stay in L2 (about 1 MB), each plane's rows
     * packed into place as they are made, instead of through a temporary of the whole 16/9-sized form. */
    const int64_t row_block = flint_sgemm_pack_a_row_block();
    int64_t block = (1 << 20) / (int64_t)(16 * sizeof(float)) / (c_count > 0 ? c_count : 1) / row_block * row_block;
    if (block < row_block) block = row_block;
    if (block > o_count) block = o_count;
    float *u = (float *)malloc((size_t)(16 * block * c_count) * sizeof(float) + 1);
    /* With out_scale, each block's weights are first scaled (and rounded to float, as a separately scaled
     * weight would be) into `scaled`, in one vectorised pass. */
    float *scaled = out_scale ? (float *)malloc((size_t)(9 * block * c_count) * sizeof(float) + 1) : NULL;
    if (!u || (out_scale && !scaled)) {
        free(u);
        free(scaled);
        return -1;
    }
    for (int64_t o0 = 0; o0 < o_count; o0 += block) {
        const int64_t rows = min64(block, o_count - o0), plane = rows * c_count;
        if (scaled) flint_scale_rows(rows, c_count * 9, weight + o0 * c_count * 9, c_count * 9, out_scale + o0, scaled, c_count * 9);
        transform_weights(scaled ? scaled : weight + o0 * c_count * 9, rows, c_count, u);
        for (int e = 0; e < 16; ++e)
            flint_sgemm_pack_a_rows(o_count, c_count, o0, rows, u + e * plane, c_count, 1, (char *)packed + (size_t)e * bytes);
    }
    free(u);
    free(scaled);
    return 0;
}

typedef struct wg_call {
    const flint_winograd3x3_desc *d;
    int64_t out_h, out_w;
    int64_t tile_cols;       /* tiles per tile row: ceil(out_w / 2) */
    int64_t tile_rows;       /* tile rows per image: ceil(out_h / 2) */
    int64_t band_first;      /* the band's first tile row, counted over all images */
    int64_t band_rows;       /* tile rows in the band */
    int64_t tiles;           /* band_rows * tile_cols: V's and M's row length */
    int64_t chunk, chunks;   /* step 2's column chunks */
    const float *input;
    float *output;
    float *v, *m;            /* V [16][C][tiles], M [16][O][tiles] */
    const char *packed;
    size_t panel_bytes;
    const float *bias;       /* per output channel, or NULL */
    const float *residual;   /* [images][O][out_h * out_w] with residual_image_stride and residual_stride, or NULL */
    int64_t residual_stride, residual_image_stride;
    int activation;
    float lo, hi;
    flint__rows_fn fn; /* a function activation, applied to each output row once written */
} wg_call;

/* Step 1: input channels [c0, c1). */
static inline __attribute__((always_inline)) void wg_transform_input(const wg_call *g, int64_t c0, int64_t c1) {
    const int64_t in_h = g->d->in_h, in_w = g->d->in_w, pad_h = g->d->pad_h, pad_w = g->d->pad_w;
    const int64_t cols = g->tile_cols, span = 2 * cols + 2; /* input columns under a row of tiles */
    const int64_t element_stride = g->d->in_channels * g->tiles;
    /* The image columns a tile row covers: [first, last) of the padded span is inside the image. */
    const int64_t first = pad_w, last = min64(span, in_w + pad_w);
    float q[4][2 * WG_MAX_TILE_COLS + 2];
    const int64_t image_elements = g->d->in_channels * in_h * in_w, inside = last - first;
    for (int64_t c = c0; c < c1; ++c) {
        for (int64_t r = 0; r < g->band_rows; ++r) {
            const int64_t row = g->band_first + r, ty = row % g->tile_rows;
            const float *plane = g->input + (row / g->tile_rows) * image_elements + c * in_h * in_w;
            /* The 4 input rows under the tile row, read in place (a row in the padding reads the zero row):
             * no copies, which for the small planes of late layers cost more than the transform. */
            const float *d[4];
            for (int k = 0; k < 4; ++k) {
                const int64_t iy = 2 * ty - pad_h + k;
                d[k] = iy < 0 || iy >= in_h ? wg_zero_row : plane + iy * in_w;
            }
            /* B^T d: down the columns; the padding columns are zero. */
            for (int i = 0; i < 4; ++i) {
                for (int64_t j = 0; j < first; ++j) q[i][j] = 0.0f;
                for (int64_t j = last; j < span; ++j) q[i][j] = 0.0f;
            }
            const float *d0 = d[0], *d1 = d[1], *d2 = d[2], *d3 = d[3];
            float *q0 = q[0] + first, *q1 = q[1] + first, *q2 = q[2] + first, *q3 = q[3] + first;
            for (int64_t j = 0; j < inside; ++j) {
                q0[j] = d0[j] - d2[j];
                q1[j] = d1[j] + d2[j];
                q2[j] = d2[j] - d1[j];
                q3[j] = d1[j] - d3[j];
            }
            /* (B^T d) B: along the rows, tile tx reading columns 2tx .. 2tx + 3. */
            float *v = g->v + c * g->tiles + r * cols;
            for (int i = 0; i < 4; ++i) {
                const float *a = q[i];
                float *v0 = v + (4 * i) * element_stride, *v1 = v0 + element_stride, *v2 = v1 + element_stride,
                      *v3 = v2 + element_stride;
                for (int64_t tx = 0; tx < cols; ++tx) {
                    const float a0 = a[2 * tx], a1 = a[2 * tx + 1], a2 = a[2 * tx + 2], a3 = a[2 * tx + 3];
                    v0[tx] = a0 - a2;
                    v1[tx] = a1 + a2;
                    v2[tx] = a2 - a1;
                    v3[tx] = a1 - a3;
                }
            }
        }
    }
}

/* Step 2: items [i0, i1) of (element, column chunk). */
static void wg_multiply(void *ctx, int64_t i0, int64_t i1, int thread_index) {
    (void)thread_index;
    const wg_call *g = (const wg_call *)ctx;
    const int64_t o_count = g->d->out_channels, c_count = g->d->in_channels, tiles = g->tiles;
    for (int64_t item = i0; item < i1; ++item) {
        const int64_t e = item / g->chunks, column = (item % g->chunks) * g->chunk;
        const int64_t count = min64(g->chunk, tiles - column);
        if (count <= 0) continue;
        flint_sgemm_packed_a(NULL, o_count, count, c_count, g->packed + (size_t)e * g->panel_bytes,
                             g->v + e * c_count * tiles + column, tiles, 1, g->m + e * o_count * tiles + column, tiles,
                             NULL);
    }
}

/* Step 3: output channels [o0, o1). */
static inline __attribute__((always_inline)) void wg_transform_output(const wg_call *g, int64_t o0, int64_t o1) {
    const int64_t out_h = g->out_h, out_w = g->out_w, cols = g->tile_cols, tiles = g->tiles;
    const int64_t element_stride = g->d->out_channels * tiles;
    /* Whole tile rows at a time, at least WG_MAX_TILE_COLS tiles: A^T m A runs as one loop over their tiles
     * (16 unit-stride streams, which vectorises however narrow the image is), into the two output rows of each
     * tile row, interleaved as the image has them (y0: top row, y1: bottom row); then each output row is written
     * with the epilogue in one unit-stride loop. */
    const int64_t rows_per_chunk = cols >= WG_MAX_TILE_COLS ? 1 : WG_MAX_TILE_COLS / cols;
    float y0[2 * WG_MAX_TILE_COLS], y1[2 * WG_MAX_TILE_COLS];
    /* The activation as bounds (NaN passes through both comparisons unchanged). */
    float lo = -__builtin_inff(), hi = __builtin_inff();
    if (g->activation == FLINT_ACTIVATION_RELU) lo = 0.0f;
    if (g->activation == FLINT_ACTIVATION_CLAMP) {
        lo = g->lo;
        hi = g->hi;
    }
    for (int64_t o = o0; o < o1; ++o) {
        const float bias = g->bias ? g->bias[o] : 0.0f;
        for (int64_t r0 = 0; r0 < g->band_rows; r0 += rows_per_chunk) {
            const int64_t r1 = min64(g->band_rows, r0 + rows_per_chunk), count = (r1 - r0) * cols;
            const float *m = g->m + o * tiles + r0 * cols;
            for (int64_t t = 0; t < count; ++t) {
                float s0[4], s1[4];
                for (int i = 0; i < 4; ++i) {
                    const float m0 = m[(4 * i) * element_stride + t], m1 = m[(4 * i + 1) * element_stride + t];
                    const float m2 = m[(4 * i + 2) * element_stride + t], m3 = m[(4 * i + 3) * element_stride + t];
                    s0[i] = m0 + m1 + m2;
                    s1[i] = m1 - m2 - m3;
                }
                y0[2 * t] = s0[0] + s0[1] + s0[2];
                y0[2 * t + 1] = s1[0] + s1[1] + s1[2];
                y1[2 * t] = s0[1] - s0[2] - s0[3];
                y1[2 * t + 1] = s1[1] - s1[2] - s1[3];
            }
            for (int64_t r = r0; r < r1; ++r) {
                const int64_t tile_row = g->band_first + r, image = tile_row / g->tile_rows, ty = tile_row % g->tile_rows;
                for (int a = 0; a < 2; ++a) {
                    const int64_t oy = 2 * ty + a;
                    if (oy >= out_h) break;
                    float *out = g->output + ((image * g->d->out_channels + o) * out_h + oy) * out_w;
                    const float *row = (a ? y1 : y0) + 2 * (r - r0) * cols;
                    if (g->residual) {
                        const float *res = g->residual + image * g->residual_image_stride + o * g->residual_stride + oy * out_w;
                        for (int64_t x = 0; x < out_w; ++x) {
                            const float v = row[x] + bias + res[x];
                            out[x] = v < lo ? lo : (v > hi ? hi : v);
                        }
                    } else {
                        for (int64_t x = 0; x < out_w; ++x) {
                            const float v = row[x] + bias;
                            out[x] = v < lo ? lo : (v > hi ? hi : v);
                        }
                    }
                    if (g->fn) g->fn(out, out_w, 1, out_w);
                }
            }
        }
    }
}

/* The transforms compiled for the vector width of the CPU: the package builds for baseline x86-64, where
 * their loops vectorise 4 lanes wide (SSE). Built for AVX-512 they took 7% less time on resnet18's 64-channel
 * 56x56 layers, no more, as moving V and M through the caches bounds them. Only additions and subtractions:
 * every width gives the same bits. */
#define WG_STEP(NAME, TARGET, BODY)                                                                         \
    TARGET static void NAME(void *ctx, int64_t i0, int64_t i1, int thread_index) {                           \
        (void)thread_index;                                                                                  \
        BODY((const wg_call *)ctx, i0, i1);                                                                  \
    }
WG_STEP(wg_input_step, , wg_transform_input)
WG_STEP(wg_output_step, , wg_transform_output)
#if defined(FLINT_X86)
WG_STEP(wg_input_step_avx2, FLINT_TARGET_AVX2, wg_transform_input)
WG_STEP(wg_output_step_avx2, FLINT_TARGET_AVX2, wg_transform_output)
WG_STEP(wg_input_step_avx512, FLINT_TARGET_AVX512, wg_transform_input)
WG_STEP(wg_output_step_avx512, FLINT_TARGET_AVX512, wg_transform_output)
#endif
#undef WG_STEP

int flint_winograd3x3_conv2d(flint_pool *pool, const flint_winograd3x3_desc *desc, const void *packed_weights,
                             const float *input, float *output, const flint_gemm_epilogue *epilogue) {
    if (!flint_winograd3x3_supported(desc)) return -1;
    wg_call g;
    memset(&g, 0, sizeof(g));
    if (epilogue) {
        if (epilogue->beta != 0.0f || epilogue->bias_kind == FLINT_BIAS_PER_COL) return -1;
        g.bias = epilogue->bias_kind == FLINT_BIAS_PER_ROW ? epilogue->bias : NULL;
        g.residual = epilogue->residual;
        g.residual_stride = epilogue->residual_row_stride;
        g.residual_image_stride = desc->residual_image_stride;
        g.activation = (int)epilogue->activation;
        g.lo = epilogue->clamp_min;
        g.hi = epilogue->clamp_max;
        g.fn = flint__activation_rows(g.activation);
    }
    const int64_t c_count = desc->in_channels, o_count = desc->out_channels;
    g.d = desc;
    g.out_h = desc->in_h + 2 * desc->pad_h - 2;
    g.out_w = desc->in_w + 2 * desc->pad_w - 2;
    g.tile_cols = (g.out_w + 1) / 2;
    g.tile_rows = (g.out_h + 1) / 2;
    const int64_t tile_rows = g.tile_rows * (desc->images > 0 ? desc->images : 1); /* over all images */
    const int64_t row_bytes = 16 * (c_count + o_count) * g.tile_cols * (int64_t)sizeof(float);
    /* As few bands as WG_BAND_BYTES allows, of near-equal size (4 + 4 + 4 tile rows, not 5 + 5 + 2). */
    const int64_t most = row_bytes >= WG_BAND_BYTES ? 1 : min64(tile_rows, WG_BAND_BYTES / row_bytes);
    const int64_t bands = (tile_rows + most - 1) / most, band = (tile_rows + bands - 1) / bands;
    g.input = input;
    g.output = output;
    g.packed = (const char *)packed_weights;
    g.panel_bytes = panel_bytes(o_count, c_count);
    float *v = (float *)flint__scratch(5, (size_t)(16 * c_count * band * g.tile_cols) * sizeof(float));
    float *m = (float *)flint__scratch(6, (size_t)(16 * o_count * band * g.tile_cols) * sizeof(float));
    if (!v || !m) return -1;
    g.v = v;
    g.m = m;
    const int threads = flint_pool_threads(pool);
    flint_parallel_body input_step = wg_input_step, output_step = wg_output_step;
#if defined(FLINT_X86)
    const int kernel = flint__kernel()->id;
    if (flint__is_avx512(kernel)) {
        input_step = wg_input_step_avx512;
        output_step = wg_output_step_avx512;
    } else if (kernel == FLINT_KERNEL_AVX2) {
        input_step = wg_input_step_avx2;
        output_step = wg_output_step_avx2;
    }
#endif
    for (g.band_first = 0; g.band_first < tile_rows; g.band_first += band) {
        g.band_rows = min64(band, tile_rows - g.band_first);
        g.tiles = g.band_rows * g.tile_cols;
        /* Chunks of at most 384 columns, and enough items to keep every thread busy. */
        g.chunks = (g.tiles + 383) / 384;
        if (16 * g.chunks < 4 * threads) g.chunks = min64(g.tiles, (4 * threads + 15) / 16);
        g.chunk = (g.tiles + g.chunks - 1) / g.chunks;
        flint_parallel_for(pool, c_count, 1, input_step, &g);
        flint_parallel_for(pool, 16 * g.chunks, 1, wg_multiply, &g);
        flint_parallel_for(pool, o_count, 1, output_step, &g);
    }
    return 0;
}
