import Metrics
import Prometheus

/// The server's Prometheus metrics (swift-metrics API, swift-prometheus backend), kept in a registry of its
/// own rather than the process-wide `MetricsSystem`, so that several servers (tests) can share a process.
///
/// Per model and version (labels `model`, `version`):
/// - `flint_inference_requests_total`, `flint_inference_failures_total`: requests answered, and those answered with an error;
/// - `flint_inference_request_duration_seconds`: latency histogram, receipt of the parsed request to its answer;
/// - `flint_inference_queue_duration_seconds`: time spent queued before an instance took the request;
/// - `flint_inference_batch_size`: rows per forward call;
/// - `flint_inference_in_flight`: requests received and not yet answered.
package final class ServingMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    package init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        let durations: [Duration] = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
            .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
        ]
        factory.defaultDurationHistogramBuckets = durations
        factory.valueHistogramBuckets = ["flint_inference_batch_size": [1, 2, 4, 8, 16, 32, 64, 128, 256]]
        self.factory = factory
    }

    /// The metrics of one served model version.
    package func model(_ name: String, version: Int) -> ModelMetrics {
        let labels = [("model", name), ("version", String(version))]
        return ModelMetrics(
            requests: Metrics.Counter(label: "flint_inference_requests_total", dimensions: labels, factory: factory),
            failures: Metrics.Counter(label: "flint_inference_failures_total", dimensions: labels, factory: factory),
            latency: Metrics.Timer(label: "flint_inference_request_duration_seconds", dimensions: labels, factory: factory),
            queueTime: Metrics.Timer(label: "flint_inference_queue_duration_seconds", dimensions: labels, factory: factory),
            batchSize: Metrics.Recorder(label: "flint_inference_batch_size", dimensions: labels, aggregate: true, factory: factory),
            inFlight: Metrics.Meter(label: "flint_inference_in_flight", dimensions: labels, factory: factory))
    }

    /// The Prometheus text exposition of every metric.
    package func exposition() -> [UInt8] { registry.emitToBuffer() }
}

/// One model version's metric handles.
package struct ModelMetrics: @unchecked Sendable {
    package let requests: Metrics.Counter
    package let failures: Metrics.Counter
    package let latency: Metrics.Timer
    package let queueTime: Metrics.Timer
    package let batchSize: Metrics.Recorder
    package let inFlight: Metrics.Meter
}
