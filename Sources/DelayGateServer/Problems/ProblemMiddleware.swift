import Hummingbird
import Logging

/// Renders every error that reaches it as an RFC 9457 problem document, so that no client ever
/// sees an empty or HTML error body.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The routes, to tell a wrong method (405) from an unknown path (404).
    let routes: RouteTable?

    public init(routes: RouteTable? = nil) {
        self.routes = routes
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var problem = ProblemDetails.from(error, request: request)
            // The router's own 404 (no handler ran): a known path with another method is a 405.
            if !(error is ProblemDetails), problem.status == .notFound,
                let allowed = routes?.methods(at: request.uri.path), !allowed.isEmpty
            {
                problem = ProblemDetails(
                    .methodNotAllowed, slug: "method-not-allowed", title: "Method not allowed",
                    detail: "\(request.method) is not allowed on \(request.uri.path); use \(allowed.joined(separator: ", "))",
                    headers: [.allow: allowed.joined(separator: ", ")])
            }
            if problem.status.code >= 500, !(error is ProblemDetails) {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            return try problem.response(from: request, context: context)
        }
    }
}
