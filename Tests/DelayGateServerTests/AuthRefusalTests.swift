import DelayGateAdapters
import DelayGateAuth
import DelayGateConfig
import DelayGateIngest
import DelayGateServer
import DelayGateStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Every door refuses who does not belong", .timeLimit(.minutes(3)))
struct AuthRefusalTests {
    static let repositoryAdapters = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("adapters").path

    /// The shipped adapter files, with every secret they name set.
    static func shippedGateway(authorization: AuthorizationServer? = nil) throws -> (TestGateway, [String: String]) {
        var environment: [String: String] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: repositoryAdapters) where file.hasSuffix(".yaml") {
            let text = try String(contentsOfFile: repositoryAdapters + "/" + file, encoding: .utf8)
            for match in text.matches(of: /\$\{([A-Z0-9_]+)\}/) { environment[String(match.1)] = "secret-\(match.1)-0123456789" }
        }
        var adapters: [String: String] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: repositoryAdapters) where file.hasSuffix(".yaml") {
            adapters[file] = try String(contentsOfFile: repositoryAdapters + "/" + file, encoding: .utf8)
        }
        return (try TestGateway(adapters: adapters, environment: environment, authorization: authorization), environment)
    }

    @Test("every shipped webhook adapter answers 401 to missing and to wrong credentials, and stores nothing")
    func webhooks() async throws {
        let (test, _) = try Self.shippedGateway()
        defer { test.remove() }
        let catalog = test.gateway.catalog
        let webhooks = catalog.names.compactMap { catalog.adapter(named: $0) }.filter(\.acceptsWebhooks)
        #expect(webhooks.count >= 11, "\(webhooks.map(\.name))")
        let wrong: HTTPFields = [
            .authorization: "Basic " + Data("freshdesk:nope".utf8).base64EncodedString(),
            HTTPField.Name("X-DelayGate-Signature")!: "t=\(Int(Date().timeIntervalSince1970)),v1=" + String(repeating: "0", count: 64),
            HTTPField.Name("aftership-hmac-sha256")!: Data(repeating: 1, count: 32).base64EncodedString(),
            HTTPField.Name("X-Hmac-Signature")!: "hmac-sha256-hex=" + String(repeating: "ab", count: 32),
            HTTPField.Name("sign")!: String(repeating: "cd", count: 32),
            HTTPField.Name("X-Zendesk-Webhook-Signature")!: Data(repeating: 2, count: 32).base64EncodedString(),
            HTTPField.Name("X-Zendesk-Webhook-Signature-Timestamp")!: ISO8601DateFormatter().string(from: Date()),
            HTTPField.Name("webhook-id")!: "msg_1", HTTPField.Name("webhook-timestamp")!: "\(Int(Date().timeIntervalSince1970))",
            HTTPField.Name("webhook-signature")!: "v1,\(Data(repeating: 3, count: 32).base64EncodedString())",
        ]
        try await test.gateway.application().test(.router) { client in
            for adapter in webhooks {
                let mediaType = adapter.acceptedMediaTypes.sorted().first!
                let body =
                    mediaType == "application/json"
                    ? #"{"events":[],"ticket_id":"1","status":"solved"}"# : "RequestData=%7B%7D&DataSign=x&RequestType=102"
                for (label, credentials) in [("missing", HTTPFields()), ("wrong", wrong)] {
                    var headers = credentials
                    headers[.contentType] = mediaType
                    try await client.execute(
                        uri: "/webhooks/\(adapter.name)", method: .post, headers: headers, body: ByteBuffer(string: body)
                    ) { response in
                        #expect(response.status == .unauthorized, "\(adapter.name) (\(adapter.kind)), \(label) credentials")
                        #expect(response.headers[.contentType] == "application/problem+json")
                    }
                }
            }
        }
        #expect(try await test.inboxCounts().isEmpty, "a refused request left something in the inbox")
    }

    @Test("a captured signed request replayed: stored once while fresh, refused once outside the window")
    func replays() async throws {
        let test = try TestGateway()
        defer { test.remove() }
        let body = TestGateway.batch([("picked_up", 8)], idPrefix: "replay")
        let fresh = TestGateway.signedHeaders(body)
        // An hour off: well outside the 300 s window however slowly this test runs.
        let stale = TestGateway.signedHeaders(body, time: Date().addingTimeInterval(-3600))
        let future = TestGateway.signedHeaders(body, time: Date().addingTimeInterval(3600))
        try await test.gateway.application().test(.router) { client in
            for _ in 0..<5 { try await client.postWebhook(body, headers: fresh) { #expect($0.status == .accepted) } }
            for headers in [stale, future] {
                try await client.postWebhook(body, headers: headers) { response in
                    #expect(response.status == .unauthorized)
                    let detail = try problem(response).detail ?? ""
                    #expect(detail.contains("tolerance"), "\(detail)")
                }
            }
            await test.gateway.normalizer.waitUntilIdle()
        }
        // Every delivery is kept raw, the event itself once.
        #expect(try await test.inboxCounts() == [.normalized: 5])
        #expect(try await test.eventCount() == 1)
    }
}
