import Foundation
import GRDB

/// Reads and writes the inbox table. Every function runs inside the caller's transaction.
public enum InboxStore {
    /// Stores a raw body and returns its row id.
    @discardableResult
    public static func append(_ entry: InboxEntry, in db: Database) throws -> Int64 {
        let insert = try BoundStatement(
            db,
            sql: """
                INSERT INTO inbox (adapter, content_type, body, received_at, state, reason)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
        insert.bind(1, entry.adapter)
        insert.bind(2, entry.contentType)
        insert.bind(3, entry.body)
        insert.bind(4, entry.receivedAt.millisecondsSince1970)
        insert.bind(5, entry.state.rawValue)
        insert.bind(6, entry.reason)
        try insert.run()
        return db.lastInsertedRowID
    }

    /// Marks a row normalized; `note` records items of the body that were rejected.
    ///
    /// Normalizing a row twice (a recovery scan racing the in-memory queue, a reprocess) is
    /// harmless: the row ends in the same state.
    public static func markNormalized(id: Int64, eventCount: Int, note: String?, at instant: Date, in db: Database)
        throws
    {
        let update = try BoundStatement(
            db,
            sql: "UPDATE inbox SET state = 'normalized', event_count = ?, reason = ?, normalized_at = ? WHERE id = ?")
        update.bind(1, eventCount)
        update.bind(2, note)
        update.bind(3, instant.millisecondsSince1970)
        update.bind(4, id)
        try update.run()
    }

    /// Marks a row rejected with the reason.
    public static func markRejected(id: Int64, reason: String, at instant: Date, in db: Database) throws {
        let statement = try db.cachedStatement(
            sql: "UPDATE inbox SET state = 'rejected', event_count = 0, reason = ?, normalized_at = ? WHERE id = ?")
        try statement.execute(arguments: [reason, instant.millisecondsSince1970, id])
    }

    /// Pending rows in id order, starting after `afterID`.
    public static func pending(afterID: Int64, limit: Int, in db: Database) throws -> [InboxRecord] {
        try InboxRecord.fetchAll(
            db,
            sql: "SELECT * FROM inbox WHERE state = 'pending' AND id > ? ORDER BY id LIMIT ?",
            arguments: [afterID, limit])
    }

    /// Rows in the given states, oldest first, starting after `afterID` (for reprocessing).
    public static func rows(in states: Set<InboxState>, afterID: Int64, limit: Int, in db: Database) throws
        -> [InboxRecord]
    {
        guard !states.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: states.count).joined(separator: ", ")
        var arguments: StatementArguments = StatementArguments(states.map(\.rawValue))
        arguments += [afterID, limit]
        return try InboxRecord.fetchAll(
            db,
            sql: "SELECT * FROM inbox WHERE state IN (\(placeholders)) AND id > ? ORDER BY id LIMIT ?",
            arguments: arguments)
    }

    /// The newest rows, optionally of one state and adapter, newest first; `beforeID` pages
    /// back from the previous page's last id.
    public static func list(
        state: InboxState? = nil,
        adapter: String? = nil,
        beforeID: Int64? = nil,
        limit: Int,
        in db: Database
    ) throws -> [InboxRecord] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let beforeID {
            conditions.append("id < ?")
            arguments += [beforeID]
        }
        if let state {
            conditions.append("state = ?")
            arguments += [state.rawValue]
        }
        if let adapter {
            conditions.append("adapter = ?")
            arguments += [adapter]
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments += [limit]
        return try InboxRecord.fetchAll(
            db, sql: "SELECT * FROM inbox \(filter) ORDER BY id DESC LIMIT ?", arguments: arguments)
    }

    /// One row by id.
    public static func record(id: Int64, in db: Database) throws -> InboxRecord? {
        try InboxRecord.fetchOne(db, sql: "SELECT * FROM inbox WHERE id = ?", arguments: [id])
    }

    /// How many rows are in each state.
    public static func counts(in db: Database) throws -> [InboxState: Int] {
        var counts: [InboxState: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM inbox GROUP BY state") {
            if let state = InboxState(rawValue: row["state"]) { counts[state] = row["n"] }
        }
        return counts
    }
}
