import Crypto
import DelayGateConfig
import Foundation

/// An adapter's verification secret and, during a rotation, the one it replaces.
///
/// Both are named in the adapter file as `${VARIABLE}` and read from the environment when the
/// adapter is built. Requests are accepted when they verify with either, so a sender can switch
/// to the new secret at any moment of the rotation window.
///
/// ```yaml
/// verification:
///   secret: ${ACME_WEBHOOK_SECRET}
///   previous_secret: ${ACME_WEBHOOK_SECRET_PREVIOUS}   # only while rotating
/// ```
public struct SecretPair: Sendable {
    public let current: SecretReference
    public let previous: SecretReference?
    /// The values that are set, current first.
    public let values: [String]
    /// The current secret's variable when it is unset (the adapter then answers 503).
    public let missingVariables: [String]

    public init(current: SecretReference, previous: SecretReference?, environment: [String: String]) {
        self.current = current
        self.previous = previous
        let currentValue = current.value(in: environment)
        self.values = [currentValue, previous?.value(in: environment)].compactMap { $0 }
        self.missingVariables = currentValue == nil ? [current.variable] : []
    }

    /// The secrets as HMAC keys, current first.
    public var keys: [SymmetricKey] {
        values.map { SymmetricKey(data: Data($0.utf8)) }
    }
}
