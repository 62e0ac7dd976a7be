import FlintGraph
import FlintLoader
import FlintOperators
import FlintScript
import FlintValues

/// A compiled expression with its static type; `constant` is set when its value is known at compile time.
struct Typed {
    let evaluate: Evaluate
    let type: ScriptType
    var constant: ScriptValue? = nil

    static func constant(_ value: ScriptValue, _ type: ScriptType) -> Typed {
        Typed(evaluate: { _ in value }, type: type, constant: value)
    }
}

/// Compiles one function's syntax tree into closures over frame slots.
///
/// Variables get a frame slot each (function scope, as in Python); every expression gets a static type,
/// which overload resolution uses to bind each operator call to one implementation here, at compile time.
struct FunctionCompiler {
    let program: Program
    let function: CompiledFunction
    var variables: [String: (slot: Int, type: ScriptType)] = [:]
    var slotCount = 0
    /// Variables whose value is known at this point of compilation (flow-sensitive constant propagation:
    /// set by assignments of constants, cleared by other assignments, merged where `if` branches join,
    /// cleared for names a loop assigns). Uses compile to the constant, so branches on them fold away.
    var constantValues: [String: ScriptValue] = [:]
    /// The nested `def`s seen so far, by name: TorchScript prints one closure without parameters for each
    /// `torch.jit.fork`, and `fork(name)` compiles it in place (``compileForked(_:at:)``).
    var nestedFunctions: [String: FunctionDefinition] = [:]
    /// While a forked closure's body compiles, the static types its `return`s give; nil elsewhere.
    var forkedReturnTypes: [ScriptType]? = nil

    init(program: Program, function: CompiledFunction) {
        self.program = program
        self.function = function
    }

    var record: String { function.record }

    mutating func compileBody(_ body: [Statement]) throws {
        for (i, parameter) in function.parameters.enumerated() {
            _ = declare(parameter.name, parameter.type)
            if let value = function.constantParameters[i] { constantValues[parameter.name] = value }
        }
        let block = try compileBlock(body)
        function.slotCount = slotCount
        function.body = block
        function.isCompiled = true
    }

    func fail(_ message: String, _ location: SourceLocation) -> CompileError {
        CompileError(message, record: record, at: location)
    }

    func traceFrame(_ location: SourceLocation) -> TraceFrame {
        TraceFrame(function: function.qualifiedName, record: record, location: location)
    }

    /// The slot of a variable, creating it on first assignment. A later assignment of another type widens
    /// the variable's static type (`None` then `T` gives `Optional[T]`; otherwise `Any`).
    mutating func declare(_ name: String, _ type: ScriptType) -> Int {
        if let existing = variables[name] {
            if existing.type != type { variables[name] = (existing.slot, Self.join(existing.type, type)) }
            return existing.slot
        }
        let slot = slotCount
        slotCount += 1
        variables[name] = (slot, type)
        return slot
    }

    static func join(_ a: ScriptType, _ b: ScriptType) -> ScriptType {
        if a == b { return a }
        if a == .none { return b.isOptional ? b : .optional(b) }
        if b == .none { return a.isOptional ? a : .optional(a) }
        if case .optional(let inner) = a, inner == b { return a }
        if case .optional(let inner) = b, inner == a { return b }
        return .any
    }

    // MARK: Statements

    mutating func compileBlock(_ statements: [Statement]) throws -> Execute {
        let compiled = try statements.map { try compileStatement($0) }
        switch compiled.count {
        case 0: return { _ in .next }
        case 1: return compiled[0]
        default:
            return { frame in
                for statement in compiled {
                    let flow = try statement(frame)
                    if case .next = flow { continue }
                    return flow
                }
                return .next
            }
        }
    }

