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
    /// The optimizers' fused steps and the loss-scaling helpers of mixed-precision training, as libtorch's CPU
    /// kernels compute them: `_fused_adam_`, `_fused_adamw_`, `_fused_sgd_` and `_fused_adagrad_` (each also as
    /// `.tensor_lr`, its learning rate a one-element tensor), `_amp_foreach_non_finite_check_and_unscale_` and
    /// `_amp_update_scale_`, with their functional and out overloads.
    ///
    /// The in-place overloads update their lists' tensors where they lie: each parameter and its state (Adam's
    /// moments, SGD's momentum buffer, Adagrad's sum of squares), and its gradient too when `grad_scale` is given:
    /// the gradient is divided by it before use and stays divided. The step tensors are read, never incremented
    /// (the Python optimizer does that). A `found_inf` whose first element is exactly 1 makes the call change
    /// nothing. Elements are computed in ATen's opmath type (float64 for float64 tensors, float32 otherwise), in
    /// the order of the CPU kernels, and the arguments are checked as they check them, with their messages.
    ///
    /// A functional overload clones the tensors it returns, runs the in-place form on the clones and returns them:
    /// its arguments are left as they were. An out overload writes only the functional form's first result (the
    /// updated parameters, or the new scale) into `out` and leaves its other written arguments as they were, as
    /// torch's generated out= kernels do, so they are declared here rather than derived (``OutVariant`` would have the
    /// functional sibling write them).
    mutating func defineOptimizerStepOperators() {
        for (name, decoupled) in [("_fused_adam", false), ("_fused_adamw", true)] {
            defineStateUpdate(name, returning: [0, 1, 2, 3, 4]) { c in try Self.adamStep(c, name: name, decoupled: decoupled) }
        }
        defineStateUpdate("_fused_sgd", returning: [0, 1, 2]) { c in try Self.sgdStep(c) }
        // The float-lr functional form also returns (copies of) the state steps; the Tensor-lr one does not.
        defineStateUpdate("_fused_adagrad", overloads: [""], returning: [0, 1, 2, 3]) { c in try Self.adagradStep(c) }
        defineStateUpdate("_fused_adagrad", overloads: ["tensor_lr"], returning: [0, 1, 2]) { c in try Self.adagradStep(c) }
        defineStateUpdate("_amp_foreach_non_finite_check_and_unscale", overloads: [""], returning: [0, 1]) { c in try Self.unscaleGradients(c) }
        defineStateUpdate("_amp_update_scale", overloads: [""], returning: [0, 1]) { c in try Self.updateScale(c) }
    }

    /// Declares, for each overload (`""` or `"tensor_lr"`), the in-place form `aten::name_[.overload]` running
    /// `update`, the functional `aten::name[.overload]` returning the arguments at `returning` (cloned, then
    /// updated), and the out form `aten::name.out` / `aten::name.overload_out`.
    private mutating func defineStateUpdate(
        _ name: String, overloads: [String] = ["", "tensor_lr"], returning returned: [Int],
        _ update: @escaping @Sendable (Arguments) throws -> ScriptValue
    ) {
        let functional: OperatorBody = { c in
            var values = c.values
            for index in returned { values[index] = try Self.cloned(values[index]) }
            _ = try update(Arguments(values))
            return .tuple(returned.map { values[$0] })
        }
        for overload in overloads {
            let suffix = overload.isEmpty ? "" : "." + overload
            define("aten::\(name)_\(suffix)", update)
            define("aten::\(name)\(suffix)", functional)
            define("aten::\(name)." + (overload.isEmpty ? "out" : overload + "_out")) { c in try Self.writeFirstResult(functional(c), c) }
        }
    }

    /// A tensor, or a list of tensors, copied.
    private static func cloned(_ value: ScriptValue) throws -> ScriptValue {
        switch value {
        case .tensor(let t): return .tensor(try t.clone())
        case .list(let list):
            return TensorOperatorSupport.list(try list.elements.map { element in
                guard case .tensor(let t) = element else { throw OperatorError("expected a list of tensors, got \(element.kindName)") }
                return try t.clone()
            })
        default: return value
        }
    }

    /// An out overload's result: the functional form's first result copied into `out` (its last argument), which
    /// must have the result's dtype (and, as Flint cannot resize it, its shape).
    private static func writeFirstResult(_ result: ScriptValue, _ c: Arguments) throws -> ScriptValue {
        guard case .tuple(let results) = result, let first = results.first else { throw OperatorError("the functional form returned no results") }
        let outIndex = c.values.count - 1
        func writeOut(_ value: Tensor, into target: Tensor) throws { try target.assign(outResult: value, argument: "out", exactDType: true) }
        if case .tensor(let value) = first {
            let target = try c.tensor(outIndex, "out")
            try writeOut(value, into: target)
            return .tensor(target)
        }
        let (values, targets) = (try Arguments([first]).tensors(0, "self_out"), try c.tensors(outIndex, "out"))
        guard values.count == targets.count else {
            throw OperatorError("dst.size() == src.size() INTERNAL ASSERT FAILED: out= has \(targets.count) tensors but the result has \(values.count)")
        }
        for (value, target) in zip(values, targets) { try writeOut(value, into: target) }
        return .none
    }
}

