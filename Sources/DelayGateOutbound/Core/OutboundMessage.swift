import Foundation

/// What an alert's action asks an outbound adapter to send, composed from templates and rules
/// and independent of any vendor. Adapters shape it into their API's request.
public struct OutboundMessage: Sendable, Hashable {
    /// Why the message exists.
    public enum Purpose: String, Sendable, Hashable, Codable {
        /// "Your parcel may be delayed": SMS or app push.
        case customerNotice = "customer_notice"
        /// A helpdesk ticket for the senior team.
        case ticket
        /// A voice-robot call to the customer.
        case voiceCallback = "voice_callback"
        /// Re-ship from another warehouse.
        case alternativeFulfilment = "alternative_fulfilment"
    }

    /// Helpdesk priority, from the alert level.
    public enum Priority: String, Sendable, Hashable, Codable, Comparable {
        case low, normal, high, urgent

        private var rank: Int {
            switch self {
            case .low: 0
            case .normal: 1
            case .high: 2
            case .urgent: 3
            }
        }

        public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rank < rhs.rank }
    }

    /// Who the message is about (and, for notices and calls, to).
    public struct Recipient: Sendable, Hashable {
        public var name: String?
        /// E.164; never logged in full.
        public var phone: String?
        public var email: String?
        /// App push target (device registration token or app user id).
        public var appUserID: String?
        /// `zh-CN` or `en`.
        public var locale: String

        public init(
            name: String? = nil, phone: String? = nil, email: String? = nil, appUserID: String? = nil,
            locale: String = "zh-CN"
        ) {
            self.name = name
            self.phone = phone
            self.email = email
            self.appUserID = appUserID
            self.locale = locale
        }
    }

    /// The order lines and destination a re-ship needs.
    public struct Fulfilment: Sendable, Hashable {
        public struct Line: Sendable, Hashable, Codable {
            public var sku: String
            public var quantity: Int

            public init(sku: String, quantity: Int) {
                self.sku = sku
                self.quantity = quantity
            }
        }

        public var orderID: String
        public var lines: [Line]
        public var destinationCity: String?
        public var destinationRegion: String?
        public var destinationCountry: String?

        public init(
            orderID: String, lines: [Line], destinationCity: String? = nil, destinationRegion: String? = nil,
            destinationCountry: String? = nil
        ) {
            self.orderID = orderID
            self.lines = lines
            self.destinationCity = destinationCity
            self.destinationRegion = destinationRegion
            self.destinationCountry = destinationCountry
        }
    }

    public var purpose: Purpose
    /// Unique per alert episode, level and action; sent the way the receiving API supports it.
    public var idempotencyKey: String
    public var recipient: Recipient
    /// Ticket subject or push title.
    public var subject: String?
    /// SMS text, push body, ticket body or call script.
    public var body: String
    public var level: String
    public var scenario: String
    public var priority: Priority
    public var tags: [String]
    /// The helpdesk group the ticket was routed to (a vendor id, as configured).
    public var group: String?
    /// Named facts for custom fields and templated parameters (`order_id`, `order_value`, `alert_id`,
    /// `tracking_number`, `tracking_link`, `extra_days`, …).
    public var fields: [String: String]
    public var fulfilment: Fulfilment?

    public init(
        purpose: Purpose, idempotencyKey: String, recipient: Recipient, subject: String? = nil, body: String,
        level: String, scenario: String, priority: Priority = .normal, tags: [String] = [], group: String? = nil,
        fields: [String: String] = [:], fulfilment: Fulfilment? = nil
    ) {
        self.purpose = purpose
        self.idempotencyKey = idempotencyKey
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.level = level
        self.scenario = scenario
        self.priority = priority
        self.tags = tags
        self.group = group
        self.fields = fields
        self.fulfilment = fulfilment
    }

    /// Whether the alert is serious enough for the red-flag tag.
    public var isRedFlag: Bool { level == "urgent" || level == "extreme" }
}

/// A message an adapter cannot shape (a missing phone number, a purpose it does not serve).
public struct RenderError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
