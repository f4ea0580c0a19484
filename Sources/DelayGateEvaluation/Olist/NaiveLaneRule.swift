import Foundation

/// The baseline every early-warning rule is compared with: warn once transit since handoff
/// exceeds `multiple` × the lane's mean training transit.
///
/// The lane is (seller state, customer state) with `?` for an unknown side; a lane with fewer
/// than `minimumOrders` training orders uses the mean over all training orders.
public struct NaiveLaneRule: Sendable {
    public var multiple: Double
    let laneMeans: [String: Double]
    let globalMean: Double

    public init(training: [OlistDataset.Order], multiple: Double, minimumOrders: Int = 30) {
        self.multiple = multiple
        var sums: [String: (total: Double, count: Int)] = [:]
        for order in training {
            let key = Self.key(order)
            sums[key, default: (0, 0)].total += order.transit
            sums[key, default: (0, 0)].count += 1
        }
        laneMeans = sums.filter { $0.value.count >= minimumOrders }.mapValues { $0.total / Double($0.count) }
        globalMean = training.isEmpty ? 0 : training.reduce(0) { $0 + $1.transit } / Double(training.count)
    }

    static func key(_ order: OlistDataset.Order) -> String { "\(order.origin ?? "?")|\(order.destination ?? "?")" }

    /// When the rule warns about `order`.
    public func warning(for order: OlistDataset.Order) -> Date {
        order.handoff.addingTimeInterval(multiple * (laneMeans[Self.key(order)] ?? globalMean))
    }
}
