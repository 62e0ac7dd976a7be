import FlintOperators
import FlintTestSupport
import Foundation
import Testing

/// `docs/SUPPORTED_OPERATORS.md` is generated from the registry; this fails when it is stale.
/// Regenerate with `FLINT_UPDATE_SUPPORT_TABLE=1 swift test --filter SupportTableTests`.
@Suite struct SupportTableTests {
    static let path = Fixtures.packageRoot.appendingPathComponent("docs/SUPPORTED_OPERATORS.md")

    static let header = """
        # Supported operators

        Every ATen and `prim` operator overload Flint implements, generated from its operator registry
        (`Sources/FlintOperators`). An archive that calls anything else is refused at load with every missing
        operator listed; `flint inspect MODEL --ops` lists what a given model uses. Regenerate with
        `FLINT_UPDATE_SUPPORT_TABLE=1 swift test --filter SupportTableTests` (a test fails when it is stale).

        Model families verified against libtorch (outputs compared): all 80 torchvision classification
        models traced and scripted (`Tools/fixtures/run_zoo.py`); torchvision segmentation (DeepLabV3,
        LR-ASPP, FCN) and detection (SSD, SSDlite, Faster R-CNN, RetinaNet) scripted; LSTM/GRU/RNN (packed
        sequences included), cells and a greedy decoder; `nn.Transformer*` and `nn.MultiheadAttention` traced
        and scripted (fused fast paths and nested tensors included); Hugging Face BERT, DistilBERT, GPT-2, T5
        encoder and ViT traced; recommendation models; half, bfloat16 and double models
        (`Tools/fixtures/check_model_zoo.py`); small models of the language suite (`Tests/Fixtures/language`);
        libtorch's tutorial program on six archives (`Tests/Fixtures/api`).

        PyTorch's own operator database (OpInfo, `Tools/fixtures/make_opinfo_fixtures.py` and `check_opinfo.py`,
        torch 2.15, AMD EPYC Zen 4): float32 samples pass at 99.8% traced (2,173 of 2,178; 76 of them with complex
        results) and 99.7% scripted (1,793 of 1,798); every real CPU dtype at 98.8% traced (16,391 of 16,589; float16
        96.4%, bfloat16 96.5%, the integer types 98.8-100%); error inputs 252 of 253. Complex64 and complex128 samples
        (opt-in, `--complex`): 60.0% (1,561 of 2,601), the rest refused with ATen's "not implemented" error. What
        still differs, and why:
        - `linalg.eigh`, one sample per float type: eigenvectors are defined up to sign, and Debian's reference
          LAPACK picks other signs than the MKL inside torch's wheels for two of them (the eigenvalues agree).
        - `matrix_exp`, float32: ATen's float32 polynomial loses 0.2% to cancellation on one matrix; Flint computes in
          double and is closer to the exact value than libtorch.
        - `addbmm`, `_upsample_bilinear2d_aa`, the CPU flash-attention entry, and half / bfloat16 samples of some
          reductions, normalizations and transposed convolutions: a few elements differ by the summation order
          (or the last bit of a half result), beyond torch.testing's tolerance.
        - `sort`, `argsort`, `topk`, `kthvalue` on integer types: the order of equal elements (ATen's unstable sort).
        - complex64 `conv2d` and `conv_transpose1d`: libtorch computes a complex convolution as three real ones
          (Gauss's trick), and a few elements lose up to 6e-5 to cancellation; Flint's results are closer to exact.

        Complex tensors (complex64, complex128) run `torch.fft` (every transform, computed in double precision:
        mixed radix, and Bluestein's algorithm for prime factors above 31), `stft` / `istft`, `linalg.eig` /
        `linalg.eigvals` of real matrices (LAPACK's `geev`), `view_as_real` / `view_as_complex`, `real`, `imag`,
        `conj`, `angle`, `abs`, `sgn`, `complex`, `polar`, arithmetic with complex tensors and Python complex numbers
        (`1j`), `exp`, `log`, `sqrt`, `sin`, `cos`, `tanh`, `reciprocal`, `sum`, `mean`, casts and the shape operators;
        other operators refuse complex inputs with ATen's "not implemented for 'ComplexFloat'". complex32 is stored
        and converted (`chalf`), not computed with.

        PyTorch's nn module database (ModuleInfo, `Tools/fixtures/make_moduleinfo_fixtures.py`, eval mode, float32):
        748 of 748 samples pass (385 traced, 363 scripted) over 114 modules; 22 samples do not script in torch
        itself.

        Random operators (`rand`, `randn`, `randint`, `randperm`, `normal`, `uniform_`, `bernoulli`, `dropout` and
        `rrelu` in training, `exponential_`, ...) draw from libtorch's CPU generator (a Mersenne Twister seeded as
        c10 seeds it): after `torch.manual_seed(s)`, or from a fresh process's default seed, they return libtorch's
        numbers. So do `poisson`, `binomial`, `_standard_gamma`, `_sample_dirichlet` and `multinomial`. Draws scaled
        and shifted (`uniform_(a, b)`, `normal_(m, s)`, `cauchy_`, `log_normal_`) round as libtorch's kernels for the
        CPU do: one fused multiply-add under its AVX2 and AVX-512 kernels, two roundings under
        `ATEN_CPU_CAPABILITY=default`. A `torch.Generator` a method makes (`torch.Generator()`, `g.manual_seed(s)`)
        draws its own stream, as in libtorch. The counter-based `_philox_*` operators and the Sobol engine's are
        functions of their inputs.

        Forked closures (`torch.jit.fork` / `torch.jit.wait`) run at the fork, in the calling thread, and
        `torch.autograd.profiler.record_function` ranges appear in `flint bench --profile`.

        Out overloads (`aten::add.out`, `aten::sort.values`, `aten::zeros.out`) run their functional overload and write
        its results into the given tensors, which must have the result's shape (Flint cannot resize them).

        """

