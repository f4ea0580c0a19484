import DelayGateAdapters
import DelayGateAuth
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

@Suite("Closed loop: solved helpdesk tickets feed the alert, the knowledge graph and the node's threshold")
struct FeedbackLoopTests {
    static let zendeskSecret = "zendesk-webhook-signing-secret"
    static let adapters = [
        "integrator.yaml": TestGateway.integrator,
        "zendesk-feedback.yaml": """
        kind: zendesk-ticket-event
        verification:
          secret: ${ZD_WEBHOOK_SECRET}
        """,
    ]

    /// One parcel that arrived at hub 571WA long ago and has not moved since.
    static func stalled(_ tracking: String) -> String {
        #"{"events":[{"event_id":"\#(tracking)-1","carrier":"sf-express","tracking_number":"\#(tracking)","time":"2026-11-20T10:00:00+08:00","milestone":"hub_arrival","node":{"facility_code":"571WA","facility_name":"杭州转运中心","city":"杭州市","region":"浙江省","country":"CN"}}]}"#
    }

    /// A Zendesk trigger's body for a solved ticket, as the admin's template renders it.
    static func solved(ticket: String, key: String, outcome: String, cause: String, resolution: String, at: Date)
        -> String
    {
        #"{"ticket_id":"\#(ticket)","external_id":"\#(key)","status":"Solved","outcome":"\#(outcome)","cause":"\#(cause)","resolution":"\#(resolution)","updated_at":"\#(ISO8601DateFormatter().string(from: at))"}"#
    }

