import Crypto
import DelayGateAdapters
import Foundation
import Testing

@Suite("DelayGate request signatures")
struct TimestampedHMACSignatureTests {
    let body = Data(#"{"events":[]}"#.utf8)
    let now = Date(timeIntervalSince1970: 1_794_357_000)
    let scheme = TimestampedHMACSignature()
    let key = SymmetricKey(data: Data("s3cret".utf8))

    /// A header with time `time` and a signature of zeros.
    static func zeroSignature(time: String) -> String {
        "t=\(time),v1=" + String(repeating: "0", count: 64)
    }

    @Test("a known vector: t=1794357000 over the body with key s3cret")
    func knownVector() {
        // Computed independently: printf '1794357000.{"events":[]}' | openssl dgst -sha256 -hmac s3cret
        #expect(
            TimestampedHMACSignature.headerValue(body: body, secret: "s3cret", time: now)
                == "t=1794357000,v1=7aa4bc0cc1864b5b6e20661998e13f4e3ef70cf652c007d0a1c10a4c5d223ece")
    }

    @Test("a correct signature verifies, also with uppercase hex and extra entries")
    func valid() throws {
        let header = TimestampedHMACSignature.headerValue(body: body, secret: "s3cret", time: now)
        try scheme.verify(headerValue: header, body: body, keys: [key], now: now)
        try scheme.verify(
            headerValue: header.uppercased().replacingOccurrences(of: "T=", with: "t=").replacingOccurrences(
                of: "V1=", with: "v1="), body: body, keys: [key], now: now)
        try scheme.verify(
            headerValue: "t=1794357000, v1=00, " + header.split(separator: ",")[1], body: body, keys: [key], now: now)
    }

    @Test("either secret verifies during a rotation")
    func rotation() throws {
        let old = SymmetricKey(data: Data("old".utf8))
        let signedWithOld = TimestampedHMACSignature.headerValue(body: body, secret: "old", time: now)
        try scheme.verify(headerValue: signedWithOld, body: body, keys: [key, old], now: now)
        #expect(throws: VerificationFailure.self) {
            try scheme.verify(headerValue: signedWithOld, body: body, keys: [key], now: now)
        }
    }

    @Test(
        "refusals say why without revealing the expected signature",
        arguments: [
            (nil as String?, "missing X-DelayGate-Signature header"),
            ("", "missing X-DelayGate-Signature header"),
            ("v1=abcd", "has no t=<unix time> part"),
            ("t=1794357000", "has no v1=<hex HMAC-SHA256> part"),
            ("t=1794357000,v1=zz", "does not match the body"),
            ("t=1794357000,v1=" + String(repeating: "0", count: 64), "does not match the body"),
            // Times no clock reaches: refused, not a trap converting the distance to an Int.
            (Self.zeroSignature(time: "-9223372036854775808"), "is very far away from the server's clock"),
            (Self.zeroSignature(time: "9223372036854775807"), "is very far away from the server's clock"),
            (Self.zeroSignature(time: "1794356000"), "is 1000 s away from the server's clock"),
        ])
    func refusals(header: String?, reason: String) {
        #expect {
            try scheme.verify(headerValue: header, body: body, keys: [key], now: now)
        } throws: { error in
            (error as? VerificationFailure)?.reason.contains(reason) == true
        }
    }

    @Test("a tampered body, a wrong key, a stale and a future time are refused")
    func tamperedAndReplayed() throws {
        let header = TimestampedHMACSignature.headerValue(body: body, secret: "s3cret", time: now)
        #expect(throws: VerificationFailure.self) {
            try scheme.verify(headerValue: header, body: Data(#"{"events":[1]}"#.utf8), keys: [key], now: now)
        }
        #expect(throws: VerificationFailure.self) {
            try scheme.verify(headerValue: header, body: body, keys: [SymmetricKey(data: Data("other".utf8))], now: now)
        }
        for skew in [-301.0, 301.0, 86_400] {
            #expect(throws: VerificationFailure.self) {
                try scheme.verify(headerValue: header, body: body, keys: [key], now: now.addingTimeInterval(skew))
            }
        }
        try scheme.verify(headerValue: header, body: body, keys: [key], now: now.addingTimeInterval(299))
    }
}
