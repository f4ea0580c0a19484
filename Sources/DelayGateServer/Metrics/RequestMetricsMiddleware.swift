import DelayGateIngest
import Hummingbird
import Metrics

/// Counts requests by method, route and status, and times them by route.
///
/// The route is the matched route's pattern (`/webhooks/{adapter}`), never the raw path, so
/// that a scanner probing random URLs cannot blow up the number of series.
public struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let requests: MetricHandles<Counter>
    let durations: MetricHandles<Metrics.Timer>

    public init(factory: any MetricsFactory) {
        requests = MetricHandles(
            counter: "delaygate_http_requests_total", labels: ["method", "route", "status"], factory: factory)
        durations = MetricHandles(timer: "delaygate_http_request_duration_seconds", labels: ["route"], factory: factory)
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        requests[request.method.rawValue, route, String(response.status.code)].increment()
        durations[route].record(duration: ContinuousClock.now - started)
        return response
    }
}
