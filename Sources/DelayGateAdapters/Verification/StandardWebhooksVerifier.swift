import Crypto
import DelayGateModel
import Foundation
import HTTPTypes

/// The Standard Webhooks scheme (as used by Svix and others): headers `webhook-id`,
/// `webhook-timestamp` and `webhook-signature`, an HMAC-SHA256 over `id.timestamp.body` keyed
/// with the Base64 part of a `whsec_…` secret, signatures as space-separated `v1,<base64>`.
/// Timestamps more than `tolerance` away from the server's clock are refused (replays).
public struct StandardWebhooksVerifier: RequestVerifier {
    public let tolerance: Duration
    let keys: [SymmetricKey]
    public let missingSecrets: [String]

    static let id = HTTPField.Name("webhook-id")!
    static let timestamp = HTTPField.Name("webhook-timestamp")!
    static let signature = HTTPField.Name("webhook-signature")!

    public init(secrets: SecretPair, tolerance: Duration = .seconds(300)) throws(VerificationFailure) {
        self.tolerance = tolerance
        self.keys = try secrets.values.map { secret throws(VerificationFailure) in try Self.key(from: secret) }
        self.missingSecrets = secrets.missingVariables
    }

    /// The key of a `whsec_<base64>` secret (the prefix is optional).
    static func key(from secret: String) throws(VerificationFailure) -> SymmetricKey {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        guard let bytes = Data(base64Encoded: encoded) else {
            throw VerificationFailure("the Standard Webhooks secret is not whsec_<base64>")
        }
        return SymmetricKey(data: bytes)
    }

    public func verify(_ request: InboundRequest, now: Date) throws(VerificationFailure) {
        guard let id = request.headers[Self.id], let timestamp = request.headers[Self.timestamp],
            let signatures = request.headers[Self.signature]
        else {
            throw VerificationFailure("missing webhook-id, webhook-timestamp or webhook-signature header")
        }
        guard let seconds = Int64(timestamp.trimmingWhitespace()) else {
            throw VerificationFailure("webhook-timestamp is not a Unix time")
        }
        try SignedTime.check(
            Date(timeIntervalSince1970: Double(seconds)), now: now, tolerance: tolerance, name: "webhook-timestamp")
        var content = Data("\(id).\(timestamp.trimmingWhitespace()).".utf8)
        content.append(request.body)
        let candidates = signatures.split(separator: " ").compactMap { entry -> Data? in
            guard entry.hasPrefix("v1,") else { return nil }
            return Data(base64Encoded: String(entry.dropFirst(3)))
        }
        for key in keys {
            for candidate in candidates
            where HMAC<SHA256>.isValidAuthenticationCode(candidate, authenticating: content, using: key) {
                return
            }
        }
        throw VerificationFailure("webhook-signature does not match the body")
    }

    /// Headers for `body` signed with `secret` (for tests, mocks and the demo).
    public static func headers(id: String, body: Data, secret: String, time: Date) throws(VerificationFailure)
        -> HTTPFields
    {
        let timestamp = String(Int64(time.timeIntervalSince1970))
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(body)
        let code = HMAC<SHA256>.authenticationCode(for: content, using: try key(from: secret))
        return [Self.id: id, Self.timestamp: timestamp, Self.signature: "v1," + Data(code).base64EncodedString()]
    }
}
