import DelayGateAdapters
import DelayGateEngine
import DelayGateMocks
import DelayGateModel
import DelayGateOutbound
import DelayGateOutbox
import DelayGateStorage
import Foundation
import GRDB
import Hummingbird
import Prometheus
import Testing

/// The whole outbound path over real HTTP: a stall is judged by the scheduler, its alert's
/// actions are planned into the outbox in the alert's transaction, and the dispatcher delivers
/// them to mocks that speak the vendors' shapes.
@Suite("Outbox delivery")
struct OutboxDeliveryTests {
    static let actions = """
        channels: {sms: twilio-sms, helpdesk: zendesk, voice: voice, erp: erp}
        tracking_link: "https://track.example.com/{{carrier}}/{{tracking_number}}"
        compensation:
          - {name: urgent-high-value, when: {levels: [urgent], min_order_value: 500}, offer: {kind: coupon, amount: 30, currency: CNY}}
        routing:
          - {name: east-senior, when: {regions: [浙江]}, groups: ["101", "102"]}
          - {name: senior, groups: ["900"]}
        retry: {base_seconds: 10, cap_seconds: 60, max_attempts: 5}
        """

    static func adapters(_ baseURL: String) -> [String: String] {
        [
            "zendesk": """
            kind: zendesk
            base_url: \(baseURL)
            auth:
              email: ops@shop.example
              api_token: ${ZENDESK_TOKEN}
            ticket: {custom_fields: {order_id: 5001, order_value: 5002, tracking_number: 5003}}
            """,
            "twilio-sms": """
            kind: twilio-sms
            base_url: \(baseURL)
            account_sid: AC0123456789abcdef0123456789abcdef
            auth_token: ${TWILIO_TOKEN}
            from: "+15005550006"
            """,
            "voice": """
            kind: voice-callback
            queue:
              url: \(baseURL)/v1/callbacks
              bearer_token: ${VOICE_TOKEN}
            """,
            "erp": """
            kind: erp-action
            base_url: \(baseURL)
            auth:
              oauth:
                token_url: \(baseURL)/oauth/token
                client_id: delaygate
                client_secret: ${ERP_SECRET}
            warehouses:
              - {code: GZ01, latitude: 23.13, longitude: 113.26}
              - {code: SH01, latitude: 31.23, longitude: 121.47}
            region_centroids: {浙江: [29.2, 120.2]}
            """,
        ]
    }

    static let environment = [
        "ZENDESK_TOKEN": "zd-token", "TWILIO_TOKEN": "tw-token", "VOICE_TOKEN": "voice-token",
        "ERP_SECRET": "erp-secret",
    ]

    /// The mocks on one server, an engine whose alerts plan into the outbox, and a dispatcher.
    struct World: Sendable {
        let zendesk = MockZendesk(email: "ops@shop.example", apiToken: "zd-token")
        let twilio = MockTwilio(accountSID: "AC0123456789abcdef0123456789abcdef", authToken: "tw-token")
        let voice = MockVoiceQueue(tokens: ["voice-token"])
        let erp = MockERP(clientSecret: "erp-secret")
        /// What `/metrics` would show of the dispatcher.
        let metrics = PrometheusCollectorRegistry()

        func run(
            environment: [String: String] = OutboxDeliveryTests.environment,
            _ body: @Sendable (EngineReplay, OutboxDispatcher, OutboundCatalog) async throws -> Void
        ) async throws {
            let router = Router(context: MockRequestContext.self)
            zendesk.register(on: router)
            twilio.register(on: router)
            voice.register(on: router)
            erp.register(on: router)
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            try await MockServer.run(router) { baseURL in
                let catalog = try outboundCatalog(
                    OutboxDeliveryTests.adapters(baseURL), environment: environment, in: folder)
                let settings = try actionSettings(OutboxDeliveryTests.actions)
                let model = AlertModel(planner: OutboxPlanner(settings: settings, catalog: catalog))
                teachHangzhouDwell(model, hours: 10)
                let replay = try EngineReplay(path: folder.path("gateway.sqlite"), model: model)
                try await replay.run { replay in
                    let dispatcher = OutboxDispatcher(
                        database: replay.database, writer: replay.writer, catalog: catalog, retry: settings.retry,
                        dispatch: settings.dispatch, random: { 1 },
                        metricsFactory: PrometheusMetricsFactory(registry: metrics))
                    try await body(replay, dispatcher, catalog)
                }
            }
        }
    }

