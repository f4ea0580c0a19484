import DelayGateAdapters
import DelayGateIngest
import DelayGateMocks
import DelayGateModel
import DelayGateServer
import DelayGateStorage
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("ERP order poller", .timeLimit(.minutes(1)))
struct ERPPollerTests {
    static func orders(_ range: Range<Int>) -> [[String: any Sendable]] {
        range.map { index in
            let minute = index % 60
            let hour = 8 + index / 60
            return [
                "id": String(format: "SO-%04d", index),
                "customer": [
                    "name": "客户\(index)", "phone": "+86138001\(String(format: "%05d", index))",
                    "preferred_channel": "sms",
                ],
                "destination": ["city": "杭州市", "region": "浙江省", "country": "CN"],
                "value": ["amount": "\(100 + index).50", "currency": "CNY"],
                "shipments": [["carrier": "zto", "tracking_number": "ZT\(100_000 + index)"]],
                "updated_at": String(format: "2026-11-11T%02d:%02d:00+08:00", hour, minute),
            ]
        }
    }

    static func file(_ base: String) -> String {
        """
        kind: erp-poll
        source:
          url: \(base)/api/orders
          page_size: 40
          interval_seconds: 1
          timeout_seconds: 5
        auth:
          token_url: \(base)/oauth/token
          client_id: delaygate
          client_secret: ${ERP_CLIENT_SECRET}
          scope: orders:read
        """
    }

    @Test(
        "pages through transient failures and an early token expiry, stores every order once, resumes after a restart")
    func pollsAndResumes() async throws {
        let erp = MockERP(
            clientSecret: "erp-secret",
            faults: .init(failEveryNthRequest: 4, revokeTokensAfterRequests: 3))
        erp.upsert(orders: Self.orders(0..<250))
        try await MockServer.run(erp.router()) { base in
            let test = try TestGateway(
                adapters: ["erp.yaml": Self.file(base)], environment: ["ERP_CLIENT_SECRET": "erp-secret"])
            defer { test.remove() }

            // First run: all pages, then one poll for news.
            try await test.gateway.application().test(.router) { _ in
                await erp.waitUntil { requests in
                    requests.contains { $0.status == 200 && $0.query["updated_since"] != nil }
                }
                await test.gateway.normalizer.waitUntilIdle()
            }
            let first = erp.ordersRequests
            #expect(first.contains { $0.status == 503 })
            #expect(first.filter { $0.status == 401 }.count == 1)
            #expect(erp.tokenRequests == 2, "one token at start, one refresh after the early expiry")
            #expect(try await Self.orderCount(test) == 250)
            #expect(try await Self.ordersStored(test) == 250, "no page stored twice")
            let cursor = try await test.gateway.pollers[0].storedCursor()
            #expect(cursor.pageToken == nil)
            #expect(cursor.updatedSince == "2026-11-11T12:09:00+08:00")

            // The ERP changes; a new process on the same database resumes from the stored cursor.
            erp.upsert(orders: Self.orders(250..<280))
            let restarted = try Gateway(configuration: test.gateway.configuration, catalog: test.gateway.catalog)
            try await restarted.application().test(.router) { _ in
                await erp.waitUntil { requests in
                    requests.dropFirst(first.count).filter { $0.status == 200 && $0.query["updated_since"] != nil }
                        .count >= 2
                }
                await restarted.normalizer.waitUntilIdle()
            }
            let second = erp.ordersRequests.dropFirst(first.count)
            #expect(second.first?.query["updated_since"] == "2026-11-11T12:09:00+08:00", "resumed, not restarted")
            #expect(!second.contains { $0.query["page_token"] == nil && $0.query["updated_since"] == nil })
            #expect(try await Self.orderCount(test) == 280)
            #expect(try await Self.ordersStored(test) == 280)
            let order = try await test.database.read { db in try OrderStore.order(id: "SO-0007", in: db) }
            #expect(order?.customer.name == "客户7")
            #expect(order?.shipments.first?.trackingNumber == "ZT100007")
        }
    }

    @Test("an unset client secret leaves the poller idle and is reported, without stopping the gateway")
    func missingSecret() async throws {
        let test = try TestGateway(adapters: ["erp.yaml": Self.file("http://127.0.0.1:9")], environment: [:])
        defer { test.remove() }
        #expect(test.gateway.catalog.adapter(named: "erp")?.missingSecrets == ["ERP_CLIENT_SECRET"])
        try await test.gateway.application().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            // A poller has no webhook route.
            try await client.execute(uri: "/webhooks/erp", method: .post, headers: [.contentType: "application/json"]) {
                #expect($0.status == .notFound)
            }
        }
    }

    static func orderCount(_ test: TestGateway) async throws -> Int {
        try await test.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM orders") ?? 0 }
    }

    /// Orders across every stored ERP page.
    static func ordersStored(_ test: TestGateway) async throws -> Int {
        try await test.database.read { db in
            try Int.fetchOne(
                db, sql: "SELECT SUM(event_count) FROM inbox WHERE adapter = 'erp' AND state = 'normalized'") ?? 0
        }
    }
}
