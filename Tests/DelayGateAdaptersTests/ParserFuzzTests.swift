import DelayGateAdapters
import DelayGateModel
import Foundation
import Testing

/// SplitMix64: a small seeded generator, so a failing case can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Turns valid vendor payloads into hostile ones: flipped, cut, spliced and repeated bytes,
/// invalid UTF-8, and JSON whose values are swapped for wrong types, huge strings, deep nesting
/// or odd numbers.
struct PayloadMutator {
    var random: SeededGenerator

    static var oddValues: [Any] {
        [
            NSNull(), "", "\u{0000}", String(repeating: "字", count: 5000), -1, 0, Int64.max, 1e308, -0.0, true,
            [] as [Any], [:] as [String: Any], "2026-02-30T25:61:00+99:00", "9999-12-31T23:59:59Z", "NaN",
            ["nested": ["deeper": [1, 2, 3]]], "\u{202E}evil", "\\u0000",
        ]
    }

    mutating func mutate(_ seed: Data) -> Data {
        switch Int.random(in: 0..<10, using: &random) {
        case 0...3: return mutateJSON(seed) ?? mutateBytes(seed)
        case 4: return randomBytes()
        case 5: return deeplyNested()
        default: return mutateBytes(seed)
        }
    }

    mutating func mutateBytes(_ seed: Data) -> Data {
        var bytes = [UInt8](seed)
        for _ in 0..<Int.random(in: 1...8, using: &random) {
            guard !bytes.isEmpty else { break }
            let index = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: bytes[index] ^= UInt8.random(in: 1...255, using: &random)
            case 1: bytes.removeSubrange(index..<min(bytes.count, index + Int.random(in: 1...64, using: &random)))
            case 2: bytes.insert(contentsOf: [0xFF, 0xFE, 0xC0, 0x80], at: index)  // invalid UTF-8
            case 3: bytes = Array(bytes.prefix(index))  // truncated
            case 4: bytes.insert(contentsOf: bytes[index..<min(bytes.count, index + 40)], at: index)
            default: bytes.insert(UInt8.random(in: 0...127, using: &random), at: index)
            }
        }
        return Data(bytes)
    }

    mutating func mutateJSON(_ seed: Data) -> Data? {
        guard let object = try? JSONSerialization.jsonObject(with: seed, options: [.fragmentsAllowed]) else {
            return nil
        }
        let mutated = mutateValue(object, depth: 0)
        return try? JSONSerialization.data(withJSONObject: mutated, options: [.fragmentsAllowed])
    }

    mutating func mutateValue(_ value: Any, depth: Int) -> Any {
        if Int.random(in: 0..<12, using: &random) == 0 {
            return Self.oddValues[Int.random(in: 0..<Self.oddValues.count, using: &random)]
        }
        switch value {
        case let object as [String: Any]:
            var result: [String: Any] = [:]
            for (key, member) in object {
                switch Int.random(in: 0..<20, using: &random) {
                case 0: continue  // drop the member
                case 1: result[key + "_x"] = member
                default: result[key] = mutateValue(member, depth: depth + 1)
                }
            }
            return result
        case let array as [Any]:
            var result = array.map { mutateValue($0, depth: depth + 1) }
            if !result.isEmpty, Bool.random(using: &random) { result.append(result[0]) }  // a repeated item
            return result
        default:
            return value
        }
    }

    mutating func randomBytes() -> Data {
        Data((0..<Int.random(in: 0...512, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
    }

    mutating func deeplyNested() -> Data {
        let depth = Int.random(in: 100...5000, using: &random)
        return Data((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8)
    }
}

@Suite("Parsers under hostile input (seeded fuzzing)")
struct ParserFuzzTests {
    /// Each kind with a valid example of its vendor's payload to mutate.
    static func cases() throws -> [(kind: String, adapter: any InboundAdapter, seed: Data)] {
        let secret = ["S": "fuzz-secret-0123456789"]
        func adapter(_ yaml: String) throws -> any InboundAdapter { try loadAdapter(yaml, environment: secret) }
        let canonical = Data(
            #"{"events":[{"event_id":"e1","carrier":"sf-express","tracking_number":"SF1","time":"2026-11-11T08:30:00+08:00","milestone":"hub_arrival","raw_code":"30","raw_text":"到达","node":{"facility_code":"571WA","city":"杭州市","country":"CN","latitude":30.2,"longitude":120.1},"direction":"forward"}]}"#
                .utf8)
        return [
            ("canonical-json", try adapter("kind: canonical-json\nverification:\n  secret: ${S}\n"), canonical),
            (
                "kdniao", try adapter("kind: kdniao\nverification:\n  app_key: ${S}\n"),
                try fixture("kdniao-102-body.form.txt")
            ),
            (
                "aftership", try adapter("kind: aftership\nverification:\n  secret: ${S}\n"),
                try fixture("aftership-tracking_update.json")
            ),
            (
                "easypost", try adapter("kind: easypost\nverification:\n  secret: ${S}\n"),
                try fixture("easypost-tracker.updated.json")
            ),
            (
                "seventeen-track", try adapter("kind: seventeen-track\nverification:\n  secret: ${S}\n"),
                try fixture("17track-TRACKING_UPDATED.json")
            ),
            (
                "json-mapping",
                try adapter(
                    "kind: json-mapping\ncarrier: acme\nverification:\n  scheme: bearer\n  secret: ${S}\nmapping:\n  events: $.scans[*]\n  tracking_number: $.waybill\n  time: at\n  time_format: \"yyyy-MM-dd HH:mm:ss\"\n  status: code\n  city: city\nstatuses:\n  \"10\": picked_up\n"
                ),
                Data(#"{"waybill":"AC1","scans":[{"at":"2026-11-11 08:30:00","code":"10","city":"杭州市"}]}"#.utf8)
            ),
            (
                "customs", try adapter("kind: customs\nverification:\n  secret: ${S}\n"),
                Data(
                    #"{"updates":[{"declaration_id":"D1","carrier":"sf","tracking_number":"SF1","status":"documents_required","time":"2026-11-12T10:00:00+08:00","missing_documents":["commercial_invoice"]}]}"#
                        .utf8)
            ),
            (
                "disruption", try adapter("kind: disruption\nverification:\n  secret: ${S}\n"),
                Data(
                    #"{"notices":[{"id":"n1","kind":"weather","severity":"severe","route_interrupted":true,"regions":["浙江省"],"valid_from":"2026-11-12T00:00:00+08:00","title":"台风"}]}"#
                        .utf8)
            ),
            (
                "orders", try adapter("kind: orders\nverification:\n  secret: ${S}\n"),
                Data(
                    #"{"orders":[{"id":"SO-1","customer":{"phone":"+8613800138000"},"value":{"amount":"10.00","currency":"CNY"},"presale":{"supplier_eta":"2026-11-20T00:00:00+08:00","promised_ship_date":"2026-11-21"},"shipments":[{"carrier":"sf","tracking_number":"SF1"}],"updated_at":"2026-11-11T10:00:00+08:00"}]}"#
                        .utf8)
            ),
            (
                "zendesk-ticket-event", try adapter("kind: zendesk-ticket-event\nverification:\n  secret: ${S}\n"),
                Data(
                    #"{"ticket_id":"1","external_id":"episode:1:urgent:helpdesk_ticket","status":"Solved","outcome":"false_alarm","cause":"x","resolution":"y","updated_at":"2026-11-12T10:30:00Z"}"#
                        .utf8)
            ),
        ]
    }

    @Test("1,000 mutated payloads per kind: every one parses or is refused with a reason, none crashes")
    func mutated() throws {
        var outcomes: [String: (accepted: Int, rejected: Int)] = [:]
        for (kind, adapter, seed) in try Self.cases() {
            // One seed per kind: a failure names the kind and the case, which replays it exactly.
            var mutator = PayloadMutator(
                random: SeededGenerator(seed: UInt64(kind.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) })))
            #expect(throws: Never.self, "\(kind): the unmutated example must parse") {
                _ = try adapter.parse(seed, receivedAt: Date())
            }
            for index in 0..<1000 {
                let body = mutator.mutate(seed)
                do {
                    let payload = try adapter.parse(body, receivedAt: Date())
                    outcomes[kind, default: (0, 0)].accepted += 1
                    // What is accepted is usable: every rejected item says why.
                    #expect(payload.rejectedItems.allSatisfy { !$0.reason.isEmpty }, "\(kind) case \(index)")
                } catch {
                    outcomes[kind, default: (0, 0)].rejected += 1
                    #expect(!error.reason.isEmpty, "\(kind) case \(index): a rejection without a reason")
                }
            }
        }
        // The mutator must produce both kinds of input, or it tests nothing.
        for (kind, counts) in outcomes {
            #expect(counts.rejected > 50, "\(kind): \(counts)")
            #expect(counts.accepted + counts.rejected == 1000)
        }
        print(
            "parser fuzz:",
            outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.accepted)/\($0.value.rejected)" })
    }
}
