import DelayGateAlerting
import Foundation

/// The delivered orders of the public Olist e-commerce dataset, as the evaluation uses them.
///
/// Reads `olist_orders_dataset.csv`, `olist_customers_dataset.csv`,
/// `olist_order_items_dataset.csv` and `olist_sellers_dataset.csv` in place (the data is
/// CC BY-NC-SA and is never copied). Timestamps are naive local times read as UTC; every
/// duration is taken on the naive values. See `docs/olist-evaluation.md` for every definition.
public struct OlistDataset: Sendable {
    /// One delivered order: handed to the carrier (first scan) and delivered (last scan).
    public struct Order: Sendable, Hashable {
        public var id: String
        public var purchasedAt: Date
        /// `order_delivered_carrier_date`: the carrier handoff, the shipment's first scan.
        public var handoff: Date
        /// `order_delivered_customer_date`: the last scan.
        public var delivered: Date
        /// `order_estimated_delivery_date`: 00:00 of the promised day.
        public var estimated: Date
        /// The seller's state of the order's first item, or nil.
        public var origin: String?
        /// The customer's state, or nil.
        public var destination: String?

        /// Transit T = delivered − handoff, in seconds.
        public var transit: Double { delivered.timeIntervalSince(handoff) }
        /// Promise window W = end of the promised day − handoff, in seconds.
        public var window: Double { PromisedDay.window(estimated, handoff: handoff) }
        /// Delivered on a calendar day after the promised one.
        public var isLate: Bool { delivered >= PromisedDay.end(estimated) }
    }

    public var orders: [Order]
    /// Why rows were left out, with counts.
    public var skipped: [String: Int]

    public init(orders: [Order], skipped: [String: Int] = [:]) {
        self.orders = orders
        self.skipped = skipped
    }

    /// Loads the four files from `directory`.
    public init(directory: String) throws {
        let base = URL(fileURLWithPath: directory, isDirectory: true)
        func table(_ name: String) throws -> (CSVTable, String) {
            let url = base.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw CSVTable.ReadError(
                    description: "\(url.path) not found: --data must name the folder holding the Olist CSV files")
            }
            return (try CSVTable(contentsOf: url), name)
        }
        let (sellers, sellersFile) = try table("olist_sellers_dataset.csv")
        let (customers, customersFile) = try table("olist_customers_dataset.csv")
        let (items, itemsFile) = try table("olist_order_items_dataset.csv")
        let (ordersTable, ordersFile) = try table("olist_orders_dataset.csv")

        let s = try sellers.columns(["seller_id", "seller_state"], file: sellersFile)
        let sellerState = Dictionary(sellers.rows.map { ($0[s[0]], $0[s[1]]) }, uniquingKeysWith: { first, _ in first })
        let c = try customers.columns(["customer_id", "customer_state"], file: customersFile)
        let customerState = Dictionary(
            customers.rows.map { ($0[c[0]], $0[c[1]]) }, uniquingKeysWith: { first, _ in first })
        let i = try items.columns(["order_id", "order_item_id", "seller_id"], file: itemsFile)
        var firstItem: [String: (Int, String?)] = [:]
        for row in items.rows {
            let number = Int(row[i[1]]) ?? Int.max
            if let known = firstItem[row[i[0]]], known.0 <= number { continue }
            firstItem[row[i[0]]] = (number, sellerState[row[i[2]]])
        }

        let o = try ordersTable.columns(
            [
                "order_id", "customer_id", "order_status", "order_purchase_timestamp", "order_delivered_carrier_date",
                "order_delivered_customer_date", "order_estimated_delivery_date",
            ], file: ordersFile)
        var orders: [Order] = []
        var skipped: [String: Int] = [:]
        for row in ordersTable.rows {
            guard row.count == ordersTable.header.count else {
                skipped["malformed row", default: 0] += 1
                continue
            }
            guard row[o[2]] == "delivered" else {
                skipped["status \(row[o[2]])", default: 0] += 1
                continue
            }
            guard let handoff = NaiveTimestamp.parse(row[o[4]]), let delivered = NaiveTimestamp.parse(row[o[5]]) else {
                skipped["delivered but a timestamp missing", default: 0] += 1
                continue
            }
            guard let purchased = NaiveTimestamp.parse(row[o[3]]), let estimated = NaiveTimestamp.parse(row[o[6]])
            else {
                skipped["unreadable purchase or estimated date", default: 0] += 1
                continue
            }
            let origin = firstItem[row[o[0]]]?.1
            let destination = customerState[row[o[1]]]
            orders.append(
                Order(
                    id: row[o[0]], purchasedAt: purchased, handoff: handoff, delivered: delivered, estimated: estimated,
                    origin: origin?.isEmpty == false ? origin : nil,
                    destination: destination?.isEmpty == false ? destination : nil))
        }
        self.init(orders: orders, skipped: skipped)
    }

    /// Orders purchased in `[from, until)`.
    public func purchased(from: Date = .distantPast, until: Date) -> [Order] {
        orders.filter { $0.purchasedAt >= from && $0.purchasedAt < until }
    }
}
