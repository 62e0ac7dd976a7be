#ifndef FLINT_WINOGRAD_H
#define FLINT_WINOGRAD_H

#include <stddef.h>
#include <stdint.h>

#include "flint_gemm.h"
#include "flint_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Winograd F(2x2, 3x3) for float32 convolutions with a 3x3 kernel, stride 1, dilation 1 and one group.
///
/// Each 2x2 block of output positions (a "tile") is computed from the 4x4 input block under it with 16
/// multiplications per (output channel, input channel) instead of 36: the input block is transformed
/// (V = B^T d B), multiplied element by element with the transformed weight (U = G g G^T) and summed over
/// input channels -- for each of the 16 elements one GEMM [out_channels x in_channels] x [in_channels x
/// tiles] -- and transformed back (Y = A^T M A). The transforms use only additions, subtractions and
/// halving, so results differ from a direct convolution by ordinary float32 rounding (a few ulps of the
/// sums), not by approximation. With the pre-packed U the products run on the GEMM micro-kernels.

/// The geometry of one call: `images` [in_channels, in_h, in_w] images to [out_channels, out_h, out_w] ones
/// with out_h = in_h + 2 pad_h - 2 and out_w = in_w + 2 pad_w - 2. The tiles of all images are the columns
/// of the same 16 GEMMs, so a batch of small images (a late layer's 4x4 or 8x8 planes) still gives the
/// micro-kernel full tiles.
typedef struct flint_winograd3x3_desc {
    int64_t in_channels, out_channels;
    int64_t in_h, in_w;
    int64_t pad_h, pad_w;          ///< >= 0, zero padding on both sides
    int64_t images;                ///< images in the batch; 0 reads as 1
    int64_t residual_image_stride; ///< elements between the images of the epilogue's residual
} flint_winograd3x3_desc;

/// Whether `flint_winograd3x3_conv2d` takes this geometry: positive channel counts, pad <= 2 (so
/// every tile touches the image), an output of at least 1x1 and at most 8192 columns.
int flint_winograd3x3_supported(const flint_winograd3x3_desc *desc);

/// Bytes `flint_winograd3x3_pack_weights` needs for an [out_channels, in_channels, 3, 3] weight: the 16
/// transformed [out_channels x in_channels] matrices, each packed like `flint_sgemm_pack_a`.
size_t flint_winograd3x3_weights_size(int64_t out_channels, int64_t in_channels);

/// Transforms and packs a contiguous [out_channels, in_channels, 3, 3] float32 weight into `packed`
/// (`flint_winograd3x3_weights_size` bytes, 64-byte aligned). Like `flint_sgemm_pack_a`, the packed form is
/// private to this process and immutable afterwards. Returns 0, or -1 when scratch memory is unavailable.
int flint_winograd3x3_pack_weights(int64_t out_channels, int64_t in_channels, const float *weight, void *packed);

/// As `flint_winograd3x3_pack_weights` for the weight with output channel o scaled by `out_scale[o]` (each
/// element rounded to float as `(float)((double)w * out_scale[o])`, then transformed), without making that
/// weight: how a batch norm folded into a convolution reaches its packed form. `out_scale` NULL: unscaled.
int flint_winograd3x3_pack_scaled_weights(int64_t out_channels, int64_t in_channels, const float *weight,
                                          const double *out_scale, void *packed);

/// Every image n: output[n, o, y, x] = act(bias[o] + residual[n, o, y, x] + sum_{c, i, j} weight[o, c, i, j] *
/// input[n, c, y - pad_h + i, x - pad_w + j]) (input outside the image reads as 0), for contiguous `input`
/// [images, in_channels, in_h, in_w] and contiguous `output` [images, out_channels, out_h, out_w].
/// `epilogue`: NULL, or beta 0, bias FLINT_BIAS_NONE or FLINT_BIAS_PER_ROW (one per output channel), a
/// residual laid out as [images, out_channels, out_h * out_w] with the desc's `residual_image_stride` between
/// images and `residual_row_stride` between channels, not overlapping the output unless it is the output
/// itself, and the activation. Runs on `pool` (NULL: the
/// calling thread). Uses the calling thread's scratch (about 64 x (in + out channels) x tiles bytes).
/// Returns 0, or -1 (nothing written) when the geometry is not supported, the epilogue asks for beta != 0
/// or a per-column bias, or scratch memory is unavailable.
int flint_winograd3x3_conv2d(flint_pool *pool, const flint_winograd3x3_desc *desc, const void *packed_weights,
                             const float *input, float *output, const flint_gemm_epilogue *epilogue);

#ifdef __cplusplus
}
#endif

#endif