    mutating func compileStatement(_ statement: Statement) throws -> Execute {
        switch statement.kind {
        case .expression(let expression):
            let value = try compileExpression(expression)
            let evaluate = value.evaluate
            return { frame in
                _ = try evaluate(frame)
                return .next
            }
        case .assign(let targets, let value):
            let compiledValue = try compileExpression(value, expected: nil)
            let stores = try targets.map { try compileStore($0, type: compiledValue.type) }
            if targets.count == 1, case .name(let name) = targets[0].kind,
                let constant = compiledValue.constant, compiledValue.type.isPlainValue || constant.isNone
            {
                constantValues[name] = constant
            }
            let evaluate = compiledValue.evaluate
            if stores.count == 1 {
                let store = stores[0]
                return { frame in
                    try store(frame, try evaluate(frame))
                    return .next
                }
            }
            return { frame in
                let v = try evaluate(frame)
                for store in stores { try store(frame, v) }
                return .next
            }
        case .annotatedAssign(let target, let typeExpression, let value):
            let type = try program.scriptType(typeExpression, record: record)
            guard let value else { return { _ in .next } }
            let compiledValue = try compileExpression(value, expected: type)
            let store = try compileStore(target, type: type)
            let evaluate = compiledValue.evaluate
            return { frame in
                try store(frame, try evaluate(frame))
                return .next
            }
        case .augmentedAssign(let target, let op, let value):
            return try compileAugmentedAssign(target, op, value, at: statement.location)
        case .ifStatement(let condition, let then, let otherwise):
            let test = try compileCondition(condition)
            if let constant = test.constant, case .bool(let b) = constant {
                return try compileBlock(b ? then : otherwise)
            }
            let before = constantValues
            let thenBlock = try compileBlock(then)
            let afterThen = constantValues
            constantValues = before
            let elseBlock = try compileBlock(otherwise)
            constantValues = constantValues.filter { entry in
                guard let other = afterThen[entry.key] else { return false }
                return ScriptValue.sameConstant(entry.value, other)
            }
            let evaluate = test.evaluate
            return { frame in
                guard case .bool(let b) = try evaluate(frame) else { throw ScriptError(kind: .operatorFailed(operation: "if"), message: "condition is not a bool") }
                return try b ? thenBlock(frame) : elseBlock(frame)
            }
        case .whileLoop(let condition, let body):
            forgetConstants(assignedIn: body)
            let test = try compileCondition(condition).evaluate
            let block = try compileBlock(body)
            return { frame in
                while case .bool(true) = try test(frame) {
                    let flow = try block(frame)
                    switch flow {
                    case .breakLoop: return .next
                    case .returned: return .returned
                    default: continue
                    }
                }
                return .next
            }
        case .forLoop(let target, let iterable, let body):
            return try compileFor(target, iterable, body, at: statement.location)
        case .returnStatement(let value):
            guard let value else {
                forkedReturnTypes?.append(.none)
                return { frame in
                    frame.result = .none
                    return .returned
                }
            }
            let compiled = try compileExpression(value, expected: forkedReturnTypes == nil ? function.returnType : nil)
            forkedReturnTypes?.append(compiled.type)
            let evaluate = compiled.evaluate
            return { frame in
                frame.result = try evaluate(frame)
                return .returned
            }
        case .raise(let exception):
            return try compileRaise(exception, at: statement.location)
        case .assert(let condition, let message):
            let test = try compileCondition(condition).evaluate
            let text = try message.map { try compileExpression($0).evaluate }
            let trace = traceFrame(statement.location)
            return { frame in
                if case .bool(true) = try test(frame) { return .next }
                let detail = try text.map { try $0(frame).pythonString(quoted: false) } ?? ""
                throw ScriptError(kind: .raised(pythonClass: "builtins.AssertionError"), message: detail, frames: [trace])
            }
        case .pass:
            return { _ in .next }
        case .breakStatement:
            return { _ in .breakLoop }
        case .continueStatement:
            return { _ in .continueLoop }
        case .delete(let targets):
            let deletions = try targets.map { target -> Evaluate in
                guard case .subscript(let base, let indices) = target.kind, indices.count == 1 else {
                    throw fail("only `del container[key]` is supported", target.location)
                }
                return try compileOperatorCall("aten::Delete", positional: [base, indices[0]], keywords: [], at: target.location).evaluate
            }
            return { frame in
                for deletion in deletions { _ = try deletion(frame) }
                return .next
            }
        case .with(let items, let body):
            return try compileWith(items, body, at: statement.location)
        case .function(let definition):
            guard definition.parameters.isEmpty else {
                throw fail("nested function '\(definition.name)' takes parameters: only the closures TorchScript prints for torch.jit.fork are supported", statement.location)
            }
            nestedFunctions[definition.name] = definition
            return { _ in .next }
        case .classDefinition:
            throw fail("nested class definitions are not supported", statement.location)
        }
    }

