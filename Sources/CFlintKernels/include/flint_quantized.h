#ifndef FLINT_QUANTIZED_H
#define FLINT_QUANTIZED_H

/* Elementwise and data-movement kernels for quantized tensors: quantization of float32 values, the range a
 * dynamic quantization measures, integer max pooling and the patch gather of quantized convolutions. The
 * integer GEMM is in flint_qgemm.h. */

#include <stdint.h>

#include "flint_conv_direct.h"
#include "flint_im2col.h"

#ifdef __cplusplus
extern "C" {
#endif

/// The storage type `flint_quantize_f32` writes.
enum { FLINT_QUANT_UINT8 = 0, FLINT_QUANT_INT8 = 1, FLINT_QUANT_INT32 = 2 };

/// ATen's vectorized quantization of `n` float32 values: `s = x * inverse_scale` (NaN, and values above
/// 2147483520, become 2147483520), then `nearbyint(s) + zero_point` clamped to [low, high], stored as the
/// integer type `kind` names. `high` must not exceed 2147483520.
void flint_quantize_f32(const float *x, int64_t n, float inverse_scale, float zero_point, float low, float high,
                        void *out, int kind);

/// The smallest and largest of `n` float32 values, NaN ignored; +inf and -inf when there are none.
void flint_minmax_f32(const float *x, int64_t n, float *minimum, float *maximum);

/// Max pooling of 8-bit integers laid out channels-last ([N, H, W, C], channels contiguous), unsigned or
/// (`is_signed`) signed: each output is the largest value in its window clipped to the input. Output is
/// [N, OH, OW, C] with OH, OW = flint_conv_out_size(...); writes output rows [row_begin, row_end) of the
/// N * OH rows. Dilation and ceil_mode as in desc; count_include_pad and divisor_override are ignored.
void flint_max_pool2d_q8_nhwc(const flint_pool2d_desc *desc, const uint8_t *input, uint8_t *output,
                              int64_t row_begin, int64_t row_end, int is_signed);

/// One channels-first image of 8-bit values (`channels` planes of `plane` bytes) rewritten channels-last
/// (`plane` pixels of `channels` bytes).
void flint_nchw_to_nhwc_u8(int64_t channels, int64_t plane, const uint8_t *input, uint8_t *output);

/// The patch matrix of a quantized convolution over one channels-last image, for output pixels
/// [pixel_begin, pixel_begin + pixel_count) in row-major order (out_w pixels per output row): patch row i (pixel
/// pixel_begin + i) holds, for each kernel tap (ky, kx) in row-major order, the desc->channels bytes of that input
/// pixel (from `input + (iy * in_w + ix) * pixel_stride`), or `pad` in the padding; it starts at
/// `patches + i * depth`, depth = kernel_h * kernel_w * channels.
void flint_im2col_u8_nhwc(const flint_im2col2d_desc *desc, const uint8_t *input, int64_t pixel_stride, uint8_t pad,
                          int64_t pixel_begin, int64_t pixel_count, uint8_t *patches);

/// A depthwise quantized convolution over one channels-last uint8 image (`input`: in_h x in_w pixels of
/// desc->channels bytes): for output row oy in [oy_begin, oy_end) and each pixel, per channel c,
/// `acc = Σ (x - activation_zero_point) · taps[(ky * kernel_w + kx) * channels + c]` over the taps, the padding
/// reading the zero point. With `saturate_pairs`, as fbgemm's depthwise kernel computes it (`vpmaddubsw`): the
/// taps in row-major order are taken in pairs (0, 1), (2, 3), ..., each pair's `x · w` products summed in 16 bits
/// with saturation, the pair sums added in 32 bits, then `activation_zero_point · Σ w` subtracted (x is the raw
/// activation there, and `taps` must be the raw weights: zero weight zero points). Then requantized as fbgemm's
/// `ReQuantizeOutput` with a float bias (as `flint_qgemm_u8s8`'s FLINT_QGEMM_UINT8):
/// `clamp(nearbyint((acc + offset[c]) · multiplier[c]) + zero_point, low, 255)`. Output pixel (oy, ox) is written
/// at `output + (oy * out_w + ox) * channels`. desc->out_w gives the output width.
void flint_qdepthwise_u8_nhwc(const flint_im2col2d_desc *desc, const uint8_t *input, int32_t activation_zero_point,
                              const int32_t *taps, int saturate_pairs, const float *offset, const float *multiplier,
                              float zero_point, float low, uint8_t *output, int64_t oy_begin, int64_t oy_end);

#ifdef __cplusplus
}
#endif

#endif
