import DelayGateIngest
import DelayGateStorage
import Hummingbird
import Metrics
import NIOCore

/// `GET /healthz` (liveness, no I/O) and `GET /metrics` (Prometheus text).
struct OperationsRoutes<Context: RequestContext>: Sendable {
    let metrics: GatewayMetrics
    let writer: GroupCommitWriter
    let normalizer: Normalizer

    func register(on router: Router<Context>) {
        router.get("healthz") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        router.get("metrics") { _, _ in
            Gauge(label: "delaygate_writer_queue_depth", factory: metrics.factory).record(writer.queueDepth)
            Gauge(label: "delaygate_normalize_queue_depth", factory: metrics.factory).record(normalizer.queueDepth)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }
}
