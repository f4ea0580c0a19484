import DelayGateConfig
import Foundation
import HTTPTypes

/// A `verification:` section whose scheme is chosen by configuration, for senders that let an
/// admin pick how they authenticate (the `json-mapping` kind, Freshdesk's automation webhooks).
///
/// ```yaml
/// verification:
///   scheme: hmac-sha256                 # standard-webhooks | hmac-sha256 | basic | bearer
///   secret: ${ACME_WEBHOOK_SECRET}
///   previous_secret: ${ACME_WEBHOOK_SECRET_PREVIOUS}   # optional, while rotating
///   header: X-Acme-Signature            # hmac-sha256 only
///   encoding: hex                       # hmac-sha256 only: hex | base64
///   prefix: "sha256="                   # hmac-sha256 only
///   username: delaygate                 # basic only
///   tolerance_seconds: 300              # standard-webhooks only
/// ```
public struct ConfiguredVerification: Decodable, Sendable {
    public var scheme: String
    public var secret: SecretReference
    public var previousSecret: SecretReference?
    public var header: String?
    public var encoding: HMACHeaderVerifier.Encoding?
    public var prefix: String?
    public var username: String?
    public var toleranceSeconds: Int?

    /// Every scheme, in the order error messages list them.
    public static let schemes = ["standard-webhooks", "hmac-sha256", "basic", "bearer"]

    enum CodingKeys: String, CodingKey {
        case scheme, secret, header, encoding, prefix, username
        case previousSecret = "previous_secret"
        case toleranceSeconds = "tolerance_seconds"
    }

    /// Builds the verifier of the scheme; keys the scheme does not use are errors.
    /// - Parameter schemes: the schemes this kind offers (a subset of ``schemes``).
    public func verifier(
        file: AdapterFile, environment: [String: String], schemes allowed: [String] = ConfiguredVerification.schemes
    ) throws(ConfigError) -> any RequestVerifier {
        let secrets = SecretPair(current: secret, previous: previousSecret, environment: environment)
        guard allowed.contains(scheme) else {
            throw ConfigError(
                file: file.path, key: "verification.scheme",
                message: "unknown scheme '\(scheme)'; known schemes: \(allowed.joined(separator: ", "))")
        }
        let used: [String: [String]] = [
            "hmac-sha256": ["header", "encoding", "prefix"], "standard-webhooks": ["tolerance_seconds"],
            "basic": ["username"], "bearer": [],
        ]
        let present: [(String, Any?)] = [
            ("header", header), ("encoding", encoding), ("prefix", prefix), ("username", username),
            ("tolerance_seconds", toleranceSeconds),
        ]
        for (key, value) in present where value != nil && !(used[scheme] ?? []).contains(key) {
            throw ConfigError(file: file.path, key: "verification.\(key)", message: "not used by the '\(scheme)' scheme")
        }
        switch scheme {
        case "hmac-sha256":
            guard let header, let name = HTTPField.Name(header) else {
                throw ConfigError(
                    file: file.path, key: "verification.header",
                    message: "the hmac-sha256 scheme needs the header that carries the signature")
            }
            return HMACHeaderVerifier(header: name, encoding: encoding ?? .hex, prefix: prefix ?? "", secrets: secrets)
        case "standard-webhooks":
            let tolerance = toleranceSeconds ?? 300
            guard (1...86_400).contains(tolerance) else {
                throw ConfigError(
                    file: file.path, key: "verification.tolerance_seconds",
                    message: "expected 1 to 86400 seconds, found \(tolerance)")
            }
            do {
                return try StandardWebhooksVerifier(secrets: secrets, tolerance: .seconds(tolerance))
            } catch {
                throw ConfigError(
                    file: file.path, key: "verification.secret",
                    message: "the value of \(secret.variable) is not a whsec_<base64> secret")
            }
        case "basic":
            guard let username, !username.isEmpty else {
                throw ConfigError(
                    file: file.path, key: "verification.username", message: "the basic scheme needs a username")
            }
            return BasicAuthVerifier(username: username, passwords: secrets)
        default:
            return BearerTokenVerifier(tokens: secrets)
        }
    }
}
