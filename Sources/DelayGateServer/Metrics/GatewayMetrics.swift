import Metrics
import Prometheus

/// The gateway's Prometheus registry and the swift-metrics factory that feeds it.
///
/// Each gateway instance owns its registry (tests run several gateways in one process);
/// `delaygate serve` also installs the factory as the process-wide metrics backend.
public struct GatewayMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let latency: [Duration] = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        factory.durationHistogramBuckets = [
            "delaygate_http_request_duration_seconds": latency,
            "delaygate_group_commit_duration_seconds": [
                .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
                .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .seconds(1),
            ],
            "delaygate_normalize_lag_seconds": latency + [.seconds(30), .seconds(60), .seconds(300)],
        ]
        factory.valueHistogramBuckets = [
            "delaygate_group_commit_batch_size": [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]
        ]
        self.registry = registry
        self.factory = factory
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
