/* Vector variants of the pointwise kernels (flint_pointwise.h): AVX2+FMA, AVX-512 and NEON.
 *
 * The kernels are written once against a small vector layer (V* macros below) and this file includes
 * itself once per instruction set with FLINT_PW_PASS set, so every pass defines the same functions
 * with its own suffix (flint__pw_exp_avx2, flint__pw_exp_avx512, ...). Each function carries its own
 * target attribute: the file is compiled with plain -O2 and no -m flags; flint_pointwise.c picks the
 * pass at run time. Layer conventions: VFMA(a, b, c) = a*b + c, VFNMA(a, b, c) = c - a*b, masks come
 * from the VLT/VGE/... comparisons, VSEL(m, t, f) = m ? t : f, VMAX(a, b)/VMIN(a, b) return b when
 * either is NaN (x86 rule; NEON propagates NaN from both, which every use below tolerates).
 *
 * Algorithms (Cephes-style, checked against double libm by Tools/kernel-bench/test_pointwise.c):
 *   exp:  n = round(x log2 e), r = x - n ln2 (Cody-Waite), e^r by a degree-6 polynomial, times
 *         2^(n>>1) * 2^(n - (n>>1)) so that denormal results round once.
 *   log:  x = m 2^e with m in [sqrt(1/2), sqrt 2), log(m) by Cephes' degree-9 polynomial; denormal
 *         inputs are scaled by 2^23 first.
 *   tanh: odd polynomial for |x| < 0.625, else (1 - t) / (1 + t) with t = e^(-2|x|).
 *   erf:  x P(x^2) for |x| < 1 (near-minimax, rel. error 1.2e-9), else 1 - e^(-x^2) g(x) with
 *         g = erfcx fitted as a degree-8 polynomial in 2 / (2 + x) on [1, 10.5] (rel. error 6e-9);
 *         x^2 is split exactly (fma) so e^(-x^2) stays accurate. */
#ifndef FLINT_PW_PASS

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define FLINT_PW_PASS 1
#include "flint_pointwise_simd.c"
#undef FLINT_PW_PASS
#define FLINT_PW_PASS 2
#include "flint_pointwise_simd.c"
#undef FLINT_PW_PASS
#elif defined(__aarch64__)
#include <arm_neon.h>
#define FLINT_PW_PASS 3
#include "flint_pointwise_simd.c"
#undef FLINT_PW_PASS
#else
typedef int flint__pw_simd_empty; /* ISO C forbids an empty translation unit. */
#endif

#else /* FLINT_PW_PASS: one instruction set */

#define PW_CAT2(a, b) a##_##b
#define PW_CAT(a, b) PW_CAT2(a, b)
/* Names of this pass: exported kernels and file-local helpers. */
#define PW_FN(name) PW_CAT(flint__pw_##name, PW_SUFFIX)
#define PWL(name) PW_CAT(pw_##name, PW_SUFFIX)

