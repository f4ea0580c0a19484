import Foundation

/// A helpdesk's report that a ticket DelayGate opened was handled: the closed loop's input.
///
/// The ticket is found by the key DelayGate gave it (`externalID`: Zendesk's `external_id`,
/// Freshdesk's key custom field) or, failing that, by the helpdesk's ticket id.
public struct TicketFeedback: Sendable, Hashable {
    /// What the agent concluded.
    public enum Outcome: String, Sendable, Hashable, CaseIterable, Codable {
        /// The parcel was not actually late: the alert should not have fired.
        case falseAlarm = "false_alarm"
        /// The delay was real.
        case confirmedDelay = "confirmed_delay"
    }

    /// The helpdesk kind (`zendesk`, `freshdesk`).
    public var helpdesk: String
    /// The helpdesk's ticket id.
    public var ticketID: String
    /// The idempotency key DelayGate sent with the ticket, when the helpdesk echoes it.
    public var externalID: String?
    /// The helpdesk's status as sent (`solved`, `Resolved`, …).
    public var status: String
    /// Whether `status` means the ticket is done.
    public var isSolved: Bool
    /// The agent's verdict; nil when the ticket carries none the gateway knows (the report then
    /// counts for handling time and causes, but neither raises nor lowers the node's threshold).
    public var outcome: Outcome?
    /// The verdict as the helpdesk sent it, when there was one.
    public var verdict: String?
    /// The cause the agent recorded (e.g. "hub congestion", "missing invoice").
    public var cause: String?
    /// What resolved it (e.g. "re-shipped", "customs broker fixed documents").
    public var resolution: String?
    /// When the helpdesk says it was solved (or when the report arrived).
    public var solvedAt: Date

    public init(
        helpdesk: String, ticketID: String, externalID: String? = nil, status: String, isSolved: Bool,
        outcome: Outcome? = nil, verdict: String? = nil, cause: String? = nil, resolution: String? = nil,
        solvedAt: Date
    ) {
        self.helpdesk = helpdesk
        self.ticketID = ticketID
        self.externalID = externalID
        self.status = status
        self.isSolved = isSolved
        self.outcome = outcome
        self.verdict = verdict
        self.cause = cause
        self.resolution = resolution
        self.solvedAt = solvedAt
    }
}
