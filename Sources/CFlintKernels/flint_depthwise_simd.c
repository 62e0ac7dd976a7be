/* Vector kernels of the direct convolution / pooling drivers (flint_conv_direct.h): the per-channel
 * loop of depthwise convolution (dw_channels) and one output row of max / average pooling.
 *
 * Each input row is copied once into a padded scratch row (zeros, or -inf for max pooling, around it,
 * 64-byte aligned for depthwise, with slack after it for whole-vector reads), so the kernels read
 * rows[i][ow * s + j * d] for kernel tap (i, j) without bounds checks; only the store of the last
 * partial vector of a row is masked. Stride 1 reads plain vectors, stride 2 the even elements of two
 * vectors. Depthwise 3x3 stride 1 computes four output rows per pass (six input rows, each loaded once
 * per vector, +1/+2 taps as lane shifts of aligned loads); other shapes compute two rows per pass
 * (independent accumulator chains), with 3x3 and 5x5 unrolled and their weights in registers.
 *
 * Like flint_pointwise_simd.c, the file includes itself once per instruction set (FLINT_CD_PASS) and
 * each function carries its own target attribute; flint_depthwise.c chooses the pass at run time. */
#ifndef FLINT_CD_PASS

#include <stdint.h>
#include <string.h>

#include "flint_conv_direct.h"
#include "flint_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define FLINT_CD_PASS 1
#include "flint_depthwise_simd.c"
#undef FLINT_CD_PASS
#define FLINT_CD_PASS 2
#include "flint_depthwise_simd.c"
#undef FLINT_CD_PASS
#elif defined(__aarch64__)
#include <arm_neon.h>
#define FLINT_CD_PASS 3
#include "flint_depthwise_simd.c"
#undef FLINT_CD_PASS
#else
typedef int flint__cd_simd_empty; /* ISO C forbids an empty translation unit. */
#endif

#else /* FLINT_CD_PASS */

#define CD_CAT2(a, b) a##_##b
#define CD_CAT(a, b) CD_CAT2(a, b)
#define CD_FN(name) CD_CAT(flint__##name, CD_SUFFIX)

#if FLINT_CD_PASS == 1 /* ---------------------------------------------------------------- AVX2 */
#define CD_SUFFIX avx2
#define CD_TGT __attribute__((target("avx2,fma")))
#define V __m256
#define VM __m256
#define VW 8
#define VSET1 _mm256_set1_ps
#define VLOAD _mm256_loadu_ps
#define VSTORE _mm256_storeu_ps
#define VADD _mm256_add_ps
#define VDIV _mm256_div_ps
#define VFMA _mm256_fmadd_ps
#define VMAX _mm256_max_ps
#define VMIN _mm256_min_ps
#define VISNAN(a) _mm256_cmp_ps(a, a, _CMP_UNORD_Q)
#define MOR _mm256_or_ps
#define MNONE() _mm256_setzero_ps()
#define VSEL(m, t, f) _mm256_blendv_ps(f, t, m)
static inline CD_TGT void CD_CAT(cd_storen, CD_SUFFIX)(float *p, __m256 v, int64_t n) {
    __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    _mm256_maskstore_ps(p, m, v);
}
static inline CD_TGT __m256 CD_CAT(cd_even, CD_SUFFIX)(const float *p) {
    __m256 e = _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), 0x88);
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8));
}
static inline CD_TGT void CD_CAT(cd_shift12, CD_SUFFIX)(__m256 a, __m256 b, __m256 *s1, __m256 *s2) {
    const __m256i lo = _mm256_castps_si256(a), mid = _mm256_castps_si256(_mm256_permute2f128_ps(a, b, 0x21));
    *s1 = _mm256_castsi256_ps(_mm256_alignr_epi8(mid, lo, 4));
    *s2 = _mm256_castsi256_ps(_mm256_alignr_epi8(mid, lo, 8));
}
#define VSTOREN(p, v, n) CD_CAT(cd_storen, CD_SUFFIX)(p, v, n)
#define VLOAD_EVEN(p) CD_CAT(cd_even, CD_SUFFIX)(p)
#define VSHIFT12(a, b, s1, s2) CD_CAT(cd_shift12, CD_SUFFIX)(a, b, &(s1), &(s2))
static inline CD_TGT float CD_CAT(cd_hsum, CD_SUFFIX)(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}
#define VHSUM(v) CD_CAT(cd_hsum, CD_SUFFIX)(v)

