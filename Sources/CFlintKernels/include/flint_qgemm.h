#ifndef FLINT_QGEMM_H
#define FLINT_QGEMM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Integer matrix product for quantized inference: C[m][n] = sum_k A[m][k] * B[n][k], with unsigned 8-bit
/// activations A, signed 8-bit weights B and exact 32-bit accumulation (no intermediate saturation, unlike
/// instruction sequences built on 16-bit pair sums).
///
/// B is packed once by `flint_qgemm_pack_s8` into blocks of 16 rows by 4 depths (zero padded), a layout
/// every variant reads. The variant is chosen at run time: AVX-512 VNNI (`vpdpbusd`) where the CPU has it,
/// otherwise portable C compiled for AVX2 or the baseline ISA. FLINT_KERNELS_ISA=scalar forces the
/// portable code.

/// Bytes `flint_qgemm_pack_s8` writes for an N x K weight matrix.
int64_t flint_qgemm_packed_size(int64_t n, int64_t k);

/// Packs the N x K int8 matrix B (row n at B + n * ldb) into `packed` (flint_qgemm_packed_size bytes).
void flint_qgemm_pack_s8(int64_t n, int64_t k, const int8_t *b, int64_t ldb, int8_t *packed);

/// C[m][n] = sum_k A[m][k] * B[n][k] for m < M, n < N (row m of A at A + m * lda, of C at C + m * ldc).
void flint_qgemm_u8s8s32(int64_t m, int64_t n, int64_t k, const uint8_t *a, int64_t lda, const int8_t *packed,
                         int32_t *c, int64_t ldc);

/// What `flint_qgemm_u8s8` makes of each 32-bit sum `acc[m][n]`. First the zero-point terms come off, exactly:
/// `x = acc - correction[n] - weight_zero_points[n] * rowsum(A[m])` (the last term only with `weight_zero_points`),
/// then, in float32 with `v = (float)x`:
/// - `FLINT_QGEMM_REAL`: `v = multiplier[n] * v`, or `fma(multiplier[n], v, offset[n])` with an offset (one rounding:
///   fbgemm's vector multiply and add, which its compiler fuses), `max(v, 0)` (NaN to 0, as fbgemm's
///   `std::max(0.0f, v)`) when `relu`; stored as float32 (fbgemm's `ReQuantizeForFloat`);
/// - `FLINT_QGEMM_UINT8`: `v = (v + offset[n]) * multiplier[n]` (no addition without `offset`), then
///   `nearbyint(v) + zero_point` clamped to [low, 255] and stored as uint8 (fbgemm's `ReQuantizeOutput` with a
///   float bias).
/// Row m, column n is stored at `data + m * stride + n` elements.
enum { FLINT_QGEMM_REAL = 0, FLINT_QGEMM_UINT8 = 1 };
typedef struct flint_qgemm_output {
    int kind;
    void *data;
    int64_t stride;
    const int32_t *correction;
    const int32_t *weight_zero_points;
    const float *multiplier;
    const float *offset;
    float zero_point, low;
    int relu;
} flint_qgemm_output;

/// The product of `flint_qgemm_u8s8s32`, each sum transformed and stored as `out` says, without an intermediate
/// 32-bit matrix (the VNNI variant finishes each tile in registers).
void flint_qgemm_u8s8(int64_t m, int64_t n, int64_t k, const uint8_t *a, int64_t lda, const int8_t *packed,
                      const flint_qgemm_output *out);

/// The variant in use: "avx512vnni" or "portable".
const char *flint_qgemm_isa(void);

/// Selects a variant by name ("portable", "avx512vnni"), or the automatic choice for NULL or "auto". Returns 0,
/// changing nothing, when this CPU cannot run the one named. Not to be called while products run.
int flint_qgemm_force_isa(const char *name);

/// `quantized::add` on quint8 operands, as ATen's vectorized kernel computes it: each side dequantized as one
/// fused multiply-add `q * scale + offset` (offset = -zero_point * scale, rounded to float), the two summed,
/// clamped at 0 when `relu`, then `nearbyint(v * inverse_scale) + zero_point` clamped to [0, 255] (NaN and values
/// beyond the int32 range count as the int32 maximum). AVX-512 code where the VNNI GEMM is selected, portable C
/// (libm's fmaf) otherwise.
void flint_qadd_u8(const uint8_t *a, const uint8_t *b, uint8_t *out, int64_t n, float scale_a, float offset_a,
                   float scale_b, float offset_b, float inverse_scale, float zero_point, int relu);

#ifdef __cplusplus
}
#endif

#endif
