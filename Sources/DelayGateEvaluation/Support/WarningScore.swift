import Foundation

/// How well a rule's warnings predicted late deliveries.
///
/// An order counts as warned when its first warning came strictly before its delivery. A true
/// warning is a warned order that was late; its lead is the time from the warning to 00:00 of
/// the promised day (negative when the warning came on or after that day).
public struct WarningScore: Sendable, Hashable {
    public var orders = 0
    public var late = 0
    public var warned = 0
    public var truePositives = 0
    /// Lead times of the true warnings, in hours, ascending.
    public var leads: [Double] = []

    public init() {}

    /// Scores `warning(order)` (the first warning instant, or nil) against each order's outcome.
    public init(_ orders: [OlistDataset.Order], warning: (OlistDataset.Order) -> Date?) {
        for order in orders {
            self.orders += 1
            if order.isLate { late += 1 }
            guard let instant = warning(order), instant < order.delivered else { continue }
            warned += 1
            if order.isLate {
                truePositives += 1
                leads.append(order.estimated.timeIntervalSince(instant) / 3600)
            }
        }
        leads.sort()
    }

    public var precision: Double { warned == 0 ? 0 : Double(truePositives) / Double(warned) }
    public var recall: Double { late == 0 ? 0 : Double(truePositives) / Double(late) }
    public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }

    /// The median lead of the true warnings in hours (mean of the middle two for an even count).
    public var medianLead: Double? {
        guard !leads.isEmpty else { return nil }
        let middle = leads.count / 2
        return leads.count % 2 == 1 ? leads[middle] : (leads[middle - 1] + leads[middle]) / 2
    }

    /// Share of true warnings raised at least `hours` before the promised day.
    public func shareOfLeads(atLeast hours: Double) -> Double {
        leads.isEmpty ? 0 : Double(leads.filter { $0 >= hours }.count) / Double(leads.count)
    }
}
