import Crypto
import DelayGateAuth
import DelayGateConfig
import Foundation
import JWTKit
import Synchronization
import Testing

/// An OAuth file and clients file in a temporary folder, read the way `serve` reads them.
struct OAuthFolder {
    static let hsSecret = "test-signing-secret-0123456789-abcdefghijklmnop"
    static let rounds = 210_000
    let root: String
    let clientSecrets: [String: String]

    init(keys: String? = nil, clients: [(id: String, scopes: [String])] = [("reader", ["alerts:read"])]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("delaygate-auth-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var secrets: [String: String] = [:]
        var lines = ["clients:"]
        for client in clients {
            let (secret, hash) = try ClientSecretHash.generate(rounds: Self.rounds)
            secrets[client.id] = secret
            lines.append("  - id: \(client.id)")
            lines.append("    scopes: [\(client.scopes.joined(separator: ", "))]")
            lines.append("    secret_hash: \"\(hash)\"")
        }
        clientSecrets = secrets
        try (lines.joined(separator: "\n") + "\n").write(toFile: clientsPath, atomically: true, encoding: .utf8)
        let keyLines =
            keys ?? """
                  - kid: hs-1
                    algorithm: HS256
                    secret: ${TOKEN_SECRET}
                """
        try """
        issuer: https://gateway.example
        audience: delaygate-api
        token_lifetime_seconds: 600
        signing_keys:
        \(keyLines)
        clients_file: \(clientsPath)
        """.write(toFile: oauthPath, atomically: true, encoding: .utf8)
    }

    var oauthPath: String { root + "/oauth.yaml" }
    var clientsPath: String { root + "/clients.yaml" }

    func settings(environment: [String: String] = ["TOKEN_SECRET": hsSecret]) throws(ConfigError) -> OAuthSettings {
        try OAuthSettings.load(path: oauthPath, decoder: ConfigDecoder(environment: environment))
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    static func basic(_ id: String, _ secret: String) -> String {
        "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
    }
}

/// A clock the test moves.
final class TestClock: Sendable {
    private let now: Mutex<Date>
    init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000)) { now = Mutex(start) }
    var date: Date { now.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var function: @Sendable () -> Date { { self.date } }
}

@Suite("OAuth authorization server (client credentials, RFC 6749 §4.4, §5)")
struct AuthorizationServerTests {
    @Test("a client secret hash verifies its secret only, and reads back from its stored form")
    func secretHash() throws {
        let (secret, hash) = try ClientSecretHash.generate(rounds: OAuthFolder.rounds)
        #expect(hash.matches(secret))
        #expect(!hash.matches(secret + "x"))
        #expect(!hash.matches(""))
        let stored = try #require(ClientSecretHash(encoded: hash.description))
        #expect(stored == hash)
        #expect(stored.matches(secret))
        #expect(ClientSecretHash(encoded: "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA$" + String(repeating: "A", count: 43)) == nil)
        #expect(ClientSecretHash(encoded: secret) == nil, "a plain secret is not a hash")
    }

    @Test("Basic and form authentication both get an RFC 9068 token with the requested scope")
    func issuesTokens() async throws {
        let folder = try OAuthFolder(clients: [("ops", ["alerts:read", "admin"])])
        defer { folder.remove() }
        let clock = TestClock()
        let server = try await AuthorizationServer(settings: try folder.settings(), clock: clock.function)
        let secret = folder.clientSecrets["ops"]!
        let basic = await server.token(
            authorization: OAuthFolder.basic("ops", secret),
            form: [("grant_type", "client_credentials"), ("scope", "alerts:read")])
        let answer = try basic.get()
        #expect(answer.tokenType == "Bearer")
        #expect(answer.expiresIn == 600)
        #expect(answer.scope == "alerts:read")
        let claims = try await server.authorize(answer.accessToken, scope: "alerts:read")
        #expect(claims.iss == "https://gateway.example")
        #expect(claims.aud == "delaygate-api")
        #expect(claims.sub == "ops")
        #expect(claims.clientID == "ops")
        #expect(claims.exp - claims.iat == 600)
        #expect(claims.iat == Int(clock.date.timeIntervalSince1970))
        #expect(!claims.jti.isEmpty)
        // The JOSE header names the key and the RFC 9068 type.
        let header = try JSONSerialization.jsonObject(
            with: Data(base64URL: String(answer.accessToken.split(separator: ".")[0]))!) as! [String: String]
        #expect(header["typ"] == "at+jwt")
        #expect(header["kid"] == "hs-1")
        #expect(header["alg"] == "HS256")

        let form = await server.token(
            authorization: nil,
            form: [("grant_type", "client_credentials"), ("client_id", "ops"), ("client_secret", secret)])
        #expect(try form.get().scope == "alerts:read admin", "without scope, every allowed scope is granted")
    }

