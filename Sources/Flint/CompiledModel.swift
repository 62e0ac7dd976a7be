import FlintExport
import FlintGraph
import FlintLoader
import FlintOperators
import FlintRuntime
import FlintScript
import FlintValues

/// A module's archive compiled for running (what `flint run` and `flint bench` use): a TorchScript
/// archive's program, or a torch.export program.
package final class CompiledModel: @unchecked Sendable {
    enum Backing {
        case script(Program)
        case exported(ExportedProgram)
    }

    let backing: Backing
    /// Methods already resolved by path, so a `forward` per request is one dictionary lookup.
    private var methods: [String: Method] = [:]
    private let lock = Lock()

    init(program: Program) { backing = .script(program) }

    init(exported: ExportedProgram) { backing = .exported(exported) }

    /// One callable method: its signature and how to run it.
    package struct Method: @unchecked Sendable {
        enum Target {
            case script(object: ScriptObject, handle: CompiledFunctionHandle, program: Program)
            case exported(ExportedProgram)
        }

        package let path: String
        let target: Target

        /// Parameters after `self`, with their declared types.
        package var parameters: [(name: String, type: ScriptType, hasDefault: Bool)] {
            switch target {
            case .script(_, let handle, _): handle.parameters
            case .exported(let program): program.argumentTypes.map { ($0.name, $0.type, false) }
            }
        }

        package var returnType: ScriptType {
            switch target {
            case .script(_, let handle, _): handle.returnType
            case .exported(let program): program.returnType
            }
        }
        /// Whether the declared result is a tuple, list or dict (several arrays when flattened).
        package var returnsContainer: Bool {
            var type = returnType
            if case .optional(let inner) = type { type = inner }
            switch type {
            case .tuple, .list, .dict: return true
            default: return false
            }
        }

        /// The graph the method runs as for these arguments (`flint inspect --graph`): as recorded, or as
        /// optimised and planned; or why the method is interpreted instead.
        package func graphText(_ arguments: [ScriptValue], optimized: Bool) throws -> String {
            let (object, handle, program): (ScriptObject, CompiledFunctionHandle, Program)
            switch target {
            case .script(let o, let h, let p): (object, handle, program) = (o, h, p)
            case .exported(let exported):
                do {
                    return try exported.graphText(arguments, optimized: optimized)
                } catch let error as ExportError {
                    throw FlintError(error, file: exported.archive.path)
                }
            }
            do {
                if optimized {
                    let executor = program.graphExecutor(for: handle, on: object)
                    let complete = try program.completeArguments(handle, arguments)
                    if executor.plan(for: complete) == nil { _ = try program.run(handle, on: object, arguments: arguments) }
                    if let plan = executor.plan(for: complete) { return plan.text }
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
            guard case .script(let object, let handle, let program) = target else { return nil }
            let executor = program.graphExecutor(for: handle, on: object)
            let complete = try program.completeArguments(handle, arguments)
            if executor.plan(for: complete) == nil { _ = try callAsFunction(arguments) }
            return executor.plan(for: complete)?.graph.constants
        }

        /// Runs the method. Throws ``FlintError`` of kind `.scriptError` (with the TorchScript traceback)
        /// or `.invalidInput`.
        package func callAsFunction(_ arguments: [ScriptValue]) throws -> ScriptValue {
            switch target {
            case .script(let object, let handle, let program):
                do {
                    return try program.run(handle, on: object, arguments: arguments)
                } catch let error as ScriptError {
                    throw FlintError(error)
                }
            case .exported(let program):
                do {
                    return try program.forward(arguments)
                } catch let error as ExportError {
                    throw FlintError(error, file: nil)
                }
            }
        }
    }

    /// The method at a dotted path (`forward`, `encoder.forward`, an exported method).
    package func method(_ path: String) throws -> Method {
        if let known = lock.withLock({ methods[path] }) { return known }
        do {
            let method: Method
            switch backing {
            case .script(let program):
                let (object, handle) = try program.resolve(method: path)
                method = Method(path: path, target: .script(object: object, handle: handle, program: program))
            case .exported(let program):
                guard path == "forward" else {
                    throw FlintError(kind: .invalidInput, file: program.archive.path, record: nil,
                                     message: "a torch.export program has one method, forward; there is no '\(path)'")
                }
                method = Method(path: path, target: .exported(program))
            }
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
        switch backing {
        case .script(let model, _):
            do {
                return CompiledModel(program: try Program(model: model))
            } catch {
                throw FlintError(compiling: error)
            }
        case .exported(let program):
            guard program.missingOperators.isEmpty else {
                throw FlintError(kind: .unsupported, file: program.archive.path, record: nil,
                                 message: "the program calls \(program.missingOperators.count) operator(s) Flint does not implement:\n  "
                                    + program.missingOperators.joined(separator: "\n  "))
            }
            return CompiledModel(exported: program)
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
        switch backing {
        case .script(let model, _):
            do {
                return try OperatorSurvey(model: model)
            } catch {
                throw FlintError(compiling: error)
            }
        case .exported(let program):
            return OperatorSurvey(uses: program.operatorUses.map { .init(name: $0.name, schema: $0.schema, callSites: $0.count, supported: $0.implemented) })
        }
    }
}
