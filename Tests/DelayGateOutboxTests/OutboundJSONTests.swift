import DelayGateOutbound
import Foundation
import Testing

/// `OutboundRequest.json` writes the vendors' request bodies: keys sorted, slashes unescaped, and
/// every value in its JSON type, whether Swift built it or `JSONSerialization` parsed it (the ERP
/// adapter re-sends a stored body with one field changed).
@Suite("Request bodies as JSON")
struct OutboundJSONTests {
    @Test("Swift values: sorted keys, nested containers, unescaped slashes and non-ASCII text")
    func swiftValues() {
        let body: [String: Any] = [
            "ticket": [
                "subject": "包裹 ZTO500 滞留", "tags": ["delaygate", "red_flag"], "group_id": Int64(101),
                "public": false, "amount": 129.5, "url": "https://track.example.com/zto/ZTO500",
            ] as [String: Any],
            "count": 2,
        ]
        #expect(
            OutboundRequest.json(body)
                == #"{"count":2,"ticket":{"amount":129.5,"group_id":101,"public":false,"subject":"包裹 ZTO500 滞留","tags":["delaygate","red_flag"],"url":"https://track.example.com/zto/ZTO500"}}"#
        )
    }

    @Test("numbers parsed by JSONSerialization keep their type: 1 stays 1, true stays true")
    func parsedNumbers() throws {
        let text = #"{"flag":true,"lines":[{"quantity":1,"sku":"A"},{"quantity":0,"sku":"B"}],"off":false,"ratio":0.5}"#
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(OutboundRequest.json(parsed) == text)
    }

    @Test("a value that is not JSON gives an empty object, not a crash")
    func notJSON() {
        #expect(OutboundRequest.json(["when": Date(timeIntervalSince1970: 0)]) == "{}")
    }
}