#if FLINT_PW_PASS == 1 /* ---------------------------------------------------------------- AVX2 */
#define PW_SUFFIX avx2
#define PW_TGT __attribute__((target("avx2,fma")))
#define V __m256
#define VI __m256i
#define VM __m256
#define VW 8
#define VSET1(a) _mm256_set1_ps(a)
#define VZERO() _mm256_setzero_ps()
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps(p, v)
#define VLOADN(p, n) _mm256_maskload_ps(p, PWL(lanes)(n))
#define VLOADNF(p, n, f) _mm256_blendv_ps(f, VLOADN(p, n), _mm256_castsi256_ps(PWL(lanes)(n)))
#define VSTOREN(p, v, n) _mm256_maskstore_ps(p, PWL(lanes)(n), v)
#define MFIRST(n) _mm256_castsi256_ps(PWL(lanes)(n))
#define VADD _mm256_add_ps
#define VSUB _mm256_sub_ps
#define VMUL _mm256_mul_ps
#define VDIV _mm256_div_ps
#define VFMA _mm256_fmadd_ps
#define VFNMA _mm256_fnmadd_ps
#define VMAX _mm256_max_ps
#define VMIN _mm256_min_ps
#define VAND _mm256_and_ps
#define VOR _mm256_or_ps
#define VANDNOT _mm256_andnot_ps /* ~a & b */
#define VLT(a, b) _mm256_cmp_ps(a, b, _CMP_LT_OQ)
#define VGE(a, b) _mm256_cmp_ps(a, b, _CMP_GE_OQ)
#define VGT(a, b) _mm256_cmp_ps(a, b, _CMP_GT_OQ)
#define VEQ(a, b) _mm256_cmp_ps(a, b, _CMP_EQ_OQ)
#define VISNAN(a) _mm256_cmp_ps(a, a, _CMP_UNORD_Q)
#define VSEL(m, t, f) _mm256_blendv_ps(f, t, m)
#define VROUND(v) _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define VCVTI(v) _mm256_cvtps_epi32(v)
#define VI2F(i) _mm256_cvtepi32_ps(i)
#define VBITS2F(i) _mm256_castsi256_ps(i)
#define VF2BITS(v) _mm256_castps_si256(v)
#define VISET1(a) _mm256_set1_epi32(a)
#define VIADD _mm256_add_epi32
#define VISUB _mm256_sub_epi32
#define VIAND _mm256_and_si256
#define VIOR _mm256_or_si256
#define VISRA(v, k) _mm256_srai_epi32(v, k)
#define VISLL(v, k) _mm256_slli_epi32(v, k)
static inline PW_TGT __m256i PWL(lanes)(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static inline PW_TGT float PWL(hmax)(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}
static inline PW_TGT float PWL(hsum)(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
#define VHMAX(v) PWL(hmax)(v)
#define VHSUM(v) PWL(hsum)(v)

#elif FLINT_PW_PASS == 2 /* ---------------------------------------------------------- AVX-512 */
#define PW_SUFFIX avx512
#define PW_TGT __attribute__((target("avx2,fma,avx512f,avx512vl,avx512bw,avx512dq")))
#define V __m512
#define VI __m512i
#define VM __mmask16
#define VW 16
#define VSET1(a) _mm512_set1_ps(a)
#define VZERO() _mm512_setzero_ps()
#define VLOAD(p) _mm512_loadu_ps(p)
#define VSTORE(p, v) _mm512_storeu_ps(p, v)
#define MFIRST(n) ((__mmask16)((1u << (n)) - 1u))
#define VLOADN(p, n) _mm512_maskz_loadu_ps(MFIRST(n), p)
#define VLOADNF(p, n, f) _mm512_mask_loadu_ps(f, MFIRST(n), p)
#define VSTOREN(p, v, n) _mm512_mask_storeu_ps(p, MFIRST(n), v)
#define VADD _mm512_add_ps
#define VSUB _mm512_sub_ps
#define VMUL _mm512_mul_ps
#define VDIV _mm512_div_ps
#define VFMA _mm512_fmadd_ps
#define VFNMA _mm512_fnmadd_ps
#define VMAX _mm512_max_ps
#define VMIN _mm512_min_ps
#define VAND _mm512_and_ps
#define VOR _mm512_or_ps
#define VANDNOT _mm512_andnot_ps
#define VLT(a, b) _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ)
#define VGE(a, b) _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ)
#define VGT(a, b) _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ)
#define VEQ(a, b) _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ)
#define VISNAN(a) _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q)
#define VSEL(m, t, f) _mm512_mask_blend_ps(m, f, t)
#define VROUND(v) _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define VCVTI(v) _mm512_cvtps_epi32(v)
#define VI2F(i) _mm512_cvtepi32_ps(i)
#define VBITS2F(i) _mm512_castsi512_ps(i)
#define VF2BITS(v) _mm512_castps_si512(v)
#define VISET1(a) _mm512_set1_epi32(a)
#define VIADD _mm512_add_epi32
#define VISUB _mm512_sub_epi32
#define VIAND _mm512_and_si512
#define VIOR _mm512_or_si512
#define VISRA(v, k) _mm512_srai_epi32(v, k)
#define VISLL(v, k) _mm512_slli_epi32(v, k)
#define VHMAX(v) _mm512_reduce_max_ps(v)
#define VHSUM(v) _mm512_reduce_add_ps(v)

#elif FLINT_PW_PASS == 3 /* ------------------------------------------------------------- NEON */
#define PW_SUFFIX neon
#define PW_TGT
#define V float32x4_t
#define VI int32x4_t
#define VM uint32x4_t
#define VW 4
#define VSET1(a) vdupq_n_f32(a)
#define VZERO() vdupq_n_f32(0.0f)
#define VLOAD(p) vld1q_f32(p)
#define VSTORE(p, v) vst1q_f32(p, v)
static inline float32x4_t PWL(loadn)(const float *p, int n, float fill) {
    float b[4] = {fill, fill, fill, fill};
    memcpy(b, p, (size_t)n * sizeof(float));
    return vld1q_f32(b);
}
static inline void PWL(storen)(float *p, float32x4_t v, int n) {
    float b[4];
    vst1q_f32(b, v);
    memcpy(p, b, (size_t)n * sizeof(float));
}
static inline uint32x4_t PWL(first)(int n) {
    static const uint32_t idx[4] = {0, 1, 2, 3};
    return vcltq_u32(vld1q_u32(idx), vdupq_n_u32((uint32_t)n));
}
#define VLOADN(p, n) PWL(loadn)(p, n, 0.0f)
#define VLOADNF(p, n, f) PWL(loadn)(p, n, vgetq_lane_f32(f, 0))
#define VSTOREN(p, v, n) PWL(storen)(p, v, n)
#define MFIRST(n) PWL(first)(n)
#define VADD vaddq_f32
#define VSUB vsubq_f32
#define VMUL vmulq_f32
#define VDIV vdivq_f32
#define VFMA(a, b, c) vfmaq_f32(c, a, b)
#define VFNMA(a, b, c) vfmsq_f32(c, a, b)
#define VMAX vmaxq_f32
#define VMIN vminq_f32
#define VAND(a, b) vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(a), vreinterpretq_u32_f32(b)))
#define VOR(a, b) vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(a), vreinterpretq_u32_f32(b)))
#define VANDNOT(a, b) vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(b), vreinterpretq_u32_f32(a)))
#define VLT vcltq_f32
#define VGE vcgeq_f32
#define VGT vcgtq_f32
#define VEQ vceqq_f32
#define VISNAN(a) vmvnq_u32(vceqq_f32(a, a))
#define VSEL(m, t, f) vbslq_f32(m, t, f)
#define VROUND vrndnq_f32
#define VCVTI vcvtnq_s32_f32
#define VI2F vcvtq_f32_s32
#define VBITS2F vreinterpretq_f32_s32
#define VF2BITS vreinterpretq_s32_f32
#define VISET1 vdupq_n_s32
#define VIADD vaddq_s32
#define VISUB vsubq_s32
#define VIAND vandq_s32
#define VIOR vorrq_s32
#define VISRA(v, k) vshrq_n_s32(v, k)
#define VISLL(v, k) vshlq_n_s32(v, k)
#define VHMAX vmaxvq_f32
#define VHSUM vaddvq_f32
#endif

#define VSIGN() VBITS2F(VISET1((int32_t)0x80000000u))
#define VABS(v) VANDNOT(VSIGN(), v)
#define VNEG(v) VSUB(VZERO(), v)

/* e^x for x in [-104, 88.8] (or NaN): PWL(exp) after its clamp. */
static inline PW_TGT V PWL(exp_clamped)(V x) {
    V n = VROUND(VMUL(x, VSET1(1.44269504088896341f)));
    V r = VFNMA(n, VSET1(0.693359375f), x);
    r = VFNMA(n, VSET1(-2.12194440e-4f), r);
    V p = VSET1(1.9875691500e-4f);
    p = VFMA(p, r, VSET1(1.3981999507e-3f));
    p = VFMA(p, r, VSET1(8.3334519073e-3f));
    p = VFMA(p, r, VSET1(4.1665795894e-2f));
    p = VFMA(p, r, VSET1(1.6666665459e-1f));
    p = VFMA(p, r, VSET1(5.0000001201e-1f));
    p = VADD(VFMA(p, VMUL(r, r), r), VSET1(1.0f));
#if FLINT_PW_PASS == 2
    /* p * 2^n rounded once: the same bits as the two-step scaling below for every float x (checked
     * exhaustively), in one instruction instead of eight. */
    return _mm512_scalef_ps(p, n);
#else
    VI ni = VCVTI(n);
    VI n1 = VISRA(ni, 1);
    VI n2 = VISUB(ni, n1);
    V s1 = VBITS2F(VISLL(VIADD(n1, VISET1(127)), 23));
    V s2 = VBITS2F(VISLL(VIADD(n2, VISET1(127)), 23));
    return VMUL(VMUL(p, s1), s2);
#endif
}

/* e^x for every float x (NaN in, NaN out). */
static inline PW_TGT V PWL(exp)(V x) {
    return PWL(exp_clamped)(VMAX(VSET1(-104.0f), VMIN(VSET1(88.8f), x))); /* NaN passes through both */
}

/* ln(x) for positive normal finite x, plus `ebias` added to the binary exponent. */
static inline PW_TGT V PWL(log_core)(V x, V ebias) {
    const V one = VSET1(1.0f);
    VI bits = VF2BITS(x);
    V e = VADD(VI2F(VISUB(VISRA(bits, 23), VISET1(126))), ebias);
    V m = VBITS2F(VIOR(VIAND(bits, VISET1(0x007fffff)), VISET1(0x3f000000))); /* [0.5, 1) */
    VM lo = VLT(m, VSET1(0.707106781186547524f));
    e = VSEL(lo, VSUB(e, one), e);
    V f = VSUB(VSEL(lo, VADD(m, m), m), one);
    V z = VMUL(f, f);
    V p = VSET1(7.0376836292e-2f);
    p = VFMA(p, f, VSET1(-1.1514610310e-1f));
    p = VFMA(p, f, VSET1(1.1676998740e-1f));
    p = VFMA(p, f, VSET1(-1.2420140846e-1f));
    p = VFMA(p, f, VSET1(1.4249322787e-1f));
    p = VFMA(p, f, VSET1(-1.6668057665e-1f));
    p = VFMA(p, f, VSET1(2.0000714765e-1f));
    p = VFMA(p, f, VSET1(-2.4999993993e-1f));
    p = VFMA(p, f, VSET1(3.3333331174e-1f));
    V y = VMUL(VMUL(p, f), z);
    y = VFMA(e, VSET1(-2.12194440e-4f), y);
    y = VFNMA(VSET1(0.5f), z, y);
    return VFMA(e, VSET1(0.693359375f), VADD(f, y));
}

static inline PW_TGT V PWL(log)(V x) {
    VM den = VLT(x, VSET1(1.17549435e-38f)); /* denormal, zero or negative */
    V xs = VSEL(den, VMUL(x, VSET1(8388608.0f)), x);
    V r = PWL(log_core)(xs, VSEL(den, VSET1(-23.0f), VZERO()));
    r = VSEL(VEQ(x, VSET1(__builtin_inff())), x, r);
    r = VSEL(VEQ(x, VZERO()), VSET1(-__builtin_inff()), r);
    r = VSEL(VLT(x, VZERO()), VSET1(__builtin_nanf("")), r);
    return VSEL(VISNAN(x), x, r);
}

static inline PW_TGT V PWL(tanh)(V x) {
    const V one = VSET1(1.0f);
    V ax = VABS(x);
    V t = PWL(exp)(VMUL(ax, VSET1(-2.0f)));
    V big = VDIV(VSUB(one, t), VADD(one, t));
    V z = VMUL(x, x);
    V p = VSET1(-5.70498872745e-3f);
    p = VFMA(p, z, VSET1(2.06390887954e-2f));
    p = VFMA(p, z, VSET1(-5.37397155531e-2f));
    p = VFMA(p, z, VSET1(1.33314422036e-1f));
    p = VFMA(p, z, VSET1(-3.33332819422e-1f));
    V small = VFMA(VMUL(p, z), ax, ax);
    return VOR(VSEL(VLT(ax, VSET1(0.625f)), small, big), VAND(x, VSIGN())); /* keeps -0 */
}

static inline PW_TGT V PWL(sigmoid)(V x) {
    /* e^-|x|: -|x| as x with the sign bit set, and only the lower clamp (SiLU, which is bounded by this
     * function's instruction count, ran 11% faster than through PWL(exp), with the same bits but NaN's sign). */
    V e = PWL(exp_clamped)(VMAX(VSET1(-104.0f), VOR(x, VSIGN()))); /* [0, 1] */
    return VDIV(VSEL(VGE(x, VZERO()), VSET1(1.0f), e), VADD(VSET1(1.0f), e));
}

/* erf(x) / x - 1 for |x| < 1, as a polynomial in z = x^2 (coefficients rounded one at a time). */
static inline PW_TGT V PWL(erf_small)(V z) {
    V p = VSET1(7.806903159e-05f);
    p = VFMA(p, z, VSET1(-7.997853099e-04f));
    p = VFMA(p, z, VSET1(5.187162198e-03f));
    p = VFMA(p, z, VSET1(-2.685334720e-02f));
    p = VFMA(p, z, VSET1(1.128357872e-01f));
    p = VFMA(p, z, VSET1(-3.761262596e-01f));
    return VFMA(p, z, VSET1(1.283791661e-01f));
}

/* erfc(a + alo) for a in [1, 10.5] (NaN passes), alo a tiny correction (|alo| <= ulp(a)). */
static inline PW_TGT V PWL(erfc_big)(V a, V alo) {
    V t = VDIV(VSET1(2.0f), VADD(VSET1(2.0f), a));
    V g = VSET1(8.270313591e-02f);
    g = VFMA(g, t, VSET1(-1.910911798e-01f));
    g = VFMA(g, t, VSET1(3.368128836e-02f));
    g = VFMA(g, t, VSET1(9.850949049e-02f));
    g = VFMA(g, t, VSET1(1.613306850e-01f));
    g = VFMA(g, t, VSET1(2.519843578e-01f));
    g = VFMA(g, t, VSET1(2.811686099e-01f));
    g = VFMA(g, t, VSET1(2.821816206e-01f));
    g = VFMA(g, t, VSET1(-3.351011628e-06f));
    V h = VMUL(a, a);
    V l = VFMA(a, a, VNEG(h)); /* a^2 = h + l exactly */
    l = VFMA(VADD(a, a), alo, l);
    V e = PWL(exp)(VNEG(h));
    e = VFNMA(e, l, e); /* e^(-h-l) = e^-h (1 - l) */
    return VMUL(e, g);
}

static inline PW_TGT V PWL(erf)(V x) {
    V ax = VABS(x);
    V small = VFMA(x, PWL(erf_small)(VMUL(x, x)), x);
    V q = PWL(erfc_big)(VMAX(VSET1(1.0f), VMIN(VSET1(4.0f), ax)), VZERO());
    V big = VOR(VSUB(VSET1(1.0f), q), VAND(x, VSIGN()));
    return VSEL(VLT(ax, VSET1(1.0f)), small, big);
}

#if FLINT_PW_PASS == 2
/* GELU as libtorch computes it on AVX-512 CPUs: torch.nn.functional.gelu hands contiguous float32 tensors to
 * oneDNN, whose AVX-512 kernel evaluates erf(x / sqrt 2) as one of 25 degree-5 polynomials in |x|, picked by
 * |x|'s exponent and top two mantissa bits (bits(|x|) + 0xc21fffff, shifted right 21, clamped to [1, 24];
 * 23, which is erf = 1, beyond |x| > 5.5428), then gelu = (x * (1 + sign(x) p(|x|))) * 0.5. These are
 * oneDNN's coefficients, so the results are libtorch's bit for bit. The absolute error is at most 1.2e-6
 * (relative error grows in the far negative tail, where gelu itself is below 1e-6); gelu(+-inf) is NaN. */
static const uint32_t PWL(gelu_poly)[6][32] = {
    {0xa6f2cb94, 0x32827792, 0x3381cc0c, 0x34523d4a, 0x351ac44d, 0x35f36d88, 0x36ee8229, 0x37b8a3bb, 0x3867a213,
     0x3940033b, 0x3a2a5a1d, 0x3ae35863, 0x3b7828f2, 0x3c08b14b, 0x3c515ed3, 0xbb503236, 0xbd8d8e5e, 0xbe8abcd9,
     0xbf0c19a2, 0xbeccb328, 0x3e176ced, 0x3f470d99, 0x3f7abb28, 0x3f800000, 0},
    {0x3f4c422a, 0x3f4c421f, 0x3f4c4207, 0x3f4c41cb, 0x3f4c413b, 0x3f4c3fad, 0x3f4c3a2f, 0x3f4c2d40, 0x3f4c146a,
     0x3f4bc341, 0x3f4ad08c, 0x3f48f8cf, 0x3f45fac7, 0x3f404e07, 0x3f3b980f, 0x3f48dff3, 0x3f78b21b, 0x3fbb0704,
     0x40019c32, 0x3fe536d6, 0x3f81331e, 0x3e6c8684, 0x3c98f936, 0, 0x3f800000},
    {0xb62173f4, 0x3735e4cf, 0x37f2ff89, 0x388c23be, 0x3917535c, 0x39ab2ab0, 0x3a60fadb, 0x3af9b960, 0x3b6e5491,
     0x3c0a4ec5, 0x3ca5aa8c, 0x3d2138d9, 0x3d8737d4, 0x3ddfb660, 0x3e0f27ab, 0x3d94004b, 0xbe0efdeb, 0xbf1d96c3,
     0xbf89db58, 0xbf6d9897, 0xbef69fb8, 0xbdc4f8a8, 0xbbde6422, 0, 0},
    {0xbe081a19, 0xbe084570, 0xbe08639b, 0xbe089837, 0xbe08f409, 0xbe09ab95, 0xbe0b66d0, 0xbe0e400a, 0xbe124df8,
     0xbe1bde02, 0xbe2f19c9, 0xbe4931bf, 0xbe685fbc, 0xbe89c95f, 0xbe96cbca, 0xbe8044aa, 0xbe0550f2, 0x3dcfd6a1,
     0x3e94c826, 0x3e79345f, 0x3decec91, 0x3ca46568, 0x3aa1e00a, 0, 0},
    {0xba3d61db, 0x39f097a3, 0x3a5845dc, 0x3ab1fa35, 0x3b0cefb8, 0x3b653ab6, 0x3bcae527, 0x3c221712, 0x3c6c5840,
     0x3cc0a703, 0x3d1dcc19, 0x3d63656d, 0x3d955907, 0x3dbf9910, 0x3dd53f69, 0x3db7dcef, 0x3d639ebe, 0xba6ede48,
     0xbd22be69, 0xbd041cf1, 0xbc64f5ab, 0xbb097a32, 0xb8ebf380, 0, 0},
    {0x3cb7d80c, 0x3c9b6050, 0x3c978d11, 0x3c92e850, 0x3c8d058b, 0x3c848454, 0x3c6cd623, 0x3c4c824b, 0x3c2a7935,
     0x3be0b390, 0x3b0651ac, 0xbb232f53, 0xbbd42fa0, 0xbc2c5366, 0xbc492c9e, 0xbc2a7aa6, 0xbbd55d04, 0xba823a76,
     0x3b102aa8, 0x3ae25a7e, 0x3a31f792, 0x38b84375, 0x3689bb5a, 0, 0},
};

static inline PW_TGT V PWL(gelu_coefficient)(int degree, __m512i index) {
    const float *row = (const float *)PWL(gelu_poly)[degree];
    return _mm512_permutex2var_ps(_mm512_loadu_ps(row), index, _mm512_loadu_ps(row + 16));
}

static inline PW_TGT V PWL(gelu)(V x) {
    const V ax = VABS(x);
    __m512i index = VISRA(VIADD(VF2BITS(ax), VISET1((int32_t)0xc21fffff)), 21);
    index = _mm512_min_epi32(_mm512_max_epi32(index, VISET1(1)), VISET1(24));
    const __mmask16 beyond = _mm512_cmp_ps_mask(VBITS2F(VISET1(0x40b15cee)), ax, _CMP_LT_OS);
    index = _mm512_mask_mov_epi32(index, beyond, VISET1(23));
    V p = PWL(gelu_coefficient)(5, index);
    for (int degree = 4; degree >= 0; --degree) p = VFMA(p, ax, PWL(gelu_coefficient)(degree, index));
    p = _mm512_xor_ps(p, VAND(x, VSIGN()));
    return VMUL(VMUL(x, VADD(p, VSET1(1.0f))), VSET1(0.5f));
}
#else
static inline PW_TGT V PWL(gelu)(V x) {
    /* gelu = 0.5 x erfc(z), z = -x / sqrt 2 = zh + zl (double-float, so the tail stays accurate) */
    const V ch = VSET1(-0.707106769084930419921875f), cl = VSET1(-1.2101617e-08f);
    V z = VMUL(x, ch);
    V zl = VFMA(x, cl, VFMA(x, ch, VNEG(z)));
    V az = VABS(z);
    V azl = VSEL(VLT(az, VSET1(10.5f)), VSEL(VLT(z, VZERO()), VNEG(zl), zl), VZERO()); /* 0 for inf */
    V q = PWL(erfc_big)(VMAX(VSET1(1.0f), VMIN(VSET1(10.5f), az)), azl);
    V c = VSEL(VGE(z, VZERO()), q, VSUB(VSET1(2.0f), q));
    V small = VFNMA(z, PWL(erf_small)(VMUL(z, z)), VSUB(VSET1(1.0f), z)); /* 1 - erf(z) */
    c = VSEL(VLT(az, VSET1(1.0f)), small, c);
    /* gelu(+inf) is NaN in torch 2.x (and so is gelu(NaN)) */
    return VSEL(VLT(x, VSET1(__builtin_inff())), VMUL(VMUL(x, VSET1(0.5f)), c), VSET1(__builtin_nanf("")));
}

#endif

static inline PW_TGT V PWL(gelu_tanh)(V x) {
    /* 2 sqrt(2/pi) (x + 0.044715 x^3) */
    V u = VMUL(x, VFMA(VMUL(x, x), VSET1(0.0713548162726f), VSET1(1.5957691216057308f)));
    return VMUL(x, PWL(sigmoid)(u));
}

static inline PW_TGT V PWL(silu)(V x) { return VMUL(x, PWL(sigmoid)(x)); }

static inline PW_TGT V PWL(relu)(V x) { return VMAX(VZERO(), x); }

static inline PW_TGT V PWL(hardsigmoid)(V x) {
    V c = VMIN(VSET1(6.0f), VMAX(VZERO(), VADD(x, VSET1(3.0f))));
    return VDIV(c, VSET1(6.0f));
}

static inline PW_TGT V PWL(hardswish)(V x) {
    V c = VMIN(VSET1(6.0f), VMAX(VZERO(), VADD(x, VSET1(3.0f))));
    return VDIV(VMUL(x, c), VSET1(6.0f));
}

/* Elementwise loop over an inline vector function, two vectors per step, masked tail. */
#define PW_UNARY(name)                                                                             \
    PW_TGT void PW_FN(name)(const float *x, float *y, int64_t n) {                                 \
        int64_t i = 0;                                                                             \
        for (; i + 2 * VW <= n; i += 2 * VW) {                                                     \
            V a = PWL(name)(VLOAD(x + i));                                                         \
            V b = PWL(name)(VLOAD(x + i + VW));                                                    \
            VSTORE(y + i, a);                                                                      \
            VSTORE(y + i + VW, b);                                                                 \
        }                                                                                          \
        for (; i + VW <= n; i += VW) VSTORE(y + i, PWL(name)(VLOAD(x + i)));                       \
        if (i < n) VSTOREN(y + i, PWL(name)(VLOADN(x + i, (int)(n - i))), (int)(n - i));           \
    }

PW_UNARY(exp)
PW_UNARY(log)
PW_UNARY(tanh)
PW_UNARY(sigmoid)
PW_UNARY(erf)
PW_UNARY(gelu)
PW_UNARY(gelu_tanh)
PW_UNARY(silu)
PW_UNARY(relu)
PW_UNARY(hardswish)
PW_UNARY(hardsigmoid)

/* The function activations of a GEMM epilogue over a block of rows, in place (the unary kernel inlined;
 * rows that follow each other in memory, such as a column of a matrix-vector product, in one run). */
#define PW_ROWS(name)                                                                              \
    PW_TGT void PW_FN(rows_##name)(float *c, int64_t ldc, int64_t rows, int64_t cols) {            \
        if (ldc == cols || rows == 1) {                                                            \
            PW_FN(name)(c, c, rows * cols);                                                        \
            return;                                                                                \
        }                                                                                          \
        for (int64_t r = 0; r < rows; ++r) PW_FN(name)(c + r * ldc, c + r * ldc, cols);            \
    }
PW_ROWS(silu)
PW_ROWS(sigmoid)
PW_ROWS(hardswish)
PW_ROWS(gelu)
PW_ROWS(gelu_tanh)

static inline PW_TGT V PWL(softplus)(V x, V beta, V thr) {
    const V one = VSET1(1.0f);
    V z = VMUL(x, beta);
    V e = PWL(exp)(VNEG(VABS(z))); /* (0, 1] */
    V u = VADD(one, e);
    V d = VSUB(u, one);
    /* log1p(e) = log(u) * e / (u - 1), exact when u rounds to 1 */
    V lp = VSEL(VEQ(d, VZERO()), e, VMUL(PWL(log_core)(u, VZERO()), VDIV(e, d)));
    V r = VDIV(VADD(VMAX(VZERO(), z), lp), beta);
    return VSEL(VGT(z, thr), x, r);
}

PW_TGT void PW_FN(softplus)(const float *x, float *y, int64_t n, float beta, float threshold) {
    const V b = VSET1(beta), t = VSET1(threshold);
    int64_t i = 0;
    for (; i + VW <= n; i += VW) VSTORE(y + i, PWL(softplus)(VLOAD(x + i), b, t));
    if (i < n) VSTOREN(y + i, PWL(softplus)(VLOADN(x + i, (int)(n - i)), b, t), (int)(n - i));
}

/* One row of softmax / log-softmax; y may be x. */
PW_TGT void PW_FN(softmax_row)(const float *x, float *y, int64_t cols, int logsm) {
    const V ninf = VSET1(-__builtin_inff());
    V m0 = ninf, m1 = ninf;
    int64_t i = 0;
    for (; i + 2 * VW <= cols; i += 2 * VW) {
        m0 = VMAX(m0, VLOAD(x + i));
        m1 = VMAX(m1, VLOAD(x + i + VW));
    }
    for (; i + VW <= cols; i += VW) m0 = VMAX(m0, VLOAD(x + i));
    const int tail = (int)(cols - i);
    if (tail) m1 = VMAX(m1, VLOADNF(x + i, tail, ninf));
    const float mx = VHMAX(VMAX(m0, m1));
    /* A NaN lost by VMAX still reaches the sum below, which makes the whole row NaN (as in torch). */
    const V vm = VSET1(mx);
    V s0 = VZERO(), s1 = VZERO();
    i = 0;
    if (!logsm) {
        for (; i + 2 * VW <= cols; i += 2 * VW) {
            V a = PWL(exp)(VSUB(VLOAD(x + i), vm));
            V b = PWL(exp)(VSUB(VLOAD(x + i + VW), vm));
            VSTORE(y + i, a);
            VSTORE(y + i + VW, b);
            s0 = VADD(s0, a);
            s1 = VADD(s1, b);
        }
        for (; i + VW <= cols; i += VW) {
            V a = PWL(exp)(VSUB(VLOAD(x + i), vm));
            VSTORE(y + i, a);
            s0 = VADD(s0, a);
        }
        if (tail) {
            V a = VSEL(MFIRST(tail), PWL(exp)(VSUB(VLOADN(x + i, tail), vm)), VZERO());
            VSTOREN(y + i, a, tail);
            s1 = VADD(s1, a);
        }
        const V inv = VSET1(1.0f / VHSUM(VADD(s0, s1)));
        for (i = 0; i + VW <= cols; i += VW) VSTORE(y + i, VMUL(VLOAD(y + i), inv));
        if (tail) VSTOREN(y + i, VMUL(VLOADN(y + i, tail), inv), tail);
    } else {
        for (; i + 2 * VW <= cols; i += 2 * VW) {
            s0 = VADD(s0, PWL(exp)(VSUB(VLOAD(x + i), vm)));
            s1 = VADD(s1, PWL(exp)(VSUB(VLOAD(x + i + VW), vm)));
        }
        for (; i + VW <= cols; i += VW) s0 = VADD(s0, PWL(exp)(VSUB(VLOAD(x + i), vm)));
        if (tail) s1 = VADD(s1, VSEL(MFIRST(tail), PWL(exp)(VSUB(VLOADN(x + i, tail), vm)), VZERO()));
        const V s = VSET1(VHSUM(VADD(s0, s1)));
        const V ls = PWL(log)(s);
        for (i = 0; i + VW <= cols; i += VW) VSTORE(y + i, VSUB(VSUB(VLOAD(x + i), vm), ls));
        if (tail) VSTOREN(y + i, VSUB(VSUB(VLOADN(x + i, tail), vm), ls), tail);
    }
}

#undef PW_UNARY
#undef PW_SUFFIX
#undef PW_TGT
#undef V
#undef VI
#undef VM
#undef VW
#undef VSET1
#undef VZERO
#undef VLOAD
#undef VSTORE
#undef VLOADN
#undef VLOADNF
#undef VSTOREN
#undef MFIRST
#undef VADD
#undef VSUB
#undef VMUL
#undef VDIV
#undef VFMA
#undef VFNMA
#undef VMAX
#undef VMIN
#undef VAND
#undef VOR
#undef VANDNOT
#undef VLT
#undef VGE
#undef VGT
#undef VEQ
#undef VISNAN
#undef VSEL
#undef VROUND
#undef VCVTI
#undef VI2F
#undef VBITS2F
#undef VF2BITS
#undef VISET1
#undef VIADD
#undef VISUB
#undef VIAND
#undef VIOR
#undef VISRA
#undef VISLL
#undef VHMAX
#undef VHSUM
#undef VSIGN
#undef VABS
#undef VNEG

#endif /* FLINT_PW_PASS */
