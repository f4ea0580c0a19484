import DelayGateModel
import Foundation
import GRDB

/// Stores tracking events once each and folds the new ones into shipment state.
public enum EventStore {
    /// What recording a batch of events did.
    public struct Outcome: Sendable, Hashable {
        /// Events stored for the first time.
        public var inserted: Int = 0
        /// Events already stored (carrier retries, full-history pushes).
        public var duplicates: Int = 0
        /// Shipments whose current milestone, node or open/closed state changed.
        public var changedShipments: [ShipmentKey] = []

        public init() {}
    }

    /// Inserts each event unless its ``DedupKey`` is already stored, then applies the newly
    /// stored ones to their shipments.
    ///
    /// Duplicates never touch shipment state, and ``Shipment/apply(_:)`` ignores stale events,
    /// so recording the same events again, or in another order, leaves the same state.
    @discardableResult
    public static func record(
        _ events: [TrackingEvent],
        inboxID: Int64?,
        at now: Date,
        in db: Database
    ) throws -> Outcome {
        var outcome = Outcome()
        var newEvents: [ShipmentKey: [TrackingEvent]] = [:]
        var shipmentOrder: [ShipmentKey] = []
        let insert = try BoundStatement(
            db,
            sql: """
                INSERT OR IGNORE INTO events (
                    dedup_key, carrier, tracking_number, event_at, time_source, time_detail, received_at,
                    milestone, raw_code, raw_text, facility_code, facility_name, city, region, country,
                    latitude, longitude, direction, carrier_event_id, inbox_id, details)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for event in events {
            insert.bind(1, event.dedupKey.bytes)
            insert.bind(2, event.carrier)
            insert.bind(3, event.trackingNumber)
            insert.bind(4, event.time.instant.millisecondsSince1970)
            insert.bind(5, event.time.source.kind)
            insert.bind(6, event.time.source.detail)
            insert.bind(7, event.receivedAt.millisecondsSince1970)
            insert.bind(8, event.milestone.rawValue)
            insert.bind(9, event.carrierStatus.code)
            insert.bind(10, event.carrierStatus.text)
            insert.bind(event.node, from: 11)
            insert.bind(18, event.direction.rawValue)
            insert.bind(19, event.carrierEventID)
            insert.bind(20, inboxID)
            insert.bind(21, event.details.isEmpty ? nil : try EventDetailsColumn.encode(event.details))
            try insert.run()
            guard db.changesCount == 1 else {
                outcome.duplicates += 1
                continue
            }
            outcome.inserted += 1
            let key = event.shipmentKey
            if newEvents[key] == nil { shipmentOrder.append(key) }
            newEvents[key, default: []].append(event)
        }

        for key in shipmentOrder {
            guard let events = newEvents[key] else { continue }
            let stored = try ShipmentStore.shipment(key, in: db)
            var shipment = stored ?? Shipment(firstEvent: events[0])
            var changed = stored == nil
            for event in events.dropFirst(stored == nil ? 1 : 0) {
                changed = shipment.apply(event) || changed
            }
            try ShipmentStore.save(shipment, at: now, in: db)
            if changed { outcome.changedShipments.append(key) }
        }
        return outcome
    }

    /// A shipment's events in time order.
    public static func events(for key: ShipmentKey, in db: Database) throws -> [StoredEvent] {
        try StoredEvent.fetchAll(
            db,
            sql: "SELECT * FROM events WHERE carrier = ? AND tracking_number = ? ORDER BY event_at, id",
            arguments: [key.carrier, key.trackingNumber])
    }

    /// Number of stored events.
    public static func count(in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0
    }
}

/// The JSON form of ``EventDetails`` in the `events.details` column.
enum EventDetailsColumn {
    static func encode(_ details: EventDetails) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(details), as: UTF8.self)
    }

    static func decode(_ text: String?) -> EventDetails {
        guard let text, let details = try? JSONDecoder().decode(EventDetails.self, from: Data(text.utf8)) else {
            return EventDetails()
        }
        return details
    }
}