    /// `fork(closure)`: the closure's body runs at the fork, in this frame (it reads the variables as they are then),
    /// and its result is the future's value; `torch.jit.wait` (`aten::wait`) returns it. The names the body assigns
    /// are its own, as in Python. Running the closure at the fork rather than on another thread gives the same
    /// results: TorchScript's forked functions share nothing they could race on but tensors they only read.
    mutating func compileForked(_ definition: FunctionDefinition, at location: SourceLocation) throws -> Typed {
        let (outerVariables, outerConstants, outerReturns, outerNested) = (variables, constantValues, forkedReturnTypes, nestedFunctions)
        for name in AssignmentCounter.counts(in: definition.body).keys {
            variables[name] = nil
            constantValues[name] = nil
        }
        forkedReturnTypes = []
        let body = try compileBlock(definition.body)
        let returned = forkedReturnTypes ?? []
        (variables, constantValues, forkedReturnTypes, nestedFunctions) = (outerVariables, outerConstants, outerReturns, outerNested)
        let type = returned.dropFirst().reduce(returned.first ?? .none) { Self.join($0, $1) }
        return Typed(evaluate: { frame in
            frame.result = .none
            _ = try body(frame)
            defer { frame.result = .none }
            return frame.result
        }, type: .other("Future[\(type)]"))
    }

    /// A condition: a `bool` expression (a tensor is converted as `bool(tensor)`).
    mutating func compileCondition(_ expression: Expression) throws -> Typed {
        let test = try compileExpression(expression)
        if test.type == .tensor {
            return try convert(test, to: "aten::Bool", at: expression.location)
        }
        return test
    }

    mutating func convert(_ value: Typed, to operatorName: String, at location: SourceLocation) throws -> Typed {
        try compileCall(operatorName, arguments: [value], keywords: [], at: location)
    }

    mutating func compileRaise(_ exception: Expression?, at location: SourceLocation) throws -> Execute {
        let trace = traceFrame(location)
        var pythonClass: String? = "builtins.Exception"
        var message: Evaluate?
        if let exception {
            if case .call(let callee, let arguments, _) = exception.kind, case .name(let name) = callee.kind {
                pythonClass = "builtins." + name
                if let first = arguments.first { message = try compileExpression(first).evaluate }
            } else {
                message = try compileExpression(exception).evaluate
            }
        }
        let cls = pythonClass
        return { frame in
            let text = try message.map { try $0(frame).pythonString(quoted: false) } ?? ""
            throw ScriptError(kind: .raised(pythonClass: cls), message: text, frames: [trace])
        }
    }

    mutating func compileAugmentedAssign(_ target: Expression, _ op: String, _ value: Expression, at location: SourceLocation) throws -> Execute {
        let current = try compileExpression(target)
        let operand = try compileExpression(value)
        guard let name = Self.binaryOperators[op] else { throw fail("unsupported operator \(op)=", location) }
        var operatorName = name
        if case .list = current.type, op == "+" { operatorName = "aten::add_" }
        if current.type == .tensor { operatorName += "_" }
        let combined = try compileCall(operatorName, arguments: [current, operand], keywords: [], at: location)
        let store = try compileStore(target, type: combined.type == .any ? current.type : combined.type)
        let evaluate = combined.evaluate
        return { frame in
            try store(frame, try evaluate(frame))
            return .next
        }
    }

