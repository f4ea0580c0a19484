import Hummingbird
import Logging

/// Renders every error that reaches it as an RFC 9457 problem document, so that no client ever
/// sees an empty or HTML error body.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = ProblemDetails.from(error, request: request)
            if problem.status.code >= 500, !(error is ProblemDetails) {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            return try problem.response(from: request, context: context)
        }
    }
}
