/* Integer GEMM for quantized operators (flint_qgemm.h).
 *
 * Packed B layout: for each block of 16 rows (n) and each group of 4 depths (k), 64 bytes ordered
 * [row in block][depth in group], so one 512-bit load holds 16 rows x 4 depths: the operand of vpdpbusd,
 * which multiplies 4 unsigned activation bytes (broadcast) by 4 signed weight bytes per 32-bit lane and
 * adds the 4 products to the lane exactly. Padding rows and depths are zero, so they add nothing. */
#include "flint_qgemm.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define QB_ROWS 16
#define QB_DEPTH 4

static int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

int64_t flint_qgemm_packed_size(int64_t n, int64_t k) { return round_up(n, QB_ROWS) * round_up(k, QB_DEPTH); }

void flint_qgemm_pack_s8(int64_t n, int64_t k, const int8_t *b, int64_t ldb, int8_t *packed) {
    const int64_t groups = round_up(k, QB_DEPTH) / QB_DEPTH;
    const int64_t blocks = round_up(n, QB_ROWS) / QB_ROWS;
    memset(packed, 0, (size_t)flint_qgemm_packed_size(n, k));
    for (int64_t nb = 0; nb < blocks; ++nb)
        for (int64_t g = 0; g < groups; ++g) {
            int8_t *tile = packed + (nb * groups + g) * QB_ROWS * QB_DEPTH;
            for (int64_t r = 0; r < QB_ROWS; ++r) {
                const int64_t row = nb * QB_ROWS + r;
                if (row >= n) break;
                for (int64_t d = 0; d < QB_DEPTH; ++d) {
                    const int64_t depth = g * QB_DEPTH + d;
                    if (depth < k) tile[r * QB_DEPTH + d] = b[row * ldb + depth];
                }
            }
        }
}

/* The 4 activation bytes of group g of row `a` (zero beyond k), as one little-endian word. */
static inline uint32_t load_group(const uint8_t *a, int64_t g, int64_t k) {
    uint32_t word = 0;
    const int64_t start = g * QB_DEPTH;
    if (start + QB_DEPTH <= k) {
        memcpy(&word, a + start, 4);
    } else {
        uint8_t bytes[4] = {0, 0, 0, 0};
        for (int64_t d = start; d < k; ++d) bytes[d - start] = a[d];
        memcpy(&word, bytes, 4);
    }
    return word;
}

/* ------------------------------------------------------------------ portable variant */

static void qgemm_raw_portable(int64_t m, int64_t n, int64_t k, const uint8_t *a, int64_t lda,
                               const int8_t *packed, int32_t *c, int64_t ldc) {
    const int64_t groups = round_up(k, QB_DEPTH) / QB_DEPTH;
    const int64_t blocks = round_up(n, QB_ROWS) / QB_ROWS;
    for (int64_t i = 0; i < m; ++i) {
        const uint8_t *row = a + i * lda;
        for (int64_t nb = 0; nb < blocks; ++nb) {
            int32_t acc[QB_ROWS] = {0};
            const int8_t *tiles = packed + nb * groups * QB_ROWS * QB_DEPTH;
            for (int64_t g = 0; g < groups; ++g) {
                const uint32_t word = load_group(row, g, k);
                const int32_t a0 = word & 0xff, a1 = (word >> 8) & 0xff, a2 = (word >> 16) & 0xff, a3 = word >> 24;
                const int8_t *tile = tiles + g * QB_ROWS * QB_DEPTH;
                for (int r = 0; r < QB_ROWS; ++r)
                    acc[r] += a0 * tile[r * 4] + a1 * tile[r * 4 + 1] + a2 * tile[r * 4 + 2] + a3 * tile[r * 4 + 3];
            }
            const int64_t width = n - nb * QB_ROWS < QB_ROWS ? n - nb * QB_ROWS : QB_ROWS;
            memcpy(c + i * ldc + nb * QB_ROWS, acc, (size_t)width * sizeof(int32_t));
        }
    }
}

/* The output transform of flint_qgemm_u8s8 for one row of accumulators, in scalar code. */
static void finish_row_portable(const flint_qgemm_output *o, const int32_t *acc, int64_t row, int64_t n,
                                int32_t row_sum) {
    for (int64_t j = 0; j < n; ++j) {
        /* Wrapping 32-bit arithmetic, as the vector code's. */
        uint32_t x = (uint32_t)acc[j] - (uint32_t)o->correction[j];
        if (o->weight_zero_points) x -= (uint32_t)o->weight_zero_points[j] * (uint32_t)row_sum;
        float v = (float)(int32_t)x;
        if (o->kind == FLINT_QGEMM_REAL) {
            v = o->offset ? fmaf(o->multiplier[j], v, o->offset[j]) : o->multiplier[j] * v;
            if (o->relu) v = v > 0.0f ? v : 0.0f;
            ((float *)o->data)[row * o->stride + j] = v;
        } else {
            if (o->offset) v = v + o->offset[j];
            v = v * o->multiplier[j];
            float q = nearbyintf(v) + o->zero_point;
            q = q < o->low ? o->low : (q > 255.0f ? 255.0f : q);
            ((uint8_t *)o->data)[row * o->stride + j] = (uint8_t)q;
        }
    }
}

