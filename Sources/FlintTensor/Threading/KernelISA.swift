#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CFlintKernels

/// The machine facts kernels depend on.
public enum KernelISA {
    /// The instruction set the GEMM kernels chose at run time: `avx512`, `avx2`, `neon` or `scalar`
    /// (`FLINT_KERNELS_ISA` overrides the choice).
    public static var active: String { String(cString: flint_kernels_isa()) }

    /// The instruction set ATen's CPU kernels would dispatch to here, by its names (`torch._C._get_cpu_capability()`):
    /// `AVX512` or `AVX2` where the GEMM kernels chose those, `DEFAULT` elsewhere. `ATEN_CPU_CAPABILITY` lowers it as
    /// it lowers libtorch's.
    public static let atenCapability: String = {
        let levels = ["DEFAULT", "AVX2", "AVX512"]
        var level = ["avx2": 1, "avx512": 2][active] ?? 0
        if let requested = getenv("ATEN_CPU_CAPABILITY").map({ String(cString: $0).uppercased() }), let wanted = levels.firstIndex(of: requested) {
            level = Swift.min(level, wanted)
        }
        return levels[level]
    }()

    /// The float lanes of ATen's vectors where it runs its kernels here: 16 for its AVX-512 build, else 8 (what its
    /// kernels that reduce or split by vectors, the flash attention's sums and the sigmoid's runs, depend on).
    public static var atenVectorLanes: Int32 { atenCapability == "AVX512" ? 16 : 8 }

    /// Whether libtorch's kernels compute `a · b + c` as one fused multiply-add here: its AVX2 and AVX-512 kernels
    /// are compiled so; under `DEFAULT` each step rounds.
    public static let atenFusesMultiplyAdd = atenCapability != "DEFAULT"

    /// The cores the kernels' thread pool uses by default (one thread per core).
    public static var defaultThreadCount: Int { Int(flint_pool_default_threads()) }
}