// MARK: - The fused optimizer steps

/// The hyperparameters of one fused step, as the kernels take them (doubles, rounded to the opmath type at use).
private struct StepSettings {
    var lr = 0.0, beta1 = 0.0, beta2 = 0.0, weightDecay = 0.0, eps = 0.0
    var momentum = 0.0, dampening = 0.0, lrDecay = 0.0
    var amsgrad = false, maximize = false, decoupled = false, nesterov = false, isFirstStep = false
    /// `grad_scale`'s first element: each gradient is divided by it (and stored so). Nil when none is given.
    var gradScale: Float?
}

extension OperatorDefinitions {
    /// `_fused_adam_` / `_fused_adamw_` (`decoupled`: AdamW's weight decay shrinks the parameter instead of adding
    /// to the gradient): `(self, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, *, lr, beta1, beta2,
    /// weight_decay, eps, amsgrad, maximize, grad_scale, found_inf)`.
    fileprivate static func adamStep(_ c: Arguments, name: String, decoupled: Bool) throws -> ScriptValue {
        try requireTensorArgument(c, schema: "aten::\(name)_")
        var s = StepSettings(lr: try learningRate(c, 6), decoupled: decoupled)
        guard try readLossScaling(c, 13, into: &s) else { return .none }
        let (params, grads, expAvgs, expAvgSqs) = (try c.tensors(0, "self"), try c.tensors(1, "grads"), try c.tensors(2, "exp_avgs"), try c.tensors(3, "exp_avg_sqs"))
        let (maxExpAvgSqs, steps) = (try c.tensors(4, "max_exp_avg_sqs"), try c.tensors(5, "state_steps"))
        (s.beta1, s.beta2, s.weightDecay, s.eps) = (try c.double(7, "beta1"), try c.double(8, "beta2"), try c.double(9, "weight_decay"), try c.double(10, "eps"))
        (s.amsgrad, s.maximize) = (try c.bool(11, "amsgrad"), try c.bool(12, "maximize"))
        try expectCounts(params.count, ["grads": grads, "exp_avgs": expAvgs, "exp_avg_sqs": expAvgSqs])
        try s.amsgrad ? expectCounts(params.count, ["max_exp_avg_sqs": maxExpAvgSqs]) : expectEmpty(maxExpAvgSqs, "max_exp_avg_sqs")
        try expectCounts(params.count, ["state_steps": steps])
        for (i, param) in params.enumerated() {
            try TensorOperatorSupport.requireFloating(param, kernel: "fused_adam_kernel")
            let step = try stepValue(steps[i])
            let maxima: [Tensor] = s.amsgrad ? [maxExpAvgSqs[i]] : []
            // ATen's order of reading them: param, exp_avg, exp_avg_sq, max_exp_avg_sq, grad.
            try checkCompanions(param, [expAvgs[i], expAvgSqs[i]] + maxima + [grads[i]], position: i)
            let tensors: [Tensor] = [param, grads[i], expAvgs[i], expAvgSqs[i]] + maxima
            if param.dtype == .float64 { try adamUpdate(Double.self, tensors, step: step, s) } else { try adamUpdate(Float.self, tensors, step: step, s) }
        }
        return .none
    }

