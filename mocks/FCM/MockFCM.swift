import Foundation
import HTTPTypes
import Hummingbird
import JWTKit
import NIOCore

/// A stand-in Firebase Cloud Messaging HTTP v1 API with the Google OAuth 2.0 token endpoint in front of it.
///
/// - `POST /token`: a service account's JWT bearer assertion (RFC 7523, RS256) for an access token.
///   Checked as Google does: signature against the service account's public key, `iss` = `client_email`,
///   the `firebase.messaging` scope, `aud` = the token URL, `iat`/`exp` at most an hour apart and current.
/// - `POST /v1/projects/{project_id}/messages:send` with `Authorization: Bearer <access token>`.
///
/// FCM has no idempotency header: DelayGate puts its key in `message.data["delaygate_key"]`, and a repeated
/// key answers the original message name and sends nothing. Errors use Google's shape
/// (`{"error": {"code", "message", "status", "details"}}`).
public final class MockFCM: Sendable {
    /// The scope a token request must include.
    public static let messagingScope = "https://www.googleapis.com/auth/firebase.messaging"
    /// The audience real clients use (`token_uri` of a service account file).
    public static let googleTokenURL = "https://oauth2.googleapis.com/token"

    /// A message accepted by `messages:send`.
    public struct Message: Sendable, Hashable {
        /// `projects/{project_id}/messages/0:…`.
        public var name: String
        /// The registration token.
        public var token: String
        public var title: String?
        public var body: String?
        public var data: [String: String]
        public var android: JSONValue?
        public var apns: JSONValue?
        /// `data["delaygate_key"]`.
        public var idempotencyKey: String?
        public var createdAt: Date
    }

    /// Which endpoint a request went to.
    public enum Endpoint: String, Sendable, Hashable {
        case token, send
    }

    /// One request received.
    public struct RecordedRequest: Sendable, Hashable {
        public var endpoint: Endpoint
        public var path: String
        /// The status answered; `nil` when the connection was dropped.
        public var status: Int?
        /// The Google error status (`UNAUTHENTICATED`, …) or OAuth `error` (`invalid_grant`, …) answered.
        public var error: String?
        public var idempotencyKey: String?
        /// `validate_only` of a send.
        public var validateOnly: Bool
        /// The JSON body of a send.
        public var body: JSONValue?
        /// The form fields of a token request.
        public var form: [String: String]
    }

    public typealias Snapshot = MockSnapshot<RecordedRequest, Message>

    struct Extra: Sendable {
        var issued: [String: Date] = [:]
        var tokenFaults = FaultPlan.none
        var tokenRequests = 0
        var tokensIssued = 0
        var tokenLifetime: Int
        var unregistered: Set<String>
        var nextMessage = 0
    }

    public let projectID: String
    public let clientEmail: String
    /// Audiences accepted besides the mock's own token URL.
    public let tokenAudiences: Set<String>
    private let publicKey: Insecure.RSA.PublicKey
    private let clock: @Sendable () -> Date
    private let recorder: MockRecorder<RecordedRequest, Message, Extra>

    /// - Parameters:
    ///   - projectID: the Firebase project of the `messages:send` path.
    ///   - clientEmail: the service account's `client_email`, expected as `iss`.
    ///   - publicKey: the service account's public key.
    ///   - tokenAudiences: `aud` values accepted besides the mock's own `…/token` URL (Google's by default).
    ///   - tokenLifetime: `expires_in` of issued tokens, seconds; they stop working after it.
    ///   - unregisteredTokens: registration tokens answered 404 `UNREGISTERED`.
    ///   - clock: the mock's time, for `iat`/`exp` and token expiry.
    ///   - faults: the initial fault plan of `messages:send` (the token endpoint has `setTokenFaults`).
    public init(
        projectID: String, clientEmail: String, publicKey: Insecure.RSA.PublicKey,
        tokenAudiences: Set<String> = [MockFCM.googleTokenURL], tokenLifetime: Int = 3599,
        unregisteredTokens: Set<String> = [], clock: @escaping @Sendable () -> Date = { Date() },
        faults: FaultPlan = .none
    ) {
        self.projectID = projectID
        self.clientEmail = clientEmail
        self.publicKey = publicKey
        self.tokenAudiences = tokenAudiences
        self.clock = clock
        self.recorder = MockRecorder(
            extra: Extra(tokenLifetime: tokenLifetime, unregistered: unregisteredTokens), faults: faults)
    }

