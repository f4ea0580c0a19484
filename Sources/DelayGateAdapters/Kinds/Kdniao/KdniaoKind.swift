import DelayGateConfig
import Foundation

/// The `kdniao` kind: Kdniao (快递鸟) trace pushes, RequestType 101 and 102.
///
/// ```yaml
/// kind: kdniao
/// verification:
///   app_key: ${KDNIAO_APP_KEY}                    # the merchant's AppKey (电商加密私钥)
///   previous_app_key: ${KDNIAO_APP_KEY_PREVIOUS}  # optional, during a rotation
/// options:
///   ebusiness_id: "1237100"     # optional: echoed in acknowledgements (else taken from the push)
///   time_zone: Asia/Shanghai    # AcceptTime has no offset; recorded as an assumed zone
///   carriers:                   # optional: Kdniao ShipperCode → DelayGate carrier id
///     SF: sf-express
///     YTO: yto
/// ```
public enum KdniaoKind: InboundAdapterKind {
    public static let kindName = "kdniao"

    struct Configuration: Decodable {
        var kind: String
        var name: String?
        var description: String?
        var verification: Verification
        var options: Options?

        struct Verification: Decodable {
            var appKey: SecretReference
            var previousAppKey: SecretReference?

            enum CodingKeys: String, CodingKey {
                case appKey = "app_key"
                case previousAppKey = "previous_app_key"
            }
        }

        struct Options: Decodable {
            var ebusinessID: String?
            var timeZone: String?
            var carriers: [String: String]?

            enum CodingKeys: String, CodingKey {
                case carriers
                case ebusinessID = "ebusiness_id"
                case timeZone = "time_zone"
            }
        }
    }

    public static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError)
        -> any InboundAdapter
    {
        let configuration = try decoder.decode(Configuration.self, from: file.node, file: file.path)
        let zone = try ZoneOption.zone(
            configuration.options?.timeZone, default: "Asia/Shanghai", file: file, key: "options.time_zone")
        return KdniaoAdapter(
            name: file.name,
            verifier: KdniaoSignature(
                appKeys: SecretPair(
                    current: configuration.verification.appKey, previous: configuration.verification.previousAppKey,
                    environment: decoder.environment)),
            timeZone: zone,
            ebusinessID: configuration.options?.ebusinessID,
            carriers: configuration.options?.carriers ?? [:])
    }
}
