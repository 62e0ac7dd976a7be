#if !defined(__APPLE__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include "flint_internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static _Atomic(const flint_gemm_kernel *) g_kernel;

static int cpu_has(int id) {
    switch (id) {
    case FLINT_KERNEL_SCALAR:
        return 1;
#if defined(FLINT_X86)
    case FLINT_KERNEL_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case FLINT_KERNEL_AVX512:
    case FLINT_KERNEL_AVX512_8X48:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
               __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
#endif
#if defined(__aarch64__)
    case FLINT_KERNEL_NEON:
        return 1;
#endif
    default:
        return 0;
    }
}

static const flint_gemm_kernel *kernel_table(int id) {
    switch (id) {
    case FLINT_KERNEL_SCALAR:
        return &flint__kernel_scalar;
#if defined(FLINT_X86)
    case FLINT_KERNEL_AVX2:
        return &flint__kernel_avx2;
    case FLINT_KERNEL_AVX512:
        return &flint__kernel_avx512;
    case FLINT_KERNEL_AVX512_8X48:
        return &flint__kernel_avx512_8x48;
#endif
#if defined(__aarch64__)
    case FLINT_KERNEL_NEON:
        return &flint__kernel_neon;
#endif
    default:
        return NULL;
    }
}

const flint_gemm_kernel *flint__kernel_by_id(int id) { return cpu_has(id) ? kernel_table(id) : NULL; }

/* The AVX-512 tile measured best on this CPU's vendor: 8 x 48 on Intel (measured on one Xeon, family 6 model
 * 207), 12 x 32 elsewhere (measured on Zen 5); see the kernel files' headers. */
static int avx512_id_for_this_cpu(void) {
#if defined(FLINT_X86)
    __builtin_cpu_init();
    if (__builtin_cpu_is("intel")) return FLINT_KERNEL_AVX512_8X48;
#endif
    return FLINT_KERNEL_AVX512;
}

static int id_for_name(const char *name) {
    if (strcmp(name, "scalar") == 0) return FLINT_KERNEL_SCALAR;
    if (strcmp(name, "avx2") == 0) return FLINT_KERNEL_AVX2;
    if (strcmp(name, "avx512") == 0) return avx512_id_for_this_cpu();
    if (strcmp(name, "avx512-12x32") == 0) return FLINT_KERNEL_AVX512;
    if (strcmp(name, "avx512-8x48") == 0) return FLINT_KERNEL_AVX512_8X48;
    if (strcmp(name, "neon") == 0) return FLINT_KERNEL_NEON;
    return -1;
}

static const flint_gemm_kernel *select_auto(void) {
    const char *env = getenv("FLINT_KERNELS_ISA");
    if (env && *env && strcmp(env, "auto") != 0) {
        const flint_gemm_kernel *k = flint__kernel_by_id(id_for_name(env));
        if (k) return k;
    }
    const int order[] = {avx512_id_for_this_cpu(), FLINT_KERNEL_AVX2, FLINT_KERNEL_NEON};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); ++i) {
        const flint_gemm_kernel *k = flint__kernel_by_id(order[i]);
        if (k) return k;
    }
    return &flint__kernel_scalar;
}

const flint_gemm_kernel *flint__kernel(void) {
    const flint_gemm_kernel *k = atomic_load_explicit(&g_kernel, memory_order_acquire);
    if (!k) {
        k = select_auto();
        const flint_gemm_kernel *expected = NULL;
        if (!atomic_compare_exchange_strong(&g_kernel, &expected, k)) k = expected;
    }
    return k;
}

const char *flint_kernels_isa(void) { return flint__kernel()->name; }

int flint_kernels_force_isa(const char *name) {
    if (!name || strcmp(name, "auto") == 0) {
        atomic_store(&g_kernel, select_auto());
        return 0;
    }
    const flint_gemm_kernel *k = flint__kernel_by_id(id_for_name(name));
    if (!k) return -1;
    atomic_store(&g_kernel, k);
    return 0;
}
