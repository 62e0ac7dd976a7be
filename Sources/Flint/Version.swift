import FlintLoader
import FlintOperators

/// What this build of Flint is and reads (`flint --version`).
public enum FlintVersion {
    /// Flint's own version.
    public static let flint = "0.2.0"
    /// The PyTorch release whose operator schema table Flint implements.
    public static var torchSchemas: String { TorchSchemaTable.torchVersion }
    /// The newest TorchScript archive file format version Flint reads (older ones back to 1 load too;
    /// 3–10 are what torch 1.5–2.x write).
    public static var newestArchiveVersion: Int { TorchScriptArchive.newestFileFormatVersion }
    /// The instruction set the kernels chose at run time (`avx512`, `avx2`, `neon`, `scalar`), after
    /// `FLINT_KERNELS_ISA`.
    public static var kernelISA: String { KernelISA.active }
}
