#ifndef FLINT_ATTENTION_H
#define FLINT_ATTENTION_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// How the scores of flint_flash_attention_f32 are masked: `kind` 0 none, 1 a float added to the scaled
/// score, 2 a boolean (uint8) that keeps the score where nonzero and makes it -inf elsewhere. The mask element
/// of query i and key j is `data[i * row_stride + j * column_stride]` (strides in elements, 0 to broadcast).
typedef struct flint_attention_mask {
    int kind;
    const void *data;
    int64_t row_stride;
    int64_t column_stride;
} flint_attention_mask;

/// Where libtorch would compute a head, which decides MKL's order in small blocks (the alignment of libtorch's
/// per-thread buffer): the head's index among the batch's heads (batch-major, query heads), their count, and
/// libtorch's intra-op thread count (`torch.get_num_threads()`).
typedef struct flint_attention_placement {
    int64_t head_index;
    int64_t head_count;
    int64_t threads;
} flint_attention_placement;

/// One head of scaled dot-product attention, `softmax(q kᵀ · scale + mask) v`, computed as libtorch's CPU
/// flash-attention kernel computes float32 `torch.nn.functional.scaled_dot_product_attention` (the kernel
/// ATen picks for 4-D inputs without dropout): query rows in blocks of 32, 64 or 256 (by the query length),
/// keys in blocks of up to 512; per block the scores `q kᵀ`, scaled (and masked: `fma(score, scale, mask)`),
/// the row maximum, `exp(score - max)` by ATen's `exp_u20` polynomial with the sum over `vector_lanes` lanes
/// (ATen's vector width: 16 where it runs its AVX-512 build, 8 for AVX2), the running sum and rescaling across
/// key blocks, the unnormalised product with `v`, and finally `out = dst * (1 / sum)`. Rows whose every score
/// is masked out give 0. The two products accumulate in the order of libtorch's BLAS (MKL) as measured with
/// torch 2.15 on an AMD EPYC (Zen 4), output by output (each one's summation tree revealed with inputs of ±2^40
/// and ones):
/// - the scores of blocks of at least 4 query rows and 12 keys, and the product with v of blocks of at least 4
///   rows: each output a sequence of fused multiply-adds over the contraction, split for a contraction over 192
///   into two halves (up to 384) or blocks of 192, whose sums are added in order;
/// - the scores of smaller blocks: separate products and additions over four partial sums (keys in groups of
///   4) or eight (the last keys), and MKL's matrix-vector order for a single query row or a single key;
/// - the product with v for blocks of fewer than 4 rows: one sequence of separate products and additions, except
///   at the outputs before the first 16-byte boundary of libtorch's buffer, which sum in steps of 8. Where that
///   buffer lies depends on the libtorch thread that would compute the block: `placement` says.
/// So on such a machine the result is libtorch's bit for bit (run with `placement.threads` threads), except
/// where these orders are not MKL's (the results differ in the last bits): head sizes below 12; in small blocks,
/// head sizes that are not multiples of 8 and q, k or v rows that libtorch does not hold 16-byte aligned (odd
/// views); and a call with one head and one query block in all while libtorch runs more than one thread (ATen
/// then computes it outside its parallel region, and MKL splits that product over its own threads).
///
/// `q` is `queries` rows of `head_size` floats (row stride `q_row_stride`, elements contiguous), `k` and `v`
/// are `keys` rows likewise, `out` receives `queries` rows (it must not overlap the inputs). `causal` keeps key
/// j <= query i (and needs no mask). `vector_lanes` is 8 or 16. `placement` does not change the work, only
/// the order of additions in small blocks. `scratch` holds flint_flash_attention_scratch(queries, keys, head_size)
/// floats, one buffer per concurrent call. The function keeps no state: heads may run on several threads.
void flint_flash_attention_f32(const float *q, int64_t q_row_stride, const float *k, int64_t k_row_stride,
                               const float *v, int64_t v_row_stride, float *out, int64_t out_row_stride,
                               int64_t queries, int64_t keys, int64_t head_size, float scale,
                               const flint_attention_mask *mask, int causal, int vector_lanes,
                               flint_attention_placement placement, float *scratch);

/// The floats of scratch flint_flash_attention_f32 needs for these sizes.
size_t flint_flash_attention_scratch(int64_t queries, int64_t keys, int64_t head_size);

#ifdef __cplusplus
}
#endif

#endif