    /// A parcel arrives at the Hangzhou hub and stays there.
    static func stall(_ replay: EngineReplay, tracking: String = "ZTO500", orderID: String = "SO-500") async throws {
        try await replay.deliver(
            NormalizedPayload(
                events: [event(.hubArrival, hours: 0, tracking: tracking)],
                orders: [order(orderID, tracking: tracking)]),
            at: at(hours: 0.1))
    }

    @Test("stall → warning SMS and urgent red-flag ticket with every filled field in the least-loaded group, once")
    func stallToTicket() async throws {
        let world = World()
        try await world.run { replay, dispatcher, _ in
            // Group 101 already has an open DelayGate ticket: the ticket must go to 102.
            try await replay.writer.write { db in
                try OutboxStore.enqueue(
                    NewDelivery(
                        idempotencyKey: "earlier", alertID: nil, action: "helpdesk_ticket", adapter: "zendesk",
                        request: "{}", helpdeskGroup: "101"), at: at(hours: -5), in: db)
                try db.execute(sql: "UPDATE outbox SET state = 'delivered' WHERE idempotency_key = 'earlier'")
            }
            try await Self.stall(replay)
            try await replay.advance(through: at(hours: 16))
            let report = try await dispatcher.drain(now: at(hours: 16))
            #expect(report.delivered == 3 && report.dead == 0)
            // Judging again changes nothing: the episode has its urgent alert and keys are unique.
            try await replay.scheduler.tick(now: at(hours: 17))
            try await dispatcher.drain(now: at(hours: 17))

            let tickets = world.zendesk.created
            try #require(tickets.count == 1)
            let ticket = tickets[0]
            #expect(ticket.groupID == 102)
            #expect(ticket.priority == "high")
            #expect(ticket.tags.contains("delaygate_red_flag"))
            #expect(ticket.subject.contains("[红旗]") && ticket.subject.contains("SO-500"))
            for filled in [
                "+8613800138000", "wang.fang@example.com", "CNY 1299", "CNY 30 优惠券", "urgent-high-value", "电热水壶",
                "建议话术", "https://track.example.com/zto/ZTO500", "杭州转运中心", "east-senior", "客户历史",
            ] {
                #expect(ticket.comment.contains(filled), "ticket body lacks \(filled)")
            }
            #expect(ticket.externalID?.hasPrefix("episode:") == true)
            #expect(world.zendesk.requests.allSatisfy { $0.idempotencyKey == ticket.externalID })
            let custom = Dictionary(uniqueKeysWithValues: ticket.customFields.map { ($0.id, $0.value.string) })
            #expect(custom[5001] == "SO-500")
            #expect(custom[5003] == "ZTO500")

            let messages = world.twilio.created
            try #require(messages.count == 1)
            #expect(messages[0].to == "+8613800138000")
            #expect(messages[0].body?.contains("可能延误") == true)
            #expect(messages[0].idempotencyKey?.hasSuffix(":warning:notify_customer") == true)
            #expect(world.voice.created.count == 1)

            let routing = try await replay.database.read { db in
                try String.fetchOne(db, sql: "SELECT routing FROM alerts WHERE level = 'urgent'")
            }
            #expect(routing?.contains("\"group\":\"102\"") == true)
        }
    }

    @Test("a receiver that fails 3 times with 503 gets exactly one ticket; 429 Retry-After is honoured")
    func transientFailures() async throws {
        let world = World()
        world.zendesk.setFaults(.scripted(.status(503), .status(503), .status(503), .rateLimited(retryAfter: 120)))
        try await world.run { replay, dispatcher, _ in
            try await Self.stall(replay)
            try await replay.advance(through: at(hours: 16))
            var now = at(hours: 16)
            for _ in 0..<3 {
                #expect(try await dispatcher.drain(now: now).retried >= 1)
                let row = try #require(try await replay.outbox().first { $0.action == "helpdesk_ticket" })
                #expect(row.state == .pending && row.lastStatus == 503)
                now = row.nextAttemptAt
            }
            // The 429 asked for 120 s: nothing is sent before then.
            try await dispatcher.drain(now: now)
            let limited = try #require(try await replay.outbox().first { $0.action == "helpdesk_ticket" })
            #expect(limited.lastStatus == 429)
            #expect(limited.nextAttemptAt == now.addingTimeInterval(120))
            #expect(try await dispatcher.drain(now: now.addingTimeInterval(119)).delivered == 0)
            #expect(try await dispatcher.drain(now: now.addingTimeInterval(120)).delivered == 1)
            #expect(world.zendesk.created.count == 1)
            #expect(world.zendesk.requests.count == 5)
        }
    }

