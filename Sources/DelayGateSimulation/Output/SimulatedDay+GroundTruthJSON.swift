import DelayGateModel
import Foundation

extension SimulatedDay {
    /// The disruption notices as a `{"notices":[…]}` body in the `disruption` format
    /// (docs/disruption-json.md).
    public func disruptionsJSON() -> Data {
        var writer = JSONBytes()
        writer.raw("{\"notices\":[")
        for (i, notice) in disruptions.enumerated() {
            if i > 0 { writer.raw(",") }
            writer.raw("\n{")
            writer.key("id")
            writer.string(notice.id)
            writer.raw(",")
            writer.key("kind")
            writer.string(notice.kind.rawValue)
            writer.raw(",")
            writer.key("severity")
            writer.string(notice.severity.rawValue)
            writer.raw(",")
            writer.key("route_interrupted")
            writer.bool(notice.routeInterrupted)
            writer.raw(",")
            writer.key("regions")
            writer.stringArray(notice.regions)
            writer.raw(",")
            writer.key("facilities")
            writer.stringArray(notice.facilities)
            writer.raw(",")
            writer.key("valid_from")
            writer.time(notice.validFrom)
            if let to = notice.validTo {
                writer.raw(",")
                writer.key("valid_to")
                writer.time(to)
            }
            writer.raw(",")
            writer.key("title")
            writer.string(notice.title)
            if let detail = notice.detail {
                writer.raw(",")
                writer.key("description")
                writer.string(detail)
            }
            writer.raw("}")
        }
        writer.raw("\n]}\n")
        return writer.data
    }

    /// The ground truth as `{"incidents":[…]}` (docs/simulation.md): one object per incident
    /// with `kind`, `severity`, `carrier`, `tracking_number`, `order_id`, `starts_at`, `ends_at`
    /// (null while stuck), `facility_code`, `milestone` and the kind's own members.
    public func incidentsJSON() -> Data {
        var writer = JSONBytes()
        writer.raw("{\"incidents\":[")
        for (i, incident) in incidents.enumerated() {
            if i > 0 { writer.raw(",") }
            writer.raw("\n{")
            writer.key("kind")
            writer.string(incident.kindName)
            writer.raw(",")
            writer.key("severity")
            writer.string(incident.severity.rawValue)
            writer.raw(",")
            writer.key("carrier")
            writer.string(incident.shipment.carrier)
            writer.raw(",")
            writer.key("tracking_number")
            writer.string(incident.shipment.trackingNumber)
            writer.raw(",")
            writer.key("order_id")
            writer.string(incident.orderID)
            writer.raw(",")
            writer.key("starts_at")
            writer.time(incident.startsAt)
            writer.raw(",")
            writer.key("ends_at")
            if let end = incident.endsAt { writer.time(end) } else { writer.raw("null") }
            writer.raw(",")
            writer.key("facility_code")
            writer.optionalString(incident.facilityCode)
            writer.raw(",")
            writer.key("milestone")
            writer.optionalString(incident.milestone?.rawValue)
            switch incident.kind {
            case .stall(_, _, let seconds, let p90):
                writer.raw(",")
                writer.key("stall_seconds")
                writer.double(seconds)
                writer.raw(",")
                writer.key("nominal_p90_seconds")
                writer.double((p90 * 1000).rounded() / 1000)
                writer.raw(",")
                writer.key("ratio")
                writer.double((seconds / p90 * 1000).rounded() / 1000)
            case .customsHold(let documents):
                writer.raw(",")
                writer.key("missing_documents")
                writer.stringArray(documents)
            case .presaleSlip(let eta, let promisedShip):
                writer.raw(",")
                writer.key("supplier_eta")
                writer.time(eta)
                writer.raw(",")
                writer.key("promised_ship_date")
                writer.localDate(promisedShip)
            case .disruption(let noticeID):
                writer.raw(",")
                writer.key("notice_id")
                writer.string(noticeID)
            case .returnStall, .lostOrDamaged:
                break
            }
            writer.raw("}")
        }
        writer.raw("\n]}\n")
        return writer.data
    }

    /// The network as JSON: carriers, facilities, lanes, the peak calendar and every dwell's
    /// true distribution (`{"carrier", "facility_code", "milestone", "next_facility_code",
    /// "median_seconds", "sigma", "min_seconds", "max_seconds", "p50_seconds", "p90_seconds"}`).
    public func networkJSON() -> Data {
        struct DwellEntry: Encodable {
            var key: DwellKey
            var distribution: DwellDistribution

            func encode(to encoder: any Encoder) throws {
                try key.encode(to: encoder)
                try distribution.encode(to: encoder)
            }
        }
        struct Document: Encodable {
            var carriers: [SimulatedCarrier]
            var facilities: [Facility]
            var lanes: [Lane]
            var calendar: PeakCalendar
            var dwells: [DwellEntry]
        }
        let network = self.network
        let dwells = network.dwells.map { DwellEntry(key: $0.key, distribution: $0.value) }.sorted { a, b in
            (a.key.carrier, a.key.facilityCode, a.key.milestone.rawValue, a.key.nextFacilityCode ?? "")
                < (b.key.carrier, b.key.facilityCode, b.key.milestone.rawValue, b.key.nextFacilityCode ?? "")
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(ShanghaiTime.rfc3339(date))
        }
        // Every member is a plain value; encoding cannot fail.
        return
            (try? encoder.encode(
                Document(
                    carriers: network.carriers, facilities: network.facilities, lanes: network.lanes,
                    calendar: network.calendar, dwells: dwells))) ?? Data()
    }
}
