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
        /// Every shipment that received new events: its state before (nil when new) and after.
        public var transitions: [Transition] = []

        /// Shipments whose current milestone, node or open/closed state changed.
        public var changedShipments: [ShipmentKey] { transitions.filter(\.changed).map(\.after.key) }

        public init() {}
    }

    /// One shipment's state before and after a batch of new events.
    public struct Transition: Sendable, Hashable {
        public var before: Shipment?
        public var after: Shipment
        /// Whether the milestone, node or open/closed state changed.
        public var changed: Bool
        /// The events newly stored for the shipment, in the order they were sent.
        public var newEvents: [TrackingEvent]
    }

    /// Inserts each event unless its ``DedupKey`` is already stored, then applies the newly
    /// stored ones to their shipments and makes those shipments due for evaluation at `now`
    /// (news can end a stall, or start one).
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
            shipment.nextCheckAt = now
            try ShipmentStore.save(shipment, at: now, in: db)
            outcome.transitions.append(Transition(before: stored, after: shipment, changed: changed, newEvents: events))
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

    /// Details of the newest event of a shipment at the given milestone (the missing documents of
    /// its customs event, say); empty when there is none.
    public static func latestDetails(for key: ShipmentKey, milestone: Milestone, in db: Database) throws -> EventDetails
    {
        let select = try BoundStatement(
            db,
            sql: """
                SELECT details FROM events WHERE carrier = ? AND tracking_number = ? AND milestone = ?
                ORDER BY event_at DESC, id DESC LIMIT 1
                """)
        select.bind(1, key.carrier)
        select.bind(2, key.trackingNumber)
        select.bind(3, milestone.rawValue)
        guard try select.step() else { return EventDetails() }
        return EventDetailsColumn.decode(select.string(0))
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
