/// How much of torch's schema table (``torchOperatorSchemas``) the registry implements: the coverage figure
/// `docs/SUPPORTED_OPERATORS.md` states and a test keeps from dropping.
///
/// Overloads in an excluded class (``CoverageExclusion``) count neither as implemented nor as missing, even
/// where Flint implements them; every other overload of the table is counted, whatever its namespace.
package struct SchemaCoverage: Sendable {
    /// Overloads of the table outside the exclusions.
    package let considered: Int
    /// Of those, the ones with an implementation (out overloads derived from their functional sibling included).
    package let implemented: Int
    /// Of the considered overloads, those declared only to refuse every call (`multinomial`): not counted as implemented.
    package let refused: [String]
    /// Overloads excluded, by class.
    package let excluded: [CoverageExclusion: Int]
    /// The considered overloads with no implementation, by qualified name, sorted.
    package let missing: [String]

    /// The implemented share of the considered overloads, in percent.
    package var percent: Double { considered == 0 ? 0 : 100 * Double(implemented) / Double(considered) }

    /// Measures `registry` against torch's table.
    package init(of registry: OperatorRegistry) {
        let refusedNames = registry.refusedNames
        let implementedNames = Set(registry.implementedNames).subtracting(refusedNames)
        var refused: [String] = []
        var considered = 0
        var excluded: [CoverageExclusion: Int] = [:]
        var missing: [String] = []
        for name in TorchSchemaTable.textByQualifiedName.keys {
            if let exclusion = CoverageExclusion.classify(name) {
                excluded[exclusion, default: 0] += 1
                continue
            }
            considered += 1
            if refusedNames.contains(name) { refused.append(name) }
            if !implementedNames.contains(name) { missing.append(name) }
        }
        self.considered = considered
        self.implemented = considered - missing.count
        self.excluded = excluded
        self.missing = missing.sorted()
        self.refused = refused.sorted()
    }
}

/// The classes of torch's operators that the coverage goal leaves out, each for a reason an inference
/// runtime on the CPU has. ``classify(_:)`` is the one place that decides which class an overload is in.
package enum CoverageExclusion: String, CaseIterable, Sendable, Comparable {
    case autograd
    case distributed
    case nonStridedLayout
    case quantized
    case accelerator

    /// Why the class is excluded, as the supported-operators page says it.
    package var reason: String {
        switch self {
        case .autograd:
            "autograd's backward operators (a name with `backward`): gradients, which inference never computes"
        case .accelerator:
            "operators that run only on CUDA, cuDNN, MIOpen, MPS, XPU, Vulkan or Metal devices (or their libraries: cuFFT, cuSPARSELt, NCCL, NVSHMEM, Triton), and every other overload torch's dispatcher has no CPU kernel for, or whose generated composite kernel only calls such an overload (`batch_norm_stats.out`; `Tools/fixtures/make_cpu_kernel_table.py`), which libtorch refuses on a CPU too"
        case .distributed:
            "distributed training and RPC: c10d, functional collectives, symmetric memory, FSDP, DTensor, RRefs and distributed autograd"
        case .nonStridedLayout:
            "sparse layouts (COO, CSR, CSC, BSR, BSC) and their accessors, the opaque tensors and prepacked weights of oneDNN (`mkldnn`, `onednn`) and MKL, and every other overload whose only CPU kernels take such tensors"
        case .quantized:
            "quantized tensors, fake quantization and packed int4/int8 weights, which issue #13 covers, and every other overload whose only CPU kernels take quantized tensors"
        }
    }

    package static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The class a qualified name (`aten::add.Tensor`) is excluded by, or nil when it counts.
    package static func classify(_ qualifiedName: String) -> CoverageExclusion? {
        guard let separator = qualifiedName.firstRange(of: "::") else { return nil }
        let namespace = String(qualifiedName[..<separator.lowerBound])
        let operatorName = qualifiedName[separator.upperBound...].prefix { $0 != "." }
        let base = String(operatorName)
        func mentions(_ words: [String]) -> Bool { words.contains { base.contains($0) } }

        if base.contains("backward") { return .autograd }
        if ["c10d", "_c10d_functional", "_c10d_functional_autograd", "_dtensor", "symm_mem", "fsdp", "dist_autograd"].contains(namespace)
            || (namespace == "prim" && base.hasPrefix("rpc_"))
            || (namespace == "aten" && distributedNames.contains(base)) {
            return .distributed
        }
        if ["mkldnn", "mkldnn_prepacked", "onednn", "mkl", "sparse"].contains(namespace) || mentions(["sparse", "_coo", "coo_", "csr", "csc", "bsr", "bsc", "mkldnn", "MKLDNN"])
            || (namespace == "aten" && sparseNames.contains(base) && qualifiedName != "aten::values.Tensor")
            || torchOperatorsWithSparseOnlyCPUKernels.contains(qualifiedName) {
            return .nonStridedLayout
        }
        if ["quantized", "_quantized", "quantization"].contains(namespace)
            || mentions(["quantize", "qint", "fbgemm", "fake_quant", "int4pack", "int8pack", "_dyn_quant", "qparams", "qscheme", "_wrapped_linear_prepack", "_wrapped_quantized"])
            || base.hasPrefix("q_") || (namespace == "aten" && quantizedNames.contains(base))
            || torchOperatorsWithQuantizedOnlyCPUKernels.contains(qualifiedName) {
            return .quantized
        }
        if ["cuda", "xpu", "mps", "cudnn", "miopen"].contains(namespace)
            || mentions(["cuda", "cudnn", "miopen", "mps", "xpu", "vulkan", "metal", "cufft", "_cslt_", "nccl", "nvshmem", "triton"])
            || torchOperatorsWithoutCPUKernel.contains(qualifiedName) {
            return .accelerator
        }
        return nil
    }

    /// ATen operators for RRefs and distributed autograd.
    private static let distributedNames: Set<String> = [
        "to_here", "local_value", "owner", "owner_name", "is_owner", "confirmed_by_owner", "get_gradients",
    ]
    /// ATen operators that only sparse tensors have (their index and value accessors, coalescing, sparse products);
    /// `values.Tensor`, a dict's values, is not one.
    private static let sparseNames: Set<String> = [
        "indices", "values", "crow_indices", "col_indices", "ccol_indices", "row_indices", "indices_copy", "values_copy",
        "crow_indices_copy", "col_indices_copy", "ccol_indices_copy", "row_indices_copy", "_indices", "_values", "_indices_copy",
        "_values_copy", "_nnz", "_dimI", "_dimV", "dense_dim", "coalesce", "_coalesce", "_coalesced", "_coalesced_", "is_coalesced",
        "to_dense", "_to_dense", "hspmm", "smm", "sspaddmm", "_spsolve", "_spdiags",
    ]
    /// ATen operators of quantized tensors whose names do not say so.
    private static let quantizedNames: Set<String> = [
        "dequantize", "int_repr", "_saturate_weight_to_fp16", "_make_per_tensor_quantized_tensor", "_make_per_channel_quantized_tensor",
        "_fused_moving_avg_obs_fq_helper", "_fused_moving_avg_obs_fq_helper_functional",
    ]
}