    /// As `init(projectID:clientEmail:publicKey:…)` with the public key in PEM (`-----BEGIN PUBLIC KEY-----`).
    public convenience init(
        projectID: String, clientEmail: String, publicKeyPEM: String,
        tokenAudiences: Set<String> = [MockFCM.googleTokenURL], tokenLifetime: Int = 3599,
        unregisteredTokens: Set<String> = [], clock: @escaping @Sendable () -> Date = { Date() },
        faults: FaultPlan = .none
    ) throws {
        self.init(
            projectID: projectID, clientEmail: clientEmail, publicKey: try Insecure.RSA.PublicKey(pem: publicKeyPEM),
            tokenAudiences: tokenAudiences, tokenLifetime: tokenLifetime, unregisteredTokens: unregisteredTokens,
            clock: clock, faults: faults)
    }

    public var snapshot: Snapshot { recorder.snapshot }
    public var requests: [RecordedRequest] { snapshot.requests }
    public var created: [Message] { snapshot.created }
    public var duplicateKeyHits: Int { snapshot.duplicateKeyHits }
    /// Requests to the token endpoint, faulted ones included.
    public var tokenRequests: Int { recorder.update { $0.extra.tokenRequests } }
    /// Access tokens issued.
    public var tokensIssued: Int { recorder.update { $0.extra.tokensIssued } }

    /// Replaces the fault plan of `messages:send`.
    public func setFaults(_ faults: FaultPlan) { recorder.setFaults(faults) }

    /// Replaces the fault plan of the token endpoint.
    public func setTokenFaults(_ faults: FaultPlan) { recorder.update { $0.extra.tokenFaults = faults } }

    /// Every access token issued so far is refused from now on (401 `UNAUTHENTICATED`), before its stated
    /// expiry: the "token expired mid-run" case. Tokens issued later work.
    public func revokeAccessTokens() { recorder.update { $0.extra.issued.removeAll() } }

    /// The `expires_in` of tokens issued from now on, seconds.
    public func setTokenLifetime(_ seconds: Int) { recorder.update { $0.extra.tokenLifetime = seconds } }

    /// Registration tokens answered 404 `UNREGISTERED` from now on (the app was uninstalled).
    public func markUnregistered(_ tokens: Set<String>) {
        recorder.update { $0.extra.unregistered.formUnion(tokens) }
    }

    /// Returns once `condition` holds (checked after every request).
    public func waitUntil(_ condition: @escaping @Sendable (Snapshot) -> Bool) async {
        await recorder.waitUntil(condition)
    }

    /// Adds `POST /token` and `POST /v1/projects/{project_id}/messages:send`.
    public func register(on router: some RouterMethods<MockRequestContext>) {
        router.post("token") { request, context in try await self.token(request, context) }
        router.post("v1/projects/:project/messages:send") { request, context in
            try await self.send(request, context)
        }
    }

    /// A router with only this mock's routes.
    public func router() -> Router<MockRequestContext> {
        let router = Router(context: MockRequestContext.self)
        register(on: router)
        return router
    }

    // MARK: - Token endpoint

    struct AssertionClaims: JWTPayload {
        var iss: String?
        var scope: String?
        var aud: AudienceClaim?
        var iat: IssuedAtClaim?
        var exp: ExpirationClaim?
        var sub: String?

        /// Claims are checked one by one by the mock to answer Google's messages.
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    private func token(_ request: Request, _ context: MockRequestContext) async throws -> Response {
        let bytes = try await MockHTTP.body(request)
        let form = FormFields(parsing: String(buffer: bytes))
        let ownURL = MockHTTP.origin(request) + request.uri.path
        let fault = recorder.update { state -> FaultPlan.Fault? in
            state.extra.tokenRequests += 1
            return state.extra.tokenFaults.next()
        }
        var error: String?
        return try await recorder.serve(
            context, fault: fault,
            record: { status in
                RecordedRequest(
                    endpoint: .token, path: request.uri.path, status: status, error: error, idempotencyKey: nil,
                    validateOnly: false, body: nil, form: form.dictionary)
            },
            faultAnswer: Self.tokenFaultAnswer,
            handle: {
                let (response, answered) = await issue(form, ownURL: ownURL)
                error = answered
                return response
            })
    }

