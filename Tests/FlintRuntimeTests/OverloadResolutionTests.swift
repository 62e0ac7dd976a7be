import FlintOperators
import FlintScript
import Testing

@Suite struct OverloadResolutionTests {
    let registry = OperatorRegistry.standard

    func resolve(_ name: String, _ positional: [ScriptType], _ keywords: [(String, ScriptType)] = []) -> String? {
        OverloadResolution.resolve(registry.overloads(of: name), positional: positional, keywords: keywords.map { (name: $0.0, type: $0.1) })?
            .schema.qualifiedName
    }

    @Test func picksOverloadsAsTorchScriptDoes() {
        #expect(resolve("aten::add", [.tensor, .tensor]) == "aten::add.Tensor")
        #expect(resolve("aten::add", [.tensor, .float]) == "aten::add.Scalar")
        #expect(resolve("aten::add", [.int, .int]) == "aten::add.int")
        #expect(resolve("aten::add", [.float, .int]) == "aten::add.float_int")
        #expect(resolve("aten::add", [.list(.int), .list(.int)]) == "aten::add.t")
        #expect(resolve("aten::add", [.string, .string]) == "aten::add.str")
        #expect(resolve("aten::pow", [.int, .int]) == "aten::pow.int")
        #expect(resolve("aten::zeros", [.list(.int)], [("dtype", .int), ("layout", .none), ("device", .device)]) == "aten::zeros")
        #expect(resolve("aten::max_pool2d", [.tensor, .list(.int)]) == "aten::max_pool2d")
        #expect(resolve("aten::len", [.list(.tensor)]) == "aten::len.t")
        #expect(resolve("aten::eq", [.object("__torch__.Color"), .object("__torch__.Color")]) == "aten::eq.enum")
    }

    @Test func everyDeclaredOperatorHasASchema() {
        let unknown = registry.implementedNames.filter { name in
            let base = String(name.prefix { $0 != "." })
            return !registry.overloads(of: base).contains { $0.qualifiedName == name }
        }
        // In-place variants are derived mechanically from every out-of-place declaration; only the ones
        // torch has are reachable, so only base declarations must match a schema.
        let bases = unknown.filter { !$0.split(separator: ".")[0].hasSuffix("_") }
        #expect(bases.sorted() == [], "declared without a torch schema")
    }
}
