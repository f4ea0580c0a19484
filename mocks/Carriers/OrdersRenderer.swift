import DelayGateModel
import Foundation

/// An ERP's `orders` JSON (docs/orders-json.md): `{"orders": [...]}`, signed like
/// `canonical-json` (`X-DelayGate-Signature`), for `POST /webhooks/orders`.
///
/// Promised dates that fall on midnight in ``timeZone`` are written as bare dates
/// (`2026-11-14`), as ERPs write them; every other time is RFC 3339 with its offset. The
/// adapter reads bare dates in its `default_time_zone`, so keep the two zones equal. Every field
/// survives the round trip (times to the second, amounts exactly) except the destination's
/// facility and coordinates: the format's destination is a city, region and country.
///
/// ```swift
/// let webhook = OrdersRenderer().request(orders: [order], secret: secret, at: .now)
/// // POST to /webhooks/orders
/// ```
public struct OrdersRenderer: Sendable {
    /// The adapter kind that reads it.
    public var kind: String { "orders" }
    /// The ERP's zone: bare dates are midnights here.
    public var timeZone: TimeZone

    public init(timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!) {
        self.timeZone = timeZone
    }

    public func request(orders: [Order], secret: String, at time: Date) -> RenderedWebhook {
        DelayGateSignature.webhook(["orders": .array(orders.map(order))], secret: secret, at: time)
    }

    private func order(_ order: Order) -> JSONValue {
        var fields: [String: JSONValue] = [
            "id": .string(order.id),
            "customer": customer(order.customer),
            "value": MoneyText.json(order.value),
            "is_return": .bool(order.isReturn),
            "items": .array(
                order.items.map { item in
                    var members: [String: JSONValue] = ["sku": .string(item.sku), "quantity": .int(item.quantity)]
                    if let name = item.name { members["name"] = .string(name) }
                    return .object(members)
                }),
            "shipments": .array(
                order.shipments.map { ["carrier": .string($0.carrier), "tracking_number": .string($0.trackingNumber)] }),
            "updated_at": .string(timestamp(order.updatedAt)),
        ]
        var destination: [String: JSONValue] = [:]
        if let value = order.destination.city { destination["city"] = .string(value) }
        if let value = order.destination.region { destination["region"] = .string(value) }
        if let value = order.destination.country { destination["country"] = .string(value) }
        if !destination.isEmpty { fields["destination"] = .object(destination) }
        if let date = order.promisedDeliveryDate { fields["promised_delivery_date"] = .string(day(date)) }
        if let presale = order.presale {
            var members: [String: JSONValue] = ["supplier_eta": .string(timestamp(presale.supplierETA))]
            if let ship = presale.promisedShipDate { members["promised_ship_date"] = .string(day(ship)) }
            fields["presale"] = .object(members)
        }
        return .object(fields)
    }

    private func customer(_ customer: Customer) -> JSONValue {
        var fields: [String: JSONValue] = [
            "preferred_channel": .string(customer.preferredChannel.rawValue), "vip": .bool(customer.isVIP),
        ]
        if let value = customer.id { fields["id"] = .string(value) }
        if let value = customer.name { fields["name"] = .string(value) }
        if let value = customer.phone { fields["phone"] = .string(value) }
        if let value = customer.email { fields["email"] = .string(value) }
        if let value = customer.appUserID { fields["app_user_id"] = .string(value) }
        if let value = customer.locale { fields["locale"] = .string(value) }
        return .object(fields)
    }

    private func timestamp(_ date: Date) -> String {
        WireTime.rfc3339(date, offset: timeZone.secondsFromGMT(for: date))
    }

    /// A bare date for a local midnight, else the full time.
    private func day(_ date: Date) -> String {
        let offset = timeZone.secondsFromGMT(for: date)
        return WireTime.isMidnight(date, offset: offset)
            ? WireTime.components(date, offset: offset).date : timestamp(date)
    }
}
