import DelayGateAlerting
import DelayGateModel
import DelayGateStorage
import Foundation
import GRDB

/// The closed loop: a helpdesk's report that a ticket DelayGate opened was solved is written
/// back to the alert, strengthens the anomaly knowledge graph, and tunes the node's feedback
/// factor — all inside the normalization transaction of the webhook that carried it.
///
/// Graph edges drawn from one resolved alert at facility F:
/// `F —had_cause→ cause`, `scenario —had_cause→ cause`, `cause —resolved_by→ resolution` and
/// `F —resolved_by→ resolution` (unless it was a false alarm), `F —outcome→ false_alarm |
/// confirmed_delay`, `carrier —operates→ F` and `region —contains→ F`.
public struct FeedbackLoop: Sendable {
    /// What became of one report.
    public enum Result: Sendable, Hashable {
        /// The ticket is not solved yet (a status change to pending, say): nothing to learn.
        case notSolved
        /// No ticket DelayGate opened has that key or helpdesk id.
        case unmatched
        /// The alert already has its report (a repeated webhook): nothing changed.
        case duplicate(alertID: Int64)
        /// Written back; `factor` is the node's new feedback factor when it changed.
        case recorded(alertID: Int64, factor: Double?)
    }

    let model: AlertModel
    var policy: FeedbackPolicy { model.policy.feedback }

    public init(model: AlertModel) {
        self.model = model
    }

    public func apply(_ report: TicketFeedback, inboxID: Int64?, at now: Date, in db: Database) throws -> Result {
        guard report.isSolved else { return .notSolved }
        guard let ticket = try OutboxStore.ticket(idempotencyKey: report.externalID, receipt: report.ticketID, in: db),
            let alertID = ticket.alertID, let alert = try AlertStore.alert(id: alertID, in: db)
        else { return .unmatched }
        let facility = alert.facility ?? Self.facility(inDetails: alert.details)
        let handledFrom = ticket.deliveredAt ?? alert.raisedAt
        let feedback = AlertFeedback(
            alertID: alertID, outboxID: ticket.id, report: report, facility: facility,
            handlingSeconds: max(0, report.solvedAt.timeIntervalSince(handledFrom)), inboxID: inboxID, recordedAt: now)
        guard try FeedbackStore.record(feedback, in: db) else { return .duplicate(alertID: alertID) }
        // The ticket no longer counts towards its group's load.
        try OutboxStore.resolveTickets(alertID: alertID, at: now, in: db)
        try strengthenGraph(alert: alert, feedback: feedback, at: now, in: db)
        guard let facility, let outcome = report.outcome else { return .recorded(alertID: alertID, factor: nil) }
        return .recorded(alertID: alertID, factor: try tune(facility, outcome: outcome, alertID: alertID, at: now, in: db))
    }

    /// Updates the node's factor after a verdict; returns the new factor when it changed.
    func tune(_ facility: String, outcome: TicketFeedback.Outcome, alertID: Int64, at now: Date, in db: Database)
        throws -> Double?
    {
        let node =
            try FeedbackStore.node(facility, in: db)
            ?? NodeFeedback(facility: facility, factor: 1, falseAlarmStreak: 0, updatedAt: now)
        let step = policy.step(factor: node.factor, streak: node.falseAlarmStreak, falseAlarm: outcome == .falseAlarm)
        try FeedbackStore.save(
            NodeFeedback(facility: facility, factor: step.factor, falseAlarmStreak: step.falseAlarmStreak, updatedAt: now),
            in: db)
        guard let reason = step.reason else { return nil }
        try FeedbackStore.recordAdjustment(
            facility: facility, from: node.factor, to: step.factor, reason: reason, alertID: alertID, at: now, in: db)
        model.setFeedbackFactor(step.factor, for: facility)
        // Parcels waiting at the node are judged again against the new expectation.
        try ShipmentStore.scheduleOpen(regions: [], facilities: [facility], at: now, in: db)
        return step.factor
    }

    func strengthenGraph(alert: StoredAlert, feedback: AlertFeedback, at now: Date, in db: Database) throws {
        let halfLife = policy.graphHalfLife
        func edge(_ source: GraphEntity?, _ relation: String, _ target: GraphEntity?) throws {
            guard let source, let target else { return }
            try KnowledgeGraphStore.strengthen(source, relation, target, halfLife: halfLife, at: now, in: db)
        }
        let facility = feedback.facility.map { GraphEntity(.facility, $0) }
        let cause = feedback.cause.map { GraphEntity(.cause, $0) }
        let resolution = feedback.resolution.map { GraphEntity(.resolution, $0) }
        try edge(facility, "had_cause", cause)
        try edge(GraphEntity(.scenario, alert.scenario), "had_cause", cause)
        if feedback.outcome != .falseAlarm {
            try edge(cause, "resolved_by", resolution)
            try edge(facility, "resolved_by", resolution)
        }
        try edge(facility, "outcome", feedback.outcome.map { GraphEntity(.outcome, $0.rawValue) })
        try edge(alert.shipment.map { GraphEntity(.carrier, $0.carrier) }, "operates", facility)
        try edge(alert.region.map { GraphEntity(.region, $0) }, "contains", facility)
    }

    /// The node of an alert recorded before alerts kept their facility: from its details JSON.
    static func facility(inDetails details: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(details.utf8)) as? [String: Any],
            let node = object["node"] as? [String: String]
        else { return nil }
        return node["facility_code"] ?? node["facility_name"] ?? node["city"]
    }
}
