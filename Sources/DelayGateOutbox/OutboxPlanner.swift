import DelayGateAlerting
import DelayGateEngine
import DelayGateModel
import DelayGateOutbound
import DelayGateStorage
import Foundation
import GRDB

/// Turns a recorded alert's actions into outbox deliveries inside the alert's transaction:
/// composes each message (templates, compensation, script, history), routes tickets to the
/// least-loaded eligible group, renders the vendor request and enqueues it under the action's
/// idempotency key. A delivery that cannot be made (no adapter for the channel, no phone
/// number) is recorded as dead with the reason, never silently dropped.
public struct OutboxPlanner: ActionPlanner {
    public let composer: MessageComposer
    public let catalog: OutboundCatalog
    /// Signalled once the transaction that enqueued deliveries has committed.
    let wakeup: Wakeup?

    public init(settings: ActionSettings, catalog: OutboundCatalog, wakeup: Wakeup? = nil) {
        self.composer = MessageComposer(settings: settings)
        self.catalog = catalog
        self.wakeup = wakeup
    }

    public func plan(_ recorded: RecordedAlert, in db: Database) throws {
        // The engine judges with orders read without their lines; messages and ERP requests
        // list them, so the order is read whole here (once per alert, not per parcel judged).
        var recorded = recorded
        if let id = recorded.order?.id, let whole = try OrderStore.order(id: id, in: db) { recorded.order = whole }
        let facts = Self.facts(recorded)
        var history = CustomerHistory()
        if let customerID = recorded.order?.customer.id {
            let summary = try CustomerHistoryStore.summary(
                customerID: customerID, excludingAlert: recorded.alertID, in: db)
            history = CustomerHistory(
                orders: summary.orders, alerts: summary.alerts, tickets: summary.tickets,
                recent: summary.recent.map {
                    "\(Self.day($0.raisedAt)) \($0.orderID) \($0.level) \($0.scenario)"
                })
        }
        var routing: RoutingDecision?
        if recorded.actions.contains(where: { $0.action == .helpdeskTicket }) {
            routing = try route(recorded, in: db)
            if let routing {
                try AlertStore.setRouting(
                    alertID: recorded.alertID,
                    routing: String(decoding: try JSONEncoder().encode(routing), as: UTF8.self),
                    in: db)
            }
        }
        var enqueued = false
        let composed = composer.compose(
            actions: recorded.actions.map { ($0.action.rawValue, $0.idempotencyKey) }, facts: facts, history: history,
            routing: routing)
        for (action, key, deliveries) in composed {
            for delivery in deliveries {
                var row = NewDelivery(
                    idempotencyKey: key, alertID: recorded.alertID, action: action,
                    adapter: delivery.adapter ?? "(\(delivery.channel))", request: "",
                    helpdeskGroup: delivery.channel == "helpdesk" ? delivery.message.group : nil)
                guard let name = delivery.adapter, let adapter = catalog.adapter(named: name) else {
                    let problem =
                        delivery.adapter.map {
                            "outbound adapter '\($0)' (channel \(delivery.channel)) is not configured"
                        }
                        ?? "no outbound adapter is configured for channel \(delivery.channel) in config/actions.yaml"
                    try OutboxStore.enqueueUndeliverable(row, error: problem, at: recorded.raisedAt, in: db)
                    continue
                }
                do {
                    row.request = try adapter.render(delivery.message).encoded()
                } catch {
                    try OutboxStore.enqueueUndeliverable(row, error: "\(error)", at: recorded.raisedAt, in: db)
                    continue
                }
                enqueued = try OutboxStore.enqueue(row, at: recorded.raisedAt, in: db) || enqueued
            }
        }
        if enqueued { wakeup?.signal(afterCommitOf: db) }
    }

    /// Picks the ticket's group: the first routing rule that matches, then the eligible group
    /// with the fewest open tickets DelayGate created there.
    func route(_ recorded: RecordedAlert, in db: Database) throws -> RoutingDecision? {
        let order = recorded.order
        let region = order?.destination.region ?? recorded.node?.region
        guard
            let rule = composer.settings.routing.rule(
                region: region, level: recorded.finding.level.rawValue, scenario: recorded.finding.scenario.rawValue,
                orderValue: order?.value.amount, vip: order?.customer.isVIP ?? false)
        else {
            return RoutingDecision(
                group: nil, rule: nil, openTickets: [:],
                reason: "no routing rule matched; the helpdesk's default applies")
        }
        let adapter = composer.settings.channels.helpdesk ?? ""
        let open = try OutboxStore.openTickets(adapter: adapter, in: db).filter { rule.groups.contains($0.key) }
        let group = RoutingRules.leastLoaded(rule.groups, openTickets: open)
        let loads = rule.groups.map { "\($0): \(open[$0] ?? 0)" }.joined(separator: ", ")
        var why = "rule '\(rule.name)'"
        if let region { why += " (region \(region))" }
        why += "; fewest open tickets among [\(loads)]"
        return RoutingDecision(group: group, rule: rule.name, openTickets: open, reason: why)
    }

    static func facts(_ recorded: RecordedAlert) -> AlertFacts {
        let finding = recorded.finding
        return AlertFacts(
            alertID: recorded.alertID, level: finding.level.rawValue, scenario: finding.scenario.rawValue,
            reasonZH: finding.reason.zh, reasonEN: finding.reason.en, raisedAt: recorded.raisedAt,
            extraDelayDays: finding.extraDelayDays, dwellSeconds: finding.dwell, expectedSeconds: finding.expected,
            missingDocuments: finding.missingDocuments, deliveryWindow: recorded.deliveryWindow,
            shipment: recorded.shipment, node: recorded.node, order: recorded.order)
    }

    static func day(_ date: Date) -> String {
        Date.ISO8601FormatStyle().year().month().day().format(date)
    }
}
