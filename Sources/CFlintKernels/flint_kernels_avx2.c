#include "flint_internal.h"

#if defined(FLINT_X86)

#include <immintrin.h>

/* AVX2 + FMA kernel set: 6 x 16 micro-tile (12 ymm accumulators, 2 for B, 1 broadcast of A). */

#define MR 6
#define NR 16

/* ---- 8 x 8 transpose, shared with the AVX-512 kernel set through the pack functions ----------- */

FLINT_TARGET_AVX2 static inline void transpose8(__m256 r[8]) {
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

/* Packs A; the contiguous-row case (cs == 1) transposes 8 x 8 blocks. Full 8-float stores may write
 * up to 7 floats past a panel row; they land in the next row (rewritten later) or, for the very last
 * row, in the FLINT_PACK_SLACK floats that every packed buffer carries. */
FLINT_TARGET_AVX2 static void pack_a_avx2(int64_t rows, int64_t kc, const float *a, int64_t rs, int64_t cs,
                                          int mr, float *out) {
    if (cs != 1 && rs != 1) {
        flint__pack_a_generic(rows, kc, a, rs, cs, mr, out);
        return;
    }
    for (int64_t i0 = 0; i0 < rows; i0 += mr) {
        int64_t ib = rows - i0 < mr ? rows - i0 : mr;
        const float *ap = a + i0 * rs;
        if (ib < mr) {
            flint__pack_a_generic(ib, kc, ap, rs, cs, mr, out);
        } else if (rs == 1) {
            for (int64_t p = 0; p < kc; ++p) {
                const float *src = ap + p * cs;
                float *o = out + p * mr;
                int i = 0;
                for (; i + 8 <= mr; i += 8) _mm256_storeu_ps(o + i, _mm256_loadu_ps(src + i));
                for (; i < mr; ++i) o[i] = src[i];
            }
        } else {
            int64_t p = 0;
            for (; p + 8 <= kc; p += 8) {
                __m256 r[FLINT_MAX_MR / 8][8];
                for (int g = 0; g < mr; g += 8) {
                    for (int q = 0; q < 8; ++q)
                        r[g / 8][q] = g + q < mr ? _mm256_loadu_ps(ap + (g + q) * rs + p) : _mm256_setzero_ps();
                    transpose8(r[g / 8]);
                }
                for (int q = 0; q < 8; ++q)
                    for (int g = 0; g < mr; g += 8) _mm256_storeu_ps(out + (p + q) * mr + g, r[g / 8][q]);
            }
            for (; p < kc; ++p)
                for (int i = 0; i < mr; ++i) out[p * mr + i] = ap[i * rs + p];
        }
        out += (int64_t)mr * kc;
    }
}

/* Packs B; contiguous rows (cs == 1) are copied, contiguous columns (rs == 1) transposed 8 x 8. */
FLINT_TARGET_AVX2 static void pack_b_avx2(int64_t kc, int64_t cols, const float *b, int64_t rs, int64_t cs,
                                          int nr, float *out) {
    if ((cs != 1 && rs != 1) || (nr & 7) != 0) {
        flint__pack_b_generic(kc, cols, b, rs, cs, nr, out);
        return;
    }
    for (int64_t j0 = 0; j0 < cols; j0 += nr) {
        int64_t jb = cols - j0 < nr ? cols - j0 : nr;
        const float *bp = b + j0 * cs;
        if (jb < nr) {
            flint__pack_b_generic(kc, jb, bp, rs, cs, nr, out);
        } else if (cs == 1) {
            for (int64_t p = 0; p < kc; ++p) {
                const float *src = bp + p * rs;
                float *o = out + p * nr;
                for (int j = 0; j < nr; j += 8) _mm256_storeu_ps(o + j, _mm256_loadu_ps(src + j));
            }
        } else {
            int64_t p = 0;
            for (; p + 8 <= kc; p += 8) {
                for (int g = 0; g < nr; g += 8) {
                    __m256 r[8];
                    for (int q = 0; q < 8; ++q) r[q] = _mm256_loadu_ps(bp + (g + q) * cs + p);
                    transpose8(r);
                    for (int q = 0; q < 8; ++q) _mm256_storeu_ps(out + (p + q) * nr + g, r[q]);
                }
            }
            for (; p < kc; ++p)
                for (int j = 0; j < nr; ++j) out[p * nr + j] = bp[j * cs + p];
        }
        out += (int64_t)nr * kc;
    }
}

/* ---- micro-kernel ------------------------------------------------------------------------------ */

#define FMA_ROW(i, o)                                                                                   \
    do {                                                                                                \
        __m256 av = _mm256_broadcast_ss(pa + (o) * MR + (i));                                           \
        c##i##0 = _mm256_fmadd_ps(av, b0, c##i##0);                                                     \
        c##i##1 = _mm256_fmadd_ps(av, b1, c##i##1);                                                     \
    } while (0)

#define STEP(o)                                                                                         \
    do {                                                                                                \
        __m256 b0 = _mm256_loadu_ps(pb + (o) * NR), b1 = _mm256_loadu_ps(pb + (o) * NR + 8);            \
        FMA_ROW(0, o);                                                                                  \
        FMA_ROW(1, o);                                                                                  \
        FMA_ROW(2, o);                                                                                  \
        FMA_ROW(3, o);                                                                                  \
        FMA_ROW(4, o);                                                                                  \
        FMA_ROW(5, o);                                                                                  \
    } while (0)

#define STORE_ROW(i)                                                                                    \
    do {                                                                                                \
        float *cr = c + (i) * ldc;                                                                      \
        __m256 x0 = c##i##0, x1 = c##i##1;                                                              \
        if (beta != 0.0f) {                                                                             \
            x0 = _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(cr), x0);                                       \
            x1 = _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(cr + 8), x1);                                   \
        }                                                                                               \
        if (flags) {                                                                                    \
            if (flags & FLINT_EPI_BIAS_ROW) {                                                           \
                __m256 bv = _mm256_broadcast_ss(e->bias + (i));                                         \
                x0 = _mm256_add_ps(x0, bv);                                                             \
                x1 = _mm256_add_ps(x1, bv);                                                             \
            }                                                                                           \
            if (flags & FLINT_EPI_BIAS_COL) {                                                           \
                x0 = _mm256_add_ps(x0, bc0);                                                            \
                x1 = _mm256_add_ps(x1, bc1);                                                            \
            }                                                                                           \
            if (flags & FLINT_EPI_RESIDUAL) {                                                           \
                const float *rr = e->res + (i) * e->ldr;                                                \
                x0 = _mm256_add_ps(x0, _mm256_loadu_ps(rr));                                            \
                x1 = _mm256_add_ps(x1, _mm256_loadu_ps(rr + 8));                                        \
            }                                                                                           \
        }                                                                                               \
        if (act) {                                                                                      \
            x0 = _mm256_min_ps(vhi, _mm256_max_ps(vlo, x0));                                            \
            x1 = _mm256_min_ps(vhi, _mm256_max_ps(vlo, x1));                                            \
        }                                                                                               \
        _mm256_storeu_ps(cr, x0);                                                                       \
        _mm256_storeu_ps(cr + 8, x1);                                                                   \
    } while (0)

