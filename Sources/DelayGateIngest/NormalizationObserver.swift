import DelayGateModel
import DelayGateStorage
import Foundation
import GRDB

/// Something that reacts to what normalization stored, inside the same transaction (the alert
/// engine learns dwell times and schedules evaluations here), and learns when it committed.
public protocol NormalizationObserver: Sendable {
    /// Called inside the normalization transaction; throwing undoes the batch (it is then retried
    /// item by item).
    func normalized(_ outcome: NormalizationOutcome, at now: Date, in db: Database) throws

    /// Called after the normalization transaction committed.
    func committed()
}

/// What one normalization batch stored.
public struct NormalizationOutcome: Sendable {
    public var transitions: [EventStore.Transition] = []
    public var orders: [Order] = []
    public var disruptions: [DisruptionNotice] = []
    /// Helpdesk reports about tickets DelayGate opened (the closed loop), with their inbox rows.
    public var ticketFeedback: [(report: TicketFeedback, inboxID: Int64?)] = []

    public init() {}

    public var isEmpty: Bool {
        transitions.isEmpty && orders.isEmpty && disruptions.isEmpty && ticketFeedback.isEmpty
    }
}
