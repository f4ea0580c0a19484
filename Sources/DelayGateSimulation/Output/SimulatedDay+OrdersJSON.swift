import DelayGateModel
import Foundation

extension SimulatedDay {
    /// All orders (history first when `includingHistory`) as one `{"orders":[…]}` body in the
    /// `orders` format (docs/orders-json.md). Each order is in its latest state: a presale order
    /// whose supplier slipped carries the late ETA and `updated_at` of the slip.
    public func ordersJSON(includingHistory: Bool = true) -> Data {
        var data = Data()
        writeOrdersJSON(includingHistory: includingHistory) { data.append($0) }
        return data
    }

    /// The same body as ``ordersJSON(includingHistory:)`` handed over in chunks of about 1 MB, for
    /// writing a million orders without holding them all.
    public func writeOrdersJSON(includingHistory: Bool = true, to write: (Data) throws -> Void) rethrows {
        var writer = JSONBytes(capacity: 1 << 20)
        writer.raw("{\"orders\":[\n")
        let range = includingHistory ? 0..<store.records.count : store.historyCount..<store.records.count
        for index in range {
            if index != range.lowerBound { writer.raw(",\n") }
            Self.appendOrder(store.order(at: index), to: &writer)
            if writer.bytes.count >= 1 << 20 {
                try write(writer.data)
                writer.bytes.removeAll(keepingCapacity: true)
            }
        }
        writer.raw("\n]}\n")
        try write(writer.data)
    }

    /// Orders as bodies of at most `maxOrdersPerBatch` orders each.
    public func ordersJSONBatches(maxOrdersPerBatch: Int, includingHistory: Bool = true) -> [Data] {
        precondition(maxOrdersPerBatch > 0)
        let range = includingHistory ? 0..<store.records.count : store.historyCount..<store.records.count
        return stride(from: range.lowerBound, to: range.upperBound, by: maxOrdersPerBatch).map { start in
            var writer = JSONBytes()
            writer.raw("{\"orders\":[\n")
            for index in start..<min(start + maxOrdersPerBatch, range.upperBound) {
                if index != start { writer.raw(",\n") }
                Self.appendOrder(store.order(at: index), to: &writer)
            }
            writer.raw("\n]}\n")
            return writer.data
        }
    }

    static func appendOrder(_ order: Order, to writer: inout JSONBytes) {
        writer.raw("{")
        writer.key("id")
        writer.string(order.id)
        writer.raw(",")
        writer.key("customer")
        writer.raw("{")
        var first = true
        func member(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            if !first { writer.raw(",") }
            first = false
            writer.key(name)
            writer.string(value)
        }
        member("id", order.customer.id)
        member("name", order.customer.name)
        member("phone", order.customer.phone)
        member("email", order.customer.email)
        member("app_user_id", order.customer.appUserID)
        member("preferred_channel", order.customer.preferredChannel.rawValue)
        member("locale", order.customer.locale)
        writer.raw("},")
        writer.key("destination")
        writer.raw("{")
        writer.key("city")
        writer.optionalString(order.destination.city)
        writer.raw(",")
        writer.key("region")
        writer.optionalString(order.destination.region)
        writer.raw(",")
        writer.key("country")
        writer.optionalString(order.destination.country)
        writer.raw("},")
        writer.key("value")
        writer.raw("{")
        writer.key("amount")
        writer.amount(order.value.amount)
        writer.raw(",")
        writer.key("currency")
        writer.string(order.value.currency)
        writer.raw("},")
        if let promised = order.promisedDeliveryDate {
            writer.key("promised_delivery_date")
            writer.localDate(promised)
            writer.raw(",")
        }
        if let presale = order.presale {
            writer.key("presale")
            writer.raw("{")
            writer.key("supplier_eta")
            writer.time(presale.supplierETA)
            if let ship = presale.promisedShipDate {
                writer.raw(",")
                writer.key("promised_ship_date")
                writer.localDate(ship)
            }
            writer.raw("},")
        }
        writer.key("is_return")
        writer.bool(order.isReturn)
        writer.raw(",")
        if !order.items.isEmpty {
            writer.key("items")
            writer.raw("[")
            for (i, item) in order.items.enumerated() {
                if i > 0 { writer.raw(",") }
                writer.raw("{")
                writer.key("sku")
                writer.string(item.sku)
                writer.raw(",")
                writer.key("quantity")
                writer.raw(Array(String(item.quantity).utf8))
                if let name = item.name {
                    writer.raw(",")
                    writer.key("name")
                    writer.string(name)
                }
                writer.raw("}")
            }
            writer.raw("],")
        }
        writer.key("shipments")
        writer.raw("[")
        for (i, shipment) in order.shipments.enumerated() {
            if i > 0 { writer.raw(",") }
            writer.raw("{")
            writer.key("carrier")
            writer.string(shipment.carrier)
            writer.raw(",")
            writer.key("tracking_number")
            writer.string(shipment.trackingNumber)
            writer.raw("}")
        }
        writer.raw("],")
        writer.key("updated_at")
        writer.time(order.updatedAt)
        writer.raw("}")
    }
}
