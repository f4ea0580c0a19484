import Crypto
import DelayGateModel
import Foundation
import HTTPTypes

/// Zendesk's webhook signature: `X-Zendesk-Webhook-Signature` holds the Base64 HMAC-SHA256 of the
/// `X-Zendesk-Webhook-Signature-Timestamp` value followed directly by the raw body, keyed with the
/// webhook's signing secret as text (Admin Center → Webhooks → the webhook → Reveal secret).
///
/// Zendesk sets no replay window; this verifier refuses timestamps more than `tolerance` away from
/// the server's clock, so a captured request cannot be replayed later.
public struct ZendeskWebhookVerifier: RequestVerifier {
    public static let signatureHeader = HTTPField.Name("X-Zendesk-Webhook-Signature")!
    public static let timestampHeader = HTTPField.Name("X-Zendesk-Webhook-Signature-Timestamp")!

    let keys: [SymmetricKey]
    public let tolerance: Duration
    public let missingSecrets: [String]

    public init(secrets: SecretPair, tolerance: Duration = .seconds(300)) {
        self.keys = secrets.keys
        self.tolerance = tolerance
        self.missingSecrets = secrets.missingVariables
    }

    public func verify(_ request: InboundRequest, now: Date) throws(VerificationFailure) {
        guard let signature = request.headers[Self.signatureHeader], !signature.isEmpty else {
            throw VerificationFailure("missing \(Self.signatureHeader.canonicalName) header")
        }
        guard let timestamp = request.headers[Self.timestampHeader], !timestamp.isEmpty else {
            throw VerificationFailure("missing \(Self.timestampHeader.canonicalName) header")
        }
        guard case .instant(let signedAt, _) = CarrierTimestamp.parse(String(timestamp.trimmingWhitespace())) else {
            throw VerificationFailure(
                "\(Self.timestampHeader.canonicalName) is not an ISO 8601 time such as 2026-11-11T08:30:00Z")
        }
        try SignedTime.check(signedAt, now: now, tolerance: tolerance, name: Self.timestampHeader.canonicalName)
        if let code = Data(base64Encoded: String(signature.trimmingWhitespace())), code.count == SHA256.byteCount {
            for key in keys where Self.authenticationCode(timestamp: timestamp, body: request.body, key: key) == code {
                return
            }
        }
        throw VerificationFailure("\(Self.signatureHeader.canonicalName) does not match the body")
    }

    /// HMAC-SHA256 over the timestamp text and then the body, fed in pieces so the body is not copied.
    static func authenticationCode(timestamp: String, body: Data, key: SymmetricKey) -> HashedAuthenticationCode<SHA256> {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Data(timestamp.utf8))
        hmac.update(data: body)
        return hmac.finalize()
    }

    /// The two signature headers for `body` signed with `secret` at `time` (tests, mocks, the demo).
    public static func headers(body: Data, secret: String, time: Date) -> HTTPFields {
        let timestamp = ISO8601DateFormatter().string(from: time)
        let code = authenticationCode(timestamp: timestamp, body: body, key: SymmetricKey(data: Data(secret.utf8)))
        return [signatureHeader: Data(code).base64EncodedString(), timestampHeader: timestamp]
    }
}
