import DelayGateConfig
import Foundation
import HTTPTypes

/// The `seventeen-track` kind: 17TRACK API v2 pushes (`TRACKING_UPDATED`, `TRACKING_STOPPED`).
///
/// ```yaml
/// kind: seventeen-track
/// verification:
///   secret: ${SEVENTEEN_TRACK_SECURITY_KEY}      # the API security key (17token)
///   previous_secret: ${SEVENTEEN_TRACK_SECURITY_KEY_PREVIOUS}
/// options:
///   default_time_zone: Asia/Shanghai   # for event times without offset whose country has several zones
///   carriers:                          # optional: 17TRACK carrier key → DelayGate carrier id
///     "190008": yunexpress
/// ```
public enum SeventeenTrackKind: InboundAdapterKind {
    public static let kindName = "seventeen-track"

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
        return SeventeenTrackAdapter(
            name: file.name,
            verifier: SuffixedSHA256Verifier(
                header: HTTPField.Name("sign")!, separator: "/",
                secrets: configuration.verification.pair(in: decoder.environment)),
            defaultTimeZone: try ZoneOption.zone(
                configuration.options?.defaultTimeZone, default: "Asia/Shanghai", file: file,
                key: "options.default_time_zone"),
            carriers: configuration.options?.carriers ?? [:])
    }
}