/* The raw product in blocks of rows through a scratch buffer, each row then finished by the output transform. */
static void qgemm_block_portable(int64_t m, int64_t n, int64_t k, const uint8_t *a, int64_t lda, const int8_t *packed,
                                 int32_t *c, int64_t ldc, const flint_qgemm_output *out, const int32_t *row_sums) {
    if (!out) {
        qgemm_raw_portable(m, n, k, a, lda, packed, c, ldc);
        return;
    }
    enum { CHUNK = 8 };
    int32_t *scratch = malloc((size_t)(CHUNK * n) * sizeof(int32_t));
    if (!scratch) abort();
    for (int64_t i0 = 0; i0 < m; i0 += CHUNK) {
        const int64_t rows = m - i0 < CHUNK ? m - i0 : CHUNK;
        qgemm_raw_portable(rows, n, k, a + i0 * lda, lda, packed, scratch, n);
        for (int64_t r = 0; r < rows; ++r)
            finish_row_portable(out, scratch + r * n, i0 + r, n, row_sums ? row_sums[i0 + r] : 0);
    }
    free(scratch);
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2"))) static void qgemm_block_avx2(int64_t m, int64_t n, int64_t k, const uint8_t *a,
                                                              int64_t lda, const int8_t *packed, int32_t *c,
                                                              int64_t ldc, const flint_qgemm_output *out,
                                                              const int32_t *row_sums) {
    qgemm_block_portable(m, n, k, a, lda, packed, c, ldc, out, row_sums);
}

/* ROWS rows of A x 32 columns of C per step: up to 12 accumulators, 2 weight vectors, 1 broadcast. ROWS is a
 * compile-time constant in every call (see qgemm_block_vnni), so the accumulators stay in registers. */
/* The per-column constants of an output transform for 16 columns (zero beyond the mask). */
typedef struct {
    __m512i correction, weight_zero_points;
    __m512 multiplier, offset;
} vnni_columns;

__attribute__((target("avx512f,avx512bw,avx512vl"), always_inline)) static inline vnni_columns
vnni_load_columns(const flint_qgemm_output *o, int64_t column, __mmask16 mask) {
    vnni_columns k;
    k.correction = _mm512_maskz_loadu_epi32(mask, o->correction + column);
    k.weight_zero_points =
        o->weight_zero_points ? _mm512_maskz_loadu_epi32(mask, o->weight_zero_points + column) : _mm512_setzero_si512();
    k.multiplier = _mm512_maskz_loadu_ps(mask, o->multiplier + column);
    k.offset = o->offset ? _mm512_maskz_loadu_ps(mask, o->offset + column) : _mm512_setzero_ps();
    return k;
}

/* Applies the output transform of flint_qgemm_u8s8 to 16 accumulators of one row and stores the masked lanes. */
__attribute__((target("avx512f,avx512bw,avx512vl"), always_inline)) static inline void
vnni_finish(const flint_qgemm_output *o, const vnni_columns *k, __m512i acc, int64_t row, int64_t column,
            __mmask16 mask, int32_t row_sum) {
    acc = _mm512_sub_epi32(acc, k->correction);
    if (o->weight_zero_points) acc = _mm512_sub_epi32(acc, _mm512_mullo_epi32(k->weight_zero_points, _mm512_set1_epi32(row_sum)));
    __m512 v = _mm512_cvtepi32_ps(acc);
    if (o->kind == FLINT_QGEMM_REAL) {
        v = o->offset ? _mm512_fmadd_ps(k->multiplier, v, k->offset) : _mm512_mul_ps(k->multiplier, v);
        if (o->relu) v = _mm512_max_ps(v, _mm512_setzero_ps());
        _mm512_mask_storeu_ps((float *)o->data + row * o->stride + column, mask, v);
    } else {
        if (o->offset) v = _mm512_add_ps(v, k->offset);
        v = _mm512_mul_ps(v, k->multiplier);
        v = _mm512_add_ps(_mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), _mm512_set1_ps(o->zero_point));
        v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(o->low)), _mm512_set1_ps(255.0f));
        _mm_mask_storeu_epi8((uint8_t *)o->data + row * o->stride + column, mask, _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(v)));
    }
}

