#include "flint_im2col.h"

#include <stdlib.h>

#include "flint_internal.h"

#if defined(FLINT_X86)
#include <immintrin.h>
#endif

/* The patch gather for convolutions as GEMMs, writing B's packed panels directly (see flint_im2col.h).
 *
 * Everything that does not depend on the input channel is worked out once per call: for each kernel
 * column kx, the span [first, last) of output columns whose input lies inside the image; for each kernel
 * row ky and output row, the input row (or none, in the padding); and the "pieces" each output row is cut
 * into, a piece being the part of the row that falls in one packed panel (a panel is 8-32 columns wide).
 * The loop over B's rows (channel, ky, kx) then only writes pieces: short runs, written with masked
 * vector loads and stores where the CPU has AVX-512 and the stride is 1, plain loops elsewhere.
 *
 * Small output planes (a late layer's 2x2 or 4x4: rows of at most SMALL_WIDTH, at most SMALL_COLUMNS
 * columns per call) would cut every row of B into pieces of two to four elements; there a table of source
 * offsets per (tap, column) and of destinations per column is made once, and each row of B is a plain gather
 * through it. (At 7x7 the two ways measure the same, so wider rows keep the pieces.) */

enum { SMALL_WIDTH = 4, SMALL_COLUMNS = 64, SMALL_TAPS = 64 };

static inline int64_t min64(int64_t x, int64_t y) { return x < y ? x : y; }
static inline int64_t max64(int64_t x, int64_t y) { return x > y ? x : y; }

typedef struct piece {
    int64_t row;    /* output row, relative to the first */
    int64_t from;   /* output columns [from, to) of that row */
    int64_t to;
    int64_t panel;  /* where column `from` lands in B: panel index and offset inside the panel */
    int64_t offset;
} piece;

typedef struct plan {
    int64_t *shift, *first, *last; /* per kernel column */
    int64_t *input_row;            /* per (ky, output row): offset of the input row, -1 in the padding */
    piece *pieces;
    int64_t count;
    void *memory;
} plan;

/* Plans up to this many bytes live in the caller's stack buffer (a tile's plan: a few hundred bytes to a
 * few KiB); larger ones (a whole wide image as one tile) use the thread's scratch slot 8, so a steady run of
 * convolutions allocates nothing here. */
#define PLAN_STACK_BYTES 8192

/* `stack` is PLAN_STACK_BYTES, 8-byte aligned; `pl->memory` is `stack` or the thread's scratch, never freed. */
static int make_plan(const flint_im2col2d_desc *desc, int64_t oy_begin, int64_t rows, int64_t column, int64_t nr,
                     plan *pl, void *stack) {
    const int64_t kh = desc->kernel_h, kw = desc->kernel_w, out_w = desc->out_w, sw = desc->stride_w;
    const int64_t max_pieces = rows * (out_w / nr + 2);
    const size_t bytes = (size_t)(3 * kw + kh * rows) * sizeof(int64_t) + (size_t)max_pieces * sizeof(piece);
    pl->memory = bytes <= PLAN_STACK_BYTES ? stack : flint__scratch(8, bytes);
    if (!pl->memory) return 0;
    pl->shift = (int64_t *)pl->memory;
    pl->first = pl->shift + kw;
    pl->last = pl->first + kw;
    pl->input_row = pl->last + kw;
    pl->pieces = (piece *)(pl->input_row + kh * rows);
    for (int64_t kx = 0; kx < kw; ++kx) {
        const int64_t shift = kx * desc->dilation_w - desc->pad_w;
        pl->shift[kx] = shift;
        pl->first[kx] = min64(out_w, max64(0, (-shift + sw - 1) / sw));
        pl->last[kx] = max64(pl->first[kx], min64(out_w, (desc->in_w - shift + sw - 1) / sw));
    }
    for (int64_t ky = 0; ky < kh; ++ky) {
        for (int64_t r = 0; r < rows; ++r) {
            const int64_t iy = (oy_begin + r) * desc->stride_h - desc->pad_h + ky * desc->dilation_h;
            pl->input_row[ky * rows + r] = iy >= 0 && iy < desc->in_h ? iy * desc->in_w : -1;
        }
    }
    pl->count = 0;
    int64_t panel = column / nr, offset = column % nr;
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t ox = 0, p = panel, o = offset; ox < out_w; ++p, o = 0) {
            const int64_t end = min64(out_w, ox + nr - o);
            pl->pieces[pl->count++] = (piece){r, ox, end, p, o};
            ox = end;
        }
        offset += out_w;
        panel += offset / nr;
        offset %= nr;
    }
    return 1;
}

/* d[x - from] = (input row present and first <= x < last) ? line[x * step] : 0 for from <= x < to. */
static inline void fill_piece(float *d, const float *line, int inside, int64_t from, int64_t to, int64_t first,
                              int64_t last, int64_t step) {
    const int64_t a = inside ? min64(max64(first, from), to) : to, z = inside ? max64(a, min64(last, to)) : to;
    int64_t x = from;
    for (; x < a; ++x) d[x - from] = 0.0f;
    for (; x < z; ++x) d[x - from] = line[x * step];
    for (; x < to; ++x) d[x - from] = 0.0f;
}

