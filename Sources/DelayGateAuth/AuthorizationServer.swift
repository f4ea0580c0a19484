import Crypto
import Foundation
import JWTKit
import Synchronization

/// An error answer of the token endpoint (RFC 6749 §5.2).
public struct OAuthError: Error, Sendable, Hashable {
    public enum Code: String, Sendable {
        case invalidRequest = "invalid_request"
        case invalidClient = "invalid_client"
        case invalidGrant = "invalid_grant"
        case unauthorizedClient = "unauthorized_client"
        case unsupportedGrantType = "unsupported_grant_type"
        case invalidScope = "invalid_scope"
    }

    public var code: Code
    public var description: String
    /// For `invalid_client`: the scheme the client tried (`Basic` when it sent an Authorization
    /// header), to be named in `WWW-Authenticate`.
    public var challenge: String?

    public init(_ code: Code, _ description: String, challenge: String? = nil) {
        self.code = code
        self.description = description
        self.challenge = challenge
    }

    /// 401 for a failed client authentication, 400 for everything else.
    public var status: Int { code == .invalidClient ? 401 : 400 }

    /// The JSON body.
    public var body: [String: String] { ["error": code.rawValue, "error_description": description] }
}

/// A successful token answer (RFC 6749 §5.1).
public struct TokenResponse: Sendable, Hashable, Encodable {
    public var accessToken: String
    public var tokenType = "Bearer"
    public var expiresIn: Int
    public var scope: String

    enum CodingKeys: String, CodingKey {
        case scope
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
    }
}

/// Why a bearer token is refused (RFC 6750 §3.1).
public enum BearerFailure: Error, Sendable, Hashable {
    /// No token, a malformed one, a bad signature, a retired key, another issuer or audience, or expired.
    case invalidToken(String)
    /// A valid token without the scope the route needs.
    case insufficientScope(required: String)
}

/// DelayGate's OAuth 2.0 authorization server for the client-credentials grant: authenticates
/// clients (HTTP Basic or form), checks the requested scope, and issues RFC 9068 JWT access
/// tokens; verifies the tokens the API receives.
public final class AuthorizationServer: Sendable {
    public let settings: OAuthSettings
    private let keys: KeySet
    private let clock: @Sendable () -> Date
    private let clients: [String: OAuthSettings.Client]
    /// Digests of secrets already checked against their PBKDF2 hash, so a client that asks for
    /// a token every few minutes pays the slow hash once.
    private let verified = Mutex<Set<[UInt8]>>([])

    public init(settings: OAuthSettings, clock: @escaping @Sendable () -> Date = { Date() }) async throws {
        self.settings = settings
        self.keys = try await KeySet.make(settings.keys)
        self.clock = clock
        self.clients = Dictionary(uniqueKeysWithValues: settings.clients.map { ($0.id, $0) })
    }

    /// Environment variables of keys that are unset: while the signing key's is, no token is issued.
    public var missingSecrets: [String] { settings.missingSecrets }

    /// Whether tokens can be issued and checked.
    public var isReady: Bool { keys.signer != nil }

    /// The JWK Set of the ES256 keys; empty when every key is symmetric.
    public var jwks: [[String: String]] { keys.jwks }

    // MARK: Token endpoint

    /// Answers a token request: `authorization` is the request's Authorization header, `form`
    /// the fields of its `application/x-www-form-urlencoded` body in order.
    public func token(authorization: String?, form: [(String, String)]) async -> Result<TokenResponse, OAuthError> {
        var fields: [String: String] = [:]
        for (name, value) in form {
            guard fields[name] == nil else {
                return .failure(OAuthError(.invalidRequest, "the parameter '\(name)' is repeated"))
            }
            fields[name] = value
        }
        // Who is asking: HTTP Basic (client_secret_basic) or the form (client_secret_post), not both.
        let basic: (id: String, secret: String)?
        if let authorization {
            guard let credentials = Self.basicCredentials(authorization) else {
                return .failure(
                    OAuthError(.invalidClient, "the Authorization header is not HTTP Basic credentials", challenge: "Basic"))
            }
            basic = credentials
        } else {
            basic = nil
        }
        if basic != nil && (fields["client_id"] != nil || fields["client_secret"] != nil) {
            return .failure(OAuthError(.invalidRequest, "use one client authentication method, not Basic and the form"))
        }
        guard let grant = fields["grant_type"] else {
            return .failure(OAuthError(.invalidRequest, "grant_type is missing"))
        }
        let clientID = basic?.id ?? fields["client_id"]
        let secret = basic?.secret ?? fields["client_secret"]
        let challenge = basic == nil ? nil : "Basic"
        guard let clientID, let secret, !clientID.isEmpty else {
            return .failure(
                OAuthError(.invalidClient, "client authentication is missing (HTTP Basic or client_id and client_secret)"))
        }
        guard let client = clients[clientID], await matches(secret, of: client) else {
            return .failure(OAuthError(.invalidClient, "unknown client or wrong secret", challenge: challenge))
        }
        guard grant == "client_credentials" else {
            return .failure(
                OAuthError(.unsupportedGrantType, "grant_type '\(grant)' is not supported; use client_credentials"))
        }
        let allowed = Set(client.scopes)
        var granted = client.scopes
        if let requested = fields["scope"] {
            let scopes = requested.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard !scopes.isEmpty else { return .failure(OAuthError(.invalidScope, "scope is empty")) }
            if let refused = scopes.first(where: { !allowed.contains($0) }) {
                return .failure(OAuthError(.invalidScope, "client '\(clientID)' may not ask for scope '\(refused)'"))
            }
            granted = Array(NSOrderedSet(array: scopes)) as? [String] ?? scopes
        }
        guard !granted.isEmpty else {
            return .failure(OAuthError(.invalidScope, "client '\(clientID)' has no scopes"))
        }
        do {
            let (token, lifetime) = try await issue(clientID: clientID, scopes: granted)
            return .success(TokenResponse(accessToken: token, expiresIn: lifetime, scope: granted.joined(separator: " ")))
        } catch {
            return .failure(OAuthError(.invalidRequest, "no signing key is available"))
        }
    }

