import DelayGateAdapters
import DelayGateAuth
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// DelayGate's OAuth 2.0 authorization server on HTTP:
/// - `POST /oauth/token`: the client-credentials grant (RFC 6749 §4.4), client authentication by
///   HTTP Basic or the form; answers exactly as §5.1 and §5.2 say (JSON, `Cache-Control: no-store`,
///   `401` + `WWW-Authenticate: Basic` for `invalid_client`).
/// - `GET /.well-known/oauth-authorization-server`: RFC 8414 metadata.
/// - `GET /.well-known/jwks.json`: the public keys, when tokens are signed with ES256.
struct OAuthRoutes<Context: RequestContext>: Sendable {
    let server: AuthorizationServer?

    /// Token requests are a few form fields; anything larger is not one.
    static var bodyLimit: Int { 16 * 1024 }

    func register(on router: Router<Context>) {
        router.post("oauth/token") { request, _ in
            try await token(request)
        }
        router.get(".well-known/oauth-authorization-server") { _, _ in
            guard let server else { throw APIAuthorization.unavailable(nil) }
            return try Self.json(
                .ok, JSONSerialization.data(withJSONObject: server.metadata, options: [.sortedKeys, .withoutEscapingSlashes]))
        }
        router.get(".well-known/jwks.json") { _, _ in
            guard let server, !server.jwks.isEmpty else {
                throw ProblemDetails.notFound("tokens are signed with a shared secret (HS256); there are no public keys")
            }
            return try Self.json(.ok, Self.encoder.encode(["keys": server.jwks]))
        }
    }

    func token(_ request: Request) async throws -> Response {
        guard let server, server.isReady else { throw APIAuthorization.unavailable(server) }
        let mediaType = request.headers[.contentType].map(InboundRequest.mediaType(of:))
        guard mediaType == "application/x-www-form-urlencoded" else {
            return Self.error(
                OAuthError(.invalidRequest, "the token request must be application/x-www-form-urlencoded"))
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.bodyLimit)
        } catch is NIOTooManyBytesError {
            return Self.error(OAuthError(.invalidRequest, "the token request is larger than \(Self.bodyLimit) bytes"))
        }
        guard let form = FormURLEncoded.decodePairs(Data(body.readableBytesView)) else {
            return Self.error(OAuthError(.invalidRequest, "the body is not valid form-urlencoded UTF-8"))
        }
        switch await server.token(authorization: request.headers[.authorization], form: form) {
        case .success(let answer):
            return try Self.json(.ok, Self.encoder.encode(answer))
        case .failure(let error):
            return Self.error(error)
        }
    }

    /// An RFC 6749 §5.2 error answer.
    static func error(_ error: OAuthError) -> Response {
        var response = (try? json(HTTPResponse.Status(code: error.status), encoder.encode(error.body)))
            ?? Response(status: .badRequest)
        if error.code == .invalidClient {
            response.headers[.wwwAuthenticate] = #"Basic realm="\#(APIAuthorization.realm)""#
        }
        return response
    }

    /// Stable key order, slashes as they are.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// A JSON answer that no cache may keep (tokens and their errors, RFC 6749 §5.1).
    static func json(_ status: HTTPResponse.Status, _ body: Data) throws -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store", HTTPField.Name("Pragma")!: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