    /// `_fused_sgd_(self, grads, momentum_buffer_list, *, weight_decay, momentum, lr, dampening, nesterov, maximize,
    /// is_first_step, grad_scale, found_inf)`: with momentum 0 the buffer list must be empty.
    fileprivate static func sgdStep(_ c: Arguments) throws -> ScriptValue {
        try requireTensorArgument(c, schema: "aten::_fused_sgd_")
        var s = StepSettings(lr: try learningRate(c, 5))
        guard try readLossScaling(c, 10, into: &s) else { return .none }
        let (params, grads, buffers) = (try c.tensors(0, "self"), try c.tensors(1, "grads"), try c.tensors(2, "momentum_buffer_list"))
        (s.weightDecay, s.momentum, s.dampening) = (try c.double(3, "weight_decay"), try c.double(4, "momentum"), try c.double(6, "dampening"))
        (s.nesterov, s.maximize, s.isFirstStep) = (try c.bool(7, "nesterov"), try c.bool(8, "maximize"), try c.bool(9, "is_first_step"))
        try expectCounts(params.count, ["grads": grads])
        try s.momentum == 0 ? expectEmpty(buffers, "momentum_buffer_list") : expectCounts(params.count, ["momentum_buffer_list": buffers])
        for (i, param) in params.enumerated() {
            try TensorOperatorSupport.requireFloating(param, kernel: "fused_sgd_kernel")
            let tensors: [Tensor] = s.momentum == 0 ? [param, grads[i]] : [param, grads[i], buffers[i]]
            try checkCompanions(param, Array(tensors.dropFirst()), position: i)
            if param.dtype == .float64 { try sgdUpdate(Double.self, tensors, s) } else { try sgdUpdate(Float.self, tensors, s) }
        }
        return .none
    }

    /// `_fused_adagrad_(self, grads, state_sums, state_steps, *, lr, lr_decay, weight_decay, eps, maximize,
    /// grad_scale, found_inf)`.
    fileprivate static func adagradStep(_ c: Arguments) throws -> ScriptValue {
        try requireTensorArgument(c, schema: "aten::_fused_adagrad_")
        var s = StepSettings(lr: try learningRate(c, 4))
        guard try readLossScaling(c, 9, into: &s) else { return .none }
        let (params, grads, sums, steps) = (try c.tensors(0, "self"), try c.tensors(1, "grads"), try c.tensors(2, "state_sums"), try c.tensors(3, "state_steps"))
        (s.lrDecay, s.weightDecay, s.eps, s.maximize) = (try c.double(5, "lr_decay"), try c.double(6, "weight_decay"), try c.double(7, "eps"), try c.bool(8, "maximize"))
        try expectCounts(params.count, ["grads": grads, "state_sums": sums, "state_steps": steps])
        for (i, param) in params.enumerated() {
            try TensorOperatorSupport.requireFloating(param, kernel: "fused_adagrad_kernel")
            try checkCompanions(param, [grads[i], sums[i]], position: i)
            let step = try stepValue(steps[i])
            let tensors = [param, grads[i], sums[i]]
            if param.dtype == .float64 { try adagradUpdate(Double.self, tensors, step: step, s) } else { try adagradUpdate(Float.self, tensors, step: step, s) }
        }
        return .none
    }

