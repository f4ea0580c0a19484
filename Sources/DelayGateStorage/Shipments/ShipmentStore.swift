import DelayGateModel
import Foundation
import GRDB

/// Reads and writes shipment state.
public enum ShipmentStore {
    /// The stored state of one shipment.
    public static func shipment(_ key: ShipmentKey, in db: Database) throws -> Shipment? {
        let statement = try db.cachedStatement(sql: "SELECT * FROM shipments WHERE carrier = ? AND tracking_number = ?")
        guard let row = try Row.fetchOne(statement, arguments: [key.carrier, key.trackingNumber]) else { return nil }
        return try Shipment(row: row)
    }

    /// Inserts or replaces a shipment's state.
    public static func save(_ shipment: Shipment, at now: Date, in db: Database) throws {
        let statement = try db.cachedStatement(
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
        let node = shipment.node
        try statement.execute(arguments: [
            shipment.key.carrier, shipment.key.trackingNumber, shipment.direction.rawValue, shipment.milestone.rawValue,
            shipment.carrierStatus.code, shipment.carrierStatus.text, node.facilityCode, node.facilityName, node.city,
            node.region, node.country, node.coordinates?.latitude, node.coordinates?.longitude,
            shipment.currentSince.millisecondsSince1970, shipment.lastEventAt.millisecondsSince1970,
            shipment.firstEventAt.millisecondsSince1970, shipment.nextCheckAt?.millisecondsSince1970,
            shipment.state.rawValue, shipment.eventCount, now.millisecondsSince1970,
        ])
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
