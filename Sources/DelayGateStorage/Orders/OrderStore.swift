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

    /// The columns ``Order/init(_:readingItems:)`` reads, by position.
    static let columns = """
        o.id, o.customer_id, o.customer_name, o.customer_phone, o.customer_email, o.customer_app_user_id,
        o.preferred_channel, o.customer_locale, o.customer_vip, o.destination_city, o.destination_region,
        o.destination_country, o.value_amount, o.value_currency, o.promised_delivery_at, o.presale_supplier_eta,
        o.presale_promised_ship_at, o.is_return, o.items, o.updated_at
        """

    /// The orders of one shipment (carrier, tracking number), in id order: one join rather than a
    /// lookup per order. Ordered by `s.order_id`, which the shipment index already holds in
    /// order, rather than `o.id`, which made SQLite sort every answer in a temporary B-tree.
    static let ordersOfShipment = """
        SELECT \(columns) FROM order_shipments s JOIN orders o ON o.id = s.order_id
        WHERE s.carrier = ? AND s.tracking_number = ? ORDER BY s.order_id
        """

    /// One order with its shipments.
    ///
    /// Statements are cached and read by position: the alert engine reads orders for every parcel
    /// it judges and the planner for every alert.
    public static func order(id: String, in db: Database) throws -> Order? {
        let select = try BoundStatement(db, sql: "SELECT \(columns) FROM orders o WHERE o.id = ?")
        select.bind(1, id)
        guard try select.step() else { return nil }
        var order = try Order(select, readingItems: true)
        order.shipments = try shipments(ofOrder: id, in: db)
        return order
    }

    /// The orders a shipment fulfils.
    public static func orders(for key: ShipmentKey, in db: Database) throws -> [Order] {
        var orders = try orders(for: key, readingItems: true, in: db)
        for index in orders.indices { orders[index].shipments = try shipments(ofOrder: orders[index].id, in: db) }
        return orders
    }

    /// The orders a shipment fulfils as the alert engine judges them: without their lines and
    /// shipment lists (`items` and `shipments` are empty; ``order(id:in:)`` reads them whole).
    ///
    /// The engine reads the orders of every parcel with news and of every due one, and judging
    /// needs neither: decoding the lines' JSON and listing the shipments were most of the read.
    public static func ordersToJudge(for key: ShipmentKey, in db: Database) throws -> [Order] {
        try orders(for: key, readingItems: false, in: db)
    }

    private static func orders(for key: ShipmentKey, readingItems: Bool, in db: Database) throws -> [Order] {
        let select = try BoundStatement(db, sql: ordersOfShipment)
        select.bind(1, key.carrier)
        select.bind(2, key.trackingNumber)
        var orders: [Order] = []
        while try select.step() { orders.append(try Order(select, readingItems: readingItems)) }
        return orders
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

    /// An order from the current row of a statement selecting ``OrderStore/columns``, without its
    /// shipment list (another table); its lines are left empty unless `readingItems`.
    init(_ select: borrowing BoundStatement, readingItems: Bool) throws {
        let id = select.string(0) ?? ""
        let amountText = select.string(12) ?? ""
        guard let amount = Decimal(string: amountText, locale: Self.amountLocale) else {
            throw DatabaseError(message: "order \(id) has an unreadable amount '\(amountText)'")
        }
        let itemsText = readingItems ? select.string(18) : nil
        let promised = select.int64(14).map(Date.init(millisecondsSince1970:))
        let supplierETA = select.int64(15).map(Date.init(millisecondsSince1970:))
        let promisedShip = select.int64(16).map(Date.init(millisecondsSince1970:))
        self.init(
            id: id,
            customer: Customer(
                id: select.string(1), name: select.string(2), phone: select.string(3), email: select.string(4),
                appUserID: select.string(5),
                preferredChannel: select.string(6).flatMap(ContactChannel.init(rawValue:)) ?? .sms,
                locale: select.string(7), isVIP: (select.int64(8) ?? 0) != 0),
            destination: TrackingNode(city: select.string(9), region: select.string(10), country: select.string(11)),
            value: Money(amount: amount, currency: select.string(13) ?? ""),
            promisedDeliveryDate: promised,
            presale: supplierETA.map { Presale(supplierETA: $0, promisedShipDate: promisedShip) },
            isReturn: (select.int64(17) ?? 0) != 0,
            items: try itemsText.map { try Self.itemsDecoder.decode([OrderItem].self, from: Data($0.utf8)) } ?? [],
            shipments: [],
            updatedAt: Date(millisecondsSince1970: select.int64(19) ?? 0))
    }
}
