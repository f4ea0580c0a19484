import DelayGateModel
import Foundation
import GRDB

/// A tracking event as stored, with its row id and the inbox row it came from.
public struct StoredEvent: Sendable, Hashable, FetchableRecord {
    public var id: Int64
    public var inboxID: Int64?
    public var dedupKey: DedupKey
    public var event: TrackingEvent

    public init(row: Row) throws {
        id = row["id"]
        inboxID = row["inbox_id"]
        dedupKey = DedupKey(bytes: row["dedup_key"])
        let sourceKind: String = row["time_source"]
        let sourceDetail: String = row["time_detail"]
        guard let source = TimeSource(kind: sourceKind, detail: sourceDetail) else {
            throw DatabaseError(message: "event \(id) has an unreadable time source '\(sourceKind)/\(sourceDetail)'")
        }
        event = TrackingEvent(
            carrier: row["carrier"],
            trackingNumber: row["tracking_number"],
            time: EventTime(instant: Date(millisecondsSince1970: row["event_at"]), source: source),
            receivedAt: Date(millisecondsSince1970: row["received_at"]),
            milestone: Milestone(rawValue: row["milestone"]) ?? .unknown,
            carrierStatus: CarrierStatus(code: row["raw_code"], text: row["raw_text"]),
            node: TrackingNode(row: row),
            direction: Direction(rawValue: row["direction"]) ?? .forward,
            carrierEventID: row["carrier_event_id"],
            details: EventDetailsColumn.decode(row["details"]))
    }
}

extension TrackingNode {
    /// Reads the node columns shared by the events and shipments tables.
    init(row: Row) {
        let latitude: Double? = row["latitude"]
        let longitude: Double? = row["longitude"]
        self.init(
            facilityCode: row["facility_code"],
            facilityName: row["facility_name"],
            city: row["city"],
            region: row["region"],
            country: row["country"],
            coordinates: latitude.flatMap { lat in longitude.map { Coordinates(latitude: lat, longitude: $0) } })
    }
}