/* The loop over B's rows; FILL(d, line, inside, from, to, first, last) writes one piece. */
#define IM2COL_ROWS(FILL)                                                                                        \
    for (int64_t c = 0; c < desc->channels; ++c) {                                                               \
        const float *plane = input + c * desc->in_h * desc->in_w;                                               \
        for (int64_t ky = 0; ky < desc->kernel_h; ++ky) {                                                        \
            const int64_t *input_row = pl->input_row + ky * rows;                                                \
            for (int64_t kx = 0; kx < desc->kernel_w; ++kx) {                                                    \
                const int64_t p = (c * desc->kernel_h + ky) * desc->kernel_w + kx;                               \
                const int64_t block = p / b->kc;                                                                 \
                const int64_t panel_stride = b->nr * min64(b->kc, b->k - block * b->kc);                         \
                float *row = b->data + block * b->kc * b->n_pad + (p - block * b->kc) * b->nr;                   \
                const float *shifted = plane + pl->shift[kx];                                                    \
                const int64_t first = pl->first[kx], last = pl->last[kx];                                        \
                for (int64_t i = 0; i < pl->count; ++i) {                                                        \
                    const piece pc = pl->pieces[i];                                                              \
                    const int64_t in_row = input_row[pc.row];                                                    \
                    FILL(row + pc.panel * panel_stride + pc.offset, in_row >= 0 ? shifted + in_row : plane,      \
                         in_row >= 0, pc.from, pc.to, first, last);                                              \
                }                                                                                                \
            }                                                                                                    \
        }                                                                                                        \
    }

static void im2col_generic(const flint_im2col2d_desc *desc, const float *input, int64_t rows,
                           const flint_packed_b_layout *b, const plan *pl) {
    const int64_t step = desc->stride_w;
#define FILL_GENERIC(d, line, inside, from, to, first, last) fill_piece(d, line, inside, from, to, first, last, step)
    IM2COL_ROWS(FILL_GENERIC)
#undef FILL_GENERIC
}

#if defined(FLINT_X86)
/* Stride 1: 16 lanes at a time, a masked load (lanes outside [first, last) are neither read nor kept, so
 * they come out zero) and a masked store. */
FLINT_TARGET_AVX512 static inline void fill_piece_avx512(float *d, const float *line, int inside, int64_t from,
                                                         int64_t to, int64_t first, int64_t last) {
    if (inside && first <= from && to <= last) { /* the whole piece inside the image: no per-lane bounds */
        int64_t x = from;
        for (; x + 16 <= to; x += 16) _mm512_storeu_ps(d + (x - from), _mm512_loadu_ps(line + x));
        if (x < to) {
            const __mmask16 tail = (__mmask16)((1u << (to - x)) - 1u);
            _mm512_mask_storeu_ps(d + (x - from), tail, _mm512_maskz_loadu_ps(tail, line + x));
        }
        return;
    }
    for (int64_t x = from; x < to; x += 16) {
        const int64_t n = min64(16, to - x);
        __mmask16 valid = 0;
        if (inside) {
            const int64_t lo = max64(first, x) - x, hi = min64(last, x + n) - x;
            if (hi > lo) valid = (__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
        }
        _mm512_mask_storeu_ps(d + (x - from), (__mmask16)((1u << n) - 1u), _mm512_maskz_loadu_ps(valid, line + x));
    }
}

FLINT_TARGET_AVX512 static void im2col_avx512(const flint_im2col2d_desc *desc, const float *input, int64_t rows,
                                              const flint_packed_b_layout *b, const plan *pl) {
    IM2COL_ROWS(fill_piece_avx512)
}

/* Bits [lo, hi) of a 16-bit mask (empty when hi <= lo). */
static inline __mmask16 bit_range16(int64_t lo, int64_t hi) {
    lo = max64(lo, 0);
    hi = min64(hi, 16);
    return hi > lo ? (__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u)) : 0;
}

/* Stride 2: 16 output lanes read 32 consecutive inputs (two masked loads that touch only the span between
 * the first and last valid lane's input) and keep the even ones. */
