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

/// The variant in use: "avx512vnni" or "portable".
const char *flint_qgemm_isa(void);

/// Selects a variant by name ("portable", "avx512vnni"), or the automatic choice for NULL or "auto". Returns 0,
/// changing nothing, when this CPU cannot run the one named. Not to be called while products run.
int flint_qgemm_force_isa(const char *name);

#ifdef __cplusplus
}
#endif

#endif
