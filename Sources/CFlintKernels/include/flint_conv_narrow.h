#ifndef FLINT_CONV_NARROW_H
#define FLINT_CONV_NARROW_H

#include <stdint.h>

#include "flint_gemm.h"
#include "flint_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/// A 2-d convolution over few input channels (a network's stem: 3 channels under a 3x3 or 7x7 kernel),
/// computed directly instead of as a GEMM over gathered patches. Its patch (channels x kernel taps) is too
/// short for the GEMM to amortise the gather and its tile stores; here each input vector (16 output
/// positions of one tap) is multiplied by 16 output channels' weights at once, nothing is gathered, and
/// each output sums its taps in the GEMM's order with the GEMM's epilogue, so the result is bit-identical
/// to the GEMM path's.
typedef struct flint_conv2d_narrow_desc {
    int64_t images;
    int64_t in_channels, in_h, in_w;
    int64_t out_channels;
    int64_t kernel_h, kernel_w;
    int64_t stride;       ///< the same both ways: 1 or 2
    int64_t pad_h, pad_w; ///< >= 0
    int64_t residual_image_stride; ///< elements between images of the epilogue's residual
} flint_conv2d_narrow_desc;

/// 1 if this CPU (AVX-512) and geometry run here: stride 1 or 2, at most 4 input channels and 160 taps
/// (channels x kernel), output rows of at least 16; 0 otherwise (then the GEMM path runs).
int flint_conv2d_narrow_supported(const flint_conv2d_narrow_desc *desc);

/// output[n][o][y][x] = epilogue(sum over c, ky, kx of weight[o][c][ky][kx] *
/// input[n][c][y * stride - pad_h + ky][x * stride - pad_w + kx]), zero outside the input; dilation 1, no
/// groups. `input`, `weight` and `output` are contiguous NCHW / OIHW. The epilogue's bias is per output
/// channel (FLINT_BIAS_PER_ROW), its residual laid out as one image's output (`residual_row_stride` elements
/// between channels, `desc->residual_image_stride` between images), beta 0. Returns 0, or -1 (nothing written)
/// for a geometry or epilogue it does not take or a failed scratch allocation.
int flint_conv2d_narrow(flint_pool *pool, const flint_conv2d_narrow_desc *desc, const float *weight, const float *input,
                        float *output, const flint_gemm_epilogue *epilogue);

#ifdef __cplusplus
}
#endif

#endif