FLINT_TARGET_AVX2 static void ukernel_avx2(int64_t kc, const float *pa, const float *pb, float *c,
                                           int64_t ldc, const flint_tile_epi *e) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    for (int i = 0; i < MR; ++i) {
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + i * ldc + NR - 1), _MM_HINT_T0);
    }
    int64_t p = 0;
    for (; p + 4 <= kc; p += 4) {
        STEP(0);
        STEP(1);
        STEP(2);
        STEP(3);
        pa += 4 * MR;
        pb += 4 * NR;
    }
    for (; p < kc; ++p) {
        STEP(0);
        pa += MR;
        pb += NR;
    }
    const float beta = e->beta;
    const int flags = e->flags, act = e->act;
    const __m256 vbeta = _mm256_set1_ps(beta);
    const __m256 vlo = _mm256_set1_ps(e->lo), vhi = _mm256_set1_ps(e->hi);
    __m256 bc0 = _mm256_setzero_ps(), bc1 = _mm256_setzero_ps();
    if (flags & FLINT_EPI_BIAS_COL) {
        bc0 = _mm256_loadu_ps(e->bias);
        bc1 = _mm256_loadu_ps(e->bias + 8);
    }
    STORE_ROW(0);
    STORE_ROW(1);
    STORE_ROW(2);
    STORE_ROW(3);
    STORE_ROW(4);
    STORE_ROW(5);
}

