import DelayGateModel
import Foundation
import GRDB

/// Reads and writes shipment state.
public enum ShipmentStore {
    /// The stored state of one shipment.
    public static func shipment(_ key: ShipmentKey, in db: Database) throws -> Shipment? {
        let select = try BoundStatement(
            db,
            sql: """
                SELECT direction, milestone, raw_code, raw_text, facility_code, facility_name, city, region, country,
                       latitude, longitude, current_since, last_event_at, first_event_at, next_check_at, state,
                       event_count
                FROM shipments WHERE carrier = ? AND tracking_number = ?
                """)
        select.bind(1, key.carrier)
        select.bind(2, key.trackingNumber)
        guard try select.step() else { return nil }
        return Shipment(
            key: key,
            direction: select.string(0).flatMap(Direction.init(rawValue:)) ?? .forward,
            milestone: select.string(1).flatMap(Milestone.init(rawValue:)) ?? .unknown,
            carrierStatus: CarrierStatus(code: select.string(2) ?? "", text: select.string(3)),
            node: select.node(from: 4),
            currentSince: Date(millisecondsSince1970: select.int64(11) ?? 0),
            lastEventAt: Date(millisecondsSince1970: select.int64(12) ?? 0),
            firstEventAt: Date(millisecondsSince1970: select.int64(13) ?? 0),
            nextCheckAt: select.int64(14).map(Date.init(millisecondsSince1970:)),
            state: select.string(15).flatMap(Shipment.State.init(rawValue:)) ?? .open,
            eventCount: Int(select.int64(16) ?? 0))
    }

    /// Inserts or replaces a shipment's state.
    public static func save(_ shipment: Shipment, at now: Date, in db: Database) throws {
        let upsert = try BoundStatement(
            db,
            sql: """
                INSERT INTO shipments (
                    carrier, tracking_number, direction, milestone, raw_code, raw_text, facility_code,
                    facility_name, city, region, country, latitude, longitude, current_since, last_event_at,
                    first_event_at, next_check_at, state, event_count, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (carrier, tracking_number) DO UPDATE SET
                    direction = excluded.direction, milestone = excluded.milestone, raw_code = excluded.raw_code,
                    raw_text = excluded.raw_text, facility_code = excluded.facility_code,
                    facility_name = excluded.facility_name, city = excluded.city, region = excluded.region,
                    country = excluded.country, latitude = excluded.latitude, longitude = excluded.longitude,
                    current_since = excluded.current_since, last_event_at = excluded.last_event_at,
                    first_event_at = excluded.first_event_at, next_check_at = excluded.next_check_at,
                    state = excluded.state, event_count = excluded.event_count, updated_at = excluded.updated_at
                """)
        upsert.bind(1, shipment.key.carrier)
        upsert.bind(2, shipment.key.trackingNumber)
        upsert.bind(3, shipment.direction.rawValue)
        upsert.bind(4, shipment.milestone.rawValue)
        upsert.bind(5, shipment.carrierStatus.code)
        upsert.bind(6, shipment.carrierStatus.text)
        upsert.bind(shipment.node, from: 7)
        upsert.bind(14, shipment.currentSince.millisecondsSince1970)
        upsert.bind(15, shipment.lastEventAt.millisecondsSince1970)
        upsert.bind(16, shipment.firstEventAt.millisecondsSince1970)
        upsert.bind(17, shipment.nextCheckAt?.millisecondsSince1970)
        upsert.bind(18, shipment.state.rawValue)
        upsert.bind(19, shipment.eventCount)
        upsert.bind(20, now.millisecondsSince1970)
        try upsert.run()
    }

    /// Number of shipments, optionally only open ones.
    public static func count(openOnly: Bool = false, in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM shipments" + (openOnly ? " WHERE state = 'open'" : "")) ?? 0
    }
}

extension Shipment {
    init(row: Row) throws {
        let state: String = row["state"]
        self.init(
            key: ShipmentKey(carrier: row["carrier"], trackingNumber: row["tracking_number"]),
            direction: Direction(rawValue: row["direction"]) ?? .forward,
            milestone: Milestone(rawValue: row["milestone"]) ?? .unknown,
            carrierStatus: CarrierStatus(code: row["raw_code"], text: row["raw_text"]),
            node: TrackingNode(row: row),
            currentSince: Date(millisecondsSince1970: row["current_since"]),
            lastEventAt: Date(millisecondsSince1970: row["last_event_at"]),
            firstEventAt: Date(millisecondsSince1970: row["first_event_at"]),
            nextCheckAt: (row["next_check_at"] as Int64?).map(Date.init(millisecondsSince1970:)),
            state: Shipment.State(rawValue: state) ?? .open,
            eventCount: row["event_count"])
    }
}
