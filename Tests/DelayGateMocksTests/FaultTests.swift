import AsyncHTTPClient
import DelayGateMocks
import Foundation
import Hummingbird
import JWTKit
import NIOCore
import NIOHTTP1
import Testing

/// Every mock, seen through one interface: send a valid create request with an idempotency key, count
/// what was created.
enum Vendor: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case zendesk, freshdesk, twilioMessage, twilioCall, aliyun, fcm, voiceQueue, erp, receiver

    var testDescription: String { rawValue }

    struct Harness: Sendable {
        var router: @Sendable () -> Router<MockRequestContext>
        var setFaults: @Sendable (FaultPlan) -> Void
        var created: @Sendable () -> Int
        /// Returns once at least this many objects were created.
        var createdAtLeast: @Sendable (Int) async -> Void
        var duplicateKeyHits: @Sendable () -> Int
        /// Statuses answered by the create endpoint, in order (`nil`: dropped).
        var statuses: @Sendable () -> [Int?]
        var send: @Sendable (_ base: String, _ key: String, _ timeout: TimeAmount) async throws -> Answer
        /// Whether an answer is the vendor's success.
        var succeeded: @Sendable (Answer) -> Bool
    }

    func harness() throws -> Harness {
        switch self {
        case .zendesk:
            let mock = MockZendesk(email: "ops@example.com", apiToken: "zd-token")
            return Harness(
                router: mock.router, setFaults: mock.setFaults, created: { mock.created.count },
                createdAtLeast: { count in await mock.waitUntil { $0.created.count >= count } },
                duplicateKeyHits: { mock.duplicateKeyHits }, statuses: { mock.requests.map(\.status) },
                send: { base, key, timeout in
                    try await HTTP.postJSON(
                        "\(base)/api/v2/tickets.json",
                        ["ticket": ["subject": "Parcel stalled", "comment": ["body": "No scan for 36 h"]]],
                        headers: [HTTP.basic("ops@example.com/token", "zd-token"), ("Idempotency-Key", key)],
                        timeout: timeout)
                }, succeeded: { $0.status == 201 })
        case .freshdesk:
            let mock = MockFreshdesk(apiKey: "fd-key")
            return Harness(
                router: mock.router, setFaults: mock.setFaults, created: { mock.created.count },
                createdAtLeast: { count in await mock.waitUntil { $0.created.count >= count } },
                duplicateKeyHits: { mock.duplicateKeyHits }, statuses: { mock.requests.map(\.status) },
                send: { base, key, timeout in
                    try await HTTP.postJSON(
                        "\(base)/api/v2/tickets",
                        [
                            "subject": "Parcel stalled", "description": "<p>No scan</p>", "email": "c@example.com",
                            "priority": 3, "status": 2, "custom_fields": ["cf_delaygate_key": .string(key)],
                        ], headers: [HTTP.basic("fd-key", "X")], timeout: timeout)
                }, succeeded: { $0.status == 201 })
        case .twilioMessage, .twilioCall:
            let account = "AC" + String(repeating: "a", count: 32)
            let mock = MockTwilio(accountSID: account, authToken: "tw-token")
            let message = self == .twilioMessage
            return Harness(
                router: mock.router, setFaults: mock.setFaults, created: { mock.created.count },
                createdAtLeast: { count in await mock.waitUntil { $0.created.count >= count } },
                duplicateKeyHits: { mock.duplicateKeyHits }, statuses: { mock.requests.map(\.status) },
                send: { base, key, timeout in
                    let fields =
                        message
                        ? ["To": "+8613800138000", "From": "+15005550006", "Body": "Your parcel is delayed"]
                        : ["To": "+8613800138000", "From": "+15005550006", "Url": "https://example.com/twiml"]
                    return try await HTTP.postForm(
                        "\(base)/2010-04-01/Accounts/\(account)/\(message ? "Messages" : "Calls").json", fields,
                        headers: [HTTP.basic(account, "tw-token"), ("I-Twilio-Idempotency-Token", key)],
                        timeout: timeout)
                }, succeeded: { $0.status == 201 })
        case .aliyun:
            let mock = MockAliyunSMS(accessKeys: [AliyunRequest.keyID: AliyunRequest.secret])
            return Harness(
                router: mock.router, setFaults: mock.setFaults, created: { mock.created.count },
                createdAtLeast: { count in await mock.waitUntil { $0.created.count >= count } },
                duplicateKeyHits: { mock.duplicateKeyHits }, statuses: { mock.requests.map(\.status) },
                send: { base, key, timeout in
                    try await AliyunRequest.post(base, AliyunRequest.parameters(outID: key), timeout: timeout)
                }, succeeded: { $0.status == 200 && $0.json?["Code"] == "OK" })
        case .fcm:
            let mock = MockFCM(
                projectID: "demo-project", clientEmail: ServiceAccount.email,
                publicKey: ServiceAccount.privateKey.publicKey)
            return Harness(
                router: mock.router, setFaults: mock.setFaults, created: { mock.created.count },
                createdAtLeast: { count in await mock.waitUntil { $0.created.count >= count } },
                duplicateKeyHits: { mock.duplicateKeyHits },
                statuses: { mock.requests.filter { $0.endpoint == MockFCM.Endpoint.send }.map(\.status) },
                send: { base, key, timeout in
                    let token = try await ServiceAccount.accessToken(base)
                    return try await HTTP.postJSON(
                        "\(base)/v1/projects/demo-project/messages:send",
                        [
                            "message": [
                                "token": "device-1", "notification": ["title": "Delay", "body": "Parcel late"],
                                "data": ["delaygate_key": .string(key)],
                            ]
                        ], headers: [HTTP.bearer(token)], timeout: timeout)
                }, succeeded: { $0.status == 200 })
        case .voiceQueue:
            let mock = MockVoiceQueue(tokens: ["vq-token"])
            return Harness(
                router: mock.router, setFaults: mock.setFaults, created: { mock.created.count },
                createdAtLeast: { count in await mock.waitUntil { $0.created.count >= count } },
                duplicateKeyHits: { mock.duplicateKeyHits }, statuses: { mock.requests.map(\.status) },
                send: { base, key, timeout in
                    try await HTTP.postJSON(
                        "\(base)/v1/callbacks",
                        ["phone": "+8613800138000", "language": "zh-CN", "script": "您的包裹延误", "reference": "A1"],
                        headers: [HTTP.bearer("vq-token"), ("Idempotency-Key", key)], timeout: timeout)
                }, succeeded: { $0.status == 202 })
        case .erp:
            let mock = MockERP(clientSecret: "erp-secret")
            mock.setStock(warehouse: "SH01", sku: "SKU-1", available: 1_000)
            return Harness(
                router: mock.router, setFaults: mock.setFaults, created: { mock.created.count },
                createdAtLeast: { count in await mock.waitUntilActions { $0.created.count >= count } },
                duplicateKeyHits: { mock.duplicateKeyHits },
                statuses: { mock.actionRequests.filter { $0.method == "POST" }.map(\.status) },
                send: { base, key, timeout in
                    let token = try await ERPSupport.token(base)
                    return try await HTTP.postJSON(
                        "\(base)/api/fulfilment-requests",
                        [
                            "order_id": "SO-1", "warehouse": "SH01", "items": [["sku": "SKU-1", "quantity": 1]],
                            "reason": "reship", "reference": .string(key),
                        ], headers: [HTTP.bearer(token), ("Idempotency-Key", key)], timeout: timeout)
                }, succeeded: { $0.status == 201 })
        case .receiver:
            let mock = MockHTTPReceiver()
            return Harness(
                router: mock.router, setFaults: mock.setFaults, created: { mock.created.count },
                createdAtLeast: { count in await mock.waitUntil { $0.created.count >= count } },
                duplicateKeyHits: { mock.duplicateKeyHits }, statuses: { mock.requests.map(\.status) },
                send: { base, key, timeout in
                    try await HTTP.postJSON(
                        "\(base)/hooks/ops", ["alert": "late"], headers: [("Idempotency-Key", key)], timeout: timeout)
                }, succeeded: { $0.status == 200 })
        }
    }
}