/* Partial tiles: rows [0, mr) and columns [0, nr) of C; only the vectors holding valid columns are
 * computed. Masked loads and stores never touch memory outside the tile. */
FLINT_TARGET_AVX2 static inline __attribute__((always_inline)) void
ukernel_edge_body(int64_t kc, const float *pa, const float *pb, float *c, int64_t ldc, int64_t mr,
                  const flint_tile_epi *e, const int nv, const __m256i last) {
    __m256 acc[MR][2];
    _Pragma("GCC unroll 8") for (int i = 0; i < MR; ++i) {
        _Pragma("GCC unroll 2") for (int v = 0; v < nv; ++v) acc[i][v] = _mm256_setzero_ps();
    }
    for (int64_t p = 0; p < kc; ++p) {
        __m256 b[2];
        _Pragma("GCC unroll 2") for (int v = 0; v < nv; ++v) b[v] = _mm256_loadu_ps(pb + 8 * v);
        _Pragma("GCC unroll 8") for (int i = 0; i < MR; ++i) {
            const __m256 av = _mm256_broadcast_ss(pa + i);
            _Pragma("GCC unroll 2") for (int v = 0; v < nv; ++v) acc[i][v] = _mm256_fmadd_ps(av, b[v], acc[i][v]);
        }
        pa += MR;
        pb += NR;
    }
    const float beta = e->beta;
    const int flags = e->flags, act = e->act;
    const __m256 vbeta = _mm256_set1_ps(beta);
    const __m256 vlo = _mm256_set1_ps(e->lo), vhi = _mm256_set1_ps(e->hi);
    const __m256i all = _mm256_set1_epi32(-1);
    __m256 bc[2];
    _Pragma("GCC unroll 2") for (int v = 0; v < nv; ++v) {
        const __m256i mk = v == nv - 1 ? last : all;
        bc[v] = (flags & FLINT_EPI_BIAS_COL) ? _mm256_maskload_ps(e->bias + 8 * v, mk) : _mm256_setzero_ps();
    }
    for (int64_t i = 0; i < mr; ++i) {
        float *cr = c + i * ldc;
        const __m256 br = (flags & FLINT_EPI_BIAS_ROW) ? _mm256_broadcast_ss(e->bias + i) : _mm256_setzero_ps();
        _Pragma("GCC unroll 2") for (int v = 0; v < nv; ++v) {
            const __m256i mk = v == nv - 1 ? last : all;
            __m256 x = acc[i][v];
            if (beta != 0.0f) x = _mm256_fmadd_ps(vbeta, _mm256_maskload_ps(cr + 8 * v, mk), x);
            if (flags) {
                x = _mm256_add_ps(x, _mm256_add_ps(br, bc[v]));
                if (flags & FLINT_EPI_RESIDUAL)
                    x = _mm256_add_ps(x, _mm256_maskload_ps(e->res + i * e->ldr + 8 * v, mk));
            }
            if (act) x = _mm256_min_ps(vhi, _mm256_max_ps(vlo, x));
            _mm256_maskstore_ps(cr + 8 * v, mk, x);
        }
    }
}

