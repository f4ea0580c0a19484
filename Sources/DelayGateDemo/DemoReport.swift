import DelayGateAlerting
import DelayGateEngine
import DelayGateMocks
import DelayGateModel
import DelayGateOutbound
import DelayGateServer
import DelayGateSimulation
import DelayGateStorage
import Foundation
import GRDB

/// What a demo run did, for its summary and for tests.
public struct DemoReport: Sendable {
    public var orders: Int
    public var scansSent: Int
    public var requests: Int
    public var requestsByAdapter: [String: Int]
    public var failedRequests: [String]
    public var eventsStored: Int
    public var inbox: [String: Int]
    /// `level scenario` → alerts.
    public var alerts: [String: Int]
    public var score: DemoScore
    public var received: DemoVendors.Received
    public var outbox: [String: Int]
    /// Why deliveries died (adapter: error), a few.
    public var deadLetters: [String]
    /// The first ticket the helpdesk received, as an agent sees it.
    public var sampleTicket: String?
    public var elapsed: Duration
    public var speed: Double

    static func make(
        day: SimulatedDay, gateway: Gateway, vendors: DemoVendors, sender: DemoSender, elapsed: Duration,
        options: Demo.Options
    ) async throws -> DemoReport {
        let (alerts, deliveries, events, inbox, outbox) = try await gateway.database.read { db in
            (
                try AlertStore.recent(limit: 10_000_000, in: db).reversed() as [StoredAlert],
                try OutboxStore.list(limit: 10_000_000, in: db), try EventStore.count(in: db),
                try InboxStore.counts(in: db), try OutboxStore.counts(in: db)
            )
        }
        let evaluator = gateway.alertModel.evaluator()
        let incidents = day.incidents.filter { incident in day.orders.contains { $0.id == incident.orderID } }
        // A stall is judged at the node as the gateway stored it (a vendor may name a facility
        // by name, not code), from the scan that began it.
        let stallNodes = try await gateway.database.read { db -> [ShipmentKey: NodeKey] in
            var nodes: [ShipmentKey: NodeKey] = [:]
            for incident in incidents {
                guard case .stall = incident.kind else { continue }
                let events = try EventStore.events(for: incident.shipment, in: db).map(\.event)
                guard let scan = events.last(where: { $0.time.instant <= incident.startsAt.addingTimeInterval(1) })
                else { continue }
                nodes[incident.shipment] = NodeKey(
                    event: scan, destination: day.order(for: incident.shipment)?.destination.region)
            }
            return nodes
        }
        let score = DemoScore.score(
            incidents, windowEnd: day.windowEnd, alerts: alerts, deliveries: deliveries,
            thresholds: evaluator.policy.thresholds
        ) { incident in
            guard let node = stallNodes[incident.shipment] else { return nil }
            return evaluator.baselines.expected(for: node).seconds
                * evaluator.calendar.factor(at: incident.startsAt).factor
        }
        let sent = sender.sent
        return DemoReport(
            orders: day.orders.count, scansSent: sent.scans, requests: sent.requests, requestsByAdapter: sent.byAdapter,
            failedRequests: sender.failures, eventsStored: events,
            inbox: Dictionary(uniqueKeysWithValues: inbox.map { ($0.key.rawValue, $0.value) }),
            alerts: alerts.reduce(into: [:]) { $0["\($1.level) \($1.scenario)", default: 0] += 1 }, score: score,
            received: vendors.received,
            outbox: Dictionary(uniqueKeysWithValues: outbox.map { ($0.key.rawValue, $0.value) }),
            deadLetters: Array(
                deliveries.filter { $0.state == .dead }.map {
                    "\($0.adapter): \(Redaction.maskingPhoneNumbers($0.lastError ?? "?"))"
                }.prefix(5)),
            sampleTicket: vendors.zendesk.created.first.map(Self.describe), elapsed: elapsed, speed: options.speed)
    }

    static func describe(_ ticket: MockZendesk.Ticket) -> String {
        var lines = [
            "#\(ticket.id) \(ticket.subject)",
            "priority \(ticket.priority ?? "-"), group \(ticket.groupID.map(String.init) ?? "-"), tags \(ticket.tags.joined(separator: " ")), external_id \(ticket.externalID ?? "-")",
        ]
        if let requester = ticket.requester {
            lines.append("requester \(requester.name ?? "-") \(requester.email ?? "") \(requester.phone.map(Self.masked) ?? "")")
        }
        // What reaches the helpdesk is the customer's full number; what this prints is masked.
        lines.append(Redaction.maskingPhoneNumbers(ticket.comment))
        return lines.joined(separator: "\n")
    }