    /// `with a as x, b: body`: each context object's `__enter__` runs in order (its result bound to the `as`
    /// target), then the body, then the `__exit__`s in reverse order — also when the body throws, with
    /// `None` arguments, as TorchScript calls them. Contexts whose class has no such methods are no-ops.
    mutating func compileWith(_ items: [(Expression, Expression?)], _ body: [Statement], at location: SourceLocation) throws -> Execute {
        var enters: [Evaluate] = []
        var exits: [Evaluate] = []
        var stores: [((Frame, ScriptValue) throws -> Void)?] = []
        for (expression, target) in items {
            let context = try compileExpression(expression)
            let slot = declare("$context\(slotCount)", context.type)
            let held = Typed(evaluate: { $0.slots[slot] }, type: context.type)
            let (make, none) = (context.evaluate, Typed.constant(.none, .none))
            var enter: Evaluate = { frame in
                frame.slots[slot] = try make(frame)
                return .none
            }
            var exit: Evaluate = { _ in .none }
            if case .object(let name) = context.type, let type = program.classType(name) {
                if type.outline.methods.contains("__enter__") {
                    let call = try compileMethodCall(held, type, "__enter__", [], [], at: location).evaluate
                    enter = { frame in
                        frame.slots[slot] = try make(frame)
                        return try call(frame)
                    }
                }
                if type.outline.methods.contains("__exit__") {
                    exit = try compileMethodCall(held, type, "__exit__", [none, none, none], [], at: location).evaluate
                }
            }
            enters.append(enter)
            exits.append(exit)
            stores.append(try target.map { try compileStore($0, type: .any) })
        }
        let block = try compileBlock(body)
        let (enterAll, exitAll, storeAll) = (enters, Array(exits.reversed()), stores)
        return { frame in
            var entered = 0
            defer {
                for exit in exitAll.suffix(entered) { _ = try? exit(frame) }
            }
            for (enter, store) in zip(enterAll, storeAll) {
                let value = try enter(frame)
                entered += 1
                try store?(frame, value)
            }
            return try block(frame)
        }
    }

    /// Names a loop assigns are not constant inside or after it.
    mutating func forgetConstants(assignedIn body: [Statement]) {
        for name in AssignmentCounter.counts(in: body).keys { constantValues.removeValue(forKey: name) }
    }

    mutating func compileFor(_ target: Expression, _ iterable: Expression, _ body: [Statement], at location: SourceLocation) throws -> Execute {
        forgetConstants(assignedIn: body)
        if case .call(let callee, let arguments, let keywords) = iterable.kind, case .name("range") = callee.kind, keywords.isEmpty,
            (1...3).contains(arguments.count), case .name(let variable) = target.kind
        {
            let bounds = try arguments.map { try compileExpression($0, expected: .int).evaluate }
            let slot = declare(variable, .int)
            let block = try compileBlock(body)
            let trace = traceFrame(location)
            return { frame in
                var values: [Int64] = []
                for bound in bounds {
                    guard case .int(let v) = try bound(frame) else {
                        throw ScriptError(kind: .operatorFailed(operation: "range"), message: "range() arguments must be ints", frames: [trace])
                    }
                    values.append(v)
                }
                let (start, end, step) = values.count == 1 ? (0, values[0], 1) : (values[0], values[1], values.count == 3 ? values[2] : 1)
                guard step != 0 else { throw ScriptError(kind: .operatorFailed(operation: "range"), message: "range() arg 3 must not be zero", frames: [trace]) }
                var i = start
                while step > 0 ? i < end : i > end {
                    frame.slots[slot] = .int(i)
                    let flow = try block(frame)
                    if case .breakLoop = flow { break }
                    if case .returned = flow { return .returned }
                    i = i &+ step
                }
                return .next
            }
        }
        let sequence = try compileExpression(iterable)
        let elementType: ScriptType = switch sequence.type {
        case .list(let element): element
        case .string: .string
        case .tensor: .tensor
        case .dict(let key, _): key
        default: .any
        }
        let store = try compileStore(target, type: elementType)
        let block = try compileBlock(body)
        let evaluate = sequence.evaluate
        let trace = traceFrame(location)
        return { frame in
            let elements: [ScriptValue]
            switch try evaluate(frame) {
            case .list(let list): elements = list.elements
            case .tuple(let items): elements = items
            case .dict(let dict): elements = dict.keys
            case .string(let s): elements = s.utf8.map { .string(String(decoding: [$0], as: UTF8.self)) }
            case .tensor(let t):
                guard t.rank > 0 else { throw ScriptError(kind: .operatorFailed(operation: "for"), message: "iteration over a 0-d tensor", frames: [trace]) }
                try TraceRecorder.noteUntraceable("the method iterates over a tensor")
                elements = try (0..<t.shape[0]).map { .tensor(try t.select(dim: 0, index: $0)) }
            case let other:
                throw ScriptError(kind: .operatorFailed(operation: "for"), message: "'\(other.kindName)' object is not iterable", frames: [trace])
            }
            for element in elements {
                try store(frame, element)
                let flow = try block(frame)
                if case .breakLoop = flow { break }
                if case .returned = flow { return .returned }
            }
            return .next
        }
    }

