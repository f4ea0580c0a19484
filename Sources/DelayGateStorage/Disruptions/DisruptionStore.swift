import DelayGateModel
import Foundation
import GRDB

/// Reads and writes disruption notices.
public enum DisruptionStore {
    /// Inserts a notice or replaces the one with the same id.
    public static func upsert(_ notice: DisruptionNotice, inboxID: Int64?, at now: Date, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO disruptions (
                    id, source, kind, severity, route_interrupted, regions, facilities, valid_from, valid_to,
                    title, detail, inbox_id, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    source = excluded.source, kind = excluded.kind, severity = excluded.severity,
                    route_interrupted = excluded.route_interrupted, regions = excluded.regions,
                    facilities = excluded.facilities, valid_from = excluded.valid_from, valid_to = excluded.valid_to,
                    title = excluded.title, detail = excluded.detail, inbox_id = excluded.inbox_id,
                    updated_at = excluded.updated_at
                """,
            arguments: [
                notice.id, notice.source, notice.kind.rawValue, notice.severity.rawValue, notice.routeInterrupted,
                try jsonArray(notice.regions), try jsonArray(notice.facilities),
                notice.validFrom.millisecondsSince1970, notice.validTo?.millisecondsSince1970, notice.title,
                notice.detail, inboxID, now.millisecondsSince1970,
            ])
    }

    /// Notices in force at `instant`.
    public static func active(at instant: Date, in db: Database) throws -> [DisruptionNotice] {
        let milliseconds = instant.millisecondsSince1970
        return try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM disruptions
                WHERE valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)
                ORDER BY valid_from, id
                """,
            arguments: [milliseconds, milliseconds]
        ).map(notice(from:))
    }

    /// Every stored notice, newest first.
    public static func all(in db: Database) throws -> [DisruptionNotice] {
        try Row.fetchAll(db, sql: "SELECT * FROM disruptions ORDER BY valid_from DESC, id").map(notice(from:))
    }

    private static func notice(from row: Row) -> DisruptionNotice {
        DisruptionNotice(
            id: row["id"],
            kind: DisruptionNotice.Kind(rawValue: row["kind"]) ?? .other,
            severity: DisruptionNotice.Severity(rawValue: row["severity"]) ?? .minor,
            routeInterrupted: row["route_interrupted"],
            regions: strings(row["regions"]),
            facilities: strings(row["facilities"]),
            validFrom: Date(millisecondsSince1970: row["valid_from"]),
            validTo: (row["valid_to"] as Int64?).map(Date.init(millisecondsSince1970:)),
            title: row["title"],
            detail: row["detail"],
            source: row["source"])
    }

    private static func jsonArray(_ values: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
    }

    private static func strings(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}
