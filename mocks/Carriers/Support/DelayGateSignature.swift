import Crypto
import Foundation

/// DelayGate's own request signature, as an integrator computes it (docs/canonical-json.md):
/// `X-DelayGate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
enum DelayGateSignature {
    static let header = "X-DelayGate-Signature"

    static func value(body: Data, secret: String, at time: Date) -> String {
        let timestamp = String(Int64(time.timeIntervalSince1970.rounded(.down)))
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: Data(secret.utf8)))
        hmac.update(data: Data((timestamp + ".").utf8))
        hmac.update(data: body)
        let hex = Data(hmac.finalize()).map { String(format: "%02x", $0) }.joined()
        return "t=\(timestamp),v1=\(hex)"
    }

    /// A signed JSON request of DelayGate's own kinds.
    static func webhook(_ value: JSONValue, secret: String, at time: Date, header: String = header) -> RenderedWebhook {
        let body = value.encoded()
        return RenderedWebhook(
            headers: RenderedWebhook.headers(
                contentType: "application/json", (header, Self.value(body: body, secret: secret, at: time))),
            body: body)
    }
}
