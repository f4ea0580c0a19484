/// Which actions an alert asks for, by level and scenario. The outbox delivers them; the
/// defaults follow the mission: tell the customer early, put a red-flag ticket in front of the
/// senior team when it is serious, and start an alternative fulfilment when the parcel is lost or
/// cut off.
public struct Playbook: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable, CaseIterable, Codable {
        /// SMS or app push per the customer's preference ("may be delayed 1–2 days").
        case notifyCustomer = "notify_customer"
        /// A red-flag helpdesk ticket routed to the regional senior team.
        case helpdeskTicket = "helpdesk_ticket"
        /// A voice-robot callback to the customer.
        case voiceCallback = "voice_callback"
        /// Re-ship from the nearest warehouse with stock.
        case alternativeFulfilment = "alternative_fulfilment"
    }

    public struct Rule: Sendable, Hashable {
        /// Nil: any scenario.
        public var scenario: Scenario?
        public var level: AlertLevel
        public var actions: [Action]

        public init(scenario: Scenario? = nil, level: AlertLevel, actions: [Action]) {
            self.scenario = scenario
            self.level = level
            self.actions = actions
        }
    }

    /// The first rule matching scenario and level wins; rules without a scenario match any.
    public var rules: [Rule]

    public init(rules: [Rule] = Playbook.standard) {
        self.rules = rules
    }

    public static let standard: [Rule] = [
        Rule(scenario: .presale, level: .warning, actions: [.notifyCustomer]),
        Rule(scenario: .customs, level: .urgent, actions: [.helpdeskTicket]),
        Rule(scenario: .returnStall, level: .urgent, actions: [.helpdeskTicket]),
        Rule(level: .warning, actions: [.notifyCustomer]),
        Rule(level: .urgent, actions: [.helpdeskTicket, .voiceCallback]),
        Rule(level: .extreme, actions: [.helpdeskTicket, .alternativeFulfilment]),
    ]

    public func actions(level: AlertLevel, scenario: Scenario) -> [Action] {
        rules.first { $0.level == level && ($0.scenario == nil || $0.scenario == scenario) }?.actions ?? []
    }
}
