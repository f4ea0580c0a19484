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
                       event_count, origin_facility, origin_city, origin_region, origin_country
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
            origin: TrackingNode(
                facilityName: select.string(17), city: select.string(18), region: select.string(19),
                country: select.string(20)),
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
                    first_event_at, next_check_at, state, event_count, updated_at, origin_facility, origin_city,
                    origin_region, origin_country)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (carrier, tracking_number) DO UPDATE SET
                    direction = excluded.direction, milestone = excluded.milestone, raw_code = excluded.raw_code,
                    raw_text = excluded.raw_text, facility_code = excluded.facility_code,
                    facility_name = excluded.facility_name, city = excluded.city, region = excluded.region,
                    country = excluded.country, latitude = excluded.latitude, longitude = excluded.longitude,
                    current_since = excluded.current_since, last_event_at = excluded.last_event_at,
                    first_event_at = excluded.first_event_at, next_check_at = excluded.next_check_at,
                    state = excluded.state, event_count = excluded.event_count, updated_at = excluded.updated_at,
                    origin_facility = excluded.origin_facility, origin_city = excluded.origin_city,
                    origin_region = excluded.origin_region, origin_country = excluded.origin_country
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
        let origin = shipment.origin
        upsert.bind(21, origin.facilityCode ?? origin.facilityName)
        upsert.bind(22, origin.city)
        upsert.bind(23, origin.region)
        upsert.bind(24, origin.country)
        try upsert.run()
    }

    /// Sets when the shipment is next due for evaluation (nil: not until news arrives).
    public static func setNextCheck(_ key: ShipmentKey, at instant: Date?, in db: Database) throws {
        let update = try BoundStatement(
            db, sql: "UPDATE shipments SET next_check_at = ? WHERE carrier = ? AND tracking_number = ?")
        update.bind(1, instant?.millisecondsSince1970)
        update.bind(2, key.carrier)
        update.bind(3, key.trackingNumber)
        try update.run()
    }

    /// Shipments due at `instant`, earliest first, through the next-check index: the cost depends
    /// on how many are due, not on how many are open.
    public static func due(at instant: Date, limit: Int, in db: Database) throws -> [ShipmentKey] {
        let select = try BoundStatement(
            db,
            sql: """
                SELECT carrier, tracking_number FROM shipments
                WHERE next_check_at IS NOT NULL AND next_check_at <= ? ORDER BY next_check_at LIMIT ?
                """)
        select.bind(1, instant.millisecondsSince1970)
        select.bind(2, limit)
        var keys: [ShipmentKey] = []
        while try select.step() {
            keys.append(ShipmentKey(carrier: select.string(0) ?? "", trackingNumber: select.string(1) ?? ""))
        }
        return keys
    }

    /// The earliest next check of any shipment.
    public static func nextDue(in db: Database) throws -> Date? {
        try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT MIN(next_check_at) FROM shipments WHERE next_check_at IS NOT NULL"))
            .map(Date.init(millisecondsSince1970:))
    }

    /// Makes open shipments in the given regions or at the given facilities due at `instant`
    /// (a disruption notice for them arrived).
    public static func scheduleOpen(regions: [String], facilities: [String], at instant: Date, in db: Database) throws {
        guard !regions.isEmpty || !facilities.isEmpty else { return }
        let regionMarks = regions.map { _ in "?" }.joined(separator: ", ")
        let facilityMarks = facilities.map { _ in "?" }.joined(separator: ", ")
        var arguments: StatementArguments = [instant.millisecondsSince1970, instant.millisecondsSince1970]
        arguments += StatementArguments(regions)
        arguments += StatementArguments(facilities)
        try db.execute(
            sql: """
                UPDATE shipments SET next_check_at = MIN(COALESCE(next_check_at, ?), ?)
                WHERE state = 'open' AND (region IN (\(regions.isEmpty ? "NULL" : regionMarks))
                    OR facility_code IN (\(facilities.isEmpty ? "NULL" : facilityMarks)))
                """,
            arguments: arguments)
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
            origin: TrackingNode(
                facilityName: row["origin_facility"], city: row["origin_city"], region: row["origin_region"],
                country: row["origin_country"]),
            currentSince: Date(millisecondsSince1970: row["current_since"]),
            lastEventAt: Date(millisecondsSince1970: row["last_event_at"]),
            firstEventAt: Date(millisecondsSince1970: row["first_event_at"]),
            nextCheckAt: (row["next_check_at"] as Int64?).map(Date.init(millisecondsSince1970:)),
            state: Shipment.State(rawValue: state) ?? .open,
            eventCount: row["event_count"])
    }
}
