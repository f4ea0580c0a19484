import DelayGateAlerting
import DelayGateModel
import DelayGateStorage
import Foundation
import GRDB

/// Turns assessments into episodes, alerts and planned actions, inside the caller's transaction.
///
/// An episode opens with its first alert and only escalates: the same level is never raised twice.
/// A node episode ends when the parcel moves on (its dwell's start or node changes) and records
/// the recovery; a journey episode ends when the parcel is delivered or returned; an order episode
/// ends when its problem is gone.
public struct AlertRecorder: Sendable {
    public let playbook: Playbook
    public let planner: (any ActionPlanner)?

    public init(playbook: Playbook, planner: (any ActionPlanner)? = nil) {
        self.playbook = playbook
        self.planner = planner
    }

    /// What recording did (for tests and metrics).
    public struct Report: Sendable, Hashable {
        public var raised: [(level: AlertLevel, scenario: Scenario)] = []
        public var closed = 0

        public static func == (lhs: Report, rhs: Report) -> Bool {
            lhs.closed == rhs.closed && lhs.raised.map(\.level) == rhs.raised.map(\.level)
                && lhs.raised.map(\.scenario) == rhs.raised.map(\.scenario)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(closed)
            hasher.combine(raised.map(\.level))
        }
    }

    public func record(
        _ assessment: Assessment, for shipment: Shipment, order: Order?, at now: Date, in db: Database
    ) throws -> Report {
        var report = Report()
        let subject = "\(shipment.key.carrier)|\(shipment.key.trackingNumber)"
        for track in [EpisodeTrack.node, .journey] {
            var open = try AlertStore.openEpisode(subject: subject, track: track.rawValue, in: db)
            let anchor = track == .node ? Self.anchor(of: shipment) : nil
            if let episode = open {
                let over = track == .node ? episode.anchor != anchor : !shipment.isOpen
                if over {
                    try AlertStore.close(
                        episode: episode.id, recovery: Self.recovery(shipment, since: episode.openedAt), at: now, in: db
                    )
                    report.closed += 1
                    open = nil
                }
            }
            guard let finding = assessment.strongest(in: track), finding.level > .none else { continue }
            try raise(
                finding, subject: subject, track: track, anchor: anchor, open: open, shipment: shipment.key,
                order: order,
                node: shipment.node, milestone: shipment.milestone, window: assessment.deliveryWindow, at: now, in: db,
                report: &report)
        }
        return report
    }

    /// Records (or closes) an order's episode, for presale findings.
    public func record(_ finding: Finding?, for order: Order, at now: Date, in db: Database) throws -> Report {
        var report = Report()
        let subject = "order:\(order.id)"
        let open = try AlertStore.openEpisode(subject: subject, track: EpisodeTrack.order.rawValue, in: db)
        guard let finding, finding.level > .none else {
            if let open {
                try AlertStore.close(episode: open.id, recovery: "supplier back on time", at: now, in: db)
                report.closed += 1
            }
            return report
        }
        try raise(
            finding, subject: subject, track: .order, anchor: nil, open: open, shipment: order.shipments.first,
            order: order,
            node: nil, milestone: nil, window: nil, at: now, in: db, report: &report)
        return report
    }