@Suite("Faults and idempotency, for every mock")
struct FaultTests {
    @Test("a valid request creates exactly one object; the same key again creates none", arguments: Vendor.allCases)
    func idempotent(vendor: Vendor) async throws {
        let mock = try vendor.harness()
        try await MockServer.run(mock.router()) { base in
            let first = try await mock.send(base, "key-1", .seconds(10))
            #expect(mock.succeeded(first), "\(first.status) \(first.body)")
            let again = try await mock.send(base, "key-1", .seconds(10))
            #expect(mock.succeeded(again), "\(again.status) \(again.body)")
            #expect(mock.created() == 1)
            #expect(mock.duplicateKeyHits() == 1)
            let other = try await mock.send(base, "key-2", .seconds(10))
            #expect(mock.succeeded(other))
            #expect(mock.created() == 2)
        }
    }

    @Test("three 503s, then success: one object, four answers in order", arguments: Vendor.allCases)
    func transientFailures(vendor: Vendor) async throws {
        let mock = try vendor.harness()
        mock.setFaults(FaultPlan(script: Array(repeating: .status(503, retryAfter: 0), count: 3)))
        try await MockServer.run(mock.router()) { base in
            for _ in 0..<3 {
                let answer = try await mock.send(base, "key-1", .seconds(10))
                #expect(answer.status == 503)
                #expect(answer.header("Retry-After") == "0")
                #expect(mock.created() == 0)
            }
            let answer = try await mock.send(base, "key-1", .seconds(10))
            #expect(mock.succeeded(answer), "\(answer.status) \(answer.body)")
            #expect(mock.created() == 1)
            #expect(mock.duplicateKeyHits() == 0)
            #expect(mock.statuses().map { $0 ?? 0 } == [503, 503, 503, answer.status])
        }
    }

