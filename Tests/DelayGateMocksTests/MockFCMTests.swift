import CryptoExtras
import DelayGateMocks
import Foundation
import JWTKit
import NIOHTTP1
import Testing

@Suite("MockFCM")
struct MockFCMTests {
    static func mock(clock: TestClock? = nil) throws -> MockFCM {
        var now: @Sendable () -> Date = { Date() }
        if let clock { now = clock.function }
        return try MockFCM(
            projectID: "demo-project", clientEmail: ServiceAccount.email,
            publicKeyPEM: ServiceAccount.privateKey.publicKey.pemRepresentation, tokenLifetime: 3599,
            unregisteredTokens: ["gone-device"], clock: now)
    }

    static func message(token: String? = "device-1", data: JSONValue = ["delaygate_key": "alert-1"]) -> JSONValue {
        var message: [String: JSONValue] = [
            "notification": ["title": "Parcel delayed", "body": "SF123 is 2 days late"], "data": data,
            "android": ["priority": "high"], "apns": ["headers": ["apns-priority": "10"]],
        ]
        if let token { message["token"] = .string(token) }
        return ["message": .object(message)]
    }

    static func send(_ base: String, _ token: String, _ body: JSONValue = message()) async throws -> Answer {
        try await HTTP.postJSON(
            "\(base)/v1/projects/demo-project/messages:send", body, headers: [HTTP.bearer(token)])
    }

    @Test("a JWT bearer assertion gets an access token, which sends a message once")
    func tokenAndSend() async throws {
        let fcm = try Self.mock()
        try await MockServer.run(fcm.router()) { base in
            let answer = try await ServiceAccount.token(base)
            #expect(answer.status == 200)
            let token = try #require(answer.json?["access_token"]?.string)
            #expect(token.hasPrefix("ya29."))
            #expect(answer.json?["expires_in"] == 3599)
            #expect(answer.json?["token_type"] == "Bearer")

            let sent = try await Self.send(base, token)
            #expect(sent.status == 200)
            let name = try #require(sent.json?["name"]?.string)
            #expect(name.hasPrefix("projects/demo-project/messages/0:"))
            #expect(name.contains("%"))
            let message = try #require(fcm.created.first)
            #expect(message.token == "device-1")
            #expect(message.title == "Parcel delayed")
            #expect(message.data == ["delaygate_key": "alert-1"])
            #expect(message.idempotencyKey == "alert-1")
            #expect(message.android == ["priority": "high"])

            let again = try await Self.send(base, token)
            #expect(again.json?["name"]?.string == name)
            #expect(fcm.created.count == 1)
            #expect(fcm.duplicateKeyHits == 1)
            #expect(fcm.tokenRequests == 1)
        }
    }

    @Test("the audience may be Google's token URL")
    func googleAudience() async throws {
        let fcm = try Self.mock()
        try await MockServer.run(fcm.router()) { base in
            let jwt = try await ServiceAccount.assertion(audience: MockFCM.googleTokenURL)
            #expect(try await ServiceAccount.token(base, assertion: jwt).status == 200)
        }
    }

