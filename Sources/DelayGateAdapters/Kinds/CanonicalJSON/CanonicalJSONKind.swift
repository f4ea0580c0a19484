import DelayGateConfig
import Foundation

/// The `canonical-json` kind: DelayGate's own JSON for batches of canonical events, signed with
/// ``TimestampedHMACSignature``. Integrators and in-house systems post here; carriers have
/// their own kinds.
///
/// Adapter file:
/// ```yaml
/// kind: canonical-json
/// verification:
///   secret: ${DELAYGATE_INTEGRATOR_SECRET}
///   previous_secret: ${DELAYGATE_INTEGRATOR_SECRET_PREVIOUS}  # optional, during rotation
///   header: X-DelayGate-Signature                             # optional
///   tolerance_seconds: 300                                    # optional
/// options:
///   default_time_zone: Asia/Shanghai   # for times without an offset whose place gives no zone
///   carrier: sf-express                # optional: the carrier when events omit it
/// ```
public enum CanonicalJSONKind: InboundAdapterKind {
    public static let kindName = "canonical-json"

    struct Configuration: Decodable {
        var kind: String
        var name: String?
        var description: String?
        var verification: Verification
        var options: Options?

        struct Verification: Decodable {
            var secret: SecretReference
            var previousSecret: SecretReference?
            var header: String?
            var toleranceSeconds: Int?

            enum CodingKeys: String, CodingKey {
                case secret, header
                case previousSecret = "previous_secret"
                case toleranceSeconds = "tolerance_seconds"
            }
        }

        struct Options: Decodable {
            var defaultTimeZone: String?
            var carrier: String?

            enum CodingKeys: String, CodingKey {
                case carrier
                case defaultTimeZone = "default_time_zone"
            }
        }
    }

    public static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError)
        -> any InboundAdapter
    {
        let configuration = try decoder.decode(Configuration.self, from: file.node, file: file.path)
        let zoneName = configuration.options?.defaultTimeZone ?? "Asia/Shanghai"
        guard let zone = TimeZone(identifier: zoneName) else {
            throw ConfigError(
                file: file.path, key: "options.default_time_zone",
                message: "'\(zoneName)' is not an IANA time zone such as Asia/Shanghai")
        }
        let header = configuration.verification.header ?? "X-DelayGate-Signature"
        guard !header.isEmpty, header.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw ConfigError(
                file: file.path, key: "verification.header", message: "'\(header)' is not a valid header name")
        }
        let tolerance = configuration.verification.toleranceSeconds ?? 300
        guard (1...86_400).contains(tolerance) else {
            throw ConfigError(
                file: file.path, key: "verification.tolerance_seconds",
                message: "expected 1 to 86400 seconds, found \(tolerance)")
        }
        if let carrier = configuration.options?.carrier, carrier.isEmpty {
            throw ConfigError(file: file.path, key: "options.carrier", message: "must not be empty")
        }
        return CanonicalJSONAdapter(
            name: file.name,
            signature: TimestampedHMACSignature(headerName: header, tolerance: .seconds(tolerance)),
            secrets: SecretPair(
                current: configuration.verification.secret, previous: configuration.verification.previousSecret,
                environment: decoder.environment),
            defaultTimeZone: zone,
            fixedCarrier: configuration.options?.carrier)
    }
}
