#if !defined(__APPLE__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include "flint_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- per-thread scratch ------------------------------------------------------------------------- */

#define FLINT_SCRATCH_SLOTS 13

typedef struct scratch_set {
    void *ptr[FLINT_SCRATCH_SLOTS];
    size_t cap[FLINT_SCRATCH_SLOTS];
} scratch_set;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *p) {
    scratch_set *s = (scratch_set *)p;
    for (int i = 0; i < FLINT_SCRATCH_SLOTS; ++i) free(s->ptr[i]);
    free(s);
}

static void scratch_init(void) { pthread_key_create(&scratch_key, scratch_free); }

void *flint__scratch(int slot, size_t bytes) {
    pthread_once(&scratch_once, scratch_init);
    scratch_set *s = (scratch_set *)pthread_getspecific(scratch_key);
    if (!s) {
        s = (scratch_set *)calloc(1, sizeof(scratch_set));
        if (!s) return NULL;
        if (pthread_setspecific(scratch_key, s) != 0) {
            free(s);
            return NULL;
        }
    }
    if (s->cap[slot] >= bytes && s->ptr[slot]) return s->ptr[slot];
    size_t cap = bytes + bytes / 4 + 4096;
    cap = (cap + 63) & ~(size_t)63;
    void *p = NULL;
    if (posix_memalign(&p, 64, cap) != 0) return NULL;
    free(s->ptr[slot]);
    s->ptr[slot] = p;
    s->cap[slot] = cap;
    return p;
}

/* ---- epilogue --------------------------------------------------------------------------------- */

void flint__epilogue_tile(const float *acc, int64_t lda, float *c, int64_t ldc, int64_t mr, int64_t nr,
                          const flint_tile_epi *e) {
    const float beta = e->beta;
    const float lo = e->lo, hi = e->hi;
    const float *bcol = (e->flags & FLINT_EPI_BIAS_COL) ? e->bias : NULL;
    for (int64_t i = 0; i < mr; ++i) {
        const float *ar = acc ? acc + i * lda : NULL;
        float *cr = c + i * ldc;
        const float *rr = (e->flags & FLINT_EPI_RESIDUAL) ? e->res + i * e->ldr : NULL;
        const float brow = (e->flags & FLINT_EPI_BIAS_ROW) ? e->bias[i] : 0.0f;
        for (int64_t j = 0; j < nr; ++j) {
            float v = ar ? ar[j] : 0.0f;
            if (beta != 0.0f) v += beta * cr[j];
            v += brow;
            if (bcol) v += bcol[j];
            if (rr) v += rr[j];
            if (e->act) {
                v = v < lo ? lo : v;
                v = v > hi ? hi : v;
            }
            cr[j] = v;
        }
    }
}

/* ---- packing ---------------------------------------------------------------------------------- */

void flint__pack_a_generic(int64_t rows, int64_t kc, const float *a, int64_t rs, int64_t cs, int mr,
                           float *out) {
    for (int64_t i0 = 0; i0 < rows; i0 += mr) {
        int64_t ib = rows - i0 < mr ? rows - i0 : mr;
        const float *ap = a + i0 * rs;
        for (int64_t p = 0; p < kc; ++p) {
            float *o = out + p * mr;
            int64_t i = 0;
            for (; i < ib; ++i) o[i] = ap[i * rs + p * cs];
            for (; i < mr; ++i) o[i] = 0.0f;
        }
        out += (int64_t)mr * kc;
    }
}

void flint__pack_b_generic(int64_t kc, int64_t cols, const float *b, int64_t rs, int64_t cs, int nr,
                           float *out) {
    for (int64_t j0 = 0; j0 < cols; j0 += nr) {
        int64_t jb = cols - j0 < nr ? cols - j0 : nr;
        const float *bp = b + j0 * cs;
        for (int64_t p = 0; p < kc; ++p) {
            float *o = out + p * nr;
            const float *br = bp + p * rs;
            int64_t j = 0;
            if (cs == 1) {
                for (; j < jb; ++j) o[j] = br[j];
            } else {
                for (; j < jb; ++j) o[j] = br[j * cs];
            }
            for (; j < nr; ++j) o[j] = 0.0f;
        }
        out += (int64_t)nr * kc;
    }
}

