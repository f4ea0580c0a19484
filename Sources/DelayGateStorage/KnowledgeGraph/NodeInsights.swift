import DelayGateModel
import Foundation
import GRDB

/// What the closed loop knows about one node (`GET /v1/insights/nodes/{facility}`): its top
/// causes, the resolutions that worked, how often its alerts were false alarms, how long its
/// tickets took, and how feedback has tuned its expected dwell.
public struct NodeInsights: Sendable, Hashable {
    public var facility: String
    /// Alerts about the node (all time).
    public var alerts: Int
    /// Alerts whose ticket was solved with a report.
    public var resolved: Int
    public var falseAlarms: Int
    public var confirmedDelays: Int
    /// False alarms over resolved alerts with a verdict; nil before the first verdict.
    public var falseAlarmRate: Double?
    /// Median time from the ticket's delivery to its solution, seconds.
    public var medianHandlingSeconds: Double?
    /// `facility —had_cause→ cause`, strongest first.
    public var topCauses: [GraphEdge]
    /// `facility —resolved_by→ resolution` on confirmed delays, strongest first.
    public var resolutions: [GraphEdge]
    public var feedbackFactor: Double
    public var falseAlarmStreak: Int
    /// Changes of the factor, newest first.
    public var adjustments: [FeedbackAdjustment]

    /// Everything known about `facility`; nil when no alert or report ever named it.
    public static func load(facility: String, limit: Int = 5, in db: Database) throws -> NodeInsights? {
        let alerts =
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts WHERE facility = ?", arguments: [facility]) ?? 0
        let reports = try FeedbackStore.feedback(facility: facility, in: db)
        guard alerts > 0 || !reports.isEmpty else { return nil }
        let falseAlarms = reports.filter { $0.outcome == .falseAlarm }.count
        let confirmed = reports.filter { $0.outcome == .confirmedDelay }.count
        let node = try FeedbackStore.node(facility, in: db)
        let entity = GraphEntity(.facility, facility)
        return NodeInsights(
            facility: facility, alerts: alerts, resolved: reports.count, falseAlarms: falseAlarms,
            confirmedDelays: confirmed,
            falseAlarmRate: falseAlarms + confirmed == 0 ? nil : Double(falseAlarms) / Double(falseAlarms + confirmed),
            medianHandlingSeconds: median(reports.compactMap(\.handlingSeconds)),
            topCauses: try KnowledgeGraphStore.edges(from: entity, "had_cause", limit: limit, in: db),
            resolutions: try KnowledgeGraphStore.edges(from: entity, "resolved_by", limit: limit, in: db),
            feedbackFactor: node?.factor ?? 1, falseAlarmStreak: node?.falseAlarmStreak ?? 0,
            adjustments: try FeedbackStore.adjustments(facility: facility, limit: 20, in: db))
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
