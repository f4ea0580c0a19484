import DelayGateModel
import Foundation
import Mustache

/// The facts of a recorded alert that messages are made of.
public struct AlertFacts: Sendable, Hashable {
    public var alertID: Int64
    public var level: String
    public var scenario: String
    public var reasonZH: String
    public var reasonEN: String
    public var raisedAt: Date
    public var extraDelayDays: Int
    public var dwellSeconds: Double?
    public var expectedSeconds: Double?
    public var missingDocuments: [String]
    public var deliveryWindow: [Date]?
    public var shipment: ShipmentKey?
    public var node: TrackingNode?
    public var order: Order?

    public init(
        alertID: Int64, level: String, scenario: String, reasonZH: String, reasonEN: String, raisedAt: Date,
        extraDelayDays: Int = 0, dwellSeconds: Double? = nil, expectedSeconds: Double? = nil,
        missingDocuments: [String] = [], deliveryWindow: [Date]? = nil, shipment: ShipmentKey? = nil,
        node: TrackingNode? = nil, order: Order? = nil
    ) {
        self.alertID = alertID
        self.level = level
        self.scenario = scenario
        self.reasonZH = reasonZH
        self.reasonEN = reasonEN
        self.raisedAt = raisedAt
        self.extraDelayDays = extraDelayDays
        self.dwellSeconds = dwellSeconds
        self.expectedSeconds = expectedSeconds
        self.missingDocuments = missingDocuments
        self.deliveryWindow = deliveryWindow
        self.shipment = shipment
        self.node = node
        self.order = order
    }
}

/// What DelayGate knows of the customer from its own data.
public struct CustomerHistory: Sendable, Hashable {
    public var orders: Int
    /// Alerts on the customer's other orders.
    public var alerts: Int
    /// Tickets DelayGate opened for the customer before.
    public var tickets: Int
    /// The latest of those alerts, one line each (`2026-11-11 urgent dwell`).
    public var recent: [String]

    public init(orders: Int = 0, alerts: Int = 0, tickets: Int = 0, recent: [String] = []) {
        self.orders = orders
        self.alerts = alerts
        self.tickets = tickets
        self.recent = recent
    }
}

/// Where a ticket goes and why.
public struct RoutingDecision: Sendable, Hashable, Codable {
    public var group: String?
    public var rule: String?
    /// Open DelayGate tickets per eligible group when the choice was made.
    public var openTickets: [String: Int]
    public var reason: String

    public init(group: String?, rule: String?, openTickets: [String: Int], reason: String) {
        self.group = group
        self.rule = rule
        self.openTickets = openTickets
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case group, rule, reason
        case openTickets = "open_tickets"
    }
}

/// One delivery the composer asks for.
public struct ComposedDelivery: Sendable, Hashable {
    /// `sms`, `push`, `helpdesk`, `voice` or `erp`.
    public var channel: String
    /// The adapter configured for the channel; nil when none is.
    public var adapter: String?
    public var message: OutboundMessage
}

/// Turns an alert's actions into vendor-neutral messages: templates per locale, the
/// compensation offer, the talk script, customer history, the routed group. Pure.
public struct MessageComposer: Sendable {
    public let settings: ActionSettings
    /// `2026-11-11 08:30` and `2026-11-11` in the settings' time zone (made once: building a
    /// format style per value showed in profiles of a busy day).
    private let minuteStyle: Date.VerbatimFormatStyle
    private let dayStyle: Date.VerbatimFormatStyle

    public init(settings: ActionSettings) {
        self.settings = settings
        func style(_ format: Date.FormatString) -> Date.VerbatimFormatStyle {
            var style = Date.VerbatimFormatStyle(
                format: format, timeZone: settings.timeZone, calendar: Calendar(identifier: .gregorian))
            style.locale = Locale(identifier: "en_US_POSIX")
            return style
        }
        minuteStyle = style(
            "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)"
        )
        dayStyle = style("\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits)")
    }

    /// The deliveries for each of an alert's playbook actions (`notify_customer`,
    /// `helpdesk_ticket`, `voice_callback`, `alternative_fulfilment`), in the order given.
    ///
    /// The template values (with the talk script they include) are made once per locale and
    /// shared by the actions written in it.
    public func compose(
        actions: [(action: String, idempotencyKey: String)], facts: AlertFacts, history: CustomerHistory,
        routing: RoutingDecision?
    ) -> [(action: String, idempotencyKey: String, deliveries: [ComposedDelivery])] {
        var valuesByLocale: [String: [String: Any]] = [:]
        return actions.map { action, key in
            let deliveries = compose(action: action, idempotencyKey: key, facts: facts, group: routing?.group) {
                locale in
                if let values = valuesByLocale[locale] { return values }
                let values = self.values(facts: facts, history: history, routing: routing, locale: locale)
                valuesByLocale[locale] = values
                return values
            }
            return (action, key, deliveries)
        }
    }

