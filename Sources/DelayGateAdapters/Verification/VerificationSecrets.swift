import DelayGateConfig

/// The `verification:` section shared by carrier kinds: the secret and, during a rotation, the
/// one it replaces.
///
/// ```yaml
/// verification:
///   secret: ${AFTERSHIP_WEBHOOK_SECRET}
///   previous_secret: ${AFTERSHIP_WEBHOOK_SECRET_PREVIOUS}   # optional
/// ```
public struct VerificationSecrets: Decodable, Sendable {
    public var secret: SecretReference
    public var previousSecret: SecretReference?

    enum CodingKeys: String, CodingKey {
        case secret
        case previousSecret = "previous_secret"
    }

    public func pair(in environment: [String: String]) -> SecretPair {
        SecretPair(current: secret, previous: previousSecret, environment: environment)
    }
}
