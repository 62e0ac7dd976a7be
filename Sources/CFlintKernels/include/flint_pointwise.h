#ifndef FLINT_POINTWISE_H
#define FLINT_POINTWISE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Vectorized float32 pointwise math and fused row operations.
///
/// Every unary function below reads `x[0 ..< n]` and writes `y[0 ..< n]` (contiguous, any alignment).
/// `y` may be exactly `x` (in place); any other overlap is undefined. `n <= 0` does nothing. The
/// functions keep no state, so a caller may split one array into chunks and run them on several
/// threads at once.
///
/// Accuracy: max error over every float32 input (exhaustive run of Tools/kernel-bench/test_pointwise.c
/// `all` against double-precision libm, AVX2 and AVX-512 alike; NEON checked on a sparser sweep under
/// qemu, within the same limits): exp 1.01 ulp, log 0.83, tanh 1.51, sigmoid 2.40, erf 1.42,
/// gelu 6.95 (rel. 4e-7; AVX-512: libtorch's, abs. 1.2e-6, see flint_gelu_f32), gelu_tanh 3.37, silu 3.19, softplus 2.81,
/// hardswish / hardsigmoid 0.5 (same float operation order as torch), relu exact. (gelu_tanh is
/// measured from its float-rounded tanh argument, as torch computes it; composite results below 1e-37
/// are compared absolutely.) NaN in gives NaN out; exp(-inf) = 0, exp(inf) = inf,
/// log(+-0) = -inf, log(x < 0) = NaN, log(inf) = inf, tanh(+-inf) = +-1, sigmoid(-inf) = 0.
/// The scalar fallback uses the platform libm (expf, logf, tanhf, erff, log1pf; double erfc for gelu).
///
/// The vector variant (AVX-512, AVX2+FMA, NEON, or scalar) is picked once on first use from the CPU;
/// the environment variable FLINT_KERNELS_ISA=scalar|avx2|avx512|neon overrides it, as does
/// flint_pointwise_force_isa.

/// y = e^x.
void flint_exp_f32(const float *x, float *y, int64_t n);
/// y = ln(x): -inf for +-0, NaN for x < 0, denormal inputs handled exactly.
void flint_log_f32(const float *x, float *y, int64_t n);
/// y = tanh(x).
void flint_tanh_f32(const float *x, float *y, int64_t n);
/// y = 1 / (1 + e^-x), computed as e^x / (1 + e^x) for x < 0 so tiny results keep full precision.
void flint_sigmoid_f32(const float *x, float *y, int64_t n);
/// y = erf(x).
void flint_erf_f32(const float *x, float *y, int64_t n);
/// y = 0.5 x (1 + erf(x / sqrt 2)) (torch's GELU, approximate='none'). The AVX-512 variant computes what
/// libtorch computes on AVX-512 CPUs for a contiguous float32 tensor of more than one element, bit for bit:
/// oneDNN's piecewise minimax polynomials (absolute error up to 1.2e-6, so little relative precision in the far
/// negative tail). (libtorch sends one element or a non-contiguous tensor to ATen's own erf-based kernel.) The other variants evaluate
/// 0.5 x erfc(-x / sqrt 2), so the negative tail keeps relative precision (accuracy figures above).
/// gelu(-inf) and gelu(+inf) are NaN, as in torch 2.x.
void flint_gelu_f32(const float *x, float *y, int64_t n);
/// y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (torch's GELU, approximate='tanh'), evaluated as
/// x * sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3)), which is the same function without the cancellation.
void flint_gelu_tanh_f32(const float *x, float *y, int64_t n);
/// y = x * sigmoid(x) (SiLU / swish). silu(-inf) = NaN, like torch.
void flint_silu_f32(const float *x, float *y, int64_t n);
/// y = max(x, 0); NaN stays NaN, -0 stays -0 (like torch.relu).
void flint_relu_f32(const float *x, float *y, int64_t n);
/// σ(x) with the float operations of ATen's sigmoid kernel on one contiguous run of its iteration, so the results
/// are libtorch's bit for bit: blocks of two vectors (2 · vector_lanes elements: 32 where ATen runs its AVX-512
/// build, 16 for AVX2) as 1 / (exp(-x) + 1) with Sleef's expf (ATen's vector exp), the rest as 1 / (1 + expf(-x))
/// (libm). 0 for x below about -88.7 (where exp(-x) overflows), as in libtorch. Scalar code.
void flint_sigmoid_libtorch_f32(const float *x, float *y, int64_t n, int vector_lanes);
/// tanh(x) rounded once from double: the correctly rounded value, which libtorch's MKL (vmsTanh, high-accuracy
/// mode) returns for all but about 0.1% of inputs (it is within one ulp of it there). Scalar code.
void flint_tanh_libtorch_f32(const float *x, float *y, int64_t n);
/// Elementwise float32 arithmetic over one run: y[i] = a[i * sa] OP b[i * sb] with sa, sb in {0, 1} (0 holds an
/// operand constant over the run: a broadcast). OP: 0 add, 1 sub, 2 mul, 3 div (IEEE, as Swift's operators).
void flint_binary_f32(int op, const float *a, int64_t sa, const float *b, int64_t sb, float *y, int64_t n);
/// In place: y[i] = clamp(y[i] + (residual ? residual[i] : 0), lo, hi); NaN stays NaN. Pass -inf/inf bounds
/// for no clamp. (The epilogue of a convolution whose kernel could not fuse it.)
void flint_residual_clamp_f32(float *y, const float *residual, int64_t n, float lo, float hi);
/// y = x * min(max(x + 3, 0), 6) / 6 (torch's hardswish, same operation order); NaN propagates.
void flint_hardswish_f32(const float *x, float *y, int64_t n);
/// y = min(max(x + 3, 0), 6) / 6 (torch's hardsigmoid); NaN propagates.
void flint_hardsigmoid_f32(const float *x, float *y, int64_t n);
/// torch's softplus: y = x where x * beta > threshold, else log(1 + e^(x * beta)) / beta. The
/// logarithm is evaluated as max(z, 0) + log1p(e^-|z|) (z = x * beta), so it never overflows.
void flint_softplus_f32(const float *x, float *y, int64_t n, float beta, float threshold);

