import DelayGateAdapters
import DelayGateIngest
import DelayGateServer
import DelayGateStorage
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Hostile bodies through the whole ingest path", .timeLimit(.minutes(2)))
struct WebhookFuzzTests {
    /// A seeded generator, so that a failing case can be replayed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func mutate(_ seed: String, _ random: inout Generator) -> Data {
        var bytes = Array(seed.utf8)
        for _ in 0..<Int.random(in: 1...6, using: &random) {
            let index = Int.random(in: 0..<max(1, bytes.count), using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0 where !bytes.isEmpty: bytes[index] = UInt8.random(in: 0...255, using: &random)
            case 1 where !bytes.isEmpty: bytes.removeSubrange(index..<min(bytes.count, index + 12))
            case 2: bytes.insert(contentsOf: Array(#"{"x":[[[[null]]]],"#.utf8), at: min(index, bytes.count))
            case 3: bytes.insert(contentsOf: [0xC3, 0x28, 0xFF], at: min(index, bytes.count))
            default: bytes = Array(bytes.prefix(index))
            }
        }
        return Data(bytes)
    }

    @Test("300 correctly signed but mutated bodies: never a 5xx; every 400 is kept as a rejected inbox row, every 202 committed")
    func signedMutations() async throws {
        let test = try TestGateway()
        defer { test.remove() }
        let seed = TestGateway.batch([("picked_up", 8), ("hub_arrival", 14), ("customs_held", 20)], idPrefix: "fz")
        let (answers, rejectedIDs, acceptedIDs) = try await test.gateway.application().test(.router) { client in
            var random = Generator(state: 20_261_203)
            var answers: [Int: Int] = [:]
            var rejectedIDs: [Int64] = []
            var acceptedIDs: [Int64] = []
            for _ in 0..<300 {
                let body = Self.mutate(seed, &random)
                var headers = TestGateway.signedHeaders("")
                headers[HTTPField.Name("X-DelayGate-Signature")!] = TimestampedHMACSignature.headerValue(
                    body: body, secret: TestGateway.secret, time: Date())
                let (status, inboxID) = try await client.execute(
                    uri: "/webhooks/integrator", method: .post, headers: headers, body: ByteBuffer(bytes: body)
                ) { response in
                    (response.status.code, (try? response.json())?["inbox_id"] as? Int64)
                }
                answers[status, default: 0] += 1
                #expect(status < 500, "a 5xx for \(String(decoding: body, as: UTF8.self).prefix(200))")
                if status == 400 { rejectedIDs += inboxID.map { [$0] } ?? [] }
                if status == 202 { acceptedIDs += inboxID.map { [$0] } ?? [] }
            }
            await test.gateway.normalizer.waitUntilIdle()
            return (answers, rejectedIDs, acceptedIDs)
        }
        #expect(answers[400, default: 0] > 50 && answers[202, default: 0] > 10, "\(answers)")
        let (rejected, accepted) = try await test.database.read { db in
            (
                try rejectedIDs.compactMap { try InboxStore.record(id: $0, in: db) },
                try acceptedIDs.compactMap { try InboxStore.record(id: $0, in: db) }
            )
        }
        #expect(rejected.count == rejectedIDs.count, "a 400 without its inbox row")
        #expect(rejected.allSatisfy { $0.state == .rejected && !($0.reason ?? "").isEmpty })
        #expect(accepted.count == acceptedIDs.count, "a 202 without its inbox row")
        #expect(accepted.allSatisfy { $0.state != .pending }, "accepted bodies are normalized")
        print("webhook fuzz:", answers.sorted { $0.key < $1.key })
    }
}
