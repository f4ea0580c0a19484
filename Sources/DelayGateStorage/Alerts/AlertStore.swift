import DelayGateModel
import Foundation
import GRDB

/// An open or closed episode: one stall, trip problem or order problem, with its current level.
public struct StoredEpisode: Sendable, Hashable {
    public var id: Int64
    /// `carrier|tracking` for shipments, `order:<id>` for orders.
    public var subject: String
    public var track: String
    public var level: String
    public var scenario: String
    /// What the episode is about (the node track: the dwell's start and node), to tell when it is over.
    public var anchor: String?
    public var openedAt: Date
    /// When the situation ended; nil while the episode is open.
    public var closedAt: Date?
    /// How it ended ("moved on: hub_departure at 杭州转运中心, 19 h after the first alert").
    public var recovery: String?

    init(
        id: Int64, subject: String, track: String, level: String, scenario: String, anchor: String?, openedAt: Date,
        closedAt: Date?, recovery: String?
    ) {
        self.id = id
        self.subject = subject
        self.track = track
        self.level = level
        self.scenario = scenario
        self.anchor = anchor
        self.openedAt = openedAt
        self.closedAt = closedAt
        self.recovery = recovery
    }

    init(row: Row) {
        id = row["id"]
        subject = row["subject"]
        track = row["track"]
        level = row["level"]
        scenario = row["scenario"]
        anchor = row["anchor"]
        openedAt = Date(millisecondsSince1970: row["opened_at"])
        closedAt = (row["closed_at"] as Int64?).map(Date.init(millisecondsSince1970:))
        recovery = row["recovery"]
    }
}

/// An alert to record.
public struct NewAlert: Sendable, Hashable {
    public var shipment: ShipmentKey?
    public var orderID: String?
    public var level: String
    public var scenario: String
    public var reasonZH: String
    public var reasonEN: String
    /// JSON with the numbers behind the alert.
    public var details: String
    public var region: String?
    /// The node the alert is about (facility code, else name, else city); nil for order alerts.
    public var facility: String?

    public init(
        shipment: ShipmentKey?, orderID: String?, level: String, scenario: String, reasonZH: String, reasonEN: String,
        details: String, region: String?, facility: String? = nil
    ) {
        self.shipment = shipment
        self.orderID = orderID
        self.level = level
        self.scenario = scenario
        self.reasonZH = reasonZH
        self.reasonEN = reasonEN
        self.details = details
        self.region = region
        self.facility = facility
    }
}

/// A recorded alert.
public struct StoredAlert: Sendable, Hashable, FetchableRecord {
    public var id: Int64
    public var episodeID: Int64
    public var shipment: ShipmentKey?
    public var orderID: String?
    public var level: String
    public var scenario: String
    public var reasonZH: String
    public var reasonEN: String
    public var details: String
    public var region: String?
    public var facility: String?
    public var raisedAt: Date

    public init(row: Row) {
        id = row["id"]
        episodeID = row["episode_id"]
        let carrier: String? = row["carrier"]
        let number: String? = row["tracking_number"]
        shipment = carrier.flatMap { c in number.map { ShipmentKey(carrier: c, trackingNumber: $0) } }
        orderID = row["order_id"]
        level = row["level"]
        scenario = row["scenario"]
        reasonZH = row["reason_zh"]
        reasonEN = row["reason_en"]
        details = row["details"]
        region = row["region"]
        facility = row["facility"]
        raisedAt = Date(millisecondsSince1970: row["raised_at"])
    }
}

/// Episodes, alerts and the actions they plan. An alert and its actions are always written in
/// the caller's one transaction.
public enum AlertStore {
    public static func openEpisode(subject: String, track: String, in db: Database) throws -> StoredEpisode? {
        // Bound statements: the scheduler runs this, the insert and the alert's inserts for every
        // due shipment (twice here: node and journey tracks).
        let select = try BoundStatement(
            db,
            sql: """
                SELECT id, subject, track, level, scenario, anchor, opened_at, closed_at, recovery
                FROM episodes WHERE subject = ? AND track = ? AND closed_at IS NULL
                """)
        select.bind(1, subject)
        select.bind(2, track)
        guard try select.step() else { return nil }
        return StoredEpisode(
            id: select.int64(0) ?? 0, subject: select.string(1) ?? "", track: select.string(2) ?? "",
            level: select.string(3) ?? "", scenario: select.string(4) ?? "", anchor: select.string(5),
            openedAt: Date(millisecondsSince1970: select.int64(6) ?? 0),
            closedAt: select.int64(7).map(Date.init(millisecondsSince1970:)), recovery: select.string(8))
    }

    /// Every episode of a subject (`carrier|tracking` or `order:<id>`), oldest first.
    public static func episodes(subject: String, in db: Database) throws -> [StoredEpisode] {
        try Row.fetchAll(db, sql: "SELECT * FROM episodes WHERE subject = ? ORDER BY id", arguments: [subject])
            .map(StoredEpisode.init(row:))
    }

