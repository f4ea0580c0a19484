import DelayGateAdapters
import DelayGateConfig
import DelayGateEngine
import DelayGateIngest
import DelayGateModel
import DelayGateServer
import DelayGateStorage
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

struct ProblemJSON: Decodable {
    var type: String
    var title: String
    var status: Int
    var detail: String?
    var inbox_id: Int64?
    var missing_variables: [String]?
}

func expectProblem(_ response: TestResponse, type: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let decoded = try problem(response)
    #expect(decoded.type == type, sourceLocation: sourceLocation)
}

func problem(_ response: TestResponse) throws -> ProblemJSON {
    #expect(response.headers[.contentType] == "application/problem+json")
    return try JSONDecoder().decode(ProblemJSON.self, from: Data(response.body.readableBytesView))
}

@Suite("POST /webhooks/{adapter}", .timeLimit(.minutes(1)))
struct WebhookTests {
    @Test("a signed event is accepted, committed to the inbox and normalized into an event and shipment state")
    func acceptedAndStored() async throws {
        let test = try TestGateway()
        defer { test.remove() }
        let body = TestGateway.batch([("picked_up", 8), ("hub_arrival", 14)])
        try await test.gateway.application().test(.router) { client in
            try await client.postWebhook(body) { response in
                #expect(response.status == .accepted)
                struct Accepted: Decodable {
                    var status: String
                    var inbox_id: Int64
                    var records: Int
                }
                let accepted = try JSONDecoder().decode(Accepted.self, from: Data(response.body.readableBytesView))
                #expect(accepted.status == "accepted")
                #expect(accepted.records == 2)
                let row = try await test.database.read { db in try InboxStore.record(id: accepted.inbox_id, in: db) }
                #expect(row?.body == Data(body.utf8))
                #expect(row?.adapter == "integrator")
            }
            await test.gateway.normalizer.waitUntilIdle()
        }
        #expect(try await test.inboxCounts() == [.normalized: 1])
        #expect(try await test.eventCount() == 2)
        let shipment = try await test.database.read { db in
            try ShipmentStore.shipment(ShipmentKey(carrier: "sf-express", trackingNumber: "SF1400000001"), in: db)
        }
        #expect(shipment?.milestone == .hubArrival)
        #expect(shipment?.node.facilityName == "杭州转运中心")
    }

