import DelayGateAdapters
import DelayGateIngest
import DelayGateModel
import DelayGateOutbound
import DelayGateStorage
import Foundation

// The JSON shapes of the API (described in openapi.yaml) and of the command line's --json output.
// Instants are RFC 3339 in UTC; keys are snake_case; nothing here carries a secret, and phone
// numbers in delivery errors are masked.

/// An RFC 3339 UTC instant with milliseconds, as the API and the command line write instants.
public func rfc3339(_ date: Date) -> String {
    Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
}

/// One page of a list: the items under their name, and `next_cursor` (always present; null on
/// the last page) to ask for the next one.
struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    /// The member that holds the items (`alerts`, `deliveries`, `rows`).
    var key: String
    var items: [Item]
    var nextCursor: String?
    /// Counts beside the page (the outbox's deliveries per state).
    var counts: [String: Int]?

    /// The page of `items` when `limit` were asked for: a full page has a next one, at `cursor`.
    init(_ key: String, items: [Item], limit: Int, cursor: (Item) -> String, counts: [String: Int]? = nil) {
        self.key = key
        self.items = items
        self.nextCursor = items.count == limit ? items.last.map(cursor) : nil
        self.counts = counts
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: StringCodingKey.self)
        try container.encode(items, forKey: StringCodingKey(key))
        try container.encode(nextCursor, forKey: StringCodingKey("next_cursor"))
        try container.encodeIfPresent(counts, forKey: StringCodingKey("counts"))
    }
}

/// An alert as the API shows it.
public struct AlertJSON: Encodable, Sendable {
    /// The alert's id, the cursor of the next page.
    public var cursor: String { String(id) }

    public struct Reason: Encodable, Sendable {
        var zh: String
        var en: String
    }

    public struct Feedback: Encodable, Sendable {
        var helpdesk: String
        var ticketID: String
        var status: String
        var outcome: String?
        var verdict: String?
        var cause: String?
        var resolution: String?
        var solvedAt: String
        var handlingSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case helpdesk, status, outcome, verdict, cause, resolution
            case ticketID = "ticket_id"
            case solvedAt = "solved_at"
            case handlingSeconds = "handling_seconds"
        }

        init(_ feedback: AlertFeedback) {
            helpdesk = feedback.helpdesk
            ticketID = feedback.ticketID
            status = feedback.status
            outcome = feedback.outcome?.rawValue
            verdict = feedback.verdict
            cause = feedback.cause
            resolution = feedback.resolution
            solvedAt = rfc3339(feedback.solvedAt)
            handlingSeconds = feedback.handlingSeconds
        }
    }

    var id: Int64
    var episodeID: Int64
    var level: String
    var scenario: String
    /// `open` while the episode lasts, `closed` once the parcel recovered or arrived.
    var state: String
    var carrier: String?
    var trackingNumber: String?
    var orderID: String?
    var region: String?
    var facility: String?
    var reason: Reason
    var details: DynamicJSON
    var raisedAt: String
    var closedAt: String?
    var recovery: String?
    var routing: DynamicJSON?
    var feedback: Feedback?

    enum CodingKeys: String, CodingKey {
        case id, level, scenario, state, carrier, region, facility, reason, details, recovery, routing, feedback
        case episodeID = "episode_id"
        case trackingNumber = "tracking_number"
        case orderID = "order_id"
        case raisedAt = "raised_at"
        case closedAt = "closed_at"
    }

    init(_ listed: ListedAlert, feedback: AlertFeedback?) {
        let alert = listed.alert
        id = alert.id
        episodeID = alert.episodeID
        level = alert.level
        scenario = alert.scenario
        state = listed.episodeClosedAt == nil ? "open" : "closed"
        carrier = alert.shipment?.carrier
        trackingNumber = alert.shipment?.trackingNumber
        orderID = alert.orderID
        region = alert.region
        facility = alert.facility
        reason = Reason(zh: alert.reasonZH, en: alert.reasonEN)
        details = Self.json(alert.details) ?? .object([:])
        raisedAt = rfc3339(alert.raisedAt)
        closedAt = listed.episodeClosedAt.map(rfc3339)
        recovery = listed.recovery
        routing = listed.routing.flatMap(Self.json)
        self.feedback = feedback.map(Feedback.init)
    }

    static func json(_ text: String) -> DynamicJSON? {
        try? JSONDecoder().decode(DynamicJSON.self, from: Data(text.utf8))
    }
}

/// One scan of a shipment's timeline.
struct TimelineEventJSON: Encodable, Sendable {
    var time: String
    /// How the instant was known: `offset`, `location` or `assumed`.
    var timeSource: String
    var timeDetail: String
    var receivedAt: String
    var milestone: String
    var rawCode: String
    var rawText: String?
    var node: CanonicalNode
    var direction: String

