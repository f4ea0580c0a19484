import DelayGateAuth
import DelayGateConfig
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization

/// DelayGate's OAuth server for API tests: an HS256 key, a test clock, and clients whose
/// secrets the test knows.
struct TestAPI {
    static let signingSecret = "api-test-signing-secret-0123456789abcdef"
    let server: AuthorizationServer
    let clock: APIClock
    /// Client id → secret.
    let secrets: [String: String]

    /// Every scope, and one client per scope.
    static let clients: [(id: String, scopes: [String])] = [
        ("all", Scope.all), ("writer", [Scope.eventsWrite]), ("orders", [Scope.ordersWrite]),
        ("reader", [Scope.alertsRead]), ("admin", [Scope.admin]),
    ]

    static func make(
        clients: [(id: String, scopes: [String])] = TestAPI.clients, signingSecret: String = TestAPI.signingSecret
    ) async throws -> TestAPI {
        let clock = APIClock()
        var settings = OAuthSettings(
            issuer: "http://127.0.0.1:8080", tokenLifetime: .seconds(900),
            keys: [.init(kid: "test-1", algorithm: .hs256, material: .secret(Array(signingSecret.utf8)))])
        var secrets: [String: String] = [:]
        for client in clients {
            let (secret, hash) = try ClientSecretHash.generate(rounds: 210_000)
            secrets[client.id] = secret
            settings.clients.append(.init(id: client.id, secretHash: hash, scopes: client.scopes))
        }
        let server = try await AuthorizationServer(settings: settings, clock: clock.now)
        return TestAPI(server: server, clock: clock, secrets: secrets)
    }

    /// A token for `scopes`, issued now by the test clock.
    func token(_ scopes: [String], client: String = "all") async throws -> String {
        try await server.issue(clientID: client, scopes: scopes).token
    }

    static func bearer(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)"]
    }

    static func basic(_ id: String, _ secret: String) -> String {
        "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
    }
}

/// The authorization server's clock, moved by tests.
final class APIClock: Sendable {
    private let date = Mutex(Date())
    var now: @Sendable () -> Date { { self.date.withLock { $0 } } }
    func advance(_ seconds: TimeInterval) { date.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] ?? [:]
    }
}
