import DelayGateConfig
import DelayGateMocks
import DelayGateOutbound
import DelayGateStorage
import Foundation
import GRDB
import Hummingbird
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Outbox crash safety of the built gateway", .serialized, .timeLimit(.minutes(3)))
struct OutboxCrashTests {
    static let tickets = 40
    static let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("config/templates").path

    static func zendeskFile(_ baseURL: String) -> String {
        """
        kind: zendesk
        base_url: \(baseURL)
        auth:
          email: ops@shop.example
          api_token: ${ZENDESK_TOKEN}
        concurrency: 8
        """
    }

    /// Short leases so the test does not wait a minute for the killed process's claims to lapse.
    static let actions = actionsFile()

    /// The actions file of these tests: tickets to Zendesk, quick retries, a short lease so that
    /// a killed gateway's rows are claimed again soon, and a request timeout below the lease.
    static func actionsFile(leaseSeconds: Int = 4, timeoutSeconds: Int = 3) -> String {
        """
        channels:
          helpdesk: zendesk
        templates_dir: \(templates)
        retry:
          base_seconds: 1
          cap_seconds: 2
        dispatcher:
          lease_seconds: \(leaseSeconds)
          timeout_seconds: \(timeoutSeconds)
        """
    }

    /// `count` ticket deliveries rendered by the same adapter file the gateway loads, written to its outbox.
    static func enqueueTickets(_ count: Int = tickets, in folder: GatewayFolder) throws {
        let catalog = OutboundCatalog.load(
            directory: folder.root + "/adapters/outbound", environment: folder.environment)
        if let error = catalog.errors.first { throw error }
        let zendesk = try #require(catalog.catalog.adapter(named: "zendesk"))
        let database = try GatewayDatabase.open(at: folder.databasePath)
        let now = Date()
        try database.write { db in
            for index in 0..<count {
                let key = "episode:\(index):urgent:helpdesk_ticket"
                let message = OutboundMessage(
                    purpose: .ticket, idempotencyKey: key,
                    recipient: .init(name: "王芳", phone: "+8613800138000", locale: "zh-CN"),
                    subject: "[红旗] SO-\(index) 可能延误", body: "包裹在杭州转运中心停留过久。", level: "urgent",
                    scenario: "dwell", priority: .high, tags: ["delaygate_red_flag"], group: "101")
                let request = try zendesk.render(message)
                try OutboxStore.enqueue(
                    NewDelivery(
                        idempotencyKey: key, alertID: nil, action: "helpdesk_ticket", adapter: "zendesk",
                        request: request.encoded(), helpdeskGroup: "101"),
                    at: now, in: db)
            }
        }
    }

    /// Polls `condition` every 10 ms until it holds or `timeout` passes.
    static func wait(
        for what: String, timeout: Duration = .seconds(60), _ condition: () throws -> Bool
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while try !condition() {
            guard clock.now < deadline else { throw WaitTimedOut(what: what) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    struct WaitTimedOut: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out waiting for \(what)" }
    }

    /// The helpdesk of the end-to-end tests (token `zd-token`): it creates each ticket at once and
    /// answers a `share` of them `delay` late, chosen by `seed`.
    static func lateZendesk(share: Double, delay: Duration, seed: UInt64) -> MockZendesk {
        let zendesk = MockZendesk(email: "ops@shop.example", apiToken: "zd-token")
        zendesk.setFaults(
            FaultPlan(
                random: .init(
                    probability: share, seed: seed, serverErrorWeight: 0, rateLimitedWeight: 0, delayWeight: 1,
                    dropWeight: 0, delay: delay)))
        return zendesk
    }

    /// Runs `body` with `zendesk` served on 127.0.0.1 and a gateway folder whose `zendesk`
    /// adapter delivers tickets to it (token `zd-token`) under `actions`; the folder is removed after.
    static func withZendeskGateway<T: Sendable>(
        _ zendesk: MockZendesk, actions: String = Self.actions, _ body: @Sendable (GatewayFolder) async throws -> T
    ) async throws -> T {
        let router = Router(context: MockRequestContext.self)
        zendesk.register(on: router)
        return try await MockServer.run(router) { baseURL in
            let folder = try GatewayFolder(
                outboundFiles: ["zendesk.yaml": zendeskFile(baseURL)], actions: actions,
                extraEnvironment: ["ZENDESK_TOKEN": "zd-token"])
            defer { folder.remove() }
            return try await body(folder)
        }
    }

    @Test("SIGKILL while tickets are in flight, restart: every row delivered, one ticket per idempotency key")
    func killWhileDelivering() async throws {
        // Every ticket is created at once but answered 0.8 s later: a kill lands while the helpdesk
        // has acted and the gateway has not yet recorded it.
        let zendesk = Self.lateZendesk(share: 1, delay: .milliseconds(800), seed: 7)
        try await Self.withZendeskGateway(zendesk) { folder in
            try Self.enqueueTickets(in: folder)

            let first = try folder.start()
            _ = try await first.listeningAddress()
            await zendesk.waitUntil { $0.created.count >= 12 }
            first.signal(SIGKILL)
            #expect(await first.exitStatus() != 0)

            let reader = try DatabaseQueue(path: folder.databasePath)
            func count(_ state: String) throws -> Int {
                try reader.read { db in
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state = ?", arguments: [state]) ?? 0
                }
            }
            #expect(try count("delivered") < Self.tickets)
            // Deliveries the helpdesk carried out but the gateway never heard back about.
            let inFlight = try await reader.read { db in
                try String.fetchSet(db, sql: "SELECT idempotency_key FROM outbox WHERE state = 'in_flight'")
            }
            let actedUnrecorded = inFlight.intersection(zendesk.created.compactMap(\.externalID))
            #expect(!actedUnrecorded.isEmpty, "the kill should have caught tickets opened but not yet answered")

            let second = try folder.start()
            _ = try await second.listeningAddress()
            try await Self.wait(for: "every row delivered") { try count("delivered") == Self.tickets }
            second.signal(SIGTERM)
            #expect(await second.exitStatus() == 0, "graceful stop failed:\n\(second.output)")

            let snapshot = zendesk.snapshot
            let keys = snapshot.created.compactMap(\.externalID)
            #expect(snapshot.created.count == Self.tickets)
            #expect(Set(keys).count == Self.tickets, "a key opened two tickets")
            // The deliveries cut short by the kill were sent again with the same key, and the
            // helpdesk answered them with the ticket it had already opened.
            #expect(snapshot.duplicateKeyHits >= actedUnrecorded.count)
            let receipts = try await reader.read { db in
                try String.fetchAll(db, sql: "SELECT receipt FROM outbox WHERE receipt IS NOT NULL")
            }
            #expect(Set(receipts).count == Self.tickets)
        }
    }
}