    /// The coverage of torch's schema table: it must not drop (raise the floor when operators are added). With
    /// `FLINT_COVERAGE_MISSING=PATH`, the overloads still missing are written to PATH, one per line.
    @Test func coverageDoesNotDrop() throws {
        let coverage = SchemaCoverage(of: .standard)
        if let path = ProcessInfo.processInfo.environment["FLINT_COVERAGE_MISSING"] {
            try coverage.missing.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        #expect(coverage.implemented >= 3250, "\(coverage.implemented) of \(coverage.considered) overloads implemented")
        #expect(coverage.percent >= 97, "coverage \(coverage.percent)%")
    }

    /// The exclusions are classes of operators, not single ones that happen to be missing.
    @Test func exclusionsAreThoseTheTableNames() {
        #expect(CoverageExclusion.classify("aten::add.Tensor") == nil)
        #expect(CoverageExclusion.classify("aten::values.Tensor") == nil)
        #expect(CoverageExclusion.classify("aten::values") == .nonStridedLayout)
        #expect(CoverageExclusion.classify("aten::convolution_backward") == .autograd)
        #expect(CoverageExclusion.classify("aten::_cudnn_rnn") == .accelerator)
        #expect(CoverageExclusion.classify("aten::mm.dtype") == .accelerator)
        #expect(CoverageExclusion.classify("aten::mm") == nil)
        // An out overload whose generated kernel only calls a CUDA-only functional one.
        #expect(CoverageExclusion.classify("aten::batch_norm_stats.out") == .accelerator)
        #expect(CoverageExclusion.classify("aten::native_batch_norm.out") == nil)
        #expect(CoverageExclusion.classify("aten::quantize_per_tensor") == .quantized)
        #expect(CoverageExclusion.classify("c10d::allreduce_") == .distributed)
        #expect(CoverageExclusion.classify("prims::add") == nil)
    }

    @Test func tableMatchesTheRegistry() throws {
        let generated = OperatorRegistry.standard.supportTable(header: Self.header)
        if ProcessInfo.processInfo.environment["FLINT_UPDATE_SUPPORT_TABLE"] == "1" {
            try generated.write(to: Self.path, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOf: Self.path, encoding: .utf8)
        #expect(committed == generated, "docs/SUPPORTED_OPERATORS.md is stale: regenerate it (see this test's comment)")
    }
}