    /// Adam's update of one position's `[param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq?]`. The bias
    /// corrections are computed in double from the step, as the kernel does, then rounded to `F`.
    private static func adamUpdate<F: BinaryFloatingPoint & TensorElement>(_: F.Type, _ tensors: [Tensor], step: Double, _ s: StepSettings) throws {
        var (p, g, m, v) = (try elements(tensors[0], F.self), try elements(tensors[1], F.self), try elements(tensors[2], F.self), try elements(tensors[3], F.self))
        var vMax: [F] = try s.amsgrad ? elements(tensors[4], F.self) : []
        let stepSize = F(s.lr / (1 - pow(s.beta1, step))), correction2Root = F((1 - pow(s.beta2, step)).squareRoot())
        let (lerpWeight, beta2, squareWeight, eps) = (F(1 - s.beta1), F(s.beta2), F(1 - s.beta2), F(s.eps))
        let (decay, shrink, scale) = (F(s.weightDecay), F(1 - s.lr * s.weightDecay), s.gradScale.map { F($0) })
        let lerpFromStart = lerpWeight.magnitude < 0.5
        for i in p.indices {
            var grad = g[i]
            if let scale { grad = grad / scale; g[i] = grad }
            if s.maximize { grad = -grad }
            if s.weightDecay != 0 {
                if s.decoupled { p[i] = p[i] * shrink } else { grad = grad + p[i] * decay }
            }
            // exp_avg.lerp_(grad, 1 - beta1), from the nearer end.
            m[i] = lerpFromStart ? m[i] + lerpWeight * (grad - m[i]) : grad - (grad - m[i]) * (1 - lerpWeight)
            v[i] = v[i] * beta2 + squareWeight * grad * grad
            var second = v[i]
            if s.amsgrad {
                // The vectorised kernel's maximum, which keeps a NaN of either operand.
                vMax[i] = vMax[i].isNaN || v[i].isNaN ? .nan : Swift.max(vMax[i], v[i])
                second = vMax[i]
            }
            p[i] = p[i] - stepSize * m[i] / (second.squareRoot() / correction2Root + eps)
        }
        try store(p, into: tensors[0])
        if scale != nil { try store(g, into: tensors[1]) }
        try store(m, into: tensors[2])
        try store(v, into: tensors[3])
        if s.amsgrad { try store(vMax, into: tensors[4]) }
    }

    /// SGD's update of one position's `[param, grad, momentum_buffer?]`.
    private static func sgdUpdate<F: BinaryFloatingPoint & TensorElement>(_: F.Type, _ tensors: [Tensor], _ s: StepSettings) throws {
        var (p, g) = (try elements(tensors[0], F.self), try elements(tensors[1], F.self))
        var buffer: [F] = try s.momentum != 0 ? elements(tensors[2], F.self) : []
        let (decay, momentum, kept, lr, scale) = (F(s.weightDecay), F(s.momentum), F(1 - s.dampening), F(s.lr), s.gradScale.map { F($0) })
        for i in p.indices {
            var grad = g[i]
            if let scale { grad = grad / scale; g[i] = grad }
            if s.maximize { grad = -grad }
            if s.weightDecay != 0 { grad = grad + p[i] * decay }
            if s.momentum != 0 {
                buffer[i] = s.isFirstStep ? grad : buffer[i] * momentum + kept * grad
                grad = s.nesterov ? grad + buffer[i] * momentum : buffer[i]
            }
            p[i] = p[i] - grad * lr
        }
        try store(p, into: tensors[0])
        if scale != nil { try store(g, into: tensors[1]) }
        if s.momentum != 0 { try store(buffer, into: tensors[2]) }
    }

    /// Adagrad's update of one position's `[param, grad, state_sum]`, with the learning rate decayed by the step.
    private static func adagradUpdate<F: BinaryFloatingPoint & TensorElement>(_: F.Type, _ tensors: [Tensor], step: Double, _ s: StepSettings) throws {
        var (p, g, sum) = (try elements(tensors[0], F.self), try elements(tensors[1], F.self), try elements(tensors[2], F.self))
        let rate = F(s.lr / (1.0 + (step - 1.0) * s.lrDecay))
        let (decay, eps, scale) = (F(s.weightDecay), F(s.eps), s.gradScale.map { F($0) })
        for i in p.indices {
            var grad = g[i]
            if let scale { grad = grad / scale; g[i] = grad }
            if s.maximize { grad = -grad }
            if s.weightDecay != 0 { grad = grad + p[i] * decay }
            sum[i] = sum[i] + grad * grad
            p[i] = p[i] - rate * grad / (sum[i].squareRoot() + eps)
        }
        try store(p, into: tensors[0])
        if scale != nil { try store(g, into: tensors[1]) }
        try store(sum, into: tensors[2])
    }
}

// MARK: - Mixed-precision loss scaling