    @Test(
        "every RFC 6749 §5.2 error: invalid_client, invalid_scope, unsupported_grant_type, invalid_request",
        arguments: [
            // (authorization, form, expected code, description)
            ("basic-wrong", [("grant_type", "client_credentials")], "invalid_client"),
            ("none", [("grant_type", "client_credentials")], "invalid_client"),
            ("form-wrong", [("grant_type", "client_credentials")], "invalid_client"),
            ("basic-unknown", [("grant_type", "client_credentials")], "invalid_client"),
            ("basic-garbled", [("grant_type", "client_credentials")], "invalid_client"),
            ("basic", [("grant_type", "client_credentials"), ("scope", "admin")], "invalid_scope"),
            ("basic", [("grant_type", "client_credentials"), ("scope", "alerts:read nonsense")], "invalid_scope"),
            ("basic", [("grant_type", "password"), ("username", "a"), ("password", "b")], "unsupported_grant_type"),
            ("basic", [("scope", "alerts:read")], "invalid_request"),
            ("basic", [("grant_type", "client_credentials"), ("grant_type", "client_credentials")], "invalid_request"),
            ("basic+form", [("grant_type", "client_credentials")], "invalid_request"),
        ])
    func errors(authorization: String, form: [(String, String)], expected: String) async throws {
        let folder = try OAuthFolder()
        defer { folder.remove() }
        let server = try await AuthorizationServer(settings: try folder.settings())
        let secret = folder.clientSecrets["reader"]!
        var fields = form
        let header: String?
        switch authorization {
        case "basic", "basic+form": header = OAuthFolder.basic("reader", secret)
        case "basic-wrong": header = OAuthFolder.basic("reader", secret + "x")
        case "basic-unknown": header = OAuthFolder.basic("stranger", secret)
        case "basic-garbled": header = "Basic !!!not-base64"
        case "form-wrong":
            header = nil
            fields += [("client_id", "reader"), ("client_secret", "wrong")]
        default: header = nil
        }
        if authorization == "basic+form" { fields += [("client_id", "reader"), ("client_secret", secret)] }
        let result = await server.token(authorization: header, form: fields)
        guard case .failure(let error) = result else {
            Issue.record("expected \(expected), got a token")
            return
        }
        #expect(error.code.rawValue == expected)
        #expect(error.status == (expected == "invalid_client" ? 401 : 400))
        #expect(!error.description.isEmpty)
        #expect(!error.description.contains(secret), "an error never echoes the secret")
    }