FLINT_TARGET_AVX2 static void ukernel_edge_avx2(int64_t kc, const float *pa, const float *pb, float *c,
                                                int64_t ldc, int64_t mr, int64_t nr, const flint_tile_epi *e) {
    const int nv = nr > 8 ? 2 : 1;
    const __m256i last = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(nr - 8 * (nv - 1))),
                                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    if (nv == 1)
        ukernel_edge_body(kc, pa, pb, c, ldc, mr, e, 1, last);
    else
        ukernel_edge_body(kc, pa, pb, c, ldc, mr, e, 2, last);
}

/* ---- GEMV ------------------------------------------------------------------------------------- */

FLINT_TARGET_AVX2 static inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

FLINT_TARGET_AVX2 static void gemv_dot_avx2(int64_t n, int64_t k, const float *w, int64_t ldw,
                                            const float *x, float *y, int64_t incy) {
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) {
        const float *w0 = w + j * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
        __m256 d0 = _mm256_setzero_ps(), d1 = _mm256_setzero_ps();
        __m256 d2 = _mm256_setzero_ps(), d3 = _mm256_setzero_ps();
        int64_t p = 0;
        for (; p + 16 <= k; p += 16) {
            __m256 x0 = _mm256_loadu_ps(x + p), x1 = _mm256_loadu_ps(x + p + 8);
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + p), x0, a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + p), x0, a1);
            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + p), x0, a2);
            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + p), x0, a3);
            d0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + p + 8), x1, d0);
            d1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + p + 8), x1, d1);
            d2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + p + 8), x1, d2);
            d3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + p + 8), x1, d3);
        }
        for (; p + 8 <= k; p += 8) {
            __m256 x0 = _mm256_loadu_ps(x + p);
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + p), x0, a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + p), x0, a1);
            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + p), x0, a2);
            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + p), x0, a3);
        }
        float s0 = hsum8(_mm256_add_ps(a0, d0)), s1 = hsum8(_mm256_add_ps(a1, d1));
        float s2 = hsum8(_mm256_add_ps(a2, d2)), s3 = hsum8(_mm256_add_ps(a3, d3));
        for (; p < k; ++p) {
            s0 += w0[p] * x[p];
            s1 += w1[p] * x[p];
            s2 += w2[p] * x[p];
            s3 += w3[p] * x[p];
        }
        y[j * incy] = s0;
        y[(j + 1) * incy] = s1;
        y[(j + 2) * incy] = s2;
        y[(j + 3) * incy] = s3;
    }
    if (j < n) flint__gemm_dot_generic(n - j, k, w + j * ldw, ldw, 1, x, 0, y + j * incy, 0, incy);
}

/* NW rows of w against NX rows of x: NW * NX accumulators. NW and NX are constants after inlining. */
FLINT_TARGET_AVX2 static inline __attribute__((always_inline)) void
dot_block_avx2(int64_t k, const float *w, int64_t ldw, const int nw, const float *x, int64_t ldx, const int nx,
               float *y, int64_t ldyx, int64_t ldyw) {
    __m256 acc[4][FLINT_DOT_MAX_NX];
    _Pragma("GCC unroll 4") for (int r = 0; r < nw; ++r) {
        _Pragma("GCC unroll 4") for (int i = 0; i < nx; ++i) acc[r][i] = _mm256_setzero_ps();
    }
    const int64_t kv = k & ~(int64_t)7;
    for (int64_t p = 0; p < kv; p += 8) {
        __m256 xv[FLINT_DOT_MAX_NX];
        _Pragma("GCC unroll 4") for (int i = 0; i < nx; ++i) xv[i] = _mm256_loadu_ps(x + i * ldx + p);
        _Pragma("GCC unroll 4") for (int r = 0; r < nw; ++r) {
            const __m256 wv = _mm256_loadu_ps(w + r * ldw + p);
            _Pragma("GCC unroll 4") for (int i = 0; i < nx; ++i) acc[r][i] = _mm256_fmadd_ps(wv, xv[i], acc[r][i]);
        }
    }
    if (kv < k) {
        const __m256i mk = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(k - kv)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        __m256 xv[FLINT_DOT_MAX_NX];
        _Pragma("GCC unroll 4") for (int i = 0; i < nx; ++i) xv[i] = _mm256_maskload_ps(x + i * ldx + kv, mk);
        _Pragma("GCC unroll 4") for (int r = 0; r < nw; ++r) {
            const __m256 wv = _mm256_maskload_ps(w + r * ldw + kv, mk);
            _Pragma("GCC unroll 4") for (int i = 0; i < nx; ++i) acc[r][i] = _mm256_fmadd_ps(wv, xv[i], acc[r][i]);
        }
    }
    _Pragma("GCC unroll 4") for (int r = 0; r < nw; ++r) {
        _Pragma("GCC unroll 4") for (int i = 0; i < nx; ++i) y[i * ldyx + r * ldyw] = hsum8(acc[r][i]);
    }
}

