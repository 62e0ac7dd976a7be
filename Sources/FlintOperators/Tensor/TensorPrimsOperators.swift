import FlintTensor
import FlintValues
import RealModule
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension OperatorDefinitions {
    /// `prims::` operators, the primitive set `torch._prims` defines and `torch.export` programs decomposed to prims
    /// call. Each runs the ATen operator it stands for, with prims' own rules where they differ: elementwise binary
    /// prims neither broadcast nor promote (their operands must have one shape and one dtype), `prims::div` truncates
    /// integers, reductions take a dimension list, and the shape prims (`broadcast_in_dim`, `collapse`, `split_dim`)
    /// spell views differently.
    mutating func definePrimsOperators() {
        let unary: [(prim: String, aten: String)] = [
            ("abs", "abs"), ("acos", "acos"), ("acosh", "acosh"), ("asin", "asin"), ("asinh", "asinh"), ("atan", "atan"), ("atanh", "atanh"),
            ("cos", "cos"), ("cosh", "cosh"), ("sin", "sin"), ("sinh", "sinh"), ("tan", "tan"), ("tanh", "tanh"), ("exp", "exp"),
            ("expm1", "expm1"), ("exp2", "exp2"), ("log", "log"), ("log10", "log10"), ("log1p", "log1p"), ("log2", "log2"),
            ("sqrt", "sqrt"), ("rsqrt", "rsqrt"), ("reciprocal", "reciprocal"), ("neg", "neg"), ("sign", "sign"), ("signbit", "signbit"),
            ("floor", "floor"), ("ceil", "ceil"), ("round", "round"), ("trunc", "trunc"), ("erf", "erf"), ("erfc", "erfc"),
            ("erf_inv", "erfinv"), ("erfcx", "special_erfcx"), ("lgamma", "lgamma"), ("digamma", "digamma"), ("ndtri", "special_ndtri"),
            ("bessel_j0", "special_bessel_j0"), ("bessel_j1", "special_bessel_j1"), ("bessel_i0", "i0"), ("bessel_i0e", "special_i0e"),
            ("bessel_i1", "special_i1"), ("bessel_i1e", "special_i1e"), ("spherical_bessel_j0", "special_spherical_bessel_j0"),
            ("isfinite", "isfinite"), ("bitwise_not", "bitwise_not"), ("conj_physical", "conj_physical"), ("clone", "clone"),
            ("conj", "conj"), ("view_of", "alias"), ("frexp", "frexp.Tensor"),
        ]
        for (prim, aten) in unary {
            guard let body = self["aten::" + aten] else { continue }
            define("prims::" + prim, body)
        }
        // cbrt: the real cube root, sign kept.
        tensorOp("prims::cbrt") { c in
            let x = try c.tensor(0, "self")
            guard x.dtype.isFloatingPoint else { throw OperatorError("\"cbrt_cpu\" not implemented for '\(x.dtype.scalarTypeName)'") }
            return try x.pointwise(CubeRoot(), operation: "cbrt")
        }
        // real and imag of complex tensors only (views of their parts).
        for (part, view) in [("real", 0), ("imag", 1)] {
            tensorOp("prims::" + part) { c in
                let x = try c.tensor(0, "self")
                guard x.dtype.isComplex else { throw OperatorError("Only complex dtype is supported") }
                return try x.viewAsReal().select(dim: -1, index: view)
            }
        }
        // The unnormalised transforms.
        tensorOp("prims::fft_r2c") { c in
            let x = try c.tensor(0, "self")
            let dims = try c.ints(1, "dim").map { try x.wrapDimension($0) }
            return try x.fourierTransform(sizes: dims.map { $0 < x.rank ? x.shape[$0] : 1 }, dims: dims, inverse: false, scale: 1, onesided: c.bool(2, "onesided"))
        }
        tensorOp("prims::fft_c2c") { c in
            let x = try c.tensor(0, "self")
            let dims = try c.ints(1, "dim").map { try x.wrapDimension($0) }
            return try x.fourierTransform(sizes: dims.map { $0 < x.rank ? x.shape[$0] : 1 }, dims: dims, inverse: !c.bool(2, "forward"), scale: 1)
        }
        tensorOp("prims::fft_c2r") { c in
            let x = try c.tensor(0, "self")
            let dims = try c.ints(1, "dim").map { try x.wrapDimension($0) }
            guard !dims.isEmpty else { throw OperatorError("fft_c2r must transform at least one axis") }
            let sizes = dims.dropLast().map { $0 < x.rank ? x.shape[$0] : 1 } + [try c.int(2, "last_dim_size")]
            return try x.complexToRealFourierTransform(sizes: sizes, dims: dims, scale: 1)
        }

        let binary: [(prim: String, aten: String)] = [
            ("add", "add.Tensor"), ("sub", "sub.Tensor"), ("mul", "mul.Tensor"), ("remainder", "remainder.Tensor"), ("fmod", "fmod.Tensor"),
            ("maximum", "maximum"), ("minimum", "minimum"), ("fmax", "fmax"), ("fmin", "fmin"), ("pow", "pow.Tensor_Tensor"),
            ("atan2", "atan2"), ("hypot", "hypot"), ("nextafter", "nextafter"), ("igamma", "igamma"), ("igammac", "igammac"),
            ("gcd", "gcd"), ("zeta", "special_zeta"), ("eq", "eq.Tensor"), ("ne", "ne.Tensor"), ("lt", "lt.Tensor"), ("le", "le.Tensor"),
            ("gt", "gt.Tensor"), ("ge", "ge.Tensor"), ("bitwise_and", "bitwise_and.Tensor"), ("bitwise_or", "bitwise_or.Tensor"),
            ("bitwise_xor", "bitwise_xor.Tensor"), ("shift_left", "bitwise_left_shift.Tensor"),
            ("shift_right_arithmetic", "bitwise_right_shift.Tensor"),
        ]
        for (prim, aten) in binary {
            guard let body = self["aten::" + aten] else { continue }
            define("prims::" + prim) { c in
                try Self.checkPrimsOperands(c.tensor(0, "self"), c.tensor(1, "other"))
                return try body(c)
            }
        }
        // Integers divide truncating (C's division), floats exactly.
        if let divide = self["aten::div.Tensor"], let divideRounding = self["aten::div.Tensor_mode"] {
            define("prims::div") { c in
                let (x, y) = (try c.tensor(0, "self"), try c.tensor(1, "other"))
                try Self.checkPrimsOperands(x, y)
                if x.dtype.isIntegral || x.dtype == .bool { return try divideRounding(Arguments([.tensor(x), .tensor(y), .string("trunc")])) }
                return try divide(c)
            }
        }
        if let select = self["aten::where.self"] {
            define("prims::where") { c in
                let (a, b) = (try c.tensor(1, "a"), try c.tensor(2, "b"))
                try Self.checkPrimsOperands(a, b)
                return try select(c)
            }
        }

        // Reductions over a dimension list (None is refused, as prims refuse it), with an optional result dtype.
        for (prim, aten) in [("sum", "sum.dim_IntList"), ("amax", "amax"), ("amin", "amin")] {
            guard let body = self["aten::" + aten] else { continue }
            define("prims::" + prim) { c in
                let x = try c.tensor(0, "inp")
                guard let dims = try c.optionalInts(1, "dims") else { throw OperatorError("prims.\(prim): 'NoneType' object is not iterable") }
                let reduced = try body(Arguments(prim == "sum" ? [.tensor(x), Self.intList(dims), .bool(false), .none] : [.tensor(x), Self.intList(dims), .bool(false)]))
                guard let dtype = try c.optionalDType(2, "output_dtype"), case .tensor(let result) = reduced else { return reduced }
                return .tensor(try result.to(dtype))
            }
        }
        if let productAlong = self["aten::prod.dim_int"] {
            define("prims::prod") { c in
                var x = try c.tensor(0, "inp")
                guard let dims = try c.optionalInts(1, "dims") else { throw OperatorError("prims.prod: 'NoneType' object is not iterable") }
                let wrapped = try Set(dims.map { try x.wrapDimension($0) }).sorted(by: >)
                let all = wrapped.isEmpty ? Array((0..<x.rank).reversed()) : wrapped
                if x.rank == 0 { x = try x.reshape([1]) }
                for dim in all where dim < x.rank {
                    guard case .tensor(let next) = try productAlong(Arguments([.tensor(x), .int(Int64(dim)), .bool(false), .none])) else { break }
                    x = next
                }
                if let dtype = try c.optionalDType(2, "output_dtype") { x = try x.to(dtype) }
                return .tensor(x)
            }
        }
        if let variance = self["aten::var.correction"] {
            define("prims::var") { c in
                let x = try c.tensor(0, "inp")
                guard let dims = try c.optionalInts(1, "dims") else { throw OperatorError("prims.var: 'NoneType' object is not iterable") }
                let correction: ScriptValue = c[2]
                let reduced = try variance(Arguments([.tensor(x), Self.intList(dims), correction, .bool(false)]))
                guard let dtype = try c.optionalDType(3, "output_dtype"), case .tensor(let result) = reduced else { return reduced }
                return .tensor(try result.to(dtype))
            }
        }

        // Shapes and views.
        let renamed: [(prim: String, aten: String)] = [
            ("reshape", "reshape"), ("transpose", "permute"), ("squeeze", "squeeze.dims"), ("rev", "flip"), ("cat", "cat"),
            ("view_of_dtype", "view.dtype"), ("as_strided", "as_strided"),
            ("as_strided_scatter", "as_strided_scatter"), ("svd", "linalg_svd"),
            ("scalar_tensor", "scalar_tensor"), ("full_like", "full_like"),
        ]
        for (prim, aten) in renamed {
            guard let body = self["aten::" + aten] else { continue }
            define("prims::" + prim, body)
        }
        // collapse(a, start, end): dimensions start through end (inclusive) as one.
        for name in ["collapse", "collapse_view"] {
            tensorOp("prims::" + name) { c in
                let x = try c.tensor(0, "a")
                let (start, end) = (try c.int(1, "start"), try c.int(2, "end"))
                guard 0 <= start, start <= end, end < Swift.max(x.rank, 1) else {
                    throw OperatorError("Attempting to collapse but collapse start \(start) or end \(end) is out of range for a tensor of rank \(x.rank)")
                }
                return try x.rank == 0 ? x : x.flatten(startDim: start, endDim: end)
            }
        }
        tensorOp("prims::split_dim") { c in
            let x = try c.tensor(0, "a")
            guard x.rank > 0 else { throw OperatorError("split_dim: a 0-dimensional tensor has no dimension to split") }
            let dim = try x.wrapDimension(c.int(1, "dim"))
            let outer = try c.int(2, "outer_length")
            guard outer > 0, x.shape[dim] % outer == 0 else {
                throw OperatorError("Attempting to split dimension of length \(x.shape[dim]), but outer length of \(outer) divides it with a remainder!")
            }
            return try x.unflatten(dim: dim, sizes: [outer, x.shape[dim] / outer])
        }
        // broadcast_in_dim(a, shape, broadcast_dimensions): a's dimensions land at broadcast_dimensions, the rest are new.
        tensorOp("prims::broadcast_in_dim") { c in
            let x = try c.tensor(0, "a")
            let shape = try c.ints(1, "shape", single: false)
            let placed = try c.ints(2, "broadcast_dimensions", single: false)
            guard placed.count == x.rank, placed == placed.sorted(), placed.allSatisfy({ (0..<shape.count).contains($0) }) else {
                throw OperatorError("broadcast_in_dim: broadcast_dimensions \(placed) do not place a tensor of shape \(x.shape) in \(shape)")
            }
            var unsqueezed = [Int](repeating: 1, count: shape.count)
            for (source, target) in placed.enumerated() {
                guard x.shape[source] == 1 || x.shape[source] == shape[target] else {
                    throw OperatorError("broadcast_in_dim: dimension \(source) of size \(x.shape[source]) cannot become \(shape[target])")
                }
                unsqueezed[target] = x.shape[source]
            }
            return try x.reshape(unsqueezed).expand(shape)
        }

        // Factories: every dtype and device is given (the device is the CPU).
        if let full = self["aten::full"] {
            define("prims::full") { c in try full(Arguments([c[0], c[1], c[2]])) }
        }
        for name in ["empty", "empty_strided", "empty_permuted"] {
            define("prims::" + name) { c in
                let shape = try c.ints(0, "shape", single: false)
                let dtype = try c.requiredDType(name == "empty" ? 1 : 2, "dtype")
                try Tensor.checkAllocatable(shape, dtype: dtype)
                switch name {
                case "empty_strided": return .tensor(try Self.zerosStrided(shape, strides: c.ints(1, "strides", single: false), dtype: dtype))
                case "empty_permuted": return .tensor(try Self.zerosPermuted(shape, physicalLayout: c.ints(1, "physical_layout", single: false), dtype: dtype))
                default: return .tensor(try Tensor.zeros(shape, dtype: dtype))
                }
            }
        }
        tensorOp("prims::copy_strided") { c in
            let x = try c.tensor(0, "a")
            let result = try Self.zerosStrided(x.shape, strides: c.ints(1, "stride", single: false), dtype: x.dtype)
            try result.copy(from: x)
            return result
        }
        if let arange = self["aten::arange.start_step"] {
            define("prims::iota") { c in
                let (length, start, step) = (try c.int64(0, "length"), try c.int64(1, "start"), try c.int64(2, "step"))
                guard length >= 0 else { throw OperatorError("length must be non-negative, but got \(length)") }
                guard step != 0 else { throw OperatorError("step must be nonzero") }
                return try arange(Arguments([.int(start), .int(start &+ step &* length), .int(step), c[3]]))
            }
        }
        for (name, largest) in [("maximum_value", true), ("minimum_value", false)] {
            define("prims::" + name) { c in try Self.extremeValue(of: c.requiredDType(0, "dtype"), largest: largest) }
        }
        define("prims::convert_element_type") { c in .tensor(try c.tensor(0, "a").converted(to: c.requiredDType(1, "dtype"))) }
        tensorOp("prims::fill") { c in
            let x = try c.tensor(0, "self")
            return try Tensor.full(x.shape, value: c.scalar(1, "value").doubleValue, dtype: x.dtype)
        }
        define("prims::item") { c in try TensorScalars.item(c.tensor(0, "a")) }
        define("prims::device_put") { c in .tensor(try c.tensor(0, "a").clone()) }
        define("prims::copy_to") { c in
            let target = try c.tensor(0, "a")
            try target.copy(from: c.tensor(1, "b"))
            return .tensor(target)
        }
        define("prims::_make_token") { _ in .tensor(try Tensor.zeros([0])) }
        define("prims::_sink_tokens") { _ in .none }
    }

    /// A zero tensor of `shape` laid out with `strides` (an `empty_strided`; Flint zeroes what ATen leaves unset).
    static func zerosStrided(_ shape: [Int], strides: [Int], dtype: DType) throws -> Tensor {
        guard strides.count == shape.count, shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }) else {
            throw OperatorError("mismatch in length of strides and shape")
        }
        try Tensor.checkAllocatable(shape, dtype: dtype)
        var extent = shape.contains(0) ? 0 : 1
        for (size, stride) in zip(shape, strides) where extent > 0 {
            let (span, overflow) = (size - 1).multipliedReportingOverflow(by: stride)
            guard !overflow, span <= 1 << 40 else { throw OperatorError("empty_strided: the strides \(strides) reach past any storage") }
            extent += span
        }
        try Tensor.checkAllocatable([extent], dtype: dtype)
        return try Tensor(storage: Storage(byteCount: extent * dtype.itemSize), dtype: dtype, shape: shape, strides: strides, storageOffset: 0)
    }

    /// A zero tensor of `shape` whose dimensions lie in memory in the order `physicalLayout` gives (an `empty_permuted`).
    static func zerosPermuted(_ shape: [Int], physicalLayout: [Int], dtype: DType) throws -> Tensor {
        guard physicalLayout.count == shape.count, physicalLayout.sorted() == Array(0..<shape.count) else {
            throw OperatorError("Number of dimensions in size does not match the length of the physical_layout; or physical_layout is not a permutation")
        }
        try Tensor.checkAllocatable(shape, dtype: dtype)
        var inverse = [Int](repeating: 0, count: shape.count)
        for (position, dim) in physicalLayout.enumerated() { inverse[dim] = position }
        return try Tensor.zeros(physicalLayout.map { shape[$0] }, dtype: dtype).permute(inverse)
    }

    /// prims' elementwise operands: one shape and one dtype, as `torch._prims` checks them.
    fileprivate static func checkPrimsOperands(_ first: Tensor, _ second: Tensor) throws {
        guard first.shape == second.shape else {
            throw OperatorError("Shape torch.Size(\(second.shape)) is not the expected shape torch.Size(\(first.shape))!")
        }
        guard first.dtype == second.dtype else {
            throw OperatorError("Tensor with dtype torch.\(second.dtype.name) is not the expected dtype of torch.\(first.dtype.name)!")
        }
    }

    fileprivate static func intList(_ values: [Int]) -> ScriptValue {
        .list(values.map { .int(Int64($0)) }, elementType: "int")
    }

    /// The largest (or smallest) finite value of a dtype, as prims give it: floats' finite extremes, integers' range, bool's
    /// True or False.
    fileprivate static func extremeValue(of dtype: DType, largest: Bool) throws -> ScriptValue {
        switch dtype {
        case .bool: return .bool(largest)
        case .float32: return .double(Double(largest ? Float.greatestFiniteMagnitude : -Float.greatestFiniteMagnitude))
        case .float64: return .double(largest ? Double.greatestFiniteMagnitude : -Double.greatestFiniteMagnitude)
        case .float16: return .double(largest ? 65504 : -65504)
        case .bfloat16: return .double(largest ? 3.3895313892515355e38 : -3.3895313892515355e38)
        case .uint8: return .int(largest ? 255 : 0)
        case .int8: return .int(largest ? 127 : -128)
        case .int16: return .int(largest ? 32767 : -32768)
        case .int32: return .int(largest ? 2_147_483_647 : -2_147_483_648)
        case .int64: return .int(largest ? .max : .min)
        default: throw OperatorError("prims.\(largest ? "maximum" : "minimum")_value: unsupported dtype \(dtype.name)")
        }
    }
}

/// The real cube root (`prims.cbrt`), as the C library computes it.
private struct CubeRoot: FloatPointwiseFunction {
    func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C { C(cbrt(Double(x))) }
}
