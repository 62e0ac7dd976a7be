import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// `torch.Generator` objects (``GeneratorObject``): `torch.Generator(device="cpu", seed=...)` (TorchScript prints
    /// the default seed, 67280421310721, when the Python code gave none), `g.manual_seed(s)`, `g.seed()` (a new
    /// nondeterministic seed, 53 bits as c10 draws it) and `g.initial_seed()`. Random operators given one draw from it
    /// (``generator(_:_:)``), otherwise from the default generator.
    mutating func defineGeneratorOperators() {
        define("aten::Generator") { c in
            if case .device(let device) = c[0], device.type != "cpu" {
                throw OperatorError("Flint runs on the CPU: a torch.Generator for device '\(device.type)' is not supported")
            }
            let seed = try c.optionalInt(1, "seed").map { UInt64(bitPattern: Int64($0)) } ?? CPUGenerator.defaultSeed
            return GeneratorObject.value(holding: CPUGenerator(seed: seed))
        }
        define("aten::manual_seed.generator") { c in
            try Self.generatorObject(c, 0).seed(UInt64(bitPattern: try c.int64(1, "seed")))
            return c[0]
        }
        define("aten::initial_seed") { c in .int(Int64(bitPattern: try Self.generatorObject(c, 0).initialSeed)) }
        define("aten::seed") { c in
            var system = SystemRandomNumberGenerator()
            let seed = system.next() & 0x1F_FFFF_FFFF_FFFF
            try Self.generatorObject(c, 0).seed(seed)
            return .int(Int64(seed))
        }
    }

    /// The generator argument `index` of a random operator: the one a `torch.Generator` value holds, or the default
    /// generator when the argument is None or absent.
    static func generator(_ c: Arguments, _ index: Int?) throws -> CPUGenerator {
        guard let index, c.values.count > index else { return .default }
        if case .none = c[index] { return .default }
        return try generatorObject(c, index)
    }

    private static func generatorObject(_ c: Arguments, _ index: Int) throws -> CPUGenerator {
        guard let generator = GeneratorObject.generator(in: c[index]) else {
            throw OperatorError("expected a torch.Generator, got \(c[index].kindName)")
        }
        return generator
    }
}