    /// The deliveries for one playbook action.
    public func compose(
        action: String, idempotencyKey: String, facts: AlertFacts, history: CustomerHistory,
        routing: RoutingDecision?
    ) -> [ComposedDelivery] {
        compose(actions: [(action, idempotencyKey)], facts: facts, history: history, routing: routing)[0].deliveries
    }

    private func compose(
        action: String, idempotencyKey: String, facts: AlertFacts, group: String?,
        values valuesIn: (String) -> [String: Any]
    ) -> [ComposedDelivery] {
        let customer = facts.order?.customer
        let locale = Self.locale(customer?.locale, default: settings.templates.defaultLocale)
        // Tickets are read by the team in the default locale, whatever the customer speaks.
        let writtenIn = action == "helpdesk_ticket" ? settings.templates.defaultLocale : locale
        let values = valuesIn(writtenIn)
        let recipient = OutboundMessage.Recipient(
            name: customer?.name, phone: customer?.phone, email: customer?.email, appUserID: customer?.appUserID,
            locale: locale)
        func message(_ purpose: OutboundMessage.Purpose, subject: String?, body: String) -> OutboundMessage {
            OutboundMessage(
                purpose: purpose, idempotencyKey: idempotencyKey, recipient: recipient, subject: subject, body: body,
                level: facts.level, scenario: facts.scenario, priority: Self.priority(facts.level),
                tags: ["delaygate_\(facts.level)", "delaygate_\(facts.scenario)"], group: group,
                fields: values.compactMapValues { $0 as? String }, fulfilment: Self.fulfilment(facts.order))
        }
        let templates = settings.templates
        switch action {
        case "notify_customer":
            let channel = Self.channel(for: customer, settings.channels)
            if channel == "push" {
                return [
                    ComposedDelivery(
                        channel: "push", adapter: settings.channels.push,
                        message: message(
                            .customerNotice,
                            subject: templates.render(["push_title"], locale: locale, values: values),
                            body: templates.render(["push_body"], locale: locale, values: values) ?? ""))
                ]
            }
            return [
                ComposedDelivery(
                    channel: "sms", adapter: settings.channels.sms,
                    message: message(
                        .customerNotice, subject: nil,
                        body: templates.render(["sms"], locale: locale, values: values) ?? ""))
            ]
        case "helpdesk_ticket":
            var ticket = message(
                .ticket, subject: templates.render(["ticket_subject"], locale: writtenIn, values: values),
                body: templates.render(["ticket_body"], locale: writtenIn, values: values) ?? "")
            if ticket.isRedFlag { ticket.tags.append("red_flag") }
            return [ComposedDelivery(channel: "helpdesk", adapter: settings.channels.helpdesk, message: ticket)]
        case "voice_callback":
            return [
                ComposedDelivery(
                    channel: "voice", adapter: settings.channels.voice,
                    message: message(
                        .voiceCallback, subject: nil,
                        body: templates.render(["voice_script"], locale: locale, values: values) ?? ""))
            ]
        case "alternative_fulfilment":
            return [
                ComposedDelivery(
                    channel: "erp", adapter: settings.channels.erp,
                    message: message(
                        .alternativeFulfilment, subject: nil,
                        body: templates.render(["fulfilment_reason"], locale: locale, values: values) ?? ""))
            ]
        default:
            return []
        }
    }

    /// SMS unless the customer prefers push and has an app token (or has no phone).
    static func channel(for customer: Customer?, _ channels: ActionSettings.Channels) -> String {
        let hasApp = customer?.appUserID?.isEmpty == false && channels.push != nil
        let hasPhone = customer?.phone?.isEmpty == false && channels.sms != nil
        if customer?.preferredChannel == .push, hasApp { return "push" }
        return hasPhone || !hasApp ? "sms" : "push"
    }

    static func locale(_ preferred: String?, default fallback: String) -> String {
        guard let preferred, !preferred.isEmpty else { return fallback }
        return preferred.lowercased().hasPrefix("zh")
            ? "zh-CN" : (preferred.lowercased().hasPrefix("en") ? "en" : fallback)
    }

    static func priority(_ level: String) -> OutboundMessage.Priority {
        switch level {
        case "extreme": .urgent
        case "urgent": .high
        default: .normal
        }
    }

    static func fulfilment(_ order: Order?) -> OutboundMessage.Fulfilment? {
        guard let order else { return nil }
        return OutboundMessage.Fulfilment(
            orderID: order.id, lines: order.items.map { .init(sku: $0.sku, quantity: $0.quantity) },
            destinationCity: order.destination.city, destinationRegion: order.destination.region,
            destinationCountry: order.destination.country)
    }