    @Test("a 400 is a dead letter with the answer kept; replayed after the fix, it is delivered once")
    func deadLetterReplay() async throws {
        let world = World()
        world.zendesk.setFaults(.scripted(.status(400)))
        try await world.run { replay, dispatcher, _ in
            try await Self.stall(replay)
            try await replay.advance(through: at(hours: 16))
            try await dispatcher.drain(now: at(hours: 16))
            let dead = try await replay.database.read { db in try OutboxStore.list(state: .dead, limit: 10, in: db) }
            try #require(dead.count == 1)
            #expect(dead[0].lastStatus == 400)
            #expect(dead[0].response != nil)
            #expect(world.zendesk.created.isEmpty)
            var exposition = String(decoding: world.metrics.emitToBuffer(), as: UTF8.self)
            for expected in [
                #"delaygate_outbox_attempts_total{adapter="zendesk",outcome="dead"} 1"#,
                #"delaygate_outbox_attempts_total{adapter="twilio-sms",outcome="delivered"} 1"#,
                #"delaygate_outbox_attempts_total{adapter="zendesk",outcome="delivered"} 0"#,
                #"delaygate_outbox_depth{state="dead"} 1"#,
                #"delaygate_outbox_depth{state="pending"} 0"#,
            ] {
                #expect(exposition.contains(expected), "missing \(expected)")
            }
            // Nothing retries a dead letter by itself.
            #expect(try await dispatcher.drain(now: at(hours: 40)).delivered == 0)
            try await replay.writer.write { db in try OutboxStore.replay(id: dead[0].id, at: at(hours: 41), in: db) }
            #expect(try await dispatcher.drain(now: at(hours: 41)).delivered == 1)
            #expect(world.zendesk.created.count == 1)
            exposition = String(decoding: world.metrics.emitToBuffer(), as: UTF8.self)
            #expect(exposition.contains(#"delaygate_outbox_attempts_total{adapter="zendesk",outcome="delivered"} 1"#))
            #expect(exposition.contains(#"delaygate_outbox_depth{state="dead"} 0"#))
        }
    }

    @Test("a delivery that used up its 5 attempts and is replayed gets 5 more, then dies again")
    func replayedDeliveryGetsAFreshBudget() async throws {
        let world = World()
        world.zendesk.setFaults(FaultPlan(script: Array(repeating: .status(503), count: 10)))
        try await world.run { replay, dispatcher, _ in
            try await Self.stall(replay)
            try await replay.advance(through: at(hours: 16))
            func ticket() async throws -> OutboxRow {
                try #require(try await replay.outbox().first { $0.action == "helpdesk_ticket" })
            }
            func failUntilDead(from start: Date) async throws -> Date {
                var now = start
                for attempt in 1...5 {
                    try await dispatcher.drain(now: now)
                    let row = try await ticket()
                    #expect(row.state == (attempt < 5 ? .pending : .dead), "attempt \(attempt)")
                    now = row.nextAttemptAt
                }
                return now
            }
            let firstDeath = try await failUntilDead(from: at(hours: 16))
            #expect(try await ticket().lastError?.contains("gave up after 5 attempts") == true)
            let id = try await ticket().id
            try await replay.writer.write { db in try OutboxStore.replay(id: id, at: firstDeath, in: db) }
            _ = try await failUntilDead(from: firstDeath)
            let row = try await ticket()
            #expect(row.attempts == 10 && row.attemptsSinceReplay == 5)
            #expect(world.zendesk.requests.count == 10 && world.zendesk.created.isEmpty)
        }
    }

    @Test("wrong credentials make a dead letter; after the configuration is fixed, replay delivers it once")
    func wrongCredentialsThenFixed() async throws {
        let world = World()
        var wrong = Self.environment
        wrong["ZENDESK_TOKEN"] = "stale-token"
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await world.run(environment: wrong) { replay, dispatcher, _ in
            try await Self.stall(replay)
            try await replay.advance(through: at(hours: 16))
            try await dispatcher.drain(now: at(hours: 16))
            let dead = try await replay.database.read { db in try OutboxStore.list(state: .dead, limit: 10, in: db) }
            #expect(dead.map(\.lastStatus) == [401])
            // The operator fixes the secret (a new catalog, as after a restart) and replays.
            let baseURL = try #require(dead.first.flatMap { try? OutboundRequest.decode($0.request).url })
                .replacingOccurrences(of: "/api/v2/tickets.json", with: "")
            let fixed = try outboundCatalog(Self.adapters(baseURL), environment: Self.environment, in: folder)
            let fixedDispatcher = OutboxDispatcher(
                database: replay.database, writer: replay.writer, catalog: fixed, random: { 1 })
            try await replay.writer.write { db in try OutboxStore.replayAllDead(at: at(hours: 17), in: db) }
            #expect(try await fixedDispatcher.drain(now: at(hours: 17)).delivered == 1)
            #expect(world.zendesk.created.count == 1)
        }
    }

