import FlintScript
import FlintTensor

/// The `torch.Generator` objects a method makes (`torch.Generator(device="cpu", seed=...)`) and passes to random
/// operators as `generator=`: ``ScriptObject``s of the class `Generator`, without attribute slots, whose
/// ``ScriptObject/native`` is a ``CPUGenerator`` of their own. Operators given none draw from
/// ``CPUGenerator/default``.
package enum GeneratorObject {
    private static let classType: ClassType = {
        let outline = try! SourceOutline(text: "class Generator:\n  pass\n").class(named: "Generator")!
        return ClassType(qualifiedName: "Generator", sourceRecord: "<builtin>", outline: outline)
    }()

    /// A new `Generator` value drawing from `generator`.
    package static func value(holding generator: CPUGenerator) -> ScriptValue {
        let object = ScriptObject(type: classType)
        object.native = generator
        return .object(object)
    }

    /// The generator a `Generator` value holds; nil for any other value.
    package static func generator(in value: ScriptValue) -> CPUGenerator? {
        guard case .object(let object) = value, object.type === classType else { return nil }
        return object.native as? CPUGenerator
    }
}