    /// Signs an access token for a client (also used by tests and the demo).
    public func issue(clientID: String, scopes: [String]) async throws -> (token: String, expiresIn: Int) {
        guard let signer = keys.signer else { throw BearerFailure.invalidToken("no signing key is configured") }
        let now = clock()
        let lifetime = Int(settings.tokenLifetime.components.seconds)
        let claims = AccessTokenClaims(
            iss: settings.issuer, sub: clientID, aud: settings.audience, clientID: clientID,
            scope: scopes.joined(separator: " "), iat: Int(now.timeIntervalSince1970),
            exp: Int(now.timeIntervalSince1970) + lifetime, jti: UUID().uuidString.lowercased())
        let token = try await keys.collection.sign(
            claims, kid: JWKIdentifier(string: signer.kid), header: ["typ": "at+jwt"])
        return (token, lifetime)
    }

    private func matches(_ secret: String, of client: OAuthSettings.Client) async -> Bool {
        let digest = Array(SHA256.hash(data: Data("\(client.id)\u{0}\(secret)\u{0}\(client.secretHash)".utf8)))
        if verified.withLock({ $0.contains(digest) }) { return true }
        guard client.secretHash.matches(secret) else { return false }
        verified.withLock { _ = $0.insert(digest) }
        return true
    }

    /// `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1).
    static func basicCredentials(_ header: String) -> (id: String, secret: String)? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let decoded = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        let id = String(text[..<colon]).removingPercentEncoding
        let secret = String(text[text.index(after: colon)...]).removingPercentEncoding
        guard let id, let secret else { return nil }
        return (id, secret)
    }

    // MARK: Bearer tokens

    /// Checks a bearer token: signature by a configured key that is not retired, issuer,
    /// audience, lifetime, and the required scope.
    public func authorize(_ token: String?, scope: String) async throws(BearerFailure) -> AccessTokenClaims {
        guard let token, !token.isEmpty else { throw .invalidToken("no bearer token was sent") }
        let kid = KeySet.kid(of: token)
        guard let kid, let retireAt = keys.retireAt[kid] else {
            throw .invalidToken("the token is not signed by a key this gateway knows")
        }
        let now = clock()
        if let retireAt, retireAt <= now { throw .invalidToken("the token's signing key \(kid) is retired") }
        let claims: AccessTokenClaims
        do {
            claims = try await keys.collection.verify(token, as: AccessTokenClaims.self)
        } catch {
            throw .invalidToken("the token's signature or format is invalid")
        }
        guard claims.iss == settings.issuer else { throw .invalidToken("the token was issued by \(claims.iss)") }
        guard claims.aud == settings.audience else { throw .invalidToken("the token is for audience \(claims.aud)") }
        guard Double(claims.exp) > now.timeIntervalSince1970 else { throw .invalidToken("the token has expired") }
        guard claims.scopes.contains(scope) else { throw .insufficientScope(required: scope) }
        return claims
    }

    // MARK: Metadata

    /// RFC 8414 authorization server metadata.
    public var metadata: [String: Any] {
        var document: [String: Any] = [
            "issuer": settings.issuer,
            "token_endpoint": settings.issuer + "/oauth/token",
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "grant_types_supported": ["client_credentials"],
            "response_types_supported": [String](),
            "scopes_supported": Scope.all,
            "service_documentation": settings.issuer + "/openapi.yaml",
        ]
        if !keys.jwks.isEmpty {
            document["jwks_uri"] = settings.issuer + "/.well-known/jwks.json"
        }
        return document
    }
}