#define VNNI_MR 6
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"), always_inline)) static inline void
vnni_tile(const int rows, const uint8_t *a, int64_t lda, int64_t k, const int8_t *t0, const int8_t *t1, int pair,
          int32_t *c, int64_t ldc, int64_t left, const flint_qgemm_output *out, int64_t row, int64_t column,
          const int32_t *row_sums) {
    __m512i acc0[VNNI_MR], acc1[VNNI_MR];
    for (int r = 0; r < rows; ++r) acc0[r] = acc1[r] = _mm512_setzero_si512();
    const int64_t full = k / QB_DEPTH;
    const int64_t groups = round_up(k, QB_DEPTH) / QB_DEPTH;
    for (int64_t g = 0; g < full; ++g) {
        const __m512i b0 = _mm512_loadu_si512((const void *)(t0 + g * 64));
        const __m512i b1 = _mm512_loadu_si512((const void *)(t1 + g * 64));
        for (int r = 0; r < rows; ++r) {
            int32_t word;
            memcpy(&word, a + r * lda + g * 4, 4);
            const __m512i av = _mm512_set1_epi32(word);
            acc0[r] = _mm512_dpbusd_epi32(acc0[r], av, b0);
            acc1[r] = _mm512_dpbusd_epi32(acc1[r], av, b1);
        }
    }
    if (full < groups) {
        const __m512i b0 = _mm512_loadu_si512((const void *)(t0 + full * 64));
        const __m512i b1 = _mm512_loadu_si512((const void *)(t1 + full * 64));
        const __mmask16 bytes = (__mmask16)((1u << (k - full * QB_DEPTH)) - 1); /* the 1 to 3 depths left */
        for (int r = 0; r < rows; ++r) {
            const __m512i av = _mm512_broadcastd_epi32(_mm_maskz_loadu_epi8(bytes, a + r * lda + full * QB_DEPTH));
            acc0[r] = _mm512_dpbusd_epi32(acc0[r], av, b0);
            acc1[r] = _mm512_dpbusd_epi32(acc1[r], av, b1);
        }
    }
    const __mmask16 m0 = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
    const int64_t left1 = left - 16;
    const __mmask16 m1 = !pair || left1 <= 0 ? 0 : left1 >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left1) - 1);
    if (!out) {
        for (int r = 0; r < rows; ++r) {
            _mm512_mask_storeu_epi32(c + r * ldc, m0, acc0[r]);
            if (m1) _mm512_mask_storeu_epi32(c + r * ldc + 16, m1, acc1[r]);
        }
        return;
    }
    const vnni_columns k0 = vnni_load_columns(out, column, m0);
    const vnni_columns k1 = vnni_load_columns(out, column + 16, m1);
    for (int r = 0; r < rows; ++r) {
        const int32_t sum = row_sums ? row_sums[r] : 0;
        vnni_finish(out, &k0, acc0[r], row + r, column, m0, sum);
        if (m1) vnni_finish(out, &k1, acc1[r], row + r, column + 16, m1, sum);
    }
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))) static void
qgemm_block_vnni(int64_t m, int64_t n, int64_t k, const uint8_t *a, int64_t lda, const int8_t *packed, int32_t *c,
                 int64_t ldc, const flint_qgemm_output *out, const int32_t *row_sums) {
    const int64_t groups = round_up(k, QB_DEPTH) / QB_DEPTH;
    const int64_t blocks = round_up(n, QB_ROWS) / QB_ROWS;
    const int64_t tile_stride = groups * QB_ROWS * QB_DEPTH;
    for (int64_t nb = 0; nb < blocks; nb += 2) {
        const int pair = nb + 1 < blocks;
        const int8_t *t0 = packed + nb * tile_stride;
        const int8_t *t1 = pair ? t0 + tile_stride : t0;
        const int64_t left = n - nb * QB_ROWS;
        for (int64_t i0 = 0; i0 < m; i0 += VNNI_MR) {
            const uint8_t *rows_a = a + i0 * lda;
            int32_t *rows_c = c ? c + i0 * ldc + nb * QB_ROWS : NULL;
            const int32_t *sums = row_sums ? row_sums + i0 : NULL;
            const int64_t column = nb * QB_ROWS;
#define VNNI_TILE(R) vnni_tile(R, rows_a, lda, k, t0, t1, pair, rows_c, ldc, left, out, i0, column, sums)
            switch (m - i0 < VNNI_MR ? (int)(m - i0) : VNNI_MR) {
            case 6: VNNI_TILE(6); break;
            case 5: VNNI_TILE(5); break;
            case 4: VNNI_TILE(4); break;
            case 3: VNNI_TILE(3); break;
            case 2: VNNI_TILE(2); break;
            default: VNNI_TILE(1); break;
            }
#undef VNNI_TILE
        }
    }
}
#endif

/* ------------------------------------------------------------------ quantized add */


