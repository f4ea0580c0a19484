import Crypto
import DelayGateConfig
import Foundation
import HTTPTypes

/// The `verification:` section of DelayGate's own JSON kinds (`canonical-json`, `customs`,
/// `disruption`, `orders`): a secret for ``TimestampedHMACSignature``.
///
/// ```yaml
/// verification:
///   secret: ${DELAYGATE_INTEGRATOR_SECRET}
///   previous_secret: ${DELAYGATE_INTEGRATOR_SECRET_PREVIOUS}   # optional, during rotation
///   header: X-DelayGate-Signature                              # optional
///   tolerance_seconds: 300                                     # optional
/// ```
struct SignedJSONVerification: Decodable {
    var secret: SecretReference
    var previousSecret: SecretReference?
    var header: String?
    var toleranceSeconds: Int?

    enum CodingKeys: String, CodingKey {
        case secret, header
        case previousSecret = "previous_secret"
        case toleranceSeconds = "tolerance_seconds"
    }

    func verifier(file: AdapterFile, environment: [String: String]) throws(ConfigError) -> TimestampedHMACVerifier {
        let header = self.header ?? "X-DelayGate-Signature"
        guard let name = HTTPField.Name(header) else {
            throw ConfigError(
                file: file.path, key: "verification.header", message: "'\(header)' is not a valid header name")
        }
        let tolerance = toleranceSeconds ?? 300
        guard (1...86_400).contains(tolerance) else {
            throw ConfigError(
                file: file.path, key: "verification.tolerance_seconds",
                message: "expected 1 to 86400 seconds, found \(tolerance)")
        }
        return TimestampedHMACVerifier(
            header: name,
            signature: TimestampedHMACSignature(headerName: header, tolerance: .seconds(tolerance)),
            secrets: SecretPair(current: secret, previous: previousSecret, environment: environment))
    }
}

/// ``TimestampedHMACSignature`` bound to its header and keys.
public struct TimestampedHMACVerifier: RequestVerifier {
    let header: HTTPField.Name
    let signature: TimestampedHMACSignature
    let keys: [SymmetricKey]
    public let missingSecrets: [String]

    init(header: HTTPField.Name, signature: TimestampedHMACSignature, secrets: SecretPair) {
        self.header = header
        self.signature = signature
        self.keys = secrets.keys
        self.missingSecrets = secrets.missingVariables
    }

    public func verify(_ request: InboundRequest, now: Date) throws(VerificationFailure) {
        try signature.verify(headerValue: request.headers[header], body: request.body, keys: keys, now: now)
    }
}