extension OperatorDefinitions {
    /// `_amp_foreach_non_finite_check_and_unscale_(self, found_inf, inv_scale)`: multiplies each gradient by
    /// `inv_scale` (unless it is 1), and sets `found_inf` to 1 when any element is infinite or NaN (it never
    /// resets it). An empty list changes nothing and checks nothing.
    fileprivate static func unscaleGradients(_ c: Arguments) throws -> ScriptValue {
        let grads = try c.tensors(0, "self")
        guard !grads.isEmpty else { return .none }
        let (foundInf, invScale) = (try c.tensor(1, "found_inf"), try c.tensor(2, "inv_scale"))
        guard invScale.elementCount == 1 else { throw OperatorError("inv_scale must be a 1-element tensor.") }
        guard foundInf.elementCount == 1 else { throw OperatorError("found_inf must be a 1-element tensor.") }
        guard invScale.dtype == .float32 else { throw OperatorError("inv_scale must be a float tensor.") }
        guard foundInf.dtype == .float32 else { throw OperatorError("found_inf must be a float tensor.") }
        let inverse = Float(try invScale.item())
        for grad in grads {
            let nonFinite: Bool
            switch grad.dtype {
            case .float64: nonFinite = try unscale(Double.self, grad, by: inverse)
            case .float32, .float16, .bfloat16: nonFinite = try unscale(Float.self, grad, by: inverse)
            default: throw OperatorError("\"_amp_foreach_non_finite_check_and_unscale_cpu\" not implemented for '\(grad.dtype.scalarTypeName)'")
            }
            if nonFinite { try foundInf.copy(from: Tensor(scalar: Float(1))) }
        }
        return .none
    }

    /// Multiplies `grad` by `inverse` in `F`, where it lies; whether it held an infinite or NaN element.
    private static func unscale<F: BinaryFloatingPoint & TensorElement>(_: F.Type, _ grad: Tensor, by inverse: Float) throws -> Bool {
        var values = try elements(grad, F.self)
        let nonFinite = values.contains { !$0.isFinite }
        guard inverse != 1 else { return nonFinite }
        let factor = F(inverse)
        for i in values.indices { values[i] = values[i] * factor }
        try store(values, into: grad)
        return nonFinite
    }

    /// `_amp_update_scale_(self, growth_tracker, found_inf, scale_growth_factor, scale_backoff_factor,
    /// growth_interval) -> self`: after a step with infinite gradients (found_inf non-zero) the scale backs off
    /// and the tracker restarts; otherwise the tracker counts the step, and at `growth_interval` steps the scale
    /// grows (unless that overflows float32) and the tracker restarts. Products are taken in double.
    fileprivate static func updateScale(_ c: Arguments) throws -> ScriptValue {
        let (scale, tracker, foundInf) = (try c.tensor(0, "self"), try c.tensor(1, "growth_tracker"), try c.tensor(2, "found_inf"))
        guard tracker.elementCount == 1 else { throw OperatorError("growth_tracker must be a 1-element tensor.") }
        guard scale.elementCount == 1 else { throw OperatorError("current_scale must be a 1-element tensor.") }
        guard foundInf.elementCount == 1 else { throw OperatorError("found_inf must be a 1-element tensor.") }
        guard tracker.dtype == .int32 else { throw OperatorError("growth_tracker must be an int tensor.") }
        guard scale.dtype == .float32 else { throw OperatorError("current_scale must be a float tensor.") }
        guard foundInf.dtype == .float32 else { throw OperatorError("found_inf must be a float tensor.") }
        let (growth, backoff, interval) = (try c.double(3, "scale_growth_factor"), try c.double(4, "scale_backoff_factor"), try c.int64(5, "growth_interval"))
        var current = Float(try scale.item())
        var successes = Int32(try tracker.item())
        if try foundInf.item() != 0 {
            current = Float(Double(current) * backoff)
            successes = 0
        } else if Int64(successes &+ 1) == interval {
            let grown = Float(Double(current) * growth)
            if grown.isFinite { current = grown }
            successes = 0
        } else {
            successes = successes &+ 1
        }
        try scale.copy(from: Tensor(scalar: current))
        try tracker.copy(from: Tensor(scalar: successes))
        return .tensor(scale)
    }
}

