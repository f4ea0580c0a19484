import DelayGateModel
import Foundation
import GRDB

/// What a helpdesk reported about an alert's ticket, as stored.
public struct AlertFeedback: Sendable, Hashable, FetchableRecord {
    public var alertID: Int64
    public var outboxID: Int64?
    public var helpdesk: String
    public var ticketID: String
    public var status: String
    public var outcome: TicketFeedback.Outcome?
    public var verdict: String?
    public var cause: String?
    public var resolution: String?
    public var facility: String?
    public var solvedAt: Date
    /// From the ticket's delivery (or the alert, when it has none) to `solvedAt`.
    public var handlingSeconds: Double?
    public var inboxID: Int64?
    public var recordedAt: Date

    public init(
        alertID: Int64, outboxID: Int64?, report: TicketFeedback, facility: String?, handlingSeconds: Double?,
        inboxID: Int64?, recordedAt: Date
    ) {
        self.alertID = alertID
        self.outboxID = outboxID
        self.helpdesk = report.helpdesk
        self.ticketID = report.ticketID
        self.status = report.status
        self.outcome = report.outcome
        self.verdict = report.verdict
        self.cause = report.cause
        self.resolution = report.resolution
        self.facility = facility
        self.solvedAt = report.solvedAt
        self.handlingSeconds = handlingSeconds
        self.inboxID = inboxID
        self.recordedAt = recordedAt
    }

    public init(row: Row) {
        alertID = row["alert_id"]
        outboxID = row["outbox_id"]
        helpdesk = row["helpdesk"]
        ticketID = row["ticket_id"]
        status = row["status"]
        outcome = (row["outcome"] as String?).flatMap(TicketFeedback.Outcome.init(rawValue:))
        verdict = row["verdict"]
        cause = row["cause"]
        resolution = row["resolution"]
        facility = row["facility"]
        solvedAt = Date(millisecondsSince1970: row["solved_at"])
        handlingSeconds = row["handling_seconds"]
        inboxID = row["inbox_id"]
        recordedAt = Date(millisecondsSince1970: row["recorded_at"])
    }
}

/// A node's feedback factor: the multiplier resolved tickets put on its expected dwell.
public struct NodeFeedback: Sendable, Hashable {
    public var facility: String
    public var factor: Double
    /// False alarms in a row since the last confirmed delay.
    public var falseAlarmStreak: Int
    public var updatedAt: Date

    public init(facility: String, factor: Double, falseAlarmStreak: Int, updatedAt: Date) {
        self.facility = facility
        self.factor = factor
        self.falseAlarmStreak = falseAlarmStreak
        self.updatedAt = updatedAt
    }
}

/// One change of a node's feedback factor, and why.
public struct FeedbackAdjustment: Sendable, Hashable, FetchableRecord {
    public var id: Int64
    public var facility: String
    public var oldFactor: Double
    public var newFactor: Double
    public var reason: String
    public var alertID: Int64?
    public var at: Date

    public init(row: Row) {
        id = row["id"]
        facility = row["facility"]
        oldFactor = row["old_factor"]
        newFactor = row["new_factor"]
        reason = row["reason"]
        alertID = row["alert_id"]
        at = Date(millisecondsSince1970: row["at"])
    }
}

/// The closed loop's tables: helpdesk reports per alert, node feedback factors and their history.
public enum FeedbackStore {
    /// Stores the report of an alert's ticket.
    /// - Returns: false when the alert already has one (a repeated webhook); nothing changes then.
    @discardableResult
    public static func record(_ feedback: AlertFeedback, in db: Database) throws -> Bool {
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO alert_feedback (alert_id, outbox_id, helpdesk, ticket_id, status, outcome, verdict,
                    cause, resolution, facility, solved_at, handling_seconds, inbox_id, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                feedback.alertID, feedback.outboxID, feedback.helpdesk, feedback.ticketID, feedback.status,
                feedback.outcome?.rawValue, feedback.verdict, feedback.cause, feedback.resolution, feedback.facility,
                feedback.solvedAt.millisecondsSince1970, feedback.handlingSeconds, feedback.inboxID,
                feedback.recordedAt.millisecondsSince1970,
            ])
        return db.changesCount > 0
    }

    public static func feedback(alertID: Int64, in db: Database) throws -> AlertFeedback? {
        try AlertFeedback.fetchOne(db, sql: "SELECT * FROM alert_feedback WHERE alert_id = ?", arguments: [alertID])
    }

    /// The reports of several alerts, by alert id.
    public static func feedback(alertIDs: [Int64], in db: Database) throws -> [Int64: AlertFeedback] {
        guard !alertIDs.isEmpty else { return [:] }
        let rows = try AlertFeedback.fetchAll(
            db,
            sql: "SELECT * FROM alert_feedback WHERE alert_id IN (\(databaseQuestionMarks(count: alertIDs.count)))",
            arguments: StatementArguments(alertIDs))
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.alertID, $0) })
    }

    /// Every report about a node, oldest first.
    public static func feedback(facility: String, in db: Database) throws -> [AlertFeedback] {
        try AlertFeedback.fetchAll(
            db, sql: "SELECT * FROM alert_feedback WHERE facility = ? ORDER BY solved_at, alert_id",
            arguments: [facility])
    }

    // MARK: Node factors

    public static func node(_ facility: String, in db: Database) throws -> NodeFeedback? {
        try Row.fetchOne(db, sql: "SELECT * FROM node_feedback WHERE facility = ?", arguments: [facility]).map {
            NodeFeedback(
                facility: $0["facility"], factor: $0["factor"], falseAlarmStreak: $0["false_alarm_streak"],
                updatedAt: Date(millisecondsSince1970: $0["updated_at"]))
        }
    }

    public static func save(_ node: NodeFeedback, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO node_feedback (facility, factor, false_alarm_streak, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (facility) DO UPDATE SET factor = excluded.factor,
                    false_alarm_streak = excluded.false_alarm_streak, updated_at = excluded.updated_at
                """,
            arguments: [node.facility, node.factor, node.falseAlarmStreak, node.updatedAt.millisecondsSince1970])
    }

    /// Every node's factor (for the engine at start-up).
    public static func factors(in db: Database) throws -> [String: Double] {
        var factors: [String: Double] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT facility, factor FROM node_feedback") {
            factors[row["facility"]] = row["factor"]
        }
        return factors
    }

    public static func recordAdjustment(
        facility: String, from old: Double, to new: Double, reason: String, alertID: Int64?, at now: Date,
        in db: Database
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO feedback_adjustments (facility, old_factor, new_factor, reason, alert_id, at)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [facility, old, new, reason, alertID, now.millisecondsSince1970])
    }

    /// A node's factor changes, newest first.
    public static func adjustments(facility: String, limit: Int, in db: Database) throws -> [FeedbackAdjustment] {
        try FeedbackAdjustment.fetchAll(
            db, sql: "SELECT * FROM feedback_adjustments WHERE facility = ? ORDER BY id DESC LIMIT ?",
            arguments: [facility, limit])
    }
}
