import DelayGateConfig
import DelayGateModel
import Foundation

/// The `disruption` kind: region- and facility-level disruption notices (weather, traffic,
/// closures) in DelayGate's JSON (see `docs/disruption-json.md`), signed like `canonical-json`.
///
/// ```yaml
/// kind: disruption
/// verification:
///   secret: ${DISRUPTION_FEED_SECRET}
/// ```
public enum DisruptionKind: InboundAdapterKind {
    public static let kindName = "disruption"

    public static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError)
        -> any InboundAdapter
    {
        // A notice sent again with the same id replaces the earlier one (to extend, narrow or lift it).
        let source = file.name
        return try SignedJSONAdapter.make(kind: kindName, file: file, decoder: decoder) {
            body, _, zone throws(PayloadRejection) in
            let (notices, rejected) = try LenientList.collect(Notice.self, key: "notices", from: body) {
                notice throws(FieldError) in
                try notice.notice(source: source, zone: zone)
            }
            return NormalizedPayload(disruptions: notices, rejectedItems: rejected)
        }
    }

    struct Notice: Decodable {
        var id: String
        var kind: DisruptionNotice.Kind
        var severity: DisruptionNotice.Severity
        var routeInterrupted: Bool?
        var regions: [String]?
        var facilities: [String]?
        var validFrom: String
        var validTo: String?
        var title: String
        var description: String?

        enum CodingKeys: String, CodingKey {
            case id, kind, severity, regions, facilities, title, description
            case routeInterrupted = "route_interrupted"
            case validFrom = "valid_from"
            case validTo = "valid_to"
        }

        func notice(source: String, zone: TimeZone) throws(FieldError) -> DisruptionNotice {
            guard !id.isEmpty else { throw FieldError("id: must not be empty") }
            guard !(regions ?? []).isEmpty || !(facilities ?? []).isEmpty else {
                throw FieldError("regions/facilities: a notice must name at least one region or facility")
            }
            guard let from = try OwnJSONTime.instant(validFrom, field: "valid_from", zone: zone) else {
                throw FieldError("valid_from: required")
            }
            let to = try OwnJSONTime.instant(validTo, field: "valid_to", zone: zone)
            if let to, to <= from { throw FieldError("valid_to: must be after valid_from") }
            return DisruptionNotice(
                id: id, kind: kind, severity: severity, routeInterrupted: routeInterrupted ?? false,
                regions: regions ?? [], facilities: facilities ?? [], validFrom: from, validTo: to, title: title,
                detail: description, source: source)
        }
    }
}
