import Flint
import FlintNumPy
import FlintTestSupport
import Foundation
import Testing

/// Quantized TorchScript (issue #13): models quantized by PyTorch's own workflows with the fbgemm engine
/// (Tools/fixtures/make_quantized_fixtures.py) give libtorch's results — bit for bit for the static models,
/// whose integer arithmetic and requantization Flint reproduces — and their packed weights are visible.
@Suite struct QuantizedModelTests {
    static let directory = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/quantized")

    static func arrays(_ name: String) throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (key, value) in try NumPyArray.readArchive(path: directory.appendingPathComponent("\(name).npz").path) {
            if case .tensor(let tensor) = value { result[key] = tensor }
        }
        return result
    }

    /// Runs both calls of fixture `name` and hands each result and libtorch's, as Doubles, to `check`.
    static func compareCalls(_ name: String, _ check: (_ call: Int, _ got: [Double], _ want: [Double]) -> Void) throws {
        let module = try Flint.load(directory.appendingPathComponent("\(name).pt").path)
        let arrays = try Self.arrays(name)
        for call in 0..<2 {
            let input = try #require(arrays["input\(call)"])
            let expected = try #require(arrays["output\(call)"])
            let output = try module.forward([.tensor(input)]).toTensor()
            #expect(output.shape == expected.shape, "\(name) call \(call)")
            check(call, try output.to(.float64).scalars(as: Double.self), try expected.to(.float64).scalars(as: Double.self))
        }
    }

    /// Static quantization: every output equals libtorch's exactly.
    @Test(arguments: ["static_cnn", "static_per_tensor", "fx_graph_mode", "packed_conv_attribute", "saturating_depthwise"])
    func staticModelsMatchLibtorchExactly(_ name: String) throws {
        try Self.compareCalls(name) { call, got, want in
            let mismatches = zip(got, want).filter { $0 != $1 }.count
            #expect(mismatches == 0, "\(name) call \(call): \(mismatches) of \(want.count) values differ from libtorch")
        }
    }

    /// Dynamic int8 Linear layers: libtorch's results bit for bit (ATen's activation parameters, fbgemm's fused
    /// dequantization). The transformer's float operations (layer_norm, gelu, attention) are libtorch's where the
    /// CPU is of the family its fixture was recorded on and runs the same kernels (AVX-512; LibtorchArithmeticTests),
    /// so there it is bit-identical too; elsewhere it is held to float rounding.
    @Test(arguments: ["dynamic_mlp", "dynamic_tiny_range", "dynamic_transformer"])
    func dynamicInt8ModelsMatchLibtorchExactly(_ name: String) throws {
        let recording = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.directory.appendingPathComponent("\(name).json"))) as? [String: Any]
        let sameKernels = recording?["cpu"] as? String == Fixtures.cpuFamily && KernelISA.active == "avx512" && KernelISA.atenCapability == "AVX512"
        let exact = name != "dynamic_transformer" || sameKernels
        try Self.compareCalls(name) { call, got, want in
            if exact {
                let mismatches = zip(got, want).filter { $0 != $1 }.count
                #expect(mismatches == 0, "\(name) call \(call): \(mismatches) of \(want.count) values differ from libtorch")
            } else {
                let worst = zip(got, want).map { abs($0 - $1) - (1e-5 + 1e-5 * abs($1)) }.max() ?? 0
                #expect(worst <= 0, "\(name) call \(call) differs from libtorch by \(worst) beyond the tolerance")
            }
        }
    }

    /// Dynamic quantization with float16 weights (fbgemm's float16 GEMM, whose summation order Flint does not
    /// reproduce), and the LSTM/GRU (whose tanh is MKL's, matched for all but about 0.1% of inputs): libtorch's
    /// results up to float rounding.
    @Test(arguments: ["dynamic_fp16", "dynamic_lstm", "dynamic_lstm_fp16"])
    func dynamicModelsMatchLibtorch(_ name: String) throws {
        try Self.compareCalls(name) { call, got, want in
            let worst = zip(got, want).map { abs($0 - $1) - (1e-5 + 1e-5 * abs($1)) }.max() ?? 0
            #expect(worst <= 0, "\(name) call \(call) differs from libtorch by \(worst) beyond the tolerance")
        }
    }

    @Test func packedWeightsShowTheirQuantization() throws {
        let module = try Flint.load(Self.directory.appendingPathComponent("static_cnn.pt").path)
        let packed = module.packedWeights()
        let names = packed.map(\.name)
        #expect(names.contains("stem.0._packed_params"))
        #expect(names.contains("fc2._packed_params._packed_params"))
        let stem = try #require(packed.first { $0.name == "stem.0._packed_params" }?.weights)
        #expect(stem.className == "Conv2dPackedParamsBase")
        #expect(stem.weight.dtype == .qint8 && stem.weight.shape == [16, 3, 3, 3])
        guard case .perChannelAffine(let scales, let zeroPoints, let axis)? = stem.weight.quantizer?.scheme else {
            Issue.record("the stem's weight is not quantized per channel")
            return
        }
        #expect(axis == 0 && scales.count == 16 && zeroPoints.allSatisfy { $0 == 0 })
        #expect(stem.bias?.shape == [16])
        let perTensor = try Flint.load(Self.directory.appendingPathComponent("static_per_tensor.pt").path)
        let fc = try #require(perTensor.packedWeights().first { $0.name == "fc2._packed_params._packed_params" }?.weights)
        #expect(fc.className == "LinearPackedParamsBase")
        guard case .perTensorAffine(let scale, _)? = fc.weight.quantizer?.scheme else {
            Issue.record("the per-tensor model's linear weight is not quantized per tensor")
            return
        }
        #expect(scale > 0)
    }

    /// A quantized tensor dequantizes to `(q - zero point) · scale` and views keep its parameters.
    @Test func quantizedTensorsRoundTrip() throws {
        let x = try Tensor(shape: [4, 4], scalars: (-8..<8).map { Float($0) * 0.25 })
        let q = try x.quantizePerTensor(scale: 0.25, zeroPoint: 10, dtype: .quint8)
        #expect(q.dtype == .quint8)
        #expect(try q.dequantize().scalars(as: Float.self) == x.scalars(as: Float.self))
        #expect(try q.integerRepresentation.to(.int64).scalars(as: Int64.self).first == 2)
        let view = try q.t().flatten()
        #expect(view.quantizer?.scheme == .perTensorAffine(scale: 0.25, zeroPoint: 10))
        #expect(try view.contiguous().dequantize().scalars(as: Float.self) == x.t().contiguous().flatten().scalars(as: Float.self))
        #expect(throws: (any Error).self) { try x.quantizePerTensor(scale: 0.25, zeroPoint: 300, dtype: .quint8) }
    }
}