#elif FLINT_CD_PASS == 2 /* ---------------------------------------------------------- AVX-512 */
#define CD_SUFFIX avx512
#define CD_TGT __attribute__((target("avx2,fma,avx512f,avx512vl,avx512bw,avx512dq")))
#define V __m512
#define VM __mmask16
#define VW 16
#define VSET1 _mm512_set1_ps
#define VLOAD _mm512_loadu_ps
#define VSTORE _mm512_storeu_ps
#define VADD _mm512_add_ps
#define VDIV _mm512_div_ps
#define VFMA _mm512_fmadd_ps
#define VMAX _mm512_max_ps
#define VMIN _mm512_min_ps
#define VISNAN(a) _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q)
#define MOR(a, b) ((__mmask16)((a) | (b)))
#define MNONE() ((__mmask16)0)
#define VSEL(m, t, f) _mm512_mask_blend_ps(m, f, t)
#define VSTOREN(p, v, n) _mm512_mask_storeu_ps(p, (__mmask16)((1u << (n)) - 1u), v)
#define VALIGNR(b, a, k) _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(b), _mm512_castps_si512(a), k))
#define VSHIFT12(a, b, s1, s2) ((s1) = VALIGNR(b, a, 1), (s2) = VALIGNR(b, a, 2))
#define VHSUM _mm512_reduce_add_ps
#define VLOAD_EVEN(p)                                                                              \
    _mm512_permutex2var_ps(_mm512_loadu_ps(p),                                                     \
                           _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), \
                           _mm512_loadu_ps((p) + 16))

#elif FLINT_CD_PASS == 3 /* ------------------------------------------------------------- NEON */
#define CD_SUFFIX neon
#define CD_TGT
#define V float32x4_t
#define VM uint32x4_t
#define VW 4
#define VSET1 vdupq_n_f32
#define VLOAD vld1q_f32
#define VSTORE vst1q_f32
#define VADD vaddq_f32
#define VDIV vdivq_f32
#define VFMA(a, b, c) vfmaq_f32(c, a, b)
#define VMAX vmaxq_f32
#define VMIN vminq_f32
#define VISNAN(a) vmvnq_u32(vceqq_f32(a, a))
#define MOR vorrq_u32
#define MNONE() vdupq_n_u32(0)
#define VSEL(m, t, f) vbslq_f32(m, t, f)
static inline void CD_CAT(cd_storen, CD_SUFFIX)(float *p, float32x4_t v, int64_t n) {
    float b[4];
    vst1q_f32(b, v);
    memcpy(p, b, (size_t)n * sizeof(float));
}
#define VSTOREN(p, v, n) CD_CAT(cd_storen, CD_SUFFIX)(p, v, n)
#define VLOAD_EVEN(p) (vld2q_f32(p).val[0])
#define VSHIFT12(a, b, s1, s2) ((s1) = vextq_f32(a, b, 1), (s2) = vextq_f32(a, b, 2))
#define VHSUM vaddvq_f32
#endif

/* Tap (i, j) of the vector of outputs starting at ow: rows[i] + ow * S + j * d. */
#define TAP1(r, off) VLOAD((r) + (off))
#define TAP2(r, off) VLOAD_EVEN((r) + (off))

/* Stores act(acc) at out + ow, masked when fewer than VW outputs remain. */
#define CD_STORE(out, ow, ow_n, acc)                                                               \
    do {                                                                                           \
        V st_ = VMIN(vhi, VMAX(vlo, acc));                                                         \
        if ((ow) + VW <= (ow_n))                                                                   \
            VSTORE((out) + (ow), st_);                                                             \
        else                                                                                       \
            VSTOREN((out) + (ow), st_, (ow_n) - (ow));                                             \
    } while (0)

/* 3 taps of one kernel row added to acc: input row r at x (= ow * S), weights w0..w2. */
#define ROW3(TAP, acc, r, x, w0, w1, w2)                                                           \
    acc = VFMA(TAP(r, x), w0, acc);                                                                \
    acc = VFMA(TAP(r, (x) + d), w1, acc);                                                          \
    acc = VFMA(TAP(r, (x) + 2 * d), w2, acc)
#define ROW5(TAP, acc, r, x, w0, w1, w2, w3, w4)                                                   \
    ROW3(TAP, acc, r, x, w0, w1, w2);                                                              \
    acc = VFMA(TAP(r, (x) + 3 * d), w3, acc);                                                      \
    acc = VFMA(TAP(r, (x) + 4 * d), w4, acc)

/* Two output rows at once (independent accumulator chains hide the FMA latency): ra / rb hold the
 * input-row pointers of output rows A and B, results go to oa / ob. */
