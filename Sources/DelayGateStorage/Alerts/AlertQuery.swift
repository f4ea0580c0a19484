import DelayGateModel
import Foundation
import GRDB

/// Which alerts to list, newest first, a page at a time (`GET /v1/alerts`).
public struct AlertQuery: Sendable, Hashable {
    /// Whether the alert's episode is still open (the parcel has not recovered) or closed.
    public enum State: String, Sendable, Hashable, CaseIterable {
        case open, closed
    }

    public var shipment: ShipmentKey?
    public var levels: [String] = []
    public var scenarios: [String] = []
    public var region: String?
    public var facility: String?
    public var state: State?
    /// Raised at or after.
    public var from: Date?
    /// Raised before.
    public var until: Date?
    /// Only alerts with a smaller id (the previous page's last id).
    public var beforeID: Int64?
    public var limit: Int = 50

    public init() {}
}

/// A listed alert with its episode's state.
public struct ListedAlert: Sendable, Hashable {
    public var alert: StoredAlert
    /// When the episode closed (the parcel moved on or arrived); nil while open.
    public var episodeClosedAt: Date?
    public var recovery: String?
    public var routing: String?
}

extension AlertStore {
    /// One page of alerts matching `query`, newest first.
    public static func list(_ query: AlertQuery, in db: Database) throws -> [ListedAlert] {
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let shipment = query.shipment {
            conditions.append("a.carrier = ? AND a.tracking_number = ?")
            arguments += [shipment.carrier, shipment.trackingNumber]
        }
        if !query.levels.isEmpty {
            conditions.append("a.level IN (\(databaseQuestionMarks(count: query.levels.count)))")
            arguments += StatementArguments(query.levels)
        }
        if !query.scenarios.isEmpty {
            conditions.append("a.scenario IN (\(databaseQuestionMarks(count: query.scenarios.count)))")
            arguments += StatementArguments(query.scenarios)
        }
        if let region = query.region {
            conditions.append("a.region = ?")
            arguments += [region]
        }
        if let facility = query.facility {
            conditions.append("a.facility = ?")
            arguments += [facility]
        }
        switch query.state {
        case .open: conditions.append("e.closed_at IS NULL")
        case .closed: conditions.append("e.closed_at IS NOT NULL")
        case nil: break
        }
        if let from = query.from {
            conditions.append("a.raised_at >= ?")
            arguments += [from.millisecondsSince1970]
        }
        if let until = query.until {
            conditions.append("a.raised_at < ?")
            arguments += [until.millisecondsSince1970]
        }
        if let before = query.beforeID {
            conditions.append("a.id < ?")
            arguments += [before]
        }
        arguments += [query.limit]
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT a.*, e.closed_at AS episode_closed_at, e.recovery AS episode_recovery
                FROM alerts a JOIN episodes e ON e.id = a.episode_id
                \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                ORDER BY a.id DESC LIMIT ?
                """,
            arguments: arguments)
        return rows.map { row in
            ListedAlert(
                alert: StoredAlert(row: row),
                episodeClosedAt: (row["episode_closed_at"] as Int64?).map(Date.init(millisecondsSince1970:)),
                recovery: row["episode_recovery"], routing: row["routing"])
        }
    }
}
