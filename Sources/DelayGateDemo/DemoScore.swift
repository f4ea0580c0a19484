import DelayGateAlerting
import DelayGateModel
import DelayGateSimulation
import DelayGateStorage
import Foundation

/// The demo's verdict: for every incident the simulator injected, whether DelayGate raised the
/// alert it calls for and whether that alert's actions reached the vendors.
public struct DemoScore: Sendable {
    /// One incident and what became of it.
    public struct Case: Sendable, Hashable {
        public var incident: String
        public var kind: String
        /// The alert the incident calls for (`urgent dwell`); nil when it ended before any
        /// threshold could be crossed (not scored).
        public var expected: String?
        /// The alerts raised for it (`warning dwell`, `urgent dwell`, …).
        public var raised: [String]
        public var detected: Bool
        /// Deliveries planned for the alerts that detected it, and how many were delivered.
        public var actions: Int
        public var delivered: Int

        public var closed: Bool { expected == nil || (detected && actions > 0 && delivered == actions) }
    }

    public var cases: [Case]
    /// Parcels alerted for where they were (a dwell, customs, a stalled return, a lost parcel)
    /// that had no injected incident: the false alarms a clean simulated network provoked.
    /// Disruption and delivery-risk alerts are forecasts, not findings, and are left out.
    public var unexplainedParcels = 0

    public var scored: [Case] { cases.filter { $0.expected != nil } }
    public var detected: Int { scored.filter(\.detected).count }
    /// Every scored incident was detected and all its actions were delivered.
    public var loopClosed: Bool { !scored.isEmpty && scored.allSatisfy(\.closed) }

    /// Scores `incidents` against what the gateway stored.
    ///
    /// - Parameters:
    ///   - expectedDwell: the engine's expected dwell at a stalled node when the stall began, which
    ///     decides whether a stall should have reached warning or urgent before it ended.
    public static func score(
        _ incidents: [InjectedIncident], windowEnd: Date, alerts: [StoredAlert], deliveries: [OutboxRow],
        thresholds: AlertPolicy.Thresholds, expectedDwell: (InjectedIncident) -> Double?
    ) -> DemoScore {
        let rank = ["warning": 1, "urgent": 2, "extreme": 3]
        var byShipment: [ShipmentKey: [StoredAlert]] = [:]
        var byOrder: [String: [StoredAlert]] = [:]
        for alert in alerts {
            if let key = alert.shipment { byShipment[key, default: []].append(alert) }
            if let order = alert.orderID, alert.scenario == Scenario.presale.rawValue {
                byOrder[order, default: []].append(alert)
            }
        }
        let deliveriesByAlert = Dictionary(grouping: deliveries.filter { $0.alertID != nil }, by: { $0.alertID! })
        var cases: [Case] = []
        for incident in incidents {
            let candidates =
                (incident.kindName == "presale_slip" ? byOrder[incident.orderID] : byShipment[incident.shipment]) ?? []
            let relevant = candidates.filter { $0.raisedAt >= incident.startsAt.addingTimeInterval(-1) }
            let expected: (scenario: String, level: String)?
            switch incident.kind {
            case .stall:
                let end = min(incident.endsAt ?? windowEnd, windowEnd)
                if let dwell = expectedDwell(incident) {
                    let elapsed = end.timeIntervalSince(incident.startsAt)
                    expected =
                        elapsed > thresholds.urgent * dwell + 60
                        ? ("dwell", "urgent") : elapsed > thresholds.warning * dwell + 60 ? ("dwell", "warning") : nil
                } else {
                    expected = nil
                }
            case .customsHold: expected = ("customs", "urgent")
            case .returnStall: expected = ("return_stall", "urgent")
            case .presaleSlip: expected = ("presale", "warning")
            case .disruption: expected = ("disruption", "extreme")
            case .lostOrDamaged: expected = ("lost_or_damaged", "extreme")
            }
            // The expected alert, or a stricter one that already covers it (an episode never
            // repeats or lowers its level).
            let hits = relevant.filter { alert in
                guard let expected else { return false }
                let level = rank[alert.level, default: 0]
                let wanted = rank[expected.level, default: 0]
                return (alert.scenario == expected.scenario && level >= wanted) || level > wanted
            }
            let planned = hits.flatMap { deliveriesByAlert[$0.id] ?? [] }
            cases.append(
                Case(
                    incident: "\(incident.kindName) \(incident.shipment.carrier)/\(incident.shipment.trackingNumber)",
                    kind: incident.kindName, expected: expected.map { "\($0.level) \($0.scenario)" },
                    raised: relevant.map { "\($0.level) \($0.scenario)" }, detected: !hits.isEmpty,
                    actions: planned.count, delivered: planned.filter { $0.state == .delivered }.count))
        }
        let incidentParcels = Set(incidents.map(\.shipment))
        let findings: Set<String> = ["dwell", "customs", "return_stall", "lost_or_damaged"]
        let unexplained = byShipment.filter { key, alerts in
            !incidentParcels.contains(key) && alerts.contains { findings.contains($0.scenario) }
        }
        return DemoScore(cases: cases, unexplainedParcels: unexplained.count)
    }
}
