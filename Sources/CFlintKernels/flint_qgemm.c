/* Integer GEMM for quantized operators (flint_qgemm.h).
 *
 * Packed B layout: for each block of 16 rows (n) and each group of 4 depths (k), 64 bytes ordered
 * [row in block][depth in group], so one 512-bit load holds 16 rows x 4 depths: the operand of vpdpbusd,
 * which multiplies 4 unsigned activation bytes (broadcast) by 4 signed weight bytes per 32-bit lane and
 * adds the 4 products to the lane exactly. Padding rows and depths are zero, so they add nothing. */
#include "flint_qgemm.h"

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

static void qgemm_block_portable(int64_t m, int64_t n, int64_t k, const uint8_t *a, int64_t lda,
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

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2"))) static void qgemm_block_avx2(int64_t m, int64_t n, int64_t k, const uint8_t *a,
                                                              int64_t lda, const int8_t *packed, int32_t *c,
                                                              int64_t ldc) {
    qgemm_block_portable(m, n, k, a, lda, packed, c, ldc);
}

/* ROWS rows of A x 32 columns of C per step: up to 12 accumulators, 2 weight vectors, 1 broadcast. ROWS is a
 * compile-time constant in every call (see qgemm_block_vnni), so the accumulators stay in registers. */
#define VNNI_MR 6
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"), always_inline)) static inline void
vnni_tile(const int rows, const uint8_t *a, int64_t lda, int64_t k, const int8_t *t0, const int8_t *t1, int pair,
          int32_t *c, int64_t ldc, int64_t left) {
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
        for (int r = 0; r < rows; ++r) {
            const __m512i av = _mm512_set1_epi32((int32_t)load_group(a + r * lda, full, k));
            acc0[r] = _mm512_dpbusd_epi32(acc0[r], av, b0);
            acc1[r] = _mm512_dpbusd_epi32(acc1[r], av, b1);
        }
    }
    const __mmask16 m0 = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
    const int64_t left1 = left - 16;
    const __mmask16 m1 = !pair || left1 <= 0 ? 0 : left1 >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left1) - 1);
    for (int r = 0; r < rows; ++r) {
        _mm512_mask_storeu_epi32(c + r * ldc, m0, acc0[r]);
        if (m1) _mm512_mask_storeu_epi32(c + r * ldc + 16, m1, acc1[r]);
    }
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))) static void
qgemm_block_vnni(int64_t m, int64_t n, int64_t k, const uint8_t *a, int64_t lda, const int8_t *packed, int32_t *c,
                 int64_t ldc) {
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
            int32_t *rows_c = c + i0 * ldc + nb * QB_ROWS;
            switch (m - i0 < VNNI_MR ? (int)(m - i0) : VNNI_MR) {
            case 6: vnni_tile(6, rows_a, lda, k, t0, t1, pair, rows_c, ldc, left); break;
            case 5: vnni_tile(5, rows_a, lda, k, t0, t1, pair, rows_c, ldc, left); break;
            case 4: vnni_tile(4, rows_a, lda, k, t0, t1, pair, rows_c, ldc, left); break;
            case 3: vnni_tile(3, rows_a, lda, k, t0, t1, pair, rows_c, ldc, left); break;
            case 2: vnni_tile(2, rows_a, lda, k, t0, t1, pair, rows_c, ldc, left); break;
            default: vnni_tile(1, rows_a, lda, k, t0, t1, pair, rows_c, ldc, left); break;
            }
        }
    }
}
#endif

/* ------------------------------------------------------------------ requantization and quantized add */

#include <math.h>

#define QREQ_BODY                                                                                  \
    for (int64_t j = 0; j < n; ++j) {                                                              \
        float v = ((float)(acc[j] - correction[j]) + offset[j]) * multiplier[j];                   \
        float q = nearbyintf(v) + zero_point;                                                      \
        q = q < low ? low : (q > 255.0f ? 255.0f : q);                                             \
        out[j] = (uint8_t)q;                                                                       \
    }

static void qreq_portable(const int32_t *acc, const int32_t *correction, const float *offset, const float *multiplier,
                          int64_t n, float zero_point, float low, uint8_t *out) {
    QREQ_BODY
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw,avx512vl"))) static void
qreq_avx512(const int32_t *acc, const int32_t *correction, const float *offset, const float *multiplier, int64_t n,
            float zero_point, float low, uint8_t *out) {
    QREQ_BODY
}
#endif

void flint_qrequantize_u8(const int32_t *acc, const int32_t *correction, const float *offset, const float *multiplier,
                          int64_t n, float zero_point, float low, uint8_t *out) {
#if defined(__x86_64__)
    if (strcmp(flint_qgemm_isa(), "avx512vnni") == 0) {
        qreq_avx512(acc, correction, offset, multiplier, n, zero_point, low, out);
        return;
    }
#endif
    qreq_portable(acc, correction, offset, multiplier, n, zero_point, low, out);
}

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

typedef void (*qgemm_fn)(int64_t, int64_t, int64_t, const uint8_t *, int64_t, const int8_t *, int32_t *, int64_t);

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
    fn(m, n, k, a, lda, packed, c, ldc);
}

const char *flint_qgemm_isa(void) {
    if (!atomic_load(&q_current)) q_select();
    return atomic_load(&q_name);
}