    @Test("429 comes with Retry-After and creates nothing", arguments: Vendor.allCases)
    func rateLimited(vendor: Vendor) async throws {
        let mock = try vendor.harness()
        mock.setFaults(.scripted(.status(429, retryAfter: 7)))
        try await MockServer.run(mock.router()) { base in
            let limited = try await mock.send(base, "key-1", .seconds(10))
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") == "7")
            #expect(mock.created() == 0)
            let retried = try await mock.send(base, "key-1", .seconds(10))
            #expect(mock.succeeded(retried), "\(retried.status) \(retried.body)")
            #expect(mock.created() == 1)
        }
    }

    @Test("a dropped connection is a connection error at the client and creates nothing", arguments: Vendor.allCases)
    func dropped(vendor: Vendor) async throws {
        let mock = try vendor.harness()
        mock.setFaults(.scripted(.drop))
        try await MockServer.run(mock.router()) { base in
            await #expect(throws: (any Error).self) {
                _ = try await mock.send(base, "key-1", .seconds(10))
            }
            #expect(mock.created() == 0)
            #expect(mock.statuses() == [nil])
            let retried = try await mock.send(base, "key-1", .seconds(10))
            #expect(mock.succeeded(retried), "\(retried.status) \(retried.body)")
            #expect(mock.created() == 1)
        }
    }

    @Test(
        "an answer delayed past the client's timeout took effect: the retry with the same key is a duplicate hit",
        arguments: [Vendor.zendesk, .aliyun, .fcm, .receiver])
    func delayedPastTimeout(vendor: Vendor) async throws {
        let mock = try vendor.harness()
        mock.setFaults(.scripted(.delay(.milliseconds(600))))
        try await MockServer.run(mock.router()) { base in
            await #expect(throws: HTTPClientError.self) {
                _ = try await mock.send(base, "key-1", .milliseconds(150))
            }
            // The mock handles the request before it holds the answer; under load that may finish
            // after the client has already given up, so wait for it rather than assume it.
            await mock.createdAtLeast(1)
            let retried = try await mock.send(base, "key-1", .seconds(10))
            #expect(mock.succeeded(retried), "\(retried.status) \(retried.body)")
            #expect(mock.created() == 1)
            #expect(mock.duplicateKeyHits() == 1)
        }
    }

    @Test("seeded random faults: a retrying client ends with exactly one object per key")
    func randomFaults() async throws {
        let mock = try Vendor.receiver.harness()
        mock.setFaults(.random(probability: 0.5, seed: 7, delay: .milliseconds(300), retryAfter: 0))
        try await MockServer.run(mock.router()) { base in
            var failures = 0
            for index in 0..<20 {
                var done = false
                while !done {
                    do {
                        let answer = try await mock.send(base, "key-\(index)", .milliseconds(100))
                        done = mock.succeeded(answer)
                        if !done { failures += 1 }
                    } catch {
                        failures += 1
                    }
                }
            }
            #expect(failures > 0)
            #expect(mock.created() == 20)
            let statuses = mock.statuses()
            #expect(statuses.contains(nil), "some connections were dropped")
            #expect(statuses.contains(500))
            #expect(statuses.contains(429))
        }
    }
}
