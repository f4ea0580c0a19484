import Foundation

/// The peak periods the simulator slows the network down for, and by how much.
///
/// A dwell (at a node or on a linehaul leg) that *starts* during a peak period is the clean
/// draw multiplied by that period's ``PeakPeriod/dwellFactor``; where periods overlap the
/// largest factor applies. Days outside every period have factor 1. An alert engine that knows
/// this calendar can divide observed dwells by ``factor(at:)`` to learn the base distributions
/// from history that spans a peak (the default 14 history days before 20 November include
/// Double 11).
///
/// ```swift
/// let calendar = PeakCalendar.standard
/// calendar.factor(at: ISO8601DateFormatter().date(from: "2026-11-11T10:00:00+08:00")!) // 1.6
/// ```
public struct PeakCalendar: Hashable, Sendable, Codable {
    /// One peak: a run of whole local (UTC+8) days with one dwell factor.
    public struct PeakPeriod: Hashable, Sendable, Codable {
        /// `double-11`, `618` or `spring-festival`.
        public var name: String
        /// 00:00 +08:00 of the first day.
        public var start: Date
        /// 00:00 +08:00 of the day after the last day (exclusive).
        public var end: Date
        /// Multiplier on every dwell that starts within the period.
        public var dwellFactor: Double

        public init(name: String, start: Date, end: Date, dwellFactor: Double) {
            self.name = name
            self.start = start
            self.end = end
            self.dwellFactor = dwellFactor
        }
    }

    public var periods: [PeakPeriod]

    public init(periods: [PeakPeriod]) {
        self.periods = periods
    }

    /// The dwell factor for a dwell starting at `instant` (1 outside every period).
    public func factor(at instant: Date) -> Double {
        var factor = 1.0
        for period in periods where instant >= period.start && instant < period.end {
            factor = max(factor, period.dwellFactor)
        }
        return factor
    }

    /// The calendar the simulator uses, for 2025–2028: Double 11 (11–13 November, ×1.6), 618
    /// (18–20 June, ×1.4) and the Spring Festival window (seven days either side of the lunar
    /// new year, ×2.0).
    public static let standard: PeakCalendar = {
        var periods: [PeakPeriod] = []
        func period(_ name: String, _ year: Int, _ month: Int, _ firstDay: Int, days: Int, factor: Double) {
            let start = ShanghaiTime.date(year: year, month: month, day: firstDay)
            periods.append(
                PeakPeriod(
                    name: name, start: start, end: start.addingTimeInterval(Double(days) * 86_400),
                    dwellFactor: factor))
        }
        // Lunar new year: 2025-01-29, 2026-02-17, 2027-02-06, 2028-01-26.
        let newYears = [(2025, 1, 29), (2026, 2, 17), (2027, 2, 6), (2028, 1, 26)]
        for (year, month, day) in newYears {
            let newYear = ShanghaiTime.date(year: year, month: month, day: day)
            let start = newYear.addingTimeInterval(-7 * 86_400)
            periods.append(
                PeakPeriod(
                    name: "spring-festival", start: start, end: start.addingTimeInterval(15 * 86_400),
                    dwellFactor: 2.0))
        }
        for year in 2025...2028 {
            period("618", year, 6, 18, days: 3, factor: 1.4)
            period("double-11", year, 11, 11, days: 3, factor: 1.6)
        }
        return PeakCalendar(periods: periods.sorted { $0.start < $1.start })
    }()
}
