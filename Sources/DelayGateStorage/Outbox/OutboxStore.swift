import Foundation
import GRDB

/// Where a delivery stands.
public enum OutboxState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Waiting for its next attempt time.
    case pending
    /// Claimed by a dispatcher whose lease has not expired.
    case inFlight = "in_flight"
    /// The receiver accepted it.
    case delivered
    /// Refused for good, or out of attempts; `delaygate outbox replay` puts it back.
    case dead
}

/// A delivery to enqueue.
public struct NewDelivery: Sendable, Hashable {
    /// Unique per alert episode, level and action (and channel): enqueuing it again does nothing.
    public var idempotencyKey: String
    public var alertID: Int64?
    /// The playbook action it carries out, e.g. `helpdesk_ticket`.
    public var action: String
    /// The outbound adapter that delivers it.
    public var adapter: String
    /// The rendered request (JSON), without credentials: those are added when it is sent.
    public var request: String
    /// For tickets: the helpdesk group it was routed to (load-aware routing counts these).
    public var helpdeskGroup: String?

    public init(
        idempotencyKey: String, alertID: Int64?, action: String, adapter: String, request: String,
        helpdeskGroup: String? = nil
    ) {
        self.idempotencyKey = idempotencyKey
        self.alertID = alertID
        self.action = action
        self.adapter = adapter
        self.request = request
        self.helpdeskGroup = helpdeskGroup
    }
}

/// A stored delivery.
public struct OutboxRow: Sendable, Hashable, FetchableRecord {
    public var id: Int64
    public var idempotencyKey: String
    public var alertID: Int64?
    public var action: String
    public var adapter: String
    public var request: String
    public var state: OutboxState
    /// Attempts started so far (a claim counts as one), replays included; also the fencing token
    /// of the current lease, so it only grows.
    public var attempts: Int
    /// Attempts made before the last `delaygate outbox replay` (0 when never replayed).
    public var attemptsBeforeReplay: Int
    /// Attempts since the row was enqueued or last replayed: what the retry budget counts.
    public var attemptsSinceReplay: Int { attempts - attemptsBeforeReplay }
    public var nextAttemptAt: Date
    public var leaseExpiresAt: Date?
    public var lastStatus: Int?
    public var lastError: String?
    /// The receiver's answer, kept for dead letters and for receipts.
    public var response: String?
    /// The receiver's id for what it created (ticket id, message sid).
    public var receipt: String?
    public var helpdeskGroup: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var deliveredAt: Date?

    public init(row: Row) {
        id = row["id"]
        idempotencyKey = row["idempotency_key"]
        alertID = row["alert_id"]
        action = row["action"]
        adapter = row["adapter"]
        request = row["request"]
        state = OutboxState(rawValue: row["state"]) ?? .pending
        attempts = row["attempts"]
        attemptsBeforeReplay = row["attempts_before_replay"] ?? 0
        nextAttemptAt = Date(millisecondsSince1970: row["next_attempt_at"])
        leaseExpiresAt = (row["lease_expires_at"] as Int64?).map(Date.init(millisecondsSince1970:))
        lastStatus = row["last_status"]
        lastError = row["last_error"]
        response = row["response"]
        receipt = row["receipt"]
        helpdeskGroup = row["helpdesk_group"]
        createdAt = Date(millisecondsSince1970: row["created_at"])
        updatedAt = Date(millisecondsSince1970: row["updated_at"])
        deliveredAt = (row["delivered_at"] as Int64?).map(Date.init(millisecondsSince1970:))
    }
}