    // MARK: Stores

    /// A store into an assignment target: a variable, a tuple of targets, `obj.attr` or `container[key]`.
    mutating func compileStore(_ target: Expression, type: ScriptType) throws -> (Frame, ScriptValue) throws -> Void {
        switch target.kind {
        case .name(let name):
            let slot = declare(name, type)
            constantValues.removeValue(forKey: name)
            return { frame, value in frame.slots[slot] = value }
        case .tuple(let items), .list(let items):
            let itemTypes: [ScriptType] = if case .tuple(let types) = type, types.count == items.count { types } else {
                Array(repeating: type.elementType ?? .any, count: items.count)
            }
            let stores = try zip(items, itemTypes).map { try compileStore($0, type: $1) }
            let trace = traceFrame(target.location)
            return { frame, value in
                guard let elements = value.sequence, elements.count == stores.count else {
                    throw ScriptError(
                        kind: .operatorFailed(operation: "unpack"),
                        message: "cannot unpack \(value.kindName) into \(stores.count) values", frames: [trace])
                }
                for (store, element) in zip(stores, elements) { try store(frame, element) }
            }
        case .attribute(let base, let name):
            let object = try compileExpression(base)
            let evaluate = object.evaluate
            let trace = traceFrame(target.location)
            return { frame, value in
                try TraceRecorder.noteUntraceable("the method writes attribute '\(name)'")
                guard case .object(let o) = try evaluate(frame), let slot = o.type.slotIndex(of: name) else {
                    throw ScriptError(kind: .operatorFailed(operation: "setattr"), message: "object has no attribute '\(name)'", frames: [trace])
                }
                o.slots[slot] = value
            }
        case .subscript(let base, let indices):
            let container = try compileExpression(base)
            guard indices.count == 1 else { throw fail("multi-dimensional subscript assignment is not supported", target.location) }
            let key = try compileExpression(indices[0])
            let trace = traceFrame(target.location)
            let (containerEvaluate, keyEvaluate) = (container.evaluate, key.evaluate)
            let setItem: OperatorBody
            if container.type == .tensor {
                guard let body = program.registry.body(named: "aten::index_put_").map({ TraceRecorder.recording($0, operation: "aten::index_put_") }) else { throw fail("tensor item assignment is not supported", target.location) }
                setItem = { c in
                    let index: ScriptValue = .list([c[1]], elementType: "Optional[Tensor]")
                    return try body(Arguments([c[0], index, c[2], .bool(false)]))
                }
            } else {
                guard let body = program.registry.body(named: "aten::_set_item.t").map({ TraceRecorder.recording($0, operation: "aten::_set_item.t") }) else { throw fail("item assignment is not supported", target.location) }
                setItem = body
            }
            return { frame, value in
                let args = Arguments([try containerEvaluate(frame), try keyEvaluate(frame), value])
                do { _ = try setItem(args) } catch { throw ScriptError.wrap(error, operation: "__setitem__", at: trace) }
            }
        default:
            throw fail("cannot assign to this expression", target.location)
        }
    }

    static let binaryOperators: [String: String] = [
        "+": "aten::add", "-": "aten::sub", "*": "aten::mul", "/": "aten::div", "//": "aten::floordiv", "%": "aten::remainder",
        "**": "aten::pow", "==": "aten::eq", "!=": "aten::ne", "<": "aten::lt", "<=": "aten::le", ">": "aten::gt", ">=": "aten::ge",
        "&": "aten::__and__", "|": "aten::__or__", "^": "aten::__xor__", "<<": "aten::__lshift__", ">>": "aten::__rshift__",
        "@": "aten::matmul",
    ]
}

extension ScriptType {
    var isOptional: Bool {
        if case .optional = self { return true }
        return false
    }

    /// The element type of a list.
    var elementType: ScriptType? {
        if case .list(let element) = self { return element }
        return nil
    }
}