#define DW3(TAP, S)                                                                                \
    do {                                                                                           \
        const float *a0 = ra[0], *a1 = ra[1], *a2 = ra[2], *b0 = rb[0], *b1 = rb[1], *b2 = rb[2];  \
        const V w0 = VSET1(w[0]), w1 = VSET1(w[1]), w2 = VSET1(w[2]), w3 = VSET1(w[3]);            \
        const V w4 = VSET1(w[4]), w5 = VSET1(w[5]), w6 = VSET1(w[6]), w7 = VSET1(w[7]);            \
        const V w8 = VSET1(w[8]);                                                                  \
        for (int64_t ow = 0; ow < ow_n; ow += VW) {                                                \
            V pa = vb, qa = VSET1(0.0f), pb = vb, qb = VSET1(0.0f);                                \
            ROW3(TAP, pa, a0, ow * S, w0, w1, w2);                                                 \
            ROW3(TAP, pb, b0, ow * S, w0, w1, w2);                                                 \
            ROW3(TAP, qa, a1, ow * S, w3, w4, w5);                                                 \
            ROW3(TAP, qb, b1, ow * S, w3, w4, w5);                                                 \
            ROW3(TAP, pa, a2, ow * S, w6, w7, w8);                                                 \
            ROW3(TAP, pb, b2, ow * S, w6, w7, w8);                                                 \
            CD_STORE(oa, ow, ow_n, VADD(pa, qa));                                                  \
            CD_STORE(ob, ow, ow_n, VADD(pb, qb));                                                  \
        }                                                                                          \
    } while (0)

#define DW5(TAP, S)                                                                                \
    do {                                                                                           \
        V wv[25];                                                                                  \
        for (int t = 0; t < 25; ++t) wv[t] = VSET1(w[t]);                                          \
        for (int64_t ow = 0; ow < ow_n; ow += VW) {                                                \
            V pa = vb, qa = VSET1(0.0f), pb = vb, qb = VSET1(0.0f);                                \
            ROW5(TAP, pa, ra[0], ow * S, wv[0], wv[1], wv[2], wv[3], wv[4]);                       \
            ROW5(TAP, pb, rb[0], ow * S, wv[0], wv[1], wv[2], wv[3], wv[4]);                       \
            ROW5(TAP, qa, ra[1], ow * S, wv[5], wv[6], wv[7], wv[8], wv[9]);                       \
            ROW5(TAP, qb, rb[1], ow * S, wv[5], wv[6], wv[7], wv[8], wv[9]);                       \
            ROW5(TAP, pa, ra[2], ow * S, wv[10], wv[11], wv[12], wv[13], wv[14]);                  \
            ROW5(TAP, pb, rb[2], ow * S, wv[10], wv[11], wv[12], wv[13], wv[14]);                  \
            ROW5(TAP, qa, ra[3], ow * S, wv[15], wv[16], wv[17], wv[18], wv[19]);                  \
            ROW5(TAP, qb, rb[3], ow * S, wv[15], wv[16], wv[17], wv[18], wv[19]);                  \
            ROW5(TAP, pa, ra[4], ow * S, wv[20], wv[21], wv[22], wv[23], wv[24]);                  \
            ROW5(TAP, pb, rb[4], ow * S, wv[20], wv[21], wv[22], wv[23], wv[24]);                  \
            CD_STORE(oa, ow, ow_n, VADD(pa, qa));                                                  \
            CD_STORE(ob, ow, ow_n, VADD(pb, qb));                                                  \
        }                                                                                          \
    } while (0)

#define DWN(TAP, S)                                                                                \
    do {                                                                                           \
        for (int64_t ow = 0; ow < ow_n; ow += VW) {                                                \
            V pa = vb, qa = VSET1(0.0f), pb = vb, qb = VSET1(0.0f);                                \
            for (int i = 0; i < kh; ++i) {                                                         \
                const float *xa = ra[i] + ow * S, *xb = rb[i] + ow * S;                            \
                const float *wr = w + (int64_t)i * kw;                                             \
                int j = 0;                                                                         \
                for (; j + 1 < kw; j += 2) {                                                       \
                    const V w0 = VSET1(wr[j]), w1 = VSET1(wr[j + 1]);                              \
                    pa = VFMA(TAP(xa, (int64_t)j * d), w0, pa);                                    \
                    pb = VFMA(TAP(xb, (int64_t)j * d), w0, pb);                                    \
                    qa = VFMA(TAP(xa, (int64_t)(j + 1) * d), w1, qa);                              \
                    qb = VFMA(TAP(xb, (int64_t)(j + 1) * d), w1, qb);                              \
                }                                                                                  \
                if (j < kw) {                                                                      \
                    pa = VFMA(TAP(xa, (int64_t)j * d), VSET1(wr[j]), pa);                          \
                    pb = VFMA(TAP(xb, (int64_t)j * d), VSET1(wr[j]), pb);                          \
                }                                                                                  \
            }                                                                                      \
            CD_STORE(oa, ow, ow_n, VADD(pa, qa));                                                  \
            CD_STORE(ob, ow, ow_n, VADD(pb, qb));                                                  \
        }                                                                                          \
    } while (0)