    /// The template values. Strings are also the custom-field values adapters can map.
    func values(facts: AlertFacts, history: CustomerHistory, routing: RoutingDecision?, locale: String) -> [String: Any]
    {
        let zh = locale.hasPrefix("zh")
        var values: [String: Any] = [
            "alert_id": String(facts.alertID),
            "level": facts.level,
            "scenario": facts.scenario,
            "level_label": Self.levelLabel(facts.level, zh: zh),
            "scenario_label": Self.scenarioLabel(facts.scenario, zh: zh),
            "reason": zh ? facts.reasonZH : facts.reasonEN,
            "raised_at": format(facts.raisedAt, withTime: true),
            "red_flag": facts.level == "urgent" || facts.level == "extreme",
            "is_extreme": facts.level == "extreme",
            "manual_review": facts.level == "extreme",
        ]
        values["is_\(facts.scenario)"] = true
        let days = max(1, facts.extraDelayDays)
        values["extra_days"] = String(days)
        values["delay_range"] = "\(days)–\(days + 1)"
        if let window = facts.deliveryWindow, let first = window.first, let last = window.last {
            values["window_from"] = format(first, withTime: false)
            values["window_to"] = format(last, withTime: false)
            values["has_window"] = true
        }
        if let dwell = facts.dwellSeconds { values["dwell_hours"] = String(Int((dwell / 3600).rounded())) }
        if let expected = facts.expectedSeconds { values["expected_hours"] = String(Int((expected / 3600).rounded())) }
        if !facts.missingDocuments.isEmpty {
            values["missing_documents"] = facts.missingDocuments
            values["missing_documents_text"] = facts.missingDocuments.joined(separator: ", ")
            values["has_missing_documents"] = true
        }
        if let node = facts.node {
            values["place"] = node.facilityName ?? node.city ?? node.facilityCode ?? node.region ?? ""
            values["node_region"] = node.region ?? ""
        }
        if let shipment = facts.shipment {
            values["carrier"] = shipment.carrier
            values["tracking_number"] = shipment.trackingNumber
        }
        if let order = facts.order {
            let customer = order.customer
            values["order_id"] = order.id
            values["order_value"] =
                "\(order.value.currency) \(NSDecimalNumber(decimal: order.value.amount).stringValue)"
            values["order_amount"] = NSDecimalNumber(decimal: order.value.amount).stringValue
            values["currency"] = order.value.currency
            values["customer_name"] = customer.name ?? (zh ? "客户" : "customer")
            values["customer_phone"] = customer.phone ?? ""
            values["customer_phone_masked"] = customer.maskedPhone ?? ""
            values["customer_email"] = customer.email ?? ""
            values["customer_vip"] = customer.isVIP
            values["destination"] = [order.destination.region, order.destination.city].compactMap { $0 }
                .joined(separator: " ")
            values["items"] = order.items.map {
                ["sku": $0.sku, "quantity": String($0.quantity), "name": $0.name ?? $0.sku]
            }
        }
        values["history_orders"] = String(history.orders)
        values["history_alerts"] = String(history.alerts)
        values["history_tickets"] = String(history.tickets)
        values["history_recent"] = history.recent
        values["has_history"] = history.alerts > 0 || history.tickets > 0
        let (offer, rule) = settings.compensation.offer(
            level: facts.level, scenario: facts.scenario, orderValue: facts.order?.value.amount,
            vip: facts.order?.customer.isVIP ?? false)
        values["compensation"] = offer.text(locale: locale, orderCurrency: facts.order?.value.currency ?? "CNY")
        values["compensation_kind"] = offer.kind.rawValue
        values["has_compensation"] = offer.kind != .none
        values["compensation_rule"] = rule ?? ""
        if let routing {
            values["routed_group"] = routing.group ?? ""
            values["routing_reason"] = routing.reason
        }
        var linkValues: [String: Any] = [:]
        linkValues["carrier"] = facts.shipment?.carrier
        linkValues["tracking_number"] = facts.shipment?.trackingNumber
        linkValues["order_id"] = facts.order?.id
        if let link = settings.trackingLink?.render(linkValues), !link.isEmpty {
            values["tracking_link"] = link
        }
        values["script"] =
            settings.templates.render(
                ["script.\(facts.scenario).\(facts.level)", "script.\(facts.scenario)", "script"], locale: locale,
                values: values) ?? ""
        return values
    }

    private func format(_ date: Date, withTime: Bool) -> String {
        (withTime ? minuteStyle : dayStyle).format(date)
    }

    static func levelLabel(_ level: String, zh: Bool) -> String {
        switch level {
        case "warning": zh ? "预警" : "warning"
        case "urgent": zh ? "紧急" : "urgent"
        case "extreme": zh ? "极端" : "extreme"
        default: level
        }
    }

    static func scenarioLabel(_ scenario: String, zh: Bool) -> String {
        switch scenario {
        case "dwell": zh ? "节点滞留" : "stalled at a node"
        case "delivery_risk": zh ? "可能晚于承诺送达" : "at risk of missing the promised date"
        case "customs": zh ? "清关异常" : "customs problem"
        case "return_stall": zh ? "退货滞留" : "stalled return"
        case "presale": zh ? "预售供货延迟" : "presale supplier delay"
        case "disruption": zh ? "线路中断" : "route disruption"
        case "lost_or_damaged": zh ? "疑似丢失或破损" : "lost or damaged"
        default: scenario
        }
    }
}
