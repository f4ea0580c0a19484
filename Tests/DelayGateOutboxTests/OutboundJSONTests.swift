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

    @Test("a stored request reads back as it was: bodies with line feeds, empty and absent bodies")
    func storedRoundTrip() throws {
        let bodies: [String?] = [
            nil, "", "\n", "{\"ticket\":{\"comment\":{\"body\":\"第一行\\n第二行\"}}}", "line 1\nline 2\r\n\nlast\n",
        ]
        for body in bodies {
            let request = OutboundRequest(
                url: "https://shop.zendesk.com/api/v2/tickets.json",
                headers: [.init("Content-Type", "application/json"), .init("Idempotency-Key", "episode:1:urgent:x")],
                body: body, extras: ["lines": "A×1"])
            let stored = request.encoded()
            #expect(try OutboundRequest.decode(stored) == request)
            let head = """
                POST https://shop.zendesk.com/api/v2/tickets.json
                Content-Type: application/json
                Idempotency-Key: episode:1:urgent:x
                @lines: A×1

                """
            #expect(stored == (body.map { head + "\n" + $0 } ?? head))
        }
    }

    @Test("line feeds, carriage returns, backslashes, colons and leading spaces in the head survive")
    func escapedHead() throws {
        let request = OutboundRequest(
            method: "PUT", url: "http://erp.example/api/reship?note=a b",
            headers: [
                .init("X-Note", "first\nsecond\r\\third"), .init("X-Empty", ""), .init("X-Spaced", "  two: words"),
            ],
            body: "@not: an extra\n", extras: ["lines": "[{\"sku\":\"A\\\\B\"}]\n", "warehouses": "WH-SH,WH-HZ"])
        let stored = request.encoded()
        // One line each for the request, three headers and two extras; the body follows the empty line.
        #expect(stored.components(separatedBy: "\n\n")[0].split(separator: "\n").count == 6)
        #expect(try OutboundRequest.decode(stored) == request)
    }

    @Test("text that is not a stored request is an error, not a request")
    func notAStoredRequest() {
        #expect(throws: OutboundRequest.StoredRequestError.self) { try OutboundRequest.decode("") }
        #expect(throws: OutboundRequest.StoredRequestError.self) { try OutboundRequest.decode("POST\n") }
        #expect(throws: OutboundRequest.StoredRequestError.self) {
            try OutboundRequest.decode("POST http://x/y\nno colon\n")
        }
    }

    @Test("requests stored by earlier versions (JSON, with the body after it or inside it) still read")
    func legacyStoredRequest() throws {
        let inside =
            #"{"body":"{\"to\":\"+8613800138000\"}\nline","extras":{},"headers":[{"name":"A","value":"b"}],"method":"POST","url":"http://x/y"}"#
        let request = try OutboundRequest.decode(inside)
        #expect(request.body == "{\"to\":\"+8613800138000\"}\nline")
        #expect(request.url == "http://x/y" && request.header("a") == "b")

        let after =
            #"{"extras":{"warehouses":"WH-SH"},"headers":[{"name":"A","value":"b"}],"method":"POST","url":"http://x/y"}"#
            + "\nbody line 1\nbody line 2"
        let second = try OutboundRequest.decode(after)
        #expect(second.body == "body line 1\nbody line 2")
        #expect(second.extras == ["warehouses": "WH-SH"] && second.header("A") == "b")
    }
}