    @Test("a bad, stale or missing signature is refused with 401 and nothing is stored")
    func badSignature() async throws {
        let test = try TestGateway()
        defer { test.remove() }
        let body = TestGateway.batch([("picked_up", 8)])
        let cases: [HTTPFields] = [
            TestGateway.signedHeaders(body, secret: "wrong-secret"),
            TestGateway.signedHeaders(body, time: Date().addingTimeInterval(-600)),
            TestGateway.signedHeaders(body, time: Date().addingTimeInterval(600)),
            TestGateway.signedHeaders(#"{"events": []}"#),  // signature of another body
            [.contentType: "application/json"],
        ]
        try await test.gateway.application().test(.router) { client in
            for headers in cases {
                try await client.postWebhook(body, headers: headers) { response in
                    #expect(response.status == .unauthorized)
                    try expectProblem(response, type: "urn:delaygate:problem:invalid-signature")
                }
            }
        }
        #expect(try await test.inboxCounts().isEmpty)
        #expect(try await test.eventCount() == 0)
    }

    @Test("the same event delivered five times is stored once")
    func duplicates() async throws {
        let test = try TestGateway()
        defer { test.remove() }
        let body = TestGateway.batch([("picked_up", 8), ("hub_arrival", 14)], idPrefix: "evt")
        try await test.gateway.application().test(.router) { client in
            for _ in 0..<5 {
                try await client.postWebhook(body) { #expect($0.status == .accepted) }
            }
            await test.gateway.normalizer.waitUntilIdle()
        }
        #expect(try await test.inboxCounts() == [.normalized: 5])  // every delivery is kept raw
        #expect(try await test.eventCount() == 2)
        let shipment = try await test.database.read { db in
            try ShipmentStore.shipment(ShipmentKey(carrier: "sf-express", trackingNumber: "SF1400000001"), in: db)
        }
        #expect(shipment?.eventCount == 2)
    }

    @Test("a late hub_arrival after delivered is stored but does not reopen the shipment")
    func outOfOrder() async throws {
        let test = try TestGateway()
        defer { test.remove() }
        try await test.gateway.application().test(.router) { client in
            for events in [[("picked_up", 8)], [("delivered", 20)], [("hub_arrival", 14)]] {
                let body = TestGateway.batch(events)
                try await client.postWebhook(body) { #expect($0.status == .accepted) }
                await test.gateway.normalizer.waitUntilIdle()
            }
        }
        #expect(try await test.eventCount() == 3)
        let shipment = try await test.database.read { db in
            try ShipmentStore.shipment(ShipmentKey(carrier: "sf-express", trackingNumber: "SF1400000001"), in: db)
        }
        #expect(shipment?.milestone == .delivered)
        #expect(shipment?.state == .closed)
    }

    @Test("a verified but malformed body is answered 400 and kept in the inbox as rejected")
    func malformed() async throws {
        let test = try TestGateway()
        defer { test.remove() }
        let body = #"{"events": [ {"carrier": "sf-express""#
        try await test.gateway.application().test(.router) { client in
            try await client.postWebhook(body) { response in
                #expect(response.status == .badRequest)
                let problem = try problem(response)
                #expect(problem.type == "urn:delaygate:problem:malformed-payload")
                #expect(problem.detail?.contains("malformed JSON") == true)
                let id = try #require(problem.inbox_id)
                let row = try await test.database.read { db in try InboxStore.record(id: id, in: db) }
                #expect(row?.state == .rejected)
                #expect(row?.body == Data(body.utf8))
                #expect(row?.reason?.contains("malformed JSON") == true)
            }
        }
        #expect(try await test.eventCount() == 0)
    }

    @Test("a partially bad batch keeps the good events and lists the bad items")
    func partialBatch() async throws {
        let test = try TestGateway()
        defer { test.remove() }
        let body =
            #"{"events": [{"carrier": "zto", "tracking_number": "Z1", "time": "2026-11-11T08:00:00Z", "milestone": "picked_up"}, {"carrier": "zto", "time": "bad"}]}"#
        try await test.gateway.application().test(.router) { client in
            try await client.postWebhook(body) { response in
                #expect(response.status == .accepted)
                struct Accepted: Decodable {
                    var records: Int
                    var rejected_items: [RejectedItem]
                }
                let accepted = try JSONDecoder().decode(Accepted.self, from: Data(response.body.readableBytesView))
                #expect(accepted.records == 1)
                #expect(accepted.rejected_items.map(\.index) == [1])
            }
            await test.gateway.normalizer.waitUntilIdle()
        }
        let row = try #require(try await test.database.read { db in try InboxStore.list(limit: 1, in: db) }.first)
        #expect(row.state == .normalized)
        #expect(row.reason?.contains("item 1") == true)
    }

    @Test("unknown adapter 404, wrong media type 415, body over the limit 413, all as problem+json")
    func clientErrors() async throws {
        let test = try TestGateway(bodyLimit: .kibibytes(1))
        defer { test.remove() }
        let body = TestGateway.batch([("picked_up", 8)])
        let big = #"{"events": [], "padding": "\#(String(repeating: "x", count: 2048))"}"#
        try await test.gateway.application().test(.router) { client in
            try await client.execute(
                uri: "/webhooks/nope", method: .post, headers: TestGateway.signedHeaders(body),
                body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .notFound)
                try expectProblem(response, type: "urn:delaygate:problem:unknown-adapter")
            }
            var plain = TestGateway.signedHeaders(body)
            plain[.contentType] = "text/plain"
            try await client.postWebhook(body, headers: plain) {
                #expect($0.status == .unsupportedMediaType)
                try expectProblem($0, type: "urn:delaygate:problem:unsupported-media-type")
            }
            try await client.postWebhook(big) {
                #expect($0.status == .contentTooLarge)
                try expectProblem($0, type: "urn:delaygate:problem:payload-too-large")
            }
            try await client.execute(uri: "/no/such/route", method: .get) {
                #expect($0.status == .notFound)
                try expectProblem($0, type: "urn:delaygate:problem:not-found")
            }
            // A known path with another method: 405 and the methods it takes (RFC 9110 §15.5.6).
            for (method, uri, allow) in [
                (HTTPRequest.Method.delete, "/webhooks/integrator", "POST"), (.post, "/healthz", "GET, HEAD"),
                (.patch, "/v1/outbox/7/replay", "POST"), (.put, "/v1/shipments/sf/SF1", "GET, HEAD"),
            ] {
                try await client.execute(uri: uri, method: method) {
                    #expect($0.status == .methodNotAllowed, "\(method) \(uri)")
                    #expect($0.headers[.allow] == allow, "\(method) \(uri)")
                    try expectProblem($0, type: "urn:delaygate:problem:method-not-allowed")
                }
            }
            // HEAD is answered wherever GET is.
            try await client.execute(uri: "/healthz", method: .head) { #expect($0.status == .ok) }
        }
        #expect(try await test.inboxCounts().isEmpty)
    }

    @Test("an adapter whose secret variable is unset answers 503 naming the variable")
    func missingSecret() async throws {
        let test = try TestGateway(environment: [:])
        defer { test.remove() }
        let body = TestGateway.batch([("picked_up", 8)])
        try await test.gateway.application().test(.router) { client in
            try await client.postWebhook(body) { response in
                #expect(response.status == .serviceUnavailable)
                let problem = try problem(response)
                #expect(problem.type == "urn:delaygate:problem:adapter-unavailable")
                #expect(problem.missing_variables == ["TEST_HOOK_SECRET"])
                #expect(problem.detail?.contains("TEST_HOOK_SECRET") == true)
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
        #expect(try await test.inboxCounts().isEmpty)
    }

    @Test("inbox reprocess re-normalizes rows rejected before a fix")
    func reprocess() async throws {
        // The adapter at first has no default carrier, so events without one are rejected.
        let test = try TestGateway()
        defer { test.remove() }
        let body =
            #"{"events": [{"tracking_number": "YT9", "time": "2026-11-11T08:00:00+08:00", "milestone": "picked_up"}]}"#
        try await test.gateway.application().test(.router) { client in
            try await client.postWebhook(body) { #expect($0.status == .badRequest) }
        }
        #expect(try await test.inboxCounts() == [.rejected: 1])

        // The fix: the adapter now names the carrier. Reprocessing uses the adapters as they are now.
        let fixed = AdapterCatalog.load(
            directory: test.gateway.configuration.adaptersDirectory,
            environment: ["TEST_HOOK_SECRET": TestGateway.secret])
        try (TestGateway.integrator + "\n  carrier: yto\n").write(
            toFile: test.gateway.configuration.adaptersDirectory + "/integrator.yaml", atomically: true, encoding: .utf8
        )
        let reloaded = AdapterCatalog.load(
            directory: test.gateway.configuration.adaptersDirectory,
            environment: ["TEST_HOOK_SECRET": TestGateway.secret])
        #expect(fixed.catalog.names == reloaded.catalog.names)

        let report = try await InboxReprocessor(database: test.database, catalog: reloaded.catalog).reprocess(states: [
            .rejected
        ])
        #expect(report.rows == 1)
        #expect(report.summary.normalized == 1)
        #expect(report.summary.eventsInserted == 1)
        #expect(try await test.inboxCounts() == [.normalized: 1])
        let shipment = try await test.database.read { db in
            try ShipmentStore.shipment(ShipmentKey(carrier: "yto", trackingNumber: "YT9"), in: db)
        }
        #expect(shipment?.milestone == .pickedUp)

        // Reprocessing again stores nothing twice.
        let again = try await InboxReprocessor(database: test.database, catalog: reloaded.catalog).reprocess(
            states: Set(InboxState.allCases))
        #expect(again.summary.eventsInserted == 0)
        #expect(again.summary.duplicateEvents == 1)
        #expect(try await test.eventCount() == 1)
    }

    @Test("inbox reprocess works in transactions sized to its lock budget, halving when over it and doubling when well under")
    func reprocessTransactionsFollowTheBudget() async throws {
        let test = try TestGateway()
        defer { test.remove() }
        try await test.gateway.application().test(.router) { client in
            for index in 0..<40 {
                let body = TestGateway.batch(tracking: "SF15\(index)", [("picked_up", 8)])
                try await client.postWebhook(body) { #expect($0.status == .accepted) }
            }
            await test.gateway.normalizer.waitUntilIdle()
        }
        let catalog = test.gateway.catalog
        // Every transaction is over a budget of a nanosecond: 16, 8, 4, 2, then one row at a time.
        let strict = try await InboxReprocessor(
            database: test.database, catalog: catalog, transactionBudget: .nanoseconds(1), pause: .zero
        ).reprocess(states: [.normalized])
        #expect(strict.rows == 40)
        #expect(strict.transactions == 4 + 10)
        // Every transaction is well under ten seconds: 16, then the 24 left.
        let lenient = try await InboxReprocessor(
            database: test.database, catalog: catalog, transactionBudget: .seconds(10), pause: .zero
        ).reprocess(states: [.normalized])
        #expect(lenient.rows == 40)
        #expect(lenient.transactions == 2)
        #expect(lenient.summary.duplicateEvents == 40)
        #expect(try await test.eventCount() == 40)
    }

    @Test("rows left pending by a crash are normalized when the gateway starts")
    func recoveryAtStart() async throws {
        let test = try TestGateway()
        defer { test.remove() }
        let body = TestGateway.batch([("picked_up", 8), ("hub_arrival", 12)])
        // Simulate a crash between the inbox commit and normalization.
        _ = try await test.database.write { db in
            try InboxStore.append(
                InboxEntry(
                    adapter: "integrator", contentType: "application/json", body: Data(body.utf8), receivedAt: Date(),
                    state: .pending),
                in: db)
        }
        // The next process on the same database finds the row and normalizes it.
        let restarted = try Gateway(configuration: test.gateway.configuration, catalog: test.gateway.catalog)
        try await restarted.application().test(.router) { _ in
            await restarted.normalizer.waitUntilIdle()
        }
        #expect(try await test.inboxCounts() == [.normalized: 1])
        #expect(try await test.eventCount() == 2)
    }
}

@Suite("Operations endpoints", .timeLimit(.minutes(1)))
struct OperationsTests {
    @Test("/metrics exposes requests, inbox commits, batch sizes, failures and lag")
    func metrics() async throws {
        let test = try TestGateway()
        defer { test.remove() }
        let good = TestGateway.batch([("picked_up", 8)])
        let bad = "{"
        try await test.gateway.application().test(.router) { client in
            try await client.postWebhook(good) { #expect($0.status == .accepted) }
            try await client.postWebhook(bad) { #expect($0.status == .badRequest) }
            await test.gateway.normalizer.waitUntilIdle()
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                for expected in [
                    #"delaygate_http_requests_total{method="POST",route="/webhooks/{adapter}",status="202"} 1"#,
                    #"delaygate_http_requests_total{method="POST",route="/webhooks/{adapter}",status="400"} 1"#,
                    #"delaygate_inbox_commits_total{adapter="integrator",state="pending"} 1"#,
                    #"delaygate_inbox_commits_total{adapter="integrator",state="rejected"} 1"#,
                    "delaygate_group_commit_batch_size_count",
                    "delaygate_normalize_lag_seconds_count 1",
                    "delaygate_events_stored_total 1",
                    "delaygate_normalize_queue_depth 0",
                ] {
                    #expect(text.contains(expected), "missing \(expected)")
                }
            }
        }
    }

    @Test("a live server on an ephemeral 127.0.0.1 port accepts a signed webhook")
    func live() async throws {
        let test = try TestGateway(port: 0)
        defer { test.remove() }
        let body = TestGateway.batch([("picked_up", 8)])
        try await test.gateway.application().test(.live) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
            }
            try await client.postWebhook(body) { #expect($0.status == .accepted) }
        }
        #expect(try await test.inboxCounts()[.normalized] == 1)
    }
}

@Suite("Gateway alerting")
struct GatewayAlertingTests {
    @Test("the live normalizer teaches the engine every dwell a parcel completes, and the model is saved")
    func liveLearning() async throws {
        let test = try TestGateway()
        defer { test.remove() }
        // Picked up at 08:00, at the hub at 14:00: a 6 h dwell at the pick-up node.
        try await test.gateway.application().test(.router) { client in
            try await client.postWebhook(TestGateway.batch([("picked_up", 8), ("hub_arrival", 14)])) {
                #expect($0.status == .accepted)
            }
            await test.gateway.normalizer.waitUntilIdle()
        }
        // Saved when the scheduler stopped with the application.
        let stored = try await test.database.read { db in try LearnedStateStore.load(.baselines, in: db) }
        let pickUp = stored.keys.filter { $0.hasSuffix("|picked_up") }
        #expect(!pickUp.isEmpty, "no dwell was learned from live traffic: \(stored.keys.sorted())")
    }

    @Test("a webhook about a parcel stalled for days leads to one urgent alert with its planned actions")
    func stalledParcelAlerts() async throws {
        let test = try TestGateway()
        defer { test.remove() }
        // 2026-11-11 14:00 +08:00: far longer ago than 1.5 × the hub's expected dwell.
        let body = TestGateway.batch([("picked_up", 8), ("hub_arrival", 14)])
        try await test.gateway.application().test(.router) { client in
            try await client.postWebhook(body) { response in #expect(response.status == .accepted) }
            await test.gateway.normalizer.waitUntilIdle()
            // The running scheduler may already have judged it; a tick now must not repeat the alert.
            try await test.gateway.scheduler.tick(now: Date())
        }
        let key = ShipmentKey(carrier: "sf-express", trackingNumber: "SF1400000001")
        let (alerts, actions) = try await test.database.read { db in
            let alerts = try AlertStore.alerts(for: key, in: db)
            return (alerts, try alerts.map { try AlertStore.actions(forAlert: $0.id, in: db) })
        }
        #expect(alerts.map(\.level) == ["urgent"])
        #expect(alerts.first?.scenario == "dwell")
        #expect(alerts.first?.reasonZH.hasPrefix("在杭州转运中心停留") == true)
        #expect(actions == [["helpdesk_ticket", "voice_callback"]])
    }

    @Test("a normalizer cancelled before its first scan returns instead of retrying the scan for ever")
    func cancelledNormalizerReturns() async throws {
        let test = try TestGateway()
        defer { test.remove() }
        _ = try await test.database.write { db in
            try InboxStore.append(
                InboxEntry(
                    adapter: "integrator", contentType: "application/json",
                    body: Data(TestGateway.batch([("picked_up", 8)]).utf8), receivedAt: Date(), state: .pending),
                in: db)
        }
        // A new process finds the row; cancelled before it starts, its every database read fails.
        let restarted = try Gateway(configuration: test.gateway.configuration, catalog: test.gateway.catalog)
        let run = Task { try await restarted.normalizer.run() }
        run.cancel()
        try await run.value
        // The row waits, untouched, for the start-up scan of the next run.
        #expect(try await test.inboxCounts()[.pending] == 1)
    }
}