    enum CodingKeys: String, CodingKey {
        case time, milestone, node, direction
        case timeSource = "time_source"
        case timeDetail = "time_detail"
        case receivedAt = "received_at"
        case rawCode = "raw_code"
        case rawText = "raw_text"
    }

    init(_ event: TrackingEvent) {
        time = rfc3339(event.time.instant)
        timeSource = event.time.source.kind
        timeDetail = event.time.source.detail
        receivedAt = rfc3339(event.receivedAt)
        milestone = event.milestone.rawValue
        rawCode = event.carrierStatus.code
        rawText = event.carrierStatus.text
        node = CanonicalNode(event.node)
        direction = event.direction.rawValue
    }
}

/// `GET /v1/shipments/{carrier}/{trackingNumber}`.
struct ShipmentJSON: Encodable, Sendable {
    struct Dwell: Encodable, Sendable {
        var seconds: Double
        /// The node's expected dwell now (learned baseline × season × disruption × feedback).
        var expectedSeconds: Double
        /// `seconds / expected_seconds`: 1.2 is the warning line, 1.5 the urgent one by default.
        var ratio: Double
        /// Where the baseline came from (`carrier|facility|milestone` key, or the default).
        var baselineKey: String?
        var baselineSamples: Int
        var feedbackFactor: Double

        enum CodingKeys: String, CodingKey {
            case seconds, ratio
            case expectedSeconds = "expected_seconds"
            case baselineKey = "baseline_key"
            case baselineSamples = "baseline_samples"
            case feedbackFactor = "feedback_factor"
        }
    }

    /// Likely delivery instants: 10 %, 50 % and 90 % of similar parcels arrive by then.
    struct Window: Encodable, Sendable {
        var p10: String
        var p50: String
        var p90: String

        init?(_ instants: [Date]) {
            guard instants.count == 3 else { return nil }
            (p10, p50, p90) = (rfc3339(instants[0]), rfc3339(instants[1]), rfc3339(instants[2]))
        }
    }

    var carrier: String
    var trackingNumber: String
    var state: String
    var milestone: String
    var direction: String
    var node: CanonicalNode
    var currentSince: String
    var lastEventAt: String
    var nextCheckAt: String?
    var dwell: Dwell?
    var deliveryWindow: Window?
    var orderIDs: [String]
    var timeline: [TimelineEventJSON]
    var alerts: [AlertJSON]

    enum CodingKeys: String, CodingKey {
        case carrier, state, milestone, direction, node, dwell, timeline, alerts
        case trackingNumber = "tracking_number"
        case currentSince = "current_since"
        case lastEventAt = "last_event_at"
        case nextCheckAt = "next_check_at"
        case deliveryWindow = "delivery_window"
        case orderIDs = "order_ids"
    }
}

/// A delivery of the outbox; phone numbers in errors and answers are masked.
public struct OutboxRowJSON: Encodable, Sendable {
    public var cursor: String { String(id) }

    var id: Int64
    var idempotencyKey: String
    var alertID: Int64?
    var action: String
    var adapter: String
    var state: String
    var attempts: Int
    var nextAttemptAt: String
    var lastStatus: Int?
    var lastError: String?
    var receipt: String?
    var helpdeskGroup: String?
    var createdAt: String
    var deliveredAt: String?
    var response: String?

    enum CodingKeys: String, CodingKey {
        case id, action, adapter, state, attempts, receipt, response
        case idempotencyKey = "idempotency_key"
        case alertID = "alert_id"
        case nextAttemptAt = "next_attempt_at"
        case lastStatus = "last_status"
        case lastError = "last_error"
        case helpdeskGroup = "helpdesk_group"
        case createdAt = "created_at"
        case deliveredAt = "delivered_at"
    }

    public init(_ row: OutboxRow) {
        id = row.id
        idempotencyKey = row.idempotencyKey
        alertID = row.alertID
        action = row.action
        adapter = row.adapter
        state = row.state.rawValue
        attempts = row.attempts
        nextAttemptAt = rfc3339(row.nextAttemptAt)
        lastStatus = row.lastStatus
        lastError = row.lastError.map(Redaction.maskingPhoneNumbers)
        receipt = row.receipt
        helpdeskGroup = row.helpdeskGroup
        createdAt = rfc3339(row.createdAt)
        deliveredAt = row.deliveredAt.map(rfc3339)
        response = row.response.map(Redaction.maskingPhoneNumbers)
    }
}

/// An inbox row with its raw body as text.
public struct InboxRowJSON: Encodable, Sendable {
    public var cursor: String { String(id) }

    var id: Int64
    var adapter: String
    var contentType: String
    var receivedAt: String
    var state: String
    var reason: String?
    var events: Int?
    var body: String