    @Test("a token is refused once expired, for a wrong audience or issuer, with a forged signature, or without the scope")
    func refusals() async throws {
        let folder = try OAuthFolder()
        defer { folder.remove() }
        let clock = TestClock()
        let server = try await AuthorizationServer(settings: try folder.settings(), clock: clock.function)
        let (token, _) = try await server.issue(clientID: "reader", scopes: ["alerts:read"])
        _ = try await server.authorize(token, scope: "alerts:read")
        await #expect(throws: BearerFailure.insufficientScope(required: "admin")) {
            try await server.authorize(token, scope: "admin")
        }
        // Another server with another secret signs under the same kid: the signature does not verify.
        let forger = try await AuthorizationServer(
            settings: try folder.settings(environment: ["TOKEN_SECRET": String(repeating: "f", count: 40)]))
        let (forged, _) = try await forger.issue(clientID: "reader", scopes: ["admin"])
        await #expect(throws: BearerFailure.self) { try await server.authorize(forged, scope: "admin") }
        var tampered = token.split(separator: ".").map(String.init)
        tampered[1] = Data(#"{"scope":"admin"}"#.utf8).base64URLEncodedString()
        await #expect(throws: BearerFailure.self) {
            try await server.authorize(tampered.joined(separator: "."), scope: "admin")
        }
        await #expect(throws: BearerFailure.self) { try await server.authorize("not.a.token", scope: "alerts:read") }
        // The same key behind another issuer or audience does not accept it.
        var otherIssuer = try folder.settings()
        otherIssuer.issuer = "https://other.example"
        await #expect(throws: BearerFailure.invalidToken("the token was issued by https://gateway.example")) {
            try await AuthorizationServer(settings: otherIssuer, clock: clock.function).authorize(
                token, scope: "alerts:read")
        }
        var otherAudience = try folder.settings()
        otherAudience.audience = "another-api"
        await #expect(throws: BearerFailure.invalidToken("the token is for audience delaygate-api")) {
            try await AuthorizationServer(settings: otherAudience, clock: clock.function).authorize(
                token, scope: "alerts:read")
        }
        await #expect(throws: BearerFailure.self) { try await server.authorize(nil, scope: "alerts:read") }

        clock.advance(599)
        _ = try await server.authorize(token, scope: "alerts:read")
        clock.advance(1)
        await #expect(throws: BearerFailure.invalidToken("the token has expired")) {
            try await server.authorize(token, scope: "alerts:read")
        }
    }

    @Test("rotation: tokens of the old key stay valid while it verifies, and are refused from its retirement on")
    func rotation() async throws {
        let clock = TestClock()
        // Retirement comes before the old token's expiry (600 s), so the refusal is the retirement's.
        let retire = clock.date.addingTimeInterval(300)
        let old = try OAuthFolder()
        defer { old.remove() }
        let before = try await AuthorizationServer(settings: try old.settings(), clock: clock.function)
        let (oldToken, _) = try await before.issue(clientID: "reader", scopes: ["alerts:read"])

        // The new configuration signs with an ES256 key; the HS256 key only verifies until retire_at.
        let pem = P256.Signing.PrivateKey().pemRepresentation
        let rotated = try OAuthFolder(
            keys: """
                  - kid: es-2
                    algorithm: ES256
                    private_key: ${ES_KEY}
                  - kid: hs-1
                    algorithm: HS256
                    secret: ${TOKEN_SECRET}
                    verify_only: true
                    retire_at: \(ISO8601DateFormatter().string(from: retire))
                """)
        defer { rotated.remove() }
        let after = try await AuthorizationServer(
            settings: try rotated.settings(environment: ["TOKEN_SECRET": OAuthFolder.hsSecret, "ES_KEY": pem]),
            clock: clock.function)
        _ = try await after.authorize(oldToken, scope: "alerts:read")
        let (newToken, _) = try await after.issue(clientID: "reader", scopes: ["alerts:read"])
        let header = String(newToken.split(separator: ".")[0])
        #expect(String(decoding: Data(base64URL: header)!, as: UTF8.self).contains(#""kid":"es-2""#))
        #expect(after.jwks.map { $0["kid"] } == ["es-2"], "only the public half of the ES256 key is published")
        #expect(after.jwks.first?["d"] == nil)

        clock.advance(299)
        _ = try await after.authorize(oldToken, scope: "alerts:read")
        clock.advance(1)
        await #expect(throws: BearerFailure.invalidToken("the token's signing key hs-1 is retired")) {
            try await after.authorize(oldToken, scope: "alerts:read")
        }
        // Tokens of the new key are unaffected by the old key's retirement.
        _ = try await after.authorize(newToken, scope: "alerts:read")
    }

    @Test("configuration errors name the file and key; an unset signing secret leaves the server not ready")
    func configuration() async throws {
        let folder = try OAuthFolder(
            keys: """
                  - kid: hs-1
                    algorithm: HS256
                    secret: ${TOKEN_SECRET}
                """)
        defer { folder.remove() }
        let unset = try folder.settings(environment: [:])
        #expect(unset.missingSecrets == ["TOKEN_SECRET"])
        let server = try await AuthorizationServer(settings: unset)
        #expect(!server.isReady)

        #expect(throws: ConfigError.self) { try folder.settings(environment: ["TOKEN_SECRET": "short"]) }
        do {
            _ = try folder.settings(environment: ["TOKEN_SECRET": "short"])
        } catch {
            #expect(error.file == folder.oauthPath)
            #expect(error.key == "signing_keys[0].secret")
        }
        let literal = try OAuthFolder(
            keys: """
                  - kid: hs-1
                    algorithm: HS256
                    secret: plain-text-secret-in-a-file-0123456789
                """)
        defer { literal.remove() }
        #expect(throws: ConfigError.self) { try literal.settings() }
        let twoSigners = try OAuthFolder(
            keys: """
                  - kid: a
                    algorithm: HS256
                    secret: ${TOKEN_SECRET}
                  - kid: b
                    algorithm: HS256
                    secret: ${TOKEN_SECRET}
                """)
        defer { twoSigners.remove() }
        do {
            _ = try twoSigners.settings()
            Issue.record("two signing keys were accepted")
        } catch {
            #expect(error.key == "signing_keys")
        }
    }
}

extension Data {
    init?(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }

    func base64URLEncodedString() -> String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
