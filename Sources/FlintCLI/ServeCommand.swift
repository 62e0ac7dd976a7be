import ArgumentParser
import Flint
import FlintServe
import Logging

/// `flint serve --model-repository DIR [--host H] [--http-port P] [--grpc-port Q] [--metrics-port M | --no-metrics]
/// [--max-request-bytes N] [--max-queue-size N] [--max-connections N] [--idle-timeout S] [--threads N]
/// [--log-format text|json] [--log-level LEVEL]`.
struct ServeCommand: ParsableCommand, LongRunningCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a Triton-layout model repository over KServe v2 REST and gRPC, with dynamic batching.",
        discussion: """
            DIR/<model>/<N>/model.pt are TorchScript archives; DIR/<model>/config.pbtxt (optional) is Triton's \
            model configuration (max_batch_size, input/output, dynamic_batching, version_policy, instance_group). \
            Ready (GET /v2/health/ready) once every model has loaded. SIGTERM or SIGINT: stop accepting, answer \
            every request already received, exit 0. Guide: docs/serving.md.
            """)

    @Option(name: .long, help: "The model repository directory.")
    var modelRepository: String

    @Option(name: .long, help: "Address to listen on (all listeners).")
    var host = "127.0.0.1"

    @Option(name: .long, help: "KServe v2 REST port (0: any free port, logged).")
    var httpPort = 8000

    @Option(name: .long, help: "gRPC port, inference.GRPCInferenceService (0: any free port, logged).")
    var grpcPort = 8001

    @Option(name: .long, help: "Prometheus metrics port, GET /metrics (0: any free port, logged).")
    var metricsPort = 8002

    @Flag(name: .long, help: "Serve no metrics endpoint.")
    var noMetrics = false

    @Option(name: .long, help: "Largest request body (HTTP) or message (gRPC) in bytes; larger HTTP bodies get 413.")
    var maxRequestBytes = 64 << 20

    @Option(name: .long, help: "Requests that may wait per model before new ones get 503 / UNAVAILABLE.")
    var maxQueueSize = 128

    @Option(name: .long, help: "Open HTTP connections served at once (more wait in the listen backlog).")
    var maxConnections = 2048

    @Option(name: .long, help: "Seconds before an idle HTTP connection is closed.")
    var idleTimeout = 60

    @Option(name: .long, help: "Worker threads for the kernels (default: FLINT_NUM_THREADS or the machine's cores).")
    var threads: Int?

    @Option(name: .long, help: "Log line format: text or json.")
    var logFormat = "text"

    @Option(name: .long, help: "Least severe level logged: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        for (name, port) in [("--http-port", httpPort), ("--grpc-port", grpcPort), ("--metrics-port", metricsPort)] where !(0...65535).contains(port) {
            throw ValidationError("\(name) must be from 0 to 65535")
        }
        if maxRequestBytes < 1024 { throw ValidationError("--max-request-bytes must be at least 1024") }
        if maxQueueSize < 1 { throw ValidationError("--max-queue-size must be at least 1") }
        if maxConnections < 1 { throw ValidationError("--max-connections must be at least 1") }
        if idleTimeout < 1 { throw ValidationError("--idle-timeout must be at least 1 second") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if ServeLogFormat(rawValue: logFormat) == nil { throw ValidationError("--log-format must be text or json") }
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func serve() async throws {
        let format = ServeLogFormat(rawValue: logFormat) ?? .text
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = ServeLogHandler(label: label, format: format)
            handler.logLevel = level
            return handler
        }
        if let threads { ThreadPool.setThreadCount(threads) }
        var options = ServeOptions(modelRepository: modelRepository)
        options.host = host
        options.httpPort = httpPort
        options.grpcPort = grpcPort
        options.metricsPort = noMetrics ? nil : metricsPort
        options.maxRequestBytes = maxRequestBytes
        options.maxQueueSize = maxQueueSize
        options.maxConnections = maxConnections
        options.idleTimeoutSeconds = idleTimeout
        let logger = Logger(label: "flint.serve")
        do {
            try await FlintServer(options: options, logger: logger).run()
        } catch let failure as ServeFailure {
            throw CommandFailure(message: failure.description)
        }
    }
}

/// A subcommand whose work is asynchronous (a server): `main` awaits `serve()` instead of calling `run()`.
protocol LongRunningCommand {
    func serve() async throws
}
