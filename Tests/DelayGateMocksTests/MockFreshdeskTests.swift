import DelayGateMocks
import Foundation
import NIOHTTP1
import Testing

@Suite("MockFreshdesk")
struct MockFreshdeskTests {
    static let auth = HTTP.basic("fd-key", "X")

    static func ticket(key: String) -> JSONValue {
        [
            "subject": "Parcel SF123 stalled", "description": "<div>No scan for <b>36 h</b></div>",
            "email": "li.wei@example.com", "name": "Li Wei", "priority": 4, "status": 2, "source": 2,
            "tags": ["delaygate"], "group_id": 77,
            "custom_fields": ["cf_delaygate_key": .string(key), "cf_tracking_number": "SF123"],
        ]
    }

    static func search(_ base: String, _ query: String) async throws -> Answer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.")
        let encoded = query.addingPercentEncoding(withAllowedCharacters: allowed)!
        return try await HTTP.send(.GET, "\(base)/api/v2/search/tickets?query=\(encoded)", headers: [auth])
    }

    @Test("a ticket is created once and answered in Freshdesk's shape")
    func creates() async throws {
        let freshdesk = MockFreshdesk(apiKey: "fd-key")
        try await MockServer.run(freshdesk.router()) { base in
            let answer = try await HTTP.postJSON(
                "\(base)/api/v2/tickets", Self.ticket(key: "k-1"), headers: [Self.auth])
            #expect(answer.status == 201)
            let body = try #require(answer.json)
            let id = try #require(body["id"]?.int)
            #expect(answer.header("Location") == "\(base)/api/v2/tickets/\(id)")
            #expect(body["subject"] == "Parcel SF123 stalled")
            #expect(body["priority"] == 4)
            #expect(body["status"] == 2)
            #expect(body["group_id"] == 77)
            #expect(body["tags"] == ["delaygate"])
            #expect(body["custom_fields"]?["cf_delaygate_key"] == "k-1")
            #expect(body["description_text"] == "No scan for 36 h")
            #expect(body["created_at"]?.string?.hasSuffix("Z") == true)
            #expect(freshdesk.created.count == 1)
            #expect(freshdesk.created[0].idempotencyKey == "k-1")
            #expect(freshdesk.openTickets(groupID: 77) == 1)

            let shown = try await HTTP.send(.GET, "\(base)/api/v2/tickets/\(id)", headers: [Self.auth])
            #expect(shown.json?["id"]?.int == id)
        }
    }

    @Test("the same cf_delaygate_key creates one ticket, and the search API finds it")
    func dedupeAndSearch() async throws {
        let freshdesk = MockFreshdesk(apiKey: "fd-key")
        try await MockServer.run(freshdesk.router()) { base in
            let none = try await Self.search(base, #""cf_delaygate_key:'k-1'""#)
            #expect(none.status == 200)
            #expect(none.json == ["results": [], "total": 0])

            let first = try await HTTP.postJSON("\(base)/api/v2/tickets", Self.ticket(key: "k-1"), headers: [Self.auth])
            let second = try await HTTP.postJSON(
                "\(base)/api/v2/tickets", Self.ticket(key: "k-1"), headers: [Self.auth])
            _ = try await HTTP.postJSON("\(base)/api/v2/tickets", Self.ticket(key: "k-2"), headers: [Self.auth])
            #expect(second.status == 201)
            #expect(second.json?["id"] == first.json?["id"])
            #expect(freshdesk.created.count == 2)
            #expect(freshdesk.duplicateKeyHits == 1)

            let found = try await Self.search(base, #""cf_delaygate_key:'k-1'""#)
            #expect(found.json?["total"] == 1)
            #expect(found.json?["results"]?.array?.first?["id"] == first.json?["id"])
            let both = try await Self.search(base, #""cf_delaygate_key:'k-1' OR cf_delaygate_key:'k-2'""#)
            #expect(both.json?["total"] == 2)
            let narrowed = try await Self.search(base, #""priority:4 AND cf_delaygate_key:'k-2'""#)
            #expect(narrowed.json?["total"] == 1)

            let unquoted = try await Self.search(base, "cf_delaygate_key:'k-1'")
            #expect(unquoted.status == 400)
            #expect(unquoted.json?["description"] == "Validation failed")
        }
    }

    @Test("a wrong API key gets invalid_credentials (401)")
    func unauthorized() async throws {
        let freshdesk = MockFreshdesk(apiKey: "fd-key")
        try await MockServer.run(freshdesk.router()) { base in
            let answer = try await HTTP.postJSON(
                "\(base)/api/v2/tickets", Self.ticket(key: "k-1"), headers: [HTTP.basic("other", "X")])
            #expect(answer.status == 401)
            #expect(
                answer.json == [
                    "code": "invalid_credentials", "message": "You have to be logged in to perform this action.",
                ])
            #expect(freshdesk.created.isEmpty)
        }
    }

    @Test("an invalid priority or an unknown field fails validation (400) in Freshdesk's shape")
    func validation() async throws {
        let freshdesk = MockFreshdesk(apiKey: "fd-key")
        try await MockServer.run(freshdesk.router()) { base in
            var ticket = Self.ticket(key: "k-1").object!
            ticket["priority"] = 9
            let answer = try await HTTP.postJSON("\(base)/api/v2/tickets", .object(ticket), headers: [Self.auth])
            #expect(answer.status == 400)
            #expect(
                answer.json == [
                    "description": "Validation failed",
                    "errors": [
                        [
                            "field": "priority", "message": "It should be one of these values: '1,2,3,4'",
                            "code": "invalid_value",
                        ]
                    ],
                ])
            ticket["priority"] = 1
            ticket["external_id"] = "x"
            let unknown = try await HTTP.postJSON("\(base)/api/v2/tickets", .object(ticket), headers: [Self.auth])
            #expect(unknown.json?["errors"]?.array?.first?["code"] == "invalid_field")
            #expect(freshdesk.created.isEmpty)
        }
    }
}