FLINT_TARGET_AVX512 static inline void fill_piece_s2_avx512(float *d, const float *line, int inside, int64_t from,
                                                            int64_t to, int64_t first, int64_t last) {
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    if (inside && first <= from && to <= last) {
        /* The whole piece inside the image: 16 lanes read inputs 0 .. 30 of their 32 (never the 32nd, which
         * may lie past the plane), with constant masks; a short tail reads only its own span. */
        int64_t x = from;
        for (; x + 16 <= to; x += 16) {
            const __m512 a = _mm512_loadu_ps(line + 2 * x), b = _mm512_maskz_loadu_ps(0x7fff, line + 2 * x + 16);
            _mm512_storeu_ps(d + (x - from), _mm512_permutex2var_ps(a, evens, b));
        }
        if (x < to) {
            const int64_t n = to - x, in_hi = 2 * (n - 1) + 1;
            const __m512 a = _mm512_maskz_loadu_ps(bit_range16(0, in_hi), line + 2 * x);
            const __m512 b = _mm512_maskz_loadu_ps(bit_range16(-16, in_hi - 16), line + 2 * x + 16);
            _mm512_mask_storeu_ps(d + (x - from), (__mmask16)((1u << n) - 1u), _mm512_permutex2var_ps(a, evens, b));
        }
        return;
    }
    for (int64_t x = from; x < to; x += 16) {
        const int64_t n = min64(16, to - x);
        __m512 v = _mm512_setzero_ps();
        if (inside) {
            const int64_t lo = max64(first, x) - x, hi = min64(last, x + n) - x;
            if (hi > lo) {
                /* Inputs 2lo .. 2(hi - 1) of this block, relative to line + 2x. */
                const int64_t in_lo = 2 * lo, in_hi = 2 * (hi - 1) + 1;
                const __m512 a = _mm512_maskz_loadu_ps(bit_range16(in_lo, in_hi), line + 2 * x);
                const __m512 b = _mm512_maskz_loadu_ps(bit_range16(in_lo - 16, in_hi - 16), line + 2 * x + 16);
                v = _mm512_maskz_mov_ps(bit_range16(lo, hi), _mm512_permutex2var_ps(a, evens, b));
            }
        }
        _mm512_mask_storeu_ps(d + (x - from), (__mmask16)((1u << n) - 1u), v);
    }
}

FLINT_TARGET_AVX512 static void im2col_s2_avx512(const flint_im2col2d_desc *desc, const float *input, int64_t rows,
                                                 const flint_packed_b_layout *b, const plan *pl) {
    IM2COL_ROWS(fill_piece_s2_avx512)
}
#endif

/* The small-plane gather (see the top of the file): out_w <= SMALL_WIDTH, n = rows * out_w <= SMALL_COLUMNS
 * columns and kernel_h * kernel_w <= SMALL_TAPS taps. */
static void im2col_small(const flint_im2col2d_desc *desc, const float *input, int64_t oy_begin, int64_t rows,
                         int64_t column, const flint_packed_b_layout *b) {
    const int64_t n = rows * desc->out_w, taps = desc->kernel_h * desc->kernel_w, plane_size = desc->in_h * desc->in_w;
    int32_t source[SMALL_TAPS * SMALL_COLUMNS]; /* offset in the plane, or -1 in the padding */
    int64_t panel[SMALL_COLUMNS], offset[SMALL_COLUMNS];
    for (int64_t j = 0; j < n; ++j) {
        panel[j] = (column + j) / b->nr;
        offset[j] = (column + j) % b->nr;
        const int64_t oy = oy_begin + j / desc->out_w, ox = j % desc->out_w;
        for (int64_t ky = 0; ky < desc->kernel_h; ++ky) {
            for (int64_t kx = 0; kx < desc->kernel_w; ++kx) {
                const int64_t iy = oy * desc->stride_h - desc->pad_h + ky * desc->dilation_h;
                const int64_t ix = ox * desc->stride_w - desc->pad_w + kx * desc->dilation_w;
                const int inside = iy >= 0 && iy < desc->in_h && ix >= 0 && ix < desc->in_w;
                source[(ky * desc->kernel_w + kx) * n + j] = inside ? (int32_t)(iy * desc->in_w + ix) : -1;
            }
        }
    }
    for (int64_t c = 0; c < desc->channels; ++c) {
        const float *plane = input + c * plane_size;
        for (int64_t t = 0; t < taps; ++t) {
            const int64_t p = c * taps + t, block = p / b->kc;
            const int64_t panel_stride = b->nr * min64(b->kc, b->k - block * b->kc);
            float *row = b->data + block * b->kc * b->n_pad + (p - block * b->kc) * b->nr;
            const int32_t *from = source + t * n;
            for (int64_t j = 0; j < n; ++j) row[panel[j] * panel_stride + offset[j]] = from[j] >= 0 ? plane[from[j]] : 0.0f;
        }
    }
}

void flint_im2col2d_packed(const flint_im2col2d_desc *desc, const float *input, int64_t oy_begin, int64_t rows,
                           int64_t column, const flint_packed_b_layout *b) {
    if (desc->out_w <= SMALL_WIDTH && rows * desc->out_w <= SMALL_COLUMNS && desc->kernel_h * desc->kernel_w <= SMALL_TAPS &&
        desc->in_h * desc->in_w <= INT32_MAX) {
        im2col_small(desc, input, oy_begin, rows, column, b);
        return;
    }
    plan pl;
    int64_t stack[PLAN_STACK_BYTES / sizeof(int64_t)];
    if (!make_plan(desc, oy_begin, rows, column, b->nr, &pl, stack)) abort();
#if defined(FLINT_X86)
    if (desc->stride_w == 1 && flint__is_avx512(flint__kernel()->id)) {
        im2col_avx512(desc, input, rows, b, &pl);
    } else if (desc->stride_w == 2 && flint__is_avx512(flint__kernel()->id)) {
        im2col_s2_avx512(desc, input, rows, b, &pl);
    } else {
        im2col_generic(desc, input, rows, b, &pl);
    }
#else
    im2col_generic(desc, input, rows, b, &pl);
#endif
}