/* ---- GEMV ------------------------------------------------------------------------------------- */

void flint__gemm_dot_generic(int64_t n, int64_t k, const float *w, int64_t ldw, int nx, const float *x,
                             int64_t ldx, float *y, int64_t ldyx, int64_t ldyw) {
    for (int64_t j = 0; j < n; ++j) {
        const float *wr = w + j * ldw;
        for (int i = 0; i < nx; ++i) {
            const float *xr = x + i * ldx;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int64_t p = 0;
            for (; p + 4 <= k; p += 4) {
                s0 += wr[p] * xr[p];
                s1 += wr[p + 1] * xr[p + 1];
                s2 += wr[p + 2] * xr[p + 2];
                s3 += wr[p + 3] * xr[p + 3];
            }
            for (; p < k; ++p) s0 += wr[p] * xr[p];
            y[i * ldyx + j * ldyw] = (s0 + s1) + (s2 + s3);
        }
    }
}

void flint__gemv_axpy_generic(int64_t n, int64_t k, const float *w, int64_t ldw, const float *x,
                              int64_t incx, float *y) {
    for (int64_t j = 0; j < n; ++j) y[j] = 0.0f;
    for (int64_t p = 0; p < k; ++p) {
        const float xv = x[p * incx];
        const float *wr = w + p * ldw;
        for (int64_t j = 0; j < n; ++j) y[j] += xv * wr[j];
    }
}

void flint__gemv_packed_generic(int64_t kc, int64_t panels, const float *x, const float *pb, int nr,
                                float *y, int accumulate) {
    float acc[FLINT_MAX_NR];
    for (int64_t q = 0; q < panels; ++q) {
        for (int j = 0; j < nr; ++j) acc[j] = 0.0f;
        for (int64_t p = 0; p < kc; ++p) {
            const float xv = x[p];
            const float *br = pb + p * nr;
            for (int j = 0; j < nr; ++j) acc[j] += xv * br[j];
        }
        float *yq = y + q * nr;
        if (accumulate) {
            for (int j = 0; j < nr; ++j) yq[j] += acc[j];
        } else {
            for (int j = 0; j < nr; ++j) yq[j] = acc[j];
        }
        pb += (int64_t)nr * kc;
    }
}

/* ---- scalar micro-kernel: 4 x 8 --------------------------------------------------------------- */

#define SCALAR_MR 4
#define SCALAR_NR 8

static void ukernel_scalar(int64_t kc, const float *pa, const float *pb, float *c, int64_t ldc,
                           const flint_tile_epi *e) {
    float acc[SCALAR_MR * SCALAR_NR];
    for (int i = 0; i < SCALAR_MR * SCALAR_NR; ++i) acc[i] = 0.0f;
    for (int64_t p = 0; p < kc; ++p) {
        for (int i = 0; i < SCALAR_MR; ++i) {
            const float av = pa[i];
            for (int j = 0; j < SCALAR_NR; ++j) acc[i * SCALAR_NR + j] += av * pb[j];
        }
        pa += SCALAR_MR;
        pb += SCALAR_NR;
    }
    flint__epilogue_tile(acc, SCALAR_NR, c, ldc, SCALAR_MR, SCALAR_NR, e);
}

const flint_gemm_kernel flint__kernel_scalar = {
    "scalar", FLINT_KERNEL_SCALAR, SCALAR_MR, SCALAR_NR, 256, 128, 2048,
    ukernel_scalar, NULL, flint__pack_a_generic, flint__pack_b_generic,
    flint__gemm_dot_generic, flint__gemv_axpy_generic, flint__gemv_packed_generic, NULL, NULL, NULL,
};
