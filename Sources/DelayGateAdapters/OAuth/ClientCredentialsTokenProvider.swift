import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// OAuth 2.0 access tokens for the APIs DelayGate calls: the client-credentials grant
/// (RFC 6749 §4.4) or a JWT bearer assertion (RFC 7523, e.g. a Google service account).
///
/// - The token is cached until shortly before it expires (the smaller of a minute and a tenth
///   of its lifetime), so a burst of calls asks the token endpoint once.
/// - One refresh is in flight at a time: callers that arrive meanwhile wait for it.
/// - A caller whose token was refused (HTTP 401) calls ``invalidate(_:)`` and asks again;
///   only the first such caller triggers a refresh.
/// - When the token endpoint fails, further attempts back off (1 s, doubling, up to 60 s)
///   instead of hammering it; callers get ``TokenError/endpointUnavailable(retryAfter:_:)``.
/// - Tokens and the client secret are never logged or put in error messages.
///
/// ```swift
/// let tokens = ClientCredentialsTokenProvider(tokenURL: url, clientID: "delaygate", clientSecret: secret)
/// let token = try await tokens.token()
/// // … on 401: await tokens.invalidate(token); retry once with try await tokens.token()
/// ```
public actor ClientCredentialsTokenProvider: AccessTokenSource {
    /// How the provider proves who it is to the token endpoint. Its description names the grant
    /// and the client id, never the secret.
    public enum Grant: Sendable, CustomStringConvertible {
        /// `grant_type=client_credentials`, client authenticated by HTTP Basic (RFC 6749 §2.3.1).
        case clientCredentials(clientID: String, clientSecret: String, scope: String?)
        /// `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with a freshly signed assertion (RFC 7523 §2.1).
        case jwtBearer(assertion: @Sendable () async throws -> String)

        public var description: String {
            switch self {
            case .clientCredentials(let clientID, _, let scope):
                "client_credentials(client_id: \(clientID)\(scope.map { ", scope: \($0)" } ?? ""))"
            case .jwtBearer: "jwt-bearer"
            }
        }
    }

    /// An access token; its description leaves the value out.
    public struct Token: Sendable, Hashable, CustomStringConvertible {
        public var value: String
        public var expiresAt: Date
        /// When a new token is fetched instead: before `expiresAt` by the smaller of a minute
        /// and a tenth of the lifetime the endpoint granted.
        public var refreshAt: Date

        public var description: String { "Token(expires: \(expiresAt), refresh: \(refreshAt))" }
    }

    public enum TokenError: Error, CustomStringConvertible, Sendable {
        case endpointUnavailable(retryAfter: Date, String)
        case refused(status: Int, String)

        public var description: String {
            switch self {
            case .endpointUnavailable(_, let reason): "the token endpoint is unavailable: \(reason)"
            case .refused(let status, let error): "the token endpoint refused the client (HTTP \(status)): \(error)"
            }
        }
    }

    public let tokenURL: String
    private let grant: Grant
    private let httpClient: HTTPClient
    private let clock: @Sendable () -> Date
    private let timeout: TimeAmount

    private var cached: Token?
    private var refresh: Task<Token, any Error>?
    private var failures = 0
    private var blockedUntil: Date?
    /// Tokens fetched so far (for metrics and tests).
    public private(set) var fetchCount = 0
    /// Callers waiting for the token request in flight, to share its answer (for tests: the
    /// moment every concurrent caller has reached the provider can be awaited, not guessed).
    public private(set) var callersWaitingForRefresh = 0

    public init(
        tokenURL: String,
        clientID: String,
        clientSecret: String,
        scope: String? = nil,
        httpClient: HTTPClient = .shared,
        timeout: TimeAmount = .seconds(10),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.init(
            tokenURL: tokenURL, grant: .clientCredentials(clientID: clientID, clientSecret: clientSecret, scope: scope),
            httpClient: httpClient, timeout: timeout, clock: clock)
    }

    public init(
        tokenURL: String,
        grant: Grant,
        httpClient: HTTPClient = .shared,
        timeout: TimeAmount = .seconds(10),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.tokenURL = tokenURL
        self.grant = grant
        self.httpClient = httpClient
        self.timeout = timeout
        self.clock = clock
    }

    /// A valid access token, fetching a new one when the cached one is (nearly) expired.
    public func token() async throws -> String {
        if let cached, clock() < cached.refreshAt { return cached.value }
        if let refresh {
            callersWaitingForRefresh += 1
            defer { callersWaitingForRefresh -= 1 }
            return try await refresh.value.value
        }
        if let blockedUntil, clock() < blockedUntil {
            throw TokenError.endpointUnavailable(retryAfter: blockedUntil, "backing off after \(failures) failure(s)")
        }
        let task = Task { try await self.fetch() }
        refresh = task
        defer { refresh = nil }
        do {
            let token = try await task.value
            cached = token
            failures = 0
            blockedUntil = nil
            return token.value
        } catch {
            failures += 1
            let delay = min(60, pow(2, Double(failures - 1)))
            blockedUntil = clock().addingTimeInterval(delay)
            throw error
        }
    }

    /// Forgets `token` after an API refused it, so the next ``token()`` fetches a new one.
    /// A token that was already replaced is ignored: concurrent 401s cause one refresh.
    public func invalidate(_ token: String) {
        if cached?.value == token { cached = nil }
    }

    private func fetch() async throws -> Token {
        fetchCount += 1
        var request = HTTPClientRequest(url: tokenURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        var body: String
        switch grant {
        case .clientCredentials(let clientID, let clientSecret, let scope):
            // RFC 6749 §2.3.1: client id and secret are form-encoded before Basic encoding.
            let credentials = Data(
                "\(FormURLEncoded.percentEncode(clientID)):\(FormURLEncoded.percentEncode(clientSecret))".utf8
            )
            .base64EncodedString()
            request.headers.add(name: "Authorization", value: "Basic \(credentials)")
            body = "grant_type=client_credentials"
            if let scope { body += "&scope=" + FormURLEncoded.percentEncode(scope) }
        case .jwtBearer(let assertion):
            let signed: String
            do {
                signed = try await assertion()
            } catch {
                throw TokenError.refused(status: 0, "cannot sign the JWT assertion: \(type(of: error))")
            }
            body = "grant_type=" + FormURLEncoded.percentEncode("urn:ietf:params:oauth:grant-type:jwt-bearer")
            body += "&assertion=" + FormURLEncoded.percentEncode(signed)
        }
        request.body = .bytes(ByteBuffer(string: body))
        let started = clock()
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await httpClient.execute(request, timeout: timeout)
            bytes = try await response.body.collect(upTo: 1 << 16)
        } catch {
            throw TokenError.endpointUnavailable(retryAfter: clock(), "\(type(of: error))")
        }
        guard response.status == .ok else {
            let answer = try? JSONDecoder().decode(ErrorAnswer.self, from: Data(bytes.readableBytesView))
            if response.status.code >= 500 || response.status == .tooManyRequests {
                throw TokenError.endpointUnavailable(retryAfter: clock(), "HTTP \(response.status.code)")
            }
            throw TokenError.refused(status: Int(response.status.code), answer?.error ?? "no error code")
        }
        guard let answer = try? JSONDecoder().decode(TokenAnswer.self, from: Data(bytes.readableBytesView)),
            answer.token_type.lowercased() == "bearer"
        else {
            throw TokenError.endpointUnavailable(
                retryAfter: clock(), "the token answer is not an RFC 6749 bearer token")
        }
        // Without expires_in the lifetime is unknown: keep it a short while and let a 401 tell.
        // The margin comes from the lifetime granted, not from what is left of it (measured from
        // the time of each call, what is left shrinks with the margin, and the token was used to
        // its last second).
        let lifetime = Double(max(0, answer.expires_in ?? 300))
        let expiresAt = started.addingTimeInterval(lifetime)
        return Token(
            value: answer.access_token, expiresAt: expiresAt,
            refreshAt: expiresAt.addingTimeInterval(-min(60, lifetime / 10)))
    }

    struct TokenAnswer: Decodable {
        var access_token: String
        var token_type: String
        var expires_in: Int?
    }

    struct ErrorAnswer: Decodable {
        var error: String
    }
}

/// Where an outbound call gets its bearer token.
public protocol AccessTokenSource: Sendable {
    /// A valid access token.
    func token() async throws -> String
    /// Forgets a token the API refused (HTTP 401), so the next ``token()`` fetches a new one.
    func invalidate(_ token: String) async
}
