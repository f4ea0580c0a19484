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
        var verification: SignedJSONVerification
        var options: Options?

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
        if let carrier = configuration.options?.carrier, carrier.isEmpty {
            throw ConfigError(file: file.path, key: "options.carrier", message: "must not be empty")
        }
        return CanonicalJSONAdapter(
            name: file.name,
            verifier: try configuration.verification.verifier(file: file, environment: decoder.environment),
            format: CanonicalJSONFormat(
                defaultTimeZone: try ZoneOption.zone(
                    configuration.options?.defaultTimeZone, default: "Asia/Shanghai", file: file,
                    key: "options.default_time_zone"),
                fixedCarrier: configuration.options?.carrier))
    }
}
