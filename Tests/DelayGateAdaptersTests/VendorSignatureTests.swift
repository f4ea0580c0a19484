import DelayGateAdapters
import DelayGateConfig
import Foundation
import HTTPTypes
import Testing

/// The fixtures in `Fixtures/` are our own compositions in the vendors' shapes; every expected
/// signature here was computed independently (Python's hashlib/hmac) over their exact bytes.
func fixture(_ name: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
    return try Data(contentsOf: url)
}

func pair(_ value: String, previous: String? = nil) -> SecretPair {
    var environment = ["CURRENT": value]
    if let previous { environment["PREVIOUS"] = previous }
    return SecretPair(
        current: SecretReference(variable: "CURRENT"), previous: SecretReference(variable: "PREVIOUS"),
        environment: environment)
}

let now = Date(timeIntervalSince1970: 1_716_171_300)

@Suite("Vendor signature schemes")
struct VendorSignatureTests {
    @Test("Kdniao DataSign: base64 of the hex MD5 of RequestData + AppKey")
    func kdniao() throws {
        let small =
            #"{"EBusinessID":"1237100","PushTime":"2024-05-20 10:15:00","Count":"1","Data":[{"ShipperCode":"YTO","LogisticCode":"YT8801234567890","Success":true,"State":"2","StateEx":"201","Location":"杭州市"}]}"#
        let appKey = "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17"
        #expect(KdniaoSignature.sign(small, appKey: appKey) == "NTRjNjk1M2Y3MWQ1NWRmNDNkMTlhM2RlNzczMjU0ZTA=")
        let full = String(decoding: try fixture("kdniao-102-requestdata.compact.json"), as: UTF8.self)
        #expect(KdniaoSignature.sign(full, appKey: appKey) == "MWZjMGExZjEyOTFkYjkwZDI2YTcyZGFhOTQ0Mjc3MmU=")
        // The prepared wire body verifies, with the key current or previous (rotation).
        let body = try fixture("kdniao-102-body.form.txt")
        let request = InboundRequest(headers: [.contentType: "application/x-www-form-urlencoded"], body: body)
        try KdniaoSignature(appKeys: pair(appKey)).verify(request, now: now)
        try KdniaoSignature(appKeys: pair("new-key", previous: appKey)).verify(request, now: now)
        #expect(throws: VerificationFailure.self) {
            try KdniaoSignature(appKeys: pair("wrong")).verify(request, now: now)
        }
    }

    @Test("AfterShip: aftership-hmac-sha256 is the Base64 HMAC-SHA256 of the raw body")
    func aftership() throws {
        let body = Data(
            #"{"event":"tracking_update","event_id":"6f1c2a7e-9b1d-4c3e-8f6a-2d4b5c6e7f80","is_tracking_first_tag":false,"msg":{"id":"a1b2c3","tracking_number":"SF1234567890123","slug":"sf-express","tag":"InTransit","subtag":"InTransit_003"},"ts":1716170100}"#
                .utf8)
        #expect(body.count == 244)
        #expect(
            HMACHeaderVerifier.sign(body: body, secret: "as_whsec_demo_0123456789", encoding: .base64)
                == "kUNuVREvuOI8x09W0Xcx0mhUhqNNasfr/RWGl+Aw950=")
        #expect(
            HMACHeaderVerifier.sign(
                body: try fixture("aftership-tracking_update.json"), secret: "as_whsec_demo_0123456789",
                encoding: .base64)
                == "nm0M/ulhgJawrc3DIBHgxb6dVicIoE7SLbr6JA2/+Bs=")
        let verifier = HMACHeaderVerifier(
            header: HTTPField.Name("aftership-hmac-sha256")!, encoding: .base64,
            secrets: pair("as_whsec_demo_0123456789"))
        try verifier.verify(
            InboundRequest(
                headers: [HTTPField.Name("aftership-hmac-sha256")!: "kUNuVREvuOI8x09W0Xcx0mhUhqNNasfr/RWGl+Aw950="],
                body: body),
            now: now)
        #expect(throws: VerificationFailure.self) {
            try verifier.verify(InboundRequest(headers: [:], body: body), now: now)
        }
    }

    @Test("EasyPost: hmac-sha256-hex=<hex> keyed with the NFKD form of the secret")
    func easypost() throws {
        let body = Data(
            #"{"id":"evt_demo123","object":"Event","description":"tracker.updated","result":{"object":"Tracker","tracking_code":"EZ1000000001","status":"in_transit"}}"#
                .utf8)
        let header = HTTPField.Name("X-Hmac-Signature")!
        func verifier(_ secret: String) -> HMACHeaderVerifier {
            HMACHeaderVerifier(
                header: header, encoding: .hex, prefix: "hmac-sha256-hex=", secrets: pair(secret),
                normalizeKey: { $0.decomposedStringWithCompatibilityMapping })
        }
        let ascii = "hmac-sha256-hex=be5e624b17d2ec405623e1c6fc02c81b937fb50ad98548947e57ebcae96a12a6"
        try verifier("ep_webhook_secret_ascii").verify(InboundRequest(headers: [header: ascii], body: body), now: now)
        // A precomposed é must be decomposed before keying; the undecomposed signature must fail.
        let nfkd = "hmac-sha256-hex=6241254c9c07110321fb664e17033104b87f013e43322c3392b568821c659fa3"
        let withoutNFKD = "hmac-sha256-hex=d9b2ed7cc07a01cb0294c027b2ff27b326565c6c55d10b4d0355544c502959e0"
        try verifier("s\u{E9}cret-ep").verify(InboundRequest(headers: [header: nfkd], body: body), now: now)
        #expect(throws: VerificationFailure.self) {
            try verifier("s\u{E9}cret-ep").verify(InboundRequest(headers: [header: withoutNFKD], body: body), now: now)
        }
        let full = "hmac-sha256-hex=68b8ff24925f8e5311d492d88c31dab838fa63d8215339b77490f6d228ad9564"
        try verifier("ep_webhook_secret_ascii").verify(
            InboundRequest(headers: [header: full], body: try fixture("easypost-tracker.updated.json")), now: now)
    }

    @Test("17TRACK: sign is the hex SHA-256 of the body, '/' and the key")
    func seventeenTrack() throws {
        let body = Data(
            #"{"event":"TRACKING_UPDATED","data":{"number":"RR123456789CN","carrier":3011,"tag":null}}"#.utf8)
        let key = "TEST17KEY0123456789ABCDEF"
        #expect(
            SuffixedSHA256Verifier.sign(body: body, secret: key)
                == "87e03c5dc63279012ed261a79913812ace6c47470572fb5be87aaafcc73b3499")
        #expect(
            SuffixedSHA256Verifier.sign(body: try fixture("17track-TRACKING_UPDATED.json"), secret: key)
                == "873eb34bec0707acaaa2fcb9a6bff79e61e648680d10ac52f35fc8f78316e09b")
        let verifier = SuffixedSHA256Verifier(header: HTTPField.Name("sign")!, separator: "/", secrets: pair(key))
        try verifier.verify(
            InboundRequest(
                headers: [HTTPField.Name("sign")!: "87E03C5DC63279012ED261A79913812ACE6C47470572FB5BE87AAAFCC73B3499"],
                body: body),
            now: now)
        #expect(throws: VerificationFailure.self) {
            try verifier.verify(
                InboundRequest(headers: [HTTPField.Name("sign")!: String(repeating: "0", count: 64)], body: body),
                now: now)
        }
    }

    @Test("Standard Webhooks: the reference libraries' vectors, several signatures, and the 5-minute window")
    func standardWebhooks() throws {
        let vectors: [(String, String, Int, String, String)] = [
            (
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330,
                #"{"test": 2432232314}"#,
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
            ),
            (
                "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1_649_367_553,
                #"{"email":"test@example.com","username":"test_user"}"#,
                "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
            ),
        ]
        for (secret, id, timestamp, body, expected) in vectors {
            let instant = Date(timeIntervalSince1970: Double(timestamp))
            let headers = try StandardWebhooksVerifier.headers(
                id: id, body: Data(body.utf8), secret: secret, time: instant)
            #expect(headers[HTTPField.Name("webhook-signature")!] == expected)
            let verifier = try StandardWebhooksVerifier(secrets: pair(secret))
            var request = InboundRequest(headers: headers, body: Data(body.utf8))
            request.headers[HTTPField.Name("webhook-signature")!] = "v1,bm90IGl0 " + expected  // first entry wrong
            try verifier.verify(request, now: instant.addingTimeInterval(299))
            #expect(throws: VerificationFailure.self) {
                try verifier.verify(request, now: instant.addingTimeInterval(301))
            }
            #expect(throws: VerificationFailure.self) {
                try verifier.verify(request, now: instant.addingTimeInterval(-301))
            }
            for extreme in ["-9223372036854775808", "9223372036854775807"] {
                request.headers[HTTPField.Name("webhook-timestamp")!] = extreme
                #expect {
                    try verifier.verify(request, now: instant)
                } throws: { error in
                    (error as? VerificationFailure)?.reason.contains("very far away") == true
                }
            }
        }
    }

    @Test("Basic and bearer credentials compare in constant time and accept the previous secret")
    func sharedSecrets() throws {
        let basic = BasicAuthVerifier(username: "acme", passwords: pair("new-pass", previous: "old-pass"))
        for password in ["new-pass", "old-pass"] {
            let credentials = Data("acme:\(password)".utf8).base64EncodedString()
            try basic.verify(InboundRequest(headers: [.authorization: "Basic \(credentials)"], body: Data()), now: now)
        }
        #expect(throws: VerificationFailure.self) {
            try basic.verify(
                InboundRequest(
                    headers: [.authorization: "Basic \(Data("acme:nope".utf8).base64EncodedString())"], body: Data()),
                now: now)
        }
        let bearer = BearerTokenVerifier(tokens: pair("t0k3n"))
        try bearer.verify(InboundRequest(headers: [.authorization: "Bearer t0k3n"], body: Data()), now: now)
        #expect(throws: VerificationFailure.self) {
            try bearer.verify(InboundRequest(headers: [.authorization: "Bearer t0k3"], body: Data()), now: now)
        }
        #expect(ConstantTime.equals(Array("abc".utf8), Array("abc".utf8)))
        #expect(!ConstantTime.equals(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!ConstantTime.equals(Array("abd".utf8), Array("abc".utf8)))
    }
}
