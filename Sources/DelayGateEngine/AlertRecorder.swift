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
        var object: [String: Any] = ["extra_delay_days": finding.extraDelayDays]
        if let dwell = finding.dwell { object["dwell_seconds"] = Int(dwell) }
        if let expected = finding.expected { object["expected_seconds"] = Int(expected) }
        if !finding.missingDocuments.isEmpty { object["missing_documents"] = finding.missingDocuments }
        if let id = finding.disruptionID { object["disruption_id"] = id }
        if let window {
            object["delivery_window"] = window.map { Date.ISO8601FormatStyle().format($0) }
        }
        if let milestone { object["milestone"] = milestone.rawValue }
        if let node {
            var place: [String: String] = [:]
            place["facility_code"] = node.facilityCode
            place["facility_name"] = node.facilityName
            place["city"] = node.city
            place["region"] = node.region
            object["node"] = place
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