    @Test("a delivery whose dispatcher died mid-flight is retried after its lease; the receiver creates one ticket")
    func crashMidDelivery() async throws {
        let world = World()
        try await world.run { replay, dispatcher, catalog in
            try await Self.stall(replay)
            try await replay.advance(through: at(hours: 16))
            // A dispatcher claims the ticket, sends it, and dies before recording the answer.
            let claimed = try await replay.writer.write { db in
                try OutboxStore.claim(adapter: "zendesk", limit: 10, now: at(hours: 16), lease: .seconds(60), in: db)
            }
            let row = try #require(claimed.first)
            let adapter = try #require(catalog.adapter(named: "zendesk"))
            _ = await adapter.deliver(
                try OutboundRequest.decode(row.request), idempotencyKey: row.idempotencyKey, using: OutboundHTTP())
            #expect(world.zendesk.created.count == 1)
            // While the lease holds nobody takes it; once it expires the next dispatcher does.
            let during = try await dispatcher.drain(now: at(hours: 16).addingTimeInterval(30))
            #expect(try await replay.outbox().first { $0.id == row.id }?.state == .inFlight)
            #expect(during.delivered == 2)  // the SMS and the callback, not the ticket
            #expect(try await dispatcher.drain(now: at(hours: 16).addingTimeInterval(61)).delivered == 1)
            #expect(world.zendesk.created.count == 1)
            #expect(world.zendesk.duplicateKeyHits == 1)
            // The dead dispatcher's late answer cannot overwrite the newer attempt.
            let late = try await replay.writer.write { db in
                try OutboxStore.markDead(
                    id: row.id, attempt: row.attempts, status: 500, error: "late", response: nil, at: at(hours: 17),
                    in: db)
            }
            #expect(late == false)
        }
    }
}

@Suite("Outbound OAuth and alternative fulfilment")
struct AlternativeFulfilmentTests {
    /// Enqueues a re-ship for `orderID` as the planner would.
    static func enqueueReship(_ orderID: String, catalog: OutboundCatalog, replay: EngineReplay) async throws {
        let adapter = try #require(catalog.adapter(named: "erp"))
        let message = OutboundMessage(
            purpose: .alternativeFulfilment, idempotencyKey: "episode:\(orderID):extreme:alternative_fulfilment",
            recipient: .init(), body: "route closed", level: "extreme", scenario: "disruption",
            fulfilment: .init(
                orderID: orderID, lines: [.init(sku: "SKU-KETTLE", quantity: 1)], destinationRegion: "浙江"))
        let request = try adapter.render(message).encoded()
        try await replay.writer.write { db in
            try OutboxStore.enqueue(
                NewDelivery(
                    idempotencyKey: message.idempotencyKey, alertID: nil, action: "alternative_fulfilment",
                    adapter: "erp", request: request), at: at(hours: 1), in: db)
        }
    }

    @Test("re-ships from the nearest warehouse with stock; a token revoked mid-run costs one refresh and no delivery")
    func tokenExpiresMidRun() async throws {
        let world = OutboxDeliveryTests.World()
        world.erp.setStock(warehouse: "SH01", sku: "SKU-KETTLE", available: 0)
        world.erp.setStock(warehouse: "GZ01", sku: "SKU-KETTLE", available: 5)
        try await world.run { replay, dispatcher, catalog in
            try await Self.enqueueReship("SO-1", catalog: catalog, replay: replay)
            #expect(try await dispatcher.drain(now: at(hours: 1)).delivered == 1)
            #expect(world.erp.tokenRequests == 1)
            // Shanghai is nearer to 浙江 but has none: Guangzhou ships.
            #expect(world.erp.created.map(\.warehouse) == ["GZ01"])

            world.erp.revokeTokens()
            try await Self.enqueueReship("SO-2", catalog: catalog, replay: replay)
            #expect(try await dispatcher.drain(now: at(hours: 2)).delivered == 1)
            #expect(world.erp.tokenRequests == 2)
            #expect(world.erp.created.map(\.orderID) == ["SO-1", "SO-2"])
        }
    }
}
