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

        """

    @Test func tableMatchesTheRegistry() throws {
        let generated = OperatorRegistry.standard.supportTable(header: Self.header)
        if ProcessInfo.processInfo.environment["FLINT_UPDATE_SUPPORT_TABLE"] == "1" {
            try generated.write(to: Self.path, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOf: Self.path, encoding: .utf8)
        #expect(committed == generated, "docs/SUPPORTED_OPERATORS.md is stale: regenerate it (see this test's comment)")
    }
}