#define DOT_ROWS_AVX2(NW, NX)                                                                           \
    do {                                                                                                \
        int64_t j = 0;                                                                                  \
        for (; j + (NW) <= n; j += (NW))                                                                \
            dot_block_avx2(k, w + j * ldw, ldw, (NW), x, ldx, (NX), y + j * ldyw, ldyx, ldyw);          \
        for (; j < n; ++j) dot_block_avx2(k, w + j * ldw, ldw, 1, x, ldx, (NX), y + j * ldyw, ldyx, ldyw); \
    } while (0)

FLINT_TARGET_AVX2 static void gemm_dot_avx2(int64_t n, int64_t k, const float *w, int64_t ldw, int nx,
                                            const float *x, int64_t ldx, float *y, int64_t ldyx, int64_t ldyw) {
    switch (nx) {
    case 1:
        gemv_dot_avx2(n, k, w, ldw, x, y, ldyw);
        break;
    case 2:
        DOT_ROWS_AVX2(4, 2);
        break;
    case 3:
        DOT_ROWS_AVX2(3, 3);
        break;
    default:
        DOT_ROWS_AVX2(2, 4);
        break;
    }
}

/* y = x^T W over contiguous rows of W, four rows per pass so y moves through L1 once per four rows. */
FLINT_TARGET_AVX2 static void gemv_axpy_avx2(int64_t n, int64_t k, const float *w, int64_t ldw,
                                             const float *x, int64_t incx, float *y) {
    const int64_t block = 4096;
    for (int64_t j0 = 0; j0 < n; j0 += block) {
        int64_t nb = n - j0 < block ? n - j0 : block;
        float *yb = y + j0;
        int64_t nv = nb & ~(int64_t)7;
        for (int64_t j = 0; j < nb; ++j) yb[j] = 0.0f;
        int64_t p = 0;
        for (; p + 4 <= k; p += 4) {
            const float *w0 = w + p * ldw + j0, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
            const float s0 = x[p * incx], s1 = x[(p + 1) * incx], s2 = x[(p + 2) * incx], s3 = x[(p + 3) * incx];
            const __m256 x0 = _mm256_set1_ps(s0), x1 = _mm256_set1_ps(s1);
            const __m256 x2 = _mm256_set1_ps(s2), x3 = _mm256_set1_ps(s3);
            int64_t j = 0;
            for (; j < nv; j += 8) {
                __m256 v = _mm256_loadu_ps(yb + j);
                v = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w0 + j), v);
                v = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w1 + j), v);
                v = _mm256_fmadd_ps(x2, _mm256_loadu_ps(w2 + j), v);
                v = _mm256_fmadd_ps(x3, _mm256_loadu_ps(w3 + j), v);
                _mm256_storeu_ps(yb + j, v);
            }
            for (; j < nb; ++j) yb[j] += s0 * w0[j] + s1 * w1[j] + s2 * w2[j] + s3 * w3[j];
        }
        for (; p < k; ++p) {
            const float *w0 = w + p * ldw + j0;
            const float s0 = x[p * incx];
            const __m256 x0 = _mm256_set1_ps(s0);
            int64_t j = 0;
            for (; j < nv; j += 8)
                _mm256_storeu_ps(yb + j, _mm256_fmadd_ps(x0, _mm256_loadu_ps(w0 + j), _mm256_loadu_ps(yb + j)));
            for (; j < nb; ++j) yb[j] += s0 * w0[j];
        }
    }
}

