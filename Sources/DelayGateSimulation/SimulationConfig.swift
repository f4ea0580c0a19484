import Foundation

/// What to simulate: how many orders on the evaluated day, the seed, and the history before it.
///
/// ```swift
/// var config = SimulationConfig(orders: 100_000, seed: 42)
/// config.incidentRate = 0.1
/// let day = Simulator.generate(config)
/// ```
public struct SimulationConfig: Hashable, Sendable {
    /// 2026-11-20 00:00 +08:00, a week after Double 11.
    public static let defaultDay = ShanghaiTime.date(year: 2026, month: 11, day: 20)

    /// Orders placed on the evaluated day.
    public var orders: Int
    /// Everything generated (network spread, orders, timings, incidents) follows from it.
    public var seed: UInt64
    /// The evaluated day: a date within it; the simulator uses that day's 00:00 +08:00.
    public var day: Date
    /// Clean days before the evaluated day, for baseline learning.
    public var historyDays: Int
    /// Orders placed on each history day.
    public var historyOrdersPerDay: Int
    /// Share of the evaluated day's orders given an injected incident (the typhoon's incidents
    /// come on top).
    public var incidentRate: Double
    /// Days simulated after the evaluated day, so its parcels can finish.
    public var trailingDays: Int
    /// Share of orders shipped from Hong Kong through customs.
    public var crossBorderShare: Double
    /// Share of orders that are customer returns.
    public var returnShare: Double
    /// Share of orders sold on presale (shipped once the supplier delivers).
    public var presaleShare: Double
    /// Whether a typhoon interrupts one coastal province for part of the evaluated day.
    public var typhoon: Bool

    public init(
        orders: Int = 10_000,
        seed: UInt64 = 1,
        day: Date = SimulationConfig.defaultDay,
        historyDays: Int = 14,
        historyOrdersPerDay: Int? = nil,
        incidentRate: Double = 0.05,
        trailingDays: Int = 7,
        crossBorderShare: Double = 0.03,
        returnShare: Double = 0.04,
        presaleShare: Double = 0.05,
        typhoon: Bool = true
    ) {
        self.orders = orders
        self.seed = seed
        self.day = day
        self.historyDays = historyDays
        self.historyOrdersPerDay = historyOrdersPerDay ?? min(orders, 2000)
        self.incidentRate = incidentRate
        self.trailingDays = trailingDays
        self.crossBorderShare = crossBorderShare
        self.returnShare = returnShare
        self.presaleShare = presaleShare
        self.typhoon = typhoon
    }

    /// Problems that make the configuration unusable, one line each; empty when it is valid.
    public var problems: [String] {
        var problems: [String] = []
        if orders < 0 { problems.append("orders must not be negative") }
        if historyDays < 0 { problems.append("historyDays must not be negative") }
        if historyOrdersPerDay < 0 { problems.append("historyOrdersPerDay must not be negative") }
        if !(0...1).contains(incidentRate) { problems.append("incidentRate must be between 0 and 1") }
        if trailingDays < 1 { problems.append("trailingDays must be at least 1") }
        for (name, share) in [
            ("crossBorderShare", crossBorderShare), ("returnShare", returnShare), ("presaleShare", presaleShare),
        ] where !(0...1).contains(share) {
            problems.append("\(name) must be between 0 and 1")
        }
        if crossBorderShare + returnShare + presaleShare > 1 {
            problems.append("crossBorderShare + returnShare + presaleShare must not exceed 1")
        }
        let total = Int64(orders) + Int64(historyDays) * Int64(historyOrdersPerDay)
        if total > 50_000_000 { problems.append("at most 50 million orders in all (history included)") }
        if historyDays + trailingDays > 3000 { problems.append("historyDays + trailingDays is too long") }
        return problems
    }
}
