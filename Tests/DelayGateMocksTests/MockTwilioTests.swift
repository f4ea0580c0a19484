import DelayGateMocks
import Foundation
import NIOHTTP1
import Testing

@Suite("MockTwilio")
struct MockTwilioTests {
    static let account = "AC" + String(repeating: "0", count: 31) + "1"
    static let auth = HTTP.basic(account, "tw-token")

    static func url(_ base: String, _ resource: String, account: String = account) -> String {
        "\(base)/2010-04-01/Accounts/\(account)/\(resource).json"
    }

    @Test("a message is created once and answered as Twilio's Message resource")
    func message() async throws {
        let twilio = MockTwilio(accountSID: Self.account, authToken: "tw-token")
        try await MockServer.run(twilio.router()) { base in
            let answer = try await HTTP.postForm(
                Self.url(base, "Messages"),
                [
                    "To": "+8613800138000", "From": "+15005550006", "Body": "Parcel SF123 is delayed: new ETA 3 Dec",
                    "StatusCallback": "https://gateway.example/twilio/status",
                ], headers: [Self.auth, ("I-Twilio-Idempotency-Token", "alert-1")])
            #expect(answer.status == 201)
            let body = try #require(answer.json)
            let sid = try #require(body["sid"]?.string)
            #expect(sid.hasPrefix("SM") && sid.count == 34)
            #expect(body["account_sid"]?.string == Self.account)
            #expect(body["to"] == "+8613800138000")
            #expect(body["from"] == "+15005550006")
            #expect(body["body"] == "Parcel SF123 is delayed: new ETA 3 Dec")
            #expect(body["status"] == "queued")
            #expect(body["direction"] == "outbound-api")
            #expect(body["api_version"] == "2010-04-01")
            #expect(body["num_segments"] == "1")
            #expect(body["uri"]?.string == "/2010-04-01/Accounts/\(Self.account)/Messages/\(sid).json")
            let date = try #require(body["date_created"]?.string)
            #expect(date.hasSuffix(" +0000") && date.contains(", "), "RFC 2822: \(date)")
            let created = try #require(twilio.messages.first)
            #expect(created.statusCallback == "https://gateway.example/twilio/status")
            #expect(created.idempotencyKey == "alert-1")

            let fetched = try await HTTP.send(
                .GET, "\(base)/2010-04-01/Accounts/\(Self.account)/Messages/\(sid).json", headers: [Self.auth])
            #expect(fetched.json?["sid"]?.string == sid)
        }
    }

    @Test("a messaging service without From is accepted; a call is created as a Call resource")
    func serviceAndCall() async throws {
        let twilio = MockTwilio(accountSID: Self.account, authToken: "tw-token")
        try await MockServer.run(twilio.router()) { base in
            let service = "MG" + String(repeating: "b", count: 32)
            let message = try await HTTP.postForm(
                Self.url(base, "Messages"), ["To": "+8613800138000", "MessagingServiceSid": service, "Body": "hi"],
                headers: [Self.auth])
            #expect(message.json?["status"] == "accepted")
            #expect(message.json?["messaging_service_sid"]?.string == service)

            let call = try await HTTP.postForm(
                Self.url(base, "Calls"),
                ["To": "+8613800138000", "From": "+15005550006", "Twiml": "<Response><Say>Delay</Say></Response>"],
                headers: [Self.auth])
            #expect(call.status == 201)
            let sid = try #require(call.json?["sid"]?.string)
            #expect(sid.hasPrefix("CA") && sid.count == 34)
            #expect(call.json?["status"] == "queued")
            #expect(twilio.calls.first?.twiml == "<Response><Say>Delay</Say></Response>")
            #expect(twilio.created.count == 2)
        }
    }

    @Test("a To not in E.164 gets error 21211 in Twilio's shape")
    func invalidTo() async throws {
        let twilio = MockTwilio(accountSID: Self.account, authToken: "tw-token")
        try await MockServer.run(twilio.router()) { base in
            let answer = try await HTTP.postForm(
                Self.url(base, "Messages"), ["To": "13800138000", "From": "+15005550006", "Body": "hi"],
                headers: [Self.auth])
            #expect(answer.status == 400)
            #expect(
                answer.json == [
                    "code": 21211, "message": "The 'To' number 13800138000 is not a valid phone number.",
                    "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400,
                ])
            let noBody = try await HTTP.postForm(
                Self.url(base, "Messages"), ["To": "+8613800138000", "From": "+15005550006"], headers: [Self.auth])
            #expect(noBody.json?["code"] == 21602)
            #expect(twilio.created.isEmpty)
        }
    }

    @Test("a wrong auth token or another account's path gets 20003 Authenticate (401)")
    func unauthorized() async throws {
        let twilio = MockTwilio(accountSID: Self.account, authToken: "tw-token")
        try await MockServer.run(twilio.router()) { base in
            let fields = ["To": "+8613800138000", "From": "+15005550006", "Body": "hi"]
            let wrong = try await HTTP.postForm(
                Self.url(base, "Messages"), fields, headers: [HTTP.basic(Self.account, "nope")])
            let expected: JSONValue = [
                "code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003",
                "status": 401,
            ]
            #expect(wrong.status == 401)
            #expect(wrong.json == expected)
            let other = try await HTTP.postForm(
                Self.url(base, "Messages", account: "AC" + String(repeating: "9", count: 32)), fields,
                headers: [Self.auth])
            #expect(other.status == 401)
            #expect(other.json == expected)
            #expect(twilio.created.isEmpty)
        }
    }

    @Test("429 is code 20429 with Retry-After")
    func rateLimited() async throws {
        let twilio = MockTwilio(
            accountSID: Self.account, authToken: "tw-token", faults: .scripted(.rateLimited(retryAfter: 2)))
        try await MockServer.run(twilio.router()) { base in
            let answer = try await HTTP.postForm(
                Self.url(base, "Calls"),
                ["To": "+8613800138000", "From": "+15005550006", "Url": "https://x.example/t"],
                headers: [Self.auth])
            #expect(answer.status == 429)
            #expect(answer.header("Retry-After") == "2")
            #expect(answer.json?["code"] == 20429)
            #expect(twilio.created.isEmpty)
        }
    }
}