/// Softmax (log == 0) or log-softmax (log != 0) of each row along its contiguous last dimension.
///
/// Row r is `x[r * x_row_stride + j]`, j < cols, and its result goes to `y[r * y_row_stride + j]`
/// (strides in elements). Numerically stable (the row maximum is subtracted first). As in torch, a
/// NaN anywhere in a row, a row of all -inf, or a +inf in a row makes the whole output row NaN.
/// `y` may be exactly `x` with the same stride (in place); any other overlap is undefined.
/// rows <= 0 or cols <= 0 does nothing.
void flint_softmax_rows(const float *x, float *y, int64_t rows, int64_t cols, int64_t x_row_stride,
                        int64_t y_row_stride, int log);

/// Layer normalization of each row over its `cols` contiguous elements, with libtorch's arithmetic on CPU:
///
///     mean, var = ATen's RowwiseMoments (Welford over 8 float lanes, chunks merged pairwise; biased)
///     rstd = 1 / sqrt(var + eps);  y[j] = fma((x[j] - mean) * rstd, weight[j], bias[j])
///     (without a weight: y[j] = fma(x[j] - mean, rstd, bias[j]), as ATen's compiled scalar loop)
///
/// The float operations and their order are ATen's (flint_layer_norm.c), so the output, mean and rstd are
/// bit-identical to torch.nn.functional.layer_norm on the same input on x86 (where libtorch computes layer
/// norm with its AVX2 kernel, AVX-512 machines included); elsewhere libtorch's vector width may differ.
///
/// Rows and strides are as in flint_softmax_rows. `weight` and `bias` (each `cols` elements) may be
/// NULL (then 1 and 0). If `mean_out` / `rstd_out` are not NULL, row r's mean and rstd are stored at
/// index r. y may be exactly x with the same stride. cols <= 0 writes no y, mean 0 and rstd 1/sqrt(eps).
void flint_layer_norm_rows(const float *x, float *y, int64_t rows, int64_t cols, int64_t x_row_stride,
                           int64_t y_row_stride, const float *weight, const float *bias, float eps,
                           float *mean_out, float *rstd_out);

/// Forces the variant used by the functions above: "scalar", "avx2", "avx512", "neon", or "auto"
/// (back to the CPU's best). Returns 1 on success, 0 if the name is unknown or the CPU cannot run it
/// (the current choice is then kept). Not thread-safe against concurrent calls of the kernels; meant
/// for tests and benchmarks.
int flint_pointwise_force_isa(const char *name);

/// The name of the variant in use ("scalar", "avx2", "avx512" or "neon").
const char *flint_pointwise_isa(void);

#ifdef __cplusplus
}
#endif

#endif