    static func masked(_ phone: String) -> String {
        phone.count > 4 ? String(repeating: "*", count: phone.count - 4) + phone.suffix(4) : phone
    }

    /// The summary `delaygate demo` prints.
    public var summary: String {
        var lines: [String] = []
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        lines.append(
            "simulated day: \(orders) orders, \(scansSent) carrier scans in \(requests) requests "
                + "(\(requestsByAdapter.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))), "
                + String(format: "%.0f s at %.0f× speed", seconds, speed))
        if !failedRequests.isEmpty {
            lines.append("refused requests: \(failedRequests.count) — " + failedRequests.prefix(3).joined(separator: "; "))
        }
        lines.append(
            "ingested: \(eventsStored) events stored; inbox "
                + inbox.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        lines.append(
            "alerts: " + alerts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        var kinds: [String: (scored: Int, detected: Int, closed: Int)] = [:]
        for item in score.scored {
            kinds[item.kind, default: (0, 0, 0)].scored += 1
            if item.detected { kinds[item.kind, default: (0, 0, 0)].detected += 1 }
            if item.closed { kinds[item.kind, default: (0, 0, 0)].closed += 1 }
        }
        lines.append(
            "ground truth: \(score.detected) of \(score.scored.count) injected incidents detected ("
                + kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.detected)/\($0.value.scored)" }.joined(
                    separator: ", ") + "); \(score.cases.count - score.scored.count) ended before any threshold (not scored); "
                + "\(score.unexplainedParcels) of \(orders) parcels alerted where they were without an injected incident")
        let unclosed = score.scored.filter { !$0.closed }
        if !unclosed.isEmpty {
            lines.append("not closed: " + unclosed.prefix(5).map { "\($0.incident) expected \($0.expected ?? "-"), raised \($0.raised), \($0.delivered)/\($0.actions) delivered" }.joined(separator: "; "))
        }
        lines.append(
            "vendors received: \(received.tickets) tickets, \(received.sms) SMS, \(received.pushes) pushes, "
                + "\(received.callbacks) voice callbacks, \(received.fulfilments) ERP re-ship requests "
                + "(\(received.duplicateKeyHits) repeated keys answered with the existing object)")
        lines.append(
            "outbox: " + outbox.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        if !deadLetters.isEmpty { lines.append("dead letters: " + deadLetters.joined(separator: "; ")) }
        if let sampleTicket {
            lines.append("one ticket as the helpdesk received it:")
            lines.append(contentsOf: sampleTicket.split(separator: "\n", omittingEmptySubsequences: false).map { "  | " + $0 })
        }
        lines.append(score.loopClosed ? "the loop closed: every injected incident produced its actions" : "the loop did NOT close")
        lines.append(machineReadable)
        return lines.joined(separator: "\n")
    }

    /// The last line of the summary, for scripts and tests: `key=value` pairs.
    public var machineReadable: String {
        func count(_ level: String, except scenarios: Set<String> = []) -> Int {
            alerts.filter { $0.key.hasPrefix(level + " ") && !scenarios.contains(String($0.key.dropFirst(level.count + 1))) }
                .map(\.value).reduce(0, +)
        }
        let fields: [(String, String)] = [
            ("orders", "\(orders)"), ("requests", "\(requests)"), ("refused", "\(failedRequests.count)"),
            ("events", "\(eventsStored)"), ("warning_alerts", "\(count("warning"))"),
            ("urgent_alerts", "\(count("urgent"))"),
            ("urgent_ticket_only_alerts", "\(count("urgent") - count("urgent", except: ["customs", "return_stall"]))"),
            ("extreme_alerts", "\(count("extreme"))"), ("incidents", "\(score.scored.count)"),
            ("detected", "\(score.detected)"), ("tickets", "\(received.tickets)"), ("sms", "\(received.sms)"),
            ("pushes", "\(received.pushes)"), ("callbacks", "\(received.callbacks)"),
            ("fulfilments", "\(received.fulfilments)"), ("duplicates", "\(received.duplicateKeyHits)"),
            ("dead", "\(outbox["dead", default: 0])"), ("unexplained_parcels", "\(score.unexplainedParcels)"),
            ("loop_closed", "\(score.loopClosed)"),
        ]
        return "demo: " + fields.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
    }
}
