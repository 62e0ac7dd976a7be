#include "flint_internal.h"

#if defined(__aarch64__)

#include <arm_neon.h>

/* AArch64 NEON kernel set: 8 x 8 micro-tile in 16 q-register accumulators. NEON is part of the
 * AArch64 baseline, so no target attribute or run-time check is needed. Packing and GEMV use the
 * portable C versions, which compilers vectorise for NEON. */

#define MR 8
#define NR 8

static void ukernel_neon(int64_t kc, const float *pa, const float *pb, float *c, int64_t ldc,
                         const flint_tile_epi *e) {
    float32x4_t acc[MR][2];
    for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = vdupq_n_f32(0.0f);
    for (int64_t p = 0; p < kc; ++p) {
        const float32x4_t b0 = vld1q_f32(pb), b1 = vld1q_f32(pb + 4);
        const float32x4_t a0 = vld1q_f32(pa), a1 = vld1q_f32(pa + 4);
        acc[0][0] = vfmaq_laneq_f32(acc[0][0], b0, a0, 0);
        acc[0][1] = vfmaq_laneq_f32(acc[0][1], b1, a0, 0);
        acc[1][0] = vfmaq_laneq_f32(acc[1][0], b0, a0, 1);
        acc[1][1] = vfmaq_laneq_f32(acc[1][1], b1, a0, 1);
        acc[2][0] = vfmaq_laneq_f32(acc[2][0], b0, a0, 2);
        acc[2][1] = vfmaq_laneq_f32(acc[2][1], b1, a0, 2);
        acc[3][0] = vfmaq_laneq_f32(acc[3][0], b0, a0, 3);
        acc[3][1] = vfmaq_laneq_f32(acc[3][1], b1, a0, 3);
        acc[4][0] = vfmaq_laneq_f32(acc[4][0], b0, a1, 0);
        acc[4][1] = vfmaq_laneq_f32(acc[4][1], b1, a1, 0);
        acc[5][0] = vfmaq_laneq_f32(acc[5][0], b0, a1, 1);
        acc[5][1] = vfmaq_laneq_f32(acc[5][1], b1, a1, 1);
        acc[6][0] = vfmaq_laneq_f32(acc[6][0], b0, a1, 2);
        acc[6][1] = vfmaq_laneq_f32(acc[6][1], b1, a1, 2);
        acc[7][0] = vfmaq_laneq_f32(acc[7][0], b0, a1, 3);
        acc[7][1] = vfmaq_laneq_f32(acc[7][1], b1, a1, 3);
        pa += MR;
        pb += NR;
    }
    float tile[MR * NR];
    for (int i = 0; i < MR; ++i) {
        vst1q_f32(tile + i * NR, acc[i][0]);
        vst1q_f32(tile + i * NR + 4, acc[i][1]);
    }
    flint__epilogue_tile(tile, NR, c, ldc, MR, NR, e);
}

const flint_gemm_kernel flint__kernel_neon = {
    "neon", FLINT_KERNEL_NEON, MR, NR, 256, 128, 4096,
    ukernel_neon, NULL, flint__pack_a_generic, flint__pack_b_generic,
    flint__gemm_dot_generic, flint__gemv_axpy_generic, flint__gemv_packed_generic, NULL, NULL, NULL,
};

#else
typedef int flint_kernels_neon_unused;
#endif