    enum CodingKeys: String, CodingKey {
        case id, adapter, state, reason, events, body
        case contentType = "content_type"
        case receivedAt = "received_at"
    }

    public init(_ row: InboxRecord) {
        id = row.id
        adapter = row.adapter
        contentType = row.contentType
        receivedAt = rfc3339(row.receivedAt)
        state = row.state.rawValue
        reason = row.reason
        events = row.eventCount
        body = String(decoding: row.body, as: UTF8.self)
    }
}

/// One adapter's health in `GET /v1/adapters`.
struct AdapterHealthJSON: Encodable, Sendable {
    var name: String
    /// `inbound` or `outbound`.
    var direction: String
    var kind: String
    /// `ok`, `failing` (the last outcome failed), `unconfigured` (a secret variable is unset) or `idle`.
    var status: String
    var missingVariables: [String]
    var lastSuccessAt: String?
    var lastFailureAt: String?
    var lastError: String?
    var successes: Int
    var failures: Int
    var errorRate: Double?

    enum CodingKeys: String, CodingKey {
        case name, direction, kind, status, successes, failures
        case missingVariables = "missing_variables"
        case lastSuccessAt = "last_success_at"
        case lastFailureAt = "last_failure_at"
        case lastError = "last_error"
        case errorRate = "error_rate"
    }

    init(name: String, direction: String, kind: String, missing: [String], figures: AdapterHealth.Figures?) {
        self.name = name
        self.direction = direction
        self.kind = kind
        missingVariables = missing
        lastSuccessAt = figures?.lastSuccessAt.map(rfc3339)
        lastFailureAt = figures?.lastFailureAt.map(rfc3339)
        lastError = figures?.lastError
        successes = figures?.successes ?? 0
        failures = figures?.failures ?? 0
        errorRate = figures?.errorRate
        if !missing.isEmpty {
            status = "unconfigured"
        } else if let figures, let failed = figures.lastFailureAt, failed > (figures.lastSuccessAt ?? .distantPast) {
            status = "failing"
        } else {
            status = figures?.lastSuccessAt == nil ? "idle" : "ok"
        }
    }
}

/// `GET /v1/insights/nodes/{facility}`.
struct NodeInsightsJSON: Encodable, Sendable {
    struct Edge: Encodable, Sendable {
        var name: String
        var weight: Double
        var count: Int
        var lastSeenAt: String

        enum CodingKeys: String, CodingKey {
            case name, weight, count
            case lastSeenAt = "last_seen_at"
        }

        init(_ edge: GraphEdge) {
            name = edge.target.name
            weight = (edge.weight * 1000).rounded() / 1000
            count = edge.count
            lastSeenAt = rfc3339(edge.updatedAt)
        }
    }

    struct Adjustment: Encodable, Sendable {
        var from: Double
        var to: Double
        var reason: String
        var alertID: Int64?
        var at: String

        enum CodingKeys: String, CodingKey {
            case from, to, reason, at
            case alertID = "alert_id"
        }
    }

    var facility: String
    var alerts: Int
    var resolved: Int
    var falseAlarms: Int
    var confirmedDelays: Int
    var falseAlarmRate: Double?
    var medianHandlingSeconds: Double?
    var topCauses: [Edge]
    var resolutionsThatWorked: [Edge]
    var feedbackFactor: Double
    var falseAlarmStreak: Int
    var adjustments: [Adjustment]

    enum CodingKeys: String, CodingKey {
        case facility, alerts, resolved, adjustments
        case falseAlarms = "false_alarms"
        case confirmedDelays = "confirmed_delays"
        case falseAlarmRate = "false_alarm_rate"
        case medianHandlingSeconds = "median_handling_seconds"
        case topCauses = "top_causes"
        case resolutionsThatWorked = "resolutions_that_worked"
        case feedbackFactor = "feedback_factor"
        case falseAlarmStreak = "false_alarm_streak"
    }

    init(_ insights: NodeInsights) {
        facility = insights.facility
        alerts = insights.alerts
        resolved = insights.resolved
        falseAlarms = insights.falseAlarms
        confirmedDelays = insights.confirmedDelays
        falseAlarmRate = insights.falseAlarmRate
        medianHandlingSeconds = insights.medianHandlingSeconds
        topCauses = insights.topCauses.map(Edge.init)
        resolutionsThatWorked = insights.resolutions.map(Edge.init)
        feedbackFactor = insights.feedbackFactor
        falseAlarmStreak = insights.falseAlarmStreak
        adjustments = insights.adjustments.map {
            Adjustment(from: $0.oldFactor, to: $0.newFactor, reason: $0.reason, alertID: $0.alertID, at: rfc3339($0.at))
        }
    }
}