/* Two output rows of a depthwise convolution: o[ow] = act(bias + sum w[i*kw+j] r[i][ow*s + j*d]). */
static inline CD_TGT void CD_CAT(cd_dw_rows2, CD_SUFFIX)(float *oa, float *ob, int64_t ow_n, const float *const *ra,
                                                         const float *const *rb, const float *w, int kh, int kw, int s,
                                                         int64_t d, float bias, float lo, float hi) {
    const V vb = VSET1(bias), vlo = VSET1(lo), vhi = VSET1(hi);
    if (kh == 3 && kw == 3) {
        if (s == 1)
            DW3(TAP1, 1);
        else
            DW3(TAP2, 2);
    } else if (kh == 5 && kw == 5) {
        if (s == 1)
            DW5(TAP1, 1);
        else
            DW5(TAP2, 2);
    } else if (s == 1) {
        DWN(TAP1, 1);
    } else {
        DWN(TAP2, 2);
    }
}

/* Four output rows of a 3x3 depthwise convolution with stride 1 and vertical dilation 1: output row
 * k reads input rows r[k], r[k+1], r[k+2], so each of the six input rows is loaded once per vector
 * and feeds up to three output rows (4.5 loads per output vector instead of 9). With horizontal
 * dilation 1 the rows are vector-aligned and the +1 / +2 taps are lane shifts of two aligned loads
 * (unaligned 512-bit loads that straddle cache lines would halve the throughput). */
static inline CD_TGT void CD_CAT(cd_dw3s1_rows4, CD_SUFFIX)(float *const *o, int64_t ow_n, const float *const *r,
                                                            const float *w, int64_t d, float bias, float lo,
                                                            float hi) {
    const V vb = VSET1(bias), vlo = VSET1(lo), vhi = VSET1(hi);
    const V w0 = VSET1(w[0]), w1 = VSET1(w[1]), w2 = VSET1(w[2]), w3 = VSET1(w[3]);
    const V w4 = VSET1(w[4]), w5 = VSET1(w[5]), w6 = VSET1(w[6]), w7 = VSET1(w[7]);
    const V w8 = VSET1(w[8]);
    float *o0 = o[0], *o1 = o[1], *o2 = o[2], *o3 = o[3];
    for (int64_t ow = 0; ow < ow_n; ow += VW) {
        V a0 = vb, a1 = vb, a2 = vb, a3 = vb, x0, x1, x2;
#define CD_LOAD3(t)                                                                                \
    x0 = VLOAD(r[t] + ow);                                                                         \
    if (d == 1) {                                                                                  \
        VSHIFT12(x0, VLOAD(r[t] + ow + VW), x1, x2);                                               \
    } else {                                                                                       \
        x1 = VLOAD(r[t] + ow + d);                                                                 \
        x2 = VLOAD(r[t] + ow + 2 * d);                                                             \
    }
#define CD_ACC3(acc, wa, wb, wc)                                                                   \
    acc = VFMA(x0, wa, acc);                                                                       \
    acc = VFMA(x1, wb, acc);                                                                       \
    acc = VFMA(x2, wc, acc)
        CD_LOAD3(0);
        CD_ACC3(a0, w0, w1, w2);
        CD_LOAD3(1);
        CD_ACC3(a0, w3, w4, w5);
        CD_ACC3(a1, w0, w1, w2);
        CD_LOAD3(2);
        CD_ACC3(a0, w6, w7, w8);
        CD_ACC3(a1, w3, w4, w5);
        CD_ACC3(a2, w0, w1, w2);
        CD_LOAD3(3);
        CD_ACC3(a1, w6, w7, w8);
        CD_ACC3(a2, w3, w4, w5);
        CD_ACC3(a3, w0, w1, w2);
        CD_LOAD3(4);
        CD_ACC3(a2, w6, w7, w8);
        CD_ACC3(a3, w3, w4, w5);
        CD_LOAD3(5);
        CD_ACC3(a3, w6, w7, w8);
#undef CD_LOAD3
#undef CD_ACC3
        CD_STORE(o0, ow, ow_n, a0);
        CD_STORE(o1, ow, ow_n, a1);
        CD_STORE(o2, ow, ow_n, a2);
        CD_STORE(o3, ow, ow_n, a3);
    }
}

/* Copies n floats (vector loop; masked tail on x86, scalar on NEON). With zero_fill, dst's VW floats past n may be
 * overwritten with zeros (a plane written row after row, with slack after its last row): the tail is then a
 * zero-filling masked load and a whole-vector store, since a masked store costs several times a plain one on some
 * cores (AMD Zen 4). */
