import Dispatch
import Flint

/// One loaded version of a model: its archive, how requests bind to `forward()`, and the scheduler in
/// front of its instances. Instances share the loaded module (Flint's `forward` is safe to call from
/// several threads) and each runs on a serial dispatch queue of its own, off the network threads.
package final class ServedModel: Sendable {
    package let name: String
    package let version: Int
    package let signature: ModelSignature
    package let metrics: ModelMetrics
    private let module: Module
    private let scheduler: BatchScheduler

    /// Loads `archive` and binds `entry`'s config to its `forward()`. Throws ``RepositoryError`` when the
    /// config names tensors `forward()` does not have, and Flint's error when the archive does not load.
    package init(entry: RepositoryModel, version: Int, archive: String, queueLimit: Int, metrics: ModelMetrics) throws {
        let module = try Flint.load(archive)
        let forward = try module.methodSchema("forward")
        let signature = try Self.signature(for: entry, forward: forward)
        self.name = entry.name
        self.version = version
        self.module = module
        self.signature = signature
        self.metrics = metrics
        let queues = (0..<entry.instanceCount).map { DispatchQueue(label: "flint.serve.\(entry.name).\(version).\($0)") }
        let outputNames = signature.outputs.map(\.name)
        let declared = signature.declared
        let modelName = entry.name
        self.scheduler = BatchScheduler(
            modelName: entry.name, instances: entry.instanceCount, policy: entry.batching,
            queueLimit: entry.configuredQueueLimit ?? queueLimit,
            onDispatch: { rows, waits in
                metrics.batchSize.record(rows)
                for wait in waits { metrics.queueTime.recordNanoseconds(wait.nanoseconds) }
            },
            execute: { instance, jobs in
                await withCheckedContinuation { continuation in
                    queues[instance].async {
                        continuation.resume(returning: Self.run(jobs, module: module, outputNames: outputNames, declared: declared, model: modelName))
                    }
                }
            })
    }

    /// Answers one request: binds it, queues it, and returns its outputs (those it asked for, in model order).
    package func infer(_ request: InferenceRequest) async throws -> InferenceResponse {
        let start = ContinuousClock.now
        metrics.inFlight.increment()
        defer {
            metrics.inFlight.decrement()
            metrics.requests.increment()
            metrics.latency.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
        }
        do {
            let (inputs, batch) = try signature.bind(request.inputs, model: name)
            if let requested = request.requestedOutputs, signature.declared {
                for output in requested where !signature.outputs.contains(where: { $0.name == output.name }) {
                    throw ServeError.invalidArgument("unknown output '\(output.name)' for model '\(name)'")
                }
            }
            let outputs = try await scheduler.submit(ScheduledJob(inputs: inputs, rows: batch, arrival: start))
            var selected = outputs
            if let requested = request.requestedOutputs {
                selected = try requested.map { wanted in
                    guard let output = outputs.first(where: { $0.name == wanted.name }) else {
                        throw ServeError.invalidArgument("unknown output '\(wanted.name)' for model '\(name)' (it returned \(outputs.map(\.name).joined(separator: ", ")))")
                    }
                    return output
                }
            }
            return InferenceResponse(modelName: name, modelVersion: String(version), id: request.id, outputs: selected)
        } catch {
            metrics.failures.increment()
            throw error
        }
    }

    /// Finishes every queued request and refuses new ones.
    package func drain() async { await scheduler.drain() }

    /// One forward call for `jobs` (merged along the batch dimension when several), split back per job.
    private static func run(_ jobs: [ScheduledJob], module: Module, outputNames: [String], declared: Bool, model: String) -> [Result<[WireTensor], any Error>] {
        do {
            let result = try module.forward(try BatchAssembly.arguments(for: jobs))
            var tensors = try BatchAssembly.outputTensors(of: result, model: model)
            if declared {
                guard tensors.count >= outputNames.count else {
                    throw ServeError(.internal, "model '\(model)' returned \(tensors.count) outputs; its config declares \(outputNames.count)")
                }
                tensors = Array(tensors.prefix(outputNames.count))
            }
            return try BatchAssembly.split(tensors, names: outputNames, among: jobs, model: model).map { .success($0) }
        } catch {
            let failure = Self.serveError(error, model: model)
            return jobs.map { _ in .failure(failure) }
        }
    }

    /// How a model failure is answered: the model rejecting its input (a TorchScript exception, an operator
    /// refusing a shape) is the client's mistake (400) and carries Flint's message with the TorchScript
    /// traceback; a model Flint cannot run is the server's (500).
    static func serveError(_ error: any Error, model: String) -> ServeError {
        switch error {
        case let error as ServeError: return error
        case let error as FlintError:
            let kind: ServeError.Kind = error.kind == .unsupported || error.kind == .io || error.kind == .corrupt ? .internal : .invalidArgument
            return ServeError(kind, "model '\(model)' failed: \(error.description)")
        case let error as TensorError:
            return ServeError(.invalidArgument, "model '\(model)' failed: \(error.message)")
        default:
            return ServeError(.internal, "model '\(model)' failed: \(error)")
        }
    }

    /// The request binding: from `config.pbtxt` when it declares inputs or outputs, else Triton's
    /// `INPUT__i` / `OUTPUT__i` convention over `forward()`'s arguments and return type.
    static func signature(for entry: RepositoryModel, forward: FunctionSchema) throws -> ModelSignature {
        let conventional = ModelSignature.conventional(forward: forward)
        guard let config = entry.config, !config.input.isEmpty || !config.output.isEmpty else {
            var signature = conventional
            signature.maxBatchSize = Int(entry.config?.maxBatchSize ?? 0)
            return signature
        }
        let argumentNames = forward.arguments.map(\.name).filter { $0 != "self" }
        var inputs: [TensorSpec] = []
        for input in config.input {
            guard let datatype = WireDataType(input.dataType) else {
                throw RepositoryError("model '\(entry.name)': input '\(input.name)' has data_type \(input.dataType), which Flint cannot serve")
            }
            let position: Int
            if let index = ModelSignature.indexSuffix(of: input.name) {
                position = index
            } else if let index = argumentNames.firstIndex(of: input.name) {
                position = index
            } else {
                throw RepositoryError("model '\(entry.name)': input '\(input.name)' binds to no forward() argument (name it INPUT__<index> or after the argument: \(argumentNames.joined(separator: ", ")))")
            }
            guard position < argumentNames.count else {
                throw RepositoryError("model '\(entry.name)': input '\(input.name)' is argument \(position), but forward() takes \(argumentNames.count)")
            }
            guard !inputs.contains(where: { $0.position == position }) else {
                throw RepositoryError("model '\(entry.name)': two inputs bind to forward() argument \(position)")
            }
            inputs.append(TensorSpec(name: input.name, position: position, datatype: datatype, dims: input.dims.map(Int.init)))
        }
        inputs.sort { $0.position < $1.position }
        for (expected, spec) in inputs.enumerated() where spec.position != expected {
            throw RepositoryError("model '\(entry.name)': no input binds to forward() argument \(expected)")
        }
        var outputs: [TensorSpec] = []
        for (order, output) in config.output.enumerated() {
            guard let datatype = WireDataType(output.dataType) else {
                throw RepositoryError("model '\(entry.name)': output '\(output.name)' has data_type \(output.dataType), which Flint cannot serve")
            }
            let position = ModelSignature.indexSuffix(of: output.name) ?? order
            outputs.append(TensorSpec(name: output.name, position: position, datatype: datatype, dims: output.dims.map(Int.init)))
        }
        outputs.sort { $0.position < $1.position }
        for (expected, spec) in outputs.enumerated() where spec.position != expected {
            throw RepositoryError("model '\(entry.name)': outputs must cover positions 0..<\(outputs.count); output '\(spec.name)' is \(spec.position)")
        }
        return ModelSignature(
            maxBatchSize: Int(config.maxBatchSize),
            inputs: inputs.isEmpty ? conventional.inputs : inputs,
            outputs: outputs.isEmpty ? conventional.outputs : outputs,
            declared: !config.input.isEmpty)
    }
}

extension Duration {
    /// Whole nanoseconds, for swift-metrics timers.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
