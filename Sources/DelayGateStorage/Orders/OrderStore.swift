import DelayGateModel
import Foundation
import GRDB

/// Reads and writes orders and the shipments that fulfil them.
public enum OrderStore {
    /// Inserts or replaces an order; its shipment list replaces the stored one.
    ///
    /// An update older than the stored one (`updatedAt`) is ignored, so an ERP page fetched
    /// twice or out of order never rolls an order back.
    /// - Returns: false when the stored order was newer and nothing changed.
    @discardableResult
    public static func upsert(_ order: Order, in db: Database) throws -> Bool {
        // Statements are cached: the ERP poller and every order-bearing webhook come through here.
        if let stored = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT updated_at FROM orders WHERE id = ?"), arguments: [order.id]),
            stored > order.updatedAt.millisecondsSince1970
        {
            return false
        }
        let customer = order.customer
        try db.cachedStatement(
            sql: """
                INSERT INTO orders (
                    id, customer_id, customer_name, customer_phone, customer_email, customer_app_user_id,
                    preferred_channel, customer_locale, destination_city, destination_region, destination_country,
                    value_amount, value_currency, promised_delivery_at, presale_supplier_eta,
                    presale_promised_ship_at, is_return, updated_at, items, customer_vip)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    customer_id = excluded.customer_id, customer_name = excluded.customer_name,
                    customer_phone = excluded.customer_phone, customer_email = excluded.customer_email,
                    customer_app_user_id = excluded.customer_app_user_id,
                    preferred_channel = excluded.preferred_channel, customer_locale = excluded.customer_locale,
                    destination_city = excluded.destination_city, destination_region = excluded.destination_region,
                    destination_country = excluded.destination_country, value_amount = excluded.value_amount,
                    value_currency = excluded.value_currency, promised_delivery_at = excluded.promised_delivery_at,
                    presale_supplier_eta = excluded.presale_supplier_eta,
                    presale_promised_ship_at = excluded.presale_promised_ship_at,
                    is_return = excluded.is_return, updated_at = excluded.updated_at, items = excluded.items,
                    customer_vip = excluded.customer_vip
                """
        ).execute(
            arguments: [
                order.id, customer.id, customer.name, customer.phone, customer.email, customer.appUserID,
                customer.preferredChannel.rawValue, customer.locale, order.destination.city, order.destination.region,
                order.destination.country, "\(order.value.amount)", order.value.currency,
                order.promisedDeliveryDate?.millisecondsSince1970, order.presale?.supplierETA.millisecondsSince1970,
                order.presale?.promisedShipDate?.millisecondsSince1970, order.isReturn,
                order.updatedAt.millisecondsSince1970, try Self.itemsJSON(order.items), customer.isVIP,
            ])
        try db.cachedStatement(sql: "DELETE FROM order_shipments WHERE order_id = ?").execute(arguments: [order.id])
        let link = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO order_shipments (order_id, carrier, tracking_number) VALUES (?, ?, ?)")
        for key in order.shipments {
            try link.execute(arguments: [order.id, key.carrier, key.trackingNumber])
        }
        return true
    }

    static func itemsJSON(_ items: [OrderItem]) throws -> String? {
        items.isEmpty ? nil : String(decoding: try JSONEncoder().encode(items), as: UTF8.self)
    }

    /// One order with its shipments.
    ///
    /// Cached statements: the alert engine reads the order of every parcel it judges.
    public static func order(id: String, in db: Database) throws -> Order? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM orders WHERE id = ?"), arguments: [id])
        else {
            return nil
        }
        let shipments = try Row.fetchAll(
            db.cachedStatement(
                sql:
                    "SELECT carrier, tracking_number FROM order_shipments WHERE order_id = ? ORDER BY carrier, tracking_number"
            ),
            arguments: [id]
        ).map { ShipmentKey(carrier: $0["carrier"], trackingNumber: $0["tracking_number"]) }
        return try Order(row: row, shipments: shipments)
    }

    /// The orders a shipment fulfils.
    public static func orders(for key: ShipmentKey, in db: Database) throws -> [Order] {
        // Cached: the scheduler asks this for every due shipment, most of which have no order.
        let ids = try String.fetchAll(
            db.cachedStatement(sql: "SELECT order_id FROM order_shipments WHERE carrier = ? AND tracking_number = ?"),
            arguments: [key.carrier, key.trackingNumber])
        return try ids.compactMap { try order(id: $0, in: db) }
    }
}

extension Order {
    /// Amounts are stored as plain decimal text ("129.90").
    static let amountLocale = Locale(identifier: "en_US_POSIX")

    init(row: Row, shipments: [ShipmentKey]) throws {
        let amountText: String = row["value_amount"]
        guard let amount = Decimal(string: amountText, locale: Self.amountLocale) else {
            throw DatabaseError(message: "order \(row["id"] as String) has an unreadable amount '\(amountText)'")
        }
        let supplierETA = (row["presale_supplier_eta"] as Int64?).map(Date.init(millisecondsSince1970:))
        self.init(
            id: row["id"],
            customer: Customer(
                id: row["customer_id"], name: row["customer_name"], phone: row["customer_phone"],
                email: row["customer_email"], appUserID: row["customer_app_user_id"],
                preferredChannel: ContactChannel(rawValue: row["preferred_channel"]) ?? .sms,
                locale: row["customer_locale"], isVIP: row["customer_vip"]),
            destination: TrackingNode(
                city: row["destination_city"], region: row["destination_region"], country: row["destination_country"]),
            value: Money(amount: amount, currency: row["value_currency"]),
            promisedDeliveryDate: (row["promised_delivery_at"] as Int64?).map(Date.init(millisecondsSince1970:)),
            presale: supplierETA.map {
                Presale(
                    supplierETA: $0,
                    promisedShipDate: (row["presale_promised_ship_at"] as Int64?).map(Date.init(millisecondsSince1970:))
                )
            },
            isReturn: row["is_return"],
            items: try (row["items"] as String?).map { try JSONDecoder().decode([OrderItem].self, from: Data($0.utf8)) }
                ?? [],
            shipments: shipments,
            updatedAt: Date(millisecondsSince1970: row["updated_at"]))
    }
}