#define QADD_BODY                                                                                  \
    for (int64_t i = 0; i < n; ++i) {                                                              \
        float v = fmaf((float)a[i], scale_a, offset_a) + fmaf((float)b[i], scale_b, offset_b);     \
        if (relu) v = v > 0.0f ? v : 0.0f;                                                         \
        float s = v * inverse_scale;                                                               \
        s = s <= 2147483520.0f ? s : 2147483520.0f;                                                \
        float q = nearbyintf(s) + zero_point;                                                      \
        q = q < 0.0f ? 0.0f : (q > 255.0f ? 255.0f : q);                                           \
        out[i] = (uint8_t)q;                                                                       \
    }

static void qadd_portable(const uint8_t *a, const uint8_t *b, uint8_t *out, int64_t n, float scale_a, float offset_a,
                          float scale_b, float offset_b, float inverse_scale, float zero_point, int relu) {
    QADD_BODY
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw,avx512vl,fma"))) static void
qadd_avx512(const uint8_t *a, const uint8_t *b, uint8_t *out, int64_t n, float scale_a, float offset_a, float scale_b,
            float offset_b, float inverse_scale, float zero_point, int relu) {
    QADD_BODY
}
#endif

void flint_qadd_u8(const uint8_t *a, const uint8_t *b, uint8_t *out, int64_t n, float scale_a, float offset_a,
                   float scale_b, float offset_b, float inverse_scale, float zero_point, int relu) {
#if defined(__x86_64__)
    if (strcmp(flint_qgemm_isa(), "avx512vnni") == 0) {
        qadd_avx512(a, b, out, n, scale_a, offset_a, scale_b, offset_b, inverse_scale, zero_point, relu);
        return;
    }
#endif
    qadd_portable(a, b, out, n, scale_a, offset_a, scale_b, offset_b, inverse_scale, zero_point, relu);
}

typedef void (*qgemm_fn)(int64_t, int64_t, int64_t, const uint8_t *, int64_t, const int8_t *, int32_t *, int64_t,
                         const flint_qgemm_output *, const int32_t *);

static _Atomic(qgemm_fn) q_current;
static _Atomic(const char *) q_name;

/* Picks the variant: `request` NULL or "auto" follows FLINT_KERNELS_ISA (scalar forces the portable code,
 * avx2 everything but VNNI), then the best the CPU has; "portable" or "avx512vnni" asks for one. Returns 0 when
 * the CPU lacks the one asked for. */
static int q_select_request(const char *request) {
    qgemm_fn fn = qgemm_block_portable;
    const char *name = "portable";
    const char *env = request && strcmp(request, "auto") != 0 ? request : getenv("FLINT_KERNELS_ISA");
    const int forced_scalar = env && (strcmp(env, "scalar") == 0 || strcmp(env, "portable") == 0);
#if defined(__x86_64__)
    if (!forced_scalar) {
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2")) fn = qgemm_block_avx2;
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") &&
            !(env && strcmp(env, "avx2") == 0)) {
            fn = qgemm_block_vnni;
            name = "avx512vnni";
        }
    }
#else
    (void)forced_scalar;
#endif
    if (request && strcmp(request, "auto") != 0 && strcmp(request, name) != 0) return 0;
    atomic_store(&q_name, name);
    atomic_store(&q_current, fn);
    return 1;
}

static void q_select(void) { (void)q_select_request(NULL); }

int flint_qgemm_force_isa(const char *name) { return q_select_request(name); }

void flint_qgemm_u8s8s32(int64_t m, int64_t n, int64_t k, const uint8_t *a, int64_t lda, const int8_t *packed,
                         int32_t *c, int64_t ldc) {
    if (m <= 0 || n <= 0) return;
    qgemm_fn fn = atomic_load(&q_current);
    if (!fn) {
        q_select();
        fn = atomic_load(&q_current);
    }
    fn(m, n, k, a, lda, packed, c, ldc, NULL, NULL);
}

void flint_qgemm_u8s8(int64_t m, int64_t n, int64_t k, const uint8_t *a, int64_t lda, const int8_t *packed,
                      const flint_qgemm_output *out) {
    if (m <= 0 || n <= 0) return;
    qgemm_fn fn = atomic_load(&q_current);
    if (!fn) {
        q_select();
        fn = atomic_load(&q_current);
    }
    int32_t *row_sums = NULL;
    if (out->weight_zero_points) {
        row_sums = malloc((size_t)m * sizeof(int32_t));
        if (!row_sums) abort();
        for (int64_t i = 0; i < m; ++i) {
            int32_t sum = 0;
            for (int64_t d = 0; d < k; ++d) sum += a[i * lda + d];
            row_sums[i] = sum;
        }
    }
    fn(m, n, k, a, lda, packed, NULL, 0, out, row_sums);
    free(row_sums);
}

const char *flint_qgemm_isa(void) {
    if (!atomic_load(&q_current)) q_select();
    return atomic_load(&q_name);
}
