import DelayGateModel
import Foundation

/// A reason written for people, in both languages the gateway speaks.
public struct Reason: Sendable, Hashable, Codable {
    public var zh: String
    public var en: String

    public init(zh: String, en: String) {
        self.zh = zh
        self.en = en
    }

    public func text(_ language: AlertPolicy.Language) -> String {
        language == .zh ? zh : en
    }
}

/// One thing the engine found wrong with a shipment or order.
public struct Finding: Sendable, Hashable {
    public var scenario: Scenario
    public var level: AlertLevel
    public var reason: Reason
    /// Seconds at the current node, for dwell findings.
    public var dwell: Double?
    /// The expected dwell (after season, disruption and feedback factors).
    public var expected: Double?
    /// The estimated extra delay, in whole days (at least 1).
    public var extraDelayDays: Int
    public var missingDocuments: [String]
    /// Likely delivery instants (p10, p50, p90) when the lane model knows the parcel's lane.
    public var deliveryWindow: [Date]?
    /// The disruption notice involved, if any.
    public var disruptionID: String?

    public init(
        scenario: Scenario,
        level: AlertLevel,
        reason: Reason,
        dwell: Double? = nil,
        expected: Double? = nil,
        extraDelayDays: Int = 1,
        missingDocuments: [String] = [],
        deliveryWindow: [Date]? = nil,
        disruptionID: String? = nil
    ) {
        self.scenario = scenario
        self.level = level
        self.reason = reason
        self.dwell = dwell
        self.expected = expected
        self.extraDelayDays = extraDelayDays
        self.missingDocuments = missingDocuments
        self.deliveryWindow = deliveryWindow
        self.disruptionID = disruptionID
    }
}

/// Everything the engine needs to judge one shipment at one instant.
public struct ShipmentContext: Sendable {
    public var shipment: Shipment
    /// The node of the first scan: the lane's origin.
    public var origin: TrackingNode?
    /// Details of the newest event (missing documents, carrier-declared stalls).
    public var latestDetails: EventDetails
    /// The order the shipment fulfils, if known.
    public var order: Order?
    /// Disruption notices in force.
    public var disruptions: [DisruptionNotice]
    /// Multiplier learned from resolved tickets for this node (1 until feedback lands).
    public var feedbackFactor: Double

    public init(
        shipment: Shipment,
        origin: TrackingNode? = nil,
        latestDetails: EventDetails = EventDetails(),
        order: Order? = nil,
        disruptions: [DisruptionNotice] = [],
        feedbackFactor: Double = 1
    ) {
        self.shipment = shipment
        self.origin = origin
        self.latestDetails = latestDetails
        self.order = order
        self.disruptions = disruptions
        self.feedbackFactor = feedbackFactor
    }
}

/// The engine's verdict on one shipment at one instant.
public struct Assessment: Sendable {
    public var findings: [Finding]
    /// When to look again (the next threshold crossing); nil when nothing can change without news.
    public var nextCheckAt: Date?
    /// Likely delivery instants (p10, p50, p90), when known.
    public var deliveryWindow: [Date]?

    public init(findings: [Finding] = [], nextCheckAt: Date? = nil, deliveryWindow: [Date]? = nil) {
        self.findings = findings
        self.nextCheckAt = nextCheckAt
        self.deliveryWindow = deliveryWindow
    }

    /// The strongest finding of a track (ties: the first found, in the evaluator's priority order).
    public func strongest(in track: EpisodeTrack) -> Finding? {
        findings.filter { $0.scenario.track == track }.max { $0.level < $1.level }
    }
}