FLINT_TARGET_AVX2 static void gemv_packed_avx2(int64_t kc, int64_t panels, const float *x, const float *pb,
                                               int nr, float *y, int accumulate) {
    if (nr != 16) {
        flint__gemv_packed_generic(kc, panels, x, pb, nr, y, accumulate);
        return;
    }
    for (int64_t q = 0; q < panels; ++q) {
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
        __m256 c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps();
        __m256 d0 = _mm256_setzero_ps(), d1 = _mm256_setzero_ps();
        const float *bp = pb + q * 16 * kc;
        int64_t p = 0;
        for (; p + 4 <= kc; p += 4, bp += 64) {
            __m256 x0 = _mm256_broadcast_ss(x + p), x1 = _mm256_broadcast_ss(x + p + 1);
            __m256 x2 = _mm256_broadcast_ss(x + p + 2), x3 = _mm256_broadcast_ss(x + p + 3);
            a0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(bp), a0);
            a1 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(bp + 8), a1);
            b0 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(bp + 16), b0);
            b1 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(bp + 24), b1);
            c0 = _mm256_fmadd_ps(x2, _mm256_loadu_ps(bp + 32), c0);
            c1 = _mm256_fmadd_ps(x2, _mm256_loadu_ps(bp + 40), c1);
            d0 = _mm256_fmadd_ps(x3, _mm256_loadu_ps(bp + 48), d0);
            d1 = _mm256_fmadd_ps(x3, _mm256_loadu_ps(bp + 56), d1);
        }
        for (; p < kc; ++p, bp += 16) {
            __m256 x0 = _mm256_broadcast_ss(x + p);
            a0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(bp), a0);
            a1 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(bp + 8), a1);
        }
        a0 = _mm256_add_ps(_mm256_add_ps(a0, b0), _mm256_add_ps(c0, d0));
        a1 = _mm256_add_ps(_mm256_add_ps(a1, b1), _mm256_add_ps(c1, d1));
        float *yq = y + q * 16;
        if (accumulate) {
            a0 = _mm256_add_ps(a0, _mm256_loadu_ps(yq));
            a1 = _mm256_add_ps(a1, _mm256_loadu_ps(yq + 8));
        }
        _mm256_storeu_ps(yq, a0);
        _mm256_storeu_ps(yq + 8, a1);
    }
}

/* Shared with the AVX-512 kernel set. */
void flint__pack_a_avx2(int64_t rows, int64_t kc, const float *a, int64_t rs, int64_t cs, int mr, float *out);
void flint__pack_b_avx2(int64_t kc, int64_t cols, const float *b, int64_t rs, int64_t cs, int nr, float *out);
void flint__pack_a_avx2(int64_t rows, int64_t kc, const float *a, int64_t rs, int64_t cs, int mr, float *out) {
    pack_a_avx2(rows, kc, a, rs, cs, mr, out);
}
void flint__pack_b_avx2(int64_t kc, int64_t cols, const float *b, int64_t rs, int64_t cs, int nr, float *out) {
    pack_b_avx2(kc, cols, b, rs, cs, nr, out);
}

const flint_gemm_kernel flint__kernel_avx2 = {
    "avx2", FLINT_KERNEL_AVX2, MR, NR, 256, 144, 4080,
    ukernel_avx2, ukernel_edge_avx2, pack_a_avx2, pack_b_avx2, gemm_dot_avx2, gemv_axpy_avx2, gemv_packed_avx2, NULL, NULL, NULL,
};

#else
typedef int flint_kernels_avx2_unused;
#endif
