import DelayGateAdapters
import DelayGateConfig
import DelayGateModel
import Foundation
import HTTPTypes
import Testing

/// Zendesk's documented test signing secret (webhooks created from the Admin Center send test
/// requests signed with it).
let zendeskTestSecret = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="

@Suite("Helpdesk ticket events (the closed loop's input)")
struct HelpdeskFeedbackTests {
    static let zendeskFile = """
        kind: zendesk-ticket-event
        verification:
          secret: ${ZD_SECRET}
          tolerance_seconds: 300
        fields:
          outcome: $.verdict
        outcomes:
          false_alarm: [false_alarm, 误报]
          confirmed_delay: [delayed]
        """

    func zendesk(_ file: String = HelpdeskFeedbackTests.zendeskFile) throws -> any InboundAdapter {
        try loadAdapter(file, name: "zendesk-feedback", environment: ["ZD_SECRET": zendeskTestSecret])
    }

    func request(_ body: String, timestamp: String, signature: String) -> InboundRequest {
        InboundRequest(
            headers: [
                .contentType: "application/json",
                HTTPField.Name("X-Zendesk-Webhook-Signature")!: signature,
                HTTPField.Name("X-Zendesk-Webhook-Signature-Timestamp")!: timestamp,
            ], body: Data(body.utf8))
    }

