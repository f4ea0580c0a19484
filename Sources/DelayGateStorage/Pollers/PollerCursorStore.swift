import Foundation
import GRDB

/// Where each poller stopped. The cursor is written in the same transaction as the data fetched
/// with it, so a restart resumes exactly where the last committed page ended.
public enum PollerCursorStore {
    public static func cursor(for poller: String, in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT cursor FROM poller_cursors WHERE poller = ?", arguments: [poller])
    }

    public static func save(_ cursor: String, for poller: String, at now: Date, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO poller_cursors (poller, cursor, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (poller) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at
                """,
            arguments: [poller, cursor, now.millisecondsSince1970])
    }
}
