import Flint

/// One named tensor of a served model: where it binds (its position among `forward()`'s tensor arguments,
/// or in the returned tuple) and, when `config.pbtxt` declares them, its datatype and dims.
package struct TensorSpec: Sendable, Equatable {
    package var name: String
    package var position: Int
    /// The declared datatype; nil when the model has no config (any dtype is handed to the model).
    package var datatype: WireDataType?
    /// The declared dims, without the batch dimension; -1 is any size. Nil when undeclared.
    package var dims: [Int]?
}

/// How requests bind to a model's `forward()`: Triton's libtorch conventions.
///
/// With a config, tensor names bind by their `__<index>` suffix (`INPUT__0` is the first argument,
/// `OUTPUT__1` the second element of the returned tuple), or an input by its `forward()` argument name.
/// `max_batch_size > 0` makes the first dimension the batch: a request's shape is `[b] + dims` with
/// 1 ≤ b ≤ max_batch_size. Without a config, inputs are `INPUT__0, INPUT__1, …` by position, outputs
/// `OUTPUT__0, …`, and any dtype and shape goes to the model.
package struct ModelSignature: Sendable {
    package var maxBatchSize: Int
    /// Inputs ordered by position.
    package var inputs: [TensorSpec]
    /// Outputs ordered by position.
    package var outputs: [TensorSpec]
    /// True when `config.pbtxt` declared the tensors.
    package var declared: Bool

    /// The Triton-convention position a name carries: `INPUT__3` → 3.
    package static func indexSuffix(of name: String) -> Int? {
        let bytes = Array(name.utf8)
        guard let separator = bytes.indices.dropLast().last(where: { bytes[$0] == UInt8(ascii: "_") && bytes[$0 + 1] == UInt8(ascii: "_") })
        else { return nil }
        let digits = bytes[(separator + 2)...]
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// The signature without a config: `INPUT__i` for the i-th `forward()` argument after `self`, and
    /// `OUTPUT__i` for each tensor the declared return type holds (one when it does not say).
    package static func conventional(forward schema: FunctionSchema) -> ModelSignature {
        let arguments = schema.arguments.filter { $0.name != "self" }
        let inputs = arguments.enumerated().map { index, _ in
            TensorSpec(name: "INPUT__\(index)", position: index, datatype: nil, dims: nil)
        }
        let outputs = outputCount(returnType: schema.returnType).map { count in
            (0..<count).map { TensorSpec(name: "OUTPUT__\($0)", position: $0, datatype: nil, dims: nil) }
        } ?? [TensorSpec(name: "OUTPUT__0", position: 0, datatype: nil, dims: nil)]
        return ModelSignature(maxBatchSize: 0, inputs: inputs, outputs: outputs, declared: false)
    }

    /// How many tensors a declared return type holds: 1 for `Tensor`, n for `Tuple[...]` with n elements;
    /// nil when the type does not say (a list, `Any`).
    static func outputCount(returnType: String) -> Int? {
        let type = String(returnType.filter { $0 != " " })
        if type == "Tensor" { return 1 }
        guard type.hasPrefix("Tuple[") || type.hasPrefix("("), type.count > 2 else { return nil }
        let inner = type.hasPrefix("(") ? type.dropFirst().dropLast() : type.dropFirst(6).dropLast()
        var depth = 0
        var count = inner.isEmpty ? 0 : 1
        for character in inner {
            switch character {
            case "[", "(": depth += 1
            case "]", ")": depth -= 1
            case "," where depth == 0: count += 1
            default: break
            }
        }
        return count
    }

    /// The model's view of a request: the inputs ordered by position, and the batch size (the first
    /// dimension every input shares) when the model batches. Throws `invalidArgument` naming the input
    /// for unknown, duplicate or missing names and for datatypes and shapes that break the config.
    package func bind(_ tensors: [WireTensor], model: String) throws -> (inputs: [WireTensor], batch: Int?) {
        var byPosition: [Int: WireTensor] = [:]
        for tensor in tensors {
            let position: Int
            if let spec = inputs.first(where: { $0.name == tensor.name }) {
                position = spec.position
            } else if !declared, tensor.name.hasPrefix("INPUT__"), let index = Self.indexSuffix(of: tensor.name) {
                position = index
            } else {
                let expected = inputs.map(\.name).joined(separator: ", ")
                throw ServeError.invalidArgument("unexpected input '\(tensor.name)' for model '\(model)' (expected: \(expected.isEmpty ? "none" : expected))")
            }
            guard byPosition[position] == nil else {
                throw ServeError.invalidArgument("input '\(tensor.name)' is given more than once")
            }
            byPosition[position] = tensor
        }
        let count = declared ? inputs.count : (byPosition.keys.max().map { $0 + 1 } ?? 0)
        var ordered: [WireTensor] = []
        for position in 0..<count {
            guard let tensor = byPosition[position] else {
                let name = inputs.first { $0.position == position }?.name ?? "INPUT__\(position)"
                throw ServeError.invalidArgument("missing input '\(name)' for model '\(model)'")
            }
            if let spec = inputs.first(where: { $0.position == position }) { try check(tensor, against: spec) }
            ordered.append(tensor)
        }
        guard maxBatchSize > 0 else { return (ordered, nil) }
        let batch = ordered.first?.shape.first ?? 1
        for tensor in ordered where tensor.shape.first != batch {
            throw ServeError.invalidArgument(
                "input '\(tensor.name)' has batch size \(tensor.shape.first.map(String.init) ?? "none"); every input of a request must share the first dimension (\(batch))")
        }
        return (ordered, batch)
    }

    private func check(_ tensor: WireTensor, against spec: TensorSpec) throws {
        if let datatype = spec.datatype, datatype != tensor.datatype {
            throw ServeError.invalidArgument("input '\(tensor.name)': datatype \(tensor.datatype.rawValue) does not match the model's \(datatype.rawValue)")
        }
        guard let dims = spec.dims else { return }
        var shape = tensor.shape[...]
        if maxBatchSize > 0 {
            guard let batch = shape.first, batch >= 1, batch <= maxBatchSize else {
                throw ServeError.invalidArgument(
                    "input '\(tensor.name)': shape \(tensor.shape) needs a batch dimension from 1 to \(maxBatchSize) followed by \(dims)")
            }
            shape = shape.dropFirst()
        }
        let fits = shape.count == dims.count && zip(shape, dims).allSatisfy { $1 == -1 || $0 == $1 }
        guard fits else {
            let expected = maxBatchSize > 0 ? "[-1] + \(dims)" : "\(dims)"
            throw ServeError.invalidArgument("input '\(tensor.name)': shape \(tensor.shape) does not match the model's \(expected)")
        }
    }

    /// Shapes as model metadata shows them: `[-1] + dims` for batching models.
    package func metadataShape(_ spec: TensorSpec) -> [Int] {
        let dims = spec.dims ?? [-1]
        return maxBatchSize > 0 ? [-1] + dims : dims
    }
}
