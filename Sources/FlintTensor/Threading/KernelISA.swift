import CFlintKernels

/// The machine facts kernels depend on.
public enum KernelISA {
    /// The instruction set the GEMM kernels chose at run time: `avx512`, `avx2`, `neon` or `scalar`
    /// (`FLINT_KERNELS_ISA` overrides the choice).
    public static var active: String { String(cString: flint_kernels_isa()) }

    /// The cores the kernels' thread pool uses by default (one thread per core).
    public static var defaultThreadCount: Int { Int(flint_pool_default_threads()) }
}