    @Test("Zendesk's signature: Base64 HMAC-SHA256 of the timestamp followed by the body, with the secret as text")
    func zendeskSignature() throws {
        let adapter = try zendesk()
        // Computed independently (Python's hmac) for Zendesk's test secret.
        let body = #"{"say": "hello"}"#
        let signedAt = try instant("2021-07-25T10:00:00Z")
        let good = request(body, timestamp: "2021-07-25T10:00:00Z", signature: "gf3v0LzLRHPUnIdhbvwRDVEvzSb07/QN0GYjSNlkBT0=")
        try adapter.verify(good, now: signedAt.addingTimeInterval(60))
        // Body first (an older page of Zendesk's docs) is not what Zendesk signs.
        #expect(throws: VerificationFailure.self) {
            try adapter.verify(
                request(body, timestamp: "2021-07-25T10:00:00Z", signature: "Rry/4TtIdFyawtXXp8QdI6tlAUUQ/5kL1OTp5qo/ZIk="),
                now: signedAt)
        }
        // Outside the tolerance: a captured request cannot be replayed later.
        #expect(throws: VerificationFailure.self) { try adapter.verify(good, now: signedAt.addingTimeInterval(301)) }
        // A tampered body, a missing header, a timestamp that is not a time.
        #expect(throws: VerificationFailure.self) {
            try adapter.verify(
                request(#"{"say": "hullo"}"#, timestamp: "2021-07-25T10:00:00Z", signature: "gf3v0LzLRHPUnIdhbvwRDVEvzSb07/QN0GYjSNlkBT0="),
                now: signedAt)
        }
        #expect(throws: VerificationFailure.self) {
            try adapter.verify(InboundRequest(headers: [.contentType: "application/json"], body: Data(body.utf8)), now: signedAt)
        }
        #expect(throws: VerificationFailure.self) {
            try adapter.verify(
                request(body, timestamp: "yesterday", signature: "gf3v0LzLRHPUnIdhbvwRDVEvzSb07/QN0GYjSNlkBT0="),
                now: signedAt)
        }
        // What the gateway signs in tests and the demo verifies.
        let now = Date()
        let headers = ZendeskWebhookVerifier.headers(body: Data(body.utf8), secret: zendeskTestSecret, time: now)
        try adapter.verify(InboundRequest(headers: headers, body: Data(body.utf8)), now: now)
    }

    @Test("a trigger's body: fields found by path, verdicts mapped without case, empty placeholders are absent")
    func trigger() throws {
        let adapter = try zendesk()
        let body = """
            {"ticket_id":"35436","external_id":"episode:12:urgent:helpdesk_ticket","status":"Solved",
             "verdict":"误报","cause":"扫描积压","resolution":"  ","updated_at":"2026-11-12T10:30:00Z"}
            """
        let report = try #require(try adapter.parse(Data(body.utf8), receivedAt: Date()).ticketFeedback.first)
        #expect(report.helpdesk == "zendesk")
        #expect(report.ticketID == "35436")
        #expect(report.externalID == "episode:12:urgent:helpdesk_ticket")
        #expect(report.isSolved)
        #expect(report.outcome == .falseAlarm)
        #expect(report.verdict == "误报")
        #expect(report.cause == "扫描积压")
        #expect(report.resolution == nil, "a blank placeholder means not set")
        #expect(report.solvedAt == (try instant("2026-11-12T10:30:00Z")))

        let pending = try #require(
            try adapter.parse(Data(#"{"ticket_id": 7, "status": "pending", "verdict": "DELAYED"}"#.utf8), receivedAt: Date())
                .ticketFeedback.first)
        #expect(!pending.isSolved)
        #expect(pending.ticketID == "7", "numbers are read as text")
        #expect(pending.outcome == .confirmedDelay)
        #expect(throws: PayloadRejection.self) { try adapter.parse(Data(#"{"status":"solved"}"#.utf8), receivedAt: Date()) }
        #expect(throws: PayloadRejection.self) { try adapter.parse(Data("not json".utf8), receivedAt: Date()) }
    }

    @Test("an event-subscription webhook: Zendesk's own envelope, status in upper case, no custom fields")
    func eventSubscription() throws {
        let adapter = try zendesk()
        let body = """
            {"account_id":12514403,"detail":{"created_at":"2026-11-11T09:12:07Z","external_id":"episode:3:urgent:helpdesk_ticket",
             "group_id":"8447320466430","id":"35436","priority":"HIGH","status":"SOLVED","subject":"包裹延误",
             "tags":["delaygate"],"type":"INCIDENT","updated_at":"2026-11-12T10:30:00Z"},
             "event":{"current":"SOLVED","meta":{"sequence":{"id":"3931","position":1}},"previous":"OPEN"},
             "id":"a8b9c1d2-3e4f-4a6b-9c8d-9e0f1a2b3c4d","subject":"zen:ticket:35436","time":"2026-11-12T10:30:00.123456789Z",
             "type":"zen:event-type:ticket.status_changed","zendesk_event_version":"2022-11-06"}
            """
        let report = try #require(try adapter.parse(Data(body.utf8), receivedAt: Date()).ticketFeedback.first)
        #expect(report.ticketID == "35436")
        #expect(report.externalID == "episode:3:urgent:helpdesk_ticket")
        #expect(report.status == "SOLVED")
        #expect(report.isSolved)
        #expect(report.outcome == nil)
        #expect(abs(report.solvedAt.timeIntervalSince(try instant("2026-11-12T10:30:00Z")) - 0.123) < 0.001)
        #expect(throws: PayloadRejection.self) {
            try adapter.parse(Data(#"{"type":"zen:event-type:ticket.status_changed","detail":{}}"#.utf8), receivedAt: Date())
        }
    }

    @Test("Freshdesk: HTTP Basic from the automation rule, Resolved by name or code")
    func freshdesk() throws {
        let file = """
            kind: freshdesk-ticket-event
            verification:
              scheme: basic
              username: freshdesk
              secret: ${FD_PASSWORD}
            fields:
              external_id: $.delaygate_key
            """
        let adapter = try loadAdapter(file, name: "freshdesk-feedback", environment: ["FD_PASSWORD": "pw-123"])
        let body = Data(
            #"{"ticket_id":"1228307","status":"Resolved","delaygate_key":"episode:5:urgent:helpdesk_ticket","outcome":"confirmed_delay","cause":"Config error","resolution":"Rotated the key"}"#
                .utf8)
        let basic = "Basic " + Data("freshdesk:pw-123".utf8).base64EncodedString()
        try adapter.verify(InboundRequest(headers: [.authorization: basic], body: body), now: Date())
        #expect(throws: VerificationFailure.self) {
            try adapter.verify(
                InboundRequest(headers: [.authorization: "Basic " + Data("freshdesk:nope".utf8).base64EncodedString()], body: body),
                now: Date())
        }
        let report = try #require(try adapter.parse(body, receivedAt: Date()).ticketFeedback.first)
        #expect(report.helpdesk == "freshdesk")
        #expect(report.externalID == "episode:5:urgent:helpdesk_ticket")
        #expect(report.isSolved)
        #expect(report.outcome == .confirmedDelay)
        let byCode = try #require(
            try adapter.parse(Data(#"{"ticket_id":"1","status":"4"}"#.utf8), receivedAt: Date()).ticketFeedback.first)
        #expect(byCode.isSolved)
    }

    @Test("configuration errors name the file and the key")
    func configurationErrors() throws {
        for (yaml, key) in [
            (
                "kind: zendesk-ticket-event\nverification:\n  secret: ${S}\n  tolerance_seconds: 0\n",
                "verification.tolerance_seconds"
            ),
            ("kind: zendesk-ticket-event\nverification:\n  secret: ${S}\nfields:\n  cause: \"$..[\"\n", "fields.cause"),
            (
                "kind: zendesk-ticket-event\nverification:\n  secret: ${S}\noutcomes:\n  false_alarm: [x]\n  confirmed_delay: [X]\n",
                "outcomes"
            ),
            ("kind: freshdesk-ticket-event\nverification:\n  scheme: standard-webhooks\n  secret: ${S}\n", "verification.scheme"),
            ("kind: zendesk-ticket-event\nverification:\n  secret: literal-secret\n", "verification.secret"),
        ] {
            let folder = try AdapterFolder(["hook.yaml": yaml])
            defer { folder.remove() }
            let errors = folder.load(["S": "x"]).errors
            #expect(errors.count == 1, "\(yaml)")
            #expect(errors.first?.key == key, "\(errors)")
            #expect(errors.first?.file.hasSuffix("hook.yaml") == true)
        }
    }
}
