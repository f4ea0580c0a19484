import DelayGateMocks
import Foundation
import NIOHTTP1
import Testing

@Suite("MockVoiceQueue")
struct MockVoiceQueueTests {
    static let callback: JSONValue = [
        "phone": "+8613800138000", "language": "zh-CN", "script": "您好，您的包裹 SF123 将延误两天。",
        "reference": "alert-1", "callback_url": "https://gateway.example/voice/result", "priority": "high",
    ]

    @Test("a callback is queued once (202) and shown")
    func queues() async throws {
        let queue = MockVoiceQueue(tokens: ["vq-token"])
        try await MockServer.run(queue.router()) { base in
            let headers = [HTTP.bearer("vq-token"), ("Idempotency-Key", "alert-1")]
            let answer = try await HTTP.postJSON("\(base)/v1/callbacks", Self.callback, headers: headers)
            #expect(answer.status == 202)
            let id = try #require(answer.json?["id"]?.string)
            #expect(answer.json?["status"] == "queued")
            let again = try await HTTP.postJSON("\(base)/v1/callbacks", Self.callback, headers: headers)
            #expect(again.json?["id"]?.string == id)
            #expect(queue.created.count == 1)
            #expect(queue.duplicateKeyHits == 1)
            #expect(queue.created[0].callbackURL == "https://gateway.example/voice/result")
            queue.setStatus("completed", callbackID: id)
            let shown = try await HTTP.send(.GET, "\(base)/v1/callbacks/\(id)", headers: [HTTP.bearer("vq-token")])
            #expect(shown.json?["status"] == "completed")
        }
    }

    @Test("a missing phone is a 422 problem document; a wrong token a 401 one")
    func problems() async throws {
        let queue = MockVoiceQueue(tokens: ["vq-token"])
        try await MockServer.run(queue.router()) { base in
            var body = Self.callback.object!
            body["phone"] = nil
            let invalid = try await HTTP.postJSON(
                "\(base)/v1/callbacks", .object(body), headers: [HTTP.bearer("vq-token")])
            #expect(invalid.status == 422)
            #expect(invalid.header("Content-Type") == "application/problem+json")
            #expect(invalid.json?["status"] == 422)
            #expect(invalid.json?["title"] == "Unprocessable Content")
            #expect(invalid.json?["invalid_params"] == [["name": "phone", "reason": "is required"]])

            let unauthorized = try await HTTP.postJSON(
                "\(base)/v1/callbacks", Self.callback, headers: [HTTP.bearer("other")])
            #expect(unauthorized.status == 401)
            #expect(unauthorized.header("Content-Type") == "application/problem+json")
            #expect(queue.created.isEmpty)
        }
    }
}