/// The durable retry outbox: enqueue with an idempotency key, claim with a lease, settle.
///
/// Settling (`delivered`, `retry`, `dead`) is fenced by the attempt number the claim returned:
/// a dispatcher whose lease expired and whose row was claimed again cannot overwrite the newer
/// attempt's outcome. Attempt numbers only grow, across replays too (a replay gives the row a
/// fresh retry budget by recording `attempts_before_replay`, not by resetting `attempts`).
public enum OutboxStore {
    /// Enqueues a delivery, due at once.
    /// - Returns: false when a delivery with the same idempotency key already exists.
    @discardableResult
    public static func enqueue(_ delivery: NewDelivery, at now: Date, in db: Database) throws -> Bool {
        let millis = now.millisecondsSince1970
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO outbox (idempotency_key, alert_id, action, adapter, request, helpdesk_group,
                    next_attempt_at, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            delivery.idempotencyKey, delivery.alertID, delivery.action, delivery.adapter, delivery.request,
            delivery.helpdeskGroup, millis, millis, millis,
        ])
        return db.changesCount > 0
    }

    /// Records a delivery that cannot be made (no adapter for its channel, nothing to send it
    /// to) as dead at once, so `delaygate outbox list --state dead` shows it.
    @discardableResult
    public static func enqueueUndeliverable(
        _ delivery: NewDelivery, error: String, at now: Date, in db: Database
    ) throws -> Bool {
        let millis = now.millisecondsSince1970
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO outbox (idempotency_key, alert_id, action, adapter, request, helpdesk_group,
                    state, last_error, next_attempt_at, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, 'dead', ?, ?, ?, ?)
                """,
            arguments: [
                delivery.idempotencyKey, delivery.alertID, delivery.action, delivery.adapter, delivery.request,
                delivery.helpdeskGroup, error, millis, millis, millis,
            ])
        return db.changesCount > 0
    }

    /// Claims up to `limit` due deliveries of one adapter: pending rows whose time has come and
    /// in-flight rows whose lease expired (their dispatcher crashed or hung). Each claim starts
    /// an attempt and holds a lease until `now + lease`.
    public static func claim(
        adapter: String, limit: Int, now: Date, lease: Duration, in db: Database
    ) throws -> [OutboxRow] {
        guard limit > 0 else { return [] }
        let millis = now.millisecondsSince1970
        let leaseEnd = now.addingTimeInterval(lease.seconds).millisecondsSince1970
        return try OutboxRow.fetchAll(
            db.cachedStatement(
                sql: """
                    UPDATE outbox SET state = 'in_flight', attempts = attempts + 1, lease_expires_at = ?, updated_at = ?
                    WHERE id IN (
                        SELECT id FROM (
                            SELECT * FROM (
                                SELECT id, next_attempt_at AS due FROM outbox
                                WHERE adapter = ? AND state = 'pending' AND next_attempt_at <= ?
                                ORDER BY next_attempt_at LIMIT ?)
                            UNION ALL
                            SELECT * FROM (
                                SELECT id, lease_expires_at AS due FROM outbox
                                WHERE adapter = ? AND state = 'in_flight' AND lease_expires_at <= ?
                                ORDER BY lease_expires_at LIMIT ?)
                        ) ORDER BY due LIMIT ?)
                    RETURNING *
                    """),
            arguments: [leaseEnd, millis, adapter, millis, limit, adapter, millis, limit, limit])
    }

    /// The receiver accepted attempt `attempt`.
    @discardableResult
    public static func markDelivered(
        id: Int64, attempt: Int, status: Int?, receipt: String?, at now: Date, in db: Database
    ) throws -> Bool {
        try db.cachedStatement(
            sql: """
                UPDATE outbox SET state = 'delivered', last_status = ?, receipt = ?, last_error = NULL,
                    lease_expires_at = NULL, delivered_at = ?, updated_at = ?
                WHERE id = ? AND state = 'in_flight' AND attempts = ?
                """
        ).execute(arguments: [
            status, receipt, now.millisecondsSince1970, now.millisecondsSince1970, id, attempt,
        ])
        return db.changesCount > 0
    }

    /// Attempt `attempt` failed for a reason that may pass; try again at `next`.
    @discardableResult
    public static func markRetry(
        id: Int64, attempt: Int, next: Date, status: Int?, error: String, at now: Date, in db: Database
    ) throws -> Bool {
        try db.cachedStatement(
            sql: """
                UPDATE outbox SET state = 'pending', next_attempt_at = ?, last_status = ?, last_error = ?,
                    lease_expires_at = NULL, updated_at = ?
                WHERE id = ? AND state = 'in_flight' AND attempts = ?
                """
        ).execute(arguments: [
            next.millisecondsSince1970, status, error, now.millisecondsSince1970, id, attempt,
        ])
        return db.changesCount > 0
    }

    /// Attempt `attempt` was refused for good (or was the last one): keep the answer, stop trying.
    @discardableResult
    public static func markDead(
        id: Int64, attempt: Int, status: Int?, error: String, response: String?, at now: Date, in db: Database
    ) throws -> Bool {
        try db.cachedStatement(
            sql: """
                UPDATE outbox SET state = 'dead', last_status = ?, last_error = ?, response = ?,
                    lease_expires_at = NULL, updated_at = ?
                WHERE id = ? AND state = 'in_flight' AND attempts = ?
                """
        ).execute(arguments: [status, error, response, now.millisecondsSince1970, id, attempt])
        return db.changesCount > 0
    }

    /// Puts a dead delivery back in the queue with a fresh attempt budget, due at `due` (now
    /// when not given).
    /// - Returns: false when there is no dead delivery with that id.
    @discardableResult
    public static func replay(id: Int64, due: Date? = nil, at now: Date, in db: Database) throws -> Bool {
        try db.execute(
            sql: """
                UPDATE outbox SET state = 'pending', attempts_before_replay = attempts, next_attempt_at = ?, updated_at = ?
                WHERE id = ? AND state = 'dead'
                """,
            arguments: [(due ?? now).millisecondsSince1970, now.millisecondsSince1970, id])
        return db.changesCount > 0
    }

    /// Puts every dead delivery back in the queue. - Returns: how many.
    @discardableResult
    public static func replayAllDead(at now: Date, in db: Database) throws -> Int {
        try db.execute(
            sql: """
                UPDATE outbox SET state = 'pending', attempts_before_replay = attempts, next_attempt_at = ?, updated_at = ?
                WHERE state = 'dead'
                """,
            arguments: [now.millisecondsSince1970, now.millisecondsSince1970])
        return db.changesCount
    }

    /// Puts up to `limit` dead deliveries with ids above `afterID` back in the queue, lowest ids
    /// first: ``replayAllDead(at:in:)`` a page at a time, for a replay that must not hold the
    /// write lock for long (see ``PacedTransactions``).
    ///
    /// - Parameters:
    ///   - pace: when the replayed deliveries fall due; `replayed` is how many earlier pages of the
    ///     same replay put back, so that the pace carries on across pages.
    /// - Returns: the ids replayed, ascending.
    public static func replayDead(
        after afterID: Int64, limit: Int, pace: ReplayPace, replayed: Int = 0, at now: Date, in db: Database
    ) throws -> [Int64] {
        // The page is cut before its rows are numbered, so a page costs its own size however many
        // dead letters follow it.
        try Int64.fetchAll(
            db.cachedStatement(
                sql: """
                    WITH page AS (
                        SELECT id FROM outbox INDEXED BY outbox_dead WHERE state = 'dead' AND id > ? ORDER BY id LIMIT ?),
                    picked AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS position FROM page)
                    UPDATE outbox SET state = 'pending', attempts_before_replay = attempts, updated_at = ?,
                        next_attempt_at = ? + CAST(((? + picked.position) / ?) * ? AS INTEGER)
                    FROM picked WHERE outbox.id = picked.id
                    RETURNING outbox.id
                    """),
            arguments: [
                afterID, limit, now.millisecondsSince1970, pace.start.millisecondsSince1970, replayed,
                pace.rowsPerStep, pace.step.seconds * 1000,
            ]
        ).sorted()
    }

    public static func row(id: Int64, in db: Database) throws -> OutboxRow? {
        try OutboxRow.fetchOne(db, sql: "SELECT * FROM outbox WHERE id = ?", arguments: [id])
    }

    /// Deliveries in id order, optionally of one state, after `afterID` (for paging).
    public static func list(
        state: OutboxState? = nil, afterID: Int64 = 0, limit: Int, in db: Database
    ) throws -> [OutboxRow] {
        if let state {
            // The states that stay small are read through their partial index (sorted by id after);
            // delivered rows are most of the table, so a walk in id order finds them at once.
            let source =
                switch state {
                case .pending: "outbox INDEXED BY outbox_due WHERE state = 'pending'"
                case .inFlight: "outbox INDEXED BY outbox_leases WHERE state = 'in_flight'"
                case .dead: "outbox INDEXED BY outbox_dead WHERE state = 'dead'"
                case .delivered: "outbox WHERE state = 'delivered'"
                }
            return try OutboxRow.fetchAll(
                db, sql: "SELECT * FROM \(source) AND id > ? ORDER BY id LIMIT ?", arguments: [afterID, limit])
        }
        return try OutboxRow.fetchAll(
            db, sql: "SELECT * FROM outbox WHERE id > ? ORDER BY id LIMIT ?", arguments: [afterID, limit])
    }

    /// Deliveries of one alert, in id order.
    public static func deliveries(forAlert id: Int64, in db: Database) throws -> [OutboxRow] {
        try OutboxRow.fetchAll(db, sql: "SELECT * FROM outbox WHERE alert_id = ? ORDER BY id", arguments: [id])
    }

    /// How many deliveries are in each state (states with none are 0).
    ///
    /// Counted from indexes: the rows of each small state in its partial index, all rows in the
    /// smallest index; delivered is the rest. The table itself (with its request texts) is not read.
    public static func counts(in db: Database) throws -> [OutboxState: Int] {
        var counts = try backlog(in: db)
        let all = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox") ?? 0
        counts[.delivered] = all - counts.values.reduce(0, +)
        return counts
    }

    /// When the earliest pending delivery of `adapter` falls due or its earliest lease expires;
    /// nil when it has nothing waiting.
    public static func nextDue(adapter: String, in db: Database) throws -> Date? {
        let millis = try Int64.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT MIN(due) FROM (
                        SELECT MIN(next_attempt_at) AS due FROM outbox WHERE adapter = ? AND state = 'pending'
                        UNION ALL
                        SELECT MIN(lease_expires_at) AS due FROM outbox WHERE adapter = ? AND state = 'in_flight')
                    """),
            arguments: [adapter, adapter])
        return millis.map(Date.init(millisecondsSince1970:))
    }

    /// Open tickets this gateway created per helpdesk group of one adapter (not dead, not resolved).
    ///
    /// Read from the counts the database's triggers keep (`helpdesk_load`), so the cost does not
    /// grow with the number of open tickets.
    public static func openTickets(adapter: String, in db: Database) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: "SELECT helpdesk_group, open_tickets FROM helpdesk_load WHERE adapter = ? AND open_tickets > 0"),
            arguments: [adapter])
        while let row = try rows.next() {
            counts[row[0]] = row[1]
        }
        return counts
    }

    /// How many deliveries wait (pending or in flight) and how many are dead, without counting
    /// the delivered history.
    public static func backlog(in db: Database) throws -> [OutboxState: Int] {
        // Literal states, so that each count is read from that state's partial index.
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT (SELECT COUNT(*) FROM outbox WHERE state = 'pending'),
                        (SELECT COUNT(*) FROM outbox WHERE state = 'in_flight'),
                        (SELECT COUNT(*) FROM outbox WHERE state = 'dead')
                    """))
        return [.pending: row?[0] ?? 0, .inFlight: row?[1] ?? 0, .dead: row?[2] ?? 0]
    }

    /// The helpdesk ticket delivery a helpdesk report is about: by the key DelayGate sent with it
    /// (Zendesk's `external_id`, Freshdesk's key field) or, failing that, by the helpdesk's ticket id.
    public static func ticket(idempotencyKey: String?, receipt: String, in db: Database) throws -> OutboxRow? {
        if let idempotencyKey,
            let row = try OutboxRow.fetchOne(
                db, sql: "SELECT * FROM outbox WHERE idempotency_key = ? AND action = 'helpdesk_ticket'",
                arguments: [idempotencyKey])
        {
            return row
        }
        return try OutboxRow.fetchOne(
            db, sql: "SELECT * FROM outbox WHERE receipt = ? AND action = 'helpdesk_ticket' ORDER BY id DESC LIMIT 1",
            arguments: [receipt])
    }

    /// Marks the tickets of an alert resolved (the helpdesk closed them), so routing stops counting them.
    public static func resolveTickets(alertID: Int64, at now: Date, in db: Database) throws {
        try db.execute(
            sql: "UPDATE outbox SET resolved_at = ? WHERE alert_id = ? AND helpdesk_group IS NOT NULL",
            arguments: [now.millisecondsSince1970, alertID])
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var seconds: TimeInterval {
        let (whole, fraction) = components
        return TimeInterval(whole) + TimeInterval(fraction) / 1e18
    }
}