    private func raise(
        _ finding: Finding, subject: String, track: EpisodeTrack, anchor: String?, open: StoredEpisode?,
        shipment: ShipmentKey?, order: Order?, node: TrackingNode?, milestone: Milestone?, window: [Date]?,
        at now: Date,
        in db: Database, report: inout Report
    ) throws {
        let episodeID: Int64
        if let open {
            guard let current = AlertLevel(rawValue: open.level), finding.level > current else { return }
            try AlertStore.escalate(
                episode: open.id, to: finding.level.rawValue, scenario: finding.scenario.rawValue, in: db)
            episodeID = open.id
        } else {
            episodeID = try AlertStore.openEpisode(
                subject: subject, track: track.rawValue, level: finding.level.rawValue,
                scenario: finding.scenario.rawValue,
                anchor: anchor, at: now, in: db)
        }
        let alert = NewAlert(
            shipment: shipment, orderID: order?.id, level: finding.level.rawValue, scenario: finding.scenario.rawValue,
            reasonZH: finding.reason.zh, reasonEN: finding.reason.en,
            details: Self.details(finding, node: node, milestone: milestone, window: finding.deliveryWindow ?? window),
            region: order?.destination.region ?? node?.region,
            facility: node?.identifier)
        let actions = playbook.actions(level: finding.level, scenario: finding.scenario).map {
            (action: $0, idempotencyKey: "episode:\(episodeID):\(finding.level.rawValue):\($0.rawValue)")
        }
        let alertID = try AlertStore.record(
            alert, episode: episodeID, actions: actions.map { ($0.action.rawValue, $0.idempotencyKey) }, at: now,
            in: db)
        try planner?.plan(
            RecordedAlert(
                alertID: alertID, episodeID: episodeID, alert: alert, finding: finding, shipment: shipment,
                order: order, node: node, deliveryWindow: finding.deliveryWindow ?? window, actions: actions,
                raisedAt: now),
            in: db)
        report.raised.append((finding.level, finding.scenario))
    }

    /// The dwell a node episode is about: its start and node.
    static func anchor(of shipment: Shipment) -> String {
        "\(Int64((shipment.currentSince.timeIntervalSince1970 * 1000).rounded()))|\(NodeKey(shipment: shipment))"
    }

    static func recovery(_ shipment: Shipment, since opened: Date) -> String {
        let hours = Int((shipment.currentSince.timeIntervalSince(opened) / 3600).rounded())
        let place = shipment.node.facilityName ?? shipment.node.city ?? shipment.node.facilityCode ?? "?"
        return shipment.isOpen
            ? "moved on: \(shipment.milestone.rawValue) at \(place), \(max(0, hours)) h after the first alert"
            : "\(shipment.milestone.rawValue), \(max(0, hours)) h after the first alert"
    }

    static func details(_ finding: Finding, node: TrackingNode?, milestone: Milestone?, window: [Date]?) -> String {
        let details = AlertDetails(
            extraDelayDays: finding.extraDelayDays,
            dwellSeconds: finding.dwell.map { Int($0) },
            expectedSeconds: finding.expected.map { Int($0) },
            missingDocuments: finding.missingDocuments.isEmpty ? nil : finding.missingDocuments,
            disruptionID: finding.disruptionID,
            deliveryWindow: window?.map { Date.ISO8601FormatStyle().format($0) },
            milestone: milestone?.rawValue,
            node: node.map {
                AlertDetails.Place(
                    facilityCode: $0.facilityCode, facilityName: $0.facilityName, city: $0.city, region: $0.region)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(details)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// The JSON in an alert's `details` column: the numbers behind it. Absent values are left out.
///
/// A typed value for JSONEncoder rather than a `[String: Any]` for JSONSerialization: with one
/// alert per due shipment, bridging and sorting the untyped dictionary cost more than the
/// alert's inserts.
struct AlertDetails: Encodable {
    var extraDelayDays: Int
    var dwellSeconds: Int?
    var expectedSeconds: Int?
    var missingDocuments: [String]?
    var disruptionID: String?
    var deliveryWindow: [String]?
    var milestone: String?
    var node: Place?

    struct Place: Encodable {
        var facilityCode: String?
        var facilityName: String?
        var city: String?
        var region: String?

        enum CodingKeys: String, CodingKey {
            case city, region
            case facilityCode = "facility_code"
            case facilityName = "facility_name"
        }
    }

    enum CodingKeys: String, CodingKey {
        case milestone, node
        case extraDelayDays = "extra_delay_days"
        case dwellSeconds = "dwell_seconds"
        case expectedSeconds = "expected_seconds"
        case missingDocuments = "missing_documents"
        case disruptionID = "disruption_id"
        case deliveryWindow = "delivery_window"
    }
}
