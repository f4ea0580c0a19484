import DelayGateMocks
import Foundation
import NIOHTTP1
import Testing

@Suite("MockHTTPReceiver")
struct MockHTTPReceiverTests {
    @Test("records raw bodies and headers per hook and dedupes on Idempotency-Key")
    func records() async throws {
        let receiver = MockHTTPReceiver()
        try await MockServer.run(receiver.router()) { base in
            let raw = #"{"level":"red","shipment":"SF123"}"#
            let headers = [("Content-Type", "application/json"), ("Idempotency-Key", "k-1"), ("X-Signature", "abc")]
            let first = try await HTTP.send(.POST, "\(base)/hooks/ops", headers: headers, body: raw)
            #expect(first.status == 200)
            #expect(first.json == ["ok": true])
            _ = try await HTTP.send(.POST, "\(base)/hooks/ops", headers: headers, body: raw)
            _ = try await HTTP.send(.POST, "\(base)/hooks/finance", headers: headers, body: raw)
            _ = try await HTTP.send(.POST, "\(base)/hooks/ops", body: "plain text")
            await receiver.waitUntil { $0.requests.count == 4 }
            #expect(receiver.duplicateKeyHits == 1)
            #expect(receiver.deliveries("ops").count == 2)
            #expect(receiver.deliveries("finance").count == 1)
            let delivery = try #require(receiver.deliveries("ops").first)
            #expect(delivery.text == raw)
            #expect(delivery.json?["level"] == "red")
            #expect(delivery.headers["x-signature"] == "abc")
            #expect(delivery.idempotencyKey == "k-1")
        }
    }
}
