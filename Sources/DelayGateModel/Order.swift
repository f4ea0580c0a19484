import Foundation

/// A customer order as the ERP knows it, with the parcels that fulfil it.
public struct Order: Hashable, Sendable, Codable {
    /// The ERP's order id.
    public var id: String
    public var customer: Customer
    /// Where the order is delivered.
    public var destination: TrackingNode
    public var value: Money
    /// The delivery date promised to the customer.
    public var promisedDeliveryDate: Date?
    /// Set for presale orders whose goods are still with the supplier.
    public var presale: Presale?
    /// Whether this order is a customer return.
    public var isReturn: Bool
    /// What was ordered (for re-shipping from another warehouse); empty when the ERP did not say.
    public var items: [OrderItem]
    public var shipments: [ShipmentKey]
    /// When the ERP last changed the order.
    public var updatedAt: Date

    public init(
        id: String,
        customer: Customer,
        destination: TrackingNode = TrackingNode(),
        value: Money,
        promisedDeliveryDate: Date? = nil,
        presale: Presale? = nil,
        isReturn: Bool = false,
        items: [OrderItem] = [],
        shipments: [ShipmentKey] = [],
        updatedAt: Date
    ) {
        self.id = id
        self.customer = customer
        self.destination = destination
        self.value = value
        self.promisedDeliveryDate = promisedDeliveryDate
        self.presale = presale
        self.isReturn = isReturn
        self.items = items
        self.shipments = shipments
        self.updatedAt = updatedAt
    }
}

/// Who to tell when a parcel is late, and how they like to be told.
public struct Customer: Hashable, Sendable, Codable {
    public var id: String?
    public var name: String?
    /// E.164 phone number, e.g. `+8613800138000`. Never logged in full.
    public var phone: String?
    public var email: String?
    /// Push target in the shop's app (device token or app user id).
    public var appUserID: String?
    public var preferredChannel: ContactChannel
    /// Preferred language, e.g. `zh-CN` or `en`.
    public var locale: String?
    /// A customer the shop treats as VIP (routing and compensation rules can match it).
    public var isVIP: Bool

    public init(
        id: String? = nil,
        name: String? = nil,
        phone: String? = nil,
        email: String? = nil,
        appUserID: String? = nil,
        preferredChannel: ContactChannel = .sms,
        locale: String? = nil,
        isVIP: Bool = false
    ) {
        self.id = id
        self.name = name
        self.phone = phone
        self.email = email
        self.appUserID = appUserID
        self.preferredChannel = preferredChannel
        self.locale = locale
        self.isVIP = isVIP
    }

    /// The phone number with all but the last four digits masked, safe for logs.
    public var maskedPhone: String? {
        guard let phone else { return nil }
        let visible = phone.suffix(4)
        return String(repeating: "*", count: max(0, phone.count - visible.count)) + visible
    }
}

/// How a customer prefers to be contacted.
public enum ContactChannel: String, Hashable, Sendable, Codable, CaseIterable {
    case sms
    case push
    case email
    case voice
}

/// One line of an order.
public struct OrderItem: Hashable, Sendable, Codable {
    /// The shop's stock-keeping unit.
    public var sku: String
    public var quantity: Int
    public var name: String?

    public init(sku: String, quantity: Int, name: String? = nil) {
        self.sku = sku
        self.quantity = quantity
        self.name = name
    }
}

/// An amount of money in a currency, exact to the minor unit.
public struct Money: Hashable, Sendable, Codable {
    public var amount: Decimal
    /// ISO 4217 code, e.g. `CNY`.
    public var currency: String

    public init(amount: Decimal, currency: String) {
        self.amount = amount
        self.currency = currency
    }
}

/// A presale order: goods ship only once the supplier delivers them.
public struct Presale: Hashable, Sendable, Codable {
    /// When the supplier says the goods will reach the warehouse.
    public var supplierETA: Date
    /// When the shop promised to ship.
    public var promisedShipDate: Date?

    public init(supplierETA: Date, promisedShipDate: Date? = nil) {
        self.supplierETA = supplierETA
        self.promisedShipDate = promisedShipDate
    }
}
