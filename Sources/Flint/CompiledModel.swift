import FlintGraph
import FlintLoader
import FlintOperators
import FlintRuntime
import FlintScript
import FlintValues

/// A module's archive compiled for running (what `flint run` and `flint bench` use).
package final class CompiledModel: @unchecked Sendable {
    package let program: Program
    /// Methods already resolved by path, so a `forward` per request is one dictionary lookup.
    private var methods: [String: Method] = [:]
    private let lock = Lock()

    init(program: Program) { self.program = program }

    /// One callable method: its signature and how to run it.
    package struct Method: @unchecked Sendable {
        package let path: String
        let object: ScriptObject
        let handle: CompiledFunctionHandle
        let program: Program

        /// Parameters after `self`, with their declared types.
        package var parameters: [(name: String, type: ScriptType, hasDefault: Bool)] { handle.parameters }
        package var returnType: ScriptType { handle.returnType }
        /// Whether the declared result is a tuple, list or dict (several arrays when flattened).
        package var returnsContainer: Bool {
            var type = handle.returnType
            if case .optional(let inner) = type { type = inner }
            switch type {
            case .tuple, .list, .dict: return true
            default: return false
            }
        }

        /// The graph the method runs as for these arguments (`flint inspect --graph`): as recorded, or as
        /// optimised and planned; or why the method is interpreted instead.
        package func graphText(_ arguments: [ScriptValue], optimized: Bool) throws -> String {
            do {
                if optimized {
                    let executor = program.graphExecutor(for: handle, on: object)
                    let complete = try program.completeArguments(handle, arguments)
                    if executor.plan(for: complete) == nil { _ = try program.run(handle, on: object, arguments: arguments) }
                    if let plan = executor.plan(for: complete) { return GraphPrinter.text(plan.graph) }
                    return "# \(path) runs in the interpreter: \(executor.interpretedBecause ?? "no graph was built for these inputs")\n"
                }
                let recorder = TraceRecorder(arguments: arguments)
                let result = try recorder.watching { try program.run(handle, on: object, arguments: arguments, useGraph: false) }
                guard let graph = recorder.finish(result: result) else {
                    return "# \(path) runs in the interpreter: \(recorder.failure ?? "")\n"
                }
                return GraphPrinter.text(graph)
            } catch let error as ScriptError {
                throw FlintError(error)
            }
        }

        /// The constant tensors of the optimised plan for these arguments (built by running the method once if
        /// needed), or nil when the method is interpreted. For tests of what plans share.
        package func planConstants(_ arguments: [ScriptValue]) throws -> [Tensor]? {
            let executor = program.graphExecutor(for: handle, on: object)
            let complete = try program.completeArguments(handle, arguments)
            if executor.plan(for: complete) == nil { _ = try callAsFunction(arguments) }
            return executor.plan(for: complete)?.graph.constants
        }

        /// Runs the method. Throws ``FlintError`` of kind `.scriptError` (with the TorchScript traceback)
        /// or `.invalidInput`.
        package func callAsFunction(_ arguments: [ScriptValue]) throws -> ScriptValue {
            do {
                return try program.run(handle, on: object, arguments: arguments)
            } catch let error as ScriptError {
                throw FlintError(error)
            }
        }
    }

    /// The method at a dotted path (`forward`, `encoder.forward`, an exported method).
    package func method(_ path: String) throws -> Method {
        if let known = lock.withLock({ methods[path] }) { return known }
        do {
            let (object, handle) = try program.resolve(method: path)
            let method = Method(path: path, object: object, handle: handle, program: program)
            lock.withLock { methods[path] = method }
            return method
        } catch {
            throw FlintError(compiling: error)
        }
    }
}

extension Module {
    /// The compiled archive behind a module that ``load(_:)`` returned.
    package var compiledModel: CompiledModel? { compiled }

    /// Compiles the archive's code (once per call; keep the result). Throws ``FlintError``: `.unsupported`
    /// listing every operator the model needs that Flint lacks, or the failure of a `__setstate__`.
    package func compile() throws -> CompiledModel {
        do {
            return CompiledModel(program: try Program(model: model))
        } catch {
            throw FlintError(compiling: error)
        }
    }
}

extension FlintError {
    init(_ error: ScriptError) {
        switch error.kind {
        case .badInput: self.init(kind: .invalidInput, file: nil, record: nil, message: error.description)
        default: self.init(kind: .scriptError, file: nil, record: nil, message: error.description)
        }
        sourceLocation = error.originalLocation.map { SourceLocation(file: $0.file, line: $0.line, code: $0.code) }
    }

    init(compiling error: any Error) {
        switch error {
        case let error as FlintError: self = error
        case let error as LoadError: self.init(error, file: nil)
        case let error as ScriptError: self.init(error)
        case let error as MissingOperatorsError: self.init(kind: .unsupported, file: nil, record: nil, message: error.description)
        case let error as CompileError: self.init(kind: .unsupported, file: nil, record: error.record, message: error.description)
        default: self.init(kind: .unsupported, file: nil, record: nil, message: "\(error)")
        }
    }
}

extension Module {
    /// Every operator the archive's code calls (found by compiling it; nothing runs), with its schema and
    /// whether Flint implements it. Throws ``FlintError`` when the code cannot be compiled at all.
    package func operatorSurvey() throws -> OperatorSurvey {
        do {
            return try OperatorSurvey(model: model)
        } catch {
            throw FlintError(compiling: error)
        }
    }
}
