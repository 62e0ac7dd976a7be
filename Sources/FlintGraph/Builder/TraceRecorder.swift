import FlintOperators
import FlintTensor
import FlintValues

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds a ``Graph`` by watching one run of a method through the interpreter: every operator call that
/// takes or returns tensors becomes a node, with tensors named by identity (storage, offset, shape,
/// strides) and everything else recorded as literals. Submodule and function calls are thereby inlined,
/// `self.training` and constants folded, and control flow resolved for this input signature.
///
/// The recording is valid for every later call with the same signature only if nothing the run decided
/// depended on tensor *contents* and the run had no effect beyond its result. The interpreter reports what
/// breaks that (``noteUntraceable(_:)``): reading a tensor's data into a number (`item`, `bool(t)`,
/// implicit conversions, iterating a tensor), operators whose output shape depends on data (`nonzero`,
/// `unique`, `nms`), writes to module attributes, printing, and in-place writes to an input, a parameter or
/// a buffer (such a method is never frozen). Any of these leaves the method to the interpreter.
package final class TraceRecorder {
    /// Why the run cannot become a graph (the first reason seen), or nil.
    package private(set) var failure: String?
    let graph = Graph()
    private var valueOf: [TensorKey: ValueID] = [:]
    /// Storages of the inputs and of tensors frozen as constants: in-place writes to them are effects.
    private var externalStorages: Set<ObjectIdentifier> = []
    /// Values whose contents are fixed by the signature: constants, and results of deterministic operators
    /// on them and on literals (a traced `size` wrapped by `prim::NumToTensor`). Reading their data is safe.
    private var staticValues: Set<ValueID> = []
    /// Storages an operator wrote in place with data that is not static.
    private var overwrittenStorages: Set<ObjectIdentifier> = []

    /// Starts a recording of a call with these arguments (after `self`). With `allowingPlaceholders`, costly
    /// operators' results may be placeholders (``placeholderCount``).
    package init(arguments: [ScriptValue], allowingPlaceholders: Bool = false) {
        allowsPlaceholders = allowingPlaceholders
        if !arguments.allSatisfy(Self.isRepresentable) { noteUntraceable("an argument holds tensors inside a dict or an object") }
        graph.inputs = arguments.map { argument in template(argument, defining: .input) }
        for input in graph.inputs {
            for value in input.values { if let key = keys[value] { externalStorages.insert(key.storage) } }
        }
    }

    /// Keys of input tensors, to protect their storages.
    private var keys: [ValueID: TensorKey] = [:]

    // MARK: The recorder of the current thread

    /// The recorder watching the calling thread's interpreter, if any.
    package static var current: TraceRecorder? {
        guard let pointer = pthread_getspecific(threadKey) else { return nil }
        return Unmanaged<TraceRecorder>.fromOpaque(pointer).takeUnretainedValue()
    }

    private static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Runs `body` with this recorder watching the calling thread.
    package func watching<T>(_ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(Self.threadKey)
        pthread_setspecific(Self.threadKey, Unmanaged.passUnretained(self).toOpaque())
        defer { pthread_setspecific(Self.threadKey, previous) }
        return try body()
    }

    /// Notes, on the current thread's recorder if any, something that keeps the run from being a graph. Called
    /// before the interpreter acts (writes the attribute, prints): a run whose values include placeholders
    /// throws ``RecordingAbandoned`` instead, so nothing it would do with them happens.
    package static func noteUntraceable(_ reason: @autoclosure () -> String) throws {
        guard let recorder = current else { return }
        recorder.noteUntraceable(reason())
        try recorder.abandonIfPlaceholders()
    }

    /// Notes that the interpreter reads `tensor`'s data (an implicit conversion to a number): harmless when
    /// the data is fixed by the signature, otherwise the run cannot be a graph (and a run with placeholders
    /// throws ``RecordingAbandoned``: the data may be a placeholder's).
    package static func noteDataRead(_ tensor: Tensor, _ reason: @autoclosure () -> String) throws {
        guard let recorder = current, !recorder.isStatic(tensor) else { return }
        recorder.noteUntraceable(reason())
        try recorder.abandonIfPlaceholders()
    }

    /// Thrown out of a recording run that has used placeholders as soon as something keeps it from being a
    /// graph: its values are not the call's, so no more of it may run (an attribute write, a print, a loop on
    /// data, an in-place write into a parameter). The caller runs the method again from real values, once.
    package struct RecordingAbandoned: Error, CustomStringConvertible {
        package let reason: String
        package var description: String { "the recording was abandoned: \(reason)" }
    }

    private func abandonIfPlaceholders() throws {
        if placeholderCount > 0, let failure { throw RecordingAbandoned(reason: failure) }
    }

    private func isStatic(_ tensor: Tensor) -> Bool {
        let key = TensorKey(tensor)
        guard !overwrittenStorages.contains(key.storage) else { return false }
        guard let value = valueOf[key] else { return true }  // never seen: a constant of the code
        return staticValues.contains(value)
    }

    // MARK: Placeholders

    /// Whether results of costly operators may be placeholders (set before the run).
    private let allowsPlaceholders: Bool
    /// How many results of this run were placeholders: zero-filled tensors of the right shape and dtype that
    /// stood in for an operator's result, without computing it. A graph recorded so is exact (what is recorded
    /// is the call, not its values), since a placeholder only ever stands in for a value that varies with
    /// the inputs, and anything that would depend on such a value's data or act on the world (a data read, an
    /// attribute write, a print, an in-place write into an input or a parameter) abandons the run before it
    /// happens (``RecordingAbandoned``). The run's own result is meaningless: the caller runs the method again
    /// without a recorder when no graph comes of it.
    package private(set) var placeholderCount = 0

    /// A zero-filled stand-in for the result of an operator with this shape function on these arguments, or
    /// nil when it must run: placeholders not allowed, an argument fixed by the signature (a constant the
    /// graph may fold or read), or a shape the function cannot tell or refuses (the body then reports why).
    /// An in-place operator (`writesFirstArgument`) whose target varies with the inputs and has the result's
    /// shape and dtype leaves the target as it is and returns it: the target's data is then a placeholder's.
    private func placeholder(for resultShape: OperatorShapeFunction?, _ arguments: Arguments, writesFirstArgument: Bool) -> ScriptValue? {
        guard allowsPlaceholders, let resultShape else { return nil }
        var varies = false
        for argument in arguments.values {
            guard case .tensor(let tensor) = argument else { continue }
            if !isStatic(tensor) { varies = true }
        }
        guard varies, let outline = try? resultShape(arguments) else { return nil }
        if writesFirstArgument {
            // Never into an input's, a parameter's or a buffer's storage: that write must happen, once (before any
            // placeholder the run goes on as an interpreted one; after one, it is abandoned before the write).
            guard case .tensor(let target)? = arguments.values.first, !isStatic(target), !externalStorages.contains(ObjectIdentifier(target.storage)),
                target.shape == outline.shape, target.dtype == outline.dtype
            else { return nil }
            placeholderCount += 1
            return .tensor(target)
        }
        placeholderCount += 1
        return .tensor(Tensor.mappedZeros(outline.shape, dtype: outline.dtype))
    }

    package func noteUntraceable(_ reason: String) {
        if failure == nil { failure = reason }
    }

    /// `body` wrapped so that calls made while a recorder watches the thread are recorded; `writer`, the
    /// operator's form that writes into a given destination, goes into the recorded nodes. `resultShape`, the
    /// operator's ``OperatorShapeFunction``, lets a recorder that allows placeholders skip the computation
    /// (see ``placeholderCount``).
    package static func recording(
        _ body: @escaping OperatorBody, operation: String, writer: OperatorWriter? = nil, resultShape: OperatorShapeFunction? = nil
    ) -> OperatorBody {
        let baseName = String(operation.prefix { $0 != "." })
        let isShapeQuery = shapeQueries.contains(baseName)
        let isDataDependent = dataDependentShapes.contains(baseName) || operation == "aten::where" || baseName.contains("nested")
        let writesFirstArgument = Node.isInPlace(operation)
        let movesStatistics = runningStatisticsOperators.contains(operation)
        return { arguments in
            guard let recorder = current else { return try body(arguments) }
            guard recorder.failure == nil else {
                try recorder.abandonIfPlaceholders()
                return try body(arguments)
            }
            // Printing is an effect a graph would not repeat, and placeholders must not be printed.
            if operation == "prim::Print" {
                recorder.noteUntraceable("the method prints")
                try recorder.abandonIfPlaceholders()
            }
            // A batch norm in training moves its running statistics (module state) in place: no graph, and never
            // from placeholders.
            if movesStatistics, Self.updatesRunningStatistics(arguments) {
                recorder.noteUntraceable("\(operation) in training updates its running statistics")
                try recorder.abandonIfPlaceholders()
            }
            // A write into an input, a parameter or a buffer is refused before it happens when values may be
            // placeholders (after the fact, as `record` notes it, is too late).
            if writesFirstArgument, recorder.placeholderCount > 0, case .tensor(let target)? = arguments.values.first,
                recorder.externalStorages.contains(ObjectIdentifier(target.storage))
            {
                recorder.noteUntraceable("\(operation) writes into an input, a parameter or a buffer")
                try recorder.abandonIfPlaceholders()
            }
            let result = try recorder.placeholder(for: resultShape, arguments, writesFirstArgument: writesFirstArgument) ?? body(arguments)
            recorder.record(operation, body: body, writer: writer, arguments: arguments.values, result: result,
                            isShapeQuery: isShapeQuery, isDataDependent: isDataDependent)
            try recorder.abandonIfPlaceholders()
            return result
        }
    }

    // MARK: Recording

    private func record(_ operation: String, body: @escaping OperatorBody, writer: OperatorWriter?, arguments: [ScriptValue], result: ScriptValue,
                        isShapeQuery: Bool, isDataDependent: Bool) {
        // Seeding the random generator changes what every later draw returns; a graph would replay the draws
        // without it, so a method that seeds runs in the interpreter.
        if Self.setsGeneratorState(operation) { return noteUntraceable("\(operation) sets the random generator's state") }
        // A graph would keep drawing from the generator object of the recorded call, not from the call's own.
        if arguments.contains(where: { GeneratorObject.generator(in: $0) != nil }) {
            return noteUntraceable("\(operation) draws from a torch.Generator the method makes")
        }
        let takesTensors = arguments.contains(where: Self.containsTensor)
        let returnsTensors = Self.containsTensor(result)
        guard takesTensors || returnsTensors else { return }
        let inputsAreStatic = arguments.allSatisfy { Self.tensors(in: $0).allSatisfy(isStatic) }
        if isDataDependent && returnsTensors && !inputsAreStatic {
            return noteUntraceable("\(operation) has an output shape that depends on tensor data")
        }
        if operation.hasPrefix("aten::index."), case .list(let indices)? = arguments.dropFirst().first,
            indices.elements.contains(where: { if case .tensor(let t) = $0 { t.dtype == .bool || t.dtype == .uint8 } else { false } })
        {
            return noteUntraceable("\(operation) with a boolean mask has an output shape that depends on tensor data")
        }
        if !returnsTensors {
            // Shape, dtype and device queries are fixed by the signature, and so is data computed from
            // constants alone; anything else read data that varies.
            if !isShapeQuery && !inputsAreStatic { noteUntraceable("\(operation) reads tensor data into a \(result.kindName)") }
            return
        }
        guard arguments.allSatisfy(Self.isRepresentable), Self.isRepresentable(result) else {
            return noteUntraceable("\(operation) passes tensors inside dicts or objects")
        }
        let argumentTemplates = arguments.map { template($0, defining: nil) }
        let node = Node(op: operation, body: body, arguments: argumentTemplates, result: .literal(.none))
        // A writer makes a new tensor; a call that returned an argument's memory (`to` to the dtype it has)
        // keeps its body, so the plan's value stays that argument, as the interpreter's would.
        node.writer = writer.flatMap { writer in
            guard case .tensor(let made) = result else { return writer }
            let shared = arguments.contains { Self.tensors(in: $0).contains { $0.storage === made.storage } }
            return shared ? nil : writer
        }
        if node.isInPlace, case .tensor(let target)? = arguments.first, externalStorages.contains(ObjectIdentifier(target.storage)) {
            return noteUntraceable("\(operation) writes into an input, a parameter or a buffer")
        }
        node.result = template(result, defining: .node(node))
        graph.nodes.append(node)
        if inputsAreStatic && !Self.isNondeterministic(operation) {
            staticValues.formUnion(node.outputValues)
        } else if node.isInPlace, case .tensor(let target)? = arguments.first {
            overwrittenStorages.insert(ObjectIdentifier(target.storage))
        }
    }

    /// The method's result; returns the graph, or nil when the run cannot be one (see ``failure``).
    package func finish(result: ScriptValue) -> Graph? {
        guard failure == nil else { return nil }
        guard Self.isRepresentable(result) else {
            noteUntraceable("the result holds tensors inside dicts or objects")
            return nil
        }
        graph.output = template(result, defining: nil)
        return graph
    }

    /// A template for `value`. With `defining`, every tensor in it is a new value so defined; otherwise
    /// tensors are looked up, and ones never seen are frozen as constants (parameters, buffers, constants
    /// of the code).
    private func template(_ value: ScriptValue, defining: Graph.Definition?) -> ValueTemplate {
        switch value {
        case .tensor(let tensor):
            let key = TensorKey(tensor)
            if let defining {
                let id = graph.newValue(defining)
                graph.types[id] = TensorType(tensor)
                valueOf[key] = id
                keys[id] = key
                return .tensor(id)
            }
            if let known = valueOf[key] { return .tensor(known) }
            let id = graph.newValue(.constant(tensor))
            graph.types[id] = TensorType(tensor)
            staticValues.insert(id)
            valueOf[key] = id
            externalStorages.insert(key.storage)
            return .tensor(id)
        case .list(let list) where list.elements.contains(where: Self.containsTensor):
            return .list(list.elements.map { template($0, defining: defining) }, elementType: list.elementType)
        case .tuple(let items) where items.contains(where: Self.containsTensor):
            return .tuple(items.map { template($0, defining: defining) })
        default:
            return .literal(Self.snapshot(value))
        }
    }

    /// A copy of a literal that later mutations of the interpreter's lists and dicts cannot reach.
    private static func snapshot(_ value: ScriptValue) -> ScriptValue {
        switch value {
        case .list(let list): .list(list.elements.map(snapshot), elementType: list.elementType)
        case .tuple(let items): .tuple(items.map(snapshot))
        case .dict(let dict): .dict(ScriptDict(keys: dict.keys.map(snapshot), values: dict.values.map(snapshot), typeAnnotation: dict.typeAnnotation))
        default: value
        }
    }

    private static func tensors(in value: ScriptValue) -> [Tensor] {
        switch value {
        case .tensor(let t): [t]
        case .list(let list): list.elements.flatMap(tensors)
        case .tuple(let items): items.flatMap(tensors)
        default: []
        }
    }

    /// Random operators: their results are never fixed by the signature.
    private static func isNondeterministic(_ operation: String) -> Bool { RandomOperators.draws(operation) }

    /// Operators that set the random generator's state (`torch.manual_seed`).
    private static func setsGeneratorState(_ operation: String) -> Bool {
        operation == "aten::manual_seed" || operation.hasPrefix("aten::manual_seed.")
    }

    private static func containsTensor(_ value: ScriptValue) -> Bool {
        switch value {
        case .tensor: true
        case .list(let list): list.elements.contains(where: containsTensor)
        case .tuple(let items): items.contains(where: containsTensor)
        case .dict(let dict): dict.keys.contains(where: containsTensor) || dict.values.contains(where: containsTensor)
        case .object(let object): object.slots.contains(where: containsTensor)
        default: false
        }
    }

    /// Tensors only directly, or in lists and tuples.
    private static func isRepresentable(_ value: ScriptValue) -> Bool {
        switch value {
        case .list(let list): list.elements.allSatisfy(isRepresentable)
        case .tuple(let items): items.allSatisfy(isRepresentable)
        case .dict, .object: !containsTensor(value)
        default: true
        }
    }

    /// Operators that read only a tensor's metadata (fixed by the input signature).
    /// Batch norms whose `training` flag (argument 5, or always for `_batch_norm_with_update`) makes them move the
    /// running statistics they are given (arguments 3 and 4) in place.
    static let runningStatisticsOperators: Set<String> = [
        "aten::batch_norm", "aten::native_batch_norm", "aten::_native_batch_norm_legit", "aten::_batch_norm_with_update",
    ]

    /// Whether a call of one of ``runningStatisticsOperators`` moves running statistics: one is given, in training.
    static func updatesRunningStatistics(_ arguments: Arguments) -> Bool {
        let values = arguments.values
        let hasStatistics = values.count > 4 && [values[3], values[4]].contains { if case .tensor = $0 { true } else { false } }
        guard hasStatistics, values.count > 5 else { return false }
        if case .bool(let training) = values[5] { return training }
        return true  // `_batch_norm_with_update`: argument 5 is the momentum
    }

    static let shapeQueries: Set<String> = [
        "aten::size", "aten::sym_size", "aten::dim", "aten::numel", "aten::sym_numel", "aten::len", "aten::stride", "aten::sym_stride",
        "aten::storage_offset", "aten::is_contiguous", "aten::is_floating_point", "aten::is_complex", "aten::is_signed",
        "aten::element_size", "aten::get_device", "aten::__is__", "aten::__isnot__", "prim::dtype", "prim::device", "prim::layout",
        "prim::is_cuda", "prim::is_cpu", "prim::is_mps", "prim::is_xpu", "prim::is_sparse", "prim::is_sparse_csr", "prim::is_mkldnn",
        "prim::is_quantized", "prim::is_meta", "prim::is_nested", "prim::is_vulkan", "prim::is_ipu", "prim::is_maia", "prim::requires_grad",
        "prim::grad", "prim::name", "prim::shape", "aten::is_nested", "prim::is_mtia", "prim::is_xla", "prim::is_hpu",
        "aten::sym_storage_offset", "aten::_assert_tensor_metadata",
    ]

    /// Operators whose output shape depends on the data.
    static let dataDependentShapes: Set<String> = [
        "aten::nonzero", "aten::argwhere", "aten::unique", "aten::_unique", "aten::_unique2", "aten::unique_dim", "aten::unique_consecutive",
        "aten::masked_select", "aten::repeat_interleave", "aten::bincount", "aten::histc", "torchvision::nms",
        "aten::_pad_packed_sequence", "aten::_pack_padded_sequence", "aten::nonzero_numpy",
    ]
}

/// A tensor's identity for the recording: the same storage seen through the same view.
struct TensorKey: Hashable {
    let storage: ObjectIdentifier
    let offset: Int
    let shape: [Int]
    let strides: [Int]
    let dtype: DType

    init(_ tensor: Tensor) {
        storage = ObjectIdentifier(tensor.storage)
        offset = tensor.storageOffset
        shape = tensor.shape
        strides = tensor.strides
        dtype = tensor.dtype
    }
}
