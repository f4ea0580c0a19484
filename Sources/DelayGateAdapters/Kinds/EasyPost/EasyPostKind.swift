import DelayGateConfig
import Foundation
import HTTPTypes

/// The `easypost` kind: EasyPost `tracker.created` / `tracker.updated` webhook events.
///
/// ```yaml
/// kind: easypost
/// verification:
///   secret: ${EASYPOST_WEBHOOK_SECRET}             # the webhook_secret set on the webhook
///   previous_secret: ${EASYPOST_WEBHOOK_SECRET_PREVIOUS}
/// options:
///   carriers:                   # optional: EasyPost carrier → DelayGate carrier id
///     UPS: ups
/// ```
public enum EasyPostKind: InboundAdapterKind {
    public static let kindName = "easypost"

    struct Configuration: Decodable {
        var kind: String
        var name: String?
        var description: String?
        var verification: VerificationSecrets
        var options: Options?

        struct Options: Decodable {
            var carriers: [String: String]?
        }
    }

    public static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError)
        -> any InboundAdapter
    {
        let configuration = try decoder.decode(Configuration.self, from: file.node, file: file.path)
        return EasyPostAdapter(
            name: file.name,
            verifier: HMACHeaderVerifier(
                header: HTTPField.Name("X-Hmac-Signature")!, encoding: .hex, prefix: "hmac-sha256-hex=",
                secrets: configuration.verification.pair(in: decoder.environment),
                // EasyPost's own clients key the HMAC with the NFKD form of the secret.
                normalizeKey: { $0.decomposedStringWithCompatibilityMapping }),
            carriers: configuration.options?.carriers ?? [:])
    }
}
