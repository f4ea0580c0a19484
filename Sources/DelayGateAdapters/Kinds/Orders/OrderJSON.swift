import DelayGateModel
import Foundation

/// An order in DelayGate's JSON, as ERPs push it to `POST /v1/orders` and as the `erp-poll`
/// kind expects ERP pages to list them (see `docs/orders-json.md`).
public struct OrderJSON: Decodable, Sendable {
    var id: String
    var customer: CustomerJSON
    var destination: Place?
    var value: Amount
    var promisedDeliveryDate: String?
    var presale: PresaleJSON?
    var isReturn: Bool?
    var items: [ItemJSON]?
    var shipments: [ShipmentJSON]?
    var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, customer, destination, value, presale, shipments, items
        case promisedDeliveryDate = "promised_delivery_date"
        case isReturn = "is_return"
        case updatedAt = "updated_at"
    }

    struct CustomerJSON: Decodable, Sendable {
        var id: String?
        var name: String?
        var phone: String?
        var email: String?
        var appUserID: String?
        var preferredChannel: ContactChannel?
        var locale: String?
        var vip: Bool?

        enum CodingKeys: String, CodingKey {
            case id, name, phone, email, locale, vip
            case appUserID = "app_user_id"
            case preferredChannel = "preferred_channel"
        }
    }

    struct Place: Decodable, Sendable {
        var city: String?
        var region: String?
        var country: String?
    }

    struct PresaleJSON: Decodable, Sendable {
        var supplierETA: String
        var promisedShipDate: String?

        enum CodingKeys: String, CodingKey {
            case supplierETA = "supplier_eta"
            case promisedShipDate = "promised_ship_date"
        }
    }

    struct ItemJSON: Decodable, Sendable {
        var sku: String
        var quantity: Int
        var name: String?
    }

    struct ShipmentJSON: Decodable, Sendable {
        var carrier: String
        var trackingNumber: String

        enum CodingKeys: String, CodingKey {
            case carrier
            case trackingNumber = "tracking_number"
        }
    }

    /// The canonical order; dates without a time are the start of that day in `zone`.
    func order(zone: TimeZone) throws(FieldError) -> Order {
        guard !id.isEmpty else { throw FieldError("id: must not be empty") }
        for (index, item) in (items ?? []).enumerated() where item.sku.isEmpty || item.quantity < 1 {
            throw FieldError("items[\(index)]: needs a sku and a quantity of at least 1")
        }
        guard let updated = try OwnJSONTime.instant(updatedAt, field: "updated_at", zone: zone) else {
            throw FieldError("updated_at: required")
        }
        var presaleValue: Presale?
        if let presale {
            guard let eta = try OwnJSONTime.instant(presale.supplierETA, field: "presale.supplier_eta", zone: zone)
            else {
                throw FieldError("presale.supplier_eta: required")
            }
            presaleValue = Presale(
                supplierETA: eta,
                promisedShipDate: try OwnJSONTime.instant(
                    presale.promisedShipDate, field: "presale.promised_ship_date", zone: zone))
        }
        return Order(
            id: id,
            customer: Customer(
                id: customer.id, name: customer.name, phone: customer.phone, email: customer.email,
                appUserID: customer.appUserID, preferredChannel: customer.preferredChannel ?? .sms,
                locale: customer.locale, isVIP: customer.vip ?? false),
            destination: TrackingNode(
                city: destination?.city, region: destination?.region,
                country: destination?.country.map(TimeZoneInference.normalizedCountryCode)),
            value: value.money,
            promisedDeliveryDate: try OwnJSONTime.instant(
                promisedDeliveryDate, field: "promised_delivery_date", zone: zone),
            presale: presaleValue,
            isReturn: isReturn ?? false,
            items: (items ?? []).map { OrderItem(sku: $0.sku, quantity: $0.quantity, name: $0.name) },
            shipments: (shipments ?? []).map { ShipmentKey(carrier: $0.carrier, trackingNumber: $0.trackingNumber) },
            updatedAt: updated)
    }

    /// Parses a `{"orders": [...]}` body, keeping good orders and reporting bad ones.
    static func parseList(_ body: Data, zone: TimeZone) throws(PayloadRejection) -> NormalizedPayload {
        let (orders, rejected) = try LenientList.collect(OrderJSON.self, key: "orders", from: body) {
            order throws(FieldError) in
            try order.order(zone: zone)
        }
        return NormalizedPayload(orders: orders, rejectedItems: rejected)
    }
}
