import FlintTensor

/// Where a plan's intermediate tensors live: liveness analysis over the steps, then buffers of an arena
/// shared by values whose lifetimes do not overlap (first fit among the free buffers, growing one when none
/// is large enough).
///
/// A value is placed in the arena when the step defining it has a writer form (``Node/writer``) and one
/// tensor result. Its buffer stays busy from that step to the last step reading the value *or any value
/// that may alias it*: an operator without a writer form may return a view of its argument or the argument
/// itself (`reshape`, `flatten`, `contiguous`, `relu_`), so its results are taken to alias all its tensor
/// arguments. Values that outlive a run (the method's results, everything aliasing them, an input or a constant) are
/// never placed in the arena: their steps write into buffers of their own (``Placement/buffer`` nil), which a
/// run context hands out again only once nothing else holds them (the caller let the last result go).
///
/// A step whose kernel may write over an argument (``Node/resultMayReplaceArgument``: a convolution's or linear layer's fused
/// residual) takes that argument's buffer when this step is the argument's last reader, so the result is
/// written where the residual was read (one stream through memory instead of two).
struct MemoryPlan {
    /// A placed value: which arena buffer (nil: a buffer of the step's own), and the tensor type written there,
    /// with its contiguous strides.
    struct Placement {
        let buffer: Int?
        let type: TensorType
        let strides: [Int]

        /// Bytes the value takes.
        var byteCount: Int { type.shape.reduce(1, *) * type.dtype.itemSize }
    }

    /// The placement of each step's result, by step position (nil: the step allocates its result).
    let placements: [Placement?]
    /// Each buffer's size in bytes.
    let bufferSizes: [Int]
    /// How many steps write their result over an argument (``Node/resultMayReplaceArgument``).
    let replacingStepCount: Int

    init(_ graph: Graph) {
        let count = graph.valueCount
        // Alias classes: union-find over values.
        var parent = Array(0..<count)
        func root(_ value: Int) -> Int {
            var value = value
            while parent[value] != value {
                parent[value] = parent[parent[value]]
                value = parent[value]
            }
            return value
        }
        func union(_ a: Int, _ b: Int) {
            let (ra, rb) = (root(a), root(b))
            if ra != rb { parent[ra] = rb }
        }
        func isPlaceable(_ node: Node) -> Bool {
            guard node.writer != nil, !node.isInPlace, case .tensor(let value) = node.result, let type = graph.types[value] else { return false }
            // Writers write contiguously: a result recorded with other strides keeps its own allocation. So does
            // a quantized result (a destination made from the type alone would lack its scale and zero point).
            return type.isContiguous && type.shape.allSatisfy { $0 > 0 } && !Self.quantizedTypes.contains(type.dtype)
        }
        for node in graph.nodes where !isPlaceable(node) {
            for output in node.outputValues {
                for input in node.inputValues { union(output.index, input.index) }
            }
        }
        // The last step reading each alias class; the method's results and the graph's inputs and
        // constants (and whatever aliases them) are live forever.
        let forever = Int.max
        var classEnd = [Int](repeating: -1, count: count)
        for (position, node) in graph.nodes.enumerated() {
            for value in node.inputValues { classEnd[root(value.index)] = Swift.max(classEnd[root(value.index)], position) }
            for value in node.outputValues { classEnd[root(value.index)] = Swift.max(classEnd[root(value.index)], position) }
        }
        for value in graph.output.values { classEnd[root(value.index)] = forever }
        for index in 0..<count {
            switch graph.definition(of: ValueID(index: index)) {
            case .input, .constant: classEnd[root(index)] = forever
            case .node, .dropped: break
            }
        }
        // First fit over the steps in order; a buffer is free again after the last step of its value's class.
        var placements = [Placement?](repeating: nil, count: graph.nodes.count)
        var sizes: [Int] = []
        var busyUntil: [Int] = []
        // The arena buffer each placed value was written into.
        var bufferOfValue = [Int: Int]()
        var replacing = 0
        // The buffer of the argument a step's result may replace (``Node/resultMayReplaceArgument``), when that
        // argument has the result's type, lies alone in an arena buffer, and neither it nor anything aliasing it
        // is read after this step or by this step through another argument.
        func bufferToReplace(_ node: Node, at position: Int, type: TensorType) -> Int? {
            guard let index = node.resultMayReplaceArgument, let argument = node.tensorArgument(index),
                let buffer = bufferOfValue[argument.index], busyUntil[buffer] == position,
                let argumentType = graph.types[argument], argumentType.shape == type.shape, argumentType.dtype == type.dtype,
                classEnd[root(argument.index)] == position,
                node.inputValues.count(where: { root($0.index) == root(argument.index) }) == 1
            else { return nil }
            return buffer
        }
        for (position, node) in graph.nodes.enumerated() where isPlaceable(node) {
            guard case .tensor(let value) = node.result, let type = graph.types[value] else { continue }
            let end = classEnd[root(value.index)]
            guard end != forever else {
                placements[position] = Placement(buffer: nil, type: type, strides: Tensor.contiguousStrides(for: type.shape))
                continue
            }
            let bytes = type.shape.reduce(1, *) * type.dtype.itemSize
            let free = busyUntil.indices.filter { busyUntil[$0] < position }
            let buffer: Int
            if let replaced = bufferToReplace(node, at: position, type: type) {
                buffer = replaced
                replacing += 1
            } else if let fitting = free.filter({ sizes[$0] >= bytes }).min(by: { sizes[$0] < sizes[$1] }) {
                buffer = fitting
            } else if let largest = free.max(by: { sizes[$0] < sizes[$1] }) {
                buffer = largest
                sizes[largest] = bytes
            } else {
                buffer = sizes.count
                sizes.append(bytes)
                busyUntil.append(0)
            }
            busyUntil[buffer] = Swift.max(end, position)
            bufferOfValue[value.index] = buffer
            placements[position] = Placement(buffer: buffer, type: type, strides: Tensor.contiguousStrides(for: type.shape))
        }
        self.placements = placements
        bufferSizes = sizes
        replacingStepCount = replacing
    }

    private static let quantizedTypes: Set<DType> = [.qint8, .quint8, .qint32, .quint4x2, .quint2x4]

    /// How many steps write into buffers of their own.
    var ownBufferCount: Int { placements.count { $0 != nil && $0!.buffer == nil } }

    /// Bytes of all buffers: one run's arena.
    var arenaBytes: Int { bufferSizes.reduce(0, +) }

    /// The destination tensors of one arena: a fresh set of buffers, and each step placed there its view of its
    /// buffer (nil for the others).
    func makeDestinations() -> [Tensor?] {
        let buffers = bufferSizes.map { Storage(byteCount: $0) }
        return placements.map { placement in
            guard let placement, let buffer = placement.buffer else { return nil }
            // In bounds by construction: the buffer holds at least this many bytes.
            return try! Tensor(storage: buffers[buffer], dtype: placement.type.dtype, shape: placement.type.shape, strides: placement.strides, storageOffset: 0)
        }
    }
}
