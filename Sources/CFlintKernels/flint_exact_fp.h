/* Included (once, first thing after the other includes) by the files that reproduce libtorch's float arithmetic
 * operation by operation: floating-point contraction off, so every fused multiply-add is an explicit fmaf and the
 * compiled instruction set changes the speed, never the bits. Not included by any header. */
#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