static inline CD_TGT void CD_CAT(cd_copy, CD_SUFFIX)(float *dst, const float *src, int64_t n, int zero_fill) {
    int64_t i = 0;
    for (; i + VW <= n; i += VW) VSTORE(dst + i, VLOAD(src + i));
    if (i == n) return;
#if FLINT_CD_PASS == 2
    const V tail = _mm512_maskz_loadu_ps((__mmask16)((1u << (n - i)) - 1u), src + i);
    if (zero_fill)
        VSTORE(dst + i, tail);
    else
        VSTOREN(dst + i, tail, n - i);
#elif FLINT_CD_PASS == 1
    const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n - i)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const V tail = _mm256_maskload_ps(src + i, m);
    if (zero_fill)
        VSTORE(dst + i, tail);
    else
        _mm256_maskstore_ps(dst + i, m, tail);
#else
    (void)zero_fill;
    for (; i < n; ++i) dst[i] = src[i];
#endif
}

/* Ring of padded input rows (see dw_channels): input row ih lives in slot ih & (nslot - 1). */
typedef struct CD_CAT(cd_ring, CD_SUFFIX) {
    float *buf;
    const float *zero_row;
    int64_t *tags;
    int64_t bw, nslot, pad_w, in_h, in_w, copy_n;
} CD_CAT(cd_ring, CD_SUFFIX);

static inline CD_TGT const float *CD_CAT(cd_ring_row, CD_SUFFIX)(CD_CAT(cd_ring, CD_SUFFIX) * g, const float *plane,
                                                                 int64_t ih) {
    if (ih < 0 || ih >= g->in_h) return g->zero_row;
    const int64_t slot = ih & (g->nslot - 1);
    float *row = g->buf + slot * g->bw;
    if (g->tags[slot] != ih) {
        CD_CAT(cd_copy, CD_SUFFIX)(row + g->pad_w, plane + ih * g->in_w, g->copy_n, 0);
        g->tags[slot] = ih;
    }
    return row;
}

/* Output channels [oc_begin, oc_end) of one batch item (in_b / out_b point at its planes); stride_w
 * must be 1 or 2 and kernel_h <= 64. Scratch from the caller: buf = nslot padded rows of bw floats,
 * then a zero row and a junk output row, all zeroed; nslot is a power of two >= (kh-1)*dh + 3*sh + 1
 * (the input rows of four consecutive output rows); tags has nslot entries. */
CD_TGT void CD_FN(dw_channels)(const flint_dwconv2d_desc *p, const float *in_b, const float *weight,
                               const float *bias, float *out_b, int64_t oc_begin, int64_t oc_end, float *buf,
                               int64_t bw, int64_t nslot, int64_t *tags, float lo, float hi) {
    const int64_t M = p->multiplier, H = p->in_h, W = p->in_w, KH = p->kernel_h, KW = p->kernel_w;
    const int64_t SH = p->stride_h, PH = p->pad_h, PW = p->pad_w, DH = p->dilation_h, DW = p->dilation_w;
    const int64_t OH = flint_conv_out_size(H, KH, SH, PH, DH, 0);
    const int64_t OW = flint_conv_out_size(W, KW, p->stride_w, PW, DW, 0);
    CD_CAT(cd_ring, CD_SUFFIX) ring = {buf, buf + nslot * bw, tags, bw, nslot, PW, H, W,
                                       PW >= bw ? 0 : (W < bw - PW ? W : bw - PW)};
    float *junk = buf + (nslot + 1) * bw;
    const int quad = KH == 3 && KW == 3 && p->stride_w == 1 && SH == 1 && DH == 1;
    const float *ra[64], *rb[64];
    int64_t cur_ic = -1;
    for (int64_t oc = oc_begin; oc < oc_end; ++oc) {
        const int64_t ic = oc / M;
        if (ic != cur_ic) {
            for (int64_t t = 0; t < nslot; ++t) tags[t] = -1;
            cur_ic = ic;
        }
        const float *plane = in_b + ic * H * W, *w = weight + oc * KH * KW;
        float *out = out_b + oc * OH * OW;
        const float b = bias ? bias[oc] : 0.0f;
        if (quad) {
            for (int64_t oh = 0; oh < OH; oh += 4) {
                for (int64_t t = 0; t < 6; ++t) ra[t] = CD_CAT(cd_ring_row, CD_SUFFIX)(&ring, plane, oh - PH + t);
                float *o[4];
                for (int64_t k = 0; k < 4; ++k) o[k] = oh + k < OH ? out + (oh + k) * OW : junk;
                CD_CAT(cd_dw3s1_rows4, CD_SUFFIX)(o, OW, ra, w, DW, b, lo, hi);
            }
            continue;
        }
        for (int64_t oh = 0; oh < OH; oh += 2) {
            const int64_t ohb = oh + 1 < OH ? oh + 1 : oh;
            for (int64_t i = 0; i < KH; ++i) {
                ra[i] = CD_CAT(cd_ring_row, CD_SUFFIX)(&ring, plane, oh * SH - PH + i * DH);
                rb[i] = CD_CAT(cd_ring_row, CD_SUFFIX)(&ring, plane, ohb * SH - PH + i * DH);
            }
            CD_CAT(cd_dw_rows2, CD_SUFFIX)(out + oh * OW, oh + 1 < OH ? out + (oh + 1) * OW : junk, OW, ra, rb, w,
                                           (int)KH, (int)KW, (int)p->stride_w, DW, b, lo, hi);
        }
    }
}

