import FlintRuntime
import FlintValues

extension Module {
    /// Runs `forward` on positional arguments, as libtorch's `module.forward(inputs)` does.
    ///
    /// Throws ``FlintError``: `.scriptError` when the model raises or an operator rejects its input (the
    /// error carries the TorchScript traceback and the user's Python line), `.invalidInput` when the inputs
    /// don't fit the method's signature. Safe to call from several threads at once.
    public func forward(_ inputs: [IValue]) throws -> IValue {
        try run(method: "forward", inputs)
    }

    /// Runs `forward`: `try module(.tensor(x))`.
    public func callAsFunction(_ inputs: IValue...) throws -> IValue {
        try run(method: "forward", inputs)
    }

    /// Runs any method of this module: `forward`, an `@torch.jit.export`ed method, or a method of a
    /// submodule by dotted path (`"encoder.forward"`). Missing trailing arguments take their defaults.
    public func run(method: String, _ inputs: [IValue]) throws -> IValue {
        guard let compiled else {
            throw FlintError(kind: .unsupported, file: filePath, record: nil, message: "this module was loaded for inspection only")
        }
        let target = try compiled.method((path + [method]).joined(separator: "."))
        do {
            return IValue(try target(inputs.map(\.scriptValue)))
        } catch var error as FlintError {
            error.file = filePath
            throw error
        }
    }

    /// The submodule at a dotted path (`"layer1.0.conv1"`), or nil.
    public func submodule(_ dottedPath: String) -> Module? {
        var current: Module? = self
        for name in dottedPath.split(separator: ".") {
            current = current?.namedChildren().first { $0.name == name }?.module
        }
        return current
    }

    /// Parameters of this module and all its submodules, with dotted names, in `state_dict()` order.
    public func namedParameters() throws -> [(name: String, tensor: Tensor)] {
        var result = ownParameters()
        for (name, child) in namedChildren() {
            result += try child.namedParameters().map { ("\(name).\($0.name)", $0.tensor) }
        }
        return result
    }
}
