import Foundation
import GRDB

/// What DelayGate's own data says about a customer: orders, earlier alerts and tickets.
public enum CustomerHistoryStore {
    public struct Summary: Sendable, Hashable {
        public var orders: Int
        public var alerts: Int
        public var tickets: Int
        /// The latest earlier alerts, newest first.
        public var recent: [(raisedAt: Date, orderID: String, level: String, scenario: String)]

        public static func == (lhs: Summary, rhs: Summary) -> Bool {
            lhs.orders == rhs.orders && lhs.alerts == rhs.alerts && lhs.tickets == rhs.tickets
                && lhs.recent.map(\.orderID) == rhs.recent.map(\.orderID)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(orders)
            hasher.combine(alerts)
            hasher.combine(tickets)
        }
    }

    /// The customer's history, leaving out `alertID` (the alert being handled).
    public static func summary(customerID: String, excludingAlert alertID: Int64, recentLimit: Int = 5, in db: Database)
        throws -> Summary
    {
        // Cached statements: every helpdesk ticket the engine plans asks for this.
        let orders = try Int.fetchOne(
            db.cachedStatement(sql: "SELECT COUNT(*) FROM orders WHERE customer_id = ?"), arguments: [customerID])
        let alerts = try Int.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT COUNT(*) FROM alerts a JOIN orders o ON o.id = a.order_id
                    WHERE o.customer_id = ? AND a.id != ?
                    """), arguments: [customerID, alertID])
        let tickets = try Int.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT COUNT(*) FROM outbox x JOIN alerts a ON a.id = x.alert_id JOIN orders o ON o.id = a.order_id
                    WHERE o.customer_id = ? AND x.action = 'helpdesk_ticket' AND x.state != 'dead' AND a.id != ?
                    """), arguments: [customerID, alertID])
        let recent = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT a.raised_at, a.order_id, a.level, a.scenario FROM alerts a JOIN orders o ON o.id = a.order_id
                    WHERE o.customer_id = ? AND a.id != ? ORDER BY a.id DESC LIMIT ?
                    """), arguments: [customerID, alertID, recentLimit]
        ).map {
            (
                raisedAt: Date(millisecondsSince1970: $0["raised_at"]), orderID: $0["order_id"] as String,
                level: $0["level"] as String, scenario: $0["scenario"] as String
            )
        }
        return Summary(orders: orders ?? 0, alerts: alerts ?? 0, tickets: tickets ?? 0, recent: recent)
    }
}
