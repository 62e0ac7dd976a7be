/* The AVX-512 kernel set again, with an 8 x 48 micro-tile (three vectors of columns; 24 accumulators, as the
 * 12 x 32 tile has, but 11 loads per 24 multiply-adds instead of 14). On an Intel Xeon (family 6, model 207)
 * it ran BERT-base 5% and resnet50 3% faster than the 12 x 32 tile, and a batch-32 MLP 2-6% slower (whole
 * models, `flint bench`, interleaved); flint_isa.c picks it on Intel CPUs. */

#define FLINT_AVX512_MR 8
#define FLINT_AVX512_NV 3
#define FLINT_AVX512_KERNEL flint__kernel_avx512_8x48
#define FLINT_AVX512_KERNEL_ID FLINT_KERNEL_AVX512_8X48
#include "flint_kernels_avx512.c"
