#ifndef FLINT_CONV_DIRECT_H
#define FLINT_CONV_DIRECT_H

#include <stdint.h>

#include "flint_gemm.h" /* flint_activation */

#ifdef __cplusplus
extern "C" {
#endif

/// Direct (non-GEMM) NCHW float32 kernels: depthwise convolution and 2-d pooling.
///
/// All tensors are contiguous NCHW. Each kernel computes the output planes of one batch item `n` for
/// the channel range [c_begin, c_end) only, so a caller splits the work over (n, channel range) with
/// its own thread pool; the kernels create no threads, keep no state and may run concurrently on
/// disjoint ranges. Outputs must not overlap inputs. Sizes are in elements. Variant selection (AVX-512,
/// AVX2+FMA, NEON or scalar) is automatic; FLINT_KERNELS_ISA or flint_conv_direct_force_isa overrides it.

/// Output length of a convolution or pooling window along one dimension (ATen's formula):
/// floor_or_ceil((in + 2 pad - dilation (kernel - 1) - 1) / stride) + 1; with ceil_mode the last window
/// must start inside the input or the left padding (else the size is reduced by one). May be <= 0.
int64_t flint_conv_out_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation,
                            int ceil_mode);

/// Depthwise 2-d convolution (groups == channels, `multiplier` output channels per input channel).
typedef struct flint_dwconv2d_desc {
    int64_t channels;   ///< C (input channels, == groups)
    int64_t multiplier; ///< output channels per input channel; output has C * multiplier channels
    int64_t in_h, in_w;
    int64_t kernel_h, kernel_w;
    int64_t stride_h, stride_w;     ///< >= 1
    int64_t pad_h, pad_w;           ///< >= 0 (zero padding on both sides)
    int64_t dilation_h, dilation_w; ///< >= 1
    flint_activation activation;    ///< applied last: any flint_activation (clamp uses clamp_min, clamp_max)
    float clamp_min, clamp_max;
} flint_dwconv2d_desc;

/// output[n, oc, oh, ow] = act(bias[oc] + sum_{i,j} weight[oc, 0, i, j] *
///                             input[n, oc / multiplier, oh*sh - ph + i*dh, ow*sw - pw + j*dw])
/// (out-of-range input reads as 0) for output channels oc in [oc_begin, oc_end).
/// input: [N, C, in_h, in_w]; weight: [C * multiplier, 1, kernel_h, kernel_w]; bias: [C * multiplier]
/// or NULL; output: [N, C * multiplier, OH, OW] with OH/OW from flint_conv_out_size (ceil_mode 0).
/// `input` and `output` point at element 0 of the whole tensors, `n` selects the batch item.
/// Stride 1 and 2 (any kernel size, dilation or padding) run vectorized along W, with 3x3 and 5x5
/// unrolled; other strides use a scalar loop. Uses a small scratch buffer (the stack, or for very wide
/// rows the calling thread's scratch, which it keeps for the next call; if that cannot be had a slower
/// scalar path is used).
void flint_depthwise_conv2d_f32(const flint_dwconv2d_desc *desc, const float *input, const float *weight,
                                const float *bias, float *output, int64_t n, int64_t oc_begin,
                                int64_t oc_end);

/// 2-d max or average pooling window.
typedef struct flint_pool2d_desc {
    int64_t channels;
    int64_t in_h, in_w;
    int64_t kernel_h, kernel_w;
    int64_t stride_h, stride_w;     ///< >= 1
    int64_t pad_h, pad_w;           ///< >= 0, at most half the kernel (as ATen requires)
    int64_t dilation_h, dilation_w; ///< >= 1 (max pooling only; average pooling ignores them)
    int ceil_mode;                  ///< ATen's ceil_mode (see flint_conv_out_size)
    int count_include_pad;          ///< average: divide by the window clipped to the padded input
    int64_t divisor_override;       ///< average: if > 0, divide every sum by this instead
} flint_pool2d_desc;

/// Max pooling like ATen (NCHW): each output is the max over the window clipped to the input; NaN
/// wins (the last NaN in the window, row-major, if several). If `indices` is not NULL it receives,
/// per output, the flat index ih * in_w + iw of the chosen element within its plane (ATen's
/// indices; ties keep the first, an all -inf window gives its first in-range element).
/// input: [N, C, in_h, in_w]; output and indices: [N, C, OH, OW] with OH/OW =
/// flint_conv_out_size(in, kernel, stride, pad, dilation, ceil_mode). Channels [c_begin, c_end) of
/// batch item n. Without indices, stride 1 and 2 run vectorized, over a ring of padded rows in the
/// stack or, for wide rows, the calling thread's scratch (kept for the next call).
void flint_max_pool2d_f32(const flint_pool2d_desc *desc, const float *input, float *output, int64_t *indices,
                          int64_t n, int64_t c_begin, int64_t c_end);

/// Average pooling like ATen (NCHW): sum over the window clipped to the input, divided by
/// divisor_override if > 0, else by the window size clipped to the padded input (count_include_pad)
/// or to the input (otherwise). Dilation fields are ignored (must be 1). Shapes as for max pooling.
/// The vector path keeps its row ring and a plane of divisors in the calling thread's scratch (reused by
/// the next call, never freed before the thread ends).
void flint_avg_pool2d_f32(const flint_pool2d_desc *desc, const float *input, float *output, int64_t n,
                          int64_t c_begin, int64_t c_end);

/// Adaptive average pooling like ATen: output (oh, ow) averages input rows
/// [floor(oh * in_h / out_h), ceil((oh + 1) * in_h / out_h)) and the same for columns.
/// input: [N, C, in_h, in_w]; output: [N, C, out_h, out_w] (out_h, out_w >= 1).
/// Channels [c_begin, c_end) of batch item n.
void flint_adaptive_avg_pool2d_f32(const float *input, float *output, int64_t channels, int64_t in_h,
                                   int64_t in_w, int64_t out_h, int64_t out_w, int64_t n, int64_t c_begin,
                                   int64_t c_end);

/// Forces the variant of the kernels above: "scalar", "avx2", "avx512", "neon" or "auto". Returns 1 on
/// success, 0 if unknown or unsupported by this CPU (the choice is then kept). For tests/benchmarks.
int flint_conv_direct_force_isa(const char *name);

/// The variant in use by the kernels above.
const char *flint_conv_direct_isa(void);

#ifdef __cplusplus
}
#endif

#endif