    @Test("after revokeAccessTokens the old token is refused with 401 UNAUTHENTICATED; a new one works")
    func revoked() async throws {
        let fcm = try Self.mock()
        try await MockServer.run(fcm.router()) { base in
            let old = try await ServiceAccount.accessToken(base)
            #expect(try await Self.send(base, old).status == 200)
            fcm.revokeAccessTokens()
            let refused = try await Self.send(base, old, Self.message(data: ["delaygate_key": "alert-2"]))
            #expect(refused.status == 401)
            #expect(refused.json?["error"]?["status"] == "UNAUTHENTICATED")
            #expect(refused.json?["error"]?["code"] == 401)
            #expect(
                refused.json?["error"]?["message"]?.string?.hasPrefix(
                    "Request had invalid authentication credentials. Expected OAuth 2 access token") == true)
            let fresh = try await ServiceAccount.accessToken(base)
            #expect(try await Self.send(base, fresh, Self.message(data: ["delaygate_key": "alert-2"])).status == 200)
            #expect(fcm.created.count == 2)
            #expect(fcm.tokenRequests == 2)
        }
    }

    @Test("tokens stop working after their lifetime")
    func expiry() async throws {
        let clock = TestClock()
        let fcm = try Self.mock(clock: clock)
        fcm.setTokenLifetime(60)
        try await MockServer.run(fcm.router()) { base in
            let answer = try await ServiceAccount.token(base)
            #expect(answer.json?["expires_in"] == 60)
            let token = try #require(answer.json?["access_token"]?.string)
            clock.advance(by: 61)
            #expect(try await Self.send(base, token).status == 401)
        }
    }

    @Test("bad assertions are refused in Google's OAuth shape")
    func badAssertions() async throws {
        let fcm = try Self.mock()
        try await MockServer.run(fcm.router()) { base in
            let own = "\(base)/token"
            let cases: [(String, String, String)] = [
                (
                    try await ServiceAccount.assertion(audience: own, key: ServiceAccount.otherKey), "invalid_grant",
                    "Invalid JWT Signature."
                ),
                (
                    try await ServiceAccount.assertion(audience: "https://example.com/token"), "invalid_grant",
                    "Invalid JWT: Failed audience check"
                ),
                (
                    try await ServiceAccount.assertion(audience: own, issuer: "someone@else.iam.gserviceaccount.com"),
                    "invalid_grant", "Invalid grant"
                ),
                (
                    try await ServiceAccount.assertion(audience: own, lifetime: 7200), "invalid_grant",
                    "Invalid JWT: Token must be a short-lived token"
                ),
                (
                    try await ServiceAccount.assertion(audience: own, issuedAt: Date().addingTimeInterval(-7200)),
                    "invalid_grant", "Invalid JWT: Token must be a short-lived token"
                ),
                (
                    try await ServiceAccount.assertion(
                        audience: own, scope: "https://www.googleapis.com/auth/cloud-platform.read-only"),
                    "invalid_scope", "Invalid OAuth scope"
                ),
                ("not.a.jwt", "invalid_grant", "Invalid JWT Signature."),
            ]
            for (jwt, error, description) in cases {
                let answer = try await ServiceAccount.token(base, assertion: jwt)
                #expect(answer.status == 400)
                #expect(answer.json?["error"]?.string == error)
                #expect(answer.json?["error_description"]?.string?.hasPrefix(description) == true, "\(answer.body)")
            }
            let grant = try await HTTP.postForm(
                "\(base)/token", ["grant_type": "client_credentials", "assertion": "x"])
            #expect(grant.json?["error"] == "unsupported_grant_type")
            #expect(fcm.tokensIssued == 0)
        }
    }

    @Test("invalid messages: missing token, a non-string data value, an unregistered device")
    func invalidMessages() async throws {
        let fcm = try Self.mock()
        try await MockServer.run(fcm.router()) { base in
            let token = try await ServiceAccount.accessToken(base)
            let noToken = try await Self.send(base, token, Self.message(token: nil))
            #expect(noToken.status == 400)
            #expect(noToken.json?["error"]?["status"] == "INVALID_ARGUMENT")
            #expect(noToken.json?["error"]?["code"] == 400)

            let number = try await Self.send(base, token, Self.message(data: ["delaygate_key": "k", "late_days": 2]))
            #expect(number.status == 400)
            #expect(number.json?["error"]?["status"] == "INVALID_ARGUMENT")

            let gone = try await Self.send(base, token, Self.message(token: "gone-device"))
            #expect(gone.status == 404)
            #expect(gone.json?["error"]?["status"] == "NOT_FOUND")
            #expect(
                gone.json?["error"]?["details"] == [
                    ["@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"]
                ])

            let other = try await HTTP.postJSON(
                "\(base)/v1/projects/other-project/messages:send", Self.message(), headers: [HTTP.bearer(token)])
            #expect(other.status == 403)
            #expect(other.json?["error"]?["status"] == "PERMISSION_DENIED")

            var dryRun = Self.message().object!
            dryRun["validate_only"] = true
            let validated = try await Self.send(base, token, .object(dryRun))
            #expect(validated.json?["name"] == "projects/demo-project/messages/fake_message_id")
            #expect(fcm.created.isEmpty)
        }
    }

    @Test("429 RESOURCE_EXHAUSTED with Retry-After")
    func quota() async throws {
        let fcm = try Self.mock()
        fcm.setFaults(.scripted(.rateLimited(retryAfter: 30)))
        try await MockServer.run(fcm.router()) { base in
            let token = try await ServiceAccount.accessToken(base)
            let answer = try await Self.send(base, token)
            #expect(answer.status == 429)
            #expect(answer.header("Retry-After") == "30")
            #expect(answer.json?["error"]?["status"] == "RESOURCE_EXHAUSTED")
            #expect(fcm.created.isEmpty)
        }
    }

    @Test("the token endpoint has its own fault plan")
    func tokenFaults() async throws {
        let fcm = try Self.mock()
        fcm.setTokenFaults(.scripted(.status(503)))
        try await MockServer.run(fcm.router()) { base in
            let refused = try await ServiceAccount.token(base)
            #expect(refused.status == 503)
            let issued = try await ServiceAccount.token(base)
            #expect(issued.status == 200)
            #expect(fcm.tokenRequests == 2)
            #expect(fcm.tokensIssued == 1)
        }
    }
}

/// One service account key for every FCM test (generating RSA keys is slow).
enum ServiceAccount {
    static let email = "delaygate@demo-project.iam.gserviceaccount.com"
    static let privateKey: JWTKit.Insecure.RSA.PrivateKey = {
        try! JWTKit.Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
    }()
    static let otherKey: JWTKit.Insecure.RSA.PrivateKey = {
        try! JWTKit.Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
    }()

    struct Claims: JWTPayload {
        var iss: String
        var scope: String
        var aud: String
        var iat: IssuedAtClaim
        var exp: ExpirationClaim

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// A signed JWT bearer assertion as Google's client libraries build it.
    static func assertion(
        audience: String, key: JWTKit.Insecure.RSA.PrivateKey = privateKey, issuer: String = email,
        scope: String = MockFCM.messagingScope, issuedAt: Date = Date(), lifetime: TimeInterval = 3600
    ) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(rsa: key, digestAlgorithm: .sha256, kid: "0123456789abcdef")
        return try await keys.sign(
            Claims(
                iss: issuer, scope: scope, aud: audience, iat: IssuedAtClaim(value: issuedAt),
                exp: ExpirationClaim(value: issuedAt.addingTimeInterval(lifetime))))
    }

    /// Exchanges an assertion at `{base}/token`.
    static func token(_ base: String, assertion: String? = nil) async throws -> Answer {
        let jwt: String
        if let assertion {
            jwt = assertion
        } else {
            jwt = try await self.assertion(audience: "\(base)/token")
        }
        return try await HTTP.postForm(
            "\(base)/token", ["grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": jwt])
    }

    /// A fresh access token from the mock at `base`.
    static func accessToken(_ base: String) async throws -> String {
        let answer = try await token(base)
        guard let token = answer.json?["access_token"]?.string else {
            throw MockTestError("no access token: \(answer.status) \(answer.body)")
        }
        return token
    }
}
