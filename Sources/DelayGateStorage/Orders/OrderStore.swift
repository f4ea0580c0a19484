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

    /// The columns ``Order/init(row:shipments:)`` reads, in the order it reads them by position
    /// (a lookup by name costs a lowercased copy of the name, 20 times per order).
    static let columns = """
        o.id, o.customer_id, o.customer_name, o.customer_phone, o.customer_email, o.customer_app_user_id,
        o.preferred_channel, o.customer_locale, o.customer_vip, o.destination_city, o.destination_region,
        o.destination_country, o.value_amount, o.value_currency, o.promised_delivery_at, o.presale_supplier_eta,
        o.presale_promised_ship_at, o.is_return, o.items, o.updated_at
        """

    /// One order with its shipments.
    ///
    /// Cached statements: the alert engine reads the order of every parcel it judges.
    public static func order(id: String, in db: Database) throws -> Order? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(columns) FROM orders o WHERE o.id = ?"), arguments: [id])
        else {
            return nil
        }
        return try Order(row: row, shipments: shipments(ofOrder: id, in: db))
    }

    /// The orders a shipment fulfils.
    public static func orders(for key: ShipmentKey, in db: Database) throws -> [Order] {
        // Cached, and one join rather than a lookup per order: the engine asks this for every parcel
        // with news and the scheduler for every due one.
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT \(columns) FROM order_shipments s JOIN orders o ON o.id = s.order_id
                    WHERE s.carrier = ? AND s.tracking_number = ? ORDER BY o.id
                    """),
            arguments: [key.carrier, key.trackingNumber])
        return try rows.map { row in try Order(row: row, shipments: shipments(ofOrder: row[0], in: db)) }
    }

    static func shipments(ofOrder id: String, in db: Database) throws -> [ShipmentKey] {
        let statement = try db.cachedStatement(
            sql: "SELECT carrier, tracking_number FROM order_shipments WHERE order_id = ? ORDER BY carrier, tracking_number")
        return try Row.fetchAll(statement, arguments: [id]).map { ShipmentKey(carrier: $0[0], trackingNumber: $0[1]) }
    }
}

extension Order {
    /// Amounts are stored as plain decimal text ("129.90").
    static let amountLocale = Locale(identifier: "en_US_POSIX")

    /// Decodes the stored item lists (one decoder for all: making one per order showed in profiles).
    static let itemsDecoder = JSONDecoder()

    /// An order from a row of ``OrderStore/columns``, read by position.
    init(row: Row, shipments: [ShipmentKey]) throws {
        let amountText: String = row[12]
        guard let amount = Decimal(string: amountText, locale: Self.amountLocale) else {
            throw DatabaseError(message: "order \(row[0] as String) has an unreadable amount '\(amountText)'")
        }
        let supplierETA = (row[15] as Int64?).map(Date.init(millisecondsSince1970:))
        let itemsText: String? = row[18]
        self.init(
            id: row[0],
            customer: Customer(
                id: row[1], name: row[2], phone: row[3], email: row[4], appUserID: row[5],
                preferredChannel: ContactChannel(rawValue: row[6]) ?? .sms, locale: row[7], isVIP: row[8]),
            destination: TrackingNode(city: row[9], region: row[10], country: row[11]),
            value: Money(amount: amount, currency: row[13]),
            promisedDeliveryDate: (row[14] as Int64?).map(Date.init(millisecondsSince1970:)),
            presale: supplierETA.map {
                Presale(supplierETA: $0, promisedShipDate: (row[16] as Int64?).map(Date.init(millisecondsSince1970:)))
            },
            isReturn: row[17],
            items: try itemsText.map { try Self.itemsDecoder.decode([OrderItem].self, from: Data($0.utf8)) } ?? [],
            shipments: shipments,
            updatedAt: Date(millisecondsSince1970: row[19]))
    }
}
