import DelayGateModel
import Foundation

/// What the shop offers for a delay, by level, scenario, order value and VIP status. The first
/// matching rule wins (`compensation:` in `config/actions.yaml`).
public struct CompensationPolicy: Sendable, Hashable {
    public struct Offer: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable, Codable {
            case none
            case coupon
            case refundShipping = "refund_shipping"
            case reshipOrRefund = "reship_or_refund"
        }

        public var kind: Kind
        public var amount: Decimal?
        public var currency: String?

        public init(kind: Kind, amount: Decimal? = nil, currency: String? = nil) {
            self.kind = kind
            self.amount = amount
            self.currency = currency
        }

        /// How the offer reads to the customer and the agent.
        public func text(locale: String, orderCurrency: String) -> String {
            let zh = locale.hasPrefix("zh")
            let money = amount.map { "\(currency ?? orderCurrency) \(NSDecimalNumber(decimal: $0).stringValue)" } ?? ""
            switch kind {
            case .none: return zh ? "无补偿" : "no compensation"
            case .coupon: return zh ? "\(money) 优惠券" : "a \(money) coupon"
            case .refundShipping: return zh ? "退还运费" : "a refund of the shipping fee"
            case .reshipOrRefund:
                return zh ? "补发或全额退款（由客户选择）" : "a re-shipment or a full refund, as the customer prefers"
            }
        }
    }

    public struct Rule: Sendable, Hashable {
        public var name: String
        public var levels: Set<String>?
        public var scenarios: Set<String>?
        public var minimumOrderValue: Decimal?
        public var vip: Bool?
        public var offer: Offer

        public init(
            name: String, levels: Set<String>? = nil, scenarios: Set<String>? = nil, minimumOrderValue: Decimal? = nil,
            vip: Bool? = nil, offer: Offer
        ) {
            self.name = name
            self.levels = levels
            self.scenarios = scenarios
            self.minimumOrderValue = minimumOrderValue
            self.vip = vip
            self.offer = offer
        }

        func matches(level: String, scenario: String, orderValue: Decimal?, vip isVIP: Bool) -> Bool {
            if let levels, !levels.contains(level) { return false }
            if let scenarios, !scenarios.contains(scenario) { return false }
            if let minimumOrderValue, (orderValue ?? 0) < minimumOrderValue { return false }
            if let vip, vip != isVIP { return false }
            return true
        }
    }

    public var rules: [Rule]

    public init(rules: [Rule]) {
        self.rules = rules
    }

    /// The offer and the rule that gave it (no offer when nothing matches).
    public func offer(level: String, scenario: String, orderValue: Decimal?, vip: Bool) -> (offer: Offer, rule: String?)
    {
        guard
            let rule = rules.first(where: {
                $0.matches(level: level, scenario: scenario, orderValue: orderValue, vip: vip)
            })
        else { return (Offer(kind: .none), nil) }
        return (rule.offer, rule.name)
    }
}

/// Which helpdesk groups may take a ticket, by destination region, level, scenario, order value
/// and VIP status; the first matching rule wins (`routing:` in `config/actions.yaml`). Among the
/// eligible groups, the planner picks the one with the fewest open tickets from DelayGate.
public struct RoutingRules: Sendable, Hashable {
    public struct Rule: Sendable, Hashable {
        public var name: String
        public var regions: Set<String>?
        public var levels: Set<String>?
        public var scenarios: Set<String>?
        public var minimumOrderValue: Decimal?
        public var vip: Bool?
        /// Helpdesk group ids, in order of preference when loads are equal.
        public var groups: [String]

        public init(
            name: String, regions: Set<String>? = nil, levels: Set<String>? = nil, scenarios: Set<String>? = nil,
            minimumOrderValue: Decimal? = nil, vip: Bool? = nil, groups: [String]
        ) {
            self.name = name
            self.regions = regions
            self.levels = levels
            self.scenarios = scenarios
            self.minimumOrderValue = minimumOrderValue
            self.vip = vip
            self.groups = groups
        }
    }

    public var rules: [Rule]

    public init(rules: [Rule]) {
        self.rules = rules
    }

    public func rule(region: String?, level: String, scenario: String, orderValue: Decimal?, vip: Bool) -> Rule? {
        rules.first { rule in
            if let regions = rule.regions, !(region.map { Self.region($0, isIn: regions) } ?? false) { return false }
            if let levels = rule.levels, !levels.contains(level) { return false }
            if let scenarios = rule.scenarios, !scenarios.contains(scenario) { return false }
            if let minimum = rule.minimumOrderValue, (orderValue ?? 0) < minimum { return false }
            if let wanted = rule.vip, wanted != vip { return false }
            return true
        }
    }

    /// Whether an alert's region is one a rule names: the same name, or the name with a suffix
    /// (a rule's `浙江` is the alert's `浙江省`, `广西` is `广西壮族自治区`, `上海` is `上海市`).
    static func region(_ region: String, isIn names: Set<String>) -> Bool {
        names.contains { RegionName.matches($0, region) }
    }

    /// The group to use: the fewest open tickets, ties to the earlier group.
    public static func leastLoaded(_ groups: [String], openTickets: [String: Int]) -> String? {
        groups.enumerated().min { lhs, rhs in
            let l = openTickets[lhs.element] ?? 0
            let r = openTickets[rhs.element] ?? 0
            return l == r ? lhs.offset < rhs.offset : l < r
        }?.element
    }
}
