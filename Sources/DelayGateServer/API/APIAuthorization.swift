import DelayGateAuth
import Foundation
import HTTPTypes
import Hummingbird

/// The door of DelayGate's API: every `/v1/…` route asks for one scope, and a request passes
/// only with a bearer access token from DelayGate's own authorization server that holds it.
///
/// Refusals follow RFC 6750 §3: `401` with `WWW-Authenticate: Bearer error="invalid_token"` for a
/// missing, malformed, forged, expired or retired token, `403` with `error="insufficient_scope"`
/// and the scope needed for a valid token without it; the body is a problem document. While no
/// signing key is configured the API answers `503` naming the variable to set.
///
/// ```swift
/// router.get("v1/alerts") { request, _ in
///     try await authorization.require(Scope.alertsRead, for: request)
///     …
/// }
/// ```
struct APIAuthorization: Sendable {
    let server: AuthorizationServer?
    static let realm = "delaygate"

    /// Returns the token's claims, or throws the problem that refuses the request.
    @discardableResult
    func require(_ scope: String, for request: Request) async throws -> AccessTokenClaims {
        guard let server, server.isReady else { throw Self.unavailable(server) }
        let token = Self.bearerToken(request.headers[.authorization])
        do {
            return try await server.authorize(token, scope: scope)
        } catch {
            throw Self.problem(for: error)
        }
    }

    /// The token of `Authorization: Bearer <token>`; nil when the header is missing or another scheme.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1].trimmingCharacters(in: .whitespaces))
    }

    static func problem(for failure: BearerFailure) -> ProblemDetails {
        switch failure {
        case .invalidToken(let reason):
            return ProblemDetails(
                .unauthorized, slug: "invalid-token", title: "Invalid or missing access token", detail: reason,
                headers: [
                    .wwwAuthenticate:
                        #"Bearer realm="\#(realm)", error="invalid_token", error_description="\#(quoted(reason))""#
                ])
        case .insufficientScope(let scope):
            return ProblemDetails(
                .forbidden, slug: "insufficient-scope", title: "Insufficient scope",
                detail: "this route needs a token with the scope '\(scope)'",
                extensions: ["required_scope": .string(scope)],
                headers: [
                    .wwwAuthenticate: #"Bearer realm="\#(realm)", error="insufficient_scope", scope="\#(scope)""#
                ])
        }
    }

    static func unavailable(_ server: AuthorizationServer?) -> ProblemDetails {
        let variables = server?.missingSecrets ?? []
        let detail =
            variables.isEmpty
            ? "no signing key is configured in the OAuth file (config/oauth.yaml by default)"
            : "no token can be checked until the environment variable \(variables.joined(separator: ", ")) is set"
        return ProblemDetails(
            .serviceUnavailable, slug: "api-unavailable", title: "API not configured", detail: detail,
            extensions: ["missing_variables": .array(variables.map(JSONValue.string))])
    }

    /// A value safe inside a quoted-string of a challenge.
    static func quoted(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 }.map(Character.init))
    }
}
