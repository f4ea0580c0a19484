import DelayGateConfig
import Foundation
import HTTPTypes

/// The `aftership` kind: AfterShip tracking webhooks (`tracking_update`).
///
/// ```yaml
/// kind: aftership
/// verification:
///   secret: ${AFTERSHIP_WEBHOOK_SECRET}             # Settings → Webhooks → secret
///   previous_secret: ${AFTERSHIP_WEBHOOK_SECRET_PREVIOUS}
/// options:
///   default_time_zone: Asia/Shanghai   # for checkpoint times without offset whose country has several zones
///   carriers:                           # optional: AfterShip slug → DelayGate carrier id
///     china-ems: ems
/// ```
public enum AfterShipKind: InboundAdapterKind {
    public static let kindName = "aftership"

    struct Configuration: Decodable {
        var kind: String
        var name: String?
        var description: String?
        var verification: VerificationSecrets
        var options: CarrierOptions?
    }

    public static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError)
        -> any InboundAdapter
    {
        let configuration = try decoder.decode(Configuration.self, from: file.node, file: file.path)
        return AfterShipAdapter(
            name: file.name,
            verifier: HMACHeaderVerifier(
                header: HTTPField.Name("aftership-hmac-sha256")!, encoding: .base64,
                secrets: configuration.verification.pair(in: decoder.environment)),
            defaultTimeZone: try ZoneOption.zone(
                configuration.options?.defaultTimeZone, default: "Asia/Shanghai", file: file,
                key: "options.default_time_zone"),
            carriers: configuration.options?.carriers ?? [:])
    }
}
