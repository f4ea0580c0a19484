import DelayGateConfig
import DelayGateModel
import Foundation
import HTTPTypes

/// The `json-mapping` kind: any carrier that posts JSON, described by its adapter file alone.
///
/// The file says how requests are authenticated, where the events are in the body, which path
/// holds each canonical field, how times are written, and how the carrier's status codes map to
/// milestones. A new carrier that fits needs a file in `adapters/`, not code.
///
/// ```yaml
/// kind: json-mapping
/// carrier: acme-express                 # carrier id of every event (or map `carrier` below)
/// verification:
///   scheme: hmac-sha256                 # standard-webhooks | hmac-sha256 | basic | bearer
///   secret: ${ACME_WEBHOOK_SECRET}
///   header: X-Acme-Signature            # hmac-sha256 only
///   encoding: hex                       # hmac-sha256 only: hex | base64
/// mapping:
///   events: $.data.scans[*]             # `$` alone when the body is one event
///   tracking_number: $.data.waybill     # `$…` from the body, other paths from each event
///   time: scanned_at
///   time_format: "yyyy-MM-dd HH:mm:ss"  # rfc3339 | unix | unix_ms | a pattern
///   time_zone: Asia/Shanghai            # for times without an offset (recorded as assumed)
///   status: code
///   status_text: remark
///   city: site.city
/// statuses:
///   "10": picked_up
///   "20": hub_arrival
/// stall_statuses: ["90"]                # codes that mean the carrier itself reports a stall
/// ```
public enum JSONMappingKind: InboundAdapterKind {
    public static let kindName = "json-mapping"

    struct Configuration: Decodable {
        var kind: String
        var name: String?
        var description: String?
        var carrier: String?
        var verification: ConfiguredVerification
        var mapping: Mapping
        var statuses: [String: String]
        var stallStatuses: [String]?

        enum CodingKeys: String, CodingKey {
            case kind, name, description, carrier, verification, mapping, statuses
            case stallStatuses = "stall_statuses"
        }

        struct Mapping: Decodable {
            var events: String?
            var trackingNumber: String
            var carrier: String?
            var time: String
            var timeFormat: String?
            var timeZone: String?
            var status: String
            var statusText: String?
            var eventID: String?
            var facilityCode: String?
            var facilityName: String?
            var city: String?
            var region: String?
            var country: String?
            var latitude: String?
            var longitude: String?
            var direction: String?
            var returnValues: [String]?
            var missingDocuments: String?

            enum CodingKeys: String, CodingKey {
                case events, carrier, time, status, city, region, country, latitude, longitude, direction
                case trackingNumber = "tracking_number"
                case timeFormat = "time_format"
                case timeZone = "time_zone"
                case statusText = "status_text"
                case eventID = "event_id"
                case facilityCode = "facility_code"
                case facilityName = "facility_name"
                case returnValues = "return_values"
                case missingDocuments = "missing_documents"
            }
        }
    }

    public static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError)
        -> any InboundAdapter
    {
        let configuration = try decoder.decode(Configuration.self, from: file.node, file: file.path)
        return JSONMappingAdapter(
            name: file.name,
            verifier: try configuration.verification.verifier(file: file, environment: decoder.environment),
            mapping: try compile(configuration, file: file))
    }

    static func compile(_ configuration: Configuration, file: AdapterFile) throws(ConfigError)
        -> JSONMappingAdapter.Mapping
    {
        let mapping = configuration.mapping
        func path(_ text: String?, _ key: String) throws(ConfigError) -> JSONPath? {
            guard let text else { return nil }
            guard let path = JSONPath(text) else {
                throw ConfigError(
                    file: file.path, key: "mapping.\(key)",
                    message: "'\(text)' is not a path such as $.data.scans[*], $.waybill or site.city")
            }
            return path
        }
        guard configuration.carrier != nil || mapping.carrier != nil else {
            throw ConfigError(
                file: file.path, key: "carrier", message: "name the carrier, or map its path with mapping.carrier")
        }
        let formatText = mapping.timeFormat ?? "rfc3339"
        guard let format = TimePattern(formatText) else {
            throw ConfigError(
                file: file.path, key: "mapping.time_format",
                message: "'\(formatText)' is not rfc3339, unix, unix_ms or a pattern such as yyyy-MM-dd HH:mm:ss")
        }
        var statuses: [String: Milestone] = [:]
        for (code, name) in configuration.statuses {
            guard let milestone = Milestone(rawValue: name) else {
                throw ConfigError(
                    file: file.path, key: "statuses.\(code)",
                    message:
                        "'\(name)' is not a milestone; use one of \(Milestone.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            statuses[code] = milestone
        }
        return JSONMappingAdapter.Mapping(
            events: try path(mapping.events ?? "$", "events")!,
            trackingNumber: try path(mapping.trackingNumber, "tracking_number")!,
            fixedCarrier: configuration.carrier,
            carrier: try path(mapping.carrier, "carrier"),
            time: try path(mapping.time, "time")!,
            timeFormat: format,
            timeZone: try ZoneOption.zone(
                mapping.timeZone, default: "Asia/Shanghai", file: file, key: "mapping.time_zone"),
            status: try path(mapping.status, "status")!,
            statusText: try path(mapping.statusText, "status_text"),
            eventID: try path(mapping.eventID, "event_id"),
            facilityCode: try path(mapping.facilityCode, "facility_code"),
            facilityName: try path(mapping.facilityName, "facility_name"),
            city: try path(mapping.city, "city"),
            region: try path(mapping.region, "region"),
            country: try path(mapping.country, "country"),
            latitude: try path(mapping.latitude, "latitude"),
            longitude: try path(mapping.longitude, "longitude"),
            direction: try path(mapping.direction, "direction"),
            returnValues: Set(mapping.returnValues ?? ["return"]),
            missingDocuments: try path(mapping.missingDocuments, "missing_documents"),
            statuses: statuses,
            stallStatuses: Set(configuration.stallStatuses ?? []))
    }
}
