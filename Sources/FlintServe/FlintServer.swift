import Dispatch
import FlintServingProtocol
import GRPCCore
import GRPCNIOTransportHTTP2
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// What `flint serve` is started with.
public struct ServeOptions: Sendable {
    /// A Triton-layout model repository: `DIR/<model>/[config.pbtxt]`, `DIR/<model>/<N>/model.pt`.
    public var modelRepository: String
    /// The address every listener binds (127.0.0.1 unless told otherwise).
    public var host: String = "127.0.0.1"
    /// KServe v2 REST port; 0 picks a free one (logged).
    public var httpPort: Int = 8000
    /// gRPC port; 0 picks a free one (logged).
    public var grpcPort: Int = 8001
    /// Prometheus `/metrics` port; nil serves no metrics.
    public var metricsPort: Int? = 8002
    /// The largest request body (HTTP) or message (gRPC) accepted, in bytes.
    public var maxRequestBytes: Int = 64 << 20
    /// Requests that may wait per model before the server answers 503 / UNAVAILABLE (a config's
    /// `dynamic_batching.default_queue_policy.max_queue_size` overrides it for its model).
    public var maxQueueSize: Int = 128
    /// Open HTTP connections accepted at once; further connections wait in the listen backlog.
    public var maxConnections: Int = 2048
    /// Seconds an idle HTTP connection stays open.
    public var idleTimeoutSeconds: Int = 60

    public init(modelRepository: String) { self.modelRepository = modelRepository }
}

/// The model server: KServe v2 REST on Hummingbird, `inference.GRPCInferenceService` on grpc-swift 2, and
/// Prometheus metrics, over the models of a Triton-layout repository.
///
/// ``run()`` listens at once (live), loads every model (then ready), and serves until SIGTERM or SIGINT.
/// Then it stops accepting connections, answers every request already received (queued ones included),
/// and returns.
public struct FlintServer: Sendable {
    public let options: ServeOptions
    private let logger: Logger

    public init(options: ServeOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Serves until SIGTERM or SIGINT. Throws when the repository cannot be read, a model fails to load, or
    /// a port cannot be bound.
    public func run() async throws {
        let entries: [RepositoryModel]
        do {
            entries = try ModelRepository.scan(options.modelRepository)
        } catch let error as RepositoryError {
            throw ServeFailure(error.description)
        }
        let store = ModelStore()
        store.declare(entries)
        let metrics = ServingMetrics()
        let logger = self.logger
        let options = self.options

        let http = Application(
            router: HTTPFrontend.router(store: store, maxBodyBytes: options.maxRequestBytes),
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(options.idleTimeoutSeconds)))),
            configuration: .init(
                address: .hostname(options.host, port: options.httpPort), serverName: "flint", backlog: 1024,
                availableConnectionsDelegate: MaximumAvailableConnections(options.maxConnections)),
            onServerRunning: { channel in
                logger.info("HTTP listening", metadata: ["address": "\(options.host):\(channel.localAddress?.port ?? options.httpPort)"])
            },
            logger: logger)

        var transportConfig = HTTP2ServerTransport.Posix.Config.defaults
        transportConfig.rpc.maxRequestPayloadSize = options.maxRequestBytes
        let grpc = GRPCServer(
            transport: .http2NIOPosix(
                address: .ipv4(host: options.host, port: options.grpcPort), transportSecurity: .plaintext, config: transportConfig),
            services: [GRPCFrontend(store: store)])

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let metricsPort = options.metricsPort {
            let router = Router()
            router.get("/metrics") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
            }
            let metricsApp = Application(
                router: router, configuration: .init(address: .hostname(options.host, port: metricsPort), serverName: "flint"),
                onServerRunning: { channel in
                    logger.info("metrics listening", metadata: ["address": "\(options.host):\(channel.localAddress?.port ?? metricsPort)"])
                },
                logger: logger)
            services.append(.init(service: metricsApp))
        }
        let serving = ServingService(
            http: http, grpc: grpc, store: store, logger: logger,
            load: {
                try await Self.load(entries, into: store, metrics: metrics, queueLimit: options.maxQueueSize, logger: logger)
            })
        services.append(.init(service: serving))
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger))
        do {
            try await group.run()
        } catch let error as ServeFailure {
            throw error
        } catch let error as ServiceGroupError {
            throw ServeFailure("\(error)")
        }
    }

    /// Loads every version of every model, one at a time, off the concurrency pool.
    private static func load(_ entries: [RepositoryModel], into store: ModelStore, metrics: ServingMetrics, queueLimit: Int, logger: Logger) async throws {
        for entry in entries {
            for (version, archive) in entry.versions {
                let start = ContinuousClock.now
                let model: ServedModel = try await withCheckedThrowingContinuation { continuation in
                    DispatchQueue.global().async {
                        continuation.resume(with: Result {
                            do {
                                return try ServedModel(
                                    entry: entry, version: version, archive: archive, queueLimit: queueLimit,
                                    metrics: metrics.model(entry.name, version: version))
                            } catch let error as RepositoryError {
                                throw ServeFailure(error.description)
                            } catch {
                                throw ServeFailure("model '\(entry.name)' version \(version): \(error)")
                            }
                        })
                    }
                }
                store.add(model)
                logger.info("model loaded", metadata: [
                    "model": "\(entry.name)", "version": "\(version)",
                    "batching": "\(entry.batching.map { "max \($0.maxBatchSize), delay \($0.maxQueueDelay)" } ?? "off")",
                    "instances": "\(entry.instanceCount)", "milliseconds": "\((ContinuousClock.now - start).nanoseconds / 1_000_000)",
                ])
            }
        }
    }
}

/// Why the server could not start or keep running (a bad repository, a model that does not load, a port in use).
public struct ServeFailure: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The HTTP and gRPC listeners and the model loader, run together so that a graceful shutdown closes both
/// listeners at once; once both have answered everything they received, queued work is drained.
struct ServingService: Service {
    let http: Application<RouterResponder<BasicRequestContext>>
    let grpc: GRPCServer<HTTP2ServerTransport.Posix>
    let store: ModelStore
    let logger: Logger
    let load: @Sendable () async throws -> Void

    func run() async throws {
        let grpc = self.grpc
        let store = self.store
        let logger = self.logger
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await http.run() }
            group.addTask {
                try await withGracefulShutdownHandler {
                    try await grpc.serve()
                } onGracefulShutdown: {
                    grpc.beginGracefulShutdown()
                }
            }
            group.addTask {
                if let address = try? await grpc.listeningAddress {
                    logger.info("gRPC listening", metadata: ["address": "\(address)"])
                }
            }
            group.addTask {
                try await load()
                store.setReady(true)
                logger.info("ready", metadata: ["models": "\(store.modelNames.joined(separator: ", "))"])
            }
            group.addTask {
                try? await gracefulShutdown()
                store.setReady(false)
                logger.info("shutting down: finishing requests already received")
            }
        }
        await store.drain()
        logger.info("stopped")
    }
}
