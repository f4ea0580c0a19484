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

@Suite("The /v1 API's routes", .timeLimit(.minutes(1)))
struct APIRouteTests {
    static func json(_ token: String) -> HTTPFields {
        var headers = TestAPI.bearer(token)
        headers[.contentType] = "application/json"
        return headers
    }

    @Test("POST /v1/events and /v1/orders store through the inbox; a bad body is kept as rejected and listed")
    func ingest() async throws {
        let api = try await TestAPI.make()
        let test = try TestGateway(authorization: api.server)
        defer { test.remove() }
        let token = try await api.token(Scope.all)
        let order = #"{"orders":[{"id":"SO-1","customer":{"id":"C1","phone":"+8613800138000","preferred_channel":"sms"},"destination":{"city":"杭州市","region":"浙江省","country":"CN"},"value":{"amount":"199.00","currency":"CNY"},"promised_delivery_date":"2026-11-14","shipments":[{"carrier":"sf-express","tracking_number":"SF1400000001"}],"updated_at":"2026-11-11T10:00:00+08:00"}]}"#
        try await test.gateway.application().test(.router) { client in
            try await client.execute(
                uri: "/v1/events", method: .post, headers: Self.json(token),
                body: ByteBuffer(string: TestGateway.batch([("picked_up", 8)]))
            ) { response in
                #expect(response.status == .accepted, "\(response.text)")
                let records = try response.json()["records"] as? Int
                #expect(records == 1)
            }
            try await client.execute(
                uri: "/v1/orders", method: .post, headers: Self.json(token), body: ByteBuffer(string: order)
            ) { response in #expect(response.status == .accepted, "\(response.text)") }
            try await client.execute(
                uri: "/v1/events", method: .post, headers: Self.json(token), body: ByteBuffer(string: "{not json")
            ) { response in
                #expect(response.status == .badRequest)
                let rejected = try problem(response)
                #expect(rejected.inbox_id != nil)
            }
            // The API's adapters are not webhook routes.
            try await client.postWebhook("{}", adapter: APIInboundAdapter.eventsName) { response in
                #expect(response.status == .notFound)
                let detail = try problem(response).detail ?? ""
                #expect(detail.contains("POST /v1/events"))
            }
            await test.gateway.normalizer.waitUntilIdle()
            try await client.execute(
                uri: "/v1/inbox?state=rejected", method: .get, headers: TestAPI.bearer(token)
            ) { response in
                let rows = try response.json()["rows"] as? [[String: Any]] ?? []
                #expect(rows.map { $0["adapter"] as? String } == ["api-events"])
                #expect(rows.first?["body"] as? String == "{not json")
            }
            try await client.execute(
                uri: "/v1/shipments/sf-express/SF1400000001", method: .get, headers: TestAPI.bearer(token)
            ) { response in
                #expect(response.status == .ok, "\(response.text)")
                let json = try response.json()
                #expect(json["milestone"] as? String == "picked_up")
                #expect(json["order_ids"] as? [String] == ["SO-1"])
                #expect((json["timeline"] as? [[String: Any]])?.count == 1)
                #expect((json["dwell"] as? [String: Any])?["expected_seconds"] as? Double ?? 0 > 0)
            }
            try await client.execute(
                uri: "/v1/shipments/sf-express/NOPE", method: .get, headers: TestAPI.bearer(token)
            ) { response in #expect(response.status == .notFound) }
        }
        #expect(try await test.inboxCounts() == [.normalized: 2, .rejected: 1])
    }

    @Test("GET /v1/alerts filters by level, scenario, state and time, pages by cursor, refuses bad parameters")
    func alerts() async throws {
        let api = try await TestAPI.make()
        let test = try TestGateway(authorization: api.server)
        defer { test.remove() }
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        try await test.database.write { db in
            for index in 0..<7 {
                let level = index < 5 ? "warning" : "urgent"
                let episode = try AlertStore.openEpisode(
                    subject: "sf-express|SF\(index)", track: "node", level: level, scenario: "dwell", anchor: nil,
                    at: start, in: db)
                if index == 6 { try AlertStore.close(episode: episode, recovery: "moved on", at: start, in: db) }
                try AlertStore.record(
                    NewAlert(
                        shipment: ShipmentKey(carrier: "sf-express", trackingNumber: "SF\(index)"), orderID: nil,
                        level: level, scenario: index == 4 ? "customs" : "dwell", reasonZH: "停留", reasonEN: "stalled",
                        details: #"{"dwell_seconds":100}"#, region: "浙江省", facility: "571WA"),
                    episode: episode, actions: [], at: start.addingTimeInterval(Double(index) * 3600), in: db)
            }
        }
        let token = try await api.token([Scope.alertsRead])
        try await test.gateway.application().test(.router) { client in
            func ids(_ query: String) async throws -> (ids: [Int], next: String?) {
                try await client.execute(uri: "/v1/alerts\(query)", method: .get, headers: TestAPI.bearer(token)) {
                    response in
                    #expect(response.status == .ok, "\(query): \(response.text)")
                    let json = try response.json()
                    return (
                        (json["alerts"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int },
                        json["next_cursor"] as? String
                    )
                }
            }
            #expect(try await ids("").ids == [7, 6, 5, 4, 3, 2, 1])
            #expect(try await ids("?level=urgent").ids == [7, 6])
            #expect(try await ids("?level=urgent,warning&scenario=customs").ids == [5])
            #expect(try await ids("?state=closed").ids == [7])
            #expect(try await ids("?state=open&level=urgent").ids == [6])
            #expect(try await ids("?from=2026-11-18T13:00:00Z&to=2026-11-18T16:00:00Z").ids.count == 3)
            let first = try await ids("?limit=3")
            #expect(first.ids == [7, 6, 5])
            let second = try await ids("?limit=3&cursor=\(first.next ?? "")")
            #expect(second.ids == [4, 3, 2])
            let last = try await ids("?limit=3&cursor=\(second.next ?? "")")
            #expect(last.ids == [1])
            #expect(last.next == nil)
            for bad in ["?level=severe", "?state=done", "?from=yesterday", "?limit=0", "?limit=501", "?cursor=x",
                "?levle=urgent"]
            {
                try await client.execute(uri: "/v1/alerts\(bad)", method: .get, headers: TestAPI.bearer(token)) {
                    response in
                    #expect(response.status == .badRequest, "\(bad)")
                    let type = try problem(response).type
                    #expect(type == "urn:delaygate:problem:invalid-query")
                }
            }
            try await client.execute(uri: "/v1/alerts?limit=1", method: .get, headers: TestAPI.bearer(token)) {
                response in
                let alert = try #require((try response.json()["alerts"] as? [[String: Any]])?.first)
                #expect(alert["state"] as? String == "closed")
                #expect(alert["recovery"] as? String == "moved on")
                #expect((alert["details"] as? [String: Any])?["dwell_seconds"] as? Int == 100)
                #expect((alert["reason"] as? [String: String]) == ["zh": "停留", "en": "stalled"])
                #expect(alert["facility"] as? String == "571WA")
            }
        }
    }

    @Test("admin: the outbox is listed and a dead delivery replayed once; adapters report their health")
    func admin() async throws {
        let api = try await TestAPI.make()
        let test = try TestGateway(authorization: api.server)
        defer { test.remove() }
        let now = Date()
        try await test.database.write { db in
            for key in ["dead-1", "pending-1"] {
                try OutboxStore.enqueue(
                    NewDelivery(idempotencyKey: key, alertID: nil, action: "notify_customer", adapter: "twilio", request: "{}"),
                    at: now, in: db)
            }
            try db.execute(
                sql: "UPDATE outbox SET state = 'dead', last_error = 'HTTP 400: bad To +8613800138000' WHERE idempotency_key = 'dead-1'")
        }
        let token = try await api.token([Scope.admin])
        try await test.gateway.application().test(.router) { client in
            try await client.execute(uri: "/v1/outbox?state=dead", method: .get, headers: TestAPI.bearer(token)) {
                response in
                let json = try response.json()
                let rows = json["deliveries"] as? [[String: Any]] ?? []
                #expect(rows.map { $0["idempotency_key"] as? String } == ["dead-1"])
                let error = rows.first?["last_error"] as? String ?? ""
                #expect(error.hasPrefix("HTTP 400: bad To +") && error.hasSuffix("8000"))
                #expect(!error.contains("13800138000"), "phone numbers are masked")
                #expect((json["counts"] as? [String: Int])?["dead"] == 1)
            }
            try await client.execute(uri: "/v1/outbox/1/replay", method: .post, headers: TestAPI.bearer(token)) {
                response in
                #expect(response.status == .ok, "\(response.text)")
                let state = try response.json()["state"] as? String
                #expect(state == "pending")
            }
            try await client.execute(uri: "/v1/outbox/1/replay", method: .post, headers: TestAPI.bearer(token)) {
                response in
                #expect(response.status == .conflict)
                let type = try problem(response).type
                #expect(type == "urn:delaygate:problem:not-dead")
            }
            try await client.execute(uri: "/v1/outbox/99/replay", method: .post, headers: TestAPI.bearer(token)) {
                #expect($0.status == .notFound)
            }
            // One good and one forged webhook: the adapter's health shows both.
            try await client.postWebhook(TestGateway.batch([("picked_up", 8)])) { #expect($0.status == .accepted) }
            try await client.postWebhook(
                "{}", headers: [.contentType: "application/json", HTTPField.Name("X-DelayGate-Signature")!: "t=1,v1=00"]
            ) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/adapters", method: .get, headers: TestAPI.bearer(token)) { response in
                let adapters = try response.json()["adapters"] as? [[String: Any]] ?? []
                let integrator = try #require(adapters.first { $0["name"] as? String == "integrator" })
                #expect(integrator["direction"] as? String == "inbound")
                #expect(integrator["successes"] as? Int == 1)
                #expect(integrator["failures"] as? Int == 1)
                #expect(integrator["error_rate"] as? Double == 0.5)
                #expect(integrator["status"] as? String == "failing")
                #expect((integrator["last_error"] as? String)?.hasPrefix("verification failed") == true)
                #expect(integrator["last_success_at"] is String)
            }
        }
        let pending = try await test.database.read { db in try OutboxStore.counts(in: db)[.pending] }
        #expect(pending == 2)
    }
}