/* Vectors [v0, v0 + G) of the flat result of one channel of dw_small: each sums its even taps on one chain
 * (from the bias) and its odd taps on another, then adds the two; tap t of output q reads TAP(src + step * q,
 * off[t]): TAP1 (one vector load) or TAP2 (the even elements of two). */
#define DW_SMALL_GROUP(TAP, G)                                                                     \
    do {                                                                                           \
        V a[G], b[G];                                                                              \
        const float *x = src + step * v0 * VW;                                                     \
        _Pragma("GCC unroll 8") for (int i = 0; i < (G); ++i) {                                    \
            a[i] = vb;                                                                             \
            b[i] = VSET1(0.0f);                                                                    \
        }                                                                                          \
        int64_t t = 0;                                                                             \
        for (; t + 1 < taps; t += 2) {                                                             \
            const V w0 = VSET1(w[t]), w1 = VSET1(w[t + 1]);                                        \
            _Pragma("GCC unroll 8") for (int i = 0; i < (G); ++i) {                                \
                a[i] = VFMA(TAP(x + step * i * VW, off[t]), w0, a[i]);                             \
                b[i] = VFMA(TAP(x + step * i * VW, off[t + 1]), w1, b[i]);                         \
            }                                                                                      \
        }                                                                                          \
        if (t < taps) {                                                                            \
            const V w0 = VSET1(w[t]);                                                              \
            _Pragma("GCC unroll 8") for (int i = 0; i < (G); ++i) a[i] = VFMA(TAP(x + step * i * VW, off[t]), w0, a[i]); \
        }                                                                                          \
        _Pragma("GCC unroll 8") for (int i = 0; i < (G); ++i)                                      \
            VSTORE(result + (v0 + i) * VW, VMIN(vhi, VMAX(vlo, VADD(a[i], b[i]))));                \
    } while (0)

/* The flat result of one channel of dw_small: every q in [0, q_n), in groups of near-equal size of up to 6
 * vectors (12 independent chains, enough to keep the multiply-adds issuing: a 7x7 plane is 5 vectors, which
 * two at a time waited on the chains' latency) or, with AVX2's 16 registers, 4 vectors (8 chains). */
#define DW_SMALL_PLANE(TAP)                                                                        \
    do {                                                                                           \
        const int64_t most = VW == 8 ? 4 : 6; /* AVX2's 16 registers: 8 accumulators */            \
        const int64_t vectors = (q_n + VW - 1) / VW, groups = (vectors + most - 1) / most;          \
        const int64_t size = (vectors + groups - 1) / groups;                                      \
        for (int64_t v0 = 0; v0 < vectors; v0 += size) {                                           \
            switch (vectors - v0 < size ? vectors - v0 : size) {                                   \
            case 1: DW_SMALL_GROUP(TAP, 1); break;                                                 \
            case 2: DW_SMALL_GROUP(TAP, 2); break;                                                 \
            case 3: DW_SMALL_GROUP(TAP, 3); break;                                                 \
            case 4: DW_SMALL_GROUP(TAP, 4); break;                                                 \
            case 5: DW_SMALL_GROUP(TAP, 5); break;                                                 \
            default: DW_SMALL_GROUP(TAP, 6); break;                                                \
            }                                                                                      \
        }                                                                                          \
    } while (0)

/* Outputs of one channel of dw_small that are packed on the stack before they are copied out. */
#define CD_SMALL_PACKED 1024

