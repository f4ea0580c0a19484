import DelayGateConfig
import DelayGateMocks
import DelayGateModel
import DelayGateOutbound
import DelayGateOutbox
import DelayGateStorage
import Foundation
import GRDB
import Hummingbird
import Testing

@Suite("Outbox against a faulty receiver", .timeLimit(.minutes(2)))
struct ReceiverFaultTests {
    /// Tickets rendered by the adapter the dispatcher sends them through.
    static func enqueueTickets(_ count: Int, adapter: any OutboundAdapter, at now: Date, in db: Database) throws {
        for index in 0..<count {
            let message = OutboundMessage(
                purpose: .ticket, idempotencyKey: "episode:\(index):urgent:helpdesk_ticket",
                recipient: .init(name: "王芳", phone: "+8613800138000", locale: "zh-CN"),
                subject: "[红旗] SO-\(index) 可能延误", body: "包裹在杭州转运中心停留过久。", level: "urgent",
                scenario: "dwell", priority: .high, tags: ["delaygate_red_flag"], group: "101")
            try OutboxStore.enqueue(
                NewDelivery(
                    idempotencyKey: message.idempotencyKey, alertID: nil, action: "helpdesk_ticket",
                    adapter: adapter.name, request: try adapter.render(message).encoded(), helpdeskGroup: "101"),
                at: now, in: db)
        }
    }

    @Test("30 % of requests fail (500, 429 + Retry-After, answers past the timeout, dropped connections): all delivered, none twice, no dead letter")
    func randomFaults() async throws {
        let zendesk = MockZendesk(email: "ops@shop.example", apiToken: "zd-token")
        // Delayed answers are held past the dispatcher's 1 s timeout: the ticket exists, the
        // dispatcher sees a timeout and retries with the same key.
        zendesk.setFaults(.random(probability: 0.3, seed: 2026, delay: .milliseconds(1500), retryAfter: 90))
        let router = Router(context: MockRequestContext.self)
        zendesk.register(on: router)
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let tickets = 60
        try await MockServer.run(router) { base in
            let catalog = try outboundCatalog(
                [
                    "zendesk": """
                    kind: zendesk
                    base_url: \(base)
                    auth: {email: ops@shop.example, api_token: "${ZENDESK_TOKEN}"}
                    concurrency: 8
                    """
                ], environment: ["ZENDESK_TOKEN": "zd-token"], in: folder)
            let settings = try actionSettings(
                """
                channels: {helpdesk: zendesk}
                retry: {base_seconds: 10, cap_seconds: 600, max_attempts: 30}
                dispatcher: {lease_seconds: 5, timeout_seconds: 1}
                """)
            let database = try GatewayDatabase.open(at: folder.path("outbox.sqlite"))
            let writer = GroupCommitWriter(database: database)
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await writer.run() }
                let adapter = try #require(catalog.adapter(named: "zendesk"))
                try await writer.write { db in try Self.enqueueTickets(tickets, adapter: adapter, at: at(hours: 0), in: db) }
                let dispatcher = OutboxDispatcher(
                    database: database, writer: writer, catalog: catalog, retry: settings.retry,
                    dispatch: settings.dispatch)
                // Time moves on in steps longer than any back-off or Retry-After, until nothing waits.
                var now = at(hours: 0)
                var rounds = 0
                while try await database.read({ db in try OutboxStore.backlog(in: db) })[.pending, default: 0] > 0 {
                    try await dispatcher.drain(now: now)
                    now = now.addingTimeInterval(800)  // beyond the 600 s cap + 20 % spread
                    rounds += 1
                    #expect(rounds < 100, "the outbox did not drain")
                    if rounds >= 100 { break }
                }
                let counts = try await database.read { db in try OutboxStore.counts(in: db) }
                #expect(counts[.delivered] == tickets)
                #expect(counts[.dead] == 0, "transient faults never make a dead letter")
                let attempts = try await database.read { db in
                    try Int.fetchOne(db, sql: "SELECT SUM(attempts) FROM outbox") ?? 0
                }
                #expect(attempts > tickets, "the faults were not exercised")
                group.cancelAll()
            }
        }
        // One ticket per key, however often a request was repeated.
        let keys = zendesk.created.compactMap(\.externalID)
        #expect(zendesk.created.count == tickets)
        #expect(Set(keys).count == tickets)
        #expect(zendesk.duplicateKeyHits > 0, "some answers were held past the timeout, then retried")
        let faulted = zendesk.requests.filter { $0.status != 201 && $0.status != 200 }
        #expect(!faulted.isEmpty)
    }
}
