/* The AVX-512 kernel set again, with an 8 x 48 micro-tile (three vectors of columns; 24 accumulators, as the
 * 12 x 32 tile has, but 11 loads per 24 multiply-adds instead of 14). On an Intel Xeon (family 6, model 207)
 * it ran BERT-base 5% and resnet50 3% faster than the 12 x 32 tile, and a batch-32 MLP 2-6% slower (whole
 * models, `flint bench`, interleaved), and it is slower on products of few columns (a 1x1 convolution at 7x7:
169 against 182 GFLOP/s). flint_isa.c picks it on every Intel CPU with AVX-512, on the strength of that one
model: measure others with FLINT_KERNELS_ISA=avx512-12x32 against avx512-8x48. */

#define FLINT_AVX512_MR 8
#define FLINT_AVX512_NV 3
#define FLINT_AVX512_KERNEL flint__kernel_avx512_8x48
#define FLINT_AVX512_KERNEL_ID FLINT_KERNEL_AVX512_8X48
#define FLINT_AVX512_KERNEL_NAME "avx512-8x48"
#include "flint_kernels_avx512.c"