/* Small planes (a late layer's 7x7 or 14x14): per channel, the zero-padded input plane is laid out flat with
 * row pitch P = pad_w + in_w + pad_w, so output q = oh * P + ow reads input element q + i * dh * P + j * dw for
 * tap (i, j) at stride 1: every tap of a run of consecutive q is one vector load, over the whole plane at once
 * instead of row by row. At stride 2 with more taps than 3x3 (phased) the padded plane is then split into its
 * four phases (even/odd rows x even/odd columns, row pitch P2 = ceil(P / 2)), so output q = oh * P2 + ow reads
 * phase ((i * dh) & 1, (j * dw) & 1) at q + ((i * dh) >> 1) * P2 + ((j * dw) >> 1): one vector load per tap
 * again, with no shuffles and a flat row of P2 instead of P holding OW outputs. Outputs with ow >= OW are computed into the flat result
 * and dropped. The taps are summed in the same order either way. `buf` holds the padded plane (borders zeroed
 * by the caller and written only with zeros here), when phased the phases after it (flint__dw_s2_padded_floats
 * and flint__dw_s2_phase_floats; zeroed by the caller too), then from `plane_floats` on the flat result; the
 * driver in flint_depthwise.c sizes it. */
CD_TGT void CD_FN(dw_small)(const flint_dwconv2d_desc *p, const float *in_b, const float *weight, const float *bias,
                            float *out_b, int64_t oc_begin, int64_t oc_end, float *buf, int64_t plane_floats,
                            float lo, float hi) {
    const int64_t M = p->multiplier, H = p->in_h, W = p->in_w, KH = p->kernel_h, KW = p->kernel_w;
    const int64_t S = p->stride_w, PH = p->pad_h, PW = p->pad_w, DH = p->dilation_h, DW = p->dilation_w;
    const int64_t OH = flint_conv_out_size(H, KH, S, PH, DH, 0), OW = flint_conv_out_size(W, KW, S, PW, DW, 0);
    const int64_t P = W + 2 * PW, HP = H + 2 * PH, taps = KH * KW;
    /* The flat source the taps read (the padded plane, or at stride 2 with many taps its phases), how far apart
     * consecutive outputs read it, and its row pitch. */
    const int phased = flint__dw_small_phased(S, taps);
    const int64_t P2 = (P + 1) / 2, phase = flint__dw_s2_phase_floats(P, HP);
    float *phases = buf + flint__dw_s2_padded_floats(P, HP);
    const float *src = phased ? phases : buf;
    const int64_t step = phased ? 1 : S, pitch = phased ? P2 : P;
    const int64_t q_n = (OH - 1) * pitch + OW;
    float *result = buf + plane_floats;
    const V vlo = VSET1(lo), vhi = VSET1(hi);
    _Alignas(64) float packed[CD_SMALL_PACKED + 16];
    int64_t off[64];
    for (int64_t i = 0; i < KH; ++i)
        for (int64_t j = 0; j < KW; ++j)
            off[i * KW + j] = !phased ? i * DH * P + j * DW
                                      : (((i * DH) & 1) * 2 + ((j * DW) & 1)) * phase + ((i * DH) >> 1) * P2 + ((j * DW) >> 1);
    int64_t cur_ic = -1;
    for (int64_t oc = oc_begin; oc < oc_end; ++oc) {
        const int64_t ic = oc / M;
        if (ic != cur_ic) {
            /* Phased, rows in order, each zero-filling its tail vector: what a row's tail overwrites past the
             * row is border (zeros) or the following rows (written later); there is slack after the last row. */
            const float *plane = in_b + ic * H * W;
            for (int64_t r = 0; r < H; ++r) CD_CAT(cd_copy, CD_SUFFIX)(buf + (r + PH) * P + PW, plane + r * W, W, phased);
            /* Padded row pr: its even columns become row pr >> 1 of phase (pr & 1, 0), its odd ones of phase
             * (pr & 1, 1). Whole vectors: past P2 they write the phase's following rows (written later) or, after
             * its last written row, a row never written or the phase's slack, which only junk outputs read, as
             * they do the columns read past the padded row. */
            if (phased)
                for (int64_t pr = 0; pr < HP; ++pr) {
                    const float *row = buf + pr * P;
                    float *even = phases + (pr & 1) * 2 * phase + (pr >> 1) * P2, *odd = even + phase;
                    for (int64_t c = 0; c < P2; c += VW) {
                        VSTORE(even + c, VLOAD_EVEN(row + 2 * c));
                        VSTORE(odd + c, VLOAD_EVEN(row + 2 * c + 1));
                    }
                }
            cur_ic = ic;
        }
        const float *w = weight + oc * taps;
        const V vb = VSET1(bias ? bias[oc] : 0.0f);
        if (step == 1)
            DW_SMALL_PLANE(TAP1);
        else
            DW_SMALL_PLANE(TAP2);
        float *out = out_b + oc * OH * OW;
        if (phased && OH * OW <= CD_SMALL_PACKED) { /* rows packed on the stack, then one copy with one partial vector */
            for (int64_t oh = 0; oh < OH; ++oh) CD_CAT(cd_copy, CD_SUFFIX)(packed + oh * OW, result + oh * pitch, OW, 1);
            CD_CAT(cd_copy, CD_SUFFIX)(out, packed, OH * OW, 0);
        } else {
            for (int64_t oh = 0; oh < OH; ++oh) CD_CAT(cd_copy, CD_SUFFIX)(out + oh * OW, result + oh * pitch, OW, 0);
        }
    }
}

