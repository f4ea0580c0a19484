import Crypto
import DelayGateModel
import Foundation

/// DelayGate's own request signature, used by the `canonical-json` kind.
///
/// The header carries a Unix time and one or more HMAC-SHA256 signatures in hex:
/// `X-DelayGate-Signature: t=1732500000,v1=5257a869e7…`. The signed content is the time, a dot
/// and the raw body (`"1732500000." + body`), so a captured request cannot be replayed once the
/// time falls outside the tolerance (300 s by default). Several `v1=` entries may be sent, which
/// lets a sender sign with both secrets during a rotation.
///
/// Signing, e.g. in a shell:
/// ```sh
/// ts=$(date +%s)
/// sig=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
/// curl -H "X-DelayGate-Signature: t=$ts,v1=$sig" …
/// ```
public struct TimestampedHMACSignature: Sendable {
    public var headerName: String
    public var tolerance: Duration

    public init(headerName: String = "X-DelayGate-Signature", tolerance: Duration = .seconds(300)) {
        self.headerName = headerName
        self.tolerance = tolerance
    }

    /// The header value for `body` signed with `secret` at `time`.
    public static func headerValue(body: Data, secret: String, time: Date) -> String {
        let timestamp = String(Int64(time.timeIntervalSince1970.rounded(.down)))
        let mac = authenticationCode(
            timestamp: Substring(timestamp), body: body, key: SymmetricKey(data: Data(secret.utf8)))
        return "t=\(timestamp),v1=\(Hex.encode(Data(mac)))"
    }

    /// Checks a header value against the body with any of the keys.
    public func verify(headerValue: String?, body: Data, keys: [SymmetricKey], now: Date) throws(VerificationFailure) {
        guard let headerValue, !headerValue.isEmpty else {
            throw VerificationFailure("missing \(headerName) header")
        }
        var timestamp: Substring?
        var signatures: [Substring] = []
        for part in headerValue.split(separator: ",", omittingEmptySubsequences: true) {
            guard let equals = part.firstIndex(of: "=") else { continue }
            let name = part[..<equals].trimmingWhitespace()
            let value = part[part.index(after: equals)...].trimmingWhitespace()
            if name == "t" {
                timestamp = value
            } else if name == "v1" {
                signatures.append(value)
            }
        }
        guard let timestamp, let seconds = Int64(timestamp) else {
            throw VerificationFailure("\(headerName) has no t=<unix time> part")
        }
        guard !signatures.isEmpty else {
            throw VerificationFailure("\(headerName) has no v1=<hex HMAC-SHA256> part")
        }
        try SignedTime.check(
            Date(timeIntervalSince1970: Double(seconds)), now: now, tolerance: tolerance, name: "\(headerName) time")
        let candidates = signatures.compactMap { Hex.decode($0) }.filter { $0.count == SHA256.byteCount }
        for key in keys {
            let expected = Self.authenticationCode(timestamp: timestamp, body: body, key: key)
            // HashedAuthenticationCode compares in constant time.
            for candidate in candidates where expected == candidate {
                return
            }
        }
        throw VerificationFailure("\(headerName) does not match the body")
    }

    /// HMAC-SHA256 over `timestamp + "." + body`, fed in pieces so the body is never copied.
    static func authenticationCode(timestamp: Substring, body: Data, key: SymmetricKey) -> HashedAuthenticationCode<
        SHA256
    > {
        var hmac = HMAC<SHA256>(key: key)
        var timestamp = String(timestamp)
        timestamp.withUTF8 { hmac.update(data: UnsafeRawBufferPointer($0)) }
        hmac.update(data: [UInt8(ascii: ".")])
        hmac.update(data: body)
        return hmac.finalize()
    }
}
