#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// The `prim::` operators TorchScript's own passes and printed IR use beside the language's syntax: tuple and string
    /// indexing, casts and placeholders, the conditional expression, tensor byte sizes, reduction shapes, the
    /// autograd helpers as inference sees them (no gradients: `prim::grad` is None), timing points and stat counters,
    /// awaitables and futures (the value itself: nothing runs asynchronously), the variadic nodes of libtorch's graph
    /// passes (broadcast sizes, gradient checks, the fuser's cat / stack / product tree, print, object ids), and the two
    /// `onnx::` shape operators.
    mutating func defineInterpreterPrimitiveOperators() {
        if let abs = self["aten::abs"] { define("prim::abs", abs) }
        define("prim::TupleIndex") { c in
            guard case .tuple(let items) = c[0] else { throw OperatorError("prim::TupleIndex: expected a tuple, got \(c[0].kindName)") }
            return items[try Self.normalize(c.int(1, "i"), count: items.count, what: "tuple index out of range")]
        }
        // A str's byte, as `__getitem__.str` indexes it.
        if let index = self["aten::__getitem__.str"] { define("prim::StringIndex", index) }
        define("prim::unchecked_cast") { c in c[0] }
        define("prim::Uninitialized") { _ in .none }
        define("prim::IfThenElse") { c in try c.bool(0, "cond") ? c[1] : c[2] }
        define("prim::rangelist") { c in
            let n = Swift.max(0, try c.int(0, "n"))
            try Tensor.checkAllocatable([n], dtype: .int64)
            return .list((0..<n).map { .int(Int64($0)) }, elementType: "int")
        }
        define("prim::nbytes") { c in
            let t = try c.tensor(0, "a")
            return .int(Int64(t.elementCount * t.dtype.itemSize))
        }
        define("prim::itemsize") { c in .int(Int64(try c.tensor(0, "a").dtype.itemSize)) }
        define("prim::name") { c in _ = try c.tensor(0, "a"); return .none }
        define("prim::index") { c in
            guard case .device(let device) = c[0] else { throw OperatorError("Device.index of \(c[0].kindName)") }
            return device.index.map { .int(Int64($0)) } ?? .none
        }
        define("prim::ModuleContainerIndex.list") { c in
            guard case .list(let list) = c[0] else { throw OperatorError("ModuleList index of \(c[0].kindName)") }
            return list.elements[try Self.normalize(c.int(1, "ind"), count: list.elements.count, what: "index \(try c.int(1, "ind")) is out of range")]
        }
        define("prim::ModuleContainerIndex.dict") { c in
            let (dict, key) = (try c.dict(0), c[1])
            guard let position = dict.index(of: key) else { throw OperatorError("KeyError: \(key.pythonString(quoted: true))") }
            return dict.values[position]
        }
        // The sizes a reduction over `red_axes` leaves.
        define("prim::ReductionSizes") { c in
            let (size, axes, keep) = (try c.ints(0, "size", single: false), try c.ints(1, "red_axes", single: false), try c.bool(2, "keepdim", default: false))
            let reduced = try Set(axes.map { axis -> Int in
                let wrapped = axis < 0 ? axis + size.count : axis
                guard (0..<Swift.max(size.count, 1)).contains(wrapped) else { throw OperatorError("Dimension out of range (got \(axis))") }
                return wrapped
            })
            let result = size.indices.compactMap { reduced.contains($0) ? (keep ? 1 : nil) : size[$0] }
            return .list(result.map { .int(Int64($0)) }, elementType: "int")
        }
        // Gradients are never recorded: an absent gradient is None, and adding one to another keeps the other.
        let add = self["aten::add.Tensor"]
        define("prim::AutogradAdd") { c in
            if case .none = c[0] { return c[1] }
            if case .none = c[1] { return c[0] }
            guard let add else { throw OperatorError("prim::AutogradAdd: no add") }
            return try add(Arguments([c[0], c[1], .int(1)]))
        }
        define("prim::AutogradZero") { _ in .none }
        define("prim::grad") { c in _ = try c.tensor(0, "a"); return .none }
        define("prim::Guard") { c in .tensor(try c.tensor(0, "t")) }
        define("prim::TimePoint") { _ in
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            return .int(Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec))
        }
        define("prim::AddStatValue") { _ in .none }
        // An awaitable is its value: the wait returns it.
        define("prim::awaitable_nowait") { c in c[0] }
        define("prim::awaitable_wait") { c in c[0] }
        // So is a future: a forked closure has run by the time its future exists.
        define("aten::wait") { c in c[0] }
        // Whether any / all / none of the gradients given (tensors, or tensor lists for AnyNonZero) is defined.
        @Sendable func defined(_ value: ScriptValue) -> [Bool] {
            switch value {
            case .tensor: [true]
            case .list(let list): list.elements.map { if case .tensor = $0 { true } else { false } }
            default: [false]
            }
        }
        define("prim::AutogradAnyNonZero") { c in .bool(c.values.flatMap(defined).contains(true)) }
        define("prim::AutogradAllZero") { c in .bool(!c.values.flatMap(defined).contains(true)) }
        define("prim::AutogradAllNonZero") { c in .bool(!c.values.flatMap(defined).contains(false)) }
        // The shape all the given sizes broadcast to.
        define("prim::BroadcastSizes") { c in
            let sizes = try c.values.indices.map { try c.ints($0, "sizes", single: false) }
            return .list(try Tensor.broadcastShape(sizes).map { .int(Int64($0)) }, elementType: "int")
        }
        // The placeholder a profiling executor keeps at the front of a graph; libtorch's returns 1.
        define("prim::BailoutTemplate") { _ in .int(1) }
        // print() as an operator (graphs call prim::Print; printed code compiles `print` itself).
        define("prim::Print") { c in
            print(c.values.map { $0.pythonString(quoted: false) }.joined(separator: " "))
            return .none
        }
        // An object's identity (0 for None), as libtorch gives its address.
        define("prim::id") { c in
            guard case .object(let object) = c[0] else { return .int(0) }
            return .int(Int64(truncatingIfNeeded: UInt(bitPattern: ObjectIdentifier(object).hashValue)))
        }
        // The fuser's variadic cat and stack (the dimension last), and its tree of products: Σᵢ lhsᵢ·rhsᵢ, the inputs
        // being all left factors and then all right ones.
        define("prim::VarConcat") { c in
            let count = c.values.count - 1
            guard count >= 1 else { throw OperatorError("prim::VarConcat expects tensors followed by a dimension") }
            return .tensor(try Tensor.cat((0..<count).map { try c.tensor($0, "inputs") }, dim: c.int(count, "dim")))
        }
        define("prim::VarStack") { c in
            let count = c.values.count - 1
            guard count >= 1 else { throw OperatorError("prim::VarStack expects tensors followed by a dimension") }
            return .tensor(try Tensor.stack((0..<count).map { try c.tensor($0, "inputs") }, dim: c.int(count, "dim")))
        }
        define("prim::MMTreeReduce") { c in
            let count = c.values.count / 2
            guard count > 0, c.values.count == 2 * count else { throw OperatorError("prim::MMTreeReduce expects pairs of factors, got \(c.values.count) inputs") }
            var sum = try c.tensor(0, "lhs").matmul(c.tensor(count, "rhs"))
            for i in 1..<count { sum = try sum.add(c.tensor(i, "lhs").matmul(c.tensor(count + i, "rhs"))) }
            return .tensor(sum)
        }
        // ONNX's spellings of `_shape_as_tensor` and `_reshape_from_tensor`.
        if let shape = self["aten::_shape_as_tensor"], let reshape = self["aten::_reshape_from_tensor"] {
            define("onnx::Shape", shape)
            define("onnx::Reshape", reshape)
        }
    }
}