    private func issue(_ form: FormFields, ownURL: String) async -> (Response, String?) {
        func refuse(_ error: String, _ description: String) -> (Response, String?) {
            (MockHTTP.json(.badRequest, ["error": .string(error), "error_description": .string(description)]), error)
        }
        let grantType = form["grant_type"] ?? ""
        guard grantType == "urn:ietf:params:oauth:grant-type:jwt-bearer" else {
            return refuse("unsupported_grant_type", "Invalid grant_type: \(grantType)")
        }
        guard let assertion = form["assertion"], !assertion.isEmpty else {
            return refuse("invalid_request", "Missing required parameter: assertion")
        }
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Self.base64URLDecode(parts[0]).flatMap(JSONValue.parse),
            header["alg"]?.string == "RS256"
        else { return refuse("invalid_grant", "Invalid JWT Signature.") }
        let keys = JWTKeyCollection()
        await keys.add(rsa: publicKey, digestAlgorithm: .sha256)
        let claims: AssertionClaims
        do {
            claims = try await keys.verify(assertion, as: AssertionClaims.self)
        } catch {
            return refuse("invalid_grant", "Invalid JWT Signature.")
        }
        guard claims.iss == clientEmail else {
            return refuse("invalid_grant", "Invalid grant: account not found")
        }
        let audiences = tokenAudiences.union([ownURL])
        guard let aud = claims.aud?.value, aud.count == 1, audiences.contains(aud[0]) else {
            return refuse(
                "invalid_grant",
                "Invalid JWT: Failed audience check. The right audience is \(tokenAudiences.sorted().first ?? ownURL)")
        }
        let now = clock()
        guard let iat = claims.iat?.value, let exp = claims.exp?.value, exp > iat,
            exp.timeIntervalSince(iat) <= 3600, exp > now, iat <= now.addingTimeInterval(300)
        else {
            return refuse(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."
            )
        }
        let scopes = (claims.scope ?? "").split(separator: " ").map(String.init)
        guard scopes.contains(Self.messagingScope) else {
            return refuse("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        }
        let accessToken = "ya29." + MockFormat.randomToken(120)
        let lifetime = recorder.update { state -> Int in
            state.extra.issued[accessToken] = now.addingTimeInterval(TimeInterval(state.extra.tokenLifetime))
            state.extra.tokensIssued += 1
            return state.extra.tokenLifetime
        }
        let response = MockHTTP.json(
            .ok, ["access_token": .string(accessToken), "expires_in": .int(lifetime), "token_type": "Bearer"],
            headers: [.cacheControl: "no-cache, no-store, max-age=0, must-revalidate"])
        return (response, nil)
    }

    static func base64URLDecode(_ text: some StringProtocol) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }

    static func tokenFaultAnswer(_ fault: FaultPlan.Fault) -> Response {
        switch fault {
        case .rateLimited(let retryAfter), .status(429, let retryAfter):
            return MockHTTP.json(
                .tooManyRequests, ["error": "rate_limit_exceeded", "error_description": "Rate limit exceeded"],
                headers: MockHTTP.retryAfter(retryAfter))
        case .status(let code, let retryAfter):
            return MockHTTP.json(
                HTTPResponse.Status(code: code),
                ["error": "internal_failure", "error_description": "Backend Error"],
                headers: MockHTTP.retryAfter(retryAfter))
        case .delay, .drop:
            return MockHTTP.json(.internalServerError, ["error": "internal_failure"])
        }
    }

    // MARK: - messages:send

    private func send(_ request: Request, _ context: MockRequestContext) async throws -> Response {
        let bytes = try await MockHTTP.body(request)
        let body = JSONValue.parse(bytes.readableBytesView)
        let key = body?["message"]?["data"]?["delaygate_key"]?.string
        let validateOnly = body?["validate_only"]?.bool ?? false
        let project = context.parameters.get("project") ?? ""
        let bearer = MockHTTP.bearerToken(request)
        var error: String?
        return try await recorder.serve(
            context,
            record: { status in
                RecordedRequest(
                    endpoint: .send, path: request.uri.path, status: status, error: error, idempotencyKey: key,
                    validateOnly: validateOnly, body: body, form: [:])
            },
            faultAnswer: { fault in
                let (response, status) = Self.sendFaultAnswer(fault)
                error = status
                return response
            },
            handle: {
                let (response, status) = deliver(body, project: project, bearer: bearer, key: key)
                error = status
                return response
            })
    }

    private func deliver(_ body: JSONValue?, project: String, bearer: String?, key: String?) -> (Response, String?) {
        let now = clock()
        let authorized = recorder.update { state -> Bool in
            guard let bearer, let expiry = state.extra.issued[bearer] else { return false }
            return expiry > now
        }
        guard authorized else {
            return Self.googleError(
                .unauthorized, status: "UNAUTHENTICATED",
                message:
                    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
                headers: [.wwwAuthenticate: #"Bearer realm="https://accounts.google.com/", error="invalid_token""#])
        }
        guard project == projectID else {
            return Self.googleError(
                .forbidden, status: "PERMISSION_DENIED",
                message:
                    "Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/\(project)' (or it may not exist)."
            )
        }
        guard let message = body?["message"]?.object else {
            return Self.googleError(
                .badRequest, status: "INVALID_ARGUMENT",
                message: "Invalid JSON payload received. Unknown name \"message\"")
        }
        guard let token = message["token"]?.string, !token.isEmpty else {
            return Self.googleError(
                .badRequest, status: "INVALID_ARGUMENT", message: "Recipient of the message is not set.",
                details: [Self.fcmError("INVALID_ARGUMENT")])
        }
        var data: [String: String] = [:]
        if let value = message["data"], !value.isNull {
            guard let members = value.object else {
                return Self.fieldViolation(
                    "message.data", "Invalid value at 'message.data' (type.googleapis.com/google.protobuf.Struct)")
            }
            for (index, name) in members.keys.sorted().enumerated() {
                guard let string = members[name]?.string else {
                    return Self.fieldViolation(
                        "message.data[\(index)].value",
                        "Invalid value at 'message.data[\(index)].value' (TYPE_STRING), \(members[name].map { String(decoding: $0.encoded(), as: UTF8.self) } ?? "")"
                    )
                }
                let lower = name.lowercased()
                if ["from", "notification", "message_type"].contains(lower) || lower.hasPrefix("google")
                    || lower.hasPrefix("gcm")
                {
                    return Self.googleError(
                        .badRequest, status: "INVALID_ARGUMENT", message: "Invalid data payload key: \(name)",
                        details: [Self.fcmError("INVALID_ARGUMENT")])
                }
                data[name] = string
            }
        }
        let notification = message["notification"]
        for field in ["title", "body"] {
            if let value = notification?[field], value.string == nil {
                return Self.fieldViolation(
                    "message.notification.\(field)", "Invalid value at 'message.notification.\(field)' (TYPE_STRING)")
            }
        }
        if body?["validate_only"]?.bool == true {
            return (MockHTTP.json(.ok, ["name": .string("projects/\(projectID)/messages/fake_message_id")]), nil)
        }
        return recorder.update { state -> (Response, String?) in
            if state.extra.unregistered.contains(token) {
                return Self.googleError(
                    .notFound, status: "NOT_FOUND", message: "Requested entity was not found.",
                    details: [Self.fcmError("UNREGISTERED")])
            }
            if let key, let existing = state.snapshot.created.first(where: { $0.idempotencyKey == key }) {
                state.snapshot.duplicateKeyHits += 1
                return (MockHTTP.json(.ok, ["name": .string(existing.name)]), nil)
            }
            state.extra.nextMessage += 1
            let micros = Int64(now.timeIntervalSince1970 * 1_000_000) + Int64(state.extra.nextMessage)
            let name = "projects/\(projectID)/messages/0:\(micros)%\(MockFormat.randomHex(16))"
            state.snapshot.created.append(
                Message(
                    name: name, token: token, title: notification?["title"]?.string,
                    body: notification?["body"]?.string, data: data, android: message["android"],
                    apns: message["apns"], idempotencyKey: key, createdAt: now))
            return (MockHTTP.json(.ok, ["name": .string(name)]), nil)
        }
    }

    // MARK: - Shapes

    static func fcmError(_ code: String) -> JSONValue {
        ["@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": .string(code)]
    }

    static func fieldViolation(_ field: String, _ description: String) -> (Response, String?) {
        googleError(
            .badRequest, status: "INVALID_ARGUMENT", message: description,
            details: [
                [
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [["field": .string(field), "description": .string(description)]],
                ]
            ])
    }

    static func googleError(
        _ code: HTTPResponse.Status, status: String, message: String, details: [JSONValue] = [],
        headers: HTTPFields = [:]
    ) -> (Response, String?) {
        var error: [String: JSONValue] = [
            "code": .int(code.code), "message": .string(message), "status": .string(status),
        ]
        if !details.isEmpty { error["details"] = .array(details) }
        return (MockHTTP.json(code, ["error": .object(error)], headers: headers), status)
    }

    static func sendFaultAnswer(_ fault: FaultPlan.Fault) -> (Response, String?) {
        switch fault {
        case .rateLimited(let retryAfter), .status(429, let retryAfter):
            return googleError(
                .tooManyRequests, status: "RESOURCE_EXHAUSTED",
                message: "Quota exceeded for quota metric 'Send requests' of service 'fcm.googleapis.com'.",
                details: [fcmError("QUOTA_EXCEEDED")], headers: MockHTTP.retryAfter(retryAfter))
        case .status(let code, let retryAfter):
            let (status, message, fcm) =
                switch code {
                case 503: ("UNAVAILABLE", "The service is currently unavailable.", "UNAVAILABLE")
                case 500: ("INTERNAL", "Internal error encountered.", "INTERNAL")
                default: ("UNKNOWN", "Injected fault \(code).", "UNSPECIFIED_ERROR")
                }
            return googleError(
                HTTPResponse.Status(code: code), status: status, message: message, details: [fcmError(fcm)],
                headers: MockHTTP.retryAfter(retryAfter))
        case .delay, .drop:
            return googleError(.internalServerError, status: "INTERNAL", message: "Internal error encountered.")
        }
    }
}
