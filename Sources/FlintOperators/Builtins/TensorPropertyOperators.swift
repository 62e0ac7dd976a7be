import FlintLinearAlgebra
import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// What scripted code asks of a tensor and of its runtime rather than computes: layout and autograd
    /// predicates (`is_signed`, `is_leaf`, `storage_offset`, ...) as an inference runtime answers them, dtype
    /// arithmetic (`result_type`, `promote_types`, `can_cast`, `_cast_*`), the functionalised assertions
    /// torch.export inserts, and size helpers (`_infer_size`, `_shape_as_tensor`, ...). Declared after the
    /// primitive operators, whose bodies some of them run.
    mutating func defineTensorPropertyOperators() {
        defineLayoutPredicates()
        defineDTypeArithmetic()
        defineFunctionalAssertions()
        defineSizeHelpers()
        defineTensorListBuiltins()
    }

    private mutating func defineLayoutPredicates() {
        define("aten::storage_offset") { c in .int(Int64(try c.tensor(0, "self").storageOffset)) }
        define("aten::is_signed") { c in
            let dtype = try c.tensor(0, "self").dtype
            return .bool(dtype.isFloatingPoint || dtype.isComplex || [.int8, .int16, .int32, .int64].contains(dtype))
        }
        // Flint's tensors are never lazily negated or conjugated views, distributed, pinned, zero tensors or
        // inference-mode tensors, and they record no autograd history: every one is a leaf at version 0.
        for name in ["aten::is_neg", "aten::is_conj", "aten::is_distributed", "aten::_is_zerotensor", "aten::retains_grad", "aten::is_inference"] {
            define(name) { c in _ = try c.tensor(0, "self"); return .bool(false) }
        }
        define("aten::is_pinned") { c in _ = try c.tensor(0, "self"); return .bool(false) }
        define("aten::is_leaf") { c in _ = try c.tensor(0, "self"); return .bool(true) }
        for name in ["aten::output_nr", "aten::_version"] {
            define(name) { c in _ = try c.tensor(0, "self"); return .int(0) }
        }
        define("aten::retain_grad") { c in _ = try c.tensor(0, "self"); return .none }
        for name in ["aten::requires_grad_", "aten::detach_", "aten::_fw_primal", "aten::_make_dual"] {
            define(name) { c in .tensor(try c.tensor(0, name == "aten::_make_dual" ? "primal" : "self")) }
        }
        for name in ["aten::data", "aten::pin_memory", "aten::_pin_memory", "aten::_fw_primal_copy", "aten::_make_dual_copy"] {
            define(name) { c in
                let x = try c.tensor(0, "self")
                return .tensor(name.hasSuffix("_copy") || name.hasSuffix("pin_memory") ? try x.clone() : x)
            }
        }
        define("aten::_to_cpu") { c in TensorOperatorSupport.list(try c.tensors(0, "tensors")) }
        define("aten::_propagate_xla_data") { _ in .none }
        // Memory-format predicates: contiguous (0), preserve (1), channels_last (2), channels_last_3d (3).
        define("aten::is_contiguous.memory_format") { c in .bool(try Self.isContiguous(c.tensor(0, "self"), format: c.int(1, "memory_format"))) }
        define("aten::sym_is_contiguous") { c in .bool(try Self.isContiguous(c.tensor(0, "self"), format: c.int(1, "memory_format", default: 0))) }
        define("aten::is_strides_like_format") { c in
            let (x, format) = (try c.tensor(0, "self"), try c.int(1, "memory_format"))
            return .bool(try format == 0 ? x.strides == Tensor.contiguousStrides(for: x.shape) : Self.isContiguous(x, format: format))
        }
        define("aten::is_non_overlapping_and_dense") { c in
            let x = try c.tensor(0, "self")
            // Dense: the strides, sorted, are those of a contiguous tensor of the dimensions in that order.
            let order = (0..<x.rank).filter { x.shape[$0] != 1 }.sorted { x.strides[$0] < x.strides[$1] }
            var expected = 1
            for dim in order {
                guard x.strides[dim] == expected else { return .bool(false) }
                expected *= x.shape[dim]
            }
            return .bool(true)
        }
        define("aten::is_same_size") { c in .bool(try c.tensor(0, "self").shape == c.tensor(1, "other").shape) }
        define("aten::_has_same_storage_numel") { c in
            .bool(try c.tensor(0, "self").storage.byteCount / c.tensor(0, "self").dtype.itemSize == c.tensor(1, "other").storage.byteCount / c.tensor(1, "other").dtype.itemSize)
        }
        define("aten::is_set_to") { c in
            let (x, y) = (try c.tensor(0, "self"), try c.tensor(1, "tensor"))
            return .bool(x.storage === y.storage && x.storageOffset == y.storageOffset && x.shape == y.shape && x.strides == y.strides)
        }
        define("aten::_has_compatible_shallow_copy_type") { c in _ = try c.tensor(1, "from"); return .bool(true) }
        define("aten::_debug_has_internal_overlap") { c in
            // 0: no overlap, 1: overlap (a zero stride over a dimension longer than 1), 2: too hard to tell.
            let x = try c.tensor(0, "self")
            return .int(zip(x.shape, x.strides).contains { $0 > 1 && $1 == 0 } ? 1 : 0)
        }
        define("aten::_nnpack_available") { _ in .bool(false) }
        define("aten::_is_tracing") { _ in .bool(false) }
        define("aten::_get_tracing_state") { _ in .bool(false) }
        define("aten::is_scripting") { _ in .bool(true) }
        // The lower-precision dtype autocast would use: bfloat16 on a CPU, float16 on an accelerator.
        define("aten::get_autocast_dtype") { c in
            .int(Int64((try c.string(0, "device_type") == "cpu" ? DType.bfloat16 : DType.float16).scalarTypeCode))
        }
        // Autocast's casts, which apply only where autocast is enabled for the CPU.
        define("aten::_autocast_to_reduced_precision") { c in
            let x = try c.tensor(0, "self")
            guard try c.bool(2, "cpu_enabled"), x.dtype == .float32 else { return .tensor(x) }
            return .tensor(try x.to(c.requiredDType(4, "cpu_dtype")))
        }
        define("aten::_autocast_to_full_precision") { c in
            let x = try c.tensor(0, "self")
            guard try c.bool(2, "cpu_enabled"), x.dtype == .float16 || x.dtype == .bfloat16 else { return .tensor(x) }
            return .tensor(try x.to(.float32))
        }
        if let item = self["aten::item"] { define("aten::_local_scalar_dense", item) }
        // as_tensor of a number is tensor of it (made in its default dtype, then converted), as libtorch shares them.
        for overload in ["bool", "int", "float", "complex"] {
            if let make = self["aten::tensor.\(overload)"] { define("aten::as_tensor.\(overload)", make) }
        }
        // nn.init's in-place fills.
        if let fill = self["aten::fill_.Scalar"], let zero = self["aten::zero_"] {
            define("aten::_no_grad_fill_", fill)
            define("aten::_no_grad_zero_", zero)
        }
        define("aten::is_nonzero") { c in .bool(try Self.tensorTruth(c.tensor(0, "self"))) }
        for (name, any) in [("aten::_is_all_true", false), ("aten::_is_any_true", true)] {
            tensorOp(name) { c in
                let x = try c.tensor(0, "self")
                guard x.dtype == .bool else { throw OperatorError("\(name.dropFirst(6)) expects a bool tensor, got \(x.dtype.scalarTypeName)") }
                let values = try x.contiguous().scalars(as: Bool.self)
                return try Tensor(shape: [], scalars: [any ? values.contains(true) : values.allSatisfy { $0 }])
            }
        }
    }

    /// Whether `x` is contiguous in memory format `format` (ATen's `is_contiguous(memory_format)`).
    fileprivate static func isContiguous(_ x: Tensor, format: Int) throws -> Bool {
        switch format {
        case 0, 1: return x.isContiguous
        case 2, 3:
            guard x.rank == format + 2 else { return false }
            // channels last: the channel dimension innermost, then the spatial ones, the batch outermost.
            let order = [1] + Array((2..<x.rank).reversed()) + [0]
            var expected = 1
            for dim in order {
                if x.shape[dim] != 1 && x.strides[dim] != expected { return false }
                expected *= x.shape[dim]
            }
            return true
        default: throw OperatorError("Unknown memory format \(format)")
        }
    }

    private mutating func defineDTypeArithmetic() {
        @Sendable func operand(_ value: ScriptValue) throws -> PromotionOperand {
            switch value {
            case .tensor(let t): return .tensor(t.dtype, rank: t.rank)
            case .bool: return .scalar(.bool)
            case .int: return .scalar(.int)
            case .double: return .scalar(.float)
            case .complex: return .scalar(.complex)
            default: throw OperatorError("result_type: expected a tensor or a number, got \(value.kindName)")
            }
        }
        for overload in ["Tensor", "Scalar", "Scalar_Tensor", "Scalar_Scalar"] {
            define("aten::result_type.\(overload)") { c in
                // Two numbers promote as zero-dimensional tensors of their default dtypes.
                if overload == "Scalar_Scalar" {
                    let kinds = try [c[0], c[1]].map { value -> PromotionOperand in
                        switch value {
                        case .bool: return .tensor(.bool, rank: 0)
                        case .int: return .tensor(.int64, rank: 0)
                        case .double: return .tensor(.float32, rank: 0)
                        default: throw OperatorError("result_type: expected a number, got \(value.kindName)")
                        }
                    }
                    return .int(Int64(try DType.resultType(kinds).scalarTypeCode))
                }
                return .int(Int64(try DType.resultType([operand(c[0]), operand(c[1])]).scalarTypeCode))
            }
        }
        define("aten::promote_types") { c in
            .int(Int64(try DType.promote(c.requiredDType(0, "type1"), c.requiredDType(1, "type2")).scalarTypeCode))
        }
        define("aten::can_cast") { c in .bool(try c.requiredDType(0, "from_").canCast(to: c.requiredDType(1, "to"))) }
        let casts: [(String, DType)] = [
            ("Byte", .uint8), ("Char", .int8), ("Short", .int16), ("Int", .int32), ("Long", .int64), ("Half", .float16), ("Float", .float32), ("Double", .float64),
        ]
        for (name, dtype) in casts {
            define("aten::_cast_\(name)") { c in
                let x = try c.tensor(0, "self")
                return .tensor(x.dtype == dtype ? x : try x.converted(to: dtype))
            }
        }
        define("aten::to.prim_other") { c in
            let x = try c.tensor(0, "self")
            return .tensor(try c.bool(2, "copy", default: false) ? x.clone() : x)
        }
    }

    /// The functional assertions `torch.export` threads a dependency token through.
    private mutating func defineFunctionalAssertions() {
        for name in ["aten::_assert_async", "aten::_assert_async.msg", "aten::_functional_assert_async.msg"] {
            define(name) { c in
                guard try Self.tensorTruth(c.tensor(0, "self")) else {
                    throw OperatorError(name == "aten::_assert_async" ? "Expected Tensor with single nonzero value, but got zero" : try c.string(1, "assert_msg"))
                }
                return name.hasPrefix("aten::_functional") ? .tensor(try c.tensor(2, "dep_token").clone()) : .none
            }
        }
        if let assertScalar = self["aten::_assert_scalar"] {
            define("aten::_functional_assert_scalar") { c in
                _ = try assertScalar(Arguments([c[0], c[1]]))
                return .tensor(try c.tensor(2, "dep_token").clone())
            }
        }
        if let constrain = self["aten::sym_constrain_range"] {
            for name in ["aten::_functional_sym_constrain_range", "aten::_functional_sym_constrain_range_for_size"] {
                define(name) { c in
                    _ = try constrain(Arguments([c[0], c[1], c[2]]))
                    return .tensor(try c.tensor(3, "dep_token").clone())
                }
            }
        }
        define("aten::_make_dep_token") { _ in .tensor(Tensor.zeros([0])) }
        // LAPACK's info codes, as linalg functions check them (one per matrix of the batch).
        define("aten::_linalg_check_errors") { c in
            let info = try c.tensor(0, "info")
            let codes = try info.to(.int32).contiguous().scalars(as: Int32.self)
            try LapackInfo.check(codes, api: c.string(1, "api_name"), batched: info.rank > 0)
            return .none
        }
        define("aten::_print") { c in
            print(try c.string(0, "s"))
            return .none
        }
    }

    private mutating func defineSizeHelpers() {
        define("aten::Size") { c in .list(try c.ints(0, "sizes", single: false).map { .int(Int64($0)) }, elementType: "int") }
        define("aten::_infer_size") { c in
            let (a, b) = (try c.ints(0, "a", single: false), try c.ints(1, "b", single: false))
            let rank = Swift.max(a.count, b.count)
            let shape = try (0..<rank).map { i -> Int in
                let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
                let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
                guard x == y || x == 1 || y == 1 else {
                    throw OperatorError("The size of tensor a (\(x)) must match the size of tensor b (\(y)) at non-singleton dimension \(i)")
                }
                return x == 1 ? y : x
            }
            return .list(shape.map { .int(Int64($0)) }, elementType: "int")
        }
        define("aten::_size_if_not_equal") { c in
            let (mine, other) = (try c.ints(0, "self_size", single: false), try c.ints(1, "other_size", single: false))
            return mine == other ? .none : .list(other.map { .int(Int64($0)) }, elementType: "int")
        }
        tensorOp("aten::_shape_as_tensor") { c in try Tensor(shape: [c.tensor(0, "self").rank], scalars: c.tensor(0, "self").shape.map { Int64($0) }) }
        tensorOp("aten::_reshape_from_tensor") { c in
            let shape = try c.tensor(1, "shape").to(.int64).contiguous().scalars(as: Int64.self).map { Int($0) }
            return try c.tensor(0, "self").reshape(shape)
        }
        tensorOp("aten::_dim_arange") { c in
            let x = try c.tensor(0, "like")
            guard x.rank > 0 else { throw OperatorError("Dimension specified as \(try c.int(1, "dim")) but tensor has no dimensions") }
            let length = x.shape[try x.wrapDimension(c.int(1, "dim"))]
            return try Tensor(shape: [length], scalars: (0..<length).map { Int64($0) })
        }
        tensorOp("aten::_list_to_tensor") { c in
            let values = try c.ints(0, "self", single: false)
            return try Tensor(shape: [values.count], scalars: values.map { Int32(truncatingIfNeeded: $0) })
        }
        define("aten::_tensor_to_list") { c in
            let values = try c.tensor(0, "self").to(.int64).contiguous().scalars(as: Int64.self)
            return .list(values.map { .int($0) }, elementType: "int")
        }
        if let sumToSize = self["aten::sum_to_size"] {
            define("aten::_grad_sum_to_size") { c in
                if case .none = c[1] { return c[0] }
                return try sumToSize(c)
            }
        }
    }

    /// `list.index`, `list.remove` and `!=` of tensor lists: elements match where `==` of the two tensors is true
    /// (a one-element result), as TorchScript compares them.
    private mutating func defineTensorListBuiltins() {
        define("aten::index.list_Tensor") { c in
            let (list, target) = (try c.list(0), try c.tensor(1, "el"))
            guard let position = try list.elements.firstIndex(where: { try Self.tensorMatches($0, target) }) else {
                throw OperatorError("'\(c[1].pythonString(quoted: false))' is not in list")
            }
            return .int(Int64(position))
        }
        define("aten::remove.Tensor") { c in
            let (list, target) = (try c.list(0), try c.tensor(1, "el"))
            guard let position = try list.elements.firstIndex(where: { try Self.tensorMatches($0, target) }) else {
                throw OperatorError("list.remove(x): x not in list")
            }
            list.elements.remove(at: position)
            return .none
        }
        if let equal = self["aten::eq.Tensor_list"] {
            define("aten::ne.Tensor_list") { c in
                guard case .bool(let same) = try equal(c) else { throw OperatorError("ne: no bool") }
                return .bool(!same)
            }
        }
        define("aten::select.t") { c in
            let list = try c.list(0)
            return list.elements[try Self.normalize(c.int(1, "idx"), count: list.elements.count, what: "list index out of range")]
        }
    }
}
