import DelayGateMocks
import Foundation
import Hummingbird
import NIOHTTP1
import Testing

@Suite("MockZendesk")
struct MockZendeskTests {
    static let auth = HTTP.basic("ops@example.com/token", "zd-token")

    static func mock() -> MockZendesk {
        MockZendesk(email: "ops@example.com", apiToken: "zd-token", bearerTokens: ["oauth-token"])
    }

    static let ticket: JSONValue = [
        "ticket": [
            "subject": "Parcel SF123 stalled at Shanghai hub",
            "comment": ["html_body": "<p>No scan for <b>36 h</b></p>", "public": false],
            "priority": "urgent",
            "type": "incident",
            "tags": ["delaygate", "stall"],
            "group_id": 360_001,
            "requester": ["name": "Li Wei", "email": "li.wei@example.com", "phone": "+8613800138000"],
            "external_id": "shipment:SF123",
            "custom_fields": [["id": 1001, "value": "SF123"], ["id": 1002, "value": 36]],
        ]
    ]

    @Test("a ticket is created once and answered in Zendesk's shape")
    func creates() async throws {
        let zendesk = Self.mock()
        try await MockServer.run(zendesk.router()) { base in
            let answer = try await HTTP.postJSON(
                "\(base)/api/v2/tickets.json", Self.ticket, headers: [Self.auth, ("Idempotency-Key", "k-1")])
            #expect(answer.status == 201)
            #expect(answer.header("x-idempotency-lookup") == "miss")
            let ticket = try #require(answer.json?["ticket"])
            let id = try #require(ticket["id"]?.int)
            #expect(ticket["url"]?.string == "\(base)/api/v2/tickets/\(id).json")
            #expect(ticket["subject"] == "Parcel SF123 stalled at Shanghai hub")
            #expect(ticket["priority"] == "urgent")
            #expect(ticket["status"] == "new")
            #expect(ticket["type"] == "incident")
            #expect(ticket["group_id"] == 360_001)
            #expect(ticket["tags"] == ["delaygate", "stall"])
            #expect(ticket["external_id"] == "shipment:SF123")
            #expect(ticket["custom_fields"] == [["id": 1001, "value": "SF123"], ["id": 1002, "value": 36]])
            #expect(ticket["is_public"] == false)
            #expect(ticket["requester_id"]?.int != nil)
            #expect(ticket["created_at"]?.string?.hasSuffix("Z") == true)

            let created = try #require(zendesk.created.first)
            #expect(zendesk.created.count == 1)
            #expect(created.idempotencyKey == "k-1")
            #expect(created.commentIsHTML)
            #expect(created.requester?.phone == "+8613800138000")
            #expect(created.customFields.first == MockZendesk.CustomField(id: 1001, value: "SF123"))
            #expect(zendesk.requests.first?.authScheme == "basic")

            let shown = try await HTTP.send(.GET, "\(base)/api/v2/tickets/\(id).json", headers: [Self.auth])
            #expect(shown.status == 200)
            #expect(shown.json?["ticket"]?["id"]?.int == id)
            let missing = try await HTTP.send(.GET, "\(base)/api/v2/tickets/999.json", headers: [Self.auth])
            #expect(missing.status == 404)
        }
    }

    @Test("a repeated Idempotency-Key answers the same ticket with x-idempotency-lookup: hit")
    func idempotencyHit() async throws {
        let zendesk = Self.mock()
        try await MockServer.run(zendesk.router()) { base in
            let first = try await HTTP.postJSON(
                "\(base)/api/v2/tickets", Self.ticket,
                headers: [HTTP.bearer("oauth-token"), ("Idempotency-Key", "k-1")])
            let second = try await HTTP.postJSON(
                "\(base)/api/v2/tickets.json", Self.ticket, headers: [Self.auth, ("Idempotency-Key", "k-1")])
            #expect(first.status == 201)
            #expect(second.status == 201)
            #expect(second.header("x-idempotency-lookup") == "hit")
            #expect(second.json?["ticket"]?["id"] == first.json?["ticket"]?["id"])
            #expect(zendesk.created.count == 1)
            #expect(zendesk.duplicateKeyHits == 1)

            var changed = Self.ticket.object!["ticket"]!.object!
            changed["subject"] = "Another subject"
            let mismatch = try await HTTP.postJSON(
                "\(base)/api/v2/tickets.json", ["ticket": .object(changed)],
                headers: [Self.auth, ("Idempotency-Key", "k-1")])
            #expect(mismatch.status == 400)
            #expect(mismatch.json?["error"] == "IdempotentRequestError")
            #expect(zendesk.created.count == 1)
        }
    }

    @Test(
        "wrong credentials get 401 Couldn't authenticate you",
        arguments: [
            HTTP.basic("ops@example.com/token", "wrong"), HTTP.basic("ops@example.com", "zd-token"),
            HTTP.bearer("stale"), ("X-Nothing", "1"),
        ])
    func unauthorized(header: (String, String)) async throws {
        let zendesk = Self.mock()
        try await MockServer.run(zendesk.router()) { base in
            let answer = try await HTTP.postJSON("\(base)/api/v2/tickets.json", Self.ticket, headers: [header])
            #expect(answer.status == 401)
            #expect(answer.json == ["error": "Couldn't authenticate you"])
            #expect(zendesk.created.isEmpty)
        }
    }

    @Test("a ticket without subject or comment, or with a bad priority, is RecordInvalid (422)")
    func recordInvalid() async throws {
        let zendesk = Self.mock()
        try await MockServer.run(zendesk.router()) { base in
            let answer = try await HTTP.postJSON(
                "\(base)/api/v2/tickets.json", ["ticket": ["comment": ["body": " "], "priority": "critical"]],
                headers: [Self.auth])
            #expect(answer.status == 422)
            let body = try #require(answer.json)
            #expect(body["error"] == "RecordInvalid")
            #expect(body["description"] == "Record validation errors")
            #expect(body["details"]?["subject"]?.array?.first?["description"]?.string != nil)
            #expect(body["details"]?["description"] != nil)
            #expect(body["details"]?["priority"] != nil)
            #expect(zendesk.created.isEmpty)
        }
    }

    @Test("openTickets counts unsolved tickets of a group; a ticket mounted under a prefix gets its URL right")
    func openTicketsAndPrefix() async throws {
        let zendesk = Self.mock()
        let router = Router(context: MockRequestContext.self)
        zendesk.register(on: router.group("zendesk"))
        try await MockServer.run(router) { base in
            for key in ["a", "b", "c"] {
                let answer = try await HTTP.postJSON(
                    "\(base)/zendesk/api/v2/tickets.json", Self.ticket, headers: [Self.auth, ("Idempotency-Key", key)])
                #expect(answer.json?["ticket"]?["url"]?.string?.hasPrefix("\(base)/zendesk/api/v2/tickets/") == true)
            }
            #expect(zendesk.openTickets(groupID: 360_001) == 3)
            zendesk.setStatus("solved", ticketID: zendesk.created[0].id)
            #expect(zendesk.openTickets(groupID: 360_001) == 2)
            #expect(zendesk.openTickets(groupID: 1) == 0)
        }
    }
}