// MARK: - Shared checks

extension OperatorDefinitions {
    /// The dispatcher's error for a call with no tensor at all (every list empty, no optional tensor given).
    private static func requireTensorArgument(_ c: Arguments, schema: String) throws {
        let hasTensor = c.values.contains { value in value.tensor != nil || (value.sequence?.contains { $0.tensor != nil } ?? false) }
        guard hasTensor else {
            throw OperatorError("There were no tensor arguments to this function (e.g., you passed an empty list of Tensors), but no fallback function is registered for schema \(schema).  This usually means that this function requires a non-empty list of Tensors, or that you (the operator writer) forgot to register a fallback function.")
        }
    }

    /// Reads `grad_scale` (at `index`) into `s`, and whether the step runs: false when `found_inf` (at `index + 1`)
    /// has 1 as its first element. Both must be float32 tensors (the kernels read them as `float`).
    private static func readLossScaling(_ c: Arguments, _ index: Int, into s: inout StepSettings) throws -> Bool {
        func firstElement(_ t: Tensor) throws -> Float {
            guard t.dtype == .float32 else { throw OperatorError("expected scalar type Float but found \(t.dtype.scalarTypeName)") }
            guard let first = try t.scalars(as: Float.self).first else { throw OperatorError("expected a tensor with at least one element") }
            return first
        }
        s.gradScale = try c.optionalTensor(index, "grad_scale").map(firstElement)
        return try c.optionalTensor(index + 1, "found_inf").map(firstElement) != 1
    }

    /// A `float lr`, or the value of a `Tensor lr` (`.tensor_lr` overloads).
    private static func learningRate(_ c: Arguments, _ index: Int) throws -> Double {
        if case .tensor(let lr) = c[index] { return try scalarValue(lr) }
        return try c.double(index, "lr")
    }

    /// A step tensor's value, read as float as the kernels do (`item<float>()`).
    private static func stepValue(_ step: Tensor) throws -> Double { Double(Float(try scalarValue(step))) }

    private static func scalarValue(_ t: Tensor) throws -> Double {
        guard t.elementCount == 1 else { throw OperatorError("a Tensor with \(t.elementCount) elements cannot be converted to Scalar") }
        return try t.item()
    }

    /// `TORCH_CHECK(list.size() == n_tensors)` for each named list, in order.
    private static func expectCounts(_ count: Int, _ lists: KeyValuePairs<String, [Tensor]>) throws {
        for (name, list) in lists where list.count != count { throw checkFailure("\(name).size() == n_tensors") }
    }

    private static func expectEmpty(_ list: [Tensor], _ name: String) throws {
        guard list.isEmpty else { throw checkFailure("\(name).empty()") }
    }

    private static func checkFailure(_ condition: String) -> OperatorError { TensorOperatorSupport.checkFailure(condition) }

    /// The tensors updated with a parameter must have its dtype (ATen's `data_ptr<scalar_t>()` check) and, where
    /// ATen would read past their end, its number of elements (Flint's check).
    private static func checkCompanions(_ param: Tensor, _ others: [Tensor], position: Int) throws {
        for other in others {
            guard other.dtype == param.dtype else {
                throw OperatorError("expected scalar type \(param.dtype.scalarTypeName) but found \(other.dtype.scalarTypeName)")
            }
            guard other.elementCount == param.elementCount else {
                throw OperatorError("the tensors at position \(position) of the lists must have as many elements as self[\(position)] (\(param.elementCount)), but one has \(other.elementCount)")
            }
        }
    }

    /// A tensor's elements in row-major order as `F` (float16 and bfloat16 widen exactly to float32).
    private static func elements<F: TensorElement>(_ t: Tensor, _: F.Type) throws -> [F] {
        try t.to(F.dtype).scalars(as: F.self)
    }

    /// Writes row-major `values` into `t` where it lies (through any view), rounded to its dtype.
    private static func store<F: TensorElement>(_ values: [F], into t: Tensor) throws {
        try t.copy(from: Tensor(shape: t.shape, scalars: values))
    }
}
