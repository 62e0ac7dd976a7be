#ifndef FLINT_IM2COL_H
#define FLINT_IM2COL_H

#include <stdint.h>

#include "flint_gemm.h"

#ifdef __cplusplus
extern "C" {
#endif

/// The geometry of a 2-d convolution's patch matrix (1-d convolutions use height 1).
typedef struct flint_im2col2d_desc {
    int64_t channels; ///< input channels of the group
    int64_t in_h, in_w;
    int64_t out_w;
    int64_t kernel_h, kernel_w;
    int64_t stride_h, stride_w;     ///< >= 1
    int64_t pad_h, pad_w;           ///< >= 0
    int64_t dilation_h, dilation_w; ///< >= 1
} flint_im2col2d_desc;

/// Writes the patches of output rows [oy_begin, oy_begin + rows) of one image into columns
/// [column, column + rows * out_w) of a packed B (`flint_sgemm_pack_b_begin`), so a GEMM with the packed
/// weights multiplies them without another copy. Row (c * kernel_h + ky) * kernel_w + kx of B holds the
/// input under kernel tap (ky, kx) of channel c for each output position, zero in the padding; B's k must
/// be channels * kernel_h * kernel_w. `input` is the image's `channels` planes of in_h x in_w floats,
/// contiguous. Writes only those columns, so threads may fill disjoint column ranges of one B at once.
void flint_im2col2d_packed(const flint_im2col2d_desc *desc, const float *input, int64_t oy_begin, int64_t rows,
                           int64_t column, const flint_packed_b_layout *b);

#ifdef __cplusplus
}
#endif

#endif