    @Test("three false alarms raise the node's factor once; a confirmed delay brings it halfway back")
    func closedLoop() async throws {
        let api = try await TestAPI.make()
        let test = try TestGateway(
            adapters: Self.adapters,
            environment: ["TEST_HOOK_SECRET": TestGateway.secret, "ZD_WEBHOOK_SECRET": Self.zendeskSecret],
            authorization: api.server)
        defer { test.remove() }
        let parcels = (1...5).map { "SF97100000\($0)" }
        let token = try await api.token(Scope.all)
        let now = Date()
        try await test.gateway.application().test(.router) { client in
            for parcel in parcels {
                try await client.postWebhook(Self.stalled(parcel)) { #expect($0.status == .accepted) }
            }
            await test.gateway.normalizer.waitUntilIdle()
            // The running scheduler may have judged them already; a tick now must not repeat an alert.
            try await test.gateway.scheduler.tick(now: Date())

            // The dispatcher delivered one ticket per alert two hours ago; Zendesk numbered them.
            let keys = try await test.database.write { db -> [String: (key: String, ticket: String)] in
                var keys: [String: (String, String)] = [:]
                for (index, parcel) in parcels.enumerated() {
                    let alert = try #require(
                        try AlertStore.alerts(for: ShipmentKey(carrier: "sf-express", trackingNumber: parcel), in: db)
                            .first)
                    let key = "episode:\(alert.episodeID):\(alert.level):helpdesk_ticket"
                    try OutboxStore.enqueue(
                        NewDelivery(
                            idempotencyKey: key, alertID: alert.id, action: "helpdesk_ticket", adapter: "zendesk",
                            request: "{}", helpdeskGroup: "101"), at: now, in: db)
                    try db.execute(
                        sql: "UPDATE outbox SET state = 'delivered', receipt = ?, delivered_at = ? WHERE idempotency_key = ?",
                        arguments: ["\(35_000 + index)", now.addingTimeInterval(-7200).millisecondsSince1970, key])
                    keys[parcel] = (key, "\(35_000 + index)")
                }
                return keys
            }
            let before = try await Self.dwell(of: parcels[4], client: client, token: token)
            #expect(before.factor == 1)

            func report(_ body: String) async throws {
                try await client.execute(
                    uri: "/webhooks/zendesk-feedback", method: .post,
                    headers: ZendeskWebhookVerifier.headers(body: Data(body.utf8), secret: Self.zendeskSecret, time: Date())
                        .merging([.contentType: "application/json"]),
                    body: ByteBuffer(string: body)
                ) { response in #expect(response.status == .accepted, "\(response.text)") }
            }
            for (index, parcel) in parcels.prefix(3).enumerated() {
                let (key, ticket) = keys[parcel]!
                // The second report does not echo our key: the ticket is found by Zendesk's id.
                try await report(
                    Self.solved(
                        ticket: ticket, key: index == 1 ? "" : key, outcome: "false_alarm", cause: "扫描积压",
                        resolution: "无需处理", at: now))
            }
            // Zendesk retries a webhook: the repeat changes nothing.
            try await report(
                Self.solved(
                    ticket: keys[parcels[0]]!.ticket, key: keys[parcels[0]]!.key, outcome: "false_alarm",
                    cause: "扫描积压", resolution: "无需处理", at: now))
            // A ticket DelayGate never opened is accepted and ignored.
            try await report(
                Self.solved(ticket: "99999", key: "", outcome: "false_alarm", cause: "x", resolution: "y", at: now))
            // A forged report is refused.
            try await client.execute(
                uri: "/webhooks/zendesk-feedback", method: .post,
                headers: ZendeskWebhookVerifier.headers(body: Data("{}".utf8), secret: "wrong", time: Date()).merging(
                    [.contentType: "application/json"]), body: ByteBuffer(string: "{}")
            ) { response in #expect(response.status == .unauthorized) }
            await test.gateway.normalizer.waitUntilIdle()

            // The alerts carry what the agents concluded.
            let alerts = try await client.execute(
                uri: "/v1/alerts?facility=571WA", method: .get, headers: TestAPI.bearer(token)
            ) { try $0.json()["alerts"] as? [[String: Any]] ?? [] }
            #expect(alerts.count == 5)
            let withFeedback = alerts.compactMap { $0["feedback"] as? [String: Any] }
            #expect(withFeedback.count == 3)
            #expect(withFeedback.allSatisfy { $0["outcome"] as? String == "false_alarm" })
            #expect(withFeedback.allSatisfy { ($0["handling_seconds"] as? Double).map { abs($0 - 7200) < 1 } == true })

            // The graph and the threshold after three false alarms in a row.
            let insights = try await Self.insights(client: client, token: token)
            #expect(insights["resolved"] as? Int == 3)
            #expect(insights["false_alarms"] as? Int == 3)
            #expect(insights["false_alarm_rate"] as? Double == 1)
            #expect(insights["feedback_factor"] as? Double == 1.1)
            let causes = insights["top_causes"] as? [[String: Any]] ?? []
            #expect(causes.first?["name"] as? String == "扫描积压")
            #expect(causes.first?["count"] as? Int == 3)
            #expect((insights["resolutions_that_worked"] as? [Any])?.isEmpty == true, "false alarms resolve nothing")
            let adjustments = insights["adjustments"] as? [[String: Any]] ?? []
            #expect(adjustments.count == 1)
            #expect((adjustments.first?["reason"] as? String)?.hasPrefix("3 false alarms in a row") == true)
            #expect(abs((insights["median_handling_seconds"] as? Double ?? 0) - 7200) < 1)

            // The node's expected dwell grew by the factor.
            let after = try await Self.dwell(of: parcels[4], client: client, token: token)
            #expect(after.factor == 1.1)
            #expect(abs(after.expected - before.expected * 1.1) <= 1, "\(before.expected) → \(after.expected)")

            // A confirmed delay moves the factor halfway back and records what worked.
            let (key, ticket) = keys[parcels[3]]!
            try await report(
                Self.solved(
                    ticket: ticket, key: key, outcome: "confirmed_delay", cause: "台风停运", resolution: "改派顺丰",
                    at: now))
            await test.gateway.normalizer.waitUntilIdle()
            let confirmed = try await Self.insights(client: client, token: token)
            #expect(confirmed["feedback_factor"] as? Double == 1.05)
            #expect(confirmed["false_alarm_streak"] as? Int == 0)
            #expect(confirmed["false_alarm_rate"] as? Double == 0.75)
            let worked = confirmed["resolutions_that_worked"] as? [[String: Any]] ?? []
            #expect(worked.map { $0["name"] as? String } == ["改派顺丰"])
            #expect((confirmed["adjustments"] as? [Any])?.count == 2)
            #expect(try await Self.dwell(of: parcels[4], client: client, token: token).factor == 1.05)
        }
        // Solved tickets no longer count towards their group's load, and the graph links the node's context.
        let (open, graph) = try await test.database.read { db in
            (
                try OutboxStore.openTickets(adapter: "zendesk", in: db),
                try KnowledgeGraphStore.edges(from: GraphEntity(.carrier, "sf-express"), "operates", in: db)
            )
        }
        #expect(open == ["101": 1])
        #expect(graph.map(\.target) == [GraphEntity(.facility, "571WA")])
        let factor = try await test.database.read { db in try FeedbackStore.node("571WA", in: db)?.factor }
        #expect(factor == 1.05, "the factor is stored, so a restart keeps it")
    }

    static func dwell(of parcel: String, client: some TestClientProtocol, token: String) async throws -> (
        expected: Double, factor: Double
    ) {
        try await client.execute(
            uri: "/v1/shipments/sf-express/\(parcel)", method: .get, headers: TestAPI.bearer(token)
        ) { response in
            #expect(response.status == .ok, "\(response.text)")
            let dwell = try response.json()["dwell"] as? [String: Any] ?? [:]
            return (dwell["expected_seconds"] as? Double ?? 0, dwell["feedback_factor"] as? Double ?? 0)
        }
    }

    static func insights(client: some TestClientProtocol, token: String) async throws -> [String: Any] {
        try await client.execute(uri: "/v1/insights/nodes/571WA", method: .get, headers: TestAPI.bearer(token)) {
            response in
            #expect(response.status == .ok, "\(response.text)")
            return try response.json()
        }
    }
}

extension HTTPFields {
    func merging(_ other: HTTPFields) -> HTTPFields {
        var fields = self
        for field in other { fields[field.name] = field.value }
        return fields
    }
}