#define MAXP(TAP, S)                                                                               \
    do {                                                                                           \
        for (int64_t ow = 0; ow < ow_n; ow += VW) {                                                \
            V m = VSET1(-__builtin_inff());                                                        \
            VM nan = MNONE();                                                                      \
            for (int i = 0; i < kh; ++i) {                                                         \
                const float *r = rows[i] + ow * S;                                                 \
                for (int j = 0; j < kw; ++j) {                                                     \
                    V v = TAP(r, (int64_t)j * d);                                                  \
                    nan = MOR(nan, VISNAN(v));                                                     \
                    m = VMAX(m, v);                                                                \
                }                                                                                  \
            }                                                                                      \
            CD_STORE(out, ow, ow_n, VSEL(nan, VSET1(__builtin_nanf("")), m));                      \
        }                                                                                          \
    } while (0)

/* One output row of max pooling: out[ow] = max over taps of rows[i][ow*s + j*d] (NaN wins). */
CD_TGT void CD_FN(maxpool_row)(float *out, int64_t ow_n, const float *const *rows, int kh, int kw, int s,
                               int64_t d) {
    const V vlo = VSET1(-__builtin_inff()), vhi = VSET1(__builtin_inff());
    if (s == 1)
        MAXP(TAP1, 1);
    else
        MAXP(TAP2, 2);
}

#define AVGP(TAP, S)                                                                               \
    do {                                                                                           \
        for (int64_t ow = 0; ow < ow_n; ow += VW) {                                                \
            V a = VSET1(0.0f);                                                                     \
            for (int i = 0; i < kh; ++i) {                                                         \
                const float *r = rows[i] + ow * S;                                                 \
                for (int j = 0; j < kw; ++j) a = VADD(a, TAP(r, j));                               \
            }                                                                                      \
            CD_STORE(out, ow, ow_n, VDIV(a, VLOAD(div + ow)));                                     \
        }                                                                                          \
    } while (0)

/* One output row of average pooling: out[ow] = (sum over taps of rows[i][ow*s + j]) / div[ow]
 * (taps summed row-major from 0, like ATen); div has room for a whole vector past ow_n. */
CD_TGT void CD_FN(avgpool_row)(float *out, int64_t ow_n, const float *const *rows, int kh, int kw, int s,
                               const float *div) {
    const V vlo = VSET1(-__builtin_inff()), vhi = VSET1(__builtin_inff());
    if (s == 1)
        AVGP(TAP1, 1);
    else
        AVGP(TAP2, 2);
}

/* Sum of x[0 ..< n] (global average pooling); four partial vector sums, scalar tail. */
CD_TGT float CD_FN(sum)(const float *x, int64_t n) {
    V a = VSET1(0.0f), b = a, c = a, e = a;
    int64_t i = 0;
    for (; i + 4 * VW <= n; i += 4 * VW) {
        a = VADD(a, VLOAD(x + i));
        b = VADD(b, VLOAD(x + i + VW));
        c = VADD(c, VLOAD(x + i + 2 * VW));
        e = VADD(e, VLOAD(x + i + 3 * VW));
    }
    for (; i + VW <= n; i += VW) a = VADD(a, VLOAD(x + i));
    float s = VHSUM(VADD(VADD(a, b), VADD(c, e)));
    for (; i < n; ++i) s += x[i];
    return s;
}

#undef CD_SUFFIX
#undef CD_TGT
#undef V
#undef VM
#undef VW
#undef VSET1
#undef VLOAD
#undef VSTORE
#undef VADD
#undef VDIV
#undef VFMA
#undef VMAX
#undef VMIN
#undef VISNAN
#undef MOR
#undef MNONE
#undef VSEL
#undef VSTOREN
#undef VLOAD_EVEN
#undef VSHIFT12
#undef VHSUM
#undef VALIGNR
#undef TAP1
#undef TAP2
#undef CD_STORE
#undef ROW3
#undef ROW5
#undef DW3
#undef DW5
#undef DWN
#undef DW_SMALL_PLANE
#undef CD_SMALL_PACKED
#undef DW_SMALL_GROUP
#undef MAXP
#undef AVGP

#endif /* FLINT_CD_PASS */
