import Hummingbird
import Metrics

/// Counts requests by method, route and status, and times them by route.
///
/// The route is the matched route's pattern (`/webhooks/{adapter}`), never the raw path, so
/// that a scanner probing random URLs cannot blow up the number of series.
public struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let factory: any MetricsFactory

    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        Counter(
            label: "delaygate_http_requests_total",
            dimensions: [("method", request.method.rawValue), ("route", route), ("status", String(response.status.code))],
            factory: factory
        ).increment()
        Metrics.Timer(label: "delaygate_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            .record(duration: ContinuousClock.now - started)
        return response
    }
}
