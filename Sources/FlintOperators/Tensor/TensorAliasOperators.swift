import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// ATen's alternative names of operators declared elsewhere (`torch.arccos` is `torch.acos`, `torch.divide` is
    /// `torch.div`, the `_hacked_twin` and `_unsafe` forms of indexing, ...): each is the same body under another
    /// name (``defineAlias(_:of:)``), so its in-place and out overloads follow as they do for the original. Also the
    /// in-place overloads whose name is not the functional one's plus `_` (`pow_.Tensor` of `pow.Tensor_Tensor`,
    /// `__iand__` of `__and__`).
    mutating func defineAliasOperators() {
        let aliases: [(alias: String, original: String)] = [
            ("absolute", "abs"), ("arccos", "acos"), ("arccosh", "acosh"), ("arcsin", "asin"), ("arcsinh", "asinh"), ("arctan", "atan"),
            ("arctan2", "atan2"), ("arctanh", "atanh"), ("negative", "neg"), ("clip", "clamp"), ("clip.Tensor", "clamp.Tensor"),
            ("concat", "cat"), ("concatenate", "cat"), ("row_stack", "vstack"), ("ger", "outer"), ("_stack", "stack"),
            ("divide.Tensor", "div.Tensor"), ("divide.Scalar", "div.Scalar"), ("divide.Tensor_mode", "div.Tensor_mode"),
            ("divide.Scalar_mode", "div.Scalar_mode"), ("multiply.Tensor", "mul.Tensor"), ("multiply.Scalar", "mul.Scalar"),
            ("subtract.Tensor", "sub.Tensor"), ("subtract.Scalar", "sub.Scalar"),
            ("greater.Tensor", "gt.Tensor"), ("greater.Scalar", "gt.Scalar"), ("greater_equal.Tensor", "ge.Tensor"),
            ("greater_equal.Scalar", "ge.Scalar"), ("less.Tensor", "lt.Tensor"), ("less.Scalar", "lt.Scalar"),
            ("less_equal.Tensor", "le.Tensor"), ("less_equal.Scalar", "le.Scalar"), ("not_equal.Tensor", "ne.Tensor"),
            ("not_equal.Scalar", "ne.Scalar"),
            ("_logcumsumexp", "logcumsumexp"),
            ("_unsafe_view", "view"), ("_reshape_copy", "reshape"), ("mT.a", "mT"), ("mH.a", "mH"),
            ("index.Tensor_hacked_twin", "index.Tensor"), ("_unsafe_index.Tensor", "index.Tensor"),
            ("_unsafe_index.Tensor_hacked_twin", "index.Tensor"), ("index_put.hacked_twin", "index_put"),
            ("index_put_.hacked_twin", "index_put_"), ("_unsafe_index_put", "index_put"), ("_unsafe_index_put.hacked_twin", "index_put"),
            ("split", "split.sizes"), ("_lazy_clone", "clone"), ("lift", "clone"), ("lift_fresh", "alias"),
            ("_conj", "conj"), ("_conj_physical", "conj_physical"), ("_neg_view", "neg"), ("_neg_view_copy", "neg"),
            ("_conj_copy", "conj_physical"), ("_reshape_alias", "as_strided"), ("_reshape_alias_copy", "as_strided_copy"),
        ]
        for (alias, original) in aliases where self["aten::" + alias] == nil {
            defineAlias("aten::" + alias, of: "aten::" + original)
        }
        // In-place overloads named after no functional overload.
        let inPlace: [(name: String, functional: String)] = [
            ("pow_.Tensor", "pow.Tensor_Tensor"), ("float_power_.Tensor", "float_power.Tensor_Tensor"),
            ("floor_divide_.Tensor", "floor_divide"), ("__iand__.Tensor", "__and__.Tensor"), ("__iand__.Scalar", "__and__.Scalar"),
            ("__ior__.Tensor", "__or__.Tensor"), ("__ior__.Scalar", "__or__.Scalar"), ("__ixor__.Tensor", "__xor__.Tensor"),
            ("__ixor__.Scalar", "__xor__.Scalar"), ("__ilshift__.Tensor", "__lshift__.Tensor"), ("__ilshift__.Scalar", "__lshift__.Scalar"),
            ("__irshift__.Tensor", "__rshift__.Tensor"), ("__irshift__.Scalar", "__rshift__.Scalar"),
        ]
        for (name, functional) in inPlace where self["aten::" + name] == nil {
            guard let body = self["aten::" + functional] else { preconditionFailure("no body for aten::\(functional)") }
            define("aten::" + name) { c in
                let target = try c.tensor(0, "self")
                guard case .tensor(let result) = try body(c) else { throw TensorError("\(name): no tensor result") }
                try target.assign(inPlaceResult: result)
                return .tensor(target)
            }
        }
    }
}