    public static func openEpisode(
        subject: String, track: String, level: String, scenario: String, anchor: String?, at now: Date, in db: Database
    ) throws -> Int64 {
        let insert = try BoundStatement(
            db, sql: "INSERT INTO episodes (subject, track, level, scenario, anchor, opened_at) VALUES (?, ?, ?, ?, ?, ?)")
        insert.bind(1, subject)
        insert.bind(2, track)
        insert.bind(3, level)
        insert.bind(4, scenario)
        insert.bind(5, anchor)
        insert.bind(6, now.millisecondsSince1970)
        try insert.run()
        return db.lastInsertedRowID
    }

    public static func escalate(episode id: Int64, to level: String, scenario: String, in db: Database) throws {
        try db.cachedStatement(sql: "UPDATE episodes SET level = ?, scenario = ? WHERE id = ?")
            .execute(arguments: [level, scenario, id])
    }

    public static func close(episode id: Int64, recovery: String, at now: Date, in db: Database) throws {
        try db.cachedStatement(sql: "UPDATE episodes SET closed_at = ?, recovery = ? WHERE id = ?")
            .execute(arguments: [now.millisecondsSince1970, recovery, id])
    }

    /// Records an alert and the actions it plans; an action already planned under the same
    /// idempotency key is not planned again.
    @discardableResult
    public static func record(
        _ alert: NewAlert, episode: Int64, actions: [(action: String, idempotencyKey: String)], at now: Date,
        in db: Database
    ) throws -> Int64 {
        let insert = try BoundStatement(
            db,
            sql: """
                INSERT INTO alerts (episode_id, carrier, tracking_number, order_id, level, scenario, reason_zh, reason_en,
                    details, region, facility, raised_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        insert.bind(1, episode)
        insert.bind(2, alert.shipment?.carrier)
        insert.bind(3, alert.shipment?.trackingNumber)
        insert.bind(4, alert.orderID)
        insert.bind(5, alert.level)
        insert.bind(6, alert.scenario)
        insert.bind(7, alert.reasonZH)
        insert.bind(8, alert.reasonEN)
        insert.bind(9, alert.details)
        insert.bind(10, alert.region)
        insert.bind(11, alert.facility)
        insert.bind(12, now.millisecondsSince1970)
        try insert.run()
        let id = db.lastInsertedRowID
        let plan = try BoundStatement(
            db,
            sql: "INSERT OR IGNORE INTO planned_actions (alert_id, action, idempotency_key, created_at) VALUES (?, ?, ?, ?)")
        for (action, key) in actions {
            plan.bind(1, id)
            plan.bind(2, action)
            plan.bind(3, key)
            plan.bind(4, now.millisecondsSince1970)
            try plan.run()
        }
        return id
    }

    /// Records where an alert's ticket was routed and why (JSON).
    public static func setRouting(alertID: Int64, routing: String, in db: Database) throws {
        try db.cachedStatement(sql: "UPDATE alerts SET routing = ? WHERE id = ?").execute(arguments: [routing, alertID])
    }

    /// The routing decision of an alert (JSON), if its ticket was routed.
    public static func routing(alertID: Int64, in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT routing FROM alerts WHERE id = ?", arguments: [alertID])
    }

    public static func alert(id: Int64, in db: Database) throws -> StoredAlert? {
        try StoredAlert.fetchOne(db, sql: "SELECT * FROM alerts WHERE id = ?", arguments: [id])
    }

    /// Alerts of a shipment, oldest first.
    public static func alerts(for key: ShipmentKey, in db: Database) throws -> [StoredAlert] {
        try StoredAlert.fetchAll(
            db, sql: "SELECT * FROM alerts WHERE carrier = ? AND tracking_number = ? ORDER BY id",
            arguments: [key.carrier, key.trackingNumber])
    }

    /// The newest alerts, newest first.
    public static func recent(limit: Int, in db: Database) throws -> [StoredAlert] {
        try StoredAlert.fetchAll(db, sql: "SELECT * FROM alerts ORDER BY id DESC LIMIT ?", arguments: [limit])
    }

    /// Planned actions of an alert.
    public static func actions(forAlert id: Int64, in db: Database) throws -> [String] {
        try String.fetchAll(
            db, sql: "SELECT action FROM planned_actions WHERE alert_id = ? ORDER BY id", arguments: [id])
    }
}

/// Learned state of the alert engine, stored as JSON per key, so a restart does not start blind.
public enum LearnedStateStore {
    public enum Table: String, Sendable {
        case baselines
        case lanes = "lane_samples"

        var column: String { self == .baselines ? "statistics" : "samples" }
    }

    public static func save(_ entries: [String: String], in table: Table, at now: Date, in db: Database) throws {
        for (key, json) in entries {
            try db.execute(
                sql: """
                    INSERT INTO \(table.rawValue) (key, \(table.column), updated_at) VALUES (?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET \(table.column) = excluded.\(table.column), updated_at = excluded.updated_at
                    """,
                arguments: [key, json, now.millisecondsSince1970])
        }
    }

    public static func load(_ table: Table, in db: Database) throws -> [String: String] {
        var entries: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT key, \(table.column) AS value FROM \(table.rawValue)") {
            entries[row["key"]] = row["value"]
        }
        return entries
    }
}
